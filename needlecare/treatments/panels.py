"""Sessions' part of the patient page (needlecare/patients/panels.py)."""

from datetime import date
from typing import Any

from needlecare.patients.models import Patient
from needlecare.patients.panels import panel
from needlecare.treatments.selectors import sessions_of

SESSIONS_ON_PAGE = 20


@panel
def sessions(patient: Patient, today: date) -> dict[str, Any]:
    return {"sessions": list(sessions_of(patient)[:SESSIONS_ON_PAGE])}
