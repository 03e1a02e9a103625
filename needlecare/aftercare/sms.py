"""Pluggable SMS backends, chosen by the SMS_BACKEND setting (a dotted class path).

A backend sends one text message and raises on failure; the sender retries later. `key` is the
reminder's idempotency key: a gateway that accepts one (most do) can drop a repeat of the same key.
"""

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str
    key: str


class BaseBackend:
    def send(self, message: TextMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Writes each message to standard output: the default, for development and the demo."""

    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"SMS to {message.to} [{message.key}]\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()


class LocmemBackend(BaseBackend):
    """Keeps messages in memory (``LocmemBackend.outbox``), for tests."""

    outbox: list[TextMessage] = []
    _lock = threading.Lock()

    def send(self, message: TextMessage) -> None:
        with self._lock:
            LocmemBackend.outbox.append(message)


def get_backend() -> BaseBackend:
    backend: BaseBackend = import_string(settings.SMS_BACKEND)()
    return backend
