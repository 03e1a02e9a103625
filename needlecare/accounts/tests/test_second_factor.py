"""Two-step sign-in that the password alone cannot defeat: a session that has not given its second factor
reaches only the second-factor page, sign-out and static files; enrolling or removing a device asks for a
current code (or a recovery code) and is audited; credentials made before a clinic's requirement stop."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from needlecare.accounts.models import ApiToken
from needlecare.accounts.services import issue_token
from needlecare.audit.models import AuditEvent
from needlecare.clinics.models import Membership
from needlecare.scheduling.models import CalendarFeed
from tests.routes import page_routes

pytestmark = pytest.mark.django_db

ALLOWED = {"accounts/two-factor/", "accounts/logout/"}


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _url(route: str) -> str:
    url = re.sub(r"<uuid:[^>]+>", str(uuid.uuid4()), route)
    url = re.sub(r"<int:[^>]+>", "1", url)
    return "/" + re.sub(r"<(?:str:|path:|slug:)?[^>]+>", "x", url)


def _held_everywhere(client) -> list[str]:  # type: ignore[no-untyped-def]
    """Every page route, by GET and by POST, that does NOT send this session to the second-factor page."""
    escaped = []
    for route in page_routes():
        if route.route in ALLOWED:
            continue
        url = _url(route.route)
        for method in (client.get, client.post):
            response = method(url)
            if response.status_code != 302 or response["Location"] != "/accounts/two-factor/":
                escaped.append(f"{method.__name__.upper()} {url} -> {response.status_code}")
    return escaped


def _verify(client, device: TOTPDevice) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/accounts/two-factor/", {"code": _code(device)}).status_code == 302


@pytest.fixture
def with_app(world_a):  # type: ignore[no-untyped-def]
    world_a.device = TOTPDevice.objects.create(user=world_a.owner, name="phone", confirmed=True)
    return world_a


def test_a_password_only_session_reaches_nothing_but_the_second_factor_page(client, with_app):
    client.force_login(with_app.owner)  # the password given, not the code
    assert _held_everywhere(client) == []
    assert client.get("/accounts/two-factor/").status_code == 200
    assert client.get("/static/needlecare/app.css").status_code == 200
    assert client.get("/api/v1/patients").status_code == 401
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/settings/").status_code == 302  # signed out: to the sign-in page


def test_a_password_only_session_cannot_enrol_a_new_app_and_so_become_verified(client, with_app):
    client.force_login(with_app.owner)
    page = client.get("/accounts/settings/two-factor/")
    assert page.status_code == 302 and page["Location"] == "/accounts/two-factor/"
    assert not TOTPDevice.objects.filter(user=with_app.owner, confirmed=False).exists()
    # Even with a pending device of their own making, posting its code changes nothing.
    attacker = TOTPDevice.objects.create(user=with_app.owner, name="attacker", confirmed=False)
    posted = client.post("/accounts/settings/two-factor/", {"code": _code(attacker)})
    assert posted.status_code == 302 and posted["Location"] == "/accounts/two-factor/"
    assert list(TOTPDevice.objects.filter(user=with_app.owner, confirmed=True)) == [with_app.device]
    assert client.get("/patients/").status_code == 302


def test_a_password_only_session_cannot_remove_the_app(client, with_app):
    client.force_login(with_app.owner)
    response = client.post("/accounts/settings/two-factor/remove/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    assert TOTPDevice.objects.filter(user=with_app.owner, confirmed=True).exists()


def test_a_clinic_that_requires_it_holds_a_member_without_an_app_at_the_enrolment_page(client, world_a):
    world_a.clinic.require_two_factor = True
    world_a.clinic.save()
    client.force_login(world_a.practitioner)
    assert _held_everywhere(client) == []
    # No credential can be made from this session: no API token, no calendar feed.
    client.post("/accounts/settings/tokens/", {"name": "sneaky"})
    client.post("/calendar/feeds/")
    assert not ApiToken.objects.exists() and not CalendarFeed.objects.exists()
    # The one enrolment a password-only session may make: the first device, on the second-factor page.
    page = client.get("/accounts/two-factor/")
    assert "Set up two-step sign-in" in page.content.decode()
    device = TOTPDevice.objects.get(user=world_a.practitioner, confirmed=False)
    done = client.post("/accounts/two-factor/", {"code": _code(device)})
    assert done.status_code == 200 and "shown only now" in done.content.decode()
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor.enrol", user=world_a.practitioner).count() == 1


def test_recovery_codes_are_shown_once_stored_hashed_and_each_works_once(client, world_a):
    client.force_login(world_a.practitioner)
    client.get("/accounts/settings/two-factor/")
    device = TOTPDevice.objects.get(user=world_a.practitioner, confirmed=False)
    codes = client.post("/accounts/settings/two-factor/", {"code": _code(device)}).context["codes"]
    assert len(codes) == len(set(codes)) == 10
    stored = set(
        StaticToken.objects.filter(device__user=world_a.practitioner).values_list("token", flat=True)
    )
    assert len(stored) == 10 and not stored & (set(codes) | {c.replace("-", "") for c in codes})
    assert not any(c in client.get("/accounts/settings/").content.decode() for c in codes)
    client.logout()

    client.force_login(world_a.practitioner)
    assert client.post("/accounts/two-factor/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor.recovery_code_used").exists()
    client.logout()

    client.force_login(world_a.practitioner)
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        again = client.post("/accounts/two-factor/", {"code": codes[0]})
        assert again.status_code == 422
        assert client.get("/patients/").status_code == 302


def test_replacing_the_app_asks_for_a_current_code_even_in_a_verified_session(client, with_app):
    client.force_login(with_app.owner)
    _verify(client, with_app.device)
    client.get("/accounts/settings/two-factor/")
    new = TOTPDevice.objects.get(user=with_app.owner, confirmed=False)
    refused = client.post("/accounts/settings/two-factor/", {"code": _code(new)})
    assert refused.status_code == 422
    assert list(TOTPDevice.objects.filter(user=with_app.owner, confirmed=True)) == [with_app.device]
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        replaced = client.post(
            "/accounts/settings/two-factor/?keep=1",
            {"code": _code(new), "current_code": _code(with_app.device)},
        )
        assert replaced.status_code == 200 and len(replaced.context["codes"]) == 10
    assert list(TOTPDevice.objects.filter(user=with_app.owner, confirmed=True)) == [new]
    event = AuditEvent.objects.get(action="two_factor.enrol", user=with_app.owner)
    assert event.detail == {"replaced": True, "recovery_codes": 10}


def test_removing_the_app_asks_for_a_current_code_and_is_audited(client, with_app):
    client.force_login(with_app.owner)
    _verify(client, with_app.device)
    refused = client.post("/accounts/settings/two-factor/remove/", {"code": ""})
    assert refused.status_code == 422 and TOTPDevice.objects.filter(user=with_app.owner).exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        removed = client.post("/accounts/settings/two-factor/remove/", {"code": _code(with_app.device)})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=with_app.owner).exists()
    assert not StaticDevice.objects.filter(user=with_app.owner).exists()
    assert AuditEvent.objects.filter(action="two_factor.remove", user=with_app.owner).count() == 1


def test_a_clinic_requiring_two_step_sign_in_refuses_tokens_issued_without_it(client, world_a):
    _, before = issue_token(membership=Membership.objects.get(user=world_a.owner), name="old")
    header = {"HTTP_AUTHORIZATION": f"Bearer {before}"}
    assert client.get("/api/v1/patients", **header).status_code == 200
    world_a.clinic.require_two_factor = True
    world_a.clinic.save()
    assert client.get("/api/v1/patients", **header).status_code == 401
    # Issued again from a session that gave its code, a token works.
    device = TOTPDevice.objects.create(user=world_a.owner, name="phone", confirmed=True)
    client.force_login(world_a.owner)
    _verify(client, device)
    raw = client.post("/accounts/settings/tokens/", {"name": "new"}).context["new_token"]
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_clinic_requiring_two_step_sign_in_serves_no_feed_made_without_it(client, world_a):
    from needlecare.scheduling.services.feeds import create_feed

    _, raw = create_feed(clinic=world_a.clinic, by=world_a.practitioner, practitioner=world_a.practitioner)
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 200
    world_a.clinic.require_two_factor = True
    world_a.clinic.save()
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 404
    _, again = create_feed(
        clinic=world_a.clinic, by=world_a.practitioner, practitioner=world_a.practitioner, verified=True
    )
    assert client.get(f"/calendar/feed/{again}.ics").status_code == 200
