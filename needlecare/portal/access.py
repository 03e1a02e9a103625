"""The portal's access policy: `@patient`, a patient signed in with a one-time e-mailed link.

It sets `request.patient` and `request.clinic` to that patient's own; without a portal session the page
sends the patient to the sign-in page. Staff policies are in needlecare/clinics/access.py.
"""

from functools import wraps

from django.shortcuts import redirect
from django.urls import reverse

from needlecare.clinics.access import View
from needlecare.portal.selectors import portal_patient


def patient(view: View) -> View:
    @wraps(view)
    def wrapper(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = portal_patient(request)
        if found is None:
            return redirect(reverse("portal:sign_in"))
        request.patient = found
        request.clinic = found.clinic
        return view(request, *args, **kwargs)

    wrapper.access_policy = "patient"  # type: ignore[attr-defined]
    return wrapper
