"""Recording a session: every safety check first, then one transaction. Adverse events after the fact."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from needlecare.audit.services import record_event
from needlecare.consent.selectors import consent_status
from needlecare.core.clock import clinic_today
from needlecare.core.errors import Refused
from needlecare.patients.models import Patient
from needlecare.patients.selectors import latest_intake
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.protocols.selectors import current_protocol
from needlecare.scheduling.services.booking import complete_visit_for_session
from needlecare.screening.rules import allergens_of
from needlecare.screening.selectors import latest_screening, screening_status
from needlecare.treatments import numbing
from needlecare.treatments.models import Adjunct, AdverseEvent, Cartridge, Treatment, TreatmentZone
from needlecare.treatments.signals import session_recorded


@dataclass(frozen=True)
class ZoneEntry:
    zone: str
    depth_mm: Decimal
    passes: int


@dataclass
class SessionInput:
    performed_on: date
    device: str
    device_model: str
    device_serial: str
    cartridge_id: str
    cartridge_lot: str
    cartridge_expiry: date
    numbing_agent: str
    numbing_minutes: int
    end_point: str
    duration_minutes: int
    immediate_reaction: str
    zones: list[ZoneEntry]
    plan: TreatmentPlan | None = None
    product_applied: str = ""
    notes: str = ""
    interval_reason: str = ""
    numbing_reason: str = ""
    adjunct: str = Adjunct.NONE
    blood_kit_id: str = ""
    blood_kit_lot: str = ""
    bloodborne_screening_checked: bool = False


@dataclass(frozen=True)
class NumbingCaution:
    """What the chair must know about numbing this patient: the ingredients they are allergic to (from a
    valid screening's anaesthetic-allergy finding or the latest intake's allergies), and the screening's
    precautions to show on the form."""

    allergens: frozenset[str] = frozenset()
    allergen_labels: tuple[str, ...] = ()
    allergy_message: str = ""
    precautions: tuple[str, ...] = ()

    @property
    def allergic(self) -> bool:
        return bool(self.allergens)


def numbing_caution(patient: Patient, decision: Any = None) -> NumbingCaution:
    """The numbing caution for `patient`, read from `decision` (default: the latest screening) and the
    latest intake's allergies."""
    decision = decision if decision is not None else latest_screening(patient)
    _, protocol = current_protocol(patient.clinic)
    agents = numbing.numbing_of(protocol)
    intake = latest_intake(patient)
    allergies = (intake.answers.get("allergies") or []) if intake is not None else []
    allergens = numbing.allergens_in(allergies, agents)
    if intake is not None:
        # Screening's allergen table ([allergens]) too: whatever it recognises, the chair refuses.
        allergens |= allergens_of(intake.answers, protocol) & set(agents.ingredients)
    findings = list(decision.findings) if decision is not None else []
    flagged = [f for f in findings if f.get("rule") == numbing.ALLERGY_RULE]
    if flagged and not allergens:
        # Screening says anaesthetic allergy but no ingredient is named that we know: every one of them.
        allergens = set(agents.ingredients)
    message = flagged[0].get("message", "") if flagged else ""
    if allergens and not message:
        message = "Allergy in the intake: " + ", ".join(
            a for a in allergies if numbing.allergens_in([a], agents)
        )
    return NumbingCaution(
        allergens=frozenset(allergens),
        allergen_labels=tuple(numbing.ingredient_labels(agents, allergens)),
        allergy_message=message,
        precautions=tuple(
            f["message"]
            for f in findings
            if f.get("severity") in ("precautions", "clearance") and f.get("message")
        ),
    )


def agent_choices(patient: Patient) -> list[tuple[str, str]]:
    """The numbing agents of the clinic's protocol, as (key, label) pairs."""
    _, protocol = current_protocol(patient.clinic)
    return [(key, agent.label) for key, agent in numbing.numbing_of(protocol).agents.items()]


