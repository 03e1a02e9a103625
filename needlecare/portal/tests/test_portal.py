"""The patient portal: one-time e-mailed links (expiring, single use, stored hashed), the patient's own
pages only, the check-in, consent signing and the printable sheet."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.accounts.models import hash_token
from needlecare.aftercare.models import CheckIn, Reminder
from needlecare.aftercare.sender import send_due_reminders
from needlecare.consent.models import ConsentSignature
from needlecare.portal.models import PortalLink
from needlecare.portal.services import issue_link, start_portal_session
from needlecare.testing.factories import make_patient
from needlecare.testing.treatments import record_session

pytestmark = pytest.mark.django_db

NORMAL = {
    "redness": "mild", "swelling": "mild", "pain": "2", "getting_worse": "no", "warmth": "no", "pus": "no",
    "fever": "no", "spreading_redness": "no", "blisters_or_cold_sores": "no", "rash_or_itching": "no",
    "darkening": "no",
}  # fmt: skip


def sign_in_as(client, patient):  # type: ignore[no-untyped-def]
    session = client.session
    start_portal_session(session, patient)
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def link_from(email) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"http://\S+/portal/link/\?token=(\S+)", email.body).group(1)


def test_asking_for_a_link_emails_a_one_time_link_stored_only_as_a_hash(client, ready, frozen):
    page = client.post("/portal/sign-in/", {"email": ready.patient.email.upper()})
    assert page.status_code == 200 and b"Check your e-mail" in page.content
    assert mail.outbox == []  # the task worker sends it, not the request
    send_due_reminders()
    (email,) = mail.outbox
    raw = link_from(email)
    assert email.to == [ready.patient.email] and ready.clinic.name in email.from_email
    link = PortalLink.objects.get()
    assert link.token_hash == hash_token(raw) and raw not in link.token_hash
    # Opening the link only shows a button (mail scanners open links); the POST signs in.
    assert client.get(f"/portal/link/?token={raw}").status_code == 200
    assert client.get("/portal/").status_code == 302
    response = client.post("/portal/link/", {"token": raw})
    assert response.status_code == 302 and response.url == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, ready):
    page = client.post("/portal/sign-in/", {"email": "nobody@nowhere.test"})
    send_due_reminders()
    assert page.status_code == 200 and b"Check your e-mail" in page.content and mail.outbox == []


def test_a_used_link_is_refused(client, ready, frozen):
    raw = issue_link(patient=ready.patient)
    assert client.post("/portal/link/", {"token": raw}).status_code == 302
    client.post("/portal/sign-out/")
    again = client.post("/portal/link/", {"token": raw})
    assert again.status_code == 410 and b"already been used" in again.content
    assert client.get("/portal/").status_code == 302


def test_an_expired_link_is_refused(client, ready, frozen):
    raw = issue_link(patient=ready.patient, hours=1)
    frozen.shift(timedelta(hours=1, seconds=1))
    page = client.post("/portal/link/", {"token": raw})
    assert page.status_code == 410 and b"expired" in page.content
    assert client.get("/portal/").status_code == 302


def test_a_made_up_link_is_refused(client, ready):
    assert client.post("/portal/link/", {"token": "x" * 43}).status_code == 410


def test_the_home_page_shows_todays_step_the_check_in_and_waiting_consent(client, ready, frozen):
    session = record_session(ready)
    ConsentSignature.objects.update(withdrawn_at="2026-11-25T11:00Z")
    frozen.move_to("2026-11-26 12:00Z")  # day 1
    page = sign_in_as(client, ready.patient).get("/portal/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Today's aftercare" in text and "Days 1–2" in text and "SPF 30" in text
    assert f"/portal/sessions/{session.pk}/check-in/" in text and "Day 1 check-in" in text
    assert "Consent form waiting" in text


def test_a_patient_sees_only_their_own_sessions(client, ready, frozen, world_b):
    session = record_session(ready)
    other = make_patient(ready.clinic, by=ready.owner)  # same clinic, another patient
    sign_in_as(client, other)
    for url in (
        f"/portal/sessions/{session.pk}/",
        f"/portal/sessions/{session.pk}/aftercare.pdf",
        f"/portal/sessions/{session.pk}/check-in/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, NORMAL).status_code in (404, 405), url
    assert CheckIn.objects.count() == 0
    sign_in_as(client, ready.patient)
    assert client.get(f"/portal/sessions/{session.pk}/").status_code == 200


def test_staff_sign_in_does_not_open_the_portal(client, ready):
    client.force_login(ready.owner)
    assert client.get("/portal/").status_code == 302


def test_a_normal_check_in_is_reassured(client, ready, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-26 12:00Z")
    sign_in_as(client, ready.patient)
    page = client.post(f"/portal/sessions/{session.pk}/check-in/", NORMAL)
    assert page.status_code == 200 and b"healing as expected" in page.content
    checkin = CheckIn.objects.get()
    assert checkin.day == 1 and checkin.warning_signs == []
    assert not Reminder.objects.filter(kind="checkin_alert").exists()
    # The same day again: shown what was sent, nothing stored twice.
    again = client.post(f"/portal/sessions/{session.pk}/check-in/", {**NORMAL, "pus": "yes"})
    assert again.status_code == 200 and CheckIn.objects.count() == 1


def test_warning_signs_tell_the_patient_to_call_and_alert_the_clinic(client, ready, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-28 12:00Z")  # day 3
    sign_in_as(client, ready.patient)
    page = client.post(f"/portal/sessions/{session.pk}/check-in/", {**NORMAL, "pus": "yes", "fever": "yes"})
    text = page.content.decode()
    assert "Please call the clinic now" in text and ready.clinic.phone in text
    assert "Pus" in text and "Fever" in text
    alert = Reminder.objects.get(kind="checkin_alert")
    assert alert.send_after <= alert.due_at  # straight away, quiet hours or not
    # The practitioners' dashboard shows it until someone deals with it.
    client.force_login(ready.practitioner)
    dashboard = client.get("/aftercare/").content.decode()
    assert "Warning signs to act on" in dashboard and ready.patient.full_name in dashboard
    assert "Pus" in dashboard
    checkin = CheckIn.objects.get()
    client.post(f"/aftercare/check-ins/{checkin.pk}/reviewed/")
    checkin.refresh_from_db()
    assert checkin.reviewed_by == ready.practitioner
    assert "No warning signs waiting" in client.get("/aftercare/").content.decode()


def test_the_clinic_is_emailed_about_warning_signs(client, ready, frozen):
    from needlecare.aftercare.sender import send_due_reminders

    session = record_session(ready)
    frozen.move_to("2026-11-28 22:30Z")  # quiet hours for patients, not for the clinic's inbox
    sign_in_as(client, ready.patient)
    client.post(f"/portal/sessions/{session.pk}/check-in/", {**NORMAL, "spreading_redness": "yes"})
    send_due_reminders(worker="w")
    (alert,) = [m for m in mail.outbox if m.to == [ready.clinic.email]]
    assert "Warning signs" in alert.subject and "Redness that is spreading" in alert.body


def test_an_invalid_check_in_answers_422_and_stores_nothing(client, ready, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-26 12:00Z")
    sign_in_as(client, ready.patient)
    page = client.post(f"/portal/sessions/{session.pk}/check-in/", {**NORMAL, "pain": "11"})
    assert page.status_code == 422 and CheckIn.objects.count() == 0


def test_no_check_in_on_the_day_of_the_session(client, ready, frozen):
    session = record_session(ready)
    sign_in_as(client, ready.patient)
    page = client.post(f"/portal/sessions/{session.pk}/check-in/", NORMAL)
    assert page.status_code == 409 and CheckIn.objects.count() == 0


def test_the_patient_signs_consent_in_the_portal(client, ready, frozen):
    from needlecare.consent.services import ensure_default_template

    template = ensure_default_template(ready.clinic)
    sign_in_as(client, ready.patient)
    assert client.get("/portal/consent/").status_code == 200
    response = client.post(
        "/portal/consent/",
        {
            "template_version": template.version,
            "photo_use": "no",
            "signed_name": ready.patient.full_name,
            "signature": "M10 10 L20 20 L30 25",
        },
    )
    assert response.status_code == 302
    signature = ConsentSignature.objects.get(patient=ready.patient, signed_via="portal")
    assert signature.template == template and signature.witnessed_by is None


def test_the_printable_sheet_is_a_one_page_pdf_with_the_steps(client, ready, frozen):
    session = record_session(ready)
    sign_in_as(client, ready.patient)
    response = client.get(f"/portal/sessions/{session.pk}/aftercare.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")
    objects = pdf_streams(response.content)  # the page tree sits in compressed object streams
    assert len(re.findall(rb"/Type\s*/Page\b", objects)) == 1
    text = pdf_text(response.content)
    assert ready.clinic.name in text and "Your aftercare after microneedling" in text
    assert "No make-up for 24 hours." in text and "Do not pick or scrub flaking skin." in text
    assert (
        "Day 14" in text and "Call the clinic if:" in text and session.aftercare.protocol.short_hash in text
    )
    client.force_login(ready.front_desk)
    staff = client.get(f"/patients/{ready.patient.pk}/sessions/{session.pk}/aftercare.pdf")
    assert staff.status_code == 200 and staff.content.startswith(b"%PDF-")


def test_the_sheet_lays_out_every_step_in_the_clinics_name_on_one_page(ready, frozen):
    from weasyprint import HTML

    from needlecare.aftercare.sheet import sheet_html

    session = record_session(ready, depth="2.0")
    document = HTML(string=sheet_html(session.aftercare)).render()
    assert len(document.pages) == 1
    text = " ".join(laid_out_text(document.pages[0]._page_box))
    assert ready.clinic.name in text and ready.clinic.phone in text
    for step in session.aftercare.steps:
        for instruction in step["instructions"]:
            assert instruction.split()[0] in text
    assert "No make-up for 24 hours." in text and "Days 3–4" in text and "Day 16" in text


def test_the_home_page_costs_the_same_queries_with_more_sessions(client, ready, frozen):
    record_session(ready, cartridge="C-1")
    sign_in_as(client, ready.patient)
    with CaptureQueriesContext(connection) as few:
        client.get("/portal/")
    for n in range(2, 6):
        record_session(ready, on=ready.plan.start - timedelta(days=n), cartridge=f"C-{n}")
    with CaptureQueriesContext(connection) as more:
        client.get("/portal/")
    assert len(more) == len(few)


def laid_out_text(box):  # type: ignore[no-untyped-def]
    """The text of every line WeasyPrint laid out on a page (what the PDF draws)."""
    if hasattr(box, "text"):
        yield box.text
    for child in getattr(box, "children", ()):
        yield from laid_out_text(child)


def pdf_streams(data: bytes) -> bytes:
    """Every stream of a PDF, decompressed and joined."""
    import zlib

    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


def test_the_patient_gets_a_private_calendar_address_for_their_appointments(client, ready, frozen):
    sign_in_as(client, ready.patient)
    page = client.post("/portal/calendar/")
    url = re.search(r'value="(http://\S+/calendar/feed/\S+\.ics)"', page.content.decode()).group(1)
    feed = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content


def test_a_patient_without_health_answers_is_asked_and_can_answer_in_the_portal(client, ready, frozen):
    from needlecare.patients.models import Intake

    other = make_patient(ready.clinic, by=ready.owner, email="new@patient.test")
    sign_in_as(client, other)
    assert "Health questions waiting" in client.get("/portal/").content.decode()
    assert client.get("/portal/health-questions/").status_code == 200
    answer = client.post(
        "/portal/health-questions/",
        {
            "date_of_birth": other.date_of_birth.isoformat(),
            "fitzpatrick": "3",
            "pregnant_or_breastfeeding": "no",
        },
    )
    assert answer.status_code == 302
    intake = Intake.objects.get(patient=other)
    assert intake.source == "portal" and intake.answers["fitzpatrick"] == 3
    assert "Health questions waiting" not in client.get("/portal/").content.decode()


def test_a_mail_server_that_is_down_changes_nothing_in_the_answer_and_the_link_waits(client, ready, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    page = client.post("/portal/sign-in/", {"email": ready.patient.email})
    assert page.status_code == 200 and b"Check your e-mail" in page.content
    report = send_due_reminders()
    assert report.retried == 1 and Reminder.objects.get(kind="portal_link").state == "pending"


def test_a_bad_address_answers_422(client, db):
    assert client.post("/portal/sign-in/", {"email": "not an address"}).status_code == 422


def pdf_text(data: bytes) -> str:
    """The text a WeasyPrint PDF draws: glyph ids in its TJ operators, mapped back to characters through
    the fonts' ToUnicode maps (WeasyPrint gives a glyph the same id in every font of one family)."""
    streams = pdf_streams(data).split(b"\n")
    whole = b"\n".join(streams)
    glyphs: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", whole, re.S):
        for code, char in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            glyphs[int(code, 16)] = bytes.fromhex(char.decode()).decode("utf-16-be")
    runs = []
    for array in re.findall(rb"\[(.*?)\]\s*TJ", whole, re.S):
        run = ""
        for hexes in re.findall(rb"<([0-9a-fA-F]+)>", array):
            run += "".join(glyphs.get(int(hexes[i : i + 4], 16), "?") for i in range(0, len(hexes), 4))
        runs.append(run)
    return re.sub(r"\s+", " ", " ".join(runs))


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 110)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_check_in_may_carry_a_photo_stored_privately_with_the_session(
    client, ready, frozen, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from needlecare.outcomes.models import Photo

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    session = record_session(ready)
    frozen.move_to("2026-11-28 12:00Z")
    sign_in_as(client, ready.patient)
    photo = SimpleUploadedFile("skin.png", _png(), content_type="image/png")
    page = client.post(f"/portal/sessions/{session.pk}/check-in/", {**NORMAL, "pus": "yes", "photo": photo})
    assert page.status_code == 200 and b"Please call the clinic now" in page.content
    checkin = CheckIn.objects.get()
    stored = Photo.objects.get()
    assert checkin.photo == stored and stored.treatment == session and stored.uploaded_format == "PNG"
    client.force_login(ready.practitioner)
    dashboard = client.get("/aftercare/").content.decode()
    assert f"/patients/{ready.patient.pk}/photos/{stored.pk}/" in dashboard


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(
    client, ready, frozen, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from needlecare.outcomes.models import Photo

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    session = record_session(ready)
    frozen.move_to("2026-11-26 12:00Z")
    sign_in_as(client, ready.patient)
    fake = SimpleUploadedFile("skin.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    page = client.post(f"/portal/sessions/{session.pk}/check-in/", {**NORMAL, "photo": fake})
    assert page.status_code == 422 and b"not a photo we accept" in page.content
    assert CheckIn.objects.count() == 0 and Photo.objects.count() == 0
