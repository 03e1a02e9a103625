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
