"""The patient's own pages: sign in with a one-time link, today's aftercare and the timeline,
appointments, forms waiting, and the day 1/3/7 check-ins. Another patient's ids answer 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.aftercare import selectors as aftercare_selectors
from needlecare.aftercare import services as aftercare_services
from needlecare.aftercare.views import pdf_response
from needlecare.clinics.access import public
from needlecare.consent import selectors as consent_selectors
from needlecare.consent.models import SignedVia
from needlecare.consent.signature import MAX_POINTS
from needlecare.consent.signing import SigningPage, sign_from_form
from needlecare.core.clock import clinic_today
from needlecare.forecasting.durability import plain_answer
from needlecare.interop.export import download, patient_zip
from needlecare.interop.fhir import patient_bundle
from needlecare.outcomes import charts
from needlecare.outcomes import selectors as outcome_selectors
from needlecare.outcomes import services as outcome_services
from needlecare.outcomes.views import forecast_for
from needlecare.patients.forms import IntakeForm
from needlecare.patients.models import IntakeSource
from needlecare.patients.selectors import latest_intake
from needlecare.patients.services import record_patient_read, submit_intake
from needlecare.portal import selectors, services
from needlecare.portal.access import patient
from needlecare.portal.forms import CheckInForm, SignInForm
from needlecare.protocols.labels import label_of, labels_for
from needlecare.scheduling.services.feeds import create_feed
from needlecare.treatments.models import Treatment


@require_http_methods(["GET", "POST"])
@public
def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Queued for the task worker, known address or not: the same answer, in words and in time.
        services.ask_for_sign_in_links(email=form.cleaned_data["email"])
        return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"]})
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/sign_in.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@public
def link(request):
    """GET shows a button; only the POST uses the link (mail scanners that open links do not)."""
    raw = (request.POST.get("token") or request.GET.get("token") or "")[:200]
    if request.method == "POST":
        try:
            services.redeem_link(raw=raw, request=request)
        except services.LinkRefused as why:
            return render(
                request, "portal/sign_in.html", {"form": SignInForm(), "problem": str(why)}, status=410
            )
        return redirect("portal:home")
    return render(request, "portal/link.html", {"token": raw})


@require_POST
@patient
def sign_out(request):
    services.end_portal_session(request.session)
    messages.success(request, "You are signed out.")
    return redirect("portal:sign_in")


def _sessions(request):  # type: ignore[no-untyped-def]
    return list(aftercare_selectors.timelines_of(request.patient))


@require_GET
@patient
def home(request):
    person, clinic = request.patient, request.clinic
    today = clinic_today(clinic)
    timelines = _sessions(request)
    latest = timelines[0] if timelines else None
    today_step = None
    if latest is not None:
        day = (today - latest.starts_on).days
        steps = latest.dated_steps()
        today_step = next((s for s in reversed(steps) if s["step"].from_day <= day), None)
        if today_step and day > today_step["step"].to_day + 7:
            today_step = None  # long finished: nothing to do today
    due = [
        (t, aftercare_services.checkin_day_due(t.treatment, today))
        for t in timelines
        if aftercare_services.checkin_day_due(t.treatment, today)
    ]
    answered = {(c.treatment_id, c.day) for c in aftercare_selectors.checkins_of(person)}
    checkins_due = [(t, d) for t, d in due if (t.treatment_id, d) not in answered]
    consent = consent_selectors.consent_status(person)
    record_patient_read(patient=person, by=services.ACTOR, action="portal.view", request=request)
    return render(
        request,
        "portal/home.html",
        {
            "person": person,
            "clinic": clinic,
            "latest": latest,
            "today_step": today_step,
            "timelines": timelines,
            "checkins_due": checkins_due,
            "checkins": list(aftercare_selectors.checkins_of(person).select_related("treatment")),
            "consent_waiting": not consent.valid and consent_selectors.current_template(clinic) is not None,
            "intake_waiting": selectors.intake_waiting(person, today),
            "appointments": selectors.upcoming_appointments(person),
        },
    )


def _timeline(request, portal_session_id):  # type: ignore[no-untyped-def]
    record = next((t for t in _sessions(request) if str(t.treatment_id) == str(portal_session_id)), None)
    if record is None:
        raise Http404("No such session.")
    return record


@require_GET
@patient
def session(request, portal_session_id):
    record = _timeline(request, portal_session_id)
    today = clinic_today(request.clinic)
    day = (today - record.starts_on).days
    current = next((s["label"] for s in reversed(record.dated_steps()) if s["step"].from_day <= day), "")
    record_patient_read(
        patient=request.patient, by=services.ACTOR, action="portal.aftercare", request=request
    )
    return render(
        request,
        "portal/session.html",
        {"record": record, "clinic": request.clinic, "today_label": current},
    )


@require_GET
@patient
def sheet(request, portal_session_id):
    record = _timeline(request, portal_session_id)
    record_patient_read(patient=request.patient, by=services.ACTOR, action="portal.sheet", request=request)
    return pdf_response(record, f"aftercare-{record.starts_on:%Y-%m-%d}.pdf")


@require_http_methods(["GET", "POST"])
@patient
def check_in(request, portal_session_id):
    record = _timeline(request, portal_session_id)
    today = clinic_today(request.clinic)
    day = aftercare_services.checkin_day_due(record.treatment, today)
    context = {"record": record, "clinic": request.clinic, "day": day}
    if day is None:
        return render(
            request, "portal/checkin_closed.html", context, status=409 if request.method == "POST" else 200
        )
    done = record.treatment.checkins.filter(day=day).first()
    if done is not None:
        return render(request, "portal/checkin_done.html", {**context, "checkin": done})
    form = CheckInForm(request.POST or None, request.FILES or None)
    context["form"] = form
    if request.method == "POST":
        if form.is_valid():
            try:
                checkin = aftercare_services.submit_checkin(
                    treatment=record.treatment,
                    day=day,
                    answers=form.cleaned_data,
                    photo=form.cleaned_data.get("photo"),
                    request=request,
                    today=today,
                )
            except ValidationError as error:
                problems = error.message_dict
                for field, messages_ in problems.items():
                    form.add_error(field if field == "photo" else None, messages_)
                status = 422 if "photo" in problems else 409
                return render(request, "portal/checkin.html", context, status=status)
            return render(request, "portal/checkin_done.html", {**context, "checkin": checkin, "fresh": True})
        return render(request, "portal/checkin.html", context, status=422)
    return render(request, "portal/checkin.html", context)


@require_http_methods(["GET", "POST"])
@patient
def consent(request):
    person = request.patient
    template = consent_selectors.current_template(request.clinic)
    if template is None:
        raise Http404("The clinic has no consent form yet.")
    page = SigningPage.blank(template)
    if request.method == "POST":
        page = sign_from_form(
            request, patient=person, template=template, signed_via=SignedVia.PORTAL, by=services.ACTOR
        )
        if page.signature is not None:
            messages.success(request, "Thank you: your consent is signed.")
            return redirect("portal:home")
    else:
        record_patient_read(patient=person, by=services.ACTOR, action="portal.consent", request=request)
    return render(
        request,
        "portal/consent.html",
        {
            "template": page.template,
            "form": page.form,
            "problem": page.problem,
            "max_points": MAX_POINTS,
            "clinic": request.clinic,
        },
        status=page.status,
    )


@require_POST
@patient
def calendar_feed(request):
    """A private calendar address for the patient's appointments (shown once; only its hash is kept)."""
    from django.conf import settings
    from django.urls import reverse

    # The patient's own credential: staff's two-step requirement does not apply to it.
    _, raw = create_feed(
        clinic=request.clinic, by=None, patient=request.patient, request=request, verified=True
    )
    url = settings.SITE_URL + reverse("scheduling:feed", args=[raw])
    webcal = "webcal://" + url.split("://", 1)[1]
    return render(request, "portal/calendar.html", {"clinic": request.clinic, "url": url, "webcal": webcal})


