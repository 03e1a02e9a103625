"""Moving and cancelling without a page reload: from a calendar card (htmx asks for an inline form, posts it
and swaps the card) and on the appointment page (htmx swaps the page's body). Refusals come back with
their 409/422 status and the reason in the fragment, and write nothing."""

from datetime import date

import pytest

from needlecare.audit.models import AuditEvent
from needlecare.factories import make_patient
from needlecare.scheduling.models import Appointment, Status
from needlecare.scheduling.services.booking import Booking
from needlecare.scheduling.services.series import book_series, propose_series
from needlecare.scheduling.tests.conftest import london, make_plan
from needlecare.scheduling.tests.test_pages import MONDAY, book

pytestmark = pytest.mark.django_db


def card(appointment) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The headers htmx sends from a calendar card (its target is the card)."""
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"appt-{appointment.pk}"}


PAGE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "appointment-page"}


def snapshot(appointment) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    appointment.refresh_from_db()
    return (
        appointment.starts_at,
        appointment.practitioner_id,
        appointment.status,
        appointment.sequence,
        appointment.cancel_reason,
    )


def changes() -> int:
    return AuditEvent.objects.filter(action__in=["appointment.move", "appointment.cancel"]).count()


def test_the_day_view_offers_move_and_cancel_on_each_card_and_reloads_only_its_grid(cal, signed_in):
    appointment = book(cal, london(MONDAY, 9))
    page = signed_in(cal.front_desk).get(f"/calendar/?date={MONDAY}").content.decode()
    assert f'hx-get="/appointments/{appointment.pk}/move/"' in page
    assert f'hx-get="/appointments/{appointment.pk}/cancel/"' in page
    assert 'hx-trigger="appointments-changed from:body"' in page and 'id="cal"' in page
    assert "needlecare/scheduling.js" in page


def test_a_card_asks_for_its_inline_move_form_and_keep_closes_it(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    answer = client.get(f"/appointments/{appointment.pk}/move/", **card(appointment))
    body = answer.content.decode()
    assert answer.status_code == 200 and body.startswith(
        f'<article class="appt status-booked" id="appt-{appointment.pk}"'
    )
    assert "<html" not in body and f'hx-post="/appointments/{appointment.pk}/move/"' in body
    assert 'value="2026-11-30"' in body and 'value="09:00"' in body
    assert f'id="id_day_{appointment.pk.hex[:8]}"' in body  # two open cards never share an id
    kept = client.get(f"/appointments/{appointment.pk}/", **card(appointment)).content.decode()
    assert kept.startswith("<article") and "hx-post" not in kept.split('class="appt-actions"')[0]
    form = client.get(f"/appointments/{appointment.pk}/cancel/", **card(appointment)).content.decode()
    assert "Reason for cancelling" in form and f'hx-post="/appointments/{appointment.pk}/cancel/"' in form


def test_without_htmx_the_inline_forms_lead_to_the_appointment_page(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    for action in ("move", "cancel"):
        answer = client.get(f"/appointments/{appointment.pk}/{action}/")
        assert answer.status_code == 302 and answer.url == f"/appointments/{appointment.pk}/"


def test_moving_from_a_card_swaps_the_card_and_tells_the_calendar(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    answer = client.post(
        f"/appointments/{appointment.pk}/move/",
        {"day": "2026-12-01", "time": "14:00", "practitioner": cal.owner.pk},
        **card(appointment),
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and body.startswith("<article") and "<html" not in body
    assert "14:00–14:30" in body and "Moved." in body and 'hx-post="/appointments' not in body
    assert answer["HX-Trigger"] == "appointments-changed"
    appointment.refresh_from_db()
    assert appointment.starts_at == london(date(2026, 12, 1), 14) and appointment.practitioner == cal.owner
    assert appointment.sequence == 1 and changes() == 1


def test_a_taken_slot_answers_409_in_the_card_and_moves_nothing(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    book(cal, london(MONDAY, 11), patient=make_patient(cal.clinic, by=cal.owner))
    before = snapshot(appointment)
    answer = client.post(
        f"/appointments/{appointment.pk}/move/",
        {"day": "2026-11-30", "time": "11:00", "practitioner": cal.practitioner.pk},
        **card(appointment),
    )
    body = answer.content.decode()
    assert answer.status_code == 409 and body.startswith("<article") and "<html" not in body
    assert "Slot taken" in body and 'role="alert"' in body
    assert 'value="11:00"' in body  # the form keeps what was typed, to correct it
    assert "HX-Trigger" not in answer
    assert snapshot(appointment) == before and changes() == 0


def test_outside_hours_answers_422_in_the_card_and_moves_nothing(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    before = snapshot(appointment)
    for form in (
        {"day": "2026-11-30", "time": "20:00", "practitioner": cal.practitioner.pk},
        {"day": "2026-11-30", "time": "", "practitioner": cal.practitioner.pk},
        {"day": "9999-12-31", "time": "10:00", "practitioner": cal.practitioner.pk},
    ):
        answer = client.post(f"/appointments/{appointment.pk}/move/", form, **card(appointment))
        body = answer.content.decode()
        assert answer.status_code == 422, form
        assert body.startswith("<article") and "Please correct" in body, form
    assert (
        "Outside working hours"
        in client.post(
            f"/appointments/{appointment.pk}/move/",
            {"day": "2026-11-30", "time": "20:00", "practitioner": cal.practitioner.pk},
            **card(appointment),
        ).content.decode()
    )
    assert snapshot(appointment) == before and changes() == 0


def test_a_session_moved_outside_its_window_needs_a_reason_in_the_card(cal, signed_in):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=2, weeks=(4, 6))
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    booked = book_series(
        clinic=cal.clinic,
        plan=plan,
        bookings=[
            Booking(
                patient=cal.patient,
                practitioner=cal.practitioner,
                type=cal.treatment,
                starts_at=v.slot.starts_at,
                plan=plan,
                session_number=v.number,
            )
            for v in proposal.visits
            if v.number
        ],
        by=cal.front_desk,
    )
    second = booked[1]
    client = signed_in(cal.front_desk)
    assert (
        "Reason (outside the plan"
        in client.get(f"/appointments/{second.pk}/move/", **card(second)).content.decode()
    )
    before = snapshot(second)
    too_soon = {"day": "2026-12-21", "time": "10:00", "practitioner": cal.practitioner.pk}
    refused = client.post(f"/appointments/{second.pk}/move/", too_soon, **card(second))
    assert refused.status_code == 422 and "give a reason" in refused.content.decode()
    assert snapshot(second) == before and changes() == 0
    moved = client.post(
        f"/appointments/{second.pk}/move/", {**too_soon, "reason": "Travelling afterwards"}, **card(second)
    )
    assert moved.status_code == 200
    second.refresh_from_db()
    assert second.move_reason == "Travelling afterwards" and second.starts_at == london(
        date(2026, 12, 21), 10
    )


def test_cancelling_from_a_card_needs_a_reason_then_swaps_the_card(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    before = snapshot(appointment)
    refused = client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "  "}, **card(appointment))
    body = refused.content.decode()
    assert refused.status_code == 422 and body.startswith("<article") and "<html" not in body
    assert "Reason for cancelling" in body and 'role="alert"' in body
    assert snapshot(appointment) == before and changes() == 0
    answer = client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Unwell"}, **card(appointment))
    body = answer.content.decode()
    assert answer.status_code == 200 and 'class="appt status-cancelled"' in body
    assert "the slot is free again" in body and answer["HX-Trigger"] == "appointments-changed"
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED and appointment.cancel_reason == "Unwell"
    # Cancelling it again is refused in place, and changes nothing more.
    again = client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Twice"}, **card(appointment))
    assert again.status_code == 422 and "cannot be cancelled" in again.content.decode()
    appointment.refresh_from_db()
    assert appointment.cancel_reason == "Unwell" and appointment.sequence == 1 and changes() == 1


def test_the_appointment_page_moves_and_cancels_with_htmx_swapping_only_its_body(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert 'hx-target="#appointment-page"' in page and "needlecare/scheduling.js" in page
    before = snapshot(appointment)
    refused = client.post(
        f"/appointments/{appointment.pk}/move/",
        {"day": "2026-11-30", "time": "20:00", "practitioner": cal.practitioner.pk},
        **PAGE,
    )
    body = refused.content.decode()
    assert refused.status_code == 422 and body.startswith('<div id="appointment-page">')
    assert "<html" not in body and "Outside working hours" in body and 'id="id_day"' in body
    assert snapshot(appointment) == before
    moved = client.post(
        f"/appointments/{appointment.pk}/move/",
        {"day": "2026-12-01", "time": "15:00", "practitioner": cal.practitioner.pk},
        **PAGE,
    )
    body = moved.content.decode()
    assert moved.status_code == 200 and body.startswith('<div id="appointment-page">')
    assert "Tue 1 Dec 2026, 15:00" in body and "Moved." in body
    cancelled = client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Unwell"}, **PAGE)
    body = cancelled.content.decode()
    assert cancelled.status_code == 200 and "the slot is free again" in body and "Unwell" in body
    assert Appointment.objects.get().status == Status.CANCELLED and changes() == 2


def test_a_completed_appointment_offers_no_inline_form(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=Status.COMPLETED)
    for action in ("move", "cancel"):
        body = client.get(f"/appointments/{appointment.pk}/{action}/", **card(appointment)).content.decode()
        assert body.startswith("<article") and "<form" not in body, action
    refused = client.post(
        f"/appointments/{appointment.pk}/move/",
        {"day": "2026-12-01", "time": "15:00", "practitioner": cal.practitioner.pk},
        **card(appointment),
    )
    assert refused.status_code == 422 and "cannot be moved" in refused.content.decode()
    assert changes() == 0
