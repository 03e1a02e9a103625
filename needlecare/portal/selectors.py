"""Portal reads: the signed-in patient, and what is waiting for them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from needlecare.patients.models import Patient
from needlecare.patients.selectors import latest_intake
from needlecare.portal.services import SESSION_KEY
from needlecare.protocols.selectors import current_protocol
from needlecare.scheduling.selectors import upcoming_of_patient


def portal_patient(request: Any) -> Patient | None:
    """The patient signed into this browser's portal session, or None."""
    patient_id = request.session.get(SESSION_KEY)
    if not patient_id:
        return None
    return Patient.objects.select_related("clinic").filter(pk=patient_id, archived_at__isnull=True).first()


def upcoming_appointments(patient: Patient) -> list[Any]:
    """The patient's coming appointments (scheduling's own selector), at most ten."""
    return list(upcoming_of_patient(patient).select_related("type")[:10])


def intake_waiting(patient: Patient, today: date) -> bool:
    """No health answers yet, or answers older than a screening stays valid: ask before the next session."""
    from django.utils import timezone

    latest = latest_intake(patient)
    if latest is None:
        return True
    valid_days = current_protocol(patient.clinic)[1].screening.valid_days
    return timezone.localdate(latest.submitted_at) < today - timedelta(days=valid_days)