@require_http_methods(["GET", "POST"])
@patient
def intake(request):
    """The patient's own health questions, pre-filled from their last answers; saving adds a version."""
    person = request.patient
    latest = latest_intake(person)
    previous = latest.answers if latest else {"date_of_birth": person.date_of_birth}
    form = IntakeForm(request.POST or None, initial_answers=previous)
    if request.method == "POST" and form.is_valid():
        submit_intake(
            patient=person,
            answers=form.answers,
            by=services.ACTOR,
            source=IntakeSource.PORTAL,
            request=request,
        )
        messages.success(request, "Thank you: your answers are saved for your practitioner.")
        return redirect("portal:home")
    if request.method == "GET":
        record_patient_read(patient=person, by=services.ACTOR, action="portal.intake", request=request)
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/intake.html", {"form": form, "clinic": request.clinic}, status=status)


# ------------------------------------------------------------------------------------------------------
# My progress: the score charts, "is it permanent for me?", and the right-of-access downloads
# ------------------------------------------------------------------------------------------------------


@require_GET
@patient
def progress(request):
    """The patient's own scores over time (the chart staff see), and when improvement is expected to fade."""
    person, clinic = request.patient, request.clinic
    today = clinic_today(clinic)
    available = outcome_services.scales_for(clinic)
    assessments = list(outcome_selectors.assessments_of(person))
    session_days = sorted(
        set(Treatment.objects.filter(clinic=clinic, patient=person).values_list("performed_on", flat=True))
    )
    forecast = forecast_for(person)
    names = labels_for(clinic, ["indications"])
    answers, bands = [], {}
    for item in getattr(forecast, "indications", None) or []:
        name = label_of(names, item.indication)
        answers.append(
            {"name": name, "forecast": item, "text": plain_answer(item, today=today, indication_label=name)}
        )
        bands[item.indication] = charts.Band(
            item.fade_low, item.fade_median, item.fade_high, item.maintenance_due
        )
    series = outcome_selectors.progress(assessments, available)
    for s in series:
        s.indication_label = label_of(names, s.indication)  # type: ignore[attr-defined]
        s.chart = charts.progress_svg(  # type: ignore[attr-defined]
            s, sessions=session_days, today=today, band=bands.get(s.indication)
        )
    record_patient_read(patient=person, by=services.ACTOR, action="portal.progress", request=request)
    return render(
        request,
        "portal/progress.html",
        {"clinic": clinic, "person": person, "series": series, "answers": answers, "sessions": session_days},
    )


class _PortalReader:
    """Who made the export, as the full-record ZIP's README names them."""

    def __init__(self, person) -> None:  # type: ignore[no-untyped-def]
        self.email = f"{person.email or person.full_name} (the patient, through the patient pages)"


@require_GET
@patient
def my_fhir(request):
    """The patient's whole record as a FHIR R4 bundle (JSON), their own record only."""
    import json

    from django.http import HttpResponse
    from django.utils import timezone

    person = request.patient
    bundle = patient_bundle(person, generated_at=timezone.now())
    record_patient_read(patient=person, by=services.ACTOR, action="portal.fhir_export", request=request)
    response = HttpResponse(json.dumps(bundle, indent=2), content_type="application/fhir+json")
    response["Content-Disposition"] = 'attachment; filename="my-record-fhir.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@patient
def my_zip(request):
    """The patient's whole record as a ZIP (data, consents as signed, aftercare sheets)."""
    from django.utils import timezone

    person = request.patient
    archive = patient_zip(person, by=_PortalReader(person), generated_at=timezone.now())
    record_patient_read(patient=person, by=services.ACTOR, action="portal.full_export", request=request)
    return download(archive, f"my-record-{timezone.now():%Y-%m-%d}.zip")
