"""The clinic's phone wherever a patient is told to call (issue 13 §4): a clinic cannot be created or
saved in its settings without one; it is a `tel:` link on the warning-sign screen, the portal, the
aftercare sheet and the e-mails, and in the text messages; a clinic from before (no phone) shows its
staff "no phone set" on every page."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from needlecare.aftercare import sender
from needlecare.aftercare.sms import LocmemBackend
from needlecare.clinics.models import Clinic, tel_uri
from needlecare.portal.tests.test_portal import NORMAL, pdf_streams, sign_in_as
from needlecare.testing.treatments import record_session

pytestmark = pytest.mark.django_db

TEL = 'href="tel:02079460000"'


def test_a_clinic_cannot_be_created_without_a_phone_number():
    with pytest.raises(ValidationError, match="telephone number"):
        Clinic.objects.create(name="No Phone Clinic", slug="no-phone")
    assert not Clinic.objects.filter(slug="no-phone").exists()


@pytest.mark.parametrize("phone", ["", "call us", "12", "+44 20 7946 0000 ext 5", "1" * 16])
def test_a_missing_or_malformed_phone_is_refused_by_the_model(world_a, phone):
    world_a.clinic.phone = phone
    with pytest.raises(ValidationError) as error:
        world_a.clinic.full_clean()
    assert "phone" in error.value.message_dict


@pytest.mark.parametrize(
    ("phone", "uri"),
    [("020 7946 0000", "tel:02079460000"), ("+44 (20) 7946-0000", "tel:+442079460000"), ("", "")],
)
def test_the_tel_link_keeps_the_plus_and_the_digits(phone, uri):
    assert tel_uri(phone) == uri


def test_the_settings_form_requires_a_phone_and_saves_a_good_one(client, world_a):
    client.force_login(world_a.owner)
    data = {"name": world_a.clinic.name, "timezone": "Europe/London", "email": "", "phone": ""}
    refused = client.post("/clinic/settings/", data)
    assert refused.status_code == 422 and "This field is required" in refused.content.decode()
    world_a.clinic.refresh_from_db()
    before = world_a.clinic.phone
    assert client.post("/clinic/settings/", {**data, "phone": "not a number"}).status_code == 422
    world_a.clinic.refresh_from_db()
    assert world_a.clinic.phone == before
    saved = client.post("/clinic/settings/", {**data, "phone": "+44 20 7946 0111"})
    assert saved.status_code == 302
    world_a.clinic.refresh_from_db()
    assert world_a.clinic.phone == "+44 20 7946 0111"


def test_a_clinic_from_before_without_a_phone_shows_its_staff_no_phone_set(client, world_a):
    Clinic.objects.filter(pk=world_a.clinic.pk).update(phone="")  # a row from before phones were required
    client.force_login(world_a.owner)
    page = client.get("/patients/").content.decode()
    assert "No phone set for" in page and 'href="/clinic/settings/"' in page
    client.force_login(world_a.front_desk)
    assert "Ask the clinic's owner to set it." in client.get("/patients/").content.decode()
    Clinic.objects.filter(pk=world_a.clinic.pk).update(phone="020 7946 0000")
    assert "No phone set" not in client.get("/patients/").content.decode()


def test_the_warning_sign_screen_gives_the_number_as_a_tel_link(client, ready, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-28 12:00Z")  # day 3
    sign_in_as(client, ready.patient)
    page = client.post(f"/portal/sessions/{session.pk}/check-in/", {**NORMAL, "pus": "yes"}).content.decode()
    assert "Please call the clinic now" in page
    assert (
        '<a href="tel:02079460000" class="tel">020 7946 0000</a>'
        in page.split("Please call the clinic now")[1]
    )


def test_every_portal_page_that_says_call_has_the_tel_link(client, ready, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-26 12:00Z")  # day 1: a step with "call the clinic if"
    sign_in_as(client, ready.patient)
    home = client.get("/portal/").content.decode()
    assert home.count(TEL) >= 2  # "Call us on ... if:" and the footer
    timeline = client.get(f"/portal/sessions/{session.pk}/").content.decode()
    assert "Call the clinic on" in timeline and TEL in timeline
    frozen.move_to("2026-12-15 12:00Z")  # day 20: check-ins closed
    sign_in_as(client, ready.patient)
    closed = client.get(f"/portal/sessions/{session.pk}/check-in/").content.decode()
    assert "If you are worried about your skin, call" in closed and TEL in closed


def test_the_aftercare_sheet_carries_the_number_and_a_tel_link(client, ready, frozen):
    session = record_session(ready)
    sign_in_as(client, ready.patient)
    pdf = client.get(f"/portal/sessions/{session.pk}/aftercare.pdf").content
    assert b"tel:02079460000" in pdf + pdf_streams(pdf)


def test_the_aftercare_email_gives_the_number_and_a_tel_link(ready, frozen):
    record_session(ready)
    frozen.move_to("2026-11-26 09:00:30Z")
    sender.send_due_reminders(worker="w1")
    email = next(m for m in mail.outbox if "day 1" in m.subject)
    assert f"Call {ready.clinic.name} on 020 7946 0000." in email.body
    html, _ = email.alternatives[0]
    assert TEL in html


def test_the_aftercare_text_message_gives_the_number(ready, frozen, settings):
    settings.SMS_BACKEND = "needlecare.aftercare.sms.LocmemBackend"
    LocmemBackend.outbox = []
    ready.patient.email = ""  # no e-mail address: reminders go by text
    ready.patient.save()
    record_session(ready)
    frozen.move_to("2026-11-26 09:00:30Z")
    sender.send_due_reminders(worker="w1")
    texts = [m.body for m in LocmemBackend.outbox]
    assert any("day 1 after your session" in t and "Call us on 020 7946 0000 if:" in t for t in texts), texts
