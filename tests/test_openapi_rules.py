"""The OpenAPI document states the business rules that answer 422 (and the override's 409), in the
response declarations of the operations that enforce them, so a client learns them from the document."""

import pytest

pytestmark = pytest.mark.django_db

RULES = {
    ("post", "/api/v1/patients"): {422: ["date of birth", "1900-01-01", "after today"]},
    ("patch", "/api/v1/patients/{patient_id}"): {422: ["date of birth", "1900-01-01", "after today"]},
    ("post", "/api/v1/appointments"): {422: ["exactly its type's duration", "ends_at"]},
    ("post", "/api/v1/patients/{patient_id}/assessments"): {422: ["known scale", "zone", "range"]},
    ("post", "/api/v1/patients/{patient_id}/photos"): {422: ["zone"]},
    ("post", "/api/v1/plans/propose"): {422: ["zone", "indication", "protocol"]},
    ("post", "/api/v1/patients/{patient_id}/plans"): {422: ["zone", "indication", "protocol"]},
    ("post", "/api/v1/patients/{patient_id}/screenings"): {422: ["needs an intake"]},
    ("post", "/api/v1/patients/{patient_id}/screenings/{decision_id}/override"): {
        409: ["already overridden"],
        422: ["cannot be overridden", "reason"],
    },
}


def test_the_document_states_the_rules_behind_each_refusal(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    missing = []
    for (method, path), by_status in RULES.items():
        responses = paths[path][method]["responses"]
        for status, words in by_status.items():
            declared = responses.get(str(status), {})
            text = declared.get("description", "")
            missing += [(method, path, status, w) for w in words if w.lower() not in text.lower()]
            assert "content" in declared, (method, path, status)  # the error shape is still declared
    assert missing == []
