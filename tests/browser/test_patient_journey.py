"""A clinic owner's first patient, in Debian's Chromium: sign in, register, intake, search, read back.

Every page must load without a console error and without a Content-Security-Policy violation (the site
allows no inline script and no inline style). A screenshot of each step goes to artifacts/.
"""

import pytest
from playwright.sync_api import Page, expect

from needlecare.clinics.models import Role
from needlecare.testing.factories import PASSWORD, ClinicFactory, MembershipFactory, UserFactory, make_patient
from tests.browser.support import ARTIFACTS

EMAIL = "olivia.marsh@journey.clinic"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"patient-journey-{name}.png"), full_page=True)


def answer_to(page: Page, question: str):  # type: ignore[no-untyped-def]
    return page.locator("table.answers tr", has_text=question).locator("td").last


def test_owner_registers_a_patient_fills_in_intake_and_finds_them_again(live_server, open_page, problems):
    clinic = ClinicFactory(name="Journey Skin Clinic")
    owner = UserFactory(email=EMAIL, full_name="Olivia Marsh")
    MembershipFactory(user=owner, clinic=clinic, role=Role.OWNER)
    make_patient(clinic, by=owner, given_name="Ben", family_name="Brennan")
    make_patient(clinic, by=owner, given_name="Chloe", family_name="Nguyen")
    page = open_page()

    # Signing in through the real form, after being sent there from a private page.
    page.goto(f"{live_server.url}/patients/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/patients/")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    shot(page, "01-login")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/patients/")
    expect(page.locator("header")).to_contain_text("Journey Skin Clinic")
    expect(page.locator("#results")).to_contain_text("2 patients")
    shot(page, "02-patient-list")

    # A new patient.
    page.get_by_role("link", name="New patient").click()
    expect(page).to_have_url(f"{live_server.url}/patients/new/")
    page.get_by_label("Given name").fill("Amara")
    page.get_by_label("Family name").fill("Okafor")
    page.get_by_label("Date of birth").fill("1984-03-02")
    page.get_by_label("Sex").select_option("female")
    page.locator("#id_email").fill("amara.okafor@example.com")
    page.get_by_label("Phone").fill("07700 900123")
    shot(page, "03-new-patient")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("status")).to_contain_text("Amara Okafor was added.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")
    patient_url = page.url
    assert patient_url.startswith(f"{live_server.url}/patients/")

    # The intake, with a yes, a no, an unknown, a choice, a date and a list.
    page.get_by_role("link", name="Fill in intake").click()
    expect(page).to_have_url(f"{patient_url}intake/new/")
    expect(page.locator("#id_date_of_birth")).to_have_value("1984-03-02")  # pre-filled from the patient
    page.locator("#id_fitzpatrick").select_option("4")
    page.locator("#id_pregnant_or_breastfeeding").select_option("no")
    page.locator("#id_herpes_simplex_history").select_option("yes")
    page.locator("#id_keloid_history").select_option("unknown")  # asked; nobody knows
    page.locator("#id_anticoagulant").select_option("antiplatelet")
    isotretinoin = page.locator("#id_isotretinoin_last_dose")
    expect(isotretinoin).to_be_hidden()  # shown only once "on the date below" is chosen
    page.locator("#id_isotretinoin_last_dose__state").select_option("date")
    expect(isotretinoin).to_be_visible()
    isotretinoin.fill("2025-03-14")
    page.locator("#id_neurotoxin_last_date__state").select_option("unknown")
    page.locator("#id_topical_retinoid_last_use__state").select_option("never")  # "never" is an answer
    expect(page.locator("#id_topical_retinoid_last_use")).to_be_hidden()
    page.locator("#id_allergies").fill("lidocaine\nnickel")
    shot(page, "04-intake-form")
    page.get_by_role("button", name="Save intake").click()
    expect(page).to_have_url(patient_url)
    expect(page.get_by_role("status")).to_contain_text("Intake saved as version 1.")
    shot(page, "05-patient-after-intake")

    # Finding the patient again: the search box asks htmx for the results, without a page load.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page.locator("#results")).to_contain_text("3 patients")
    page.evaluate("window.samePage = true")
    page.locator("#q").fill("okaf")
    results = page.locator("#results")
    expect(results).to_contain_text("1 patient matching “okaf”")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Okafor, Amara")
    expect(results).not_to_contain_text("Brennan")
    expect(page).to_have_url(f"{live_server.url}/patients/?q=okaf")  # hx-push-url keeps it linkable
    assert page.evaluate("window.samePage") is True, "the search reloaded the page instead of using htmx"
    shot(page, "06-search")

    # The patient page shows what was entered, and flags what needs attention.
    results.get_by_role("link", name="Okafor, Amara").click()
    expect(page).to_have_url(patient_url)
    expect(answer_to(page, "Date of birth")).to_have_text("2 Mar 1984")
    expect(answer_to(page, "Fitzpatrick skin type")).to_have_text("Type IV")
    expect(answer_to(page, "Pregnant or breastfeeding?")).to_have_text("No")
    expect(answer_to(page, "Ever had cold sores")).to_have_text("Yes")
    expect(answer_to(page, "keloid")).to_have_text("unknown — confirm with the patient")
    expect(answer_to(page, "Taking blood thinners?")).to_contain_text("Antiplatelet")
    expect(answer_to(page, "isotretinoin")).to_have_text("14 Mar 2025")
    expect(answer_to(page, "botulinum toxin")).to_have_text("unknown — confirm with the patient")
    expect(answer_to(page, "Last dermal filler")).to_have_text("not asked")
    expect(answer_to(page, "topical retinoid")).to_have_text("Never")
    expect(answer_to(page, "Allergies")).to_have_text("lidocaine, nickel")
    expect(page.locator("table.answers tr.flag", has_text="keloid")).to_have_count(1)
    expect(page.locator(".timeline")).to_contain_text("Intake version 1")
    shot(page, "07-patient")

    # The same page on a tablet: nothing wider than the screen.
    page.set_viewport_size({"width": 768, "height": 1024})
    page.reload()
    expect(answer_to(page, "Fitzpatrick skin type")).to_have_text("Type IV")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the patient page is {overflow} px wider than a 768 px tablet"
    shot(page, "08-patient-tablet")

    assert problems == []


def test_wrong_password_shows_an_error_and_keeps_the_email(live_server, open_page, problems):
    clinic = ClinicFactory()
    MembershipFactory(user=UserFactory(email=EMAIL), clinic=clinic, role=Role.OWNER)
    page = open_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct email and password")
    expect(page.get_by_label("E-mail")).to_have_value(EMAIL)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    shot(page, "wrong-password")

    assert problems == []
