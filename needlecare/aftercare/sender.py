"""The reminder sender: claim due reminders under a row lock with a lease, send each, mark it sent.

Exactly once by design. A reminder is claimed (state `sending`, a lease, the worker's id) in one short
transaction: `select_for_update(skip_locked=True)` on PostgreSQL, an immediate transaction on SQLite, so
two workers never claim the same row. Before sending, the worker renews its lease on the row only if it
still holds it; after sending it marks the row sent only if it still holds it. A worker killed mid-batch
leaves its claimed rows `sending` until the lease runs out; the sweep (`release_expired_leases`) then
returns them to `pending`. The one message that can go twice is the one on the wire at the moment of a
kill, and it carries the same Message-ID both times.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from needlecare.aftercare import messages, reach, sms
from needlecare.aftercare.models import IMMEDIATE_KINDS, Channel, Reminder, State
from needlecare.aftercare.services import in_quiet_hours, out_of_quiet_hours

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


@dataclass
class Report:
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    lost: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if isinstance(v, int)}


def _lease() -> timedelta:
    return timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def release_expired_leases() -> int:
    """The sweep: reminders whose worker died (or stalled) past its lease go back to `pending`."""
    return Reminder.objects.filter(state=State.SENDING, lease_until__lt=timezone.now()).update(
        state=State.PENDING, claimed_by="", lease_until=None
    )


def claim(*, worker: str, size: int, report: Report | None = None) -> list[Reminder]:
    """Claim up to ``size`` due reminders for ``worker``. Patient messages due in the clinic's quiet
    hours are moved to the next morning instead."""
    report = report or Report()
    now = timezone.now()
    with transaction.atomic():
        due = Reminder.objects.filter(state=State.PENDING, send_after__lte=now).order_by("send_after", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.select_related("clinic")[:size])
        claimed = []
        for row in rows:
            if row.attempts >= MAX_ATTEMPTS + 2:
                # Claimed again and again without an outcome: its worker dies on it. Stop; a person looks.
                Reminder.objects.filter(pk=row.pk).update(
                    state=State.FAILED, last_error="no outcome after retries"
                )
                report.failed += 1
            elif row.kind not in IMMEDIATE_KINDS and in_quiet_hours(row.clinic, now):
                Reminder.objects.filter(pk=row.pk).update(send_after=out_of_quiet_hours(row.clinic, now))
                report.deferred += 1
            else:
                claimed.append(row.pk)
        if claimed:
            Reminder.objects.filter(pk__in=claimed, state=State.PENDING).update(
                state=State.SENDING, claimed_by=worker, lease_until=now + _lease(), attempts=F("attempts") + 1
            )
    return list(
        Reminder.objects.filter(pk__in=claimed, claimed_by=worker, state=State.SENDING)
        .select_related("clinic", "patient")
        .order_by("send_after", "pk")
    )


def _still_mine(reminder: Reminder, worker: str) -> bool:
    return bool(
        Reminder.objects.filter(pk=reminder.pk, state=State.SENDING, claimed_by=worker).update(
            lease_until=timezone.now() + _lease()
        )
    )


def _finish(reminder: Reminder, worker: str, **changes: object) -> None:
    Reminder.objects.filter(pk=reminder.pk, state=State.SENDING, claimed_by=worker).update(
        claimed_by="", lease_until=None, **changes
    )


def deliver(
    reminder: Reminder, *, worker: str, mail: object, texts: sms.BaseBackend | sms.Backends, report: Report
) -> None:
    """Send one claimed reminder and record the outcome."""
    if not _still_mine(reminder, worker):
        report.lost += 1  # cancelled, or its lease ran out and another worker took it
        return
    provider_id: str | None = None
    try:
        letter = messages.compose(reminder)
        if reminder.channel == Channel.EMAIL:
            messages.as_email(reminder, letter, connection=mail).send()
        else:
            backend = texts.for_clinic(reminder.clinic_id) if isinstance(texts, sms.Backends) else texts
            provider_id = backend.send(messages.as_text(reminder, letter))
    except messages.Obsolete as why:
        _finish(reminder, worker, state=State.CANCELLED, last_error=str(why)[:500])
        report.cancelled += 1
        return
    except Exception as error:  # noqa: BLE001 - a transport (or any) failure is retried, then given up
        logger.warning("reminder %s not sent: %s", reminder.pk, error)
        close = getattr(mail, "close", None)
        if close:
            close()  # a broken SMTP connection is reopened for the next message
        text = f"{type(error).__name__}: {error}"[:500]
        if reminder.attempts >= MAX_ATTEMPTS:
            _finish(reminder, worker, state=State.FAILED, last_error=text)
            report.failed += 1
        else:
            backoff = timedelta(minutes=5 * 2 ** (reminder.attempts - 1))
            _finish(
                reminder, worker, state=State.PENDING, send_after=timezone.now() + backoff, last_error=text
            )
            report.retried += 1
        return
    _finish(
        reminder,
        worker,
        state=State.SENT,
        sent_at=timezone.now(),
        last_error="",
        provider_id=provider_id or "",
    )
    report.sent += 1


def send_due_reminders(*, worker: str | None = None, limit: int | None = None) -> Report:
    """Send every reminder that is due now (up to ``limit``), batch by batch. Safe to run in several
    processes at once."""
    worker = worker or default_worker_id()
    report = Report()
    report.released = release_expired_leases()
    reach.before_sending()  # e.g. addresses typed on the portal's sign-in page become reminders
    size = settings.REMINDER_BATCH_SIZE
    mail = get_connection()
    texts = sms.Backends()
    handled = 0
    try:
        while limit is None or handled < limit:
            batch = claim(
                worker=worker, size=size if limit is None else min(size, limit - handled), report=report
            )
            if not batch:
                break
            for reminder in batch:
                deliver(reminder, worker=worker, mail=mail, texts=texts, report=report)
            handled += len(batch)
    finally:
        mail.close()
    return report
