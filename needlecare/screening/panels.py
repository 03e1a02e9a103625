"""Screening's part of the patient page (needlecare/patients/panels.py)."""

from datetime import date
from typing import Any

from needlecare.patients.models import Patient
from needlecare.patients.panels import panel
from needlecare.screening.selectors import screening_status, screenings_of


@panel
def screening(patient: Patient, today: date) -> dict[str, Any]:
    return {"screening": screening_status(patient, today), "screenings": list(screenings_of(patient)[:10])}