def _review_numbing(patient: Patient, data: SessionInput, screening: Any, review: "Review") -> None:
    _, protocol = current_protocol(patient.clinic)
    agents = numbing.numbing_of(protocol)
    agent = agents.agents.get(data.numbing_agent)
    if agent is None:
        review.refusals["numbing_agent"] = (
            f"{data.numbing_agent!r} is not a numbing agent of this clinic's protocol: choose one of "
            f"{', '.join(agents.agents)}."
        )
        return
    caution = numbing_caution(patient, screening)
    review.caution = caution
    if not caution.allergic:
        return
    review.warnings.append(
        f"Anaesthetic allergy ({', '.join(caution.allergen_labels)}): {caution.allergy_message}"
    )
    clash = numbing.contained(agents, data.numbing_agent, set(caution.allergens))
    if not clash:
        return
    what = (
        "has ingredients that are not known"
        if not agent.ingredients_known
        else f"contains {', '.join(numbing.ingredient_labels(agents, clash))}"
    )
    if not data.numbing_reason.strip():
        review.refusals["numbing_reason"] = (
            f"The patient is allergic to {', '.join(caution.allergen_labels)} and {agent.label} {what}. "
            "Choose an agent without it (or none), or write why it is safe to use."
        )
    else:
        review.warnings.append(f"{agent.label} {what}, despite the allergy: {data.numbing_reason.strip()}")


def _review_adjunct(patient: Patient, data: SessionInput, review: "Review") -> None:
    if data.adjunct != Adjunct.PRP:
        if data.blood_kit_id.strip() or data.blood_kit_lot.strip():
            review.refusals["blood_kit_id"] = "A blood-draw kit is recorded only for a session with PRP."
        return
    if not data.blood_kit_id.strip() or not data.blood_kit_lot.strip():
        review.refusals["blood_kit_id"] = (
            "PRP: record the single-use blood-draw kit's id and lot, as printed on it."
        )
    if not data.bloodborne_screening_checked:
        review.refusals["bloodborne_screening_checked"] = (
            "PRP: confirm that the blood-borne infection screening (HIV, hepatitis B and C) was checked."
        )
    if data.blood_kit_id.strip():
        used = (
            Treatment.objects.filter(clinic_id=patient.clinic_id, blood_kit_id=data.blood_kit_id.strip())
            .values_list("patient_id", flat=True)
            .first()
        )
        if used is not None:
            review.refusals["blood_kit_id"] = (
                f"Blood-draw kit {data.blood_kit_id.strip()} was already used "
                + ("on another patient" if used != patient.pk else "in an earlier session")
                + ": a draw kit is single-use, open a new one."
            )


@dataclass
class Review:
    """What the checks found: refusals stop the session; warnings are shown in the summary."""

    refusals: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    screening: Any = None
    consent: Any = None
    previous: Treatment | None = None
    caution: NumbingCaution = field(default_factory=NumbingCaution)

    @property
    def ok(self) -> bool:
        return not self.refusals


class SessionRefused(Refused, ValidationError):  # type: ignore[misc]  # Refused's str code and message
    """A safety check refused the session or its adverse event (API: 409), each reason by its field."""

    status = 409


def previous_session(patient: Patient, before: date) -> Treatment | None:
    return (
        Treatment.objects.filter(clinic_id=patient.clinic_id, patient=patient, performed_on__lte=before)
        .order_by("-performed_on", "-created_at")
        .first()
    )


