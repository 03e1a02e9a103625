"""The "Appointments" card on the patient page: the next few visits, in one query."""

from typing import Any

from django import template

from needlecare.scheduling.selectors import upcoming_of_patient

register = template.Library()


@register.inclusion_tag("scheduling/_patient_panel.html", takes_context=True)
def appointments_panel(context: Any, patient: Any) -> dict[str, Any]:
    return {
        "patient": patient,
        "upcoming": list(upcoming_of_patient(patient)[:5]),
        "current_clinic": context.get("current_clinic"),
    }
