"""Every route of Needlecare. Each view declares who may use it (clinics/access.py)."""

from django.shortcuts import redirect
from django.urls import include, path

from needlecare import health
from needlecare.api import api
from needlecare.clinics.access import public


@public
def home(request):
    return redirect("patients:list")


# A busy or unreachable database answers 503 with Retry-After from wherever it fails (refusals.py).
handler500 = "needlecare.refusals.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="health"),
    path("readyz", health.readyz, name="ready"),
    path("accounts/", include("needlecare.accounts.urls")),
    path("clinic/", include("needlecare.clinics.urls")),
    path("patients/", include("needlecare.patients.urls")),
    path("patients/", include("needlecare.screening.urls")),
    path("clinic/protocol/", include("needlecare.protocols.urls")),
    path("", include("needlecare.plans.urls")),
    path("", include("needlecare.consent.urls")),
    path("", include("needlecare.treatments.urls")),
    path("", include("needlecare.scheduling.urls")),
    path("", include("needlecare.aftercare.urls")),
    path("", include("needlecare.outcomes.urls")),
    path("", include("needlecare.forecasting.urls")),
    path("", include("needlecare.interop.urls")),
    path("portal/", include("needlecare.portal.urls")),
    path("audit/", include("needlecare.clinics.audit_urls")),
    path("api/v1/", api.urls),
]
