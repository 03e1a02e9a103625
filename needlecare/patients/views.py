"""Patient pages: list and search, create and edit, archive, the patient page, intake."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.audit.services import record_event
from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES
from needlecare.clinics.policies import readable_for
from needlecare.core.clock import clinic_today
from needlecare.patients import history, panels, selectors, services
from needlecare.patients.forms import IntakeForm, PatientForm, PatientSearchForm
from needlecare.patients.intake import QUESTIONS

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}  # Fitzpatrick types are written in Roman

TIMELINE_ON_PAGE = 6  # the newest events on the patient page; the rest on the timeline page


@require_GET
@staff(ALL_ROLES)
def patient_list(request):
    search = PatientSearchForm(request.GET)
    query, archived = "", False
    if search.is_valid():
        query, archived = search.cleaned_data["q"], search.cleaned_data["archived"]
    patients = selectors.patients_for(request.clinic, query=query, archived=archived)
    page = Paginator(patients, settings.PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    record_event(
        clinic=request.clinic,
        user=request.user,
        action="patient.search" if query else "patient.list",
        request=request,
        detail={"page": page.number, "results": page.paginator.count, "archived": archived},
    )
    template = "patients/_results.html" if request.htmx else "patients/list.html"
    return render(request, template, {"page": page, "search": search, "query": query, "archived": archived})


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def patient_create(request):
    form = PatientForm(request.POST or None, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        patient = services.create_patient(
            clinic=request.clinic, by=request.user, data=form.cleaned_data, request=request
        )
        messages.success(request, f"{patient.full_name} was added.")
        return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request, "patients/form.html", {"form": form, "patient": None}, status=_status(request, form)
    )


@require_GET
@staff(ALL_ROLES)
def patient_detail(request, patient_id):
    patient = selectors.patient_for(request.clinic, patient_id)
    services.record_patient_read(patient=patient, by=request.user, request=request)
    latest = selectors.latest_intake(patient)
    timeline, timeline_more = history.events_of(
        patient, readable=readable_for(request), limit=TIMELINE_ON_PAGE
    )
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "timeline": timeline,
            "timeline_more": timeline_more,
            "age": patient.age_on(timezone.localdate()),
            "latest": latest,
            "answers": _answer_rows(latest),
            # Screening, plans, consent and sessions: each app's panel (patients/panels.py).
            **panels.context_of(patient, clinic_today(request.clinic)),
        },
    )


@require_GET
@staff(ALL_ROLES)
def patient_timeline(request, patient_id):
    patient = selectors.patient_for(request.clinic, patient_id)
    events, _ = history.events_of(patient, readable=readable_for(request))
    services.record_patient_read(patient=patient, by=request.user, action="timeline.view", request=request)
    return render(request, "patients/timeline.html", {"patient": patient, "events": events})


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def patient_edit(request, patient_id):
    patient = selectors.patient_for(request.clinic, patient_id)
    form = PatientForm(request.POST or None, instance=patient, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient(patient=patient, by=request.user, data=form.cleaned_data, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect("patients:detail", patient_id=patient.pk)
    if request.method == "GET":
        services.record_patient_read(patient=patient, by=request.user, request=request)
    return render(
        request, "patients/form.html", {"form": form, "patient": patient}, status=_status(request, form)
    )


@require_POST
@staff(ALL_ROLES)
def patient_archive(request, patient_id):
    patient = selectors.patient_for(request.clinic, patient_id)
    services.archive_patient(patient=patient, by=request.user, request=request)
    messages.success(request, f"{patient.full_name} was archived. Their record is kept and can be restored.")
    return redirect("patients:detail", patient_id=patient.pk)


@require_POST
@staff(ALL_ROLES)
def patient_restore(request, patient_id):
    patient = selectors.patient_for(request.clinic, patient_id)
    services.restore_patient(patient=patient, by=request.user, request=request)
    messages.success(request, f"{patient.full_name} is active again.")
    return redirect("patients:detail", patient_id=patient.pk)


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)  # intake is history, not a clinical decision: any role may enter it
def intake_create(request, patient_id):
    patient = selectors.patient_for(request.clinic, patient_id, include_archived=False)
    latest = selectors.latest_intake(patient)
    previous = latest.answers if latest else {"date_of_birth": patient.date_of_birth}
    form = IntakeForm(request.POST or None, initial_answers=previous)
    if request.method == "POST" and form.is_valid():
        intake = services.submit_intake(
            patient=patient, answers=form.answers, by=request.user, request=request
        )
        messages.success(request, f"Intake saved as version {intake.version}.")
        return redirect("patients:detail", patient_id=patient.pk)
    if request.method == "GET":
        services.record_patient_read(patient=patient, by=request.user, action="intake.view", request=request)
    return render(
        request,
        "patients/intake_form.html",
        {"form": form, "patient": patient, "latest": latest},
        status=_status(request, form),
    )


@require_GET
@staff(ALL_ROLES)
def intake_detail(request, patient_id, version):
    patient = selectors.patient_for(request.clinic, patient_id)
    intake = selectors.intake_version(patient, version)
    services.record_patient_read(
        patient=patient, by=request.user, action="intake.view", request=request, detail={"version": version}
    )
    return render(
        request,
        "patients/intake_detail.html",
        {"patient": patient, "intake": intake, "answers": _answer_rows(intake)},
    )


def _status(request, form) -> int:
    return 422 if request.method == "POST" and form.errors else 200


def _answer_rows(intake) -> list[tuple[str, str, bool]]:
    """(question, answer as read aloud, whether it needs attention) for each question."""
    if intake is None:
        return []
    rows = []
    for q in QUESTIONS:
        if q.field not in intake.answers:
            rows.append((q.text, "not asked", False))
            continue
        value = intake.answers[q.field]
        if value is None:
            rows.append((q.text, "unknown — confirm with the patient", True))
        elif isinstance(value, bool):
            rows.append((q.text, "Yes" if value else "No", value))
        elif isinstance(value, list):
            rows.append((q.text, ", ".join(value) or "none", bool(value)))
        else:
            label = dict(q.choices).get(str(value), str(value))
            if q.kind == "date" and value == "never":
                rows.append((q.text, "Never", False))
                continue
            if q.kind == "date" and isinstance(value, str):
                label = date_format(date.fromisoformat(value), "j M Y")  # stored as ISO text in JSON
            elif q.kind == "fitzpatrick":
                label = f"Type {ROMAN.get(value, value)}"
            flagged = (
                q.kind == "date"
                and q.field != "date_of_birth"
                or value
                in (
                    "inflammatory",
                    "active",
                    "stable",
                    "uncontrolled",
                    "anticoagulant",
                    "antiplatelet",
                    "positive",
                )
            )
            rows.append((q.text, label, flagged))
    return rows
