"""Pluggable SMS backends: a clinic with a Twilio account sends through Twilio (TwilioBackend); any other
clinic through the SMS_BACKEND setting (a dotted class path; write your own BaseBackend for other gateways).

A backend sends one text message and raises on failure; the sender retries later. It may answer the
gateway's id for the message (kept to match delivery status callbacks). `key` is the reminder's
idempotency key: a gateway that accepts one can drop a repeat of the same key.
"""

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from needlecare.aftercare import secrets
from needlecare.aftercare.models import TwilioAccount


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str
    key: str


class BaseBackend:
    def send(self, message: TextMessage) -> str | None:
        """Send one message; answer the gateway's id for it, if it gives one."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Writes each message to standard output: the default, for development and the demo."""

    def send(self, message: TextMessage) -> str | None:
        sys.stdout.write(f"SMS to {message.to} [{message.key}]\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return None


class LocmemBackend(BaseBackend):
    """Keeps messages in memory (``LocmemBackend.outbox``), for tests."""

    outbox: list[TextMessage] = []
    _lock = threading.Lock()

    def send(self, message: TextMessage) -> str | None:
        with self._lock:
            LocmemBackend.outbox.append(message)
        return None


# Well inside the reminder lease: a request that hangs longer fails and is retried, instead of the lease
# running out while it hangs and another worker sending the same text.
TWILIO_TIMEOUT_SECONDS = 15


def twilio_client(account: TwilioAccount) -> Client:
    """The official SDK's client for a clinic's account (an API key if it has one, else the auth token)."""
    http = TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS)
    if account.api_key_sid and account.api_secret_encrypted:
        client = Client(
            account.api_key_sid,
            secrets.decrypt(account.api_secret_encrypted),
            account.account_sid,
            http_client=http,
        )
    else:
        client = Client(account.account_sid, secrets.decrypt(account.auth_token_encrypted), http_client=http)
    if settings.TWILIO_API_BASE_URL:
        client.api.base_url = settings.TWILIO_API_BASE_URL  # the tests' stand-in on loopback
    return client


class TwilioBackend(BaseBackend):
    """Sends through Twilio's REST API (Messages.json) with the clinic's own account; Twilio reports the
    delivery status to /sms/twilio/status/."""

    def __init__(self, account: TwilioAccount) -> None:
        self.account = account
        self.client = twilio_client(account)

    def send(self, message: TextMessage) -> str | None:
        sender: dict[str, str] = (
            {"messaging_service_sid": self.account.messaging_service_sid}
            if self.account.messaging_service_sid
            else {"from_": self.account.from_number}
        )
        sent = self.client.messages.create(
            to=message.to,
            body=message.body,
            status_callback=settings.SITE_URL + reverse("aftercare:twilio-status"),
            **sender,
        )
        return str(sent.sid) if sent.sid else None


def get_backend() -> BaseBackend:
    backend: BaseBackend = import_string(settings.SMS_BACKEND)()
    return backend


class Backends:
    """The backend for each clinic within one run of the sender: its Twilio account, or SMS_BACKEND."""

    def __init__(self, default: BaseBackend | None = None) -> None:
        self.default = default or get_backend()
        self._by_clinic: dict[int, BaseBackend] = {}

    def for_clinic(self, clinic_id: int) -> BaseBackend:
        if clinic_id not in self._by_clinic:
            account = TwilioAccount.objects.filter(clinic_id=clinic_id).first()
            self._by_clinic[clinic_id] = TwilioBackend(account) if account else self.default
        return self._by_clinic[clinic_id]
