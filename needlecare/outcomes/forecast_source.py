"""The forecast beside a patient's progress. It comes from the forecasting app, which sits above outcomes
in the layer order (docs/architecture.md): that app registers its function here at start-up, as each
app's ``history.py`` registers a timeline source, so outcomes never imports it."""

from collections.abc import Callable
from typing import Any

from needlecare.patients.models import Patient

Forecaster = Callable[[Patient], Any]
_FORECASTERS: list[Forecaster] = []


def forecast_source(fn: Forecaster) -> Forecaster:
    """Register the function that forecasts a patient (there is one: registering again replaces it)."""
    _FORECASTERS[:] = [fn]
    return fn


def registered_forecaster() -> Forecaster | None:
    """The registered function, or None when no forecasting app is installed."""
    return _FORECASTERS[0] if _FORECASTERS else None
