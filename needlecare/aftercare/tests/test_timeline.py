"""Each recorded session gets its aftercare timeline from the protocol, with the protocol's version."""

from datetime import timedelta

import pytest

from needlecare.aftercare import timeline
from needlecare.aftercare.models import AftercareTimeline, Reminder
from needlecare.protocols import load_default
from needlecare.protocols.selectors import current_version
from needlecare.testing.clock import TODAY
from needlecare.testing.treatments import record_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_the_default_protocol_gives_day_0_1_2_3_7_and_14():
    plan = timeline.build(load_default().aftercare, 1.0)
    assert [(s.from_day, s.to_day) for s in plan.steps] == [(0, 0), (1, 2), (3, 3), (7, 7), (14, 14)]
    assert plan.extra_days == 0
    day0, day1, day3, day7, day14 = plan.steps
    assert "No make-up for 24 hours." in day0.instructions
    assert any("SPF 30" in i for i in day1.instructions)
    assert "Do not pick or scrub flaking skin." in day3.instructions
    assert any("Retinoids" in i for i in day7.instructions)
    assert any("No laser treatment or peel before day 14" in i for i in day14.instructions)
    assert "Blisters or a cold sore." in day3.call_clinic_if


def test_treatment_at_the_threshold_is_not_deep():
    assert timeline.build(load_default().aftercare, 1.5).extra_days == 0


def test_deeper_treatment_lengthens_each_step_by_the_protocols_longer_figure():
    plan = timeline.build(load_default().aftercare, 2.0)
    assert plan.extra_days == 2
    assert [(s.from_day, s.to_day) for s in plan.steps] == [(0, 2), (3, 4), (5, 5), (9, 9), (16, 16)]
    assert "2 days longer" in plan.notes[0]


def test_step_on_gives_the_step_in_force():
    steps = timeline.build(load_default().aftercare, 1.0).steps
    assert [timeline.step_on(steps, d).from_day for d in (0, 1, 2, 3, 5, 7, 13, 14, 30)] == [
        0, 1, 1, 3, 3, 7, 7, 14, 14,
    ]  # fmt: skip


def test_recording_a_session_stores_its_timeline_and_the_protocol_version(ready):
    session = record_session(ready, depth="1.0")
    record = AftercareTimeline.objects.get(treatment=session)
    assert record.protocol == current_version(ready.clinic)
    assert record.starts_on == TODAY and record.extra_days == 0
    assert [s["from_day"] for s in record.steps] == [0, 1, 3, 7, 14]
    assert record.dated_steps()[4]["starts"] == TODAY + timedelta(days=14)


def test_a_deep_session_records_the_longer_timeline(ready):
    session = record_session(ready, depth="2.0")
    assert session.aftercare.extra_days == 2
    assert session.aftercare.steps[-1]["from_day"] == 16


def test_recording_a_session_queues_aftercare_messages_and_check_in_requests(ready):
    session = record_session(ready)
    kinds = sorted(Reminder.objects.filter(subject_id=str(session.pk)).values_list("kind", flat=True))
    assert kinds == sorted(["aftercare_day1", "aftercare_day3", "aftercare_day7"] + ["checkin_request"] * 3)
    day1 = Reminder.objects.get(kind="aftercare_day1")
    assert day1.channel == "email"  # the patient has an e-mail address
    assert day1.due_at == day1.send_after  # 09:00 in London: outside quiet hours
    assert day1.due_at.isoformat() == "2026-11-26T09:00:00+00:00"


def test_the_session_page_shows_the_timeline_and_the_protocol_version(client, ready):
    session = record_session(ready)
    client.force_login(ready.front_desk)
    page = client.get(f"/patients/{ready.patient.pk}/sessions/{session.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Aftercare" in text and "Days 1–2" in text and "No make-up for 24 hours." in text
    assert session.aftercare.protocol.short_hash in text
    assert f"/patients/{ready.patient.pk}/sessions/{session.pk}/aftercare.pdf" in text


def test_the_aftercare_dashboard_costs_the_same_queries_with_more_rows(client, ready):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from needlecare.aftercare.models import CheckIn

    session = record_session(ready)

    def add_checkins(days):  # type: ignore[no-untyped-def]
        for day in days:
            CheckIn.objects.create(
                clinic=ready.clinic, patient=ready.patient, treatment=session, day=day,
                redness="mild", swelling="mild", pain=2, warning_signs=["Pus"],
            )  # fmt: skip

    add_checkins([1, 3])
    client.force_login(ready.practitioner)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/aftercare/").status_code == 200
    add_checkins(range(10, 30))
    with CaptureQueriesContext(connection) as more:
        client.get("/aftercare/")
    assert len(more) == len(few)


def test_the_sheet_route_of_a_session_without_a_timeline_answers_404(client, ready):
    session = record_session(ready)
    session.aftercare.delete()
    client.force_login(ready.owner)
    assert client.get(f"/patients/{ready.patient.pk}/sessions/{session.pk}/aftercare.pdf").status_code == 404


def test_a_session_recorded_days_later_gets_no_messages_for_days_already_past(ready, frozen):
    record_session(ready, on=TODAY - timedelta(days=4))
    kinds = sorted(Reminder.objects.values_list("kind", "context__day"))
    assert kinds == [("aftercare_day7", 7), ("checkin_request", 7)]


def test_the_session_page_lists_the_patients_check_ins(client, ready, frozen):
    from needlecare.aftercare.services import submit_checkin

    session = record_session(ready)
    frozen.move_to("2026-11-28 12:00Z")
    submit_checkin(
        treatment=session, day=3, answers={"redness": "mild", "swelling": "mild", "pain": 3, "pus": True}
    )
    client.force_login(ready.practitioner)
    text = client.get(f"/patients/{ready.patient.pk}/sessions/{session.pk}/").content.decode()
    assert "Patient's check-ins" in text and "Day 3 · pain 3/10" in text and "Pus" in text
