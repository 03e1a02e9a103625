"""Outcome pages: the patient's progress (charts per scale, the forecast, photos), recording an assessment
beside the chair, photo upload from a tablet or phone, the baseline/latest comparison, and photo files
served only after the access check."""

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.clinics.access import staff
from needlecare.clinics.models import CLINICAL_ROLES, OWNER_ONLY
from needlecare.core.clock import clinic_today
from needlecare.core.forms import add_refusal
from needlecare.core.storage import private_storage
from needlecare.outcomes import charts, selectors, services
from needlecare.outcomes.forecast_source import registered_forecaster
from needlecare.outcomes.forms import AssessmentForm, ClinicScaleForm, CompareForm, PhotoForm
from needlecare.outcomes.models import Photo, View
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.models import Patient
from needlecare.patients.services import record_patient_read
from needlecare.protocols.labels import labels_for
from needlecare.protocols.selectors import current_protocol
from needlecare.treatments.models import Treatment

logger = logging.getLogger(__name__)


def _sessions(patient: Patient) -> list[Treatment]:
    return list(
        Treatment.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by("-performed_on")[:100]
    )


def forecast_for(patient: Patient) -> Any:
    """The durability forecast (the forecasting app's, registered in `forecast_source`) when that app is
    installed, else None. A failing forecast must not take the patient's page down with it: it is logged
    and left out."""
    forecast_for_patient = registered_forecaster()
    if forecast_for_patient is None:
        return None
    try:
        return forecast_for_patient(patient)
    except Exception:  # noqa: BLE001 - logged with its traceback; the rest of the page still serves
        logger.exception("Forecast failed for patient %s", patient.pk)
        return None


HABITS = {"smoking": "smoking", "sun": "a lot of sun"}


def _hastened_by(forecast: Any) -> str:
    """The patient's habits from the latest intake that bring the forecast fade forward, in words."""
    habits = {h for item in getattr(forecast, "indications", None) or [] for h in item.hastened_by}
    return " and ".join(HABITS[h] for h in HABITS if h in habits)


def _bands(forecast: Any) -> dict[str, charts.Band]:
    """The forecast band of each indication, for the charts."""
    bands: dict[str, charts.Band] = {}
    for item in getattr(forecast, "indications", None) or []:
        bands[item.indication] = charts.Band(
            item.fade_low, item.fade_median, item.fade_high, getattr(item, "maintenance_due", None)
        )
    return bands


