"""Sets request.clinic and request.membership from the clinic the user chose (kept in the session), and
holds a session that still owes its second factor at the second-factor page."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject

from needlecare.clinics.selectors import membership_in

SESSION_KEY = "clinic_id"

# What a session that has given only its password may reach: the second-factor page (which also
# enrols a first device where the clinic demands one), signing out, and the static files.
BEFORE_SECOND_FACTOR = frozenset({"accounts:two_factor", "accounts:logout"})


class CurrentClinicMiddleware:
    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        # Lazy, so pages that never ask (the login page, static) pay no query.
        def load():  # type: ignore[no-untyped-def]
            if not request.user.is_authenticated:
                return None
            return membership_in(request.user, request.session.get(SESSION_KEY))

        request.membership = SimpleLazyObject(load)
        request.clinic = SimpleLazyObject(lambda: request.membership.clinic if request.membership else None)
        return self.get_response(request)


class SecondFactorMiddleware:
    """One place decides whether a signed-in session may go anywhere: every page, every @signed_in and
    @staff view obeys it, so a view added later cannot forget. A session owes a second factor when its
    user has a confirmed device or belongs to a clinic that requires one (needs_second_factor)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        from needlecare.clinics.access import needs_second_factor

        if not request.user.is_authenticated or self._always_allowed(request):
            return self.get_response(request)
        if not needs_second_factor(request):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": "Finish two-step sign-in first: enter the code from your authenticator app."},
                status=401,
            )
        return redirect("accounts:two_factor")

    @staticmethod
    def _always_allowed(request) -> bool:  # type: ignore[no-untyped-def]
        path = request.path_info
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        if path.startswith("/api/") and "authorization" in {k.lower() for k in request.headers}:
            return True  # a bearer token is its own credential; the API never reads the session
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return match.view_name in BEFORE_SECOND_FACTOR
