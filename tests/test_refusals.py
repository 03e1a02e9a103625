"""Clean refusals, never a 500: Django's request limits answer 400/413 (the API in its JSON shape) with
DEBUG off and on, and a database too busy to take a write answers 503 with Retry-After, writing nothing."""

import io
import socket
import sqlite3
import threading

import psycopg
import pytest
from django.db import connection
from django.test import Client

from needlecare.patients.models import Patient

pytestmark = pytest.mark.django_db

MANY_FIELDS = "&".join(f"f{i}=1" for i in range(1001))


def files(count: int) -> dict[str, io.BytesIO]:
    made = {}
    for i in range(count):
        made[f"f{i}"] = io.BytesIO(b"x")
        made[f"f{i}"].name = f"f{i}.txt"
    return made


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = request.param
    return request.param


def test_the_api_answers_request_limits_with_400_or_413_in_its_error_shape(world_a, token_for, debug):
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=token_for(world_a.practitioner))
    photos = f"/api/v1/patients/{world_a.patient.pk}/photos"
    answers = {
        "fields": client.get(f"/api/v1/patients?{MANY_FIELDS}"),
        "body": client.post(
            "/api/v1/patients", b'{"notes": "' + b"x" * 3_000_000 + b'"}', content_type="application/json"
        ),
        "files": client.post(photos, files(150)),
    }
    expected = {"fields": (400, "parameters"), "body": (413, "larger than"), "files": (400, "files allowed")}
    for case, (status, words) in expected.items():
        response = answers[case]
        assert response.status_code == status, (case, response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/json"), case
        assert words in response.json()["detail"], (case, response.json())
    assert Patient.objects.count() == 1


def test_pages_answer_request_limits_with_400_or_413(world_a, debug):
    client = Client(raise_request_exception=False)
    client.force_login(world_a.practitioner)
    many = client.get(f"/patients/?{MANY_FIELDS}")
    big = client.post("/patients/new/", {"given_name": "x" * 3_000_000})
    assert (many.status_code, big.status_code) == (400, 413)
    assert b"parameters allowed" in many.content and b"larger than" in big.content
    assert b"<html" in many.content.lower()  # the page layout, not a bare error
    assert Patient.objects.count() == 1


def _hold_write_lock(release: threading.Event, held: threading.Event) -> None:
    """Another process's writer, holding the write lock (SQLite) or a table lock (PostgreSQL)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        other = psycopg.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"],
            host=settings_dict["HOST"],
            port=settings_dict["PORT"] or 5432,
        )
        other.execute("LOCK TABLE patients_patient IN EXCLUSIVE MODE")
    held.set()
    release.wait(30)
    other.rollback()
    other.close()


@pytest.mark.django_db(transaction=True)
def test_a_write_the_database_is_too_busy_for_answers_503_with_retry_after_and_writes_nothing(
    world_a, token_for
):
    auth = token_for(world_a.practitioner)
    api, page = Client(raise_request_exception=False), Client(raise_request_exception=False)
    page.force_login(world_a.practitioner)
    connection.ensure_connection()
    with connection.cursor() as cursor:  # a shorter wait than production's 5 s, so the test is quick
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 300")
        else:
            cursor.execute("SET lock_timeout = '300ms'")
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(release, held))
    holder.start()
    try:
        assert held.wait(30)
        body = {"given_name": "Busy", "family_name": "Day", "date_of_birth": "1980-02-03", "sex": "female"}
        answer = api.post("/api/v1/patients", body, content_type="application/json", HTTP_AUTHORIZATION=auth)
        form = page.post("/patients/new/", body)
    finally:
        release.set()
        holder.join()
    assert answer.status_code == 503, answer.content[:500]
    assert answer["Retry-After"] == "2" and "nothing was saved" in answer.json()["detail"]
    assert form.status_code == 503 and form["Retry-After"] == "2" and b"nothing was saved" in form.content
    assert not Patient.objects.filter(family_name="Day").exists()


@pytest.mark.django_db(transaction=True)
def test_a_database_that_does_not_answer_is_a_503_with_retry_after_on_pages_and_api(world_a, token_for):
    """PostgreSQL out of connections, restarting or down (the reliability run's 300-way race met
    'too many clients'), or SQLite's file unreachable: a 503 the client may retry, never a 500."""
    bearer = token_for(world_a.owner)
    client = Client(raise_request_exception=False)
    client.force_login(world_a.owner)
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/needlecare.sqlite3"
    else:
        with socket.socket() as sock:  # a port nothing listens on
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        connection.settings_dict.update(HOST="127.0.0.1", PORT=closed_port)
    try:
        page = client.get(f"/patients/{world_a.patient.pk}/")
        api = client.get("/api/v1/patients", HTTP_AUTHORIZATION=bearer)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert page.status_code == 503 and page["Retry-After"] == "2"
    assert b"not answering" in page.content
    assert api.status_code == 503 and api["Retry-After"] == "2"
    assert "not answering" in api.json()["detail"]
