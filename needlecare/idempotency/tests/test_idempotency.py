"""Idempotency-Key on every creating POST of the API: found from the OpenAPI document, declared there,
and honoured (the same key and body answer the same, once; another body is a 422), race-free."""

import io
import json
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connections
from django.test import Client
from django.utils import timezone

from needlecare.idempotency.models import IdempotencyRecord
from needlecare.idempotency.services import purge_expired
from needlecare.patients.models import Patient
from needlecare.testing.outcomes import jpeg_bytes

pytestmark = pytest.mark.django_db

PATIENT = {"given_name": "Ada", "family_name": "Key", "date_of_birth": "1980-02-03"}


def creating_posts(schema) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if post and (
            201 in post["responses"] or "201" in post["responses"] or path == "/api/v1/import/patients"
        ):
            found.append(path)
    return found


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions", "contenttypes", "auth"}
    }


def test_every_creating_post_declares_and_honours_the_idempotency_key(client, world_a, token_for):
    from tests.test_isolation import bodies, ids_of

    auth = token_for(world_a.owner)
    schema = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=auth).json()
    paths = creating_posts(schema)
    assert len(paths) >= 10, paths
    ids, known = ids_of(world_a), bodies()
    known[("post", "/api/v1/patients")] = PATIENT
    known[("post", "/api/v1/import/patients")] = {
        "csv": "given_name,family_name,date_of_birth\nA,B,1990-01-01\n"
    }
    done = []
    for n, path in enumerate(paths):
        parameters = schema["paths"][path]["post"].get("parameters", [])
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in parameters), path
        url = path.format(**{k: ids[k] for k in ids if "{" + k + "}" in path})
        headers = {"HTTP_AUTHORIZATION": auth, "HTTP_IDEMPOTENCY_KEY": f"sweep-{n}"}

        def send(path=path, url=url, headers=headers):  # type: ignore[no-untyped-def]
            if path.endswith("/photos"):
                image = io.BytesIO(jpeg_bytes())
                image.name = "face.jpg"
                fields = {"image": image, "view": "front", "zone": "cheeks", "taken_on": "2020-01-01"}
                return client.post(url, fields, **headers)
            body = known.get(("post", path), {})
            return client.post(url, json.dumps(body), content_type="application/json", **headers)

        first = send()
        after_first = row_counts()
        second = send()
        assert second.status_code == first.status_code < 500, (path, first.content, second.content)
        assert second.content == first.content, path
        assert second["Idempotent-Replayed"] == "true", path
        assert row_counts() == after_first, path  # nothing done again, nothing written
        if 200 <= first.status_code < 300:
            done.append(path)
    assert len(done) >= 5, done  # the sweep's bodies really create in most of them


def test_the_same_key_with_another_body_is_a_422_and_keys_are_scoped_per_token(world_a, world_b, token_for):
    client = Client()
    owner, colleague = token_for(world_a.owner), token_for(world_a.practitioner)
    send = lambda auth, body: client.post(  # noqa: E731
        "/api/v1/patients",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert send(owner, PATIENT).status_code == 201
    other = send(owner, {**PATIENT, "given_name": "Bea"})
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    assert send(colleague, PATIENT).status_code == 201  # another token: its own key space
    assert send(token_for(world_b.owner), PATIENT).status_code == 201  # another clinic
    assert Patient.objects.filter(family_name="Key").count() == 3
    bad = client.post(
        "/api/v1/patients",
        PATIENT,
        content_type="application/json",
        HTTP_AUTHORIZATION=owner,
        HTTP_IDEMPOTENCY_KEY="has spaces",
    )
    assert bad.status_code == 422


def test_a_key_lives_24_hours_and_the_cleanup_removes_it(world_a, token_for):
    client = Client()
    auth = token_for(world_a.owner)
    send = lambda: client.post(  # noqa: E731
        "/api/v1/patients",
        PATIENT,
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_IDEMPOTENCY_KEY="day",
    )
    assert send().status_code == 201 and send().status_code == 201
    assert Patient.objects.filter(family_name="Key").count() == 1
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert send().status_code == 201 and Patient.objects.filter(family_name="Key").count() == 2
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_expired() == 1 and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_do_the_work_once(world_a, token_for):
    auth = token_for(world_a.owner)
    barrier, answers, lock = threading.Barrier(20), [], threading.Lock()

    def run() -> None:
        client = Client()
        try:
            barrier.wait()
            response = client.post(
                "/api/v1/patients",
                PATIENT,
                content_type="application/json",
                HTTP_AUTHORIZATION=auth,
                HTTP_IDEMPOTENCY_KEY="race",
            )
            answer = (response.status_code, response.content)
        except Exception as error:  # noqa: BLE001 - any exception fails the test, with its text
            answer = (0, repr(error).encode())
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} == {201}, answers
    assert len({body for _, body in answers}) == 1
    assert Patient.objects.filter(family_name="Key").count() == 1
    assert IdempotencyRecord.objects.count() == 1
