"""Plan pages: a patient's plans, a new plan from the protocol's proposal, the plan, its adjustment and its
status. Front desk may read plans; practitioners and owners write them."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, CLINICAL_ROLES
from needlecare.core.clock import clinic_today
from needlecare.core.forms import add_refusal
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.plans import dosing, selectors, services
from needlecare.plans.forms import STATUS_ACTIONS, AdjustForm, ChoiceForm, StatusForm, zones_for
from needlecare.plans.models import TreatmentPlan
from needlecare.protocols.selectors import current_protocol

MAX_DATES = 20


@require_GET
@staff(ALL_ROLES)
def plan_list(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plans = list(selectors.plans_of(patient)[:100])
    record_patient_read(patient=patient, by=request.user, action="plan.view", request=request)
    today = clinic_today(request.clinic)
    return render(
        request,
        "plans/list.html",
        {"patient": patient, "plans": [(plan, plan.next_date(today)) for plan in plans]},
    )


def _dates_posted(post: QueryDict) -> int:
    return min(sum(1 for key in post if key.startswith("schedule_")), MAX_DATES)


def _choice_key(data: dict[str, Any]) -> str:
    """What a proposal was made from, so that a save after changing the choices proposes again."""
    return "|".join(
        [
            ",".join(data["indications"]),
            ",".join(data["zones"]),
            data["device"],
            str(data["fitzpatrick"]),
            data["start"].isoformat(),
        ]
    )


def _redrawn(post: QueryDict, form: AdjustForm, start: date, fallback: tuple[int, int]) -> QueryDict:
    """The posted form with its dates redrawn from the first one, for the sessions and interval typed."""
    sessions, interval = fallback
    try:
        sessions = max(1, min(MAX_DATES, int(post.get("sessions", sessions))))
        interval = max(1, min(26, int(post.get("interval_weeks_min", interval))))
    except ValueError:
        pass
    first = form.cleaned_data.get(form.date_names[0]) if form.date_names else None
    days = services.weekly_schedule(first or start, sessions, interval)
    data = post.copy()
    for key in [k for k in data if k.startswith("schedule_")]:
        del data[key]
    for index, day in enumerate(days):
        data[f"schedule_{index}"] = day.isoformat()
    data["shown_schedule"] = ",".join(day.isoformat() for day in days)
    return data


def _service_errors(form: AdjustForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        form.add_service_errors(error.message_dict)
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_http_methods(["GET", "POST"])
@staff(CLINICAL_ROLES)
def plan_create(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    version, protocol = current_protocol(request.clinic)
    today = clinic_today(request.clinic)
    context: dict[str, Any] = {"patient": patient, "protocol_version": version, "adjust": None}
    if request.method == "GET":
        record_patient_read(patient=patient, by=request.user, action="plan.form", request=request)
        initial = {"fitzpatrick": selectors.default_fitzpatrick(patient), "start": today, "device": "pen"}
        context["choice"] = ChoiceForm(initial=initial, protocol=protocol)
        return render(request, "plans/create.html", context)

    choice = ChoiceForm(request.POST, protocol=protocol)
    context["choice"] = choice
    if not choice.is_valid():
        return render(request, "plans/create.html", context, status=422)
    data = choice.cleaned_data
    try:
        proposal = dosing.propose(protocol=protocol, **data)
    except dosing.DosingError as error:
        choice.add_error("device" if "device" in str(error) else None, str(error))
        return render(request, "plans/create.html", context, status=422)
    key = _choice_key(data)
    bands = [(z.zone, services.mm(z.min_mm), services.mm(z.max_mm)) for z in proposal.zones]
    zones = zones_for(protocol, bands, {z.zone: list(z.notes) for z in proposal.zones})
    context.update(proposal=proposal, choice_key=key)
    action = request.POST.get("action", "propose")

    if action == "propose" or request.POST.get("choice_key") != key:
        shown = ",".join(day.isoformat() for day in proposal.schedule)
        initial: dict[str, Any] = {
            "sessions": proposal.sessions,
            "interval_weeks_min": proposal.interval_weeks_min,
            "interval_weeks_max": proposal.interval_weeks_max,
            "maintenance_months": proposal.maintenance_months,
            "shown_schedule": shown,
        }
        initial |= {f"schedule_{i}": day for i, day in enumerate(proposal.schedule)}
        for zone, low, high in bands:
            initial |= {f"min_{zone}": low.normalize(), f"max_{zone}": high.normalize()}
        context["adjust"] = AdjustForm(initial=initial, zones=zones, dates=len(proposal.schedule))
        return render(request, "plans/create.html", context)

    adjust = AdjustForm(request.POST, zones=zones, dates=_dates_posted(request.POST))
    context["adjust"] = adjust
    valid = adjust.is_valid()
    if action == "recalc":
        data_ = _redrawn(
            request.POST, adjust, data["start"], (proposal.sessions, proposal.interval_weeks_min)
        )
        context["adjust"] = AdjustForm(data_, zones=zones, dates=_dates_posted(data_))
        context["adjust"].is_valid()
        return render(request, "plans/create.html", context)
    if not valid:
        return render(request, "plans/create.html", context, status=422)
    try:
        plan = services.create_plan(
            patient=patient,
            by=request.user,
            changes=adjust.changes(),
            request=request,
            **data,
        )
    except dosing.UnknownChoice as error:
        choice.add_error(None, str(error))
        return render(request, "plans/create.html", context, status=422)
    except ValidationError as error:
        _service_errors(adjust, error)
        return render(request, "plans/create.html", context, status=422)
    messages.success(request, "Plan saved as a draft. Activate it when the patient is ready to start.")
    return redirect("plans:detail", patient_id=patient.pk, plan_id=plan.pk)


def _detail(request, patient, plan: TreatmentPlan, status: int = 200, form: StatusForm | None = None):  # type: ignore[no-untyped-def]
    actions = [
        (value, STATUS_ACTIONS[value])
        for value in ("active", "completed", "stopped")
        if plan.can_become(value)
    ]
    return render(
        request,
        "plans/detail.html",
        {
            "patient": patient,
            "plan": plan,
            "zones": [(z, plan.zone_label(z.zone)) for z in plan.zones.all()],
            "actions": actions,
            "status_form": form or StatusForm(),
            "today": clinic_today(request.clinic),
        },
        status=status,
    )


@require_GET
@staff(ALL_ROLES)
def plan_detail(request, patient_id, plan_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plan = selectors.plan_for(patient, plan_id)
    record_patient_read(patient=patient, by=request.user, action="plan.view", request=request)
    return _detail(request, patient, plan)


@require_POST
@staff(CLINICAL_ROLES)
def plan_status(request, patient_id, plan_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plan = selectors.plan_for(patient, plan_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _detail(request, patient, plan, status=422, form=form)
    try:
        services.change_plan_status(
            plan=plan,
            by=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            add_refusal(form, error)
            status = 422
        else:
            form.add_error(None, " ".join(error.messages))
            status = 409
        return _detail(request, patient, selectors.plan_for(patient, plan_id), status=status, form=form)
    label = {"active": "activated", "completed": "completed", "stopped": "stopped"}[
        form.cleaned_data["status"]
    ]
    messages.success(request, f"Plan {label}.")
    return redirect("plans:detail", patient_id=patient.pk, plan_id=plan.pk)


@require_http_methods(["GET", "POST"])
@staff(CLINICAL_ROLES)
def plan_edit(request, patient_id, plan_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plan = selectors.plan_for(patient, plan_id)
    if not plan.is_open:
        messages.error(
            request, f"A {plan.get_status_display().lower()} plan is closed and cannot be changed."
        )
        return _detail(request, patient, plan, status=409)
    rows = list(plan.zones.all())
    zones = zones_for(
        plan.protocol_document,
        [(z.zone, Decimal(z.protocol_min_mm), Decimal(z.protocol_max_mm)) for z in rows],
        plan.proposal.get("zone_notes", {}),
    )
    context: dict[str, Any] = {"patient": patient, "plan": plan}
    if request.method == "GET":
        record_patient_read(patient=patient, by=request.user, action="plan.view", request=request)
        initial: dict[str, Any] = {
            "sessions": plan.sessions,
            "interval_weeks_min": plan.interval_weeks_min,
            "interval_weeks_max": plan.interval_weeks_max,
            "maintenance_months": plan.maintenance_months,
            "notes": plan.notes,
            "shown_schedule": ",".join(plan.schedule),
        }
        initial |= {f"schedule_{i}": day for i, day in enumerate(plan.schedule_dates)}
        for z in rows:
            initial |= {
                f"min_{z.zone}": Decimal(z.depth_min_mm).normalize(),
                f"max_{z.zone}": Decimal(z.depth_max_mm).normalize(),
                f"reason_{z.zone}": z.outside_band_reason,
            }
        context["adjust"] = AdjustForm(initial=initial, zones=zones, dates=len(plan.schedule))
        return render(request, "plans/edit.html", context)

    adjust = AdjustForm(request.POST, zones=zones, dates=_dates_posted(request.POST))
    context["adjust"] = adjust
    valid = adjust.is_valid()
    if request.POST.get("action") == "recalc":
        data = _redrawn(request.POST, adjust, plan.start, (plan.sessions, plan.interval_weeks_min))
        context["adjust"] = AdjustForm(data, zones=zones, dates=_dates_posted(data))
        context["adjust"].is_valid()
        return render(request, "plans/edit.html", context)
    if not valid:
        return render(request, "plans/edit.html", context, status=422)
    try:
        services.update_plan(plan=plan, by=request.user, changes=adjust.changes(), request=request)
    except ValidationError as error:
        _service_errors(adjust, error)
        return render(
            request,
            "plans/edit.html",
            context,
            status=409 if getattr(error, "code", None) == "closed" else 422,
        )
    messages.success(request, "Plan updated.")
    return redirect("plans:detail", patient_id=patient.pk, plan_id=plan.pk)
