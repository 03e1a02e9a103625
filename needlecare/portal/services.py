"""Portal writes: issuing one-time sign-in links, redeeming them, and the portal session."""

from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from needlecare.accounts.models import hash_token
from needlecare.audit.services import record_event
from needlecare.patients.models import Patient
from needlecare.portal.models import PortalLink

logger = logging.getLogger(__name__)

SESSION_KEY = "portal_patient_id"
# Who the audit log names for what a patient does in the portal (never the patient's name: erasure).
ACTOR = "patient (portal)"
# At most this many links per patient per hour, so the sign-in form cannot flood an inbox.
LINKS_PER_HOUR = 5


class LinkNotSent(Exception):
    """The mail server did not take the message; the patient may try again."""


class LinkRefused(Exception):
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


def email_sign_in_links(*, email: str, request: Any = None) -> int:
    """E-mail a sign-in link to every active patient with this address (one per clinic's record).

    The page answers the same whether or not the address is known, so it reveals nobody.
    """
    email = email.strip()
    patients = Patient.objects.filter(email__iexact=email, archived_at__isnull=True).select_related("clinic")
    since = timezone.now() - timedelta(hours=1)
    sent = 0
    for patient in patients:
        recent = PortalLink.objects.filter(patient=patient, created_at__gte=since).count()
        if recent >= LINKS_PER_HOUR:
            continue
        with transaction.atomic():
            raw = issue_link(patient=patient, reason="sign_in")
            record_event(
                clinic=patient.clinic,
                user=ACTOR,
                action="portal.link_sent",
                obj=patient,
                patient_id=patient.pk,
                request=request,
            )
        context = {"patient": patient, "clinic": patient.clinic, "url": link_url(raw)}
        context["hours"] = settings.PORTAL_LINK_HOURS
        message = EmailMultiAlternatives(
            subject=f"{patient.clinic.name}: your sign-in link",
            body=render_to_string("portal/email/link.txt", context),
            from_email=formataddr((patient.clinic.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
            to=[patient.email],
        )
        message.attach_alternative(render_to_string("portal/email/link.html", context), "text/html")
        try:
            message.send()
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("portal sign-in link not sent: %s", error)
            raise LinkNotSent(
                "We could not send e-mail just now. Please try again in a few minutes."
            ) from None
        sent += 1
    return sent


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
