"""Outcomes on a tablet (768 x 1024) and a phone (375 px), in Debian's Chromium: the practitioner grades a
baseline from a form built from the scale, uploads a baseline and a follow-up photo from the device, sees
the progress chart and the photos (served through the access-checked view), and compares baseline and
latest side by side. No console error, no failed load, no CSP violation, nothing wider than the screen.
"""

import io
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from needlecare.clinics.models import Role
from needlecare.core.clock import clinic_today
from needlecare.factories import PASSWORD, ClinicFactory, MembershipFactory, UserFactory, make_patient
from needlecare.outcomes.models import Assessment, Photo
from tests.browser.support import chromium, no_horizontal_overflow, screenshot, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "priya.natarajan@outcomes.clinic"
TABLET = {"width": 768, "height": 1024}


def photo_bytes(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), colour).save(out, format="JPEG")
    return out.getvalue()


def test_practitioner_grades_uploads_and_compares_on_a_tablet(live_server, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    clinic = ClinicFactory(name="Outcomes Skin Clinic")
    user = UserFactory(email=EMAIL, full_name="Priya Natarajan")
    MembershipFactory(user=user, clinic=clinic, role=Role.PRACTITIONER)
    patient = make_patient(clinic, by=user, given_name="Grace", family_name="Okafor")
    today = clinic_today(clinic)
    problems: list[str] = []

    with chromium() as browser:
        page = watched_page(browser, problems, **TABLET)
        # The test database is SQLite in memory, one connection shared by the live server's threads: let
        # the photos (which the browser fetches in parallel) through one at a time. Playwright runs these
        # handlers one after another on this thread.
        page.route("**/photos/*/*", lambda route: route.fulfill(response=route.fetch()))
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        # A baseline on the wrinkle scale: the choices come from the scale's definition.
        page.goto(f"{live_server.url}/patients/{patient.pk}/assessments/new/")
        page.get_by_role("link", name="Wrinkle Severity Rating Scale").click()
        page.get_by_label("4 · Severe").check()
        page.get_by_label("Date").fill((today - timedelta(days=120)).isoformat())
        page.get_by_label("Zone").select_option("periorbital")
        page.get_by_label("Indication").select_option("fine_lines")
        page.get_by_label("Baseline (before the first session)").check()
        assert no_horizontal_overflow(page) == 0
        screenshot(page, "outcomes-01-assessment-form")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".messages")).to_contain_text("Wrinkle Severity Rating Scale recorded")

        # A follow-up, better by two grades.
        page.goto(f"{live_server.url}/patients/{patient.pk}/assessments/new/?scale=wrinkle_severity")
        page.get_by_label("2 · Mild").check()
        page.get_by_label("Zone").select_option("periorbital")
        page.get_by_label("Indication").select_option("fine_lines")
        page.get_by_role("button", name="Save").click()
        assert Assessment.objects.filter(patient=patient).count() == 2

        # Two photos of the same view and zone, as a tablet camera would send them.
        for days_ago, colour in ((120, (200, 150, 140)), (0, (210, 170, 160))):
            page.goto(f"{live_server.url}/patients/{patient.pk}/photos/new/")
            page.locator("input[type=file]").set_input_files(
                files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(colour)}]
            )
            page.get_by_label("Oblique left").check()
            page.get_by_label("Zone").select_option("periorbital")
            page.get_by_label("Taken on").fill((today - timedelta(days=days_ago)).isoformat())
            page.get_by_role("button", name="Upload").click()
            expect(page.locator(".photo-full img")).to_be_visible()
            # The image arrives after the page: wait for it to load (or fail) before measuring it.
            page.wait_for_function("() => document.querySelector('.photo-full img').complete")
            assert page.locator(".photo-full img").evaluate("img => img.naturalWidth") == 300
        assert Photo.objects.filter(patient=patient).count() == 2

        # The progress chart, with better up, and the photos as thumbnails.
        page.goto(f"{live_server.url}/patients/{patient.pk}/outcomes/")
        chart = page.locator("svg.progress-chart")
        expect(chart).to_have_count(1)
        expect(chart).to_be_visible()
        expect(chart.locator("circle.score")).to_have_count(2)
        expect(page.locator("figcaption")).to_contain_text("+2 since baseline")
        expect(page.locator("#forecast")).to_be_visible()
        all_loaded = "() => [...document.querySelectorAll('.photo-grid img')].every(i => i.complete)"
        page.wait_for_function(all_loaded)
        for img in page.locator(".photo-grid img").all():
            assert img.evaluate("img => img.complete && img.naturalWidth > 0")
        assert no_horizontal_overflow(page) == 0
        screenshot(page, "outcomes-02-progress")

        page.get_by_role("link", name="Compare photos").click()
        expect(page.locator(".compare figure")).to_have_count(2)
        expect(page.locator(".compare")).to_contain_text("Baseline")
        screenshot(page, "outcomes-03-compare")

        # On a phone, the upload form still fits the screen.
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(f"{live_server.url}/patients/{patient.pk}/photos/new/")
        assert no_horizontal_overflow(page) == 0
        screenshot(page, "outcomes-04-phone-upload")

    assert problems == []
