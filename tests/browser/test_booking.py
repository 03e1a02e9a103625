"""The front desk at a tablet (768 x 1024), in Debian's Chromium: from the patient's page, book the
remaining sessions of the active plan as a series in one step, then check a patient in from the day view
without reloading the page (htmx swaps only the card). From the day view too, move one appointment and
cancel another with a reason, through inline forms in their cards, again without a page reload.

No page may be wider than the tablet, log a console error or violate the Content-Security-Policy.
"""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from needlecare.clinics.models import Role
from needlecare.core.clock import clinic_today
from needlecare.factories import (
    PASSWORD,
    ClinicFactory,
    MembershipFactory,
    UserFactory,
    make_intake,
    make_patient,
)
from needlecare.scheduling.models import Appointment, Device, Room, Status, WorkingHours
from needlecare.scheduling.selectors import at_local, type_by_code
from needlecare.scheduling.tests.conftest import make_plan
from needlecare.screening.services import screen_patient
from tests.browser.support import chromium, no_horizontal_overflow, screenshot, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "frankie.doyle@desk.clinic"
TABLET = {"width": 768, "height": 1024}
WIDER_THAN_WINDOW = (
    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth)"
    ".slice(0, 8).map(e => e.tagName + '.' + e.className)"
)


def fits(page, what: str) -> None:  # type: ignore[no-untyped-def]
    overflow = no_horizontal_overflow(page)
    if overflow > 0:  # name the culprits, to save a screenshot hunt
        print(page.evaluate(WIDER_THAN_WINDOW))
    assert overflow <= 0, f"{what} is {overflow} px wider than a 768 px tablet"


def test_front_desk_books_a_series_from_the_plan_and_checks_a_patient_in(live_server):
    clinic = ClinicFactory(name="Series Skin Clinic")
    desk = UserFactory(email=EMAIL, full_name="Frankie Doyle")
    MembershipFactory(user=desk, clinic=clinic, role=Role.FRONT_DESK)
    practitioner = UserFactory(email="priya@desk.clinic", full_name="Priya Natarajan")
    MembershipFactory(user=practitioner, clinic=clinic, role=Role.PRACTITIONER)
    for weekday in range(7):  # every day, so the test does not depend on the day it runs
        WorkingHours.objects.create(
            clinic=clinic, practitioner=practitioner, weekday=weekday, starts=time(7), ends=time(21)
        )
    Room.objects.create(clinic=clinic, name="Room 1")
    Device.objects.create(clinic=clinic, name="Pen A")
    patient = make_patient(clinic, by=desk, given_name="Iris", family_name="Calloway")
    make_intake(patient, by=practitioner)
    today = clinic_today(clinic)
    screen_patient(patient=patient, by=practitioner, on=today)
    plan = make_plan(patient, practitioner, start=today + timedelta(days=7), sessions=3)
    walk_in = make_patient(clinic, by=desk, given_name="Ben", family_name="Brennan")
    now = timezone.now()
    waiting = Appointment.objects.create(
        clinic=clinic,
        patient=walk_in,
        practitioner=practitioner,
        type=type_by_code(clinic, "consultation"),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(minutes=29),
    )
    problems: list[str] = []

    with chromium() as browser:
        page = watched_page(browser, problems, **TABLET)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        page.goto(f"{live_server.url}/patients/{patient.pk}/")
        panel = page.locator(".appointments-panel")
        expect(panel).to_contain_text("Nothing booked.")
        panel.get_by_role("link", name="Book").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Appointments")
        fits(page, "the patient's appointments")
        screenshot(page, "booking-01-patient-appointments")

        page.get_by_role("link", name="Book the sessions").click()
        rows = page.locator("table.series tbody tr")
        expect(rows).to_have_count(4)  # three sessions and the maintenance visit
        expect(rows.first).to_contain_text("Session 1")
        expect(page.get_by_label("Session 1 day")).to_have_value((today + timedelta(days=7)).isoformat())
        fits(page, "the series proposal")
        screenshot(page, "booking-02-series-proposal")
        page.get_by_role("button", name="Book these visits").click()

        expect(page.get_by_role("status")).to_contain_text("Booked 4 visits of the plan.")
        expect(page.locator("table tbody tr", has_text="session 3")).to_have_count(1)
        fits(page, "the booked series")
        screenshot(page, "booking-03-series-booked")
        assert Appointment.objects.filter(plan=plan, status=Status.BOOKED).count() == 4

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
        card = page.locator(f"#appt-{waiting.pk}")
        expect(card).to_contain_text("Ben Brennan")
        page.evaluate("window.stillTheSamePage = true")
        card.get_by_role("button", name="Check in").click()
        expect(page.locator(f"#appt-{waiting.pk}")).to_contain_text("Checked in")
        assert page.evaluate("window.stillTheSamePage") is True  # no full reload
        fits(page, "the day view")
        screenshot(page, "booking-04-day-view-checked-in")

    waiting.refresh_from_db()
    assert waiting.status == Status.CHECKED_IN
    assert problems == []


