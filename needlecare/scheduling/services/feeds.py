"""Calendar feeds: secret addresses a calendar app subscribes to, made and revoked."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient
from needlecare.scheduling.models import (
    CalendarFeed,
    hash_token,
)

# ------------------------------------------------------------------------------------------------------
# Calendar feeds
# ------------------------------------------------------------------------------------------------------


def create_feed(
    *,
    clinic: Clinic,
    by: Any,
    practitioner: Any = None,
    patient: Patient | None = None,
    request: Any = None,
    verified: bool = False,
) -> tuple[CalendarFeed, str]:
    """A new secret feed address; the raw token is returned once and only its hash is kept.

    `verified`: made by a session that passed its second factor, or by the patient in the portal; a
    clinic that requires two-step sign-in serves no other feed."""
    if (practitioner is None) == (patient is None):
        raise ValueError("A feed is for one practitioner or one patient.")
    raw = CalendarFeed.new_raw_token()
    with transaction.atomic():
        feed = CalendarFeed.objects.create(
            clinic=clinic,
            practitioner=practitioner,
            patient=patient,
            token_hash=hash_token(raw),
            hint=raw[:10],
            created_by=by,
            issued_verified=verified,
        )
        record_event(
            clinic=clinic,
            user=by,
            action="calendar_feed.create",
            obj=feed,
            patient_id=patient.pk if patient else None,
            request=request,
            detail={"second_factor": verified},
        )
    return feed, raw


def revoke_feed(*, feed: CalendarFeed, by: Any, request: Any = None) -> CalendarFeed:
    with transaction.atomic():
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record_event(
            clinic=feed.clinic,
            user=by,
            action="calendar_feed.revoke",
            obj=feed,
            patient_id=feed.patient_id,
            request=request,
        )
    return feed
