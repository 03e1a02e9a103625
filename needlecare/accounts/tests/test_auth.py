"""Sign-in: Argon2, lockout, second factor, idle timeout, API tokens."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from needlecare.accounts.models import ApiToken, User
from needlecare.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": email, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_passwords_are_hashed_with_argon2():
    user = User.objects.create_user("new@example.test", "a long enough password")
    assert user.password.startswith("argon2")


def test_sign_in_with_email_and_password_reaches_the_patient_list(client, world_a):
    response = _login(client, world_a.owner.email)
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200


def test_wrong_password_shows_an_error_and_keeps_the_email(client, world_a):
    response = _login(client, world_a.owner.email, "wrong password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please enter a correct" in body
    assert world_a.owner.email in body
    assert client.get("/patients/").status_code == 302


def test_five_failures_lock_the_account_even_for_the_right_password(client, world_a):
    for _ in range(5):
        _login(client, world_a.owner.email, "wrong password")
    response = _login(client, world_a.owner.email)
    assert response.status_code in (403, 429)
    assert "Sign-in paused" in response.content.decode()
    assert client.get("/patients/").status_code == 302


def test_lockout_ends_after_the_cool_off(client, world_a):
    for _ in range(5):
        _login(client, world_a.owner.email, "wrong password")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _login(client, world_a.owner.email).status_code == 302


def test_idle_session_expires_after_thirty_minutes(client, world_a):
    _login(client, world_a.owner.email)
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        assert client.get("/patients/").status_code == 200  # activity renews the session
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        assert client.get("/patients/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=80)):
        response = client.get("/patients/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_user_with_an_authenticator_must_give_a_code_after_the_password(client, world_a):
    device = TOTPDevice.objects.create(user=world_a.practitioner, name="phone", confirmed=True)
    _login(client, world_a.practitioner.email)
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    wrong = client.post(
        "/accounts/two-factor/", {"code": "000000" if _code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 422
    assert client.get("/patients/").status_code == 302
    # django-otp throttles after a failure (1 s, doubling); a real user waits, so do we.
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        assert client.post("/accounts/two-factor/", {"code": _code(device)}).status_code == 302
        assert client.get("/patients/").status_code == 200


def test_owner_can_require_two_factor_and_members_without_one_must_set_it_up(client, world_a):
    client.force_login(world_a.owner)
    response = client.post(
        "/clinic/settings/",
        {
            "name": world_a.clinic.name,
            "timezone": "Europe/London",
            "phone": world_a.clinic.phone,
            "require_two_factor": "on",
        },
    )
    assert response.status_code == 302
    world_a.clinic.refresh_from_db()
    assert world_a.clinic.require_two_factor
    client.logout()
    client.force_login(world_a.front_desk)
    response = client.get("/patients/")
    assert response["Location"] == "/accounts/two-factor/"
    setup = client.get("/accounts/two-factor/")
    assert "Set up two-step sign-in" in setup.content.decode()
    device = TOTPDevice.objects.get(user=world_a.front_desk, confirmed=False)
    # The first device is enrolled on the second-factor page itself, which then shows the recovery codes.
    enrolled = client.post("/accounts/two-factor/", {"code": _code(device)})
    assert enrolled.status_code == 200 and len(enrolled.context["codes"]) == 10
    assert client.get("/patients/").status_code == 200
    assert TOTPDevice.objects.get(user=world_a.front_desk).confirmed


def test_only_owners_change_clinic_settings(client, world_a):
    client.force_login(world_a.practitioner)
    response = client.post("/clinic/settings/", {"name": "Renamed", "timezone": "Europe/London"})
    assert response.status_code == 403
    world_a.clinic.refresh_from_db()
    assert world_a.clinic.name == "Clinic A"


def test_clinic_settings_refuse_an_unknown_time_zone_and_keep_the_old_one(client, world_a):
    client.force_login(world_a.owner)
    response = client.post("/clinic/settings/", {"name": "Clinic A", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    world_a.clinic.refresh_from_db()
    assert world_a.clinic.timezone == "Europe/London"


def test_api_token_is_stored_only_as_a_hash_and_shown_once(client, world_a):
    client.force_login(world_a.owner)
    response = client.post("/accounts/settings/tokens/", {"name": "Zapier"})
    raw = response.context["new_token"]
    assert raw.startswith("nc_")
    token = ApiToken.objects.get(name="Zapier")
    assert raw not in (token.key_hash, token.hint) and token.hint == raw[:10]
    assert client.get("/accounts/settings/").content.decode().count(raw) == 0
    api = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200


def test_revoked_token_no_longer_works(client, world_a):
    client.force_login(world_a.owner)
    raw = client.post("/accounts/settings/tokens/", {"name": "old"}).context["new_token"]
    token = ApiToken.objects.get(name="old")
    assert client.post(f"/accounts/settings/tokens/{token.pk}/revoke/").status_code == 302
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_token_with_an_empty_name_is_refused(client, world_a):
    client.force_login(world_a.owner)
    response = client.post("/accounts/settings/tokens/", {"name": ""})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_user_switches_between_their_clinics_and_sees_only_the_current_one(client, world_a, world_b):
    from needlecare.clinics.models import Membership, Role

    Membership.objects.create(user=world_a.owner, clinic=world_b.clinic, role=Role.PRACTITIONER)
    client.force_login(world_a.owner)
    assert world_a.patient.family_name in client.get("/patients/").content.decode()
    client.post("/clinic/switch/", {"clinic": world_b.clinic.pk})
    page = client.get("/patients/").content.decode()
    assert world_b.patient.family_name in page and world_a.patient.family_name not in page
    assert client.get("/audit/").status_code == 403  # a practitioner in clinic B


def test_switching_to_a_clinic_one_does_not_belong_to_changes_nothing(client, world_a, world_b):
    client.force_login(world_a.owner)
    response = client.post("/clinic/switch/", {"clinic": world_b.clinic.pk}, follow=True)
    assert "not a member" in response.content.decode()
    assert world_a.patient.family_name in client.get("/patients/").content.decode()
    assert client.post("/clinic/switch/", {"clinic": "abc"}).status_code == 302


def test_logout_needs_post_and_ends_the_session(client, world_a):
    client.force_login(world_a.owner)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/patients/").status_code == 302
