"""Calendar pages for booking: day and week views, booking from a free slot, an appointment's actions
(check in, no-show, complete, move, cancel), and a patient's appointments with free slots for them.

Small moves go through htmx without a page reload: a status change swaps its calendar card; move and
cancel open an inline form in the card (or post the appointment page's own forms) and swap the card (or
the page's body), refusals included (409/422, swapped in by scheduling.js), after which the calendar
reloads only its grid. Without htmx the same URLs answer as ordinary forms and pages."""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.audit.services import record_event
from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES
from needlecare.core.clock import clinic_today
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.scheduling import selectors
from needlecare.scheduling.forms import (
    BookForm,
    CalendarQuery,
    CancelForm,
    MoveForm,
    SlotSearch,
)
from needlecare.scheduling.models import Status
from needlecare.scheduling.services.booking import (
    Booking,
    BookingRefused,
    SlotTaken,
    book_appointment,
    cancel_appointment,
    move_appointment,
    set_status,
)
from needlecare.scheduling.views.parsing import practitioner_or_404, reasons

# ------------------------------------------------------------------------------------------------------
# Day and week
# ------------------------------------------------------------------------------------------------------


@require_GET
@staff(ALL_ROLES)
def calendar_view(request):
    practitioners = list(selectors.practitioners_of(request.clinic))
    query = CalendarQuery(request.GET, practitioners=practitioners)
    query.is_valid()
    today = clinic_today(request.clinic)
    day = query.cleaned_data.get("date") or today
    view = query.cleaned_data.get("view") or "day"
    chosen = practitioner_or_404(request, query.cleaned_data.get("practitioner"))
    if view == "week":
        first = day - timedelta(days=day.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
    else:
        days = [day]
    now = timezone.now()
    grid = selectors.calendar_grid(
        request.clinic,
        days,
        practitioners=practitioners,
        chosen=chosen,
        show_free=view == "day",
        now=now,
    )
    record_event(
        clinic=request.clinic,
        user=request.user,
        action="calendar.view",
        request=request,
        detail={"view": view, "appointments": grid.appointments},
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
            "grid": grid.days,
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
    practitioner = practitioner_or_404(request, data["practitioner"])
    booking = Booking(
        patient=patient,
        practitioner=practitioner,
        type=data["type"],
        starts_at=selectors.at_local(request.clinic, data["day"], data["time"]),
        reason=data.get("reason", ""),
    )
    try:
        appointment = book_appointment(
            clinic=request.clinic, booking=booking, by=request.user, request=request
        )
    except BookingRefused as error:
        context["error"] = " ".join(reasons(error))
        return render(request, template, context, status=422)
    except SlotTaken as error:
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
        set_status(
            appointment=appointment, status=request.POST.get("status", ""), by=request.user, request=request
        )
    except BookingRefused as refusal:
        error = " ".join(reasons(refusal))
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
            cancel_appointment(
                appointment=appointment, reason=form.cleaned_data["reason"], by=request.user, request=request
            )
        except BookingRefused as error:
            form.add_error(None, " ".join(reasons(error)))
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
            move_appointment(
                appointment=appointment,
                starts_at=selectors.at_local(request.clinic, data["day"], data["time"]),
                practitioner=practitioner_or_404(request, data["practitioner"]),
                reason=data["reason"],
                by=request.user,
                request=request,
            )
        except BookingRefused as error:
            form.add_error(None, " ".join(reasons(error)))
        except SlotTaken as error:
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
        chosen = practitioner_or_404(request, search.cleaned_data["practitioner"])
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
        plans=list(selectors.active_plans_for_booking(request.clinic, patient)),
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
