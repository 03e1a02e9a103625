"""The scheduling API: slots, book, move, cancel, status, lists, series; bad input books nothing."""

from datetime import date

import pytest

from needlecare.scheduling.models import Appointment
from needlecare.testing.clock import london
from needlecare.testing.plans import scheduled_plan as make_plan

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 30)


@pytest.fixture
def api(client, cal, token_for):  # type: ignore[no-untyped-def]
    header = token_for(cal.front_desk)

    def call(method, path, body=None, **params):  # type: ignore[no-untyped-def]
        send = getattr(client, method)
        if method == "get":
            return send("/api/v1" + path, params, HTTP_AUTHORIZATION=header)
        return send("/api/v1" + path, body, content_type="application/json", HTTP_AUTHORIZATION=header)

    return call


def body(cal, **changes):  # type: ignore[no-untyped-def]
    data = {
        "patient_id": str(cal.patient.pk),
        "practitioner_id": cal.practitioner.pk,
        "type": "treatment",
        "starts_at": london(MONDAY, 10).isoformat(),
    }
    data.update(changes)
    return data


def test_book_then_read_move_check_in_and_list(api, cal):
    booked = api("post", "/appointments", body(cal))
    assert booked.status_code == 201, booked.content
    appointment = booked.json()
    assert appointment["starts_at"].startswith("2026-11-30T10:00:00") and appointment["room"] == "Room 1"
    moved = api("post", f"/appointments/{appointment['id']}/move", {"starts_at": "2026-11-30T13:00:00Z"})
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    listed = api("get", f"/patients/{cal.patient.pk}/appointments").json()
    assert [a["id"] for a in listed["items"]] == [appointment["id"]]
    mine = api("get", f"/practitioners/{cal.practitioner.pk}/appointments", first="2026-11-30").json()
    assert mine["count"] == 1 and mine["items"][0]["starts_at"].startswith("2026-11-30T13:00")
    cancelled = api("post", f"/appointments/{appointment['id']}/cancel", {"reason": "Patient asked"})
    assert cancelled.json()["status"] == "cancelled"
    assert api("get", f"/appointments/{appointment['id']}").json()["cancel_reason"] == "Patient asked"


def test_a_taken_slot_answers_409_slot_taken(api, cal):
    from needlecare.testing.factories import make_patient

    assert api("post", "/appointments", body(cal)).status_code == 201
    other = make_patient(cal.clinic, by=cal.owner)
    again = api("post", "/appointments", body(cal, patient_id=str(other.pk)))
    assert again.status_code == 409
    assert again.json()["code"] == "slot_taken" and again.json()["detail"].startswith("Slot taken")
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "needle"),
    [
        ({"ends_at": "2026-11-30T09:00:00Z"}, 422, "after starts_at"),
        ({"ends_at": "2026-11-30T10:30:00Z"}, 422, "60 minutes"),
        ({"starts_at": "2026-11-30T10:00:00"}, 422, "timezone"),
        ({"starts_at": 1796032800}, 422, "ISO 8601"),
        ({"starts_at": "2026-11-24T10:00:00Z"}, 409, "passed"),
        ({"starts_at": "2026-11-30T18:00:00Z"}, 409, "Outside working hours"),
        ({"room_id": 999999}, 404, "Unknown room"),
        ({"device_id": 999999}, 404, "Unknown device"),
        ({"practitioner_id": 999999}, 404, "Not a practitioner"),
        ({"patient_id": "00000000-0000-0000-0000-000000000000"}, 404, "Not found"),
        ({"type": "massage"}, 422, "type"),
        ({"session_number": 2}, 422, "plan_id"),
    ],
)
def test_bad_input_answers_4xx_and_books_nothing(api, cal, changes, status, needle):
    answer = api("post", "/appointments", body(cal, **changes))
    assert answer.status_code == status, answer.content
    assert needle in str(answer.json()["detail"])
    assert Appointment.objects.count() == 0


def test_front_desk_cannot_be_booked_as_practitioner(api, cal):
    answer = api("post", "/appointments", body(cal, practitioner_id=cal.front_desk.pk))
    assert answer.status_code == 404


def test_the_gate_answers_409_refused_with_the_reason(api, cal):
    from needlecare.testing.screening import screened

    screened(cal, skin_cancer_or_suspicious_lesion_at_site=True)
    answer = api("post", "/appointments", body(cal))
    assert answer.status_code == 409 and answer.json()["code"] == "refused"
    assert "contraindication" in answer.json()["reasons"]["screening"]
    slots = api("get", "/slots", type="treatment", first="2026-11-30", patient_id=str(cal.patient.pk)).json()
    assert slots["count"] == 0 and "contraindication" in slots["note"]


def test_free_slots(api, cal):
    api("post", "/appointments", body(cal))
    slots = api(
        "get",
        "/slots",
        type="treatment",
        first="2026-11-30",
        last="2026-11-30",
        practitioner_id=cal.practitioner.pk,
    ).json()
    starts = [s["starts_at"] for s in slots["items"]]
    assert "2026-11-30T09:00:00Z" in starts and "2026-11-30T10:00:00Z" not in starts
    assert slots["last"] == "2026-11-30"


def test_series_proposal_then_booking_in_one_step(api, cal):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=3)
    proposal = api("get", f"/plans/{plan.pk}/series", practitioner_id=cal.practitioner.pk).json()
    assert [v["session_number"] for v in proposal["visits"]] == [1, 2, 3, None]
    visits = [
        {"session_number": v["session_number"], "starts_at": v["starts_at"]} for v in proposal["visits"]
    ]
    booked = api(
        "post", f"/plans/{plan.pk}/series", {"practitioner_id": cal.practitioner.pk, "visits": visits}
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["count"] == 4
    again = api(
        "post", f"/plans/{plan.pk}/series", {"practitioner_id": cal.practitioner.pk, "visits": visits}
    )
    assert again.status_code == 409 and "Session 1" in again.json()["detail"]
    assert Appointment.objects.filter(plan=plan).count() == 4


def test_another_clinics_plan_and_appointment_answer_404(api, cal, world_b, token_for, client):
    plan = make_plan(world_b.patient, world_b.practitioner, start=date(2026, 12, 7))
    assert api("get", f"/plans/{plan.pk}/series", practitioner_id=cal.practitioner.pk).status_code == 404


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2150-01-05T10:00:00Z"]
)
def test_moments_at_the_ends_of_time_are_refused_not_a_500(api, cal, moment):
    answer = api("post", "/appointments", body(cal, starts_at=moment))
    assert answer.status_code == 409 and answer.json()["code"] == "refused"
    mine = api(
        "get", f"/practitioners/{cal.practitioner.pk}/appointments", first="9999-12-31", last="9999-12-31"
    )
    assert mine.status_code == 200 and mine.json()["count"] == 0
    slots = api("get", "/slots", type="consultation", first="9999-12-31")
    assert slots.status_code == 200 and slots.json()["count"] == 0
