"""One rule of who may read what: every role against every data category on every route and export.

A clinic gets data of every category, each carrying a distinctive marker (its free text, and the ids of
check-ins, assessments and photos). Then each role asks for every page (walked from the URL resolver)
and every API read (walked from the OpenAPI document), ZIPs opened and every file read: a marker of a
category the role may not read (clinics/policies.py) must appear nowhere. Owners must meet every marker
somewhere, so the sweep is known to reach the data it guards.
"""

import io
import zipfile
from pathlib import Path

import pytest

from needlecare.clinics.policies import (
    MODEL_CATEGORIES,
    POLICY,
    ROLES,
    Category,
    policy_table,
    readable_by,
    readers,
    writers,
)
from tests.routes import api_operations, page_routes
from tests.test_isolation import ids_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def _mark(world) -> dict[Category, set[str]]:  # type: ignore[no-untyped-def]
    """Put a marker into the data of each category; the markers by category."""
    from needlecare.aftercare.models import CheckIn
    from needlecare.outcomes.models import Assessment, Photo
    from needlecare.plans.models import TreatmentPlan
    from needlecare.treatments.models import AdverseEvent, Treatment

    clinic = world.clinic
    CheckIn.objects.filter(patient__clinic=clinic).update(notes="MARK-checkin-note")
    AdverseEvent.objects.filter(treatment__clinic=clinic).update(notes="MARK-adverse-note")
    Assessment.objects.filter(clinic=clinic).update(notes="MARK-assessment-note")
    Photo.objects.filter(clinic=clinic).update(note="MARK-photo-note")
    Treatment.objects.filter(clinic=clinic).update(notes="MARK-session-note")
    TreatmentPlan.objects.filter(clinic=clinic).update(notes="MARK-plan-note")
    return {
        Category.CHECKINS: {"MARK-checkin-note"}
        | {str(pk) for pk in CheckIn.objects.filter(patient__clinic=clinic).values_list("pk", flat=True)},
        Category.ADVERSE_EVENTS: {"MARK-adverse-note"},
        Category.ASSESSMENTS: {"MARK-assessment-note"}
        | {str(pk) for pk in Assessment.objects.filter(clinic=clinic).values_list("pk", flat=True)},
        Category.PHOTOS: {"MARK-photo-note"}
        | {str(pk) for pk in Photo.objects.filter(clinic=clinic).values_list("pk", flat=True)},
        Category.SESSIONS: {"MARK-session-note"},
        Category.PLANS: {"MARK-plan-note"},
    }


