"""Aftercare reads, clinic-scoped: timelines, check-ins needing attention, the outbox."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from needlecare.aftercare.models import (
    AftercareTimeline,
    CheckIn,
    InboundMessage,
    Reminder,
    SenderHeartbeat,
    SmsOptOut,
    State,
    TwilioAccount,
)
from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient
from needlecare.treatments.models import Treatment


def timeline_of(treatment: Treatment) -> AftercareTimeline:
    return get_object_or_404(
        AftercareTimeline.objects.select_related("protocol", "clinic", "patient", "treatment"),
        treatment=treatment,
        clinic_id=treatment.clinic_id,
    )


def timelines_of(patient: Patient) -> QuerySet[AftercareTimeline]:
    return (
        AftercareTimeline.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("protocol", "treatment")
        .order_by("-starts_on", "-created_at")
    )


def checkins_of(patient: Patient) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by(
        "-submitted_at", "-day"
    )


def alerts_for(clinic: Clinic) -> QuerySet[CheckIn]:
    """Check-ins with warning signs nobody has reviewed yet, oldest first (they have waited longest)."""
    return (
        CheckIn.objects.filter(clinic=clinic, reviewed_at__isnull=True)
        .exclude(warning_signs=[])
        .select_related("patient", "treatment")
        .order_by("submitted_at")
    )


def recent_checkins(clinic: Clinic, *, limit: int = 30) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(clinic=clinic)
        .select_related("patient", "reviewed_by")
        .order_by("-submitted_at")[:limit]
    )


def checkin_for(clinic: Clinic, checkin_id: object) -> CheckIn:
    return get_object_or_404(CheckIn.objects.select_related("patient"), clinic=clinic, pk=checkin_id)


def outbox_counts(clinic: Clinic) -> dict[str, int]:
    rows = Reminder.objects.filter(clinic=clinic).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


OPEN_STATES = (State.PENDING, State.SENDING)


def outbox(clinic: Clinic, *, state: str = "", limit: int = 50) -> list[Reminder]:
    """The clinic's reminders as staff read them: those still to go first, the next due at the top; then
    those done with (sent, cancelled, failed), the latest first."""
    reminders = Reminder.objects.filter(clinic=clinic).select_related("patient")
    if state:
        reminders = reminders.filter(state=state)
    waiting = list(reminders.filter(state__in=OPEN_STATES).order_by("due_at", "pk")[:limit])
    if len(waiting) >= limit:
        return waiting
    done = reminders.exclude(state__in=OPEN_STATES).order_by("-due_at", "-pk")
    return waiting + list(done[: limit - len(waiting)])


def sender_heartbeat() -> SenderHeartbeat | None:
    return SenderHeartbeat.objects.filter(pk=1).first()


def twilio_account_of(clinic: Clinic) -> TwilioAccount | None:
    return TwilioAccount.objects.filter(clinic=clinic).first()


def twilio_account_by_sid(account_sid: str) -> TwilioAccount | None:
    return TwilioAccount.objects.select_related("clinic").filter(account_sid=account_sid).first()


def messages_to_answer(clinic: Clinic) -> QuerySet[InboundMessage]:
    """Patients' text messages nobody has answered yet, oldest first."""
    return (
        InboundMessage.objects.filter(clinic=clinic, answered_at__isnull=True)
        .select_related("patient")
        .order_by("received_at")
    )


def inbound_message_for(clinic: Clinic, message_id: object) -> InboundMessage:
    return get_object_or_404(InboundMessage.objects.select_related("clinic"), clinic=clinic, pk=message_id)


def texts_from(patient: Patient) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by(
        "-received_at"
    )


def opted_out_of_sms(patient: Patient) -> bool:
    return SmsOptOut.objects.filter(patient=patient).exists()
