"""Aftercare's part of the patient's timeline: each check-in, with its warning signs."""

from collections.abc import Iterable

from django.urls import reverse

from needlecare.aftercare.models import CheckIn
from needlecare.patients.history import Event, local, source
from needlecare.patients.models import Patient


@source
def checkins(patient: Patient, limit: int | None) -> Iterable[Event]:
    answers = CheckIn.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by("-submitted_at")[
        :limit
    ]
    for c in answers:
        on, at = local(c.submitted_at, patient)
        if c.warning_signs:
            title = f"Day {c.day} check-in: warning signs"
            detail = ", ".join(c.warning_signs) + (
                " · dealt with" if c.reviewed_at else " · not yet dealt with"
            )
            tone = "warn" if c.reviewed_at else "danger"
        else:
            title, detail, tone = f"Day {c.day} check-in: normal recovery", f"pain {c.pain}/10", "ok"
        yield Event(
            category="checkins",
            on=on,
            at=at,
            title=title,
            detail=detail,
            url=reverse("treatments:detail", args=[patient.pk, c.treatment_id]),
            tone=tone,
        )
