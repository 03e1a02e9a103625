"""Does Needlecare hold under attack and fault? (issue 22, "Must show"): one table, both databases.

    .venv/bin/python benchmarks/reliability.py            # full run: 31 min on 2 busy cores
    .venv/bin/python benchmarks/reliability.py --quick    # a short run of every case: about 6 min
    make reliability                                      # the full run, after installing what it needs

For each database (SQLite in a temporary folder; PostgreSQL at DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/needlecare_reliability, which is DROPPED and recreated, so never point
it at real data; `--databases sqlite` leaves PostgreSQL out) it migrates a fresh database, builds two
clinics, and starts a real server (Django's threaded server as `runserver --noreload` runs it, with a
listen backlog of 1,024) on 127.0.0.1 with
production settings (DEBUG off, a SECRET_KEY, an audit key, e-mail to the server's log). Then:

* hostile input: 1,001 query parameters, a 3 MB body, 150 files, a decompression-bomb PNG (5-6 KB that
  decodes to 49 megapixels), malformed JSON; each must be refused (4xx), never accepted or a 5xx;
* booking race: N threads book the same practitioner at the same minute (300; exactly one winner);
* cartridge race: N identical session POSTs with one single-use cartridge for one patient (exactly one);
* erasure leftover scan: a patient with a distinctive name is created, read and erased through the API
  while another connection holds a read transaction open; the database file, its -wal and -shm (on
  PostgreSQL the database's own files under the data directory), the media folder and the server's log
  are searched for the name, e-mail and phone ("detected": places where one is found);
* schemathesis: the whole OpenAPI document fuzzed over HTTP (--max-examples 15; examples, coverage and
  fuzzing phases; 5,000+ calls over both databases; every answer counted from its HAR report);
* kill -9 write loop: writers create patients while the server is killed with SIGKILL, repeatedly, and
  restarted; every acknowledged (201) patient must be there afterwards ("lost"), and SQLite's
  integrity_check must answer ok;
* audit tamper: with the server stopped, each case on its own copy of the database, as an attacker with
  the database but not the key would (plain SQL; the published hash recomputed where the case needs
  it): edit an event, delete the last events, delete a clinic's whole chain, change an event's user,
  append a forged event, rehash the chain after an edit. `manage.py verify_audit` must report it
  ("detected"); a tamper the database itself refuses counts as "refused".

Columns: sent (requests or attempts), accepted (2xx, or the tamper went through), refused (4xx, or the
database refused), 5xx (503 counted too, shown apart), lost (acknowledged writes missing, leftovers), and
detected. Every row carries its goal; rows that miss it are listed under the table and the exit status
is 1. Loopback only, every loop bounded in count and time; it stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import io
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
HOST = "127.0.0.1"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/needlecare_reliability"
# The erased patient: a name nobody else has, so finding it anywhere is a leftover.
ERASED = {
    "given_name": "Quillonvex",
    "family_name": "Zarthimbleau",
    "email": "quillonvex.zarthimbleau@example.org",
}
ERASED_PHONE = "+447700900461"


@dataclass
class Row:
    case: str
    goal: str
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    errors: int = 0  # 5xx
    unavailable: int = 0  # of which 503
    unanswered: int = 0  # no answer: the connection was cut, or it timed out
    lost: int | str = ""
    detected: int | str = ""
    ok: bool = True
    note: str = ""

    def count(self, status: int) -> None:
        self.sent += 1
        if 200 <= status < 300:
            self.accepted += 1
        elif 400 <= status < 500:
            self.refused += 1
        elif status >= 500:
            self.errors += 1
            self.unavailable += status == 503
        else:
            self.unanswered += 1


# ---------------------------------------------------------------------------------------------------------
# HTTP on loopback
# ---------------------------------------------------------------------------------------------------------


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, bytes]:
    """One request on its own connection; (0, b"") when the server does not answer. A connection the
    listener's full backlog turns away is tried again (bounded): nothing was sent on it."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    for attempt in range(CONNECT_TRIES):
        try:
            connection.connect()
            break
        except ConnectionRefusedError:
            if attempt == CONNECT_TRIES - 1:
                return 0, b""
            time.sleep(0.05 * (attempt + 1))
        except OSError:
            return 0, b""
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 0, b""
    finally:
        connection.close()


