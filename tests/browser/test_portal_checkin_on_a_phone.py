"""A patient on a 375 px phone: asks for a sign-in link, opens it, reads today's aftercare and answers
the day 1 check-in. No console error, no CSP violation, nothing wider than the screen."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from needlecare.aftercare.sender import send_due_reminders
from needlecare.clinics.models import Role
from needlecare.core.clock import clinic_today
from needlecare.factories import ClinicFactory, MembershipFactory, make_intake, make_patient
from needlecare.screening.services import screen_patient
from needlecare.treatments.services import SessionInput, ZoneEntry, record_treatment
from needlecare.treatments.tests.conftest import sign_consent
from tests.browser.support import chromium, no_horizontal_overflow, screenshot, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_opens_a_magic_link_and_sends_a_check_in_on_a_phone(live_server):
    clinic = ClinicFactory(name="Harbour Skin Clinic", phone="020 7946 0001", email="desk@harbour.test")
    practitioner = MembershipFactory(clinic=clinic, role=Role.PRACTITIONER).user
    patient = make_patient(clinic, by=practitioner, given_name="Amara", email="amara@example.test")
    make_intake(patient, by=practitioner)
    yesterday = clinic_today(clinic) - timedelta(days=1)
    screen_patient(patient=patient, by=practitioner, on=yesterday)
    sign_consent(patient)
    record_treatment(
        patient=patient,
        by=practitioner,
        data=SessionInput(
            performed_on=yesterday, device="pen", device_model="Dermapen 4", device_serial="DP4-9",
            cartridge_id="C-9", cartridge_lot="L-9", cartridge_expiry=date(2099, 1, 1), numbing_agent="none",
            numbing_minutes=0, end_point="erythema", duration_minutes=30, immediate_reaction="expected",
            zones=[ZoneEntry("cheeks", Decimal("1.0"), 2)],
        ),
    )  # fmt: skip
    problems: list[str] = []
    with chromium() as browser:
        page = watched_page(browser, problems, width=375, height=740)
        page.goto(f"{live_server.url}/portal/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Your patient pages")
        page.get_by_label("Your e-mail address").fill("amara@example.test")
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Check your e-mail")
        assert mail.outbox == []  # the request only queued it: the task worker sends the link
        send_due_reminders()
        (email,) = [m for m in mail.outbox if "sign-in link" in m.subject]
        link = re.search(r"http://\S+(/portal/link/\?token=\S+)", email.body).group(1)

        page.goto(live_server.url + link)
        screenshot(page, "portal-01-link")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hello Amara")
        expect(page.locator("main")).to_contain_text("Today's aftercare")
        expect(page.locator("main")).to_contain_text("SPF 30")
        assert no_horizontal_overflow(page) == 0
        screenshot(page, "portal-02-home")

        page.get_by_role("link", name="Answer the day 1 check-in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Day 1 check-in")
        page.get_by_label("Mild, like light sunburn").first.check()
        page.locator("input[name=swelling][value=mild]").check()
        page.get_by_label("Pain or soreness").fill("3")
        for name in ("getting_worse", "warmth", "pus", "fever", "spreading_redness",
                     "blisters_or_cold_sores", "rash_or_itching", "darkening"):  # fmt: skip
            page.locator(f"input[name={name}][value=no]").check()
        assert no_horizontal_overflow(page) == 0
        screenshot(page, "portal-03-checkin")
        page.get_by_role("button", name="Send my check-in").click()
        expect(page.locator("main")).to_contain_text("Your skin is healing as expected")
        assert no_horizontal_overflow(page) == 0
        screenshot(page, "portal-04-reassured")

        # Every other portal page fits the phone too.
        page.get_by_role("link", name="Your aftercare timeline").click()
        expect(page.locator("main")).to_contain_text("Days 1–2")
        for path in ("/portal/", "/portal/health-questions/", "/portal/consent/"):
            page.goto(live_server.url + path)
            assert no_horizontal_overflow(page) == 0, path
        screenshot(page, "portal-05-consent")

        # The link was single use: opening it again does not sign anyone in.
        page.goto(live_server.url + link)
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("main")).to_contain_text("already been used")
    assert [p for p in problems if "410" not in p] == []  # 410: the reused link, as expected
