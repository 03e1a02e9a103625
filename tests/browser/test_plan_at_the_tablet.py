"""On a tablet (768 x 1024) in Debian's Chromium: a practitioner plans a series from the protocol's proposal,
takes one zone below the band (the reason field appears, and is required), saves it and activates it.

No page may be wider than the tablet, log a console error or violate the Content-Security-Policy.
"""

from datetime import timedelta

import pytest
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
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.screening.services import screen_patient
from tests.browser.support import chromium, no_horizontal_overflow, screenshot, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "sofia.brandt@plan.clinic"
TABLET = {"width": 768, "height": 1024}


def test_practitioner_plans_a_series_with_a_depth_below_the_band_and_activates_it(live_server):
    clinic = ClinicFactory(name="Planning Clinic")
    practitioner = UserFactory(email=EMAIL, full_name="Sofia Brandt")
    MembershipFactory(user=practitioner, clinic=clinic, role=Role.PRACTITIONER)
    patient = make_patient(clinic, by=practitioner, given_name="Noor", family_name="Haddad")
    make_intake(patient, by=practitioner, fitzpatrick=4)
    screen_patient(patient=patient, by=practitioner, on=clinic_today(clinic) - timedelta(days=2))
    problems: list[str] = []

    with chromium() as browser:
        page = watched_page(browser, problems, **TABLET)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/patients/{patient.pk}/")
        page.locator(".plans-panel").get_by_role("link", name="New plan").click()

        # Skin type IV comes from the intake; choose what to treat and see the protocol's proposal.
        expect(page.get_by_label("Fitzpatrick skin type")).to_have_value("4")
        page.get_by_label("Acne scars").check()
        page.get_by_label("Cheeks").check()
        page.get_by_label("Chin").check()
        assert no_horizontal_overflow(page) <= 0, "the new-plan page is wider than the tablet"
        page.get_by_role("button", name="See the proposal").click()
        expect(page.locator(".proposal")).to_contain_text("sessions")
        reason = page.get_by_label("Cheeks: reason for leaving the protocol's band")
        expect(reason).to_be_hidden()

        # Shallower than the band on the cheeks: the reason appears, and is required.
        page.locator("#id_min_cheeks").fill("0.5")
        expect(reason).to_be_visible()
        expect(page.locator('tr.zone-row[data-zone="cheeks"]')).to_have_class("zone-row outside-band")
        page.locator("#id_min_cheeks").fill("1")
        expect(reason).to_be_hidden()
        page.locator("#id_min_cheeks").fill("0.5")
        reason.fill("Post-inflammatory pigmentation after her last peel: start shallow.")
        assert no_horizontal_overflow(page) <= 0, "the proposal is wider than the tablet"
        screenshot(page, "plan-01-proposal-adjusted")
        page.get_by_role("button", name="Save the plan as a draft").click()

        # The plan: the depth outside the band is highlighted with its reason; then it is activated.
        expect(page.get_by_role("status")).to_contain_text("Plan saved as a draft")
        expect(page.locator("tr.outside-band.reason")).to_contain_text("Post-inflammatory pigmentation")
        expect(page.locator("[data-status]").first).to_have_text("Draft")
        page.get_by_role("button", name="Activate").click()
        expect(page.get_by_role("status")).to_contain_text("Plan activated.")
        expect(page.locator(".status-history")).to_contain_text("Draft → Active")
        assert no_horizontal_overflow(page) <= 0, "the plan page is wider than the tablet"
        screenshot(page, "plan-02-active")

    plan = TreatmentPlan.objects.get(patient=patient)
    assert plan.status == PlanStatus.ACTIVE and plan.fitzpatrick == 4
    cheeks = plan.zones.get(zone="cheeks")
    assert cheeks.outside_band and cheeks.outside_band_reason.startswith("Post-inflammatory")
    assert problems == []
