"""Writes about users: API tokens and authenticator devices."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from needlecare.accounts.models import ApiToken, hash_token
from needlecare.audit.services import record_event
from needlecare.clinics.models import Membership


def issue_token(*, membership: Membership, name: str, request: Any = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is shown once and never stored."""
    raw = ApiToken.new_raw_token()
    token = ApiToken(
        membership=membership, name=name.strip() or "API token", key_hash=hash_token(raw), hint=raw[:10]
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


def start_totp_setup(*, user: Any) -> TOTPDevice:
    """An unconfirmed device; it counts only once the user has typed a code from it."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def confirm_totp(*, device: TOTPDevice, code: str) -> bool:
    if not device.verify_token(code):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def remove_totp(*, user: Any) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
