"""Run inside `manage.py shell -c` by test_worker.py: seed due reminders, and report their states."""

import json
from datetime import date

from django.db.models import Count
from django.utils import timezone

from needlecare.aftercare.models import Channel, Kind, Reminder
from needlecare.clinics.models import Clinic
from needlecare.patients.services import create_patient


def seed(count: int, tz: str, prefix: str) -> None:
    clinic, _ = Clinic.objects.get_or_create(
        slug="worker-test",
        defaults={
            "name": "Worker Test Clinic",
            "timezone": tz,
            "email": "desk@w.test",
            "phone": "020 7946 0555",
        },
    )
    patient = create_patient(
        clinic=clinic,
        by=None,
        data={
            "given_name": "Wren",
            "family_name": prefix,
            "date_of_birth": date(1990, 1, 1),
            "email": "wren@patient.test",
        },
    )
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            clinic=clinic,
            patient=patient,
            kind=Kind.MAINTENANCE_DUE,
            channel=Channel.EMAIL,
            due_at=now,
            send_after=now,
            idempotency_key=f"{prefix}-{n:04d}",
            context={"months": 12},
        )
        for n in range(count)
    )


def states(prefix: str) -> None:
    rows = (
        Reminder.objects.filter(idempotency_key__startswith=f"{prefix}-")
        .values("state")
        .annotate(n=Count("pk"))
    )
    keys = list(
        Reminder.objects.filter(idempotency_key__startswith=f"{prefix}-").values_list(
            "idempotency_key", flat=True
        )
    )
    print(json.dumps({"states": {r["state"]: r["n"] for r in rows}, "keys": keys}))


def seed_sms(count: int, tz: str, prefix: str, sid: str, token: str) -> None:
    """``count`` patients of a clinic that sends through Twilio, each with a due text message."""
    from needlecare.aftercare.texting import save_twilio_account

    clinic, _ = Clinic.objects.get_or_create(
        slug="worker-sms-test",
        defaults={"name": "Worker SMS Clinic", "timezone": tz, "phone": "020 7946 0556"},
    )
    save_twilio_account(
        clinic=clinic, by=None, data={"account_sid": sid, "auth_token": token, "from_number": "+447700900555"}
    )
    now = timezone.now()
    reminders = []
    for n in range(count):
        patient = create_patient(
            clinic=clinic,
            by=None,
            data={
                "given_name": "Sol",
                "family_name": f"{prefix}{n}",
                "date_of_birth": date(1990, 1, 1),
                "phone": f"+44770090{n:04d}",
            },
        )
        reminders.append(
            Reminder(
                clinic=clinic,
                patient=patient,
                kind=Kind.MAINTENANCE_DUE,
                channel=Channel.SMS,
                due_at=now,
                send_after=now,
                idempotency_key=f"{prefix}-{n:04d}",
                context={"months": 12},
            )
        )
    Reminder.objects.bulk_create(reminders)


def sms_states(prefix: str) -> None:
    rows = Reminder.objects.filter(idempotency_key__startswith=f"{prefix}-")
    states = rows.values("state").annotate(n=Count("pk"))
    sent = {phone: sid for phone, sid in rows.values_list("patient__phone", "provider_id")}
    print(json.dumps({"states": {r["state"]: r["n"] for r in states}, "sent": sent}))
