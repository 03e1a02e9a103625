"""Demo sessions: every active or completed demo plan has its past sessions recorded, each after a
screening on its day (as the clinic re-screens before every session), with a few cartridge lots shared
across patients (so a lot trace finds several) and a handful of adverse events."""

from datetime import date, timedelta
from decimal import Decimal

from needlecare.clinics.models import Clinic, Membership, Role
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.screening.models import ScreeningDecision
from needlecare.screening.selectors import latest_screening, screening_status
from needlecare.screening.services import override_screening, screen_patient
from needlecare.treatments.models import Treatment
from needlecare.treatments.services import (
    SessionInput,
    SessionRefused,
    ZoneEntry,
    numbing_caution,
    record_adverse_event,
    resolve_adverse_event,
)
from needlecare.treatments.services import record_treatment as record

DEVICES = [("pen", "Dermapen 4", "DP4-10231"), ("pen", "SkinPen Precision", "SP-88412")]
NUMBING = [("lidocaine_4", 30), ("emla", 45), ("lido_tetra", 25)]


def seed_clinic(clinic: Clinic, today: date) -> None:
    if Treatment.objects.filter(patient__clinic=clinic).exists():
        return  # seeded before: the seed runs at every `make demo`
    practitioner = (
        Membership.objects.filter(clinic=clinic, role__in=[Role.PRACTITIONER, Role.OWNER])
        .order_by("-role")
        .select_related("user")
        .first()
    )
    if practitioner is None:
        return
    plans = (
        TreatmentPlan.objects.filter(clinic=clinic, status__in=[PlanStatus.ACTIVE, PlanStatus.COMPLETED])
        .select_related("patient")
        .prefetch_related("zones")
        .order_by("patient__reference", "start")
    )
    counter = 0
    for plan in plans:
        past = [day for day in plan.schedule_dates if day < today]
        if not past:
            continue
        current = latest_screening(plan.patient)
        closed_as = plan.status
        if closed_as != PlanStatus.ACTIVE:
            # The plan was active while its sessions happened; it closes again below.
            TreatmentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE)
            plan.status = PlanStatus.ACTIVE
        for number, day in enumerate(past):
            counter += 1
            session = _session(plan, day, number, counter, practitioner.user, current)
            if session is not None and counter % 11 == 3:
                _adverse_event(session, counter, today, practitioner.user)
        if closed_as != PlanStatus.ACTIVE:
            TreatmentPlan.objects.filter(pk=plan.pk).update(status=closed_as)
        if current is not None:
            # Back to where the patient stands today: screened recently, as before the past sessions.
            restored = screen_patient(patient=plan.patient, by=practitioner.user, on=current.screened_on)
            _carry_override(current, restored)


def _session(plan, day, number, counter, by, current) -> Treatment | None:  # type: ignore[no-untyped-def]
    patient = plan.patient
    if not screening_status(patient, day).valid:
        decision = screen_patient(patient=patient, by=by, on=day)
        if current is not None:
            _carry_override(current, decision)
    device, model, serial = DEVICES[counter % len(DEVICES)]
    numbing, minutes = NUMBING[counter % len(NUMBING)]
    if numbing_caution(patient).allergic:
        # A patient allergic to lidocaine: an ester gel or cooling, never the lidocaine creams.
        numbing, minutes = ("tetracaine_4", 30) if counter % 2 else ("cooling", 0)
    # Now and then platelet-rich plasma, with its single-use draw kit and the screening checked.
    prp = counter % 9 == 4
    zones = [
        ZoneEntry(
            zone.zone,
            # Start at the shallow end of the band and go a little deeper as the skin tolerates it.
            min(zone.depth_max_mm, zone.depth_min_mm + Decimal("0.25") * number).quantize(Decimal("0.01")),
            2 + (counter + number) % 3,
        )
        for zone in plan.zones.all()
    ]
    lot_month = day.replace(day=1)
    data = SessionInput(
        performed_on=day,
        plan=plan,
        device=plan.device if plan.device in {"pen", "roller"} else device,
        device_model=model if plan.device == "pen" else "Dermaroller 192",
        device_serial=serial if plan.device == "pen" else "DR-5521",
        cartridge_id=f"{patient.clinic.slug[:3].upper()}-C{counter:05d}",
        cartridge_lot=f"LOT-{lot_month:%y%m}-{'AB'[counter % 2]}",
        cartridge_expiry=lot_month + timedelta(days=540),
        numbing_agent=numbing,
        numbing_minutes=minutes,
        end_point="pinpoint_bleeding" if number > 0 else "erythema",
        duration_minutes=35 + 5 * len(zones),
        immediate_reaction="expected",
        zones=zones,
        product_applied="Sterile hyaluronic acid serum (single use)",
        notes="Tolerated well." if number % 2 == 0 else "",
        interval_reason="",
        adjunct="prp" if prp else "none",
        blood_kit_id=f"{patient.clinic.slug[:3].upper()}-K{counter:05d}" if prp else "",
        blood_kit_lot=f"BK-{lot_month:%y%m}" if prp else "",
        bloodborne_screening_checked=prp,
    )
    try:
        return record(patient=patient, data=data, by=by)
    except SessionRefused:
        return None  # e.g. consent not signed: the demo keeps the patients the pages would refuse


def _adverse_event(session: Treatment, counter: int, today: date, by) -> None:  # type: ignore[no-untyped-def]
    onset = session.performed_on + timedelta(days=1 if counter % 2 else 14)
    if onset > today:
        return
    kind, grade = ("bruising", 1) if counter % 2 else ("pih", 2)
    event = record_adverse_event(
        treatment=session,
        by=by,
        data={
            "kind": kind,
            "grade": grade,
            "onset_on": onset,
            "notes": "Small bruise at the jawline; settled with no treatment."
            if kind == "bruising"
            else "Patchy darkening on the cheeks; strict SPF 50 and azelaic acid 15%.",
        },
    )
    resolved = onset + timedelta(days=5 if kind == "bruising" else 40)
    if resolved <= today:
        resolve_adverse_event(event=event, by=by, resolved_on=resolved)


def _carry_override(before: ScreeningDecision, after: ScreeningDecision) -> None:
    """A clearance letter on file (recorded with today's screening) applies to its re-runs too."""
    override = getattr(before, "override", None)
    if override is None or after.outcome != before.outcome:
        return
    override_screening(
        decision=after,
        by=override.overridden_by,
        reason=override.reason,
        clearance_from=override.clearance_from,
        clearance_dated=override.clearance_dated,
        document_reference=override.document_reference,
    )
