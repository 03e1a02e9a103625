"""Two-way SMS through Twilio: a clinic's account (secrets encrypted), delivery status callbacks, replies
from patients (STOP opts out at once, START opts back in), and marking a reply answered. Writes only;
audit events carry ids and counts, never a message's text or a phone number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from needlecare.aftercare import secrets
from needlecare.aftercare.models import InboundMessage, Reminder, SmsOptOut, TwilioAccount
from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient

# Twilio's standard opt-out and opt-in keywords (Twilio also answers them itself on long codes).
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})

# A delivery status only moves forward: callbacks can arrive late or twice.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}


def last4(secret: str) -> str:
    return secret[-4:]


def save_twilio_account(
    *, clinic: Clinic, by: Any, data: dict[str, str], request: Any = None
) -> TwilioAccount:
    """Create or change the clinic's Twilio account. A blank secret keeps the stored one."""
    account = TwilioAccount.objects.filter(clinic=clinic).first() or TwilioAccount(clinic=clinic)
    account.account_sid = data["account_sid"].strip()
    account.api_key_sid = data.get("api_key_sid", "").strip()
    account.from_number = data.get("from_number", "").strip()
    account.messaging_service_sid = data.get("messaging_service_sid", "").strip()
    if data.get("auth_token"):
        account.auth_token_encrypted = secrets.encrypt(data["auth_token"])
        account.auth_token_last4 = last4(data["auth_token"])
    if data.get("api_secret"):
        account.api_secret_encrypted = secrets.encrypt(data["api_secret"])
        account.api_secret_last4 = last4(data["api_secret"])
    if not account.api_key_sid:
        account.api_secret_encrypted = account.api_secret_last4 = ""
    with transaction.atomic():
        account.full_clean()
        account.save()
        record_event(
            clinic=clinic,
            user=by,
            action="sms.twilio_settings",
            obj=account,
            request=request,
            detail={
                "api_key": bool(account.api_key_sid),
                "messaging_service": bool(account.messaging_service_sid),
            },
        )
    return account


def remove_twilio_account(*, clinic: Clinic, by: Any, request: Any = None) -> None:
    with transaction.atomic():
        deleted, _ = TwilioAccount.objects.filter(clinic=clinic).delete()
        if deleted:
            record_event(clinic=clinic, user=by, action="sms.twilio_removed", request=request)


def record_delivery_status(*, account: TwilioAccount, message_sid: str, status: str) -> int:
    """Note Twilio's delivery status on the reminder it is about; answers how many rows changed (0 for a
    repeat, a late callback or another clinic's message)."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return 0
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .filter(clinic_id=account.clinic_id, provider_id=message_sid)
            .only("pk", "delivery_status")
            .first()
        )
        if reminder is None or STATUS_RANK.get(reminder.delivery_status, -1) >= rank:
            return 0
        return int(Reminder.objects.filter(pk=reminder.pk).update(delivery_status=status))


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def patient_with_number(clinic: Clinic, phone: str) -> Patient | None:
    """The clinic's one patient with this number, compared on its last nine digits (so +44 7700 900123
    matches 07700 900123); None if nobody or several have it."""
    tail = digits(phone)[-9:]
    if len(tail) < 6:
        return None
    found = list(Patient.objects.filter(clinic=clinic, phone_digits__endswith=tail)[:2])
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Received:
    message: InboundMessage
    created: bool
    keyword: str  # "stop", "start" or ""


def receive_message(*, account: TwilioAccount, message_sid: str, from_number: str, body: str) -> Received:
    """A text from someone to the clinic's number: kept as a message to answer; STOP and START act at once.
    A repeat of the same Message SID (Twilio retries) changes nothing."""
    clinic = account.clinic
    word = body.strip().upper()
    keyword = "stop" if word in OPT_OUT_WORDS else "start" if word in OPT_IN_WORDS else ""
    with transaction.atomic():
        existing = InboundMessage.objects.filter(provider_id=message_sid).first()
        if existing is not None:
            return Received(existing, False, keyword)
        patient = patient_with_number(clinic, from_number)
        message = InboundMessage.objects.create(
            clinic=clinic,
            patient=patient,
            provider_id=message_sid,
            from_number=from_number[:30],
            body=body[:1600],
            # An opt-out word is handled, not a question to answer.
            answered_at=timezone.now() if keyword else None,
        )
        detail: dict[str, Any] = {"matched": patient is not None}
        if patient is not None and keyword == "stop":
            SmsOptOut.objects.get_or_create(patient=patient, defaults={"clinic": clinic})
        elif patient is not None and keyword == "start":
            SmsOptOut.objects.filter(patient=patient).delete()
        action = {"stop": "sms.opt_out", "start": "sms.opt_in"}.get(keyword, "sms.inbound")
        record_event(
            clinic=clinic,
            user=None,
            action=action,
            obj=message,
            patient_id=patient.pk if patient else None,
            detail=detail,
        )
    return Received(message, True, keyword)


def mark_answered(*, message: InboundMessage, by: Any, request: Any = None) -> None:
    if message.answered_at is not None:
        return
    with transaction.atomic():
        InboundMessage.objects.filter(pk=message.pk, answered_at__isnull=True).update(
            answered_at=timezone.now(), answered_by=by
        )
        record_event(
            clinic=message.clinic,
            user=by,
            action="sms.answered",
            obj=message,
            patient_id=message.patient_id,
            request=request,
        )