def review_session(*, patient: Patient, data: SessionInput) -> Review:
    """Every reason a session may not be recorded, in words a practitioner can act on."""
    review = Review()
    today = clinic_today(patient.clinic)
    if data.performed_on > today:
        review.refusals["performed_on"] = "A session cannot be recorded for a day that has not come yet."

    screening = screening_status(patient, data.performed_on)
    review.screening = screening.decision
    if not screening.valid:
        review.refusals["screening"] = f"Screening does not allow a session: {screening.reason}"

    consent = consent_status(patient)
    review.consent = consent.signature
    if not consent.valid:
        review.refusals["consent"] = f"Consent: {consent.reason}"

    if data.cartridge_expiry < data.performed_on:
        review.refusals["cartridge_expiry"] = (
            f"The cartridge expired on {data.cartridge_expiry:%d %b %Y}: use an in-date cartridge."
        )
    used = Cartridge.objects.filter(clinic_id=patient.clinic_id, cartridge_id=data.cartridge_id).first()
    if used is not None:
        review.refusals["cartridge_id"] = _cartridge_used(data.cartridge_id, used, patient)

    _, protocol = current_protocol(patient.clinic)
    zones = [z.zone for z in data.zones]
    if not zones:
        review.refusals["zones"] = "Record at least one treated zone."
    unknown = sorted(set(zones) - set(protocol.zones))
    if unknown:
        review.refusals["zones"] = f"Unknown zones: {', '.join(unknown)}."
    if len(set(zones)) != len(zones):
        review.refusals["zones"] = "Each zone once: combine the passes in one row."

    plan = data.plan
    if plan is not None:
        if plan.patient_id != patient.pk:
            review.refusals["plan"] = "That plan belongs to another patient."
        elif plan.status != PlanStatus.ACTIVE:
            review.refusals["plan"] = f"The plan is {plan.get_status_display().lower()}; activate it first."
        else:
            planned = {z.zone: z for z in plan.zones.all()}
            for entry in data.zones:
                band = planned.get(entry.zone)
                if band is None:
                    review.warnings.append(f"{entry.zone} is not in the plan.")
                elif not band.depth_min_mm <= entry.depth_mm <= band.depth_max_mm:
                    review.warnings.append(
                        f"{entry.zone}: {entry.depth_mm} mm is outside the planned "
                        f"{band.depth_min_mm}–{band.depth_max_mm} mm."
                    )
    _review_numbing(patient, data, screening.decision, review)
    _review_adjunct(patient, data, review)
    previous = previous_session(patient, data.performed_on)
    review.previous = previous
    if previous is not None and plan is not None:
        earliest = previous.performed_on + timedelta(weeks=plan.interval_weeks_min)
        if data.performed_on < earliest and not data.interval_reason.strip():
            review.refusals["interval_reason"] = (
                f"Only {(data.performed_on - previous.performed_on).days} days since the last session "
                f"({previous.performed_on:%d %b %Y}); the plan's minimum is {plan.interval_weeks_min} weeks "
                f"(from {earliest:%d %b %Y}). Give a written reason to go ahead sooner."
            )
    return review


