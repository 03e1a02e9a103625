"""Reads of the audit log, always within one clinic, filtered through an allow-list."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from needlecare.audit.models import AuditEvent

if TYPE_CHECKING:  # clinics is above audit in the layer order (audit/models.py clinic_model)
    from needlecare.clinics.models import Clinic


def audit_events_for(clinic: Clinic, *, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(clinic=clinic)
    filters = filters or {}
    if filters.get("actor"):
        events = events.filter(actor__iexact=filters["actor"])
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("patient"):
        events = events.filter(patient_id=filters["patient"])
    if isinstance(filters.get("since"), date):
        events = events.filter(at__date__gte=filters["since"])
    if isinstance(filters.get("until"), date):
        events = events.filter(at__date__lte=filters["until"])
    return events.order_by("-seq")


def audit_actions_for(clinic: Clinic) -> list[str]:
    return list(
        AuditEvent.objects.filter(clinic=clinic)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
