"""Reads about a user's tokens and devices."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from needlecare.accounts.models import ApiToken, User, hash_token
from needlecare.clinics.models import Membership


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(membership__user=user).select_related("membership__clinic")


def token_of(user: User, token_id: int) -> ApiToken:
    return get_object_or_404(tokens_of(user), pk=token_id)


def membership_for_token(raw: str) -> Membership | None:
    """The active membership behind a raw bearer token, or None. Touches last_used_at."""
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.filter(
            key_hash=hash_token(raw),
            revoked_at__isnull=True,
            membership__is_active=True,
            membership__user__is_active=True,
        )
        # A clinic that requires two-step sign-in takes only tokens issued after a second factor.
        .filter(Q(issued_verified=True) | Q(membership__clinic__require_two_factor=False))
        .select_related("membership__clinic", "membership__user")
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.membership


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


def pending_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()
