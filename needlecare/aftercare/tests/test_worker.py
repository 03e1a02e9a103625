"""Exactly once, for real: a real SMTP server (aiosmtpd, in this process), real `manage.py db_worker`
processes on a database of their own (SQLite file, or a PostgreSQL database when the suite runs on one),
a real SIGKILL in the middle of a batch.

Every due reminder is delivered; the only repeats are the messages on the wire at the moment of a kill,
and they carry the same Message-ID. Two workers at once never send the same reminder.
"""

from __future__ import annotations

import asyncio
import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from needlecare.aftercare.messages import message_id

ROOT = Path(__file__).resolve().parents[3]
NO_RELOAD = ("--no-reload",)


class Recorder:
    """An SMTP server's mailbox. Each message takes ``delay`` seconds to accept, so a batch takes time;
    a message counts as delivered once accepted, as a real server would keep it."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.ids: list[str] = []
        self.lock = threading.Lock()
        self.arriving = 0
        self.in_flight_at: int | None = None
        self.in_flight = threading.Event()
        self.killed = threading.Event()
        self.on_the_wire_at_kill: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = email.message_from_bytes(envelope.content)
        hold = False
        with self.lock:
            self.arriving += 1
            if self.in_flight_at is not None and self.arriving >= self.in_flight_at:
                self.in_flight_at = None
                self.on_the_wire_at_kill.append(message["Message-ID"])
                hold = True
                self.in_flight.set()  # the test kills the worker now: this message is on the wire
        if hold:
            # Keep it on the wire (received, not yet acknowledged) until the worker is dead, so the kill
            # lands on exactly this message however slowly the test's thread wakes on a loaded machine.
            while not self.killed.is_set():
                await asyncio.sleep(0.005)
        await asyncio.sleep(self.delay)
        assert message.get_content_type() == "multipart/alternative"
        with self.lock:
            self.ids.append(message["Message-ID"])
        return "250 Message accepted"

    def kill_when_arriving(self, count: int) -> threading.Event:
        with self.lock:
            self.in_flight.clear()
            self.killed.clear()
            self.in_flight_at = count
        return self.in_flight

    def distinct(self) -> int:
        with self.lock:
            return len(set(self.ids))

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(self.ids)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():
    recorder = Recorder(delay=0.02)
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield recorder, controller.port
    recorder.killed.set()  # a test that failed while a message was held must not hang the server
    controller.stop()


def _daytime_zone() -> str:
    """A time zone where it is early afternoon now, so quiet hours never hold the test's messages."""
    offset = (13 - datetime.now(UTC).hour + 12) % 24 - 12
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database of the workers' own, migrated: they run in other processes, outside the test's."""
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("postgresql"):
        import psycopg

        name = f"{default['NAME']}_worker".removeprefix("test_")
        port = default["PORT"] or 5432
        admin = {"host": default["HOST"], "port": port, "user": default["USER"], "dbname": "postgres"}
        if default.get("PASSWORD"):
            admin["password"] = default["PASSWORD"]
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        password = f":{default['PASSWORD']}" if default.get("PASSWORD") else ""
        url = f"postgres://{default['USER']}{password}@{default['HOST']}:{port}/{name}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('worker') / 'worker.sqlite3'}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "needlecare.test_settings", "DATABASE_URL": url}
    env.pop("SQLITE_TEST_PATH", None)
    _manage(env, "migrate", "-v0")
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _shell(env: dict[str, str], code: str) -> str:
    out = _manage(env, "shell", "-c", "from needlecare.aftercare.tests.worker_support import *; " + code)
    return out.strip().splitlines()[-1] if out.strip() else ""


def _worker_env(database: dict[str, str], port: int, *, lease_seconds: int = 3) -> dict[str, str]:
    return {
        **database,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "REMINDER_LEASE_SECONDS": str(lease_seconds),
        "REMINDER_TICK_SECONDS": "0.5",
        "REMINDER_BATCH_SIZE": "10",
    }


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.2",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait(predicate, timeout: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


def _stop(*workers: subprocess.Popen[bytes]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_was_in_flight(
    database, smtp, tmp_path
):
    recorder, port = smtp
    total = 200
    _shell(database, f"seed({total}, {_daytime_zone()!r}, 'kill')")
    env, log = _worker_env(database, port), tmp_path / "worker.log"
    kills = 0
    worker = _start_worker(env, log)
    try:
        for arriving in (50, 120):
            in_flight = recorder.kill_when_arriving(arriving)
            _wait(in_flight.is_set, 60, f"message {arriving}", log)
            os.kill(worker.pid, signal.SIGKILL)  # the message that set the event is on the wire
            worker.wait(timeout=10)
            recorder.killed.set()  # the server now keeps that message, as a real one would
            kills += 1
            assert recorder.distinct() < total, "the kill must come in the middle of the batch"
            worker = _start_worker(env, log)
        _wait(lambda: recorder.distinct() == total, 90, f"all {total} messages", log)
        time.sleep(1.0)  # anything sent twice after the last one would show now
    finally:
        _stop(worker)
    report = json.loads(_shell(database, "states('kill')"))
    assert report["states"] == {"sent": total}
    counts = recorder.counts()
    assert set(counts) == {message_id(key) for key in report["keys"]}  # every reminder, by its Message-ID
    repeats = {mid: n for mid, n in counts.items() if n > 1}
    # Only a message in flight at a kill may arrive twice, and then with the same Message-ID.
    on_the_wire = Counter(recorder.on_the_wire_at_kill)
    assert sum(on_the_wire.values()) == kills
    # A message on the wire at two kills (sent again, killed again) may arrive three times.
    assert all(n <= 1 + on_the_wire[mid] for mid, n in repeats.items()), (repeats, on_the_wire)
    assert sum(counts.values()) == total + sum(n - 1 for n in repeats.values())


def test_two_workers_at_once_never_send_the_same_reminder(database, smtp, tmp_path):
    recorder, port = smtp
    total = 200
    _shell(database, f"seed({total}, {_daytime_zone()!r}, 'pair')")
    # A long lease: a worker stalled on a loaded machine must not look dead to the other one here.
    env, log = _worker_env(database, port, lease_seconds=60), tmp_path / "workers.log"
    workers = [_start_worker(env, log), _start_worker(env, log)]
    try:
        _wait(lambda: recorder.distinct() == total, 90, f"all {total} messages", log)
        time.sleep(1.5)
    finally:
        _stop(*workers)
    counts = recorder.counts()
    assert len(counts) == total and max(counts.values()) == 1
    assert json.loads(_shell(database, "states('pair')"))["states"] == {"sent": total}
