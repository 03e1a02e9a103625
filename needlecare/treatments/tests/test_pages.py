"""The session form beside the chair: pre-filled, checked in a summary, then saved; the lot trace; the API."""

import uuid
from datetime import timedelta

import pytest

from needlecare.testing.clock import TODAY
from needlecare.treatments.models import AdverseEvent, Treatment

pytestmark = pytest.mark.django_db


def form_data(plan=None, **changes):  # type: ignore[no-untyped-def]
    data = {
        "form_token": uuid.uuid4().hex,  # one-time: each call is a fresh form
        "performed_on": TODAY.isoformat(),
        "plan": str(plan.pk) if plan else "",
        "device": "pen",
        "device_model": "Dermapen 4",
        "device_serial": "DP4-0001",
        "cartridge_id": "C-1",
        "cartridge_lot": "LOT-A1",
        "cartridge_expiry": "2027-06-30",
        "numbing_agent": "lidocaine_4",
        "numbing_minutes": "30",
        "end_point": "pinpoint_bleeding",
        "product_applied": "hyaluronic acid serum",
        "duration_minutes": "40",
        "immediate_reaction": "expected",
        "notes": "",
        "interval_reason": "",
        "zones-TOTAL_FORMS": "2",
        "zones-INITIAL_FORMS": "0",
        "zones-MIN_NUM_FORMS": "0",
        "zones-MAX_NUM_FORMS": "14",
        "zones-0-zone": "cheeks",
        "zones-0-depth_mm": "1.5",
        "zones-0-passes": "3",
        "zones-1-zone": "",
        "zones-1-depth_mm": "",
        "zones-1-passes": "",
    }
    data.update(changes)
    return data


def test_the_form_prefills_from_the_plan_then_from_the_previous_session(client, ready):
    client.force_login(ready.practitioner)
    url = f"/patients/{ready.patient.pk}/sessions/new/"
    page = client.get(url)
    assert page.context["form"].initial["plan"] == str(ready.plan.pk)
    assert page.context["zones"].initial == [
        {"zone": "cheeks", "depth_mm": ready.plan.zones.get().depth_max_mm, "passes": 3}
    ]
    client.post(
        url,
        form_data(
            ready.plan, confirm="1", performed_on=(TODAY - timedelta(weeks=4)).isoformat(), cartridge_id="C-0"
        ),
    )
    again = client.get(url)
    assert again.context["form"].initial["device_serial"] == "DP4-0001"
    assert again.context["zones"].initial[0]["passes"] == 3


def test_review_shows_a_summary_and_only_confirm_saves(client, ready):
    client.force_login(ready.practitioner)
    url = f"/patients/{ready.patient.pk}/sessions/new/"
    summary = client.post(url, form_data(ready.plan, review="1"))
    assert summary.status_code == 200 and "Check before saving" in summary.content.decode()
    assert not Treatment.objects.exists()
    carried = dict(summary.context["carried"])
    saved = client.post(url, {**carried, "confirm": "1"})
    treatment = Treatment.objects.get()
    assert saved["Location"] == f"/patients/{ready.patient.pk}/sessions/{treatment.pk}/"
    detail = client.get(saved["Location"]).content.decode()
    assert "LOT-A1" in detail and "<td>Cheeks</td>" in detail and "Pinpoint bleeding" in detail
    assert ">Acne scars</a> (active)" in detail and "acne_scars" not in detail
    assert "<dd>Acne scars (active)</dd>" in summary.content.decode()


def test_a_refusal_is_shown_with_its_reason_and_the_form_keeps_what_was_typed(client, ready):
    client.force_login(ready.practitioner)
    response = client.post(
        f"/patients/{ready.patient.pk}/sessions/new/",
        form_data(ready.plan, review="1", cartridge_expiry="2026-01-01"),
    )
    body = response.content.decode()
    assert response.status_code == 422 and "The cartridge expired on 01 Jan 2026" in body
    assert 'value="DP4-0001"' in body and not Treatment.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"performed_on": "yesterday"},
        {"duration_minutes": "0"},
        {"numbing_minutes": "500"},
        {"device": "laser"},
        {"zones-0-depth_mm": "4.0"},
        {"zones-0-passes": "0"},
        {"zones-0-zone": "elbow"},
        {"device_model": ""},
        {"zones-TOTAL_FORMS": "5000"},
        {"notes": "x" * 4001},
    ],
)
def test_bad_session_input_answers_422_and_writes_nothing(client, ready, change):
    client.force_login(ready.practitioner)
    response = client.post(
        f"/patients/{ready.patient.pk}/sessions/new/", form_data(ready.plan, confirm="1", **change)
    )
    assert response.status_code == 422 and not Treatment.objects.exists()


def test_front_desk_cannot_record_sessions_or_adverse_events_but_can_read(client, ready):
    client.force_login(ready.practitioner)
    client.post(f"/patients/{ready.patient.pk}/sessions/new/", form_data(ready.plan, confirm="1"))
    treatment = Treatment.objects.get()
    client.force_login(ready.front_desk)
    assert client.get(f"/patients/{ready.patient.pk}/sessions/new/").status_code == 403
    assert client.get(f"/patients/{ready.patient.pk}/sessions/{treatment.pk}/").status_code == 200
    response = client.post(
        f"/patients/{ready.patient.pk}/sessions/{treatment.pk}/adverse-events/",
        {"kind": "pih", "grade": "1", "onset_on": TODAY.isoformat()},
    )
    assert response.status_code == 403 and not AdverseEvent.objects.exists()


