"""Session pages: the form beside the chair (fill, check the summary, save), the record, the lot trace."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.audit.services import record_event
from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, CLINICAL_ROLES
from needlecare.clinics.policies import Category, readers
from needlecare.core.clock import clinic_today
from needlecare.core.forms import add_refusal
from needlecare.idempotency.services import FORM_TOKEN_FIELD, new_form_token, submit_once, valid_form_token
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.protocols.selectors import current_protocol
from needlecare.treatments import selectors, services
from needlecare.treatments.forms import (
    AdverseEventForm,
    LotForm,
    ResolveForm,
    SessionForm,
    ZoneFormSet,
    session_input,
)
from needlecare.treatments.models import Adjunct, EndPoint, Reaction


def _active_plans(patient):  # type: ignore[no-untyped-def]
    return list(
        TreatmentPlan.objects.filter(clinic_id=patient.clinic_id, patient=patient, status=PlanStatus.ACTIVE)
        .prefetch_related("zones")
        .order_by("-created_at")
    )


def _prefill(patient, plans, today, caution, visit):  # type: ignore[no-untyped-def]
    """Start from the previous session (numbing, depths) and the active plan's zones; the device from the
    booked appointment the session is recorded for. With an anaesthetic allergy the numbing agent is not
    carried over: the practitioner chooses it, with the allergy in front of them."""
    initial = {
        "performed_on": today,
        "numbing_minutes": 30,
        "end_point": "erythema",
        "immediate_reaction": "expected",
        "numbing_agent": "lidocaine_4",
    }
    zones: list[dict[str, object]] = []
    previous = services.previous_session(patient, today)
    if previous is not None:
        for field in (
            "device",
            "device_model",
            "device_serial",
            "numbing_agent",
            "numbing_minutes",
            "end_point",
            "product_applied",
            "duration_minutes",
        ):
            initial[field] = getattr(previous, field)
        zones = [{"zone": z.zone, "depth_mm": z.depth_mm, "passes": z.passes} for z in previous.zones.all()]
        if previous.plan_id:
            initial["plan"] = str(previous.plan_id)
    if plans:
        plan = plans[0]
        initial.setdefault("plan", str(plan.pk))
        initial["device"] = plan.device
        if not zones:
            zones = [{"zone": z.zone, "depth_mm": z.depth_max_mm, "passes": 3} for z in plan.zones.all()]
    if visit is not None and visit.device is not None:
        # The device booked for this visit is the one in the room, not the one used last time.
        initial.update(
            device=visit.device.kind, device_model=visit.device.name, device_serial=visit.device.serial
        )
        if visit.plan_id and any(str(p.pk) == str(visit.plan_id) for p in plans):
            initial["plan"] = str(visit.plan_id)
    if caution.allergic:
        initial["numbing_agent"] = ""
    return initial, zones


@require_http_methods(["GET", "POST"])
@staff(CLINICAL_ROLES)
def session_create(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    plans = _active_plans(patient)
    zone_names = list(current_protocol(request.clinic)[1].zones)
    today = clinic_today(request.clinic)
    caution = services.numbing_caution(patient)
    agents = services.agent_choices(patient)
    if request.method == "GET":
        appointment = request.GET.get("appointment") or None
        if appointment is not None and not _is_uuid(appointment):
            raise Http404("No such appointment.")
        visit = selectors.visit_for_session(patient, today, appointment)
        initial, zone_rows = _prefill(patient, plans, today, caution, visit)
        form = SessionForm(initial=initial, plans=plans, agents=agents, allergic=caution.allergic)
        zones = ZoneFormSet(initial=zone_rows, prefix="zones", form_kwargs={"zones": zone_names})
        record_patient_read(patient=patient, by=request.user, action="session.form", request=request)
        context = {
            "patient": patient,
            "form": form,
            "zones": zones,
            "caution": caution,
            "visit": visit,
            "form_token": new_form_token(),
        }
        return render(request, "treatments/form.html", context)

    form = SessionForm(request.POST, plans=plans, agents=agents, allergic=caution.allergic)
    zones = ZoneFormSet(request.POST, prefix="zones", form_kwargs={"zones": zone_names})
    token = request.POST.get(FORM_TOKEN_FIELD)
    context = {"patient": patient, "form": form, "zones": zones, "caution": caution, "form_token": token}
    if not valid_form_token(token):
        # One-time token (a double click, a resent form): a form without one is from an old page.
        context["form_token"] = new_form_token()
        messages.error(request, "This form was out of date and nothing was saved: check it and save again.")
        return render(request, "treatments/form.html", context, status=422)
    if not (form.is_valid() and zones.is_valid()):
        return render(request, "treatments/form.html", context, status=422)
    data = session_input(form, zones)
    if "confirm" not in request.POST:
        review = services.review_session(patient=patient, data=data)
        context.update(
            review=review, data=data, carried=_carried(request.POST), labels=_labels(data, dict(agents))
        )
        template = "treatments/summary.html" if review.ok else "treatments/form.html"
        return render(request, template, context, status=200 if review.ok else 422)
    try:
        session_id, first = submit_once(
            clinic=request.clinic,
            user=request.user,
            form="session",
            token=token,
            work=lambda: services.record_treatment(
                patient=patient, data=data, by=request.user, request=request
            ),
        )
    except ValidationError as error:
        context["review"] = services.Review(refusals={k: " ".join(v) for k, v in error.message_dict.items()})
        return render(request, "treatments/form.html", context, status=422)
    if first:
        messages.success(request, f"Session of {data.performed_on:%d %b %Y} saved.")
    else:
        messages.info(request, "This session was already saved (the form was sent twice): here it is.")
    return redirect("treatments:detail", patient_id=patient.pk, session_id=session_id)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _carried(post) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The submitted fields, to carry through the summary unchanged."""
    return [(key, value) for key, values in post.lists() if key != "csrfmiddlewaretoken" for value in values]