def _texts(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(part, text) of a response: its body, or each file of a ZIP."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [(name, archive.read(name).decode("utf-8", "replace")) for name in archive.namelist()]
    return [("", body.decode("utf-8", "replace"))]


def _reads(client, ids, header=None):  # type: ignore[no-untyped-def]
    """Every page (no header) or every API read (with a token) of the objects `ids`: (url, response)."""
    for route in page_routes():
        if route.callback.access_policy in ("public", "patient") or route.route.startswith("accounts/"):
            continue
        if header is None:
            yield route.fill(ids), client.get(route.fill(ids))
    if header is None:
        return
    for method, path, _ in api_operations(client):
        if method != "get" or path.startswith("/api/v1/openapi") or path.endswith("/docs"):
            continue
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        url += "?lot=L" if path.endswith("/cartridge-lots/sessions") else ""
        if path.endswith("/slots") or "practitioners/" in path:
            continue  # no patient data beyond appointments; their query parameters are swept elsewhere
        yield url, client.get(url, HTTP_AUTHORIZATION=header)


def _sweep(client, ids, markers, user, header=None) -> dict[Category, list[str]]:  # type: ignore[no-untyped-def]
    """Where each category's markers were seen by `user`: {category: [url/part, ...]}."""
    client.force_login(user)
    seen: dict[Category, list[str]] = {c: [] for c in markers}
    for url, response in _reads(client, ids, header):
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200:
            continue
        for part, text in _texts(response):
            for category, found in markers.items():
                if any(m in text for m in found):
                    seen[category].append(f"{url} {part}".strip())
    return seen


def _leaks(client, world, *, api: bool, token_for=None) -> dict[str, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """For every role: the categories it saw but may not read, with where; owners must see them all."""
    ids = ids_of(world)
    markers = _mark(world)
    found = {}
    for role in ROLES:
        user = world.member(role)
        seen = _sweep(client, ids, markers, user, header=token_for(user) if api else None)
        allowed = readable_by(role)
        found[role] = {c.value: where for c, where in seen.items() if where and c not in allowed}
        if role == "owner":
            assert all(seen.values()), f"the sweep never reached {[c for c, w in seen.items() if not w]}"
    return {role: leaks for role, leaks in found.items() if leaks}


def test_no_page_shows_any_role_a_category_it_may_not_read(client, world_a):
    assert _leaks(client, world_a, api=False) == {}


def test_no_api_read_or_export_gives_any_role_a_category_it_may_not_read(client, world_a, token_for):
    assert _leaks(client, world_a, api=True, token_for=token_for) == {}


def test_front_desk_export_and_bundle_leave_out_photos_scores_check_ins_and_adverse_events(
    client, world_a, token_for
):
    ids_of(world_a)
    patient = world_a.patient
    header = token_for(world_a.front_desk)
    bundle = client.get(f"/api/v1/patients/{patient.pk}/fhir", HTTP_AUTHORIZATION=header).json()
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert "Media" not in kinds and "Patient" in kinds and "Procedure" in kinds
    assert not any(e["resource"].get("complication") for e in bundle["entry"])
    scores = [e for e in bundle["entry"] if "assessment" in str(e["resource"].get("category", ""))]
    assert scores == []
    response = client.get(f"/api/v1/patients/{patient.pk}/export", HTTP_AUTHORIZATION=header)
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        names = archive.namelist()
        record = archive.read("record.json").decode()
        readme = archive.read("README.txt").decode()
    assert not [n for n in names if n.startswith("photos/")]
    for table in ("outcomes.photo", "outcomes.assessment", "aftercare.checkin", "treatments.adverseevent"):
        assert f'"{table}"' not in record, table
    assert '"treatments.treatment"' in record and '"patients.patient"' in record
    assert "Left out" in readme and "photos" in readme
    # The owner's export of the same patient has them all.
    owner = client.get(f"/api/v1/patients/{patient.pk}/export", HTTP_AUTHORIZATION=token_for(world_a.owner))
    with zipfile.ZipFile(io.BytesIO(b"".join(owner.streaming_content))) as archive:
        everything = archive.read("record.json").decode()
        assert '"outcomes.assessment"' in everything and '"outcomes.photo"' in everything
        assert '"aftercare.checkin"' in everything and '"treatments.adverseevent"' in everything


def test_front_desk_is_refused_check_ins_and_alerts_in_the_api_and_pages(client, world_a, token_for):
    ids = ids_of(world_a)
    header = token_for(world_a.front_desk)
    for url in (f"/api/v1/patients/{world_a.patient.pk}/check-ins", "/api/v1/aftercare/alerts"):
        response = client.get(url, HTTP_AUTHORIZATION=header)
        assert response.status_code == 403 and "practitioner" in response.json()["detail"], url
    client.force_login(world_a.front_desk)
    assert client.get("/aftercare/").status_code == 403
    session = client.get(f"/patients/{world_a.patient.pk}/sessions/{ids['session_id']}/")
    assert session.status_code == 200 and "Adverse events" not in session.content.decode()


def test_every_table_of_a_patients_record_has_a_category():
    from needlecare.interop.export import _project_models, _reaches_patient

    missing = [
        m._meta.label
        for m in _project_models()
        if _reaches_patient(m) and m._meta.label not in MODEL_CATEGORIES
    ]
    assert missing == [], f"add these tables to MODEL_CATEGORIES in needlecare/clinics/policies.py: {missing}"


def test_the_policy_decides_every_category_for_every_role():
    assert set(POLICY) == set(Category)
    for category, by_role in POLICY.items():
        assert set(by_role) == set(ROLES), category
        assert all(v in {"", "r", "rw"} for v in by_role.values()), category
    # Owners read everything; what the front desk may not read, pages refuse it too.
    assert all(Category(c) in readable_by("owner") for c in Category)
    assert "front_desk" not in readers(Category.PHOTOS) | readers(Category.CHECKINS)
    # The write routes of clinical records declare CLINICAL_ROLES: the same roles the table lets write.
    from needlecare.clinics.models import CLINICAL_ROLES

    clinical = [Category.SCREENING, Category.PLANS, Category.SESSIONS, Category.ADVERSE_EVENTS]
    clinical += [Category.CHECKINS, Category.ASSESSMENTS, Category.PHOTOS]
    assert all(writers(c) == CLINICAL_ROLES for c in clinical)


def test_the_architecture_doc_shows_the_policy_table_as_the_code_has_it():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    assert policy_table() in doc, "regenerate the table: python -c 'from ...policies import policy_table'"
