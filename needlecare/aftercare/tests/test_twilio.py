"""SMS through Twilio, in one process, against the stand-in on loopback (twilio_standin.py: it covers
``POST /2010-04-01/Accounts/{sid}/Messages.json`` only, which is all Needlecare sends; the webhooks are
Twilio calling us, signed here with the SDK's own RequestValidator). No test reaches the internet.

The clinic's settings (secrets encrypted, only the last four shown), sending, delivery status callbacks
(good and bad signatures, repeats, late ones), replies on the patient and aftercare pages, STOP and
START, and isolation between clinics."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from twilio.request_validator import RequestValidator

from needlecare.aftercare import sender, services, texting
from needlecare.aftercare.models import InboundMessage, Reminder, SmsOptOut, State, TwilioAccount
from needlecare.aftercare.tests.twilio_standin import StandIn
from needlecare.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SID_A, TOKEN_A, NUMBER_A = "AC" + "a1" * 16, "token-a-0123456789abcdefWXYZ", "+447700900001"
SID_B, TOKEN_B, NUMBER_B = "AC" + "b2" * 16, "token-b-0123456789abcdef5678", "+447700900002"
PATIENT_PHONE = "07700 900123"  # as the desk typed it; Twilio says +447700900123


@pytest.fixture
def standin(settings):
    server = StandIn({SID_A: TOKEN_A, SID_B: TOKEN_B}).start()
    settings.TWILIO_API_BASE_URL = server.base_url
    yield server
    server.stop()


def _account(world, sid: str, token: str, number: str) -> TwilioAccount:  # type: ignore[no-untyped-def]
    data = {"account_sid": sid, "auth_token": token, "from_number": number}
    return texting.save_twilio_account(clinic=world.clinic, by=world.owner, data=data)


@pytest.fixture
def twilio_a(world_a, frozen):  # type: ignore[no-untyped-def]
    world_a.patient.phone = PATIENT_PHONE
    world_a.patient.save()
    return _account(world_a, SID_A, TOKEN_A, NUMBER_A)


def _queue(patient, key: str) -> Reminder:  # type: ignore[no-untyped-def]
    return services.queue_reminder(
        patient=patient,
        kind="maintenance_due",
        channel="sms",
        key=key,
        due_at=timezone.now(),
        context={"months": 12},
    )


def _webhook(client, path: str, params: dict[str, str], token: str, *, signature: str | None = None):  # type: ignore[no-untyped-def]
    url = settings.SITE_URL + path
    signed = RequestValidator(token).compute_signature(url, params) if signature is None else signature
    return client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signed,
    )


def _status(client, sid: str, status: str, token: str = TOKEN_A, account: str = SID_A, **kw):  # type: ignore[no-untyped-def]
    params = {"AccountSid": account, "MessageSid": sid, "MessageStatus": status}
    return _webhook(client, "/sms/twilio/status/", params, token, **kw)


def _reply(client, body: str, *, sid: str, to: str = NUMBER_A, account: str = SID_A, token: str = TOKEN_A):  # type: ignore[no-untyped-def]
    params = {"AccountSid": account, "MessageSid": sid, "From": "+447700900123", "To": to, "Body": body}
    return _webhook(client, "/sms/twilio/inbound/", params, token)


# --- The clinic's settings ------------------------------------------------------------------------------


def test_the_owner_sets_up_twilio_and_the_token_is_stored_encrypted_and_shown_by_its_last_four(
    client, world_a
):
    client.force_login(world_a.owner)
    assert b"/clinic/sms/" in client.get("/clinic/settings/").content
    response = client.post(
        "/clinic/sms/", {"account_sid": SID_A, "auth_token": TOKEN_A, "from_number": NUMBER_A}
    )
    assert response.status_code == 302
    account = TwilioAccount.objects.get(clinic=world_a.clinic)
    assert account.auth_token_last4 == "WXYZ" and TOKEN_A not in account.auth_token_encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM aftercare_twilioaccount")
        assert TOKEN_A not in repr(cursor.fetchall())
    page = client.get("/clinic/sms/").content.decode()
    assert "…WXYZ" in page and TOKEN_A not in page and "/sms/twilio/inbound/" in page
    # Saving again without a token keeps the stored one.
    client.post("/clinic/sms/", {"account_sid": SID_A, "auth_token": "", "from_number": NUMBER_A})
    account.refresh_from_db()
    assert account.auth_token_last4 == "WXYZ"
    (event,) = AuditEvent.objects.filter(action="sms.twilio_settings")[:1]
    assert TOKEN_A not in repr(event.detail) and "WXYZ" not in repr(event.detail)


@pytest.mark.parametrize("role", ["practitioner", "front_desk"])
def test_only_the_owner_may_see_the_twilio_settings(client, world_a, role):
    client.force_login(world_a.member(role))
    assert client.get("/clinic/sms/").status_code in (403, 404)


def test_a_bad_account_sid_is_refused_on_the_page(client, world_a):
    client.force_login(world_a.owner)
    response = client.post(
        "/clinic/sms/", {"account_sid": "nope", "auth_token": "x", "from_number": NUMBER_A}
    )
    assert response.status_code == 422 and not TwilioAccount.objects.exists()


def test_the_clinic_export_leaves_the_twilio_account_out():
    from needlecare.interop.export import EXCLUDED

    assert "aftercare.TwilioAccount" in EXCLUDED


# --- Sending ----------------------------------------------------------------------------------------------


def test_a_reminder_goes_through_the_clinics_twilio_account_once(standin, twilio_a, world_a):
    reminder = _queue(world_a.patient, "tw-1")
    assert sender.send_due_reminders(worker="w").sent == 1
    (message,) = standin.received
    assert message["account"] == SID_A and message["From"] == NUMBER_A and message["To"] == PATIENT_PHONE
    assert "maintenance" in message["Body"]
    assert message["StatusCallback"] == settings.SITE_URL + "/sms/twilio/status/"
    reminder.refresh_from_db()
    assert reminder.state == State.SENT and reminder.provider_id == message["sid"]
    assert sender.send_due_reminders(worker="w").sent == 0 and len(standin.received) == 1


def test_a_clinic_without_twilio_keeps_the_default_backend(standin, world_a, settings, frozen):
    from needlecare.aftercare.sms import LocmemBackend

    settings.SMS_BACKEND = "needlecare.aftercare.sms.LocmemBackend"
    LocmemBackend.outbox = []
    world_a.patient.phone = PATIENT_PHONE
    world_a.patient.save()
    _queue(world_a.patient, "plain-1")
    assert sender.send_due_reminders(worker="w").sent == 1
    assert len(LocmemBackend.outbox) == 1 and standin.received == []


def test_twilio_refusing_the_credentials_is_retried_later(standin, twilio_a, world_a):
    standin.credentials[SID_A] = "rotated"
    reminder = _queue(world_a.patient, "tw-401")
    assert sender.send_due_reminders(worker="w").retried == 1
    reminder.refresh_from_db()
    assert reminder.state == State.PENDING and "401" in reminder.last_error


# --- Delivery status callbacks ----------------------------------------------------------------------------


def _sent(standin, world) -> Reminder:  # type: ignore[no-untyped-def]
    reminder = _queue(world.patient, "tw-status")
    sender.send_due_reminders(worker="w")
    reminder.refresh_from_db()
    return reminder


def test_a_signed_status_callback_updates_the_reminder_once_and_only_forward(
    client, standin, twilio_a, world_a
):
    reminder = _sent(standin, world_a)
    assert _status(client, reminder.provider_id, "sent").status_code == 204
    assert _status(client, reminder.provider_id, "delivered").status_code == 204
    assert _status(client, reminder.provider_id, "delivered").status_code == 204  # Twilio retried
    assert _status(client, reminder.provider_id, "sent").status_code == 204  # arrived late
    reminder.refresh_from_db()
    assert reminder.delivery_status == "delivered"


def test_a_status_callback_with_a_bad_signature_is_refused(client, standin, twilio_a, world_a):
    reminder = _sent(standin, world_a)
    assert _status(client, reminder.provider_id, "failed", signature="bm90IGl0").status_code == 403
    assert _status(client, reminder.provider_id, "failed", token="not-the-token").status_code == 403
    assert _status(client, reminder.provider_id, "failed", signature="").status_code == 403
    reminder.refresh_from_db()
    assert reminder.delivery_status == ""


def test_bad_input_to_the_webhooks_is_a_4xx_never_a_500(client, twilio_a):
    assert client.get("/sms/twilio/status/").status_code == 405
    assert client.post("/sms/twilio/status/", {}).status_code == 403
    assert _status(client, "SMx", "exploded").status_code == 400
    assert _webhook(client, "/sms/twilio/inbound/", {"AccountSid": SID_A}, TOKEN_A).status_code == 400
    unknown = {"AccountSid": "AC" + "0" * 32, "MessageSid": "SM1", "MessageStatus": "sent"}
    assert _webhook(client, "/sms/twilio/status/", unknown, TOKEN_A).status_code == 403


def test_another_clinics_account_cannot_touch_this_clinics_reminder(
    client, standin, twilio_a, world_a, world_b
):
    _account(world_b, SID_B, TOKEN_B, NUMBER_B)
    reminder = _sent(standin, world_a)
    response = _status(client, reminder.provider_id, "failed", token=TOKEN_B, account=SID_B)
    assert response.status_code == 204  # signed by B, about a message B does not have: ignored
    reminder.refresh_from_db()
    assert reminder.delivery_status == ""


# --- Replies ----------------------------------------------------------------------------------------------


def test_a_reply_lands_on_the_patient_page_and_the_aftercare_page_until_answered(client, twilio_a, world_a):
    response = _reply(client, "Is some peeling normal on day 3?", sid="SMin1")
    assert response.status_code == 200 and b"<Response>" in response.content
    assert _reply(client, "Is some peeling normal on day 3?", sid="SMin1").status_code == 200  # a retry
    message = InboundMessage.objects.get()
    assert message.patient == world_a.patient and message.clinic == world_a.clinic
    client.force_login(world_a.practitioner)
    assert "Is some peeling normal" in client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    page = client.get("/aftercare/").content.decode()
    assert "Is some peeling normal" in page and "Text messages to answer" in page
    assert client.post(f"/aftercare/texts/{message.pk}/answered/").status_code == 302
    message.refresh_from_db()
    assert message.answered_at and message.answered_by == world_a.practitioner
    assert "Is some peeling normal" not in client.get("/aftercare/").content.decode()
    # Like check-ins, patients' texts are not the front desk's to read (clinics/policies.py).
    client.force_login(world_a.front_desk)
    assert "Is some peeling normal" not in client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    events = AuditEvent.objects.filter(action__startswith="sms.").values_list("action", "detail")
    assert {a for a, _ in events} >= {"sms.inbound", "sms.answered"}
    assert all("peeling" not in repr(d) and "900123" not in repr(d) for _, d in events)


def test_a_reply_from_an_unknown_number_waits_on_the_aftercare_page_unmatched(client, twilio_a, world_a):
    world_a.patient.phone = "07700 900999"
    world_a.patient.save()
    _reply(client, "Who is this?", sid="SMin2")
    assert InboundMessage.objects.get().patient is None
    client.force_login(world_a.owner)
    assert "Unknown sender" in client.get("/aftercare/").content.decode()


@pytest.mark.parametrize("word", ["STOP", "stop", " Stopall ", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"])
def test_stop_opts_the_patient_out_and_later_sms_reminders_are_not_sent(
    client, standin, twilio_a, world_a, word
):
    _reply(client, word, sid=f"SMstop{word.strip()}")
    assert SmsOptOut.objects.filter(patient=world_a.patient).exists()
    reminder = _queue(world_a.patient, f"after-stop-{word}")
    report = sender.send_due_reminders(worker="w")
    assert report.sent == 0 and report.cancelled == 1 and standin.received == []
    reminder.refresh_from_db()
    assert reminder.state == State.CANCELLED and "STOP" in reminder.last_error
    assert AuditEvent.objects.filter(action="sms.opt_out", patient_id=world_a.patient.pk).count() == 1
    client.force_login(world_a.owner)
    assert "Opted out of text messages" in client.get(f"/patients/{world_a.patient.pk}/").content.decode()


def test_stop_does_not_stop_e_mail(client, twilio_a, world_a):
    from django.core import mail

    _reply(client, "STOP", sid="SMstop-mail")
    services.queue_reminder(
        patient=world_a.patient, kind="maintenance_due", channel="email", key="mail-after-stop",
        due_at=timezone.now(), context={"months": 12},
    )  # fmt: skip
    assert sender.send_due_reminders(worker="w").sent == 1 and len(mail.outbox) == 1


def test_start_opts_back_in(client, standin, twilio_a, world_a):
    _reply(client, "STOP", sid="SMs1")
    _reply(client, "START", sid="SMs2")
    assert not SmsOptOut.objects.exists()
    _queue(world_a.patient, "after-start")
    assert sender.send_due_reminders(worker="w").sent == 1 and len(standin.received) == 1
    assert AuditEvent.objects.filter(action="sms.opt_in").count() == 1


# --- Isolation --------------------------------------------------------------------------------------------


def test_a_reply_to_another_clinics_number_never_reaches_this_clinics_patient(
    client, twilio_a, world_a, world_b
):
    _account(world_b, SID_B, TOKEN_B, NUMBER_B)
    # Clinic B's account, and its own number: B has no patient with that phone, so nobody matches.
    _reply(client, "STOP", sid="SMb1", to=NUMBER_B, account=SID_B, token=TOKEN_B)
    message = InboundMessage.objects.get()
    assert message.clinic == world_b.clinic and message.patient is None
    assert not SmsOptOut.objects.exists()
    # Clinic B's account claiming clinic A's number: refused.
    assert _reply(client, "hi", sid="SMb2", to=NUMBER_A, account=SID_B, token=TOKEN_B).status_code == 403
    # Clinic A's number signed with B's token: refused.
    assert _reply(client, "hi", sid="SMb3", account=SID_A, token=TOKEN_B).status_code == 403
    client.force_login(world_a.owner)
    assert "Unknown sender" not in client.get("/aftercare/").content.decode()
    assert client.post(f"/aftercare/texts/{message.pk}/answered/").status_code == 404


def test_webhooks_are_refused_not_crashed_when_the_key_no_longer_opens_the_token(client, twilio_a, settings):
    settings.SMS_CREDENTIALS_KEY = "cmVwbGFjZWQta2V5LXJlcGxhY2VkLWtleS1yZXBsYWM="
    assert _reply(client, "hello", sid="SMkey").status_code == 403
    settings.SMS_CREDENTIALS_KEY = "not a key"
    assert _reply(client, "hello", sid="SMkey").status_code == 403
    assert not InboundMessage.objects.exists()


def test_an_api_key_sends_instead_of_the_auth_token(standin, world_a, frozen):
    key_sid, key_secret = "SK" + "d4" * 16, "api-secret-0123456789abcdefQRST"
    standin.credentials[key_sid] = key_secret
    world_a.patient.phone = PATIENT_PHONE
    world_a.patient.save()
    data = {"account_sid": SID_A, "auth_token": TOKEN_A, "api_key_sid": key_sid, "api_secret": key_secret}
    account = texting.save_twilio_account(
        clinic=world_a.clinic, by=world_a.owner, data={**data, "messaging_service_sid": "MG" + "e5" * 16}
    )
    assert account.api_secret_last4 == "QRST" and key_secret not in account.api_secret_encrypted
    standin.credentials[SID_A] = "not-used"  # sending must not need the auth token
    _queue(world_a.patient, "tw-key")
    assert sender.send_due_reminders(worker="w").sent == 1
    (message,) = standin.received
    assert message["MessagingServiceSid"] == "MG" + "e5" * 16 and "From" not in message
