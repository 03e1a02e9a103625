"""Aftercare's part of the patient page (needlecare/patients/panels.py): the patient's text messages."""

from datetime import date
from typing import Any

from needlecare.aftercare.selectors import opted_out_of_sms, texts_from
from needlecare.patients.models import Patient
from needlecare.patients.panels import panel

TEXTS_ON_PAGE = 10


@panel
def texts(patient: Patient, today: date) -> dict[str, Any]:
    return {
        "sms_texts": list(texts_from(patient)[:TEXTS_ON_PAGE]),
        "sms_opted_out": opted_out_of_sms(patient),
    }
