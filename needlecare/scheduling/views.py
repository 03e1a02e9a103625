"""Calendar pages: day and week views, booking from a free slot, an appointment's actions (check in,
no-show, complete, move, cancel), a patient's appointments and series, calendar feeds, and the setup.

Small moves go through htmx without a page reload: a status change swaps its calendar card; move and
cancel open an inline form in the card (or post the appointment page's own forms) and swap the card (or
the page's body), refusals included (409/422, swapped in by scheduling.js), after which the calendar
reloads only its grid. Without htmx the same URLs answer as ordinary forms and pages."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.audit.services import record_event
from needlecare.clinics.access import public, staff
from needlecare.clinics.models import ALL_ROLES, OWNER_ONLY
from needlecare.core.clock import clinic_today
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.scheduling import selectors, services
from needlecare.scheduling.forms import (
    BookForm,
    CalendarQuery,
    CancelForm,
    DeviceForm,
    HoursForm,
    MoveForm,
    RoomForm,
    SlotSearch,
    TimeOffForm,
    TypeForm,
    parse_day,
)
from needlecare.scheduling.ics import feed_calendar
from needlecare.scheduling.models import Appointment, AppointmentType, CalendarFeed, Status, TimeOff

HALF_HOUR = AppointmentType(duration_minutes=30, needs_room=False, needs_device=False)  # free-time probe


def _practitioner(request, value: object) -> Any:  # type: ignore[no-untyped-def]
    practitioner = selectors.practitioner_for(request.clinic, value) if value else None
    if value and practitioner is None:
        raise Http404
    return practitioner


def _reasons(error: ValidationError) -> list[str]:
    return (
        [" ".join(v) for v in error.message_dict.values()] if hasattr(error, "error_dict") else error.messages
    )


# ------------------------------------------------------------------------------------------------------
# Day and week
# ------------------------------------------------------------------------------------------------------


@dataclass
class Column:
    practitioner: Any
    items: list[tuple[str, Any]] = field(default_factory=list)  # ("appointment", a) or ("free", datetime)
    away: Any = None
    hours: str = ""
    free_count: int = 0


@require_GET
@staff(ALL_ROLES)
def calendar_view(request):
    practitioners = list(selectors.practitioners_of(request.clinic))
    query = CalendarQuery(request.GET, practitioners=practitioners)
    query.is_valid()
    today = clinic_today(request.clinic)
    day = query.cleaned_data.get("date") or today
    view = query.cleaned_data.get("view") or "day"
    chosen = _practitioner(request, query.cleaned_data.get("practitioner"))
    shown = [chosen] if chosen else practitioners
    if view == "week":
        first = day - timedelta(days=day.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
    else:
        first, days = day, [day]
    starts, ends = selectors.day_bounds(request.clinic, days[0], days[-1])
    appointments = list(selectors.appointments_between(request.clinic, starts, ends, practitioner=chosen))
    availability = selectors.Availability.load(request.clinic, starts, ends)
    now = timezone.now()
    grid = []
    for one_day in days:
        columns = []
        for practitioner in shown:
            column = Column(practitioner, away=availability.away_on(practitioner.pk, one_day))
            column.hours = availability.hours_text(practitioner.pk, one_day)
            mine = [
                a
                for a in appointments
                if a.practitioner_id == practitioner.pk
                and selectors.local_day(request.clinic, a.starts_at) == one_day
            ]
            free = []
            if not column.away:
                free = [
                    s.starts_at
                    for s in availability.slots_on(
                        one_day, practitioner=practitioner, type=HALF_HOUR, after=now
                    )
                    if s.starts_at.minute % 30 == 0
                ]
            column.free_count = len(free)
            shown_free = free if view == "day" else []
            column.items = sorted(
                [("appointment", a) for a in mine] + [("free", f) for f in shown_free],
                key=lambda item: item[1].starts_at if item[0] == "appointment" else item[1],
            )
            columns.append(column)
        grid.append((one_day, columns))
    record_event(
        clinic=request.clinic,
        user=request.user,
        action="calendar.view",
        request=request,
        detail={"view": view, "appointments": len(appointments)},
    )
    step = timedelta(days=7 if view == "week" else 1)
    shown_query = CalendarQuery(
        practitioners=practitioners,
        initial={"view": view, "date": day, "practitioner": str(chosen.pk) if chosen else ""},
    )
    return render(
        request,
        "scheduling/calendar.html",
        {
            "query": shown_query,
            "view": view,
            "day": day,
            "today": today,
            "previous": day - step,
            "next": day + step,
            "grid": grid,
            "chosen": chosen,
            "practitioners": practitioners,
            "now": now,
        },
    )


# ------------------------------------------------------------------------------------------------------
# Booking
# ------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def book(request):
    """Book from a free slot: the slot comes in the query string; staff find the patient and confirm."""
    practitioners = list(selectors.practitioners_of(request.clinic))
    source = request.POST if request.method == "POST" else request.GET
    initial_type = selectors.type_by_code(request.clinic, "consultation")
    form = BookForm(
        source if request.method == "POST" else None,
        clinic=request.clinic,
        practitioners=practitioners,
        initial={
            "practitioner": source.get("practitioner"),
            "day": source.get("day"),
            "time": source.get("time"),
            "type": source.get("type") or (initial_type.pk if initial_type else None),
        },
    )
    q = source.get("q", "").strip()[:100]
    patients = list(patient_selectors.patients_for(request.clinic, query=q)[:20]) if q else []
    patient = None
    if source.get("patient"):
        try:
            patient_id = uuid.UUID(source["patient"])
        except ValueError:
            raise Http404 from None
        patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    slot = {key: source.get(key, "")[:40] for key in ("practitioner", "day", "time", "type")}
    context = {"form": form, "q": q, "patients": patients, "patient": patient, "slot": slot}
    if request.method == "GET":
        if request.htmx and request.htmx.target == "patient-results":
            return render(request, "scheduling/_patient_results.html", context)
        return render(request, "scheduling/book.html", context)
    if patient is None:
        context["error"] = "Choose the patient first."
        return render(request, "scheduling/book.html", context, status=422)
    if not form.is_valid():
        return render(request, "scheduling/book.html", context, status=422)
    return _book_and_answer(request, patient, form, "scheduling/book.html", context)


def _book_and_answer(request, patient, form, template, context):  # type: ignore[no-untyped-def]
    data = form.cleaned_data
    practitioner = _practitioner(request, data["practitioner"])
    booking = services.Booking(
        patient=patient,
        practitioner=practitioner,
        type=data["type"],
        starts_at=selectors.at_local(request.clinic, data["day"], data["time"]),
        reason=data.get("reason", ""),
    )
    try:
        appointment = services.book_appointment(
            clinic=request.clinic, booking=booking, by=request.user, request=request
        )
    except services.BookingRefused as error:
        context["error"] = " ".join(_reasons(error))
        return render(request, template, context, status=422)
    except services.SlotTaken as error:
        context["error"] = error.message
        return render(request, template, context, status=409)
    messages.success(request, f"Booked: {appointment.type.name.lower()} for {patient.full_name}.")
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


# ------------------------------------------------------------------------------------------------------
# One appointment
# ------------------------------------------------------------------------------------------------------


def _appointment_context(request, appointment, **extra):  # type: ignore[no-untyped-def]
    practitioners = list(selectors.practitioners_of(request.clinic))
    local = appointment.starts_at.astimezone(selectors.tz_of(request.clinic))
    auto_id = _auto_id(request, appointment)
    move = extra.pop("move_form", None) or MoveForm(
        practitioners=practitioners,
        auto_id=auto_id,
        initial={"day": local.date(), "time": local.time(), "practitioner": str(appointment.practitioner_id)},
    )
    return {
        "appointment": appointment,
        "patient": appointment.patient,
        "move_form": move,
        "cancel_form": extra.pop("cancel_form", None) or CancelForm(auto_id=auto_id),
        "today": clinic_today(request.clinic),
        "now": timezone.now(),
        **extra,
    }


def _is_card(request, appointment) -> bool:  # type: ignore[no-untyped-def]
    """An htmx request from a calendar card (its target is the card itself)."""
    return bool(request.htmx) and request.htmx.target == f"appt-{appointment.pk}"


def _auto_id(request, appointment) -> str:  # type: ignore[no-untyped-def]
    """In a calendar card a form's ids carry the appointment's, so two open cards never share an id."""
    return f"id_%s_{appointment.pk.hex[:8]}" if _is_card(request, appointment) else "id_%s"


def _htmx_answer(request, appointment, *, status=200, changed=False, **extra):  # type: ignore[no-untyped-def]
    """What an htmx move or cancel gets back: the calendar card (with its inline form while editing or
    refused), or the body of the appointment page. Refusals keep their 409/422 status (scheduling.js
    lets htmx swap them in). After a change the calendar reloads its grid, so the card lands in its new
    place and the freed slot shows."""
    template = (
        "scheduling/_appointment.html"
        if _is_card(request, appointment)
        else "scheduling/_appointment_page.html"
    )
    editable = {"move": (Status.BOOKED,), "cancel": (Status.BOOKED, Status.CHECKED_IN)}
    form = extra.get(f"{extra.get('editing')}_form")
    if form is not None and appointment.status not in editable[extra["editing"]]:
        # The form is gone (the appointment changed meanwhile): say why where it was.
        extra["error"] = " ".join(form.non_field_errors())
    response = render(request, template, _appointment_context(request, appointment, **extra), status=status)
    if changed:
        response["HX-Trigger"] = "appointments-changed"
    return response


def _inline_form(request, appointment, editing: str):  # type: ignore[no-untyped-def]
    """GET on move/ or cancel/: the card with its inline form (htmx); without htmx, the appointment page
    that has both forms."""
    if not request.htmx:
        return redirect("scheduling:appointment", appointment_id=appointment.pk)
    return _htmx_answer(request, appointment, editing=editing)


@require_GET
@staff(ALL_ROLES)
def appointment_detail(request, appointment_id):
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    record_patient_read(
        patient=appointment.patient, by=request.user, action="appointment.view", request=request
    )
    if _is_card(request, appointment):  # "Keep" on an open inline form: the card as it is
        return _htmx_answer(request, appointment)
    return render(request, "scheduling/appointment.html", _appointment_context(request, appointment))


@require_POST
@staff(ALL_ROLES)
def appointment_status(request, appointment_id):
    """Check in, complete or no-show. From a calendar card (htmx) the answer is the card itself."""
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    error = ""
    try:
        services.set_status(
            appointment=appointment, status=request.POST.get("status", ""), by=request.user, request=request
        )
    except services.BookingRefused as refusal:
        error = " ".join(_reasons(refusal))
    if request.htmx:
        return render(
            request,
            "scheduling/_appointment.html",
            {
                "appointment": appointment,
                "error": error,
                "today": clinic_today(request.clinic),
                "now": timezone.now(),
            },
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{appointment.get_status_display()}.")
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def appointment_cancel(request, appointment_id):
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    if request.method == "GET":
        return _inline_form(request, appointment, "cancel")
    form = CancelForm(request.POST, auto_id=_auto_id(request, appointment))
    if form.is_valid():
        try:
            services.cancel_appointment(
                appointment=appointment, reason=form.cleaned_data["reason"], by=request.user, request=request
            )
        except services.BookingRefused as error:
            form.add_error(None, " ".join(_reasons(error)))
        else:
            if request.htmx:
                return _htmx_answer(
                    request, appointment, changed=True, notice="Cancelled; the slot is free again."
                )
            messages.success(request, "Cancelled; the slot is free again.")
            return redirect("scheduling:appointment", appointment_id=appointment.pk)
    if request.htmx:
        return _htmx_answer(request, appointment, status=422, editing="cancel", cancel_form=form)
    context = _appointment_context(request, appointment, cancel_form=form)
    return render(request, "scheduling/appointment.html", context, status=422)


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def appointment_move(request, appointment_id):
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    if request.method == "GET":
        return _inline_form(request, appointment, "move")
    practitioners = list(selectors.practitioners_of(request.clinic))
    form = MoveForm(request.POST, practitioners=practitioners, auto_id=_auto_id(request, appointment))
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.move_appointment(
                appointment=appointment,
                starts_at=selectors.at_local(request.clinic, data["day"], data["time"]),
                practitioner=_practitioner(request, data["practitioner"]),
                reason=data["reason"],
                by=request.user,
                request=request,
            )
        except services.BookingRefused as error:
            form.add_error(None, " ".join(_reasons(error)))
        except services.SlotTaken as error:
            form.add_error(None, error.message)
            status = 409
        else:
            if request.htmx:
                return _htmx_answer(
                    request, appointment, changed=True, notice="Moved. Calendar feeds show the new time."
                )
            messages.success(request, "Moved. Calendar feeds show the new time.")
            return redirect("scheduling:appointment", appointment_id=appointment.pk)
        appointment.refresh_from_db()
    if request.htmx:
        return _htmx_answer(request, appointment, status=status, editing="move", move_form=form)
    context = _appointment_context(request, appointment, move_form=form)
    return render(request, "scheduling/appointment.html", context, status=status)


# ------------------------------------------------------------------------------------------------------
# A patient's appointments, free slots for them, and series from their plans
# ------------------------------------------------------------------------------------------------------


@require_GET
@staff(ALL_ROLES)
def patient_appointments(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    practitioners = list(selectors.practitioners_of(request.clinic))
    today = clinic_today(request.clinic)
    search = SlotSearch(
        request.GET or None,
        clinic=request.clinic,
        practitioners=practitioners,
        initial={"day": today + timedelta(days=1)},
    )
    slots: list[selectors.Slot] = []
    note = ""
    if search.is_valid():
        kind = search.cleaned_data["type"]
        chosen = _practitioner(request, search.cleaned_data["practitioner"])
        first = max(search.cleaned_data["day"], today)
        if kind.is_treatment:
            note = selectors.treatment_refusal(patient, first) or ""
        slots = selectors.free_slots(
            request.clinic,
            type=kind,
            first=first,
            last=first + timedelta(days=6),
            practitioners=[chosen] if chosen else practitioners,
            patient=patient,
            limit=400,
        )
        # On the half hour, at most 40: enough to choose from at a glance.
        slots = [s for s in slots if s.starts_at.minute % 30 == 0][:40]
    context = {
        "patient": patient,
        "search": search,
        "slots": slots,
        "note": note,
        "searched": search.is_bound,
        "tz": selectors.tz_of(request.clinic),
    }
    if request.htmx and request.htmx.target == "slot-results":
        return render(request, "scheduling/_slots.html", context)
    context.update(
        appointments=list(selectors.appointments_of_patient(patient)[:200]),
        plans=list(
            TreatmentPlan.objects.filter(
                clinic=request.clinic, patient=patient, status=PlanStatus.ACTIVE
            ).order_by("-created_at")
        ),
        feeds=list(selectors.feeds_of(request.clinic, patient=patient)),
        now=timezone.now(),
        today=today,
    )
    record_patient_read(patient=patient, by=request.user, action="appointment.list", request=request)
    return render(request, "scheduling/patient.html", context)


@require_POST
@staff(ALL_ROLES)
def patient_book(request, patient_id):
    """Book one of the free slots listed on the patient's appointments page."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    form = BookForm(
        request.POST, clinic=request.clinic, practitioners=list(selectors.practitioners_of(request.clinic))
    )
    context = {"form": form, "patient": patient, "q": "", "patients": [], "slot": {}}
    if not form.is_valid():
        return render(request, "scheduling/book.html", context, status=422)
    return _book_and_answer(request, patient, form, "scheduling/book.html", context)


