"""Full exports: a patient's ZIP holds every table linked to them (found by walking the foreign keys),
their photos, signed consents and aftercare sheets; the clinic's ZIP holds everyone but the erased. The
photos are read from each private store, the disk and S3 (`private_files`, needlecare/testing/storage.py)."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from needlecare.audit.models import AuditEvent
from needlecare.interop.export import clinic_zip, download
from needlecare.interop.services import erase_patient
from needlecare.interop.tests.rich import FAMILY, GIVEN, rich_patient
from needlecare.patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich(world_a, private_files):  # type: ignore[no-untyped-def]
    return rich_patient(world_a)


def unzip(response) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def tables_holding(patient: Patient) -> set[str]:
    """Every project table with a row that links straight to the patient."""
    found = set()
    for model in apps.get_models():
        if not model.__module__.startswith("needlecare."):
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is Patient:
                if model._default_manager.filter(**{f.name: patient}).exists():
                    found.add(model._meta.label_lower)
    return found


def test_the_patient_export_holds_every_table_photo_consent_and_sheet(
    client, world_a, rich, token_for, private_files
):
    response = client.get(
        f"/api/v1/patients/{rich.patient.pk}/export", HTTP_AUTHORIZATION=token_for(world_a.owner)
    )
    archive = unzip(response)
    names = set(archive.namelist())
    Bundle.model_validate(json.loads(archive.read("fhir.json")))
    record = json.loads(archive.read("record.json"))
    assert record["patients.patient"]["rows"][0]["family_name"] == FAMILY
    missing = tables_holding(rich.patient) - set(record)
    assert not missing, f"tables left out of the export: {missing}"
    # Rows hanging off other rows come too: session zones, adverse events.
    assert record["treatments.treatmentzone"]["rows"] and record["treatments.adverseevent"]["rows"]
    assert "password" not in json.dumps(record) and "key_hash" not in json.dumps(record)
    if "photo" in rich.made:
        assert archive.read(f"photos/{rich.made['photo'].pk}.jpg") == private_files.read(rich.photo_files[0])
    consent = rich.made["consent"]
    (page,) = [n for n in names if n.startswith("consents/")]
    assert consent.signed_text in archive.read(page).decode()
    if apps.is_installed("needlecare.aftercare") and record.get("aftercare.aftercaretimeline"):
        assert any(n.startswith("aftercare/") and archive.read(n).startswith(b"%PDF") for n in names)
    assert AuditEvent.objects.filter(action="patient.full_export", patient_id=rich.patient.pk).exists()


def test_the_patient_export_page_downloads_the_zip(signed_in, world_a, world_b, rich):
    archive = unzip(signed_in(world_a.practitioner).get(f"/patients/{rich.patient.pk}/export.zip"))
    assert "fhir.json" in archive.namelist()
    assert signed_in(world_b.owner).get(f"/patients/{rich.patient.pk}/export.zip").status_code == 404


def test_the_clinic_export_holds_every_patient_but_the_erased(
    client, world_a, world_b, rich, token_for, tmp_path
):
    kept = world_a.patient
    erase_patient(patient=rich.patient, by=world_a.owner)
    archive = unzip(client.get("/api/v1/clinic/export", HTTP_AUTHORIZATION=token_for(world_a.owner)))
    names = archive.namelist()
    assert f"patients/{kept.pk}/fhir.json" in names
    assert not any(str(rich.patient.pk) in n for n in names)
    record = archive.read("record.json").decode()
    for text in (GIVEN, FAMILY, str(rich.made["session"].pk), str(rich.made["consent"].pk)):
        assert text not in record
    assert str(kept.pk) in record and world_b.patient.family_name not in record
    assert kept.family_name in archive.read("patients.csv").decode()
    assert str(rich.patient.pk) not in archive.read("patients.csv").decode()
    for name in names:
        assert GIVEN.encode() not in archive.read(name)

    # Owner only.
    refused = client.get("/api/v1/clinic/export", HTTP_AUTHORIZATION=token_for(world_a.practitioner))
    assert refused.status_code == 403
    client.force_login(world_a.front_desk)
    assert client.get("/clinic/export.zip").status_code == 403


def test_an_export_is_written_to_a_temporary_file_and_streamed_from_it(client, world_a, rich):
    """A clinic's photos can run to gigabytes: the archive is built on disk, never in memory, sent in
    chunks (Django's FileResponse closes the file, which unlinks it, when the response is done)."""
    archive = clinic_zip(world_a.clinic, by=world_a.owner, generated_at=timezone.now())
    assert archive.fileno() >= 0 and archive.tell() == 0  # an operating-system file, rewound
    response = download(archive, "clinic.zip")
    body = b"".join(response.streaming_content)
    assert f"patients/{rich.patient.pk}/photos/" in " ".join(zipfile.ZipFile(io.BytesIO(body)).namelist())

    client.force_login(world_a.owner)
    response = client.get("/clinic/export.zip")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="clinic-')
    assert response["Cache-Control"] == "private, no-store"
    assert int(response["Content-Length"]) == len(b"".join(response.streaming_content))
