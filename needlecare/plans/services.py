"""Every write to treatment plans: create from the protocol's proposal, adjust, and move through statuses.

Each is one transaction that appends its audit event. Rules that the pages and the API share live here,
so a plan is refused the same way from both: a depth outside the protocol's band needs a written reason,
nothing goes deeper than the zone's ceiling, and a plan becomes active only with a valid screening and
only if no other active plan of the patient covers one of its zones.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from needlecare.audit.services import record_event
from needlecare.core.clock import clinic_today
from needlecare.core.errors import CONFLICT, Refused
from needlecare.patients.models import Patient
from needlecare.plans import dosing, selectors
from needlecare.plans.models import (
    PlanStatus,
    PlanStatusChange,
    PlanZone,
    TreatmentPlan,
    is_outside_band,
)
from needlecare.protocols.loader import Protocol
from needlecare.screening.selectors import screening_status

MAX_DAYS_AHEAD = (
    2 * 365
)  # a plan starts within two years; later than that, the screening and skin will differ
MAX_DEPTH_MM = Decimal("3.0")  # CLINICAL.md's deepest figure anywhere (body, stretch marks)
MIN_DEPTH_MM = Decimal("0.1")
MAX_INTERVAL_WEEKS = 26
MAX_MAINTENANCE_MONTHS = 60


class PlanRefused(Refused, ValidationError):  # type: ignore[misc]  # Refused's str code and message
    """The protocol's rules or the plan's state refuse the change (API: 409), each problem by its field
    (`zone.face` for one zone's depth); the API lists them as it lists invalid input."""

    status = CONFLICT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.fields:
            self.detail = [
                {"loc": ["body", "payload", *field.split(".")], "msg": message, "type": "refused"}
                for field, messages in self.fields.items()
                for message in messages
            ]


@dataclass(frozen=True)
class ZoneDepth:
    """The depth a practitioner sets for one zone, and why when it leaves the protocol's band."""

    min_mm: Decimal
    max_mm: Decimal
    reason: str = ""


@dataclass(frozen=True)
class PlanChanges:
    """What a practitioner changes from the proposal (or from the plan as it stands). None keeps it."""

    sessions: int | None = None
    interval_weeks_min: int | None = None
    interval_weeks_max: int | None = None
    maintenance_months: int | None = None
    schedule: Sequence[date] | None = None
    depths: dict[str, ZoneDepth] = field(default_factory=dict)
    notes: str | None = None


def mm(value: float | Decimal | str) -> Decimal:
    """A depth as stored: three decimals (0.375 mm is the darker-skin half of 0.25-0.5 mm)."""
    return Decimal(str(value)).quantize(Decimal("0.001"))


def weekly_schedule(start: date, sessions: int, interval_weeks: int) -> list[date]:
    return [start + timedelta(weeks=interval_weeks * index) for index in range(sessions)]


# ------------------------------------------------------------------------------------------------------
# Creating and adjusting
# ------------------------------------------------------------------------------------------------------


def create_plan(
    *,
    patient: Patient,
    by: Any,
    indications: Sequence[str],
    zones: Sequence[str],
    device: str,
    fitzpatrick: int | None,
    start: date | None = None,
    changes: PlanChanges | None = None,
    request: Any = None,
) -> TreatmentPlan:
    """A draft plan from the clinic's current protocol's proposal, with the practitioner's changes.

    Raises dosing.UnknownChoice for identifiers the protocol does not know, and ValidationError (a dict
    of field -> messages) for anything else the protocol or the plan's rules refuse. Writes nothing then.
    """
    if patient.is_archived:
        raise PlanRefused(
            "This patient is archived: restore the patient before planning treatment.", code="archived"
        )
    today = clinic_today(patient.clinic)
    start = start or today
    if start > today + timedelta(days=MAX_DAYS_AHEAD):
        raise PlanRefused({"start": ["The start must be within two years from today."]})
    try:
        version, protocol, proposal = selectors.propose_for(
            patient.clinic,
            indications=indications,
            zones=zones,
            device=device,
            fitzpatrick=fitzpatrick,
            start=start,
        )
    except dosing.UnknownChoice:
        raise
    except dosing.DosingError as error:
        raise PlanRefused({_dosing_field(str(error)): [str(error)]}) from None
    plan = TreatmentPlan(
        clinic=patient.clinic,
        patient=patient,
        protocol=version,
        indications=list(dict.fromkeys(indications)),
        device=device,
        fitzpatrick=fitzpatrick,
        start=start,
        sessions=proposal.sessions,
        interval_weeks_min=proposal.interval_weeks_min,
        interval_weeks_max=proposal.interval_weeks_max,
        maintenance_months=proposal.maintenance_months,
        schedule=[day.isoformat() for day in proposal.schedule],
        proposal=selectors.proposal_record(proposal),
        status=PlanStatus.DRAFT,
        created_by=by if getattr(by, "pk", None) else None,
    )
    rows = [
        PlanZone(
            zone=z.zone,
            depth_min_mm=mm(z.min_mm),
            depth_max_mm=mm(z.max_mm),
            protocol_min_mm=mm(z.min_mm),
            protocol_max_mm=mm(z.max_mm),
        )
        for z in proposal.zones
    ]
    _apply(plan, rows, changes or PlanChanges(), protocol, today)
    with transaction.atomic():
        plan.save()
        for row in rows:
            row.plan = plan
            row.save()
        _history(plan, by, "", "")
        record_event(
            clinic=plan.clinic,
            user=by,
            action="plan.create",
            obj=plan,
            patient_id=patient.pk,
            request=request,
            # Counts, not indications or reasons: the log keeps nothing clinical after an erasure.
            detail={
                "zones": len(rows),
                "sessions": plan.sessions,
                "outside_band": sum(row.outside_band for row in rows),
            },
        )
    return plan


def update_plan(*, plan: TreatmentPlan, by: Any, changes: PlanChanges, request: Any = None) -> TreatmentPlan:
    """Adjust an open (draft or active) plan; its protocol version stays the one it was made under."""
    with transaction.atomic():
        plan = _locked(plan)
        if not plan.is_open:
            raise PlanRefused(
                f"A {plan.get_status_display().lower()} plan is closed and cannot be changed; "
                "start a new plan instead.",
                code="closed",
            )
        rows = list(plan.zones.order_by("id"))
        before = _snapshot(plan, rows)
        _apply(plan, rows, changes, plan.protocol_document, clinic_today(plan.clinic))
        after = _snapshot(plan, rows)
        changed = sorted(key for key in after if after[key] != before[key])
        if changed:
            plan.save()
            for row in rows:
                row.save()
        record_event(
            clinic=plan.clinic,
            user=by,
            action="plan.update",
            obj=plan,
            patient_id=plan.patient_id,
            request=request,
            detail={"fields": changed},
        )
    return plan


def _snapshot(plan: TreatmentPlan, rows: list[PlanZone]) -> dict[str, Any]:
    fields = (
        "sessions",
        "interval_weeks_min",
        "interval_weeks_max",
        "maintenance_months",
        "schedule",
        "notes",
    )
    shot: dict[str, Any] = {name: getattr(plan, name) for name in fields}
    shot["start"] = plan.start
    for row in rows:
        shot[f"zones.{row.zone}"] = (row.depth_min_mm, row.depth_max_mm, row.outside_band_reason)
    return shot


def _apply(
    plan: TreatmentPlan, rows: list[PlanZone], changes: PlanChanges, protocol: Protocol, today: date
) -> None:
    """Apply the changes to the unsaved plan and zone rows; raise ValidationError listing every problem."""
    errors: dict[str, list[str]] = {}

    def problem(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    previous = (plan.sessions, plan.interval_weeks_min)
    for name in ("sessions", "interval_weeks_min", "interval_weeks_max", "maintenance_months"):
        value = getattr(changes, name)
        if value is not None:
            setattr(plan, name, value)
    if changes.notes is not None:
        plan.notes = changes.notes.strip()

    if not 1 <= plan.sessions <= 20:
        problem("sessions", "A series has from 1 to 20 sessions.")
    shortest = protocol.series.shortest_published_interval_weeks
    if plan.interval_weeks_min < shortest:
        problem(
            "interval_weeks_min",
            f"Sessions are at least {shortest} weeks apart: the shortest interval in published series "
            f"({protocol.series.source}).",
        )
    if plan.interval_weeks_max > MAX_INTERVAL_WEEKS:
        problem("interval_weeks_max", f"The interval is at most {MAX_INTERVAL_WEEKS} weeks.")
    if plan.interval_weeks_min > plan.interval_weeks_max:
        problem("interval_weeks_max", "The longest interval cannot be shorter than the shortest.")
    if not 1 <= plan.maintenance_months <= MAX_MAINTENANCE_MONTHS:
        problem("maintenance_months", f"Maintenance is every 1 to {MAX_MAINTENANCE_MONTHS} months.")

    schedule = plan.schedule_dates
    if errors:
        pass  # the series itself is wrong: a schedule checked against it would only add noise
    elif changes.schedule is not None:
        schedule = list(changes.schedule)
        _check_schedule(plan, schedule, today, problem)
    elif (plan.sessions, plan.interval_weeks_min) != previous:
        schedule = weekly_schedule(plan.start, plan.sessions, plan.interval_weeks_min)
    else:
        _check_schedule(plan, schedule, today, problem)

    by_zone = {row.zone: row for row in rows}
    for zone in changes.depths:
        if zone not in by_zone:
            problem("depths", f"{zone} is not one of this plan's zones ({', '.join(by_zone)}).")
    for row in rows:
        depth = changes.depths.get(row.zone)
        if depth is not None:
            row.depth_min_mm, row.depth_max_mm = mm(depth.min_mm), mm(depth.max_mm)
            row.outside_band_reason = depth.reason.strip()
        _check_depth(row, plan.device, protocol, problem)
        if not row.outside_band:
            row.outside_band_reason = ""  # a reason is for leaving the band; inside it, none is kept

    if errors:
        raise PlanRefused(errors)
    if schedule:
        plan.schedule = [day.isoformat() for day in schedule]
        plan.start = schedule[0]
    try:
        plan.full_clean(exclude=["clinic", "patient", "protocol", "created_by"])
        for row in rows:
            row.full_clean(exclude=["plan"])
    except ValidationError as error:  # the rows' own rules refuse like the protocol's
        raise PlanRefused(error) from None


def _check_schedule(plan: TreatmentPlan, schedule: list[date], today: date, problem: Any) -> None:
    if len(schedule) != plan.sessions:
        problem(
            "schedule",
            f"Give one date per session: {plan.sessions} session{'s' if plan.sessions != 1 else ''}, "
            f"{len(schedule)} date{'s' if len(schedule) != 1 else ''}.",
        )
        return
    if schedule and schedule[0] > today + timedelta(days=MAX_DAYS_AHEAD):
        problem("schedule", "The first session must be within two years from today.")
    gap = timedelta(weeks=plan.interval_weeks_min)
    for number, (before, after) in enumerate(zip(schedule, schedule[1:], strict=False), start=2):
        if after - before < gap:
            problem(
                "schedule",
                f"Session {number} ({after:%d %b %Y}) comes sooner than {plan.interval_weeks_min} weeks "
                f"after session {number - 1} ({before:%d %b %Y}); move it, or shorten the interval.",
            )


def _check_depth(row: PlanZone, device: str, protocol: Protocol, problem: Any) -> None:
    key = f"zones.{row.zone}"
    low, high = mm(row.depth_min_mm), mm(row.depth_max_mm)
    zone = protocol.zones.get(row.zone)
    label = zone.label if zone else row.zone
    if low > high:
        problem(f"{key}.depth_mm", f"{label}: the shallowest depth is deeper than the deepest.")
        return
    if low < MIN_DEPTH_MM or high > MAX_DEPTH_MM:
        problem(f"{key}.depth_mm", f"{label}: depths are from {MIN_DEPTH_MM} to {MAX_DEPTH_MM} mm.")
        return
    if zone is not None and high > mm(zone.upper_mm):
        problem(
            f"{key}.depth_mm",
            f"{label}: {high} mm is deeper than the zone's ceiling of {zone.upper_mm} mm in the protocol "
            f"({zone.source}); no reason allows that.",
        )
    device_spec = protocol.devices.get(device)
    if device_spec is not None and not device_spec.adjustable:
        lengths = [mm(length) for length in device_spec.lengths_mm]
        if low not in lengths or high not in lengths:
            problem(
                f"{key}.depth_mm",
                f"{label}: a {device_spec.label.lower()} has fixed needle lengths "
                f"({', '.join(str(length) for length in device_spec.lengths_mm)} mm).",
            )
    band_low, band_high = mm(row.protocol_min_mm), mm(row.protocol_max_mm)
    if is_outside_band(low, high, band_low, band_high) and not row.outside_band_reason.strip():
        problem(
            f"{key}.reason",
            f"{label}: {low}-{high} mm is outside the protocol's band of {band_low}-{band_high} mm; "
            "write the reason for it.",
        )


# ------------------------------------------------------------------------------------------------------
# Status: draft -> active -> completed, or stopped (with a reason) from draft or active
# ------------------------------------------------------------------------------------------------------


def activate_plan(
    *, plan: TreatmentPlan, by: Any, on: date | None = None, request: Any = None
) -> TreatmentPlan:
    """Start the series. Needs a valid screening on `on` (default: the clinic's today), and no other
    active plan of the patient on any of the same zones: one area is never on two schedules at once."""
    with transaction.atomic():
        # Lock the patient too, so that two plans on the same zone cannot be activated side by side.
        Patient.objects.select_for_update().filter(pk=plan.patient_id).values_list("pk", flat=True).first()
        plan = _locked(plan)
        _check_transition(plan, PlanStatus.ACTIVE)
        patient = plan.patient
        if patient.is_archived:
            raise PlanRefused(
                "This patient is archived: restore the patient before starting a plan.", code="archived"
            )
        status = screening_status(patient, on or clinic_today(plan.clinic))
        if not status.valid:
            raise PlanRefused(
                f"A plan becomes active only with a valid screening: {status.reason}", code="screening"
            )
        zones = set(plan.zone_ids)
        for other in selectors.active_plans_of(patient).exclude(pk=plan.pk):
            shared = sorted(zones & set(other.zone_ids))
            if shared:
                raise PlanRefused(
                    f"Another active plan ({', '.join(other.indication_labels)}, from "
                    f"{other.start:%d %b %Y}) already covers "
                    f"{', '.join(plan.zone_label(z) for z in shared)}: "
                    "complete or stop it first, so that no area is on two schedules.",
                    code="overlap",
                )
        plan.status = PlanStatus.ACTIVE
        plan.activated_at = timezone.now()
        plan.activation_screening = status.decision
        plan.status_changed_by = by if getattr(by, "pk", None) else None
        plan.save()
        _history(plan, by, PlanStatus.DRAFT, "")
        _record_status(plan, by, PlanStatus.DRAFT, request)
    return plan


def complete_plan(*, plan: TreatmentPlan, by: Any, note: str = "", request: Any = None) -> TreatmentPlan:
    """The series is done; maintenance follows the plan's rhythm."""
    return _close(plan, by, PlanStatus.COMPLETED, note.strip(), request)


def stop_plan(*, plan: TreatmentPlan, by: Any, reason: str, request: Any = None) -> TreatmentPlan:
    """End a draft or active plan early; the reason is kept with it."""
    if not reason.strip():
        raise PlanRefused({"reason": ["Give the reason for stopping the plan."]})
    return _close(plan, by, PlanStatus.STOPPED, reason.strip(), request)


def change_plan_status(
    *, plan: TreatmentPlan, by: Any, status: str, reason: str = "", request: Any = None
) -> TreatmentPlan:
    """One entry point for pages and the API: `status` is the status to move to."""
    if status == PlanStatus.ACTIVE:
        return activate_plan(plan=plan, by=by, request=request)
    if status == PlanStatus.COMPLETED:
        return complete_plan(plan=plan, by=by, note=reason, request=request)
    if status == PlanStatus.STOPPED:
        return stop_plan(plan=plan, by=by, reason=reason, request=request)
    raise PlanRefused({"status": [f"A plan cannot be moved back to {status!r}."]})


def _close(plan: TreatmentPlan, by: Any, status: str, reason: str, request: Any) -> TreatmentPlan:
    if len(reason) > 500:
        raise PlanRefused({"reason": ["Keep the reason under 500 characters."]})
    with transaction.atomic():
        plan = _locked(plan)
        before = plan.status
        _check_transition(plan, status)
        plan.status = status
        plan.status_reason = reason
        plan.ended_at = timezone.now()
        plan.status_changed_by = by if getattr(by, "pk", None) else None
        plan.save()
        _history(plan, by, before, reason)
        _record_status(plan, by, before, request)
    return plan


def _locked(plan: TreatmentPlan) -> TreatmentPlan:
    """The plan re-read under a row lock, so that two requests cannot both move it on."""
    return (
        TreatmentPlan.objects.select_for_update(of=("self",))
        .select_related("protocol", "patient", "clinic")
        .get(pk=plan.pk, clinic_id=plan.clinic_id)
    )


def _check_transition(plan: TreatmentPlan, status: str) -> None:
    if not plan.can_become(status):
        now = plan.get_status_display().lower()
        raise PlanRefused(
            f"A {now} plan cannot become {PlanStatus(status).label.lower()}. "
            + {
                PlanStatus.DRAFT: "A draft can be activated or stopped.",
                PlanStatus.ACTIVE: "An active plan can be completed or stopped.",
                PlanStatus.COMPLETED: "A completed plan is final; start a new plan for another series.",
                PlanStatus.STOPPED: "A stopped plan is final; start a new plan to treat again.",
            }[PlanStatus(plan.status)],
            code="transition",
        )


def _history(plan: TreatmentPlan, by: Any, before: str, reason: str) -> None:
    PlanStatusChange.objects.create(
        plan=plan,
        from_status=before,
        to_status=plan.status,
        reason=reason,
        at=timezone.now(),
        by=by if getattr(by, "pk", None) else None,
    )


def _dosing_field(message: str) -> str:
    """Which input a dosing refusal is about, so that the page shows it beside that field."""
    for name in ("indications", "zones", "fitzpatrick", "start"):
        if name in message:
            return name
    return "device"


def _record_status(plan: TreatmentPlan, by: Any, before: str, request: Any) -> None:
    detail: dict[str, Any] = {"from": before, "to": plan.status}
    if plan.status == PlanStatus.ACTIVE and plan.activation_screening_id:
        detail["screening"] = str(plan.activation_screening_id)
    record_event(
        clinic=plan.clinic,
        user=by,
        action={"active": "plan.activate", "completed": "plan.complete", "stopped": "plan.stop"}[plan.status],
        obj=plan,
        patient_id=plan.patient_id,
        request=request,
        detail=detail,
    )
