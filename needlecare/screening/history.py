"""Screening's part of the patient's timeline: each decision, and each override of one."""

from collections.abc import Iterable
from itertools import groupby

from django.urls import reverse

from needlecare.patients.history import Event, local, source
from needlecare.patients.models import Patient
from needlecare.screening.models import Outcome, ScreeningDecision

TONE = {
    Outcome.ELIGIBLE: "ok",
    Outcome.PRECAUTIONS: "warn",
    Outcome.CLEARANCE: "warn",
    Outcome.DEFERRED: "warn",
    Outcome.DECLINED: "danger",
}


@source
def screenings(patient: Patient, limit: int | None) -> Iterable[Event]:
    """One event per decision; the same decision again on the same day (the same intake, outcome and
    override) is one event that says how many times it was made."""
    decisions = (
        ScreeningDecision.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("intake", "decided_by", "override__overridden_by")
        .order_by("-screened_on", "-decided_at")[:limit]
    )

    def same(d: ScreeningDecision) -> tuple[object, ...]:
        override = getattr(d, "override", None)
        return (d.screened_on, d.outcome, d.intake_id, d.defer_until, override.reason if override else None)

    for _, group in groupby(decisions, key=same):
        repeats = list(group)
        d = repeats[0]  # the latest of them
        decided_on, at = local(d.decided_at, patient)
        on = d.screened_on  # the date the decision is for; the same day as it was made, in the clinic
        until = f" until {d.defer_until:%-d %b %Y}" if d.defer_until else ""
        findings = len(d.findings)
        parts = [f"{findings} finding{'s' if findings != 1 else ''}", f"intake v{d.intake.version}"]
        if d.decided_by:
            parts.append(d.decided_by.display_name)
        override = getattr(d, "override", None)
        if override is not None:
            by = f" by {override.overridden_by.display_name}" if override.overridden_by else ""
            parts.append(f"overridden{by}: {override.reason[:120]}")
        if len(repeats) > 1:
            parts.append(f"screened {len(repeats)} times that day")
        yield Event(
            category="screening",
            on=on,
            at=at if decided_on == on else None,
            title=f"Screened: {d.get_outcome_display()}{until}",
            detail=" · ".join(parts),
            url=reverse("screening:detail", args=[patient.pk, d.pk]),
            tone=TONE.get(d.outcome, ""),
        )