def record_treatment(*, patient: Patient, data: SessionInput, by: Any, request: Any = None) -> Treatment:
    """Record a performed session, or raise SessionRefused naming each reason."""
    review = review_session(patient=patient, data=data)
    if not review.ok:
        raise SessionRefused(review.refusals)
    agent = numbing.numbing_of(current_protocol(patient.clinic)[1]).agents[data.numbing_agent]
    try:
        with transaction.atomic():
            # Single use: creating the cartridge claims it; the unique constraints refuse a second
            # claim, also from a concurrent request for the same patient (IntegrityError below).
            cartridge = Cartridge.objects.create(
                clinic_id=patient.clinic_id,
                cartridge_id=data.cartridge_id,
                lot=data.cartridge_lot,
                expiry=data.cartridge_expiry,
                patient=patient,
            )
            treatment = Treatment(
                clinic_id=patient.clinic_id,
                patient=patient,
                plan=data.plan,
                performed_on=data.performed_on,
                practitioner=by,
                screening=review.screening,
                consent=review.consent,
                device=data.device,
                device_model=data.device_model,
                device_serial=data.device_serial,
                cartridge=cartridge,
                numbing_agent=data.numbing_agent,
                numbing_agent_label=agent.label,
                numbing_ingredients=list(agent.ingredients),
                numbing_reason=data.numbing_reason.strip(),
                adjunct=data.adjunct,
                blood_kit_id=data.blood_kit_id.strip(),
                blood_kit_lot=data.blood_kit_lot.strip(),
                bloodborne_screening_checked=data.bloodborne_screening_checked,
                numbing_minutes=data.numbing_minutes,
                end_point=data.end_point,
                product_applied=data.product_applied,
                duration_minutes=data.duration_minutes,
                immediate_reaction=data.immediate_reaction,
                notes=data.notes,
                interval_reason=data.interval_reason.strip(),
                created_by=by,
            )
            treatment.full_clean()
            treatment.save()
            for entry in data.zones:
                zone = TreatmentZone(
                    treatment=treatment, zone=entry.zone, depth_mm=entry.depth_mm, passes=entry.passes
                )
                zone.full_clean(exclude=["treatment"])
                zone.save()
            record_event(
                clinic=patient.clinic,
                user=by,
                action="session.record",
                obj=treatment,
                patient_id=patient.pk,
                request=request,
                detail={"zones": len(data.zones), "lot": data.cartridge_lot},
            )
            # Aftercare builds the session's timeline and reminders, in the same transaction (signals.py).
            session_recorded.send(sender=Treatment, treatment=treatment, by=by, request=request)
            # The day's treatment visit in the calendar is now done.
            complete_visit_for_session(
                patient=patient, performed_on=treatment.performed_on, by=by, request=request
            )
    except IntegrityError:
        kit = data.blood_kit_id.strip()
        if kit and Treatment.objects.filter(clinic_id=patient.clinic_id, blood_kit_id=kit).exists():
            raise SessionRefused(
                {"blood_kit_id": f"Blood-draw kit {kit} was just used in another session: it is single-use."}
            ) from None
        # Another session claimed this cartridge id a moment ago (the unique constraint decided).
        used = Cartridge.objects.filter(clinic_id=patient.clinic_id, cartridge_id=data.cartridge_id).first()
        reason = (
            _cartridge_used(data.cartridge_id, used, patient)
            if used is not None
            else f"Cartridge {data.cartridge_id} was just used elsewhere: cartridges are single-use."
        )
        raise SessionRefused({"cartridge_id": reason}) from None
    except SessionRefused:
        raise
    except ValidationError as error:  # a row's own rules (full_clean) refuse like the checks above
        raise SessionRefused(error) from None
    return treatment


def _cartridge_used(cartridge_id: str, used: Cartridge, patient: Patient) -> str:
    if used.patient_id != patient.pk:
        return f"Cartridge {cartridge_id} was already used on another patient: cartridges are single-use."
    return (
        f"Cartridge {cartridge_id} was already used in this patient's session of "
        f"{used.first_used_at:%d %b %Y}: cartridges are single-use, record the new cartridge's id."
    )


def record_adverse_event(
    *, treatment: Treatment, by: Any, data: dict[str, Any], request: Any = None
) -> AdverseEvent:
    event = AdverseEvent(treatment=treatment, recorded_by=by, **data)
    try:
        event.full_clean()
    except ValidationError as error:
        raise SessionRefused(error) from None
    errors = {}
    if event.onset_on < treatment.performed_on:
        errors["onset_on"] = "The onset cannot be before the session."
    if event.onset_on > clinic_today(treatment.patient.clinic):
        errors["onset_on"] = "The onset cannot be in the future."
    if event.resolved_on and event.resolved_on < event.onset_on:
        errors["resolved_on"] = "Resolution cannot come before onset."
    if errors:
        raise SessionRefused(errors)
    with transaction.atomic():
        event.save()
        record_event(
            clinic=treatment.patient.clinic,
            user=by,
            action="adverse_event.record",
            obj=event,
            patient_id=treatment.patient_id,
            request=request,
            detail={"kind": event.kind, "grade": event.grade},
        )
    return event


def resolve_adverse_event(
    *, event: AdverseEvent, by: Any, resolved_on: date, request: Any = None
) -> AdverseEvent:
    if resolved_on < event.onset_on:
        raise ValidationError({"resolved_on": "Resolution cannot come before onset."})
    with transaction.atomic():
        event.resolved_on = resolved_on
        event.save(update_fields=["resolved_on"])
        record_event(
            clinic=event.treatment.patient.clinic,
            user=by,
            action="adverse_event.resolve",
            obj=event,
            patient_id=event.treatment.patient_id,
            request=request,
        )
    return event
