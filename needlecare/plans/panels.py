"""Plans' part of the patient page (needlecare/patients/panels.py)."""

from datetime import date
from typing import Any

from needlecare.patients.models import Patient
from needlecare.patients.panels import panel
from needlecare.plans.selectors import plans_of

PLANS_ON_PAGE = 3  # the newest plans on the patient page; the rest on the plans page


@panel
def plans(patient: Patient, today: date) -> dict[str, Any]:
    return {"plans": list(plans_of(patient).prefetch_related(None)[:PLANS_ON_PAGE])}
