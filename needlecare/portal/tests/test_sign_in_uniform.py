"""Portal sign-in answers the same, in words and in time, whether or not the address is known, and also
when e-mail cannot be sent: the request only queues the address; the task worker sends the link, through
the reminders' outbox, exactly once."""

import re
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.aftercare.models import Reminder
from needlecare.aftercare.sender import send_due_reminders
from needlecare.audit.models import AuditEvent
from needlecare.portal.models import PortalLink
from needlecare.portal.services import LINKS_PER_HOUR

pytestmark = pytest.mark.django_db
UNKNOWN = "nobody@nowhere.test"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 5
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_down(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 1


@pytest.fixture
def connections(monkeypatch):  # type: ignore[no-untyped-def]
    """Every outgoing network connection this process opens, while the test runs."""
    opened: list[object] = []
    real = socket.socket.connect

    def connect(self, address):  # type: ignore[no-untyped-def]
        opened.append(address)
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return opened


def _queued() -> int:
    from needlecare.portal.models import SignInRequest

    return SignInRequest.objects.count()


def _ask(client, email: str):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        page = client.post("/portal/sign-in/", {"email": email})
    sql = [re.sub(r"'[^']*'|\b[0-9a-f]{32}\b|\d+", "?", q["sql"]) for q in queries.captured_queries]
    return page, sql


def test_known_and_unknown_addresses_get_the_same_answer_with_the_mail_server_down(
    client, ready, smtp_down, connections
):
    known, known_sql = _ask(client, ready.patient.email)
    unknown, unknown_sql = _ask(client, UNKNOWN)
    assert known.status_code == unknown.status_code == 200
    words = known.content.decode().replace(ready.patient.email, "ADDRESS")
    assert words == unknown.content.decode().replace(UNKNOWN, "ADDRESS")
    assert "Check your e-mail" in words
    # The same work in the request for both: the same statements, no connection opened, nothing sent.
    assert known_sql == unknown_sql
    assert connections == []
    assert not Reminder.objects.exists() and not PortalLink.objects.exists()
    assert _queued() == 2


def test_the_worker_sends_the_link_once_and_forgets_the_address(client, ready, smtp):
    client.post("/portal/sign-in/", {"email": ready.patient.email})
    client.post("/portal/sign-in/", {"email": UNKNOWN})
    assert smtp.messages == []
    report = send_due_reminders()
    assert report.sent == 1 and _queued() == 0
    ((to, message),) = smtp.messages
    assert to == [ready.patient.email] and "sign-in link" in message
    raw = re.search(r"/portal/link/\?token=([\w-]+)", message.replace("=\r\n", "").replace("=3D", "=")).group(
        1
    )
    assert client.post("/portal/link/", {"token": raw}).status_code == 302
    assert client.get("/portal/").status_code == 200
    send_due_reminders()
    assert len(smtp.messages) == 1  # sent exactly once
    assert AuditEvent.objects.filter(action="portal.link_sent", patient_id=ready.patient.pk).count() == 1


def test_asking_again_and_again_sends_at_most_five_links_an_hour(client, ready, smtp):
    for _ in range(LINKS_PER_HOUR + 3):
        assert client.post("/portal/sign-in/", {"email": ready.patient.email}).status_code == 200
    send_due_reminders()
    assert len(smtp.messages) == LINKS_PER_HOUR


def test_an_archived_patient_is_sent_nothing(client, ready, smtp):
    from needlecare.patients.services import archive_patient

    archive_patient(patient=ready.patient, by=ready.owner)
    assert client.post("/portal/sign-in/", {"email": ready.patient.email}).status_code == 200
    send_due_reminders()
    assert smtp.messages == [] and _queued() == 0


def test_a_link_issued_before_the_patient_was_archived_no_longer_signs_in(client, ready):
    from needlecare.patients.services import archive_patient
    from needlecare.portal.services import issue_link

    raw = issue_link(patient=ready.patient)
    archive_patient(patient=ready.patient, by=ready.owner)
    assert client.post("/portal/link/", {"token": raw}).status_code == 410
    assert client.get("/portal/").status_code == 302