def test_adverse_event_recorded_and_resolved_from_the_session_page(client, ready):
    client.force_login(ready.practitioner)
    client.post(f"/patients/{ready.patient.pk}/sessions/new/", form_data(ready.plan, confirm="1"))
    treatment = Treatment.objects.get()
    base = f"/patients/{ready.patient.pk}/sessions/{treatment.pk}/adverse-events/"
    bad = client.post(base, {"kind": "pih", "grade": "7", "onset_on": TODAY.isoformat()})
    assert bad.status_code == 422 and not AdverseEvent.objects.exists()
    client.post(base, {"kind": "prolonged_erythema", "grade": "1", "onset_on": TODAY.isoformat()})
    event = AdverseEvent.objects.get()
    client.post(f"{base}{event.pk}/resolve/", {"resolved_on": TODAY.isoformat()})
    event.refresh_from_db()
    assert event.resolved_on == TODAY
    assert "Redness lasting over a week" in client.get(f"/patients/{ready.patient.pk}/").content.decode()


def test_lot_trace_page_lists_sessions_and_patients(client, ready):
    client.force_login(ready.practitioner)
    client.post(f"/patients/{ready.patient.pk}/sessions/new/", form_data(ready.plan, confirm="1"))
    page = client.get("/sessions/lots/", {"lot": "lot-a1"})
    assert page.status_code == 200 and ready.patient.full_name in page.content.decode()
    assert "1 session" in page.content.decode()
    assert client.get("/sessions/lots/", {"lot": "x" * 100}).status_code == 400


def test_api_records_a_session_and_traces_its_lot(client, ready, token_for):
    header = token_for(ready.practitioner)
    body = {
        "performed_on": TODAY.isoformat(),
        "plan_id": str(ready.plan.pk),
        "device": "pen",
        "device_model": "Dermapen 4",
        "device_serial": "DP4-0001",
        "cartridge_id": "C-9",
        "cartridge_lot": "LOT-Z",
        "cartridge_expiry": "2027-01-01",
        "numbing_agent": "emla",
        "numbing_minutes": 40,
        "end_point": "erythema",
        "duration_minutes": 35,
        "immediate_reaction": "expected",
        "zones": [{"zone": "cheeks", "depth_mm": 1.25, "passes": 2}],
    }
    url = f"/api/v1/patients/{ready.patient.pk}/sessions"
    created = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=header)
    assert created.status_code == 201, created.content
    assert created.json()["cartridge_lot"] == "LOT-Z" and created.json()["zones"][0]["depth_mm"] == "1.25"
    refused = client.post(
        url,
        {**body, "cartridge_expiry": "2020-01-01", "cartridge_id": "C-10"},
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert refused.status_code == 409 and "cartridge_expiry" in refused.json()["detail"]
    trace = client.get("/api/v1/cartridge-lots/sessions", {"lot": "LOT-Z"}, HTTP_AUTHORIZATION=header).json()
    assert trace["count"] == 1 and trace["patients"] == 1
    assert trace["sessions"][0]["patient_id"] == str(ready.patient.pk)
    event = client.post(
        f"{url}/{created.json()['id']}/adverse-events",
        {"kind": "bruising", "grade": 1, "onset_on": TODAY.isoformat()},
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert event.status_code == 201
    front_desk = token_for(ready.front_desk)
    assert (
        client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=front_desk).status_code
        == 403
    )


def test_the_session_form_sent_twice_records_one_session_and_shows_it(client, ready):
    """A double click on "Save session" (the same one-time token twice) writes nothing the second time."""
    client.force_login(ready.practitioner)
    url = f"/patients/{ready.patient.pk}/sessions/new/"
    page = client.get(url)
    token = page.context["form_token"]
    assert f'name="form_token" value="{token}"'.encode() in page.content
    body = form_data(ready.plan, confirm="1", form_token=token, cartridge_id="C-twice")
    first = client.post(url, body)
    session = Treatment.objects.get(patient=ready.patient)
    assert first.status_code == 302 and first["Location"].endswith(f"/sessions/{session.pk}/")
    second = client.post(url, body, follow=True)
    assert second.redirect_chain[0][0].endswith(f"/sessions/{session.pk}/")
    assert b"already saved" in second.content
    assert Treatment.objects.filter(patient=ready.patient).count() == 1


def test_a_session_form_without_its_one_time_token_writes_nothing(client, ready):
    client.force_login(ready.practitioner)
    body = form_data(ready.plan, confirm="1", cartridge_id="C-none")
    del body["form_token"]
    answer = client.post(f"/patients/{ready.patient.pk}/sessions/new/", body)
    assert answer.status_code == 422 and b"out of date" in answer.content
    assert not Treatment.objects.filter(patient=ready.patient).exists()
