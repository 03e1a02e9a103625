"""My progress in the portal: the score chart, "is it permanent for me?", and the patient's own record
as FHIR and as a ZIP (audited as reads by the patient; nobody else's)."""

import io
import json
import zipfile
from datetime import date

import pytest
from django.core.cache import cache

from needlecare.audit.models import AuditEvent
from needlecare.portal.tests.test_portal import sign_in_as
from needlecare.testing.factories import make_intake, make_patient
from needlecare.testing.outcomes import score
from needlecare.testing.treatments import treat

pytestmark = pytest.mark.django_db

OLD = (date(2024, 1, 5), date(2024, 2, 2), date(2024, 3, 1))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def treated(world_a):  # type: ignore[no-untyped-def]
    treat(world_a, world_a.patient, days=OLD)
    score(world_a.patient, date(2024, 1, 5), 40, baseline=True)
    score(world_a.patient, date(2024, 7, 1), 20)
    return world_a


def test_my_progress_shows_the_chart_and_a_plain_answer(client, treated):
    page = sign_in_as(client, treated.patient).get("/portal/progress/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="progress-chart"' in html and 'class="forecast-band"' in html
    assert "Is it permanent for me?" in html and "No, not permanent" in html
    assert "acne scars" in html.lower()
    assert 'href="/portal/my-record/fhir.json"' in html and 'href="/portal/my-record/record.zip"' in html
    assert AuditEvent.objects.filter(action="portal.progress", patient_id=treated.patient.pk).count() == 1
    # Linked from the portal's home page.
    assert 'href="/portal/progress/"' in client.get("/portal/").content.decode()


def test_my_progress_says_which_of_my_habits_shorten_it(client, treated, token_for):
    before = sign_in_as(client, treated.patient).get("/portal/progress/").content.decode()
    assert "You told us you smoke" not in before
    make_intake(treated.patient, by=treated.owner, smoker=True, sun_exposure="high")
    html = client.get("/portal/progress/").content.decode()
    assert "You told us you smoke and your skin gets a lot of sun" in html and "SPF 30+" in html
    # The API gives staff the same words.
    api = client.get(
        f"/api/v1/patients/{treated.patient.pk}/forecast", HTTP_AUTHORIZATION=token_for(treated.practitioner)
    )
    assert "You told us you smoke" in api.json()["indications"][0]["plain_language"]


def test_my_progress_without_sessions_still_answers(client, world_a):
    page = sign_in_as(client, world_a.patient).get("/portal/progress/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "not permanent" in html and "No scores recorded yet" in html


def test_the_fhir_download_is_my_record_only_and_audited(client, treated):
    other = make_patient(treated.clinic, by=treated.owner, family_name="Someoneelse")
    make_intake(other, by=treated.owner)
    response = sign_in_as(client, treated.patient).get("/portal/my-record/fhir.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    assert "attachment" in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert bundle["resourceType"] == "Bundle"
    text = response.content.decode()
    assert str(treated.patient.pk) in text and str(other.pk) not in text and "Someoneelse" not in text
    events = AuditEvent.objects.filter(action="portal.fhir_export", patient_id=treated.patient.pk)
    assert events.count() == 1


def test_the_zip_download_is_my_record_only_and_audited(client, treated):
    other = make_patient(treated.clinic, by=treated.owner, family_name="Someoneelse")
    response = sign_in_as(client, treated.patient).get("/portal/my-record/record.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response.streaming and response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "README.txt" in names and "the patient" in archive.read("README.txt").decode()
    everything = b"".join(archive.read(n) for n in names)
    assert str(treated.patient.pk).encode() in everything and str(other.pk).encode() not in everything
    events = AuditEvent.objects.filter(action="portal.full_export", patient_id=treated.patient.pk)
    assert events.count() == 1


def test_the_downloads_need_a_signed_in_patient(client, treated, signed_in):
    for url in ("/portal/progress/", "/portal/my-record/fhir.json", "/portal/my-record/record.zip"):
        assert client.get(url).status_code == 302
    # Staff signed in to the clinic are not the patient.
    staff = signed_in(treated.owner)
    for url in ("/portal/progress/", "/portal/my-record/fhir.json", "/portal/my-record/record.zip"):
        assert staff.get(url).status_code in (302, 403, 404)
