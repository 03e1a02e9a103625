"""Demo plans: about half the patients who may be treated (screened eligible, with precautions, or cleared)
get a plan from the protocol's proposal: most active and a few weeks in (some with a depth below the band
and the reason for it), a few completed last year, and a couple of drafts still to start."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from needlecare.clinics.models import Clinic, Membership, Role
from needlecare.core.clock import clinic_zone
from needlecare.patients.models import Patient
from needlecare.plans import dosing
from needlecare.plans.models import PlanStatusChange, TreatmentPlan
from needlecare.plans.selectors import default_fitzpatrick
from needlecare.plans.services import (
    PlanChanges,
    ZoneDepth,
    activate_plan,
    complete_plan,
    create_plan,
    mm,
)
from needlecare.screening.selectors import screening_status

# (indications, zones, device): the programmes a skin clinic runs most.
PROGRAMMES: list[tuple[list[str], list[str], str]] = [
    (["acne_scars"], ["cheeks"], "pen"),
    (["fine_lines"], ["forehead", "periorbital", "perioral"], "pen"),
    (["acne_scars", "enlarged_pores"], ["cheeks", "nose", "chin"], "pen"),
    (["sun_damage"], ["cheeks", "forehead", "decolletage"], "pen"),
    (["stretch_marks"], ["abdomen", "thighs"], "pen"),
    (["hyperpigmentation"], ["cheeks", "forehead"], "pen"),
    (["uneven_texture", "fine_lines"], ["cheeks", "neck"], "pen"),
    (["stretch_marks"], ["thighs"], "roller"),
    (["surgical_scars"], ["abdomen"], "pen"),
]
REASONS = [
    "Bruised easily at her previous clinic: start below the band and build up if tolerated.",
    "Thin skin over the cheekbones; keep shallow for the first two sessions.",
    "Post-inflammatory pigmentation after a peel last year: stay shallow this series.",
]


def seed_clinic(clinic: Clinic, today: date) -> None:
    if TreatmentPlan.objects.filter(clinic=clinic).exists():
        return  # seeded before: the seed runs at every `make demo`
    member = (
        Membership.objects.filter(clinic=clinic, role__in=[Role.PRACTITIONER, Role.OWNER])
        .order_by("-role")  # the practitioner where there is one
        .select_related("user")
        .first()
    )
    if member is None:
        return
    by = member.user
    patients = Patient.objects.filter(clinic=clinic, archived_at__isnull=True).order_by("reference")
    treatable = [p for p in patients if screening_status(p, today).valid]
    chosen = treatable[::2]
    drafts = [index for index in reversed(range(len(chosen))) if index % 5 != 3][:2]
    for index, patient in enumerate(chosen):
        programme = PROGRAMMES[index % len(PROGRAMMES)]
        if index % 5 == 3:
            _completed(patient, programme, today, by)
        elif index in drafts:
            _plan(patient, programme, today + timedelta(weeks=1 + index % 3), by, outside=False)
        else:
            start = today - timedelta(weeks=2 + (index * 3) % 9)
            plan = _plan(patient, programme, start, by, outside=index % 3 == 1)
            if plan is not None:
                _activate(plan, by, today, start)


def _plan(
    patient: Patient, programme: tuple[list[str], list[str], str], start: date, by: Any, *, outside: bool
) -> TreatmentPlan | None:
    indications, zones, device = programme
    changes = PlanChanges()
    if outside and device == "pen":
        first = _proposal_band(patient, programme, start)
        if first is not None and first[1] - Decimal("0.25") >= Decimal("0.25"):
            zone, low, high = first
            reason = REASONS[sum(map(ord, patient.reference)) % len(REASONS)]
            changes = PlanChanges(depths={zone: ZoneDepth(mm(low - Decimal("0.25")), mm(high), reason)})
    try:
        return create_plan(
            patient=patient,
            by=by,
            indications=indications,
            zones=zones,
            device=device,
            fitzpatrick=default_fitzpatrick(patient),
            start=start,
            changes=changes,
        )
    except (ValidationError, dosing.DosingError):
        return None  # a programme this patient's skin type cannot follow on this device: no plan


def _proposal_band(
    patient: Patient, programme: tuple[list[str], list[str], str], start: date
) -> tuple[str, Decimal, Decimal] | None:
    from needlecare.plans.selectors import propose_for

    indications, zones, device = programme
    try:
        _, _, proposal = propose_for(
            patient.clinic,
            indications=indications,
            zones=zones,
            device=device,
            fitzpatrick=default_fitzpatrick(patient),
            start=start,
        )
    except dosing.DosingError:
        return None
    first = proposal.zones[0]
    return first.zone, mm(first.min_mm), mm(first.max_mm)


def _activate(plan: TreatmentPlan, by: Any, today: date, started: date) -> None:
    try:
        activate_plan(plan=plan, by=by, on=today)
    except ValidationError:
        return  # e.g. another plan of the patient on the same zones: this one stays a draft
    _back_date(plan, "active", started - timedelta(days=3))


def _completed(patient: Patient, programme: tuple[list[str], list[str], str], today: date, by: Any) -> None:
    start = today - timedelta(days=245)  # about eight months ago: the series is done, maintenance is due
    plan = _plan(patient, programme, start, by, outside=False)
    if plan is None:
        return
    _activate(plan, by, today, start)
    plan.refresh_from_db()
    if plan.status != "active":
        return
    complete_plan(plan=plan, by=by, note="Series completed as planned; maintenance booked.")
    _back_date(plan, "completed", plan.schedule_dates[-1] + timedelta(days=1))


def _back_date(plan: TreatmentPlan, status: str, day: date) -> None:
    """The demo's plans began weeks or months ago: date their history then, not at the time of seeding."""
    moment = datetime.combine(day, time(10, 0), tzinfo=clinic_zone(plan.clinic))
    PlanStatusChange.objects.filter(plan=plan, to_status=status).update(at=moment)
    if status == "active":
        PlanStatusChange.objects.filter(plan=plan, to_status="draft").update(at=moment - timedelta(days=4))
        TreatmentPlan.objects.filter(pk=plan.pk).update(activated_at=moment)
    else:
        TreatmentPlan.objects.filter(pk=plan.pk).update(ended_at=moment)
