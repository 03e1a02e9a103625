"""The installation served as production serves it: gunicorn, DEBUG off, a real SECRET_KEY, behind a
TLS proxy (X-Forwarded-Proto), with the task worker beside it. A sign-in, a patient page and a photo
go through it, and its request log says what happened without a word about the patient. Twice: with the
photos on the disk, and in a bucket of the suite's S3 server (PRIVATE_STORAGE=s3, needlecare/testing/
storage.py), streamed through the same access-checked view."""

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"

SETUP = """
from datetime import date
from io import BytesIO
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from needlecare.clinics.models import Role
from needlecare.testing.factories import ClinicFactory, MembershipFactory, make_patient
from needlecare.outcomes.services import upload_photo

clinic = ClinicFactory(name="Served Clinic")
owner = MembershipFactory(clinic=clinic, role=Role.OWNER, user__email="owner@served.test").user
patient = make_patient(clinic, by=owner, given_name="Zephyrine", family_name="Quillfeather")
buffer = BytesIO()
Image.new("RGB", (64, 48), (200, 150, 120)).save(buffer, "JPEG")
photo = upload_photo(patient=patient, by=owner, view="front", zone="cheeks", taken_on=date(2026, 1, 5),
                     upload=SimpleUploadedFile("face.jpg", buffer.getvalue(), content_type="image/jpeg"))
print(f"IDS {patient.pk} {photo.pk}")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["disk", "s3"])
def production_env(request, tmp_path):  # type: ignore[no-untyped-def]
    """Environment of a production installation with its own database, files and static root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="needlecare.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        HTTPS="true",
        BEHIND_PROXY="true",
        ALLOWED_HOSTS="127.0.0.1",
        ENV_FILE="",
        REQUEST_LOG="true",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        STATIC_ROOT=str(tmp_path / "static"),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        REMINDER_TICK_SECONDS="1",
    )
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        env.update(server.environment(server.new_bucket()))
    default = settings.DATABASES["default"]
    drop = None
    if default["ENGINE"] == "django.db.backends.sqlite3":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    else:
        import psycopg

        name = f"needlecare_served_{secrets.token_hex(4)}"
        conninfo = dict(
            host=default["HOST"], port=default["PORT"] or 5432, user=default["USER"], dbname="postgres"
        )
        if default.get("PASSWORD"):
            conninfo["password"] = default["PASSWORD"]
        with psycopg.connect(**conninfo, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        password = f":{default['PASSWORD']}" if default.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{default['USER']}{password}@{conninfo['host']}:{conninfo['port']}/{name}"
        )

        def drop() -> None:
            with psycopg.connect(**conninfo, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    yield env
    if drop:
        drop()


def _manage(env, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Browser:
    """Just enough of a browser over plain HTTP to the server, as a TLS proxy would forward it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, body: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, content


def _wait_for(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_production_server_serves_sign_in_a_patient_page_and_a_photo(production_env, tmp_path):
    assert GUNICORN.exists(), f"gunicorn is missing: pip install -e . ({GUNICORN})"
    env = production_env
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    ids = re.search(r"IDS (\S+) (\S+)", _manage(env, "shell", "-c", SETUP))
    assert ids, "the setup script printed no ids"
    patient_id, photo_id = ids.groups()

    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [str(GUNICORN), "needlecare.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        browser = Browser(port)
        _wait_for(
            lambda: browser.request("GET", "/healthz")[0].status == 200, 60, "gunicorn to answer /healthz"
        )

        # Without a worker the reminder sender has never run: not ready, and nothing else said.
        response, body = browser.request("GET", "/readyz")
        assert response.status == 503
        assert json.loads(body) == {
            "ready": False,
            "checks": {"database": "ok", "migrations": "ok", "reminder_sender": "failing"},
        }
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(
            lambda: browser.request("GET", "/readyz")[0].status == 200, 60, "the worker to make /readyz ready"
        )

        # Plain http is sent to https; an anonymous patient page goes to the sign-in page.
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        plain.request("GET", "/accounts/login/")
        assert plain.getresponse().status == 301
        response, _ = browser.request("GET", f"/patients/{patient_id}/")
        assert response.status == 302 and "/accounts/login/" in response.headers["Location"]

        response, page = browser.request("GET", "/accounts/login/")
        assert response.status == 200
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert csrf, "the sign-in form carries a CSRF token"
        response, _ = browser.request(
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": csrf.group(1).decode(),
                "username": "owner@served.test",
                "password": "correct horse battery staple",
            },
        )
        assert response.status == 302, "the owner signs in"
        session_cookie = next(h for h in browser.set_cookie_headers if h.startswith("sessionid="))
        assert (
            "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
        )

        response, page = browser.request("GET", f"/patients/{patient_id}/")
        assert response.status == 200
        assert b"Quillfeather" in page
        assert "script-src" in response.headers["Content-Security-Policy"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")

        response, image = browser.request("GET", f"/patients/{patient_id}/photos/{photo_id}/image")
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert image[:3] == b"\xff\xd8\xff"
        stored_on_disk = [p for p in (tmp_path / "private").rglob("*") if p.is_file()]
        assert bool(stored_on_disk) == (env.get("PRIVATE_STORAGE") != "s3"), "the photo is in the store set"

        response, _ = browser.request("GET", "/static/needlecare/app.css")
        assert response.status == 200, "static files are served by the production server"

        # Another patient's id (made up) is a 404, and a 404 page, not a traceback.
        response, page = browser.request("GET", "/patients/00000000-0000-4000-8000-000000000000/")
        assert response.status == 404 and b"Traceback" not in page
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)

    log.seek(0)
    lines = [json.loads(line) for line in log.read().splitlines() if line.startswith("{")]
    routes = {(line["method"], line["route"], line["status"]) for line in lines}
    assert ("GET", "patients:detail", 200) in routes
    assert ("GET", "outcomes:photo_image", 200) in routes
    assert ("POST", "accounts:login", 302) in routes
    assert ("GET", "health", 200) in routes
    signed_in = [line for line in lines if line["route"] == "patients:detail" and line["status"] == 200]
    assert signed_in[0]["clinic"] is not None and isinstance(signed_in[0]["ms"], float)
    raw = json.dumps(lines)
    assert "Quillfeather" not in raw and patient_id not in raw and photo_id not in raw, (
        "no patient data in logs"
    )