@dataclass
class VisitRow:
    index: int
    number: int | None
    label: str
    window: tuple[date, date]
    day: Any
    time: Any
    reason: str
    note: str
    chosen: bool = True
    outside: bool = False


def _rows_from_proposal(request, proposal) -> list[VisitRow]:  # type: ignore[no-untyped-def]
    rows = []
    tz = selectors.tz_of(request.clinic)
    for index, visit in enumerate(proposal.visits):
        local = visit.slot.starts_at.astimezone(tz) if visit.slot else None
        rows.append(
            VisitRow(
                index=index,
                number=visit.number,
                label=visit.label,
                window=visit.window,
                day=local.date() if local else None,
                time=local.strftime("%H:%M") if local else "",
                reason="",
                note=visit.note,
                chosen=visit.slot is not None,
                outside=bool(local and not visit.window[0] <= local.date() <= visit.window[1]),
            )
        )
    return rows


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def series(request, patient_id, plan_id):
    """Propose a slot for every remaining session of an active plan (and the maintenance visit);
    staff keep or change each time and book them all in one step."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    plan = get_object_or_404(
        TreatmentPlan.objects.filter(clinic=request.clinic, patient=patient).select_related(
            "clinic", "patient"
        ),
        pk=plan_id,
    )
    practitioners = list(selectors.practitioners_of(request.clinic))
    source = request.POST if request.method == "POST" else request.GET
    default = request.user.pk if any(p.pk == request.user.pk for p in practitioners) else None
    if default is None and practitioners:
        default = practitioners[0].pk
    practitioner = _practitioner(request, source.get("practitioner") or default)
    if practitioner is None:
        messages.error(request, "Nobody in this clinic treats patients yet: add working hours first.")
        return redirect("scheduling:patient", patient_id=patient.pk)
    proposal = services.propose_series(plan=plan, practitioner=practitioner)
    rows = _rows_from_proposal(request, proposal)
    context = {
        "patient": patient,
        "plan": plan,
        "proposal": proposal,
        "rows": rows,
        "practitioner": practitioner,
        "practitioners": practitioners,
    }
    record_patient_read(
        patient=patient, by=request.user, action="appointment.propose_series", request=request
    )
    if request.method == "GET":
        return render(request, "scheduling/series.html", context)

    treatment = selectors.type_by_code(request.clinic, "treatment")
    maintenance = selectors.type_by_code(request.clinic, "maintenance") or treatment
    bookings, errors = [], []
    for row in rows:
        row.chosen = request.POST.get(f"visit-{row.index}-book") == "on"
        row.day = parse_day(request.POST.get(f"visit-{row.index}-day"), row.day or date.min)
        row.time = request.POST.get(f"visit-{row.index}-time", "")
        row.reason = request.POST.get(f"visit-{row.index}-reason", "").strip()[:500]
        if not row.chosen:
            continue
        try:
            clock = datetime.strptime(row.time, "%H:%M").time()
        except ValueError:
            errors.append(f"{row.label}: give a time as HH:MM.")
            continue
        if row.day == date.min:
            errors.append(f"{row.label}: give a day.")
            continue
        row.outside = not row.window[0] <= row.day <= row.window[1]
        bookings.append(
            services.Booking(
                patient=patient,
                practitioner=practitioner,
                type=treatment if row.number else maintenance,  # type: ignore[arg-type]
                starts_at=selectors.at_local(request.clinic, row.day, clock),
                plan=plan,
                session_number=row.number,
                reason=row.reason,
            )
        )
    if not errors and treatment is None:
        errors.append("The clinic has no active treatment type.")
    if errors:
        context["errors"] = errors
        return render(request, "scheduling/series.html", context, status=422)
    try:
        booked = services.book_series(
            clinic=request.clinic, plan=plan, bookings=bookings, by=request.user, request=request
        )
    except services.BookingRefused as error:
        context["errors"] = _reasons(error)
        return render(request, "scheduling/series.html", context, status=422)
    except services.SlotTaken as error:
        context["errors"] = [error.message]
        return render(request, "scheduling/series.html", context, status=409)
    messages.success(request, f"Booked {len(booked)} visits of the plan.")
    return redirect("scheduling:patient", patient_id=patient.pk)


# ------------------------------------------------------------------------------------------------------
# Calendar feeds
# ------------------------------------------------------------------------------------------------------


def _feed_url(request, raw: str) -> str:  # type: ignore[no-untyped-def]
    return request.build_absolute_uri(reverse("scheduling:feed", kwargs={"feed_token": raw}))


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def feeds(request):
    """Your own calendar feed (practitioners and owners); owners also see and revoke everyone's."""
    new_url = ""
    is_practitioner = selectors.practitioner_for(request.clinic, request.user.pk) is not None
    if request.method == "POST":
        if not is_practitioner:
            messages.error(request, "Only practitioners and owners have appointments of their own.")
            return redirect("scheduling:feeds")
        _, raw = services.create_feed(
            clinic=request.clinic,
            by=request.user,
            practitioner=request.user,
            request=request,
            verified=request.user.is_verified(),
        )
        new_url = _feed_url(request, raw)
    listed = selectors.feeds_of(request.clinic)
    if not request.membership.is_owner:
        listed = listed.filter(created_by=request.user)
    return render(
        request,
        "scheduling/feeds.html",
        {"feeds": list(listed[:200]), "new_url": new_url, "is_practitioner": is_practitioner},
    )


