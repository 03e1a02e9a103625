"""Erasure leaves nothing identifying anywhere (every text column of every table, the photo store), keeps
the safety record without identity, keeps the audit chain intact, and answers 404 afterwards. On both
private stores, the disk and S3 (`private_files`, needlecare/testing/storage.py)."""

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from needlecare.audit.models import AuditEvent
from needlecare.audit.services import verify_chain
from needlecare.interop.tests.rich import BORN, FAMILY, GIVEN, NEEDLES, rich_patient
from needlecare.patients.models import Patient
from needlecare.treatments.models import AdverseEvent, Treatment

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(private_files):  # type: ignore[no-untyped-def]
    return private_files


def rows_mentioning(needle: str) -> list[str]:
    """Every (table.column) whose text holds `needle`, across every model of every installed app."""
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField):
                match = Q(**{f"{f.attname}__icontains": needle})
                rows = model._default_manager.filter(match)
            elif isinstance(f, models.JSONField):
                rows = model._default_manager.annotate(_text=Cast(f.attname, TextField())).filter(
                    _text__icontains=needle
                )
            else:
                continue
            if rows.exists():
                found.append(f"{model._meta.db_table}.{f.column}")
    return found


def rows_with_birth_date() -> list[str]:
    return [
        f"{model._meta.db_table}.{f.column}"
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField)
        and not isinstance(f, models.DateTimeField)
        and model._default_manager.filter(**{f.attname: BORN}).exists()
    ]


def test_erasure_leaves_nothing_identifying_in_any_table_or_the_photo_store(
    world_a, token_for, client, media, django_capture_on_commit_callbacks
):
    rich = rich_patient(world_a)
    patient = rich.patient
    # The builder did put the patient everywhere, or this test would prove nothing.
    assert len(rows_mentioning(GIVEN)) >= 4 and rows_with_birth_date()
    session = rich.made["session"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/patients/{patient.pk}/erase",
            data={"confirm": True},
            content_type="application/json",
            HTTP_AUTHORIZATION=token_for(world_a.owner),
        )
    assert response.status_code == 200, response.content

    for needle in NEEDLES:
        assert rows_mentioning(needle) == [], needle
    assert rows_with_birth_date() == []
    for name in media.names():
        content = media.read(name)
        assert not any(n.encode() in content for n in NEEDLES), name
    for photo in rich.photo_files:
        assert not media.exists(photo)

    # The safety record stays, without identity: the session, its cartridge lot, the adverse event.
    kept = Treatment.objects.get(pk=session.pk)
    assert kept.cartridge.lot == "LOT-2026-11A" and kept.zones.get().depth_mm == session.zones.get().depth_mm
    assert AdverseEvent.objects.get(treatment=kept).kind == "pih"
    if "appointment" in rich.made:  # upcoming visits go, freeing their slots
        assert not type(rich.made["appointment"]).objects.filter(pk=rich.made["appointment"].pk).exists()
    erased = Patient.objects.get(pk=patient.pk)
    assert erased.erased_at is not None and erased.date_of_birth.year == BORN.year
    assert erased.intakes.get().answers["herpes_simplex_history"] is True  # coded answers stay

    # The audit log says who erased whom (by id), and its chain still verifies.
    event = AuditEvent.objects.get(action="patient.erase")
    assert event.actor == world_a.owner.email and event.patient_id == patient.pk
    assert verify_chain(world_a.clinic).ok


def test_an_erased_patient_answers_404_and_is_listed_nowhere(world_a, signed_in, token_for, media):
    patient = rich_patient(world_a).patient
    client = signed_in(world_a.owner)
    page = client.get(f"/patients/{patient.pk}/erase/")
    assert page.status_code == 200 and GIVEN in page.content.decode()

    wrong = client.post(f"/patients/{patient.pk}/erase/", {"confirm_name": "Someone Else"})
    assert wrong.status_code == 422 and Patient.objects.get(pk=patient.pk).erased_at is None

    done = client.post(f"/patients/{patient.pk}/erase/", {"confirm_name": f"  {GIVEN.lower()}  {FAMILY} "})
    assert done.status_code == 302

    header = {"HTTP_AUTHORIZATION": token_for(world_a.owner)}
    assert client.get(f"/patients/{patient.pk}/").status_code == 404
    assert client.get(f"/patients/{patient.pk}/erase/").status_code == 404
    assert client.get(f"/api/v1/patients/{patient.pk}", **header).status_code == 404
    again = client.post(
        f"/api/v1/patients/{patient.pk}/erase",
        data={"confirm": True},
        content_type="application/json",
        **header,
    )
    assert again.status_code == 404
    for query in ("", "Erased", "patient"):
        listed = client.get("/api/v1/patients", {"q": query, "archived": "true"}, **header).json()
        assert str(patient.pk) not in {p["id"] for p in listed["items"]}
        listed = client.get("/api/v1/patients", {"q": query}, **header).json()
        assert str(patient.pk) not in {p["id"] for p in listed["items"]}
    assert str(patient.pk) not in client.get("/patients/?archived=1").content.decode()


def test_only_the_owner_may_erase(world_a, signed_in, token_for, media):
    patient = world_a.patient
    for user in (world_a.practitioner, world_a.front_desk):
        assert signed_in(user).get(f"/patients/{patient.pk}/erase/").status_code == 403
        response = signed_in(user).post(f"/patients/{patient.pk}/erase/", {"confirm_name": patient.full_name})
        assert response.status_code == 403
        response = signed_in(user).post(
            f"/api/v1/patients/{patient.pk}/erase",
            data={"confirm": True},
            content_type="application/json",
            HTTP_AUTHORIZATION=token_for(user),
        )
        assert response.status_code == 403
    assert Patient.objects.get(pk=patient.pk).erased_at is None


@pytest.mark.parametrize("body", [{}, {"confirm": False}, {"confirm": "yes"}, {"confirm": True, "x": 1}])
def test_erasure_without_confirmation_is_refused_and_changes_nothing(world_a, client, token_for, body):
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/erase",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.owner),
    )
    assert response.status_code == 422
    assert Patient.objects.get(pk=world_a.patient.pk).erased_at is None


def test_after_erasure_every_route_about_the_patient_answers_404(client, world_a, token_for, media):
    """The isolation sweep's objects, then the patient erased: every page and API operation that names
    the patient answers 404 to the clinic's own owner."""
    from needlecare.interop.services import erase_patient
    from tests.routes import api_operations, page_routes
    from tests.test_isolation import bodies, ids_of

    ids = ids_of(world_a)
    erase_patient(patient=world_a.patient, by=world_a.owner)
    client.force_login(world_a.owner)
    checked = 0
    for route in page_routes():
        if "patient_id" not in route.params:
            continue
        url = route.fill(ids)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status in (404, 405), f"{method.upper()} {url}: {status}"
        checked += 1
    header = token_for(world_a.owner)
    for method, path, _ in api_operations(client):
        if "{patient_id}" not in path:
            continue
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        response = getattr(client, method)(
            url, data=bodies().get((method, path)), content_type="application/json", HTTP_AUTHORIZATION=header
        )
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
        checked += 1
    assert checked > 20