@require_GET
@staff(ALL_ROLES)
def session_detail(request, patient_id, session_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    treatment = selectors.session_of(patient, session_id)
    record_patient_read(patient=patient, by=request.user, action="session.view", request=request)
    return render(
        request,
        "treatments/detail.html",
        _detail_context(
            request, patient, treatment, AdverseEventForm(initial={"onset_on": clinic_today(request.clinic)})
        ),
    )


def _detail_context(request, patient, treatment, event_form):  # type: ignore[no-untyped-def]
    """The session page's context: each adverse event beside what the protocol says to do for it."""
    guides = selectors.adverse_guides(request.clinic)
    for event in treatment.adverse_events.all():
        event.guide = guides.get(event.kind)
    return {"patient": patient, "session": treatment, "event_form": event_form, "guides": guides.values()}


@require_POST
@staff(CLINICAL_ROLES)
def adverse_event_create(request, patient_id, session_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    treatment = selectors.session_of(patient, session_id)
    form = AdverseEventForm(request.POST)
    if form.is_valid():
        try:
            services.record_adverse_event(
                treatment=treatment, by=request.user, data=form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, "Adverse event recorded.")
            return redirect("treatments:detail", patient_id=patient.pk, session_id=treatment.pk)
    return render(
        request, "treatments/detail.html", _detail_context(request, patient, treatment, form), status=422
    )


@require_POST
@staff(CLINICAL_ROLES)
def adverse_event_resolve(request, patient_id, session_id, event_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    treatment = selectors.session_of(patient, session_id)
    event = selectors.adverse_event_of(treatment, event_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_adverse_event(
                event=event, by=request.user, resolved_on=form.cleaned_data["resolved_on"], request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Marked as resolved.")
    else:
        messages.error(request, "Give the date it resolved.")
    return redirect("treatments:detail", patient_id=patient.pk, session_id=treatment.pk)


@require_GET
@staff(readers(Category.SESSIONS))
def lot_trace(request):
    form = LotForm(request.GET or None)
    lot = form.cleaned_data["lot"].strip() if form.is_valid() else ""
    sessions = list(selectors.sessions_with_lot(request.clinic, lot)[:1000]) if lot else []
    if lot:
        record_event(
            clinic=request.clinic,
            user=request.user,
            action="lot.trace",
            request=request,
            detail={"sessions": len(sessions)},
        )
    patients = {s.patient_id for s in sessions}
    return render(
        request,
        "treatments/lot_trace.html",
        {"form": form, "lot": lot, "sessions": sessions, "patient_count": len(patients)},
        status=400 if form.errors else 200,
    )


def _labels(data, agents):  # type: ignore[no-untyped-def]
    """The words staff read on the summary for the coded choices they picked."""
    return {
        "numbing": agents.get(data.numbing_agent, data.numbing_agent),
        "adjunct": Adjunct(data.adjunct).label,
        "end_point": EndPoint(data.end_point).label,
        "reaction": Reaction(data.immediate_reaction).label,
        "device": "Pen" if data.device == "pen" else "Roller",
    }
