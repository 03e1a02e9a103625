"""The patient page's panels from the apps above patients (screening, plans, consent, sessions).

`patients` sits below the apps whose records the patient page shows, so it does not import them: each
app adds what its panel needs to the page's context in its own ``panels.py`` (found at start-up, as
``history.py`` is), with a function decorated ``@panel`` that takes the patient and the clinic's local
day and answers a dict of template variables from a fixed number of queries.

    @panel
    def sessions(patient: Patient, today: date) -> dict[str, Any]:
        return {"sessions": list(sessions_of(patient)[:20])}
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils.module_loading import autodiscover_modules

from needlecare.patients.models import Patient

Panel = Callable[[Patient, date], dict[str, Any]]
_PANELS: list[Panel] = []


def panel(fn: Panel) -> Panel:
    """Register an app's part of the patient page."""
    if fn not in _PANELS:
        _PANELS.append(fn)
    return fn


def discover() -> None:
    autodiscover_modules("panels")


def context_of(patient: Patient, today: date) -> dict[str, Any]:
    """Every registered panel's template variables; two panels naming one variable is a mistake."""
    context: dict[str, Any] = {}
    for fn in _PANELS:
        part = fn(patient, today)
        clash = context.keys() & part.keys()
        if clash:
            raise ValueError(f"patient page panels both set {sorted(clash)}")
        context.update(part)
    return context