def test_front_desk_moves_and_cancels_from_the_day_view_without_a_reload(live_server):
    clinic = ClinicFactory(name="Moves Skin Clinic")
    desk = UserFactory(email=EMAIL, full_name="Frankie Doyle")
    MembershipFactory(user=desk, clinic=clinic, role=Role.FRONT_DESK)
    practitioner = UserFactory(email="priya@desk.clinic", full_name="Priya Natarajan")
    MembershipFactory(user=practitioner, clinic=clinic, role=Role.PRACTITIONER)
    for weekday in range(7):
        WorkingHours.objects.create(
            clinic=clinic, practitioner=practitioner, weekday=weekday, starts=time(9), ends=time(17)
        )
    tomorrow = clinic_today(clinic) + timedelta(days=1)  # whatever the hour the test runs at
    consultation = type_by_code(clinic, "consultation")

    def appointment_at(hour: int, given_name: str) -> Appointment:
        starts_at = at_local(clinic, tomorrow, time(hour))
        return Appointment.objects.create(
            clinic=clinic,
            patient=make_patient(clinic, by=desk, given_name=given_name, family_name="Quinn"),
            practitioner=practitioner,
            type=consultation,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
        )

    moving, leaving = appointment_at(10, "Mara"), appointment_at(11, "Leo")
    problems: list[str] = []

    with chromium() as browser:
        page = watched_page(browser, problems, **TABLET)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/calendar/?date={tomorrow.isoformat()}")
        expect(page.locator(f"#appt-{moving.pk}")).to_contain_text("Mara Quinn")
        page.evaluate("window.samePage = true")

        # Move: the card opens its own form; a taken time is refused in place (409), then a free one works.
        card = page.locator(f"#appt-{moving.pk}")
        card.get_by_role("link", name="Move", exact=True).click()
        card.get_by_label("Time").fill("11:00")
        card.get_by_role("button", name="Move", exact=True).click()
        expect(card.get_by_role("alert")).to_contain_text("Slot taken")
        fits(page, "the day view with a refused move")
        screenshot(page, "booking-05-move-refused-in-the-card")
        card.get_by_label("Time").fill("15:00")
        card.get_by_role("button", name="Move", exact=True).click()
        # The grid reloads: the card sits at its new time and 10:00 is free again.
        expect(page.locator(f"#appt-{moving.pk} .appt-time")).to_have_text("15:00–15:30")
        expect(page.locator("a.free", has_text="10:00 free")).to_have_count(1)

        # Cancel another, with a reason.
        card = page.locator(f"#appt-{leaving.pk}")
        card.get_by_role("link", name="Cancel", exact=True).click()
        card.get_by_label("Reason for cancelling").fill("Unwell, will call to rebook")
        card.get_by_role("button", name="Cancel appointment").click()
        expect(page.locator(f"#appt-{leaving.pk} .appt-badge")).to_have_text("Cancelled")
        expect(page.locator("a.free", has_text="11:00 free")).to_have_count(1)
        assert page.evaluate("window.samePage") is True, "moving or cancelling reloaded the whole page"
        fits(page, "the day view after a move and a cancellation")
        screenshot(page, "booking-06-moved-and-cancelled")

        # The week view offers the same inline form; "Keep" closes it again.
        page.goto(f"{live_server.url}/calendar/?view=week&date={tomorrow.isoformat()}")
        card = page.locator(f"#appt-{moving.pk}")
        card.get_by_role("link", name="Move", exact=True).click()
        expect(card.get_by_label("Time")).to_have_value("15:00")
        fits(page, "the week view with an open move form")
        card.get_by_role("link", name="Keep").click()
        expect(card.get_by_role("link", name="Move", exact=True)).to_be_visible()

        # On the appointment page the move form posts with htmx too and swaps only the page's body.
        page.goto(f"{live_server.url}/appointments/{moving.pk}/")
        page.evaluate("window.samePage = true")
        page.locator("#id_time").fill("16:00")
        page.get_by_role("button", name="Move", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("16:00")
        expect(page.locator("#appointment-page").get_by_role("status")).to_contain_text("Moved.")
        assert page.evaluate("window.samePage") is True, "the appointment page reloaded to move"

    moving.refresh_from_db()
    leaving.refresh_from_db()
    assert moving.starts_at == at_local(clinic, tomorrow, time(16)) and moving.status == Status.BOOKED
    assert leaving.status == Status.CANCELLED and leaving.cancel_reason == "Unwell, will call to rebook"
    # The one refused move answered 409 on purpose (the browser logs that as a failed load); nothing else.
    refused = [p for p in problems if "409" in p]
    assert len(refused) >= 1 and all(
        f"/appointments/{moving.pk}/move/" in p or "409 (Conflict)" in p for p in refused
    )
    assert [p for p in problems if p not in refused] == []
