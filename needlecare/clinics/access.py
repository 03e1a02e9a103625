"""Who may use each route. Every view declares a policy; a test fails on any route without one.

@public                       anyone, signed in or not
@signed_in                    any signed-in user, whatever their clinic
@staff(ALL_ROLES)             a member of the current clinic with one of these roles

The portal's pages declare `@patient` (needlecare/portal/access.py): a patient signed in with a one-time
e-mailed link.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from needlecare.clinics.middleware import SESSION_KEY
from needlecare.clinics.models import ALL_ROLES, Role
from needlecare.clinics.selectors import membership_in

View = Callable[..., Any]


def public(view: View) -> View:
    view.access_policy = "public"  # type: ignore[attr-defined]
    return view


def needs_second_factor(request) -> bool:  # type: ignore[no-untyped-def]
    """A signed-in session owes a second factor until it gives one, when its user has a confirmed
    device, or belongs to any clinic that requires two-step sign-in (the user's other clinics do not
    lower what one of them demands). Asked by SecondFactorMiddleware on every request; cached."""
    cached = getattr(request, "_needs_second_factor", None)
    if cached is not None:
        return bool(cached)
    request._needs_second_factor = _owes_second_factor(request.user)
    return bool(request._needs_second_factor)


def _owes_second_factor(user) -> bool:  # type: ignore[no-untyped-def]
    from django_otp import user_has_device

    from needlecare.clinics.selectors import memberships_of

    if not user.is_authenticated or user.is_verified():
        return False
    if user_has_device(user):
        return True
    return memberships_of(user).filter(clinic__require_two_factor=True).exists()


def signed_in(view: View) -> View:
    @wraps(view)
    def wrapper(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.access_policy = "signed_in"  # type: ignore[attr-defined]
    return wrapper


def staff(roles: Iterable[str] = ALL_ROLES) -> Callable[[View], View]:
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_in(request.user, request.session.get(SESSION_KEY))
            if membership is None:
                raise PermissionDenied("You are not a member of any clinic.")
            request.membership = membership
            request.clinic = membership.clinic
            if needs_second_factor(request):
                return redirect("accounts:two_factor")
            if membership.role not in allowed:
                names = ", ".join(sorted(Role(r).label.lower() for r in allowed))
                raise PermissionDenied(f"Only {names} staff can do this.")
            return view(request, *args, **kwargs)

        wrapper.access_policy = ("staff", allowed)  # type: ignore[attr-defined]
        return wrapper

    return decorator
