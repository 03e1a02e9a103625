"""Booking's part of the patient's timeline: each appointment that has come, with how it went (the
appointments still to come are in the appointments panel)."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from needlecare.patients.history import Event, local, source
from needlecare.patients.models import Patient
from needlecare.scheduling.models import Appointment, Status

TONE = {Status.COMPLETED: "ok", Status.CHECKED_IN: "ok", Status.NO_SHOW: "warn", Status.CANCELLED: ""}
WORDS = {Status.BOOKED: "Not checked in", Status.CHECKED_IN: "Checked in"}


@source
def appointments(patient: Patient, limit: int | None) -> Iterable[Event]:
    past = (
        Appointment.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, starts_at__lte=timezone.now()
        )
        .select_related("type", "practitioner")
        .order_by("-starts_at")[:limit]
    )
    for a in past:
        on, at = local(a.starts_at, patient)
        status = WORDS.get(a.status, a.get_status_display())
        session = f" (session {a.session_number})" if a.session_number else ""
        reason = f": {a.cancel_reason}" if a.status == Status.CANCELLED and a.cancel_reason else ""
        yield Event(
            category="appointments",
            on=on,
            at=at,
            title=f"{a.type.name}{session}: {status.lower()}{reason}",
            detail=a.practitioner.display_name,
            url=reverse("scheduling:appointment", args=[a.pk]),
            tone=TONE.get(a.status, ""),
        )
