"""The forecast over the API: when each indication's improvement is expected to fade and maintenance is
due, for one patient. Another clinic's patient answers 404."""

from datetime import date
from typing import Any, Literal
from uuid import UUID

from ninja import Router, Schema
from pydantic import Field

from needlecare.clinics.policies import Category, api_policy
from needlecare.core.api_errors import ERRORS
from needlecare.core.clock import clinic_today
from needlecare.forecasting.durability import plain_answer
from needlecare.forecasting.forecasting import forecast_for_patient
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.protocols.labels import label_of, labels_for

# Tagged as before the move, so the API's documentation groups the forecast with the outcomes.
router = Router(tags=["outcomes"])


class IndicationForecastOut(Schema):
    indication: str
    indication_name: str
    status: str = Field(description="no_data, building, no_response, holding or faded.")
    basis: Literal["evidence", "clinic"]
    peak: date
    fade_median: date = Field(description="Expected day improvement falls below half its peak.")
    fade_low: date = Field(description="The 80% interval's first day.")
    fade_high: date = Field(description="The 80% interval's last day.")
    maintenance_due: date = Field(description="Book maintenance by this day.")
    plain_language: str = Field(description='"Is it permanent for me?", in plain words.')


class ForecastOut(Schema):
    patient_id: UUID
    basis: Literal["evidence", "clinic"]
    clinic_patients: int = Field(description="The clinic's patients with follow-up past the peak.")
    note: str
    indications: list[IndicationForecastOut]


def forecast_out(patient: Any, forecast: Any, *, today: date, names: dict[str, str]) -> dict[str, Any]:
    """The forecast as the API and the portal give it, with the plain-language answer per indication."""
    items = []
    for item in forecast.indications:
        name = label_of(names, item.indication)
        items.append(
            {
                **item.to_dict(),
                "indication_name": name,
                "plain_language": plain_answer(item, today=today, indication_label=name),
            }
        )
    return {
        "patient_id": patient.pk,
        "basis": forecast.basis,
        "clinic_patients": forecast.clinic_patients,
        "note": forecast.note,
        "indications": items,
    }


# The operation id it had in outcomes: clients generated from the OpenAPI document keep their names.
@router.get(
    "/patients/{patient_id}/forecast",
    response={200: ForecastOut, **ERRORS},
    operation_id="needlecare_outcomes_api_get_forecast",
)
@api_policy(Category.FORECAST)
def get_forecast(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """When each indication's improvement is expected to fall below half its peak (median and 80%
    interval), when to book maintenance, and whether the forecast rests on published evidence alone or
    also on the clinic's own outcomes. Any staff member may read it (the front desk books maintenance)."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    forecast = forecast_for_patient(patient)
    record_patient_read(patient=patient, by=request.user, action="forecast.view", request=request)
    return forecast_out(
        patient,
        forecast,
        today=clinic_today(request.clinic),
        names=labels_for(request.clinic, ["indications"]),
    )
