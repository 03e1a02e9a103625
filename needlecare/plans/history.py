"""Plans' part of the patient's timeline: each plan made, started, and completed or stopped."""

from collections.abc import Iterable

from django.urls import reverse

from needlecare.patients.history import Event, local, source
from needlecare.patients.models import Patient
from needlecare.plans.models import PlanStatus, TreatmentPlan


@source
def plans(patient: Patient, limit: int | None) -> Iterable[Event]:
    # A plan gives up to three events; the newest `limit` plans hold the newest `limit` events.
    mine = (
        TreatmentPlan.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("protocol", "created_by")
        .order_by("-created_at")[:limit]
    )
    for plan in mine:
        url = reverse("plans:detail", args=[patient.pk, plan.pk])
        device = plan.get_device_display().lower()
        what = f"{', '.join(plan.indication_labels)}: {plan.sessions} sessions by {device}"
        on, at = local(plan.created_at, patient)
        by = f" · {plan.created_by.display_name}" if plan.created_by else ""
        yield Event(category="plans", on=on, at=at, title="Plan made", detail=what + by, url=url)
        if plan.activated_at:
            on, at = local(plan.activated_at, patient)
            yield Event(category="plans", on=on, at=at, title="Plan started", detail=what, url=url, tone="ok")
        if plan.ended_at and plan.status in (PlanStatus.COMPLETED, PlanStatus.STOPPED):
            on, at = local(plan.ended_at, patient)
            stopped = plan.status == PlanStatus.STOPPED
            yield Event(
                category="plans",
                on=on,
                at=at,
                title="Plan stopped" if stopped else "Plan completed",
                detail=plan.status_reason or what,
                url=url,
                tone="warn" if stopped else "ok",
            )
