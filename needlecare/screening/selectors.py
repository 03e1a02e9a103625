"""Reads of screening decisions, and the one question later parts ask: may this patient be treated?"""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from needlecare.patients.models import Patient
from needlecare.patients.selectors import latest_intake
from needlecare.screening.models import Outcome, ScreeningDecision


def screenings_of(patient: Patient) -> QuerySet[ScreeningDecision]:
    return (
        ScreeningDecision.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("intake", "protocol", "decided_by", "override", "override__overridden_by")
        .order_by("-decided_at")
    )


def screening_of(patient: Patient, decision_id: object) -> ScreeningDecision:
    return get_object_or_404(screenings_of(patient), pk=decision_id)


def latest_screening(patient: Patient) -> ScreeningDecision | None:
    return screenings_of(patient).first()


@dataclass(frozen=True)
class ScreeningStatus:
    valid: bool
    reason: str
    decision: ScreeningDecision | None


def screening_status(patient: Patient, on: date) -> ScreeningStatus:
    """Whether a session may go ahead on `on`, and if not, why, in words for the page.

    Valid: the latest decision is for the latest intake, `on` is within its validity, and it is
    eligible, precautions, or clearance with the clearance recorded.
    """
    decision = latest_screening(patient)
    if decision is None:
        return ScreeningStatus(False, "Not screened yet.", None)
    intake = latest_intake(patient)
    if intake is None or decision.intake_id != intake.pk:
        return ScreeningStatus(False, "The intake changed since the last screening: screen again.", decision)
    if on > decision.valid_until:
        return ScreeningStatus(
            False,
            f"The screening of {decision.screened_on:%d %b %Y} expired on {decision.valid_until:%d %b %Y}: "
            "screen again.",
            decision,
        )
    if on < decision.screened_on:
        return ScreeningStatus(False, "The screening is dated after this day: screen again.", decision)
    outcome = decision.outcome
    if outcome == Outcome.DECLINED:
        return ScreeningStatus(
            False, "Declined: microneedling is contraindicated for this patient.", decision
        )
    if outcome == Outcome.DEFERRED:
        until = f" until {decision.defer_until:%d %b %Y}" if decision.defer_until else " until it resolves"
        return ScreeningStatus(False, f"Deferred{until}; screen again then.", decision)
    if outcome == Outcome.CLEARANCE and not hasattr(decision, "override"):
        return ScreeningStatus(False, "Needs a written clearance recorded before a session.", decision)
    return ScreeningStatus(True, decision.get_outcome_display(), decision)