@require_POST
@staff(ALL_ROLES)
def patient_feed(request, patient_id):
    """A feed address for the patient's own calendar app; shown once, to send to them."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    _, raw = services.create_feed(
        clinic=request.clinic,
        by=request.user,
        patient=patient,
        request=request,
        verified=request.user.is_verified(),
    )
    messages.success(
        request, f"New calendar address for {patient.full_name} (shown once): {_feed_url(request, raw)}"
    )
    return redirect("scheduling:patient", patient_id=patient.pk)


@require_POST
@staff(ALL_ROLES)
def feed_revoke(request, feed_id):
    feed = get_object_or_404(
        CalendarFeed.objects.filter(clinic=request.clinic, revoked_at__isnull=True), pk=feed_id
    )
    if not request.membership.is_owner and feed.created_by_id != request.user.pk:
        raise Http404
    services.revoke_feed(feed=feed, by=request.user, request=request)
    messages.success(request, "Revoked: that address no longer answers.")
    if feed.patient_id:
        return redirect("scheduling:patient", patient_id=feed.patient_id)
    return redirect("scheduling:feeds")


@require_GET
@public
def feed(request, feed_token):
    """The iCalendar feed itself. The unguessable address is the credential (calendar apps cannot sign
    in); an unknown or revoked one answers 404."""
    found = selectors.feed_by_token(feed_token)
    if found is None:
        raise Http404
    since = timezone.now() - timedelta(days=60)
    appointments = Appointment.objects.filter(clinic=found.clinic, ends_at__gte=since).select_related(
        "type", "room", "patient"
    )
    if found.patient_id:
        appointments = appointments.filter(patient_id=found.patient_id)
    else:
        appointments = appointments.filter(practitioner_id=found.practitioner_id)
    appointments = appointments.order_by("starts_at")[:2000]
    record_event(
        clinic=found.clinic,
        user=None,
        action="calendar_feed.read",
        obj=found,
        patient_id=found.patient_id,
        request=request,
    )
    response = HttpResponse(feed_calendar(found, appointments), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# ------------------------------------------------------------------------------------------------------
# Setup (owners): rooms, devices, appointment types, working hours, time off
# ------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def setup(request):
    clinic = request.clinic
    practitioners = list(selectors.practitioners_of(clinic))
    forms: dict[str, Any] = {
        "room": RoomForm(prefix="room"),
        "device": DeviceForm(prefix="device"),
        "time_off": TimeOffForm(prefix="off", practitioners=practitioners),
        "hours": HoursForm(
            prefix="hours",
            practitioners=practitioners,
            initial=_hours_initial(
                clinic, _practitioner(request, request.GET.get("practitioner")) or practitioners
            ),
        ),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _setup_action(request, action, practitioners, forms)
        except ValidationError as error:
            messages.error(request, " ".join(_reasons(error)))
            done = False
        if done:
            messages.success(request, "Saved.")
            return redirect("scheduling:setup")
        status = 422
    types = list(selectors.types_of(clinic, active_only=False))
    return render(
        request,
        "scheduling/setup.html",
        {
            **forms,
            "types": [(t, TypeForm(instance=t, prefix=f"type-{t.pk}")) for t in types],
            "rooms": list(selectors.rooms_of(clinic)),
            "devices": list(selectors.devices_of(clinic)),
            "time_off_list": list(
                TimeOff.objects.filter(clinic=clinic, last_day__gte=clinic_today(clinic)).select_related(
                    "practitioner"
                )
            ),
            "practitioners": practitioners,
        },
        status=status,
    )


def _hours_initial(clinic, chosen) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The week of the chosen practitioner (or the first of a list of them), to edit."""
    from needlecare.scheduling.models import WorkingHours

    if isinstance(chosen, list):
        chosen = chosen[0] if chosen else None
    practitioner_id = chosen.pk if chosen else None
    initial: dict[str, Any] = {"practitioner": str(practitioner_id or "")}
    for row in WorkingHours.objects.filter(clinic=clinic, practitioner_id=practitioner_id).order_by("starts"):
        initial.setdefault(f"starts_{row.weekday}", row.starts)
        initial[f"ends_{row.weekday}"] = row.ends
    return initial