def api(port: int, token: str, method: str, path: str, payload: Any = None, **kw: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps(payload).encode() if payload is not None else None
    status, raw = call(port, method, "/api/v1" + path, body, headers, **kw)
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw


CONNECT_TRIES = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------------------------------
# One database: its environment, its management commands, its server
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str  # "sqlite" or "postgres"
    work: Path
    url: str = ""  # PostgreSQL's
    log: Path = field(init=False)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(40))
    audit_key: str = field(default_factory=lambda: secrets.token_urlsafe(40))
    world: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.log = self.work / "server.log"
        (self.work / "media").mkdir(parents=True, exist_ok=True)

    @property
    def sqlite_path(self) -> Path:
        return self.work / "needlecare.sqlite3"

    def env(self, database_url: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "DEBUG")}
        env.update(
            DJANGO_SETTINGS_MODULE="needlecare.settings",  # production settings, not the tests'
            DEBUG="false",
            HTTPS="false",  # plain http on loopback; everything else as in production
            SECRET_KEY=self.secret,
            AUDIT_HMAC_KEY=self.audit_key,
            AUDIT_ANCHOR_DIR=str(self.work / "anchors"),
            ALLOWED_HOSTS=f"{HOST},localhost",
            PRIVATE_MEDIA_ROOT=str(self.work / "media"),
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        if self.name == "sqlite":
            env["SQLITE_PATH"] = str(self.sqlite_path)
            env["DATABASE_URL"] = database_url or f"sqlite:///{self.sqlite_path}"
        else:
            env["DATABASE_URL"] = database_url or self.url
        return env

    def manage(
        self, *args: str, database_url: str | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.env(database_url),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def harness(
        self, *args: str, database_url: str | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        """This script in a Django process of its own (setup, tampering)."""
        return subprocess.run(
            [PY, __file__, *args],
            cwd=ROOT,
            env=self.env(database_url),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self) -> Server:
        server = Server(self)
        server.start()
        return server


class Server:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: float = 120) -> None:
        log = open(self.target.log, "ab")  # noqa: SIM115 - the server writes to it until it ends
        # The production server as `make serve` runs it: gunicorn, threads in one process on SQLite
        # (docs/operations.md: one writing process), three processes on PostgreSQL.
        workers = "1" if self.target.name == "sqlite" else "3"
        self.process = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "needlecare.wsgi",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                workers,
                "--threads",
                "8",
                "--backlog",
                "2048",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=self.target.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server ended at start; see {self.target.log}")
            if call(self.port, "GET", "/healthz", timeout=5)[0] == 200:
                return
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"the server did not answer within {wait:.0f} s; see {self.target.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup (the kill -9 case)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # gunicorn's master and its workers at once
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


# ---------------------------------------------------------------------------------------------------------
# Setting up a database (run in a Django process: `reliability.py --setup`)
# ---------------------------------------------------------------------------------------------------------


def serve(port: int) -> None:
    """Django's threaded server, as `manage.py runserver --noreload` runs it, with a listen backlog of
    1,024 instead of its 10, so that 300 clients at once are queued rather than dropped by the kernel
    (gunicorn's backlog is 2,048): the races measure Needlecare, not the development server's socket."""
    import django

    django.setup()
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    class Server(WSGIServer):
        request_queue_size = 1024

    print(f"serving on http://{HOST}:{port}/", flush=True)
    run(HOST, port, get_wsgi_application(), threading=True, on_bind=None, server_cls=Server)


def setup_world(patients: int) -> dict[str, Any]:
    import django

    django.setup()
    from datetime import time as clock

    from needlecare.accounts.services import issue_token
    from needlecare.clinics.models import Membership, Role
    from needlecare.consent.models import ConsentSignature
    from needlecare.consent.services import ensure_default_template
    from needlecare.scheduling.models import Device, Room, WorkingHours
    from needlecare.scheduling.selectors import at_local
    from needlecare.screening.services import screen_patient
    from needlecare.testing.factories import ClinicFactory, MembershipFactory, make_intake, make_patient

    def clinic_with_staff(name: str):  # type: ignore[no-untyped-def]
        clinic = ClinicFactory(name=name)
        staff = {role: MembershipFactory(clinic=clinic, role=role).user for role in Role.values}
        return clinic, staff

    clinic, staff = clinic_with_staff("Reliability Clinic A")
    other, other_staff = clinic_with_staff("Reliability Clinic B")
    practitioner, owner = staff[Role.PRACTITIONER], staff[Role.OWNER]
    for weekday in range(7):
        WorkingHours.objects.create(
            clinic=clinic, practitioner=practitioner, weekday=weekday, starts=clock(8), ends=clock(20)
        )
    Room.objects.create(clinic=clinic, name="Room 1")
    Device.objects.create(clinic=clinic, name="Pen 1")
    racers = [make_patient(clinic, by=owner) for _ in range(patients)]
    # The patient of the cartridge race: eligible screening and signed consent, so a session can be recorded.
    treated = make_patient(clinic, by=owner)
    make_intake(treated, by=owner)
    screen_patient(patient=treated, by=practitioner)
    template = ensure_default_template(clinic)
    ConsentSignature.objects.create(
        clinic=clinic,
        patient=treated,
        template=template,
        signed_text=template.body,
        signed_name=treated.full_name,
        signature_svg="M1 1 L2 2",
        photo_use=True,
        signed_via="tablet",
    )
    # Clinic B gets a chain of its own (the "whole chain deleted" case).
    make_intake(make_patient(other, by=other_staff[Role.OWNER]), by=other_staff[Role.OWNER])

    def token(user) -> str:  # type: ignore[no-untyped-def]
        return issue_token(membership=Membership.objects.get(user=user), name="reliability")[1]

    starts = at_local(clinic, date.today() + timedelta(days=2), clock(10))
    return {
        "owner_token": token(owner),
        "practitioner_token": token(practitioner),
        "other_owner_token": token(other_staff[Role.OWNER]),
        "practitioner_id": practitioner.pk,
        "racers": [str(p.pk) for p in racers],
        "treated": str(treated.pk),
        "race_starts_at": starts.isoformat(),
        "clinic_a": clinic.pk,
        "clinic_b": other.pk,
        "users": [owner.pk, practitioner.pk, staff[Role.FRONT_DESK].pk],
    }


COLLECTED: list[bool] = []


def prepare(target: Target, patients: int) -> None:
    if target.name == "postgres":
        recreate_pg(target.url)
    migrated = target.manage("migrate", "--noinput")
    if migrated.returncode:
        raise RuntimeError(f"migrate failed on {target.name}:\n{migrated.stderr[-3000:]}")
    # As in production (docs/operations.md): WhiteNoise serves the collected, hashed files (once a run).
    if not COLLECTED:
        collected = target.manage("collectstatic", "--noinput")
        if collected.returncode:
            raise RuntimeError(f"collectstatic failed:\n{collected.stderr[-3000:]}")
        COLLECTED.append(True)
    built = target.harness("--setup", str(patients))
    if built.returncode:
        raise RuntimeError(f"setup failed on {target.name}:\n{built.stderr[-3000:]}")
    target.world = json.loads(built.stdout.strip().splitlines()[-1])


def pg_admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(url)
    name = info.get("dbname", "")
    info["dbname"] = "postgres"
    return psycopg.connect(make_conninfo(**info), autocommit=True), name


def with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def recreate_pg(url: str, template: str | None = None, name: str | None = None) -> None:
    from psycopg import sql

    admin, default_name = pg_admin(url)
    name = name or default_name
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if template:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_pg(url: str, name: str) -> None:
    from psycopg import sql

    admin, _ = pg_admin(url)
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# ---------------------------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------------------------


def bomb_png() -> bytes:
    """A 1-bit PNG of 7,000 x 7,000 pixels (49 megapixels) that compresses to a few KB."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (7000, 7000), 0).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "reliability" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, content, kind in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {kind}\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def hostile(target: Target, port: int, repeat: int) -> list[Row]:
    owner = target.world["practitioner_token"]
    auth = {"Authorization": f"Bearer {owner}"}
    patient = target.world["treated"]
    photo_fields = {"view": "front", "zone": "cheeks", "taken_on": date.today().isoformat()}
    bomb = bomb_png()
    small = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (8, 8), (200, 150, 120)).save(small, format="PNG")
    many_files, many_kind = multipart(
        photo_fields,
        [(f"image{n}" if n else "image", f"p{n}.png", small.getvalue(), "image/png") for n in range(150)],
    )
    bomb_body, bomb_kind = multipart(photo_fields, [("image", "bomb.png", bomb, "image/png")])
    query = "&".join(f"p{n}=1" for n in range(1001))
    big = json.dumps(
        {
            "given_name": "Big",
            "family_name": "Body",
            "date_of_birth": "1980-01-01",
            "notes": "x" * (3 * 1024 * 1024),
        }
    )
    cases: list[tuple[str, str, str, bytes | None, dict[str, str]]] = [
        ("hostile: 1,001 query parameters", "GET", f"/api/v1/patients?{query}", None, auth),
        (
            "hostile: 3 MB body",
            "POST",
            "/api/v1/patients",
            big.encode(),
            {**auth, "Content-Type": "application/json"},
        ),
        (
            "hostile: 150 files",
            "POST",
            f"/api/v1/patients/{patient}/photos",
            many_files,
            {**auth, "Content-Type": many_kind},
        ),
        (
            f"hostile: decompression-bomb PNG ({len(bomb) // 1024} KB, 49 MP)",
            "POST",
            f"/api/v1/patients/{patient}/photos",
            bomb_body,
            {**auth, "Content-Type": bomb_kind},
        ),
        (
            "hostile: malformed JSON",
            "POST",
            "/api/v1/patients",
            b'{"given_name": "Broken", ',
            {**auth, "Content-Type": "application/json"},
        ),
    ]
    rows = []
    for name, method, path, body, headers in cases:
        row = Row(name, "every one refused (4xx)")
        for _ in range(repeat):
            status, _ = call(port, method, path, body, headers)
            row.count(status)
        row.ok = row.refused == row.sent
        rows.append(row)
    return rows


def race(n: int, send) -> list[tuple[int, Any]]:  # type: ignore[no-untyped-def]
    """n threads released together, each sending one request; their (status, answer)."""
    barrier = threading.Barrier(n)
    statuses: list[tuple[int, Any]] = [(0, None)] * n

    def one(index: int) -> None:
        try:
            barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            pass
        statuses[index] = send(index)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return statuses


def reasons(answers: list[tuple[int, Any]]) -> str:
    """The answers by status, with the first refusal's words."""
    by_status: dict[int, int] = {}
    for status, _ in answers:
        by_status[status] = by_status.get(status, 0) + 1
    text = ", ".join(f"{count} x {status or 'no answer'}" for status, count in sorted(by_status.items()))
    refusal = next((body for status, body in answers if status >= 400), None)
    if isinstance(refusal, dict):
        text += f"; first refusal: {json.dumps(refusal.get('detail'))[:120]}"
    return text


def booking_race(target: Target, port: int, n: int) -> Row:
    world = target.world
    racers = world["racers"][:n]

    def send(index: int) -> int:
        payload = {
            "patient_id": racers[index],
            "practitioner_id": world["practitioner_id"],
            "type": "consultation",
            "starts_at": world["race_starts_at"],
        }
        return api(port, world["owner_token"], "POST", "/appointments", payload, timeout=120)

    row = Row(f"booking race ({n} threads, one slot)", "exactly one 201, no 5xx, every request answered")
    answers = race(n, send)
    for status, _ in answers:
        row.count(status)
    row.note = reasons(answers)
    row.ok = row.accepted == 1 and row.errors == 0 and row.unanswered == 0
    return row


def cartridge_race(target: Target, port: int, n: int) -> Row:
    world = target.world
    payload = {
        "performed_on": date.today().isoformat(),
        "device": "pen",
        "device_model": "Dermapen 4",
        "device_serial": "DP4-REL",
        "cartridge_id": "C-RACE-0001",
        "cartridge_lot": "LOT-RACE",
        "cartridge_expiry": (date.today() + timedelta(days=365)).isoformat(),
        "numbing_agent": "none",
        "end_point": "erythema",
        "duration_minutes": 45,
        "immediate_reaction": "expected",
        "zones": [{"zone": "cheeks", "depth_mm": 1.0, "passes": 2}],
    }
    path = f"/patients/{world['treated']}/sessions"

    def send(index: int) -> int:
        return api(port, world["practitioner_token"], "POST", path, payload, timeout=120)

    row = Row(f"cartridge race ({n} identical sessions)", "exactly one 201, no 5xx, every request answered")
    answers = race(n, send)
    for status, _ in answers:
        row.count(status)
    status, sessions = api(port, world["practitioner_token"], "GET", path)
    stored = len(sessions.get("items", [])) if status == 200 and isinstance(sessions, dict) else "?"
    row.note = f"sessions stored for the patient: {stored}; {reasons(answers)}"
    row.ok = row.accepted == 1 and row.errors == 0 and row.unanswered == 0
    return row


def erasure_scan(target: Target, port: int) -> Row:
    owner = target.world["owner_token"]
    row = Row("erasure leftover scan", "erased (200); name, e-mail, phone found nowhere")
    status, made = api(
        port,
        owner,
        "POST",
        "/patients",
        {
            **ERASED,
            "phone": ERASED_PHONE,
            "date_of_birth": "1979-05-17",
            "notes": f"{ERASED['given_name']} prefers mornings",
        },
    )
    row.count(status)
    if status != 201:
        row.ok, row.note = False, f"could not create the patient: {status} {made!r}"[:200]
        return row
    pid = made["id"]
    # Another connection stays open across the erasure, as the worker's or a backup's would: on SQLite a
    # read transaction that keeps the WAL from being checkpointed past it until it ends.
    reader = None
    if target.name == "sqlite":
        # Open and idle, as the worker's is between tasks (a transaction still reading would be entitled
        # to the erased rows until it ends).
        reader = sqlite3.connect(target.sqlite_path, isolation_level=None)
        reader.execute("SELECT count(*) FROM patients_patient").fetchone()
    for method, path, payload in (
        ("GET", f"/patients/{pid}", None),
        ("PATCH", f"/patients/{pid}", {"address": f"1 {ERASED['family_name']} Lane"}),
        ("POST", f"/patients/{pid}/erase", {"confirm": True}),
    ):
        status, _ = api(port, owner, method, path, payload)
        row.count(status)
    erased = status == 200
    # The server still runs and holds its connection: what is on disk now is what an attacker would read.
    time.sleep(1)
    needles = [ERASED["given_name"], ERASED["family_name"], ERASED["email"], ERASED_PHONE.lstrip("+")]
    places: list[Path] = []
    if target.name == "sqlite":
        places += [Path(f"{target.sqlite_path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
    else:
        places += pg_files(target.url)
    places += [p for p in (target.work / "media").rglob("*") if p.is_file()]
    places.append(target.log)
    found = []
    for place in places:
        if not place.exists():
            continue
        data = place.read_bytes()
        hits = [n for n in needles if n.encode() in data or n.lower().encode() in data]
        if hits:
            found.append(f"{place.name} ({', '.join(hits)})")
    if reader is not None:
        reader.close()
    row.lost = len(found)
    row.detected = len(found)
    held = "with another connection open; " if reader is not None else ""
    row.note = held + (("left in: " + "; ".join(found)) if found else f"searched {len(places)} files")
    row.ok = erased and not found
    if not erased:
        row.note = f"erasure answered {status}; " + row.note
    return row


def pg_files(url: str) -> list[Path]:
    """The files of this database under PostgreSQL's data directory (its tables, their dead rows)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            # Pages still in shared buffers are not in the files yet: write them out first (superuser).
            with contextlib.suppress(psycopg.Error):
                conn.execute("CHECKPOINT")
            data_dir = conn.execute("SHOW data_directory").fetchone()[0]
            oid = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
        folder = Path(data_dir) / "base" / str(oid)
        return [p for p in folder.iterdir() if p.is_file()]
    except (OSError, psycopg.Error):
        return []


def schemathesis_run(target: Target, port: int, examples: int) -> Row:
    report = target.work / "schemathesis.har"
    command = [
        str(Path(PY).parent / "schemathesis"),
        "run",
        f"http://{HOST}:{port}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {target.world['owner_token']}",
        "--max-examples",
        str(examples),
        "--phases",
        "examples,coverage,fuzzing",  # bounded by the count; the stateful phase is not
        "--seed",
        "2026",
        "--workers",
        "2",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "60",
        "--report",
        "har",
        "--report-har-path",
        str(report),
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    row = Row(f"schemathesis (whole API, up to {examples} fuzzed cases an operation)", "no 5xx")
    try:
        done = subprocess.run(
            command, cwd=target.work, env=env, capture_output=True, text=True, timeout=FUZZ_TIMEOUT
        )
        (target.work / "schemathesis.out").write_text(done.stdout + done.stderr)
        tail = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    except subprocess.TimeoutExpired:
        tail = ["timed out"]
    if report.exists():
        for entry in json.loads(report.read_text()).get("log", {}).get("entries", []):
            row.count(int(entry.get("response", {}).get("status", 0) or 0))
    row.detected = ""
    row.note = "schemathesis: " + (tail[0] if tail else "no output")
    row.ok = row.errors == 0 and row.sent > 0
    return row


def kill_loop(target: Target, rounds: int, writers: int = 3) -> Row:
    token = target.world["owner_token"]
    acknowledged: list[str] = []
    row = Row(f"kill -9 write loop ({rounds} kills)", "no acknowledged write lost; integrity ok")
    lock = threading.Lock()
    rng = random.Random(2026)
    for number in range(rounds):
        server = target.start()
        stop = threading.Event()

        def write(
            worker: int, port: int = server.port, stop: threading.Event = stop, number: int = number
        ) -> None:
            n = 0
            while not stop.is_set() and n < 500:
                n += 1
                payload = {
                    "given_name": f"Kill{number}",
                    "family_name": f"Writer{worker}x{n}",
                    "date_of_birth": "1980-01-01",
                }
                status, body = api(port, token, "POST", "/patients", payload, timeout=30)
                with lock:
                    row.count(status)
                    if status == 201:
                        acknowledged.append(body["id"])
                if status == 0:
                    return  # the server is gone

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.5, 2.5))
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    server = target.start()
    try:
        missing = [
            pid for pid in acknowledged if api(server.port, token, "GET", f"/patients/{pid}")[0] != 200
        ]
    finally:
        server.stop()
    row.lost = len(missing)
    integrity = "n/a"
    if target.name == "sqlite":
        with sqlite3.connect(target.sqlite_path) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    row.detected = f"integrity {integrity}"
    row.note = f"{len(acknowledged)} acknowledged writes checked after restart"
    row.ok = not missing and integrity in ("ok", "n/a")
    return row


TAMPERS = (
    ("edit", "edit an event"),
    ("delete_last", "delete the last 3 events"),
    ("delete_clinic", "delete clinic B's whole chain"),
    ("change_user", "change an event's user"),
    ("forge", "append a forged event"),
    ("rehash", "edit an event and rehash the rest"),
)


def tamper_cases(target: Target) -> list[Row]:
    anchored = target.manage("anchor_audit")  # where it exists: what the worker does at an interval
    note = "anchored first" if anchored.returncode == 0 else "no anchor_audit command"
    baseline = target.manage("verify_audit")
    rows = []
    if baseline.returncode:
        row = Row("audit: untouched chain", "verify_audit passes")
        row.ok, row.note = False, baseline.stdout.strip()[-200:] + baseline.stderr.strip()[-200:]
        rows.append(row)
    for key, label in TAMPERS:
        row = Row(
            f"audit: {label}", "refused by the triggers, and detected by verify_audit once they are dropped"
        )
        copy_url = copy_database(target, key)
        try:
            done = target.harness("--tamper", key, json.dumps(target.world), database_url=copy_url)
            row.sent = 1
            if done.returncode == 3:
                row.refused, row.note = 1, "the database refused it: " + done.stdout.strip()[-150:]
            elif done.returncode:
                row.note = "tampering failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:150]
            else:
                if "REFUSED-FIRST" in done.stdout:
                    row.refused = 1  # the triggers refused it; the attacker then dropped them
                row.accepted = 1
                check = target.manage("verify_audit", database_url=copy_url)
                row.detected = 1 if check.returncode else 0
                broken = [line for line in check.stdout.splitlines() if "BROKEN" in line]
                row.note = (broken[0] if broken else "verify_audit: chain intact")[:150]
        finally:
            drop_copy(target, key)
        row.ok = row.detected == 1
        if not row.note.startswith("the database"):
            row.note = f"{row.note} ({note})"
        rows.append(row)
    return rows


def copy_database(target: Target, key: str) -> str:
    if target.name == "sqlite":
        copy = target.work / f"tamper-{key}.sqlite3"
        with sqlite3.connect(target.sqlite_path) as source, sqlite3.connect(copy) as dest:
            source.backup(dest)
        return f"sqlite:///{copy}"
    _, name = pg_admin(target.url)
    copy = f"{name}_tamper_{key}"
    recreate_pg(target.url, template=name, name=copy)
    return with_db(target.url, copy)


def drop_copy(target: Target, key: str) -> None:
    if target.name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.work / f'tamper-{key}.sqlite3'}{suffix}").unlink(missing_ok=True)
    else:
        _, name = pg_admin(target.url)
        drop_pg(target.url, f"{name}_tamper_{key}")


def published_hash(row: dict[str, Any]) -> str:
    """The attacker's recomputation: the hash as the code before issue 22 computes it (SHA-256 over the
    event's fields, no key). With a keyed chain this is what someone without the key can still do."""
    at = row["at"]
    payload = [
        row["clinic_id"],
        row["seq"],
        at.isoformat() if isinstance(at, datetime) else at,
        row["actor"],
        row["action"],
        row["object_type"],
        row["object_id"],
        str(row["patient_id"]) if row["patient_id"] else None,
        row["ip"],
        row["detail"],
        row["prev_hash"],
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def tamper(key: str, world: dict[str, Any]) -> int:
    """Run in a Django process on a copy of the database: raw SQL only, as an attacker would."""
    import django

    django.setup()
    from django.db import DatabaseError, connection

    from needlecare.audit.models import AuditEvent

    # The attacker's SQL names the table as the schema does (checked, so a renamed table fails loudly).
    assert AuditEvent._meta.db_table == "audit_auditevent", AuditEvent._meta.db_table
    clinic_a, clinic_b = world["clinic_a"], world["clinic_b"]

    def events(clinic: int) -> list[dict[str, Any]]:
        fields = [f.column for f in AuditEvent._meta.concrete_fields]
        chain = []
        for event in AuditEvent.objects.filter(clinic_id=clinic).order_by("seq"):
            chain.append({c: getattr(event, c) for c in fields})
        return chain

    def execute(sql: str, params: list[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    chain = events(clinic_a)
    middle = chain[len(chain) // 2]
    refused = ""
    for attempt in ("with the triggers", "triggers dropped"):
        if attempt == "triggers dropped":
            # Someone who holds the database can drop the append-only triggers first.
            from needlecare.audit import db as audit_db

            drops = audit_db.DROP_SQLITE if connection.vendor == "sqlite" else audit_db.DROP_POSTGRESQL
            with connection.cursor() as cursor:
                for statement in drops:
                    cursor.execute(statement)
        try:
            _tamper_once(key, world, chain, middle, execute, clinic_a, clinic_b)
        except DatabaseError as error:
            refused = f"{type(error).__name__}: {error}".splitlines()[0]
            continue
        if refused:
            print(f"REFUSED-FIRST {refused}")
        return 0
    print(refused)
    return 3


def _tamper_once(key, world, chain, middle, execute, clinic_a, clinic_b):  # type: ignore[no-untyped-def]
    from django.db import transaction

    from needlecare.audit.models import AuditEvent

    with transaction.atomic():
        if key == "edit":
            execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["patient.view", middle["id"]])
        elif key == "delete_last":
            execute(
                "DELETE FROM audit_auditevent WHERE clinic_id = %s AND seq > %s",
                [clinic_a, chain[-1]["seq"] - 3],
            )
        elif key == "delete_clinic":
            execute("DELETE FROM audit_auditevent WHERE clinic_id = %s", [clinic_b])
        elif key == "change_user":
            current = middle["user_id"]
            other = next(u for u in world["users"] if u != current)
            execute("UPDATE audit_auditevent SET user_id = %s WHERE id = %s", [other, middle["id"]])
        elif key == "forge":
            last = chain[-1]
            forged = {
                **last,
                "seq": last["seq"] + 1,
                "at": datetime.now(tz=last["at"].tzinfo),
                "action": "patient.view",
                "detail": {},
                "prev_hash": last["hash"],
            }
            forged["hash"] = published_hash(forged)
            # A plain INSERT of every column (bulk_create writes one, past the model's save()).
            del forged["id"]
            AuditEvent.objects.bulk_create([AuditEvent(**forged)])
        elif key == "rehash":
            at = chain.index(middle)
            prev = chain[at - 1]["hash"] if at else middle["prev_hash"]
            for event in chain[at:]:
                event = {**event, "prev_hash": prev}
                if event["id"] == middle["id"]:
                    event["action"] = "patient.view"
                event["hash"] = published_hash(event)
                execute(
                    "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                    [event["action"], event["prev_hash"], event["hash"], event["id"]],
                )
                prev = event["hash"]


# ---------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    booking: int
    sessions: int
    fuzz_examples: int
    kills: int
    hostile_repeat: int


FULL = Size(booking=300, sessions=50, fuzz_examples=15, kills=8, hostile_repeat=3)
QUICK = Size(booking=50, sessions=10, fuzz_examples=1, kills=2, hostile_repeat=1)
FUZZ_TIMEOUT = 900  # seconds: schemathesis is stopped there whatever it has left
FUZZ_CALLS = 5000  # the full run's goal for schemathesis calls, both databases together


def run_target(target: Target, size: Size) -> list[Row]:
    started = time.monotonic()
    rows: list[Row] = []

    def add(*new: Row) -> None:
        for row in new:
            row.case = f"{target.name}: {row.case}"
            rows.append(row)
            errors = f"{row.errors} 5xx" + (f" ({row.unavailable} were 503)" if row.unavailable else "")
            detected = "-" if row.detected == "" else row.detected
            print(
                f"  {'ok  ' if row.ok else 'FAIL'} {row.case}: sent {row.sent}, accepted {row.accepted}, "
                f"refused {row.refused}, {errors}, lost {row.lost or 0}, detected {detected}",
                flush=True,
            )

    print(f"[{target.name}] preparing a fresh database in {target.work}", flush=True)
    prepare(target, size.booking)
    server = target.start()
    try:
        print(f"[{target.name}] hostile input, races, erasure", flush=True)
        add(*hostile(target, server.port, size.hostile_repeat))
        add(booking_race(target, server.port, size.booking))
        add(cartridge_race(target, server.port, size.sessions))
        add(erasure_scan(target, server.port))
        print(f"[{target.name}] schemathesis, --max-examples {size.fuzz_examples}", flush=True)
        add(schemathesis_run(target, server.port, size.fuzz_examples))
    finally:
        server.stop()
    print(f"[{target.name}] kill -9 write loop", flush=True)
    add(kill_loop(target, size.kills))
    print(f"[{target.name}] audit tamper cases", flush=True)
    add(*tamper_cases(target))
    print(f"[{target.name}] done in {time.monotonic() - started:.0f} s", flush=True)
    return rows


def print_table(rows: list[Row]) -> None:
    print()
    print("| case | sent | accepted | refused | 5xx | lost | detected |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        errors = f"{r.errors} ({r.unavailable} were 503)" if r.unavailable else str(r.errors)
        print(f"| {r.case} | {r.sent} | {r.accepted} | {r.refused} | {errors} | {r.lost} | {r.detected} |")
    print()
    for r in rows:
        unanswered = f"{r.unanswered} sent without an answer" if r.unanswered else ""
        note = "; ".join(part for part in (r.note, unanswered) if part)
        if note:
            print(f"- {r.case}: {note}")
    missed = [r for r in rows if not r.ok]
    print()
    if missed:
        print(f"{len(missed)} of {len(rows)} cases miss their goal:")
        for r in missed:
            print(f"  FAIL {r.case} (goal: {r.goal})")
    else:
        print(f"All {len(rows)} cases meet their goal.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run of every case")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (databases, logs)")
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tamper", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.serve is not None:
        serve(args.serve)
        return 0
    if args.setup is not None:
        print(json.dumps(setup_world(args.setup)))
        return 0
    if args.tamper:
        return tamper(args.tamper[0], json.loads(args.tamper[1]))
    size = QUICK if args.quick else FULL
    work = Path(tempfile.mkdtemp(prefix="needlecare-reliability-"))
    started = time.monotonic()
    rows: list[Row] = []
    try:
        for name in [n.strip() for n in args.databases.split(",") if n.strip()]:
            if name == "sqlite":
                target = Target("sqlite", work / "sqlite")
            elif name == "postgres":
                url = os.environ.get("DATABASE_URL", "")
                url = url if url.startswith("postgres") else DEFAULT_PG
                target = Target("postgres", work / "postgres", url=url)
            else:
                parser.error(f"unknown database {name!r}")
            try:
                rows += run_target(target, size)
            except Exception as error:  # noqa: BLE001 - one database failing still reports the other
                rows.append(
                    Row(
                        f"{name}: the run",
                        "completes",
                        ok=False,
                        note=f"{type(error).__name__}: {error}"[:400],
                    )
                )
            finally:
                if name == "postgres":
                    try:
                        drop_pg(target.url, pg_admin(target.url)[1])
                    except Exception:  # noqa: BLE001, S110 - no PostgreSQL: nothing to drop
                        pass
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    fuzzed = [r for r in rows if "schemathesis" in r.case]
    if fuzzed:
        calls = Row("schemathesis calls, all databases", f"{FUZZ_CALLS:,}+ in the full run")
        calls.sent = sum(r.sent for r in fuzzed)
        calls.accepted = sum(r.accepted for r in fuzzed)
        calls.refused = sum(r.refused for r in fuzzed)
        calls.errors = sum(r.errors for r in fuzzed)
        calls.unavailable = sum(r.unavailable for r in fuzzed)
        calls.ok = args.quick or calls.sent >= FUZZ_CALLS
        rows.append(calls)
    print_table(rows)
    print(f"\n{'quick' if args.quick else 'full'} run in {time.monotonic() - started:.0f} s")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
