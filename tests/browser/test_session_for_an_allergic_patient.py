"""Beside the chair, on a tablet (768 x 1024), in Debian's Chromium: a patient treated with
lidocaine/tetracaine last month has since reported a Xylocaine (lidocaine) allergy. The session form does
not carry the agent over, shows the allergy and the screening's precautions, takes the device from the
booked appointment, refuses lidocaine/tetracaine without a reason, and saves it with one.

No page may be wider than the tablet, log a console error or violate the Content-Security-Policy.
"""

from datetime import time, timedelta
from decimal import Decimal

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
from needlecare.scheduling.models import Appointment, Device
from needlecare.scheduling.selectors import at_local, type_by_code
from needlecare.scheduling.services.setup import ensure_default_types
from needlecare.screening.services import screen_patient
from needlecare.treatments.models import Treatment
from needlecare.treatments.services import SessionInput, ZoneEntry, record_treatment
from needlecare.treatments.tests.conftest import active_plan, sign_consent
from tests.browser.support import chromium, no_horizontal_overflow, screenshot, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "lena.ortiz@chair.clinic"
TABLET = {"width": 768, "height": 1024}


def test_the_allergic_patients_session_refuses_lidocaine_until_the_practitioner_says_why(live_server):
    clinic = ClinicFactory(name="Allergy Aware Clinic", phone="020 7946 0777")
    practitioner = UserFactory(email=EMAIL, full_name="Lena Ortiz")
    MembershipFactory(user=practitioner, clinic=clinic, role=Role.PRACTITIONER)
    patient = make_patient(clinic, by=practitioner, given_name="Ruth", family_name="Okafor")
    today = clinic_today(clinic)
    make_intake(patient, by=practitioner)
    screen_patient(patient=patient, by=practitioner, on=today - timedelta(days=29))
    sign_consent(patient)
    plan = active_plan(patient, practitioner)  # cheeks, 1.0-1.5 mm, pen
    record_treatment(
        patient=patient,
        by=practitioner,
        data=SessionInput(
            performed_on=today - timedelta(days=28),
            plan=plan,
            device="pen",
            device_model="Old Pen",
            device_serial="OLD-1",
            cartridge_id="C-OLD",
            cartridge_lot="LOT-OLD",
            cartridge_expiry=today + timedelta(days=365),
            numbing_agent="lido_tetra",
            numbing_minutes=30,
            end_point="erythema",
            duration_minutes=40,
            immediate_reaction="expected",
            zones=[ZoneEntry("cheeks", Decimal("1.25"), 3)],
        ),
    )
    make_intake(patient, by=practitioner, allergies=["Xylocaine (swelling at the dentist)"])
    screen_patient(patient=patient, by=practitioner, on=today)
    ensure_default_types(clinic)
    device = Device.objects.create(clinic=clinic, name="SkinPen Precision", kind="pen", serial="SP-2026-9")
    starts = at_local(clinic, today, time(9))
    Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        type=type_by_code(clinic, "treatment"),
        device=device,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status="checked_in",
    )
    problems: list[str] = []

    with chromium() as browser:
        page = watched_page(browser, problems, **TABLET)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")

        # The allergy and the screening's precautions are on the form; the agent is not carried over,
        # and the device is the one booked for this visit.
        caution = page.locator("[data-caution]")
        expect(caution).to_contain_text("Anaesthetic allergy: lidocaine.")
        expect(caution).to_contain_text("Xylocaine")  # a brand name, read as its ingredient
        expect(page.locator("#id_numbing_agent")).to_have_value("")
        expect(page.get_by_label("Device model")).to_have_value("SkinPen Precision")
        expect(page.get_by_label("Device serial number")).to_have_value("SP-2026-9")
        assert no_horizontal_overflow(page) <= 0
        screenshot(page, "allergy-01-form")

        page.get_by_label("Cartridge id").fill("CART-7001")
        page.get_by_label("Cartridge lot").fill("LOT-2026-12A")
        page.get_by_label("Cartridge expiry").fill("2028-06-30")
        page.locator("#id_numbing_agent").select_option("lido_tetra")
        page.get_by_label("Duration (minutes)").fill("45")
        page.get_by_role("button", name="Check the summary").click()

        # Refused, saying why; nothing written.
        expect(page.get_by_role("alert")).to_contain_text("allergic to lidocaine")
        expect(page.get_by_role("alert")).to_contain_text("Lidocaine/tetracaine 7%/7% contains lidocaine")
        assert Treatment.objects.filter(patient=patient).count() == 1
        assert problems and all("422" in p for p in problems)  # the refusal, as intended
        problems.clear()
        screenshot(page, "allergy-02-refused")

        # With the reason written, the summary shows the warning and the session saves.
        page.get_by_label("Reason for using this agent despite the allergy").fill(
            "Allergist patch test 2 Nov 2026: lidocaine negative; swelling was from adrenaline."
        )
        page.get_by_role("button", name="Check the summary").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check before saving")
        expect(page.locator(".message.warning").first).to_contain_text("Anaesthetic allergy (lidocaine)")
        expect(page.locator(".summary")).to_contain_text("Allergist patch test")
        assert no_horizontal_overflow(page) <= 0
        screenshot(page, "allergy-03-summary")
        page.get_by_role("button", name="Save session").click()
        expect(page.get_by_role("status")).to_contain_text("saved")

    session = Treatment.objects.get(patient=patient, performed_on=today)
    assert session.numbing_agent == "lido_tetra" and session.numbing_reason.startswith("Allergist patch test")
    assert (session.device_model, session.device_serial) == ("SkinPen Precision", "SP-2026-9")
    assert problems == []
