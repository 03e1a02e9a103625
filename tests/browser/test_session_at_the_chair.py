"""Beside the treatment chair, on a tablet (768 x 1024), in Debian's Chromium: the patient signs consent
with a finger (typed name and a drawn signature), then the practitioner records the session from a form
that the plan pre-fills, checks the summary and saves it.

No page may be wider than the tablet, log a console error or violate the Content-Security-Policy.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from needlecare.clinics.models import Role
from needlecare.consent.models import ConsentSignature
from needlecare.core.clock import clinic_today
from needlecare.factories import (
    PASSWORD,
    ClinicFactory,
    MembershipFactory,
    UserFactory,
    make_intake,
    make_patient,
)
from needlecare.screening.services import screen_patient
from needlecare.treatments.models import Treatment
from needlecare.treatments.tests.conftest import active_plan
from tests.browser.support import chromium, no_horizontal_overflow, screenshot, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "nadia.rahman@chair.clinic"
TABLET = {"width": 768, "height": 1024}


def draw_signature(page: Page) -> None:
    """Two strokes with the pointer, as a finger would."""
    box = page.locator("[data-signature-canvas]").bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in ([(0.1, 0.6), (0.2, 0.3), (0.3, 0.7), (0.4, 0.35)], [(0.5, 0.5), (0.7, 0.4), (0.85, 0.6)]):
        page.mouse.move(x + w * stroke[0][0], y + h * stroke[0][1])
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x + w * fx, y + h * fy, steps=6)
        page.mouse.up()


def fits(page: Page, what: str) -> None:
    overflow = no_horizontal_overflow(page)
    assert overflow <= 0, f"{what} is {overflow} px wider than a 768 px tablet"


def test_patient_signs_consent_on_the_tablet_and_the_practitioner_records_the_session(live_server):
    clinic = ClinicFactory(name="Chairside Clinic")
    practitioner = UserFactory(email=EMAIL, full_name="Nadia Rahman")
    MembershipFactory(user=practitioner, clinic=clinic, role=Role.PRACTITIONER)
    patient = make_patient(clinic, by=practitioner, given_name="Iris", family_name="Calloway")
    make_intake(patient, by=practitioner)
    today = clinic_today(clinic)
    screen_patient(patient=patient, by=practitioner, on=today - timedelta(days=3))
    active_plan(patient, practitioner)  # cheeks, 1.0-1.5 mm, pen
    problems: list[str] = []

    with chromium() as browser:
        page = watched_page(browser, problems, **TABLET)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/patients/{patient.pk}/")
        expect(page.locator(".consent-panel")).to_contain_text("No signed consent.")
        fits(page, "the patient page")

        # Consent: the patient reads, answers the photo question, types their name and signs.
        page.get_by_role("link", name="Sign consent on the tablet").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Consent to microneedling")
        expect(page.get_by_label("Consent text")).to_contain_text("The results are not permanent")
        fits(page, "the consent page")
        page.get_by_role("button", name="Sign consent").click()  # nothing drawn yet
        expect(page.locator(".consent-sign")).to_contain_text("Please sign in the box.")
        assert len(problems) == 2 and all("422" in p for p in problems)  # the refusal, as intended
        problems.clear()
        page.get_by_label("No, I do not agree").check()
        page.get_by_label("Your full name").fill("Iris Calloway")
        draw_signature(page)
        assert page.locator("#id_signature").input_value().startswith("M")
        screenshot(page, "chair-01-consent-signed")
        page.get_by_role("button", name="Sign consent").click()
        expect(page.get_by_role("status")).to_contain_text("Consent signed (version 1).")
        expect(page.locator(".consent-document")).to_contain_text("In force")
        expect(page.locator(".signature-svg path")).to_have_count(1)
        signature = ConsentSignature.objects.get(patient=patient)
        assert signature.signed_name == "Iris Calloway" and signature.photo_use is False
        assert signature.signature_svg.count("M") == 2 and signature.signature_svg.count("L") >= 5
        assert signature.witnessed_by == practitioner
        fits(page, "the signed consent")
        screenshot(page, "chair-02-consent-document")

        # The session: pre-filled from the plan; the practitioner adds what is in their hand.
        page.goto(f"{live_server.url}/patients/{patient.pk}/")
        expect(page.locator(".consent-panel")).to_contain_text("Signed")
        page.get_by_role("link", name="Record a session").click()
        expect(page.locator("#id_device")).to_have_value("pen")
        expect(page.locator("#id_zones-0-zone")).to_have_value("cheeks")
        fits(page, "the session form")
        page.get_by_label("Device model").fill("Dermapen 4")
        page.get_by_label("Device serial number").fill("DP4-22871")
        page.get_by_label("Cartridge id").fill("CART-0001")
        page.get_by_label("Cartridge lot").fill("LOT-2026-11A")
        page.get_by_label("Cartridge expiry").fill("2028-06-30")
        page.locator("#id_numbing_agent").select_option(index=1)
        page.get_by_label("Numbing minutes").fill("30")
        page.locator("#id_zones-0-depth_mm").fill("1.25")
        page.locator("#id_zones-0-passes").fill("3")
        page.get_by_label("Duration (minutes)").fill("45")
        screenshot(page, "chair-03-session-form")
        page.get_by_role("button", name="Check the summary").click()

        # The summary the practitioner checks before saving.
        expect(page.get_by_role("heading", level=1)).to_have_text("Check before saving")
        expect(page.locator(".zone-summary")).to_contain_text("1.25 mm")
        expect(page.locator(".summary")).to_contain_text("LOT-2026-11A")
        fits(page, "the session summary")
        screenshot(page, "chair-04-summary")
        assert not Treatment.objects.exists()  # nothing is saved before the check
        page.get_by_role("button", name="Save session").click()
        expect(page.get_by_role("status")).to_contain_text("saved")
        fits(page, "the session record")
        screenshot(page, "chair-05-session")

    session = Treatment.objects.get(patient=patient)
    assert session.cartridge.lot == "LOT-2026-11A" and session.practitioner == practitioner
    assert [(z.zone, str(z.depth_mm), z.passes) for z in session.zones.all()] == [("cheeks", "1.25", 3)]
    assert problems == []
