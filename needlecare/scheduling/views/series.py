"""A plan's series page: a proposed slot for every remaining session, booked in one step."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.scheduling import selectors
from needlecare.scheduling.forms import (
    parse_day,
)
from needlecare.scheduling.services.booking import Booking, BookingRefused, SlotTaken
from needlecare.scheduling.services.series import book_series, propose_series
from needlecare.scheduling.views.parsing import practitioner_or_404, reasons


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
    plan = selectors.plan_for_series(request.clinic, patient, plan_id)
    practitioners = list(selectors.practitioners_of(request.clinic))
    source = request.POST if request.method == "POST" else request.GET
    default = request.user.pk if any(p.pk == request.user.pk for p in practitioners) else None
    if default is None and practitioners:
        default = practitioners[0].pk
    practitioner = practitioner_or_404(request, source.get("practitioner") or default)
    if practitioner is None:
        messages.error(request, "Nobody in this clinic treats patients yet: add working hours first.")
        return redirect("scheduling:patient", patient_id=patient.pk)
    proposal = propose_series(plan=plan, practitioner=practitioner)
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
            Booking(
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
        booked = book_series(
            clinic=request.clinic, plan=plan, bookings=bookings, by=request.user, request=request
        )
    except BookingRefused as error:
        context["errors"] = reasons(error)
        return render(request, "scheduling/series.html", context, status=422)
    except SlotTaken as error:
        context["errors"] = [error.message]
        return render(request, "scheduling/series.html", context, status=409)
    messages.success(request, f"Booked {len(booked)} visits of the plan.")
    return redirect("scheduling:patient", patient_id=patient.pk)
