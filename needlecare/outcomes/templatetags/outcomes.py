"""The outcomes card on the patient's page: progress per scale (small charts) and the forecast."""

from typing import Any

from django import template

from needlecare.core.clock import clinic_today
from needlecare.outcomes import charts, selectors, services
from needlecare.outcomes.views import _bands, forecast_for
from needlecare.protocols.labels import labels_for
from needlecare.protocols.selectors import current_protocol
from needlecare.treatments.models import Treatment

register = template.Library()

MAX_CHARTS = 3


@register.inclusion_tag("outcomes/_summary.html")
def outcomes_summary(patient: Any) -> dict[str, Any]:
    """Constant queries: the assessments, the clinic's scales, the session days, the forecast."""
    available = services.scales_for(patient.clinic)
    assessments = list(selectors.assessments_of(patient))
    series = selectors.progress(assessments, available)
    days = sorted(
        set(
            Treatment.objects.filter(clinic_id=patient.clinic_id, patient=patient).values_list(
                "performed_on", flat=True
            )
        )
    )
    # No session, nothing to forecast: the clinic's model is not even loaded.
    forecast = forecast_for(patient) if days else None
    bands = _bands(forecast) if forecast is not None else {}
    today = clinic_today(patient.clinic)
    names: dict[str, str] = {}
    if series or bands:
        _, protocol = current_protocol(patient.clinic)
        names = labels_for(protocol, ["zones", "indications"])
    shown = []
    for s in series[:MAX_CHARTS]:
        label = f"{s.scale.name}: {names.get(s.zone, s.zone)}, {names.get(s.indication, s.indication)}"
        s.chart = charts.progress_svg(
            s, sessions=days, today=today, band=bands.get(s.indication), label=label
        )  # type: ignore[attr-defined]
        shown.append(s)
    return {
        "patient": patient,
        "series": shown,
        "more": max(len(series) - MAX_CHARTS, 0),
        "count": len(assessments),
        "forecast_rows": sorted((names.get(k, k), band) for k, band in bands.items()),
        "forecast_note": getattr(forecast, "note", ""),
        "has_forecasting": forecast is not None,
    }
