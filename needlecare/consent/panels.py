"""Consent's part of the patient page (needlecare/patients/panels.py)."""

from datetime import date
from typing import Any

from needlecare.consent.selectors import consent_status
from needlecare.patients.models import Patient
from needlecare.patients.panels import panel


@panel
def consent(patient: Patient, today: date) -> dict[str, Any]:
    return {"consent": consent_status(patient)}
