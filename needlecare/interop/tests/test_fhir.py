"""The FHIR R4 bundle of a rich record: every resource validates with fhir.resources.R4B, with the codes
docs/fhir.md promises; from the API and the patient page; audited; 404 across clinics."""

import json
from collections import Counter
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from needlecare.audit.models import AuditEvent
from needlecare.interop.fhir import CS, LOCAL
from needlecare.interop.tests.rich import BORN, FAMILY, rich_patient

pytestmark = pytest.mark.django_db
DOCS = (Path(__file__).resolve().parents[3] / "docs" / "fhir.md").read_text()


@pytest.fixture
def rich(world_a, tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return rich_patient(world_a)


def get_bundle(client, world, patient, token_for):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/patients/{patient.pk}/fhir", HTTP_AUTHORIZATION=token_for(world.owner))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    return response.json()


def of(bundle, kind):  # type: ignore[no-untyped-def]
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_rich_record_gives_a_valid_bundle_with_every_kind_of_resource(client, world_a, rich, token_for):
    bundle = get_bundle(client, world_a, rich.patient, token_for)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    expected = {"Patient", "Condition", "AllergyIntolerance", "QuestionnaireResponse", "CarePlan"}
    expected |= {"Procedure", "Observation", "Consent"}
    if "appointment" in rich.made:
        expected.add("Appointment")
    if "photo" in rich.made:
        expected.add("Media")
    assert expected <= set(kinds), kinds

    (patient,) = of(bundle, "Patient")
    assert patient["name"][0]["family"] == FAMILY and patient["birthDate"] == BORN.isoformat()
    allergies = sorted(a["code"]["text"] for a in of(bundle, "AllergyIntolerance"))
    assert allergies == ["lidocaine", "nickel"]
    herpes = [c for c in of(bundle, "Condition") if c["code"]["coding"][0]["code"] == "88594005"]
    assert herpes and herpes[0]["code"]["coding"][0]["system"] == "http://snomed.info/sct"

    fitzpatrick = [o for o in of(bundle, "Observation") if o["code"]["coding"][0]["code"] == "66472-2"]
    assert fitzpatrick[0]["code"]["coding"][0]["system"] == "http://loinc.org"
    assert fitzpatrick[0]["valueCodeableConcept"]["coding"][0]["code"] == "3"
    (smoking,) = [o for o in of(bundle, "Observation") if o["code"]["coding"][0]["code"] == "72166-2"]
    assert smoking["valueCodeableConcept"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "8392000",
        "display": "Non-smoker",
    }

    (procedure,) = of(bundle, "Procedure")
    cartridge = next(c for c in procedure["contained"] if c["id"] == "cartridge")
    assert cartridge["lotNumber"] == "LOT-2026-11A" and cartridge["distinctIdentifier"] == "CART-7781"
    (site,) = procedure["bodySite"]
    assert site["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "60819002",
        "display": "Buccal region of face",
    }
    depth = next(x for x in site["extension"] if x["url"].endswith("needle-depth"))
    assert depth["valueQuantity"] == {
        "value": 1.25,
        "unit": "mm",
        "system": "http://unitsofmeasure.org",
        "code": "mm",
    }
    assert procedure["complication"][0]["coding"][0]["code"] == "pih"

    (consent,) = of(bundle, "Consent")
    assert consent["category"][0]["coding"][0]["code"] == "59284-0"
    (response,) = of(bundle, "QuestionnaireResponse")
    answered = {i["linkId"]: i.get("answer") for i in response["item"]}
    assert answered["herpes_simplex_history"] == [{"valueBoolean": True}]
    assert answered["allergies"] == [{"valueString": "lidocaine"}, {"valueString": "nickel"}]

    # Every local code system used is documented in docs/fhir.md.
    used = {match.split('"')[0] for match in json.dumps(bundle).split(f'"system": "{CS}/')[1:]} | {
        match.split('"')[0] for match in json.dumps(bundle).split(f'"system":"{CS}/')[1:]
    }
    assert used
    for system in used:
        assert f"{CS}/{system}" in DOCS, f"document the code system {CS}/{system} in docs/fhir.md"
    for ext in {e["url"] for r in bundle["entry"] for e in r["resource"].get("extension", [])}:
        assert ext in DOCS
    assert LOCAL in DOCS


def test_reading_the_bundle_is_audited_and_isolated(client, world_a, world_b, rich, token_for, signed_in):
    get_bundle(client, world_a, rich.patient, token_for)
    assert AuditEvent.objects.filter(action="patient.fhir_export", patient_id=rich.patient.pk).exists()
    other = client.get(
        f"/api/v1/patients/{rich.patient.pk}/fhir", HTTP_AUTHORIZATION=token_for(world_b.owner)
    )
    assert other.status_code == 404
    page = signed_in(world_a.practitioner).get(f"/patients/{rich.patient.pk}/fhir.json")
    assert page.status_code == 200 and "attachment" in page["Content-Disposition"]
    Bundle.model_validate(json.loads(page.content))
    detail = signed_in(world_a.practitioner).get(f"/patients/{rich.patient.pk}/")
    assert f"/patients/{rich.patient.pk}/fhir.json" in detail.content.decode()


def test_a_bare_patient_gives_a_valid_bundle(client, world_a, token_for):
    bundle = get_bundle(client, world_a, world_a.patient, token_for)
    Bundle.model_validate(bundle)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} >= {"Patient", "QuestionnaireResponse"}


def test_a_date_question_answered_never_is_a_coded_answer_not_a_date(client, world_a, token_for):
    from needlecare.testing.factories import make_intake

    make_intake(
        world_a.patient,
        filler_last_date="never",
        neurotoxin_last_date="2026-01-05",
        koebner_disease="stable",
        connective_tissue_disease=True,
    )
    bundle = get_bundle(client, world_a, world_a.patient, token_for)
    latest = max(of(bundle, "QuestionnaireResponse"), key=lambda r: int(r["identifier"]["value"]))
    answered = {i["linkId"]: i.get("answer") for i in latest["item"]}
    assert answered["filler_last_date"] == [
        {"valueCoding": {"system": f"{CS}/intake-answer", "code": "never", "display": "Never"}}
    ]
    assert answered["neurotoxin_last_date"] == [{"valueDate": "2026-01-05"}]
    conditions = {c["code"]["coding"][0]["code"] for c in of(bundle, "Condition")}
    assert {"koebner_disease.stable", "connective_tissue_disease"} <= conditions
    Bundle.model_validate(bundle)  # still a valid FHIR R4B bundle
