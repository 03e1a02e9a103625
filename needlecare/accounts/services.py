"""Writes about users: API tokens, authenticator devices and recovery codes."""

import base64
import hashlib
import re
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from needlecare.accounts.models import ApiToken, hash_token
from needlecare.audit.services import record_event
from needlecare.clinics.models import Membership

RECOVERY_CODES = 10


def issue_token(
    *, membership: Membership, name: str, request: Any = None, verified: bool = False
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is shown once and never stored.

    `verified`: issued by a session that passed its second factor (or by an operator on the command
    line); a clinic that requires two-step sign-in accepts only such tokens."""
    raw = ApiToken.new_raw_token()
    token = ApiToken(
        membership=membership,
        name=name.strip() or "API token",
        key_hash=hash_token(raw),
        hint=raw[:10],
        issued_verified=verified,
    )
    token.full_clean()
    with transaction.atomic():
        token.save()
        record_event(
            clinic=membership.clinic,
            user=membership.user,
            action="api_token.create",
            obj=token,
            request=request,
            detail={"second_factor": verified},
        )
    return token, raw


def revoke_token(*, token: ApiToken, request: Any = None) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        record_event(
            clinic=token.membership.clinic,
            user=token.membership.user,
            action="api_token.revoke",
            obj=token,
            request=request,
        )
    return token


# ------------------------------------------------------------------------------------------------------
# The second factor: an authenticator app (TOTP) and single-use recovery codes (django-otp's static
# device). Enrolling and removing are audited in every clinic the user works in.
# ------------------------------------------------------------------------------------------------------


def _record_for_user(*, user: Any, action: str, request: Any, detail: dict[str, Any] | None = None) -> None:
    for membership in Membership.objects.filter(user=user, is_active=True).select_related("clinic"):
        record_event(
            clinic=membership.clinic, user=user, action=action, obj=user, request=request, detail=detail
        )


def recovery_code_key(code: str) -> str:
    """What django-otp stores for a recovery code: a digest (16 characters fit its column), never
    the code. Codes carry 80 random bits, so an unkeyed hash is enough: nothing to brute-force.

    >>> recovery_code_key("abcd-efgh") == recovery_code_key(" ABCDEFGH ")
    True
    """
    normal = re.sub(r"[\s-]", "", code).lower()
    return base64.urlsafe_b64encode(hashlib.sha256(normal.encode()).digest()).decode()[:16]


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits, 16 characters
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_code_key(c)) for c in codes)
    return codes


def verify_second_factor(*, user: Any, code: str, request: Any = None) -> Device | None:
    """The device that accepts `code`: a current six-digit code of the user's authenticator app, or one
    of their recovery codes (used up by this). None when neither does (django-otp throttles)."""
    code = (code or "").strip()
    if re.fullmatch(r"\d{6}", code):
        totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        return totp if totp is not None and totp.verify_token(code) else None
    if not re.fullmatch(r"[A-Za-z2-7\s-]{16,24}", code):
        return None
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if static is None or not static.verify_token(recovery_code_key(code)):
        return None
    with transaction.atomic():
        _record_for_user(
            user=user,
            action="two_factor.recovery_code_used",
            request=request,
            detail={"left": static.token_set.count()},
        )
    return static


def start_totp_setup(*, user: Any) -> TOTPDevice:
    """An unconfirmed device; it counts only once the user has typed a code from it."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def enrol_totp(*, device: TOTPDevice, request: Any = None) -> list[str]:
    """Confirm a pending device (its code already checked by the caller, and the current factor too when
    there was one): it replaces any earlier app, and new recovery codes replace the old ones. Returns the
    recovery codes, to be shown once."""
    user = device.user
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()[0]
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        _record_for_user(
            user=user,
            action="two_factor.enrol",
            request=request,
            detail={"replaced": bool(replaced), "recovery_codes": len(codes)},
        )
    return codes


def remove_second_factor(*, user: Any, request: Any = None) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _record_for_user(user=user, action="two_factor.remove", request=request)
