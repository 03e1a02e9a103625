"""Portal writes: issuing one-time sign-in links, redeeming them, and the portal session."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from needlecare.accounts.models import hash_token
from needlecare.aftercare.models import Channel, Kind, Reminder
from needlecare.audit.services import record_event
from needlecare.core.errors import Refused
from needlecare.patients.models import Patient
from needlecare.portal.models import PortalLink, SignInRequest

SESSION_KEY = "portal_patient_id"
# Who the audit log names for what a patient does in the portal (never the patient's name: erasure).
ACTOR = "patient (portal)"
# At most this many links per patient per hour, so the sign-in form cannot flood an inbox.
LINKS_PER_HOUR = 5


class LinkRefused(Refused):
    """The link is unknown, used or expired; the message says which, for the patient."""


def issue_link(*, patient: Patient, reason: str = "sign_in", hours: int | None = None) -> str:
    """A new one-time sign-in link's raw token (shown once, in the e-mail); only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    PortalLink.objects.create(
        clinic=patient.clinic,
        patient=patient,
        token_hash=hash_token(raw),
        reason=reason,
        expires_at=timezone.now() + timedelta(hours=hours or settings.PORTAL_LINK_HOURS),
    )
    return raw


def link_url(raw: str) -> str:
    return settings.SITE_URL + reverse("portal:link") + "?" + urlencode({"token": raw})


def sign_in_url(patient: Patient, reason: str) -> str:
    """A new one-time sign-in link for a message to the patient (aftercare/reach.py asks for it)."""
    return link_url(issue_link(patient=patient, reason=reason))


def ask_for_sign_in_links(*, email: str) -> None:
    """Queue the address typed on the sign-in page; the task worker sends the links.

    The request does the same work whether or not anyone has this address (one row written, the
    worker woken), sends nothing and opens no connection, so neither its answer nor its time says
    whether the address is known, and a mail server that is down changes neither."""
    with transaction.atomic():
        SignInRequest.objects.create(email=email.strip())
        transaction.on_commit(_wake_worker, robust=True)


def _wake_worker() -> None:
    from needlecare.portal.tasks import ensure_links_sent_soon

    ensure_links_sent_soon()


def hand_out_sign_in_links(*, limit: int = 200) -> int:
    """The worker's side: each queued address becomes one sign-in reminder per active patient record
    with it (one per clinic), in the outbox that sends every reminder exactly once. Each address is
    handled in one transaction with its reminders and audit events, then forgotten. Returns how many
    reminders it queued."""
    from django.db import connection

    queued = 0
    for _ in range(limit):
        with transaction.atomic():
            pending = SignInRequest.objects.order_by("created_at")
            if connection.features.has_select_for_update_skip_locked:
                pending = pending.select_for_update(skip_locked=True)
            asked = pending.first()
            if asked is None:
                break
            now = timezone.now()
            patients = Patient.objects.filter(
                email__iexact=asked.email, archived_at__isnull=True
            ).select_related("clinic")
            for patient in patients:
                recent = Reminder.objects.filter(
                    patient=patient, kind=Kind.PORTAL_LINK, created_at__gte=now - timedelta(hours=1)
                ).count()
                if recent >= LINKS_PER_HOUR:
                    continue  # the form cannot flood an inbox
                Reminder.objects.create(
                    clinic=patient.clinic,
                    patient=patient,
                    kind=Kind.PORTAL_LINK,
                    channel=Channel.EMAIL,
                    idempotency_key=f"portal_link:{asked.pk}:{patient.pk}",
                    due_at=now,
                    send_after=now,
                )
                record_event(
                    clinic=patient.clinic,
                    user=ACTOR,
                    action="portal.link_sent",
                    obj=patient,
                    patient_id=patient.pk,
                )
                queued += 1
            asked.delete()
    return queued


def redeem_link(*, raw: str, request: Any) -> Patient:
    """Use a link once: sign its patient into the portal session. Raises LinkRefused."""
    now = timezone.now()
    with transaction.atomic():
        link = (
            PortalLink.objects.select_for_update()
            .select_related("patient", "patient__clinic")
            .filter(token_hash=hash_token(raw))
            .first()
        )
        if link is None:
            raise LinkRefused("This sign-in link is not valid. Ask for a new one below.")
        if link.used_at is not None:
            raise LinkRefused("This sign-in link has already been used. Ask for a new one below.")
        if link.expires_at <= now:
            raise LinkRefused("This sign-in link has expired. Ask for a new one below.")
        if link.patient.is_archived:
            raise LinkRefused("This sign-in link is no longer valid. Please contact the clinic.")
        link.used_at = now
        link.save(update_fields=["used_at"])
        record_event(
            clinic=link.clinic,
            user=ACTOR,
            action="portal.sign_in",
            obj=link.patient,
            patient_id=link.patient_id,
            request=request,
        )
    start_portal_session(request.session, link.patient)
    return link.patient


def start_portal_session(session: Any, patient: Patient) -> None:
    session.cycle_key()
    session[SESSION_KEY] = str(patient.pk)


def end_portal_session(session: Any) -> None:
    session.pop(SESSION_KEY, None)
    session.cycle_key()