@require_GET
@staff(CLINICAL_ROLES)
def outcomes_page(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    available = services.scales_for(request.clinic)
    assessments = list(selectors.assessments_of(patient))
    for a in assessments:
        a.scale_name = available[a.scale].name if a.scale in available else a.scale  # type: ignore[attr-defined]
    sessions = _sessions(patient)
    session_days = sorted({s.performed_on for s in sessions})
    today = clinic_today(request.clinic)
    forecast = forecast_for(patient)
    bands = _bands(forecast) if forecast is not None else {}
    series = selectors.progress(assessments, available)
    _, protocol = current_protocol(request.clinic)
    names = labels_for(protocol, ["zones", "indications"])
    for s in series:
        s.zone_label = names.get(s.zone, s.zone)  # type: ignore[attr-defined]
        s.indication_label = names.get(s.indication, s.indication)  # type: ignore[attr-defined]
        band = bands.get(s.indication)
        s.chart = charts.progress_svg(s, sessions=session_days, today=today, band=band)  # type: ignore[attr-defined]
    photos = list(selectors.photos_of(patient)[:60])
    record_patient_read(patient=patient, by=request.user, action="outcomes.view", request=request)
    return render(
        request,
        "outcomes/patient.html",
        {
            "patient": patient,
            "series": series,
            "assessments": list(reversed(assessments)),
            "photos": photos,
            "pairs": selectors.photo_pairs(patient),
            "forecast": forecast,
            "has_forecasting": forecast is not None,
            "forecast_rows": sorted((names.get(k, k), band) for k, band in bands.items()),
            "forecast_note": getattr(forecast, "note", ""),
            "hastened_by": _hastened_by(forecast),
            "scales": list(available.values()),
        },
    )


@require_http_methods(["GET", "POST"])
@staff(CLINICAL_ROLES)
def assessment_create(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    available = services.scales_for(request.clinic)
    key = (request.POST.get("scale") if request.method == "POST" else request.GET.get("scale")) or ""
    scale = available.get(key)
    if scale is None:
        if request.method == "GET" and not key:
            record_patient_read(patient=patient, by=request.user, action="assessment.form", request=request)
            return render(
                request, "outcomes/choose_scale.html", {"patient": patient, "scales": available.values()}
            )
        return render(
            request,
            "outcomes/choose_scale.html",
            {
                "patient": patient,
                "scales": available.values(),
                "error": f"Unknown scale {key!r}: choose one.",
            },
            status=422,
        )
    _, protocol = current_protocol(request.clinic)
    kwargs = {
        "scale": scale,
        "zones": protocol.zones,
        "indications": protocol.indications,
        "sessions": _sessions(patient),
        "photos": list(selectors.photos_of(patient)[:40]),
    }
    today = clinic_today(request.clinic)
    if request.method == "GET":
        record_patient_read(patient=patient, by=request.user, action="assessment.form", request=request)
        form = AssessmentForm(initial={"assessed_on": today, "rater": "clinician"}, **kwargs)
        return render(request, "outcomes/assessment_form.html", {"patient": patient, "form": form})
    form = AssessmentForm(request.POST, **kwargs)
    if form.is_valid():
        try:
            services.record_assessment(
                patient=patient, by=request.user, data=form.to_input(), request=request
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                target = field if field in form.fields else ("value" if "value" in form.fields else None)
                form.add_error(target, problems)
        else:
            messages.success(request, f"{scale.name} recorded.")
            return redirect("outcomes:patient", patient_id=patient.pk)
    return render(request, "outcomes/assessment_form.html", {"patient": patient, "form": form}, status=422)


@require_GET
@staff(CLINICAL_ROLES)
def assessment_detail(request, patient_id, assessment_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    assessment = selectors.assessment_of(patient, assessment_id)
    scale = services.scales_for(request.clinic).get(assessment.scale)
    record_patient_read(patient=patient, by=request.user, action="assessment.view", request=request)
    return render(
        request,
        "outcomes/assessment_detail.html",
        {
            "patient": patient,
            "assessment": assessment,
            "scale": scale,
            "label": scale.label(assessment.value) if scale else "",
        },
    )


@require_http_methods(["GET", "POST"])
@staff(CLINICAL_ROLES)
def photo_upload(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    _, protocol = current_protocol(request.clinic)
    kwargs = {"zones": protocol.zones, "sessions": _sessions(patient)}
    if request.method == "GET":
        record_patient_read(patient=patient, by=request.user, action="photo.form", request=request)
        form = PhotoForm(initial={"taken_on": clinic_today(request.clinic), "view": "front"}, **kwargs)
        return render(request, "outcomes/photo_form.html", {"patient": patient, "form": form})
    form = PhotoForm(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            photo = services.upload_photo(
                patient=patient,
                by=request.user,
                upload=data["image"],
                view=data["view"],
                zone=data["zone"],
                taken_on=data["taken_on"],
                treatment_id=data.get("treatment") or None,
                note=data.get("note", ""),
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        except services.PhotoNotStored as error:
            form.add_error(None, error.message)
            context = {"patient": patient, "form": form}
            return render(request, "outcomes/photo_form.html", context, status=error.status)
        else:
            messages.success(request, "Photo saved; location and camera data were removed.")
            return redirect("outcomes:photo", patient_id=patient.pk, photo_id=photo.pk)
    return render(request, "outcomes/photo_form.html", {"patient": patient, "form": form}, status=422)


@require_GET
@staff(CLINICAL_ROLES)
def photo_detail(request, patient_id, photo_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    photo = selectors.photo_of(patient, photo_id)
    allowed, reason = services.marketing_consent(patient)
    record_patient_read(patient=patient, by=request.user, action="photo.view", request=request)
    return render(
        request,
        "outcomes/photo_detail.html",
        {"patient": patient, "photo": photo, "marketing_allowed": allowed, "marketing_reason": reason},
    )


def _serve(request: Any, photo: Photo, name: str, action: str) -> FileResponse:
    try:
        handle = private_storage().open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("The photo file is missing.") from None
    record_patient_read(patient=photo.patient, by=request.user, action=action, request=request,
                        detail={"photo": str(photo.pk)})  # fmt: skip
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="{photo.pk}.jpg"'
    return response


def _photo_of(request, patient_id, photo_id):  # type: ignore[no-untyped-def]
    """The photo, 404 unless it is this clinic's and this patient's; its patient already loaded."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    photo = selectors.photo_of(patient, photo_id)
    photo.patient = patient
    return photo


@require_GET
@staff(CLINICAL_ROLES)
def photo_image(request, patient_id, photo_id):
    photo = _photo_of(request, patient_id, photo_id)
    return _serve(request, photo, photo.file, "photo.image")


@require_GET
@staff(CLINICAL_ROLES)
def photo_thumbnail(request, patient_id, photo_id):
    photo = _photo_of(request, patient_id, photo_id)
    return _serve(request, photo, photo.thumbnail, "photo.thumbnail")


@require_POST
@staff(CLINICAL_ROLES)
def photo_marketing(request, patient_id, photo_id):
    photo = _photo_of(request, patient_id, photo_id)
    patient = photo.patient
    wanted = request.POST.get("marketing") == "1"
    try:
        services.set_photo_marketing(photo=photo, by=request.user, marketing=wanted, request=request)
    except ValidationError as error:
        allowed, reason = services.marketing_consent(patient)
        messages.error(request, " ".join(error.messages))
        return render(
            request,
            "outcomes/photo_detail.html",
            {"patient": patient, "photo": photo, "marketing_allowed": allowed, "marketing_reason": reason},
            status=409,
        )
    messages.success(
        request, "Marked for marketing use." if wanted else "No longer marked for marketing use."
    )
    return redirect("outcomes:photo", patient_id=patient.pk, photo_id=photo.pk)


@require_GET
@staff(CLINICAL_ROLES)
def photo_compare(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    pairs = selectors.photo_pairs(patient)
    form = CompareForm(request.GET or None)
    baseline = latest = None
    view = zone = ""
    if form.is_valid():
        view, zone = form.cleaned_data["view"], form.cleaned_data["zone"]
        baseline, latest = selectors.comparison(patient, view=view, zone=zone)
    elif not request.GET and pairs:
        view, zone = pairs[0]
        baseline, latest = selectors.comparison(patient, view=view, zone=zone)
    record_patient_read(patient=patient, by=request.user, action="photo.compare", request=request)
    return render(
        request,
        "outcomes/compare.html",
        {
            "patient": patient,
            "pairs": [(v, z, View(v).label) for v, z in pairs],
            "view": view,
            "view_label": View(view).label if view in View.values else "",
            "zone": zone,
            "baseline": baseline,
            "latest": latest,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@staff(CLINICAL_ROLES)
def scale_list(request):
    return render(
        request,
        "outcomes/scales.html",
        {"scales": list(services.scales_for(request.clinic).values())},
    )


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def scale_create(request):
    form = ClinicScaleForm(request.POST or None, initial={"better": "lower", "whole_numbers": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.define_scale(
                clinic=request.clinic, by=request.user, data=form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"Scale {form.cleaned_data['name']} added.")
            return redirect("outcomes:scales")
    status = 422 if request.method == "POST" else 200
    return render(request, "outcomes/scale_form.html", {"form": form}, status=status)
