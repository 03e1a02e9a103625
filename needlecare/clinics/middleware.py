"""Sets request.clinic and request.membership from the clinic the user chose (kept in the session)."""

from django.utils.functional import SimpleLazyObject

from needlecare.clinics.selectors import membership_in

SESSION_KEY = "clinic_id"


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
