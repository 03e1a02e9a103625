"""Screening a patient (stored, explained, versioned) and a practitioner's override."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from needlecare.audit.services import record_event
from needlecare.core.clock import clinic_today, local_time
from needlecare.core.errors import Refused
from needlecare.patients.models import Patient
from needlecare.patients.selectors import latest_intake
from needlecare.protocols.selectors import current_protocol
from needlecare.screening import rules
from needlecare.screening.models import OVERRIDABLE, Outcome, ScreeningDecision, ScreeningOverride


def screen_patient(
    *,
    patient: Patient,
    by: Any,
    on: date | None = None,
    adjuncts: Sequence[str] = (),
    request: Any = None,
) -> ScreeningDecision:
    """Run the clinic's protocol on the patient's latest intake and store the decision.

    ``adjuncts`` names what the plan adds to the needling (``["prp"]``): its rules apply only then."""
    intake = latest_intake(patient)
    if intake is None:
        raise ScreeningRefused("This patient has no intake yet: fill in the medical history first.")
    version, protocol = current_protocol(patient.clinic)
    on = on or clinic_today(patient.clinic)
    adjuncts = sorted(set(adjuncts))
    try:
        decision = rules.evaluate(intake.answers, protocol, on, adjuncts=adjuncts)
    except rules.IntakeError:
        raise
    except ValueError as error:  # an adjunct the clinic's protocol does not know
        raise ScreeningRefused(str(error)) from None
    shape = decision.to_dict(patient_messages=True)
    with transaction.atomic():
        stored = ScreeningDecision.objects.create(
            clinic=patient.clinic,
            patient=patient,
            intake=intake,
            protocol=version,
            screened_on=on,
            outcome=decision.outcome,
            defer_until=decision.defer_until,
            findings=shape["findings"],
            adjuncts=adjuncts,
            valid_until=on + timedelta(days=protocol.screening.valid_days),
            decided_by=by if getattr(by, "pk", None) else None,
        )
        record_event(
            clinic=patient.clinic,
            user=by,
            action="screening.run",
            obj=stored,
            patient_id=patient.pk,
            request=request,
            detail={"outcome": stored.outcome, "intake_version": intake.version, "adjuncts": adjuncts},
        )
    return stored


class ScreeningRefused(Refused, ValidationError):  # type: ignore[misc]  # Refused's str code and message
    """The patient cannot be screened, or the override is refused (API: 422); the sentence lists each
    problem."""

    def summary(self) -> str:
        return "; ".join(message for messages in self.fields.values() for message in messages)


class AlreadyOverridden(Refused):
    """The decision has its override already; a second one would hide the first (API: 409)."""

    status, code = 409, "already_overridden"

    def __init__(self, existing: ScreeningOverride) -> None:
        self.existing = existing
        who = existing.overridden_by.display_name if existing.overridden_by else "someone"
        when = local_time(existing.decision.clinic, existing.overridden_at)
        super().__init__(
            f"This screening was already overridden by {who} on {when:%-d %b %Y}; that override stands. "
            "To decide again, screen the patient again."
        )


def _existing_override(decision: ScreeningDecision) -> ScreeningOverride | None:
    found = ScreeningOverride.objects.filter(decision=decision)
    return found.select_related("overridden_by", "decision__clinic").first()


def override_screening(
    *,
    decision: ScreeningDecision,
    by: Any,
    reason: str,
    clearance_from: str = "",
    clearance_dated: date | None = None,
    document_reference: str = "",
    request: Any = None,
) -> ScreeningOverride:
    """Record that a practitioner proceeds despite `clearance` (with the clearance) or `precautions`."""
    if decision.outcome not in OVERRIDABLE:
        label = Outcome(decision.outcome).label.lower()
        raise ScreeningRefused(f"A decision of “{label}” cannot be overridden.")
    existing = _existing_override(decision)
    if existing is not None:
        raise AlreadyOverridden(existing)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Give the reason for proceeding."
    if decision.outcome == Outcome.CLEARANCE:
        if not clearance_from.strip():
            errors["clearance_from"] = "Say who gave the written clearance."
        if clearance_dated is None:
            errors["clearance_dated"] = "Give the date of the clearance."
        elif clearance_dated > clinic_today(decision.clinic):
            errors["clearance_dated"] = "The clearance cannot be dated in the future."
        if not document_reference.strip():
            errors["document_reference"] = "Say where the clearance letter is kept."
    if errors:
        raise ScreeningRefused(errors)
    try:
        with transaction.atomic():
            override = ScreeningOverride.objects.create(
                decision=decision,
                reason=reason.strip(),
                clearance_from=clearance_from.strip(),
                clearance_dated=clearance_dated,
                document_reference=document_reference.strip(),
                overridden_by=by,
            )
            record_event(
                clinic=decision.clinic,
                user=by,
                action="screening.override",
                obj=decision,
                patient_id=decision.patient_id,
                request=request,
                detail={"outcome": decision.outcome},
            )
    except IntegrityError:
        # Two overrides at once: the one-to-one row lets one in; the other hears about it.
        existing = _existing_override(decision)
        if existing is None:
            raise
        raise AlreadyOverridden(existing) from None
    return override