def _setup_action(request, action: str, practitioners, forms) -> bool:  # type: ignore[no-untyped-def]
    clinic = request.clinic
    if action == "room":
        forms["room"] = form = RoomForm(request.POST, prefix="room")
        if form.is_valid():
            services.add_resource(clinic=clinic, form=form, by=request.user, request=request)
            return True
    elif action == "device":
        forms["device"] = form = DeviceForm(request.POST, prefix="device")
        if form.is_valid():
            services.add_resource(clinic=clinic, form=form, by=request.user, request=request)
            return True
    elif action == "time_off":
        forms["time_off"] = form = TimeOffForm(request.POST, prefix="off", practitioners=practitioners)
        if form.is_valid():
            services.add_time_off(
                clinic=clinic,
                practitioner=_practitioner(request, form.cleaned_data["practitioner"]),
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
            return True
    elif action == "hours":
        forms["hours"] = form = HoursForm(request.POST, prefix="hours", practitioners=practitioners)
        if form.is_valid():
            services.set_working_hours(
                clinic=clinic,
                practitioner=_practitioner(request, form.cleaned_data["practitioner"]),
                week=form.week(),
                by=request.user,
                request=request,
            )
            return True
    elif action.startswith("type-") and action.removeprefix("type-").isdigit():
        kind = get_object_or_404(
            AppointmentType.objects.filter(clinic=clinic), pk=int(action.removeprefix("type-"))
        )
        form = TypeForm(request.POST, instance=kind, prefix=action)
        if form.is_valid():
            services.update_type(form=form, by=request.user, request=request)
            return True
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    elif action.startswith("retire-"):
        services.retire_resource(
            clinic=clinic, key=action.removeprefix("retire-"), by=request.user, request=request
        )
        return True
    elif action.startswith("delete-off-") and action.removeprefix("delete-off-").isdigit():
        off = get_object_or_404(
            TimeOff.objects.filter(clinic=clinic), pk=int(action.removeprefix("delete-off-"))
        )
        services.remove_time_off(time_off=off, by=request.user, request=request)
        return True
    return False
