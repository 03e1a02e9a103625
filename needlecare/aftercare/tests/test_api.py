"""Aftercare over the API: the timeline with its protocol version, check-ins, alerts; 404 across clinics."""

import pytest

from needlecare.aftercare import services
from needlecare.testing.treatments import record_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

NORMAL = {"redness": "mild", "swelling": "mild", "pain": 2}


def test_the_timeline_is_read_with_its_protocol_version(client, ready, token_for):
    session = record_session(ready, depth="2.0")
    answer = client.get(
        f"/api/v1/patients/{ready.patient.pk}/sessions/{session.pk}/aftercare",
        HTTP_AUTHORIZATION=token_for(ready.front_desk),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["protocol"]["version"] == session.aftercare.protocol.content_hash
    assert body["extra_days"] == 2 and body["steps"][0]["label"] == "Days 0–2"
    assert body["steps"][-1]["starts_on"] == "2026-12-11"


def test_check_ins_and_alerts(client, ready, token_for, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-28 12:00Z")
    services.submit_checkin(treatment=session, day=1, answers=NORMAL)
    services.submit_checkin(treatment=session, day=3, answers={**NORMAL, "fever": True})
    header = token_for(ready.owner)
    checkins = client.get(f"/api/v1/patients/{ready.patient.pk}/check-ins", HTTP_AUTHORIZATION=header).json()
    assert checkins["count"] == 2 and checkins["items"][0]["warning_signs"] == ["Fever"]
    alerts = client.get("/api/v1/aftercare/alerts", HTTP_AUTHORIZATION=header).json()
    assert [a["day"] for a in alerts["items"]] == [3]


def test_another_clinic_gets_404_and_sees_no_alerts(client, ready, world_b, token_for, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-28 12:00Z")
    services.submit_checkin(treatment=session, day=3, answers={**NORMAL, "pus": True})
    header = token_for(world_b.owner)
    url = f"/api/v1/patients/{ready.patient.pk}/sessions/{session.pk}/aftercare"
    assert client.get(url, HTTP_AUTHORIZATION=header).status_code == 404
    assert client.get("/api/v1/aftercare/alerts", HTTP_AUTHORIZATION=header).json()["count"] == 0
