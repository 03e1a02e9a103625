"""What each reminder says: composed when it is sent, from the current record, as an e-mail (text and
HTML parts, a Message-ID derived from the idempotency key) or a text message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from needlecare.aftercare import reach, timeline
from needlecare.aftercare.models import AftercareTimeline, Channel, CheckIn, Kind, Reminder, SmsOptOut
from needlecare.aftercare.sms import TextMessage
from needlecare.core.clock import clinic_zone


class Obsolete(Exception):
    """The reminder no longer applies (already answered, nobody to send to); it is cancelled, not sent."""


@dataclass
class Letter:
    to: str
    subject: str
    greeting: str
    paragraphs: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    link: tuple[str, str] | None = None
    sms: str = ""
    call_us: bool = False  # ends with "Worried? Call <the clinic's number>"


def message_id(key: str) -> str:
    """A stable Message-ID for an idempotency key: a repeat of the same reminder is one message to a
    mail client.

    >>> message_id("k") == message_id("k"), message_id("k") != message_id("l")
    (True, True)
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<reminder.{digest}@{settings.REMINDER_MESSAGE_DOMAIN}>"


def _url(path: str) -> str:
    return settings.SITE_URL + path


def _portal_link(reminder: Reminder, *, sign_in: bool) -> str:
    if not sign_in:
        return _url(reverse("portal:home"))
    return reach.portal_link(reminder.patient, reminder.kind)


def _timeline(reminder: Reminder) -> AftercareTimeline:
    record = AftercareTimeline.objects.filter(treatment_id=reminder.subject_id).first()
    if record is None:
        raise Obsolete("the session has no aftercare timeline")
    return record


