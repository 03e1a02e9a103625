"""Writes about clinics: settings, members."""

from typing import Any

from django.db import transaction

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic, Membership

CLINIC_SETTINGS = ("name", "timezone", "email", "phone", "require_two_factor")


def update_clinic(*, clinic: Clinic, by: Any, data: dict[str, Any], request: Any = None) -> Clinic:
    changed = sorted(k for k in CLINIC_SETTINGS if k in data and getattr(clinic, k) != data[k])
    for field in changed:
        setattr(clinic, field, data[field])
    clinic.full_clean()
    with transaction.atomic():
        clinic.save()
        record_event(
            clinic=clinic,
            user=by,
            action="clinic.update",
            obj=clinic,
            request=request,
            detail={"fields": changed},
        )
    return clinic


def add_member(*, clinic: Clinic, user: Any, role: str, by: Any = None) -> Membership:
    with transaction.atomic():
        membership, _ = Membership.objects.update_or_create(
            clinic=clinic, user=user, defaults={"role": role, "is_active": True}
        )
        record_event(
            clinic=clinic, user=by or user, action="membership.set", obj=membership, detail={"role": role}
        )
    return membership
