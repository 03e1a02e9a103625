"""The front desk at a tablet (768 x 1024), in Debian's Chromium: from the patient's page, book the
remaining sessions of the active plan as a series in one step, then check a patient in from the day view
without reloading the page (htmx swaps only the card).

No page may be wider than the tablet, log a console error or violate the Content-Security-Policy.
"""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from needlecare.clinics.models import Role
from needlecare.factories import (
    PASSWORD,
    ClinicFactory,
    MembershipFactory,
    UserFactory,
    make_intake,
    make_patient,
)
from needlecare.scheduling.models import Appointment, Device, Room, Status, WorkingHours
from needlecare.scheduling.selectors import type_by_code
from needlecare.scheduling.tests.conftest import make_plan
from needlecare.screening.services import clinic_today, screen_patient
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