def compose(reminder: Reminder) -> Letter:
    """The message for ``reminder``, or Obsolete if it should not be sent any more."""
    patient, clinic = reminder.patient, reminder.clinic
    if patient.is_archived and reminder.kind != Kind.CHECKIN_ALERT:
        raise Obsolete("the patient is archived")
    if reminder.channel == Channel.SMS and SmsOptOut.objects.filter(patient_id=reminder.patient_id).exists():
        raise Obsolete("the patient opted out of text messages (replied STOP)")
    name = patient.preferred_name or patient.given_name
    addresses: dict[str, str] = {Channel.EMAIL: patient.email, Channel.SMS: patient.phone}
    to = addresses[reminder.channel]
    greeting = f"Dear {name},"
    kind, ctx = reminder.kind, reminder.context
    on_phone = f" on {clinic.phone}" if clinic.phone else ""
    if kind.startswith("aftercare_day"):
        record = _timeline(reminder)
        step = timeline.step_on(timeline.steps_from(record.steps), int(ctx["day"]))
        if step is None:
            raise Obsolete("no step on that day")
        letter = Letter(
            to,
            f"{clinic.name}: your aftercare, day {ctx['day']}",
            greeting,
            [f"It is day {ctx['day']} after your session on {record.starts_on:%-d %B}. Today:"],
            [
                ("What to do", step.instructions),
                ("What is normal", step.expected),
                ("Call the clinic if you notice", step.call_clinic_if),
            ],
            ("See your aftercare", _portal_link(reminder, sign_in=False)),
            call_us=True,
        )
        letter.sms = f"{clinic.name}: day {ctx['day']} after your session. " + " ".join(step.instructions[:2])
        if step.call_clinic_if:
            letter.sms += f" Call us{on_phone} if: " + " ".join(step.call_clinic_if)
    elif kind == Kind.CHECKIN_REQUEST:
        day = int(ctx["day"])
        if CheckIn.objects.filter(treatment_id=reminder.subject_id, day=day).exists():
            raise Obsolete("already checked in")
        link = _portal_link(reminder, sign_in=True)
        letter = Letter(
            to,
            f"{clinic.name}: how is your skin? (day {day} check-in)",
            greeting,
            [
                f"Please tell us how your skin is on day {day} after your session. It takes a minute, and "
                "if anything needs a closer look we will see it straight away.",
                f"This link signs you in and works once, for {settings.PORTAL_LINK_HOURS} hours.",
            ],
            link=("Answer the check-in", link),
        )
        letter.sms = f"{clinic.name}: how is your skin on day {day}? Tell us here: {link}"
    elif kind == Kind.PORTAL_LINK:
        # The link is made now, by the worker, so its raw token is never stored: only its hash.
        link = _portal_link(reminder, sign_in=True)
        letter = Letter(
            to,
            f"{clinic.name}: your sign-in link",
            greeting,
            [
                f"Here is your link to sign in to {clinic.name}'s patient pages. It works once, for "
                f"{settings.PORTAL_LINK_HOURS} hours.",
                "If you did not ask for it, you can ignore this e-mail.",
            ],
            link=("Sign in", link),
        )
        letter.sms = f"{clinic.name}: your sign-in link: {link}"
    elif kind == Kind.APPOINTMENT_24H:
        starts = datetime.fromisoformat(ctx["starts_at"]).astimezone(clinic_zone(clinic))
        when = f"{starts:%A %-d %B at %H:%M}"
        letter = Letter(
            to,
            f"{clinic.name}: your appointment on {starts:%A %-d %B}",
            greeting,
            [
                f"This is a reminder of your appointment at {clinic.name} on {when}.",
                "Please come without make-up on the area to be treated, and tell us if anything has "
                "changed in your health or medicines since your last visit.",
                "If you cannot come, please let us know" + (f" on {clinic.phone}." if clinic.phone else "."),
            ],
            link=("Your appointments", _portal_link(reminder, sign_in=False)),
        )
        letter.sms = f"{clinic.name}: reminder of your appointment on {when}." + (
            f" Cannot come? Call {clinic.phone}." if clinic.phone else ""
        )
    elif kind == Kind.MAINTENANCE_DUE:
        letter = Letter(
            to,
            f"{clinic.name}: time for your maintenance session",
            greeting,
            [
                f"It is {ctx['months']} months since your last session. Microneedling results are not "
                "permanent: the collagen it builds fades over time, faster with sun and smoking. A "
                "maintenance session now keeps your result.",
                "Reply to this message or call us to book"
                + (f" on {clinic.phone}." if clinic.phone else "."),
            ],
        )
        letter.sms = f"{clinic.name}: it is time for your maintenance session. Call us{on_phone} to book."
    elif kind == Kind.CHECKIN_ALERT:
        checkin = CheckIn.objects.filter(pk=reminder.subject_id).first()
        if checkin is None:
            raise Obsolete("the check-in is gone")
        if not clinic.email:
            raise Obsolete("the clinic has no e-mail address")
        letter = Letter(
            clinic.email,
            f"Warning signs in a day {checkin.day} check-in",
            "Hello,",
            [
                f"{patient.full_name} reported warning signs in their day {checkin.day} check-in. They "
                "were told to call the clinic. Please call them if they have not called.",
            ],
            [("Warning signs", list(checkin.warning_signs))],
            ("Open the alerts", _url(reverse("aftercare:alerts"))),
        )
    else:  # pragma: no cover - every kind is handled above
        raise Obsolete(f"unknown kind {kind}")
    if not letter.to:
        raise Obsolete(f"no {reminder.get_channel_display().lower()} address")
    return letter


def as_email(reminder: Reminder, letter: Letter, connection: object = None) -> EmailMultiAlternatives:
    clinic = reminder.clinic
    context = {"letter": letter, "clinic": clinic}
    text = render_to_string("aftercare/email/message.txt", context)
    html = render_to_string("aftercare/email/message.html", context)
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
    email = EmailMultiAlternatives(
        subject=letter.subject,
        body=text,
        from_email=formataddr((clinic.name, address)),
        to=[letter.to],
        reply_to=[clinic.email] if clinic.email and reminder.kind != Kind.CHECKIN_ALERT else None,
        headers={
            "Message-ID": message_id(reminder.idempotency_key),
            "Auto-Submitted": "auto-generated",
        },
        connection=connection,
    )
    email.attach_alternative(html, "text/html")
    return email


def as_text(reminder: Reminder, letter: Letter) -> TextMessage:
    return TextMessage(to=letter.to, body=letter.sms or letter.subject, key=reminder.idempotency_key)
