from django.urls import path

from needlecare.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("link/", views.link, name="link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("consent/", views.consent, name="consent"),
    path("calendar/", views.calendar_feed, name="calendar"),
    path("health-questions/", views.intake, name="intake"),
    path("sessions/<uuid:portal_session_id>/", views.session, name="session"),
    path("sessions/<uuid:portal_session_id>/aftercare.pdf", views.sheet, name="sheet"),
    path("sessions/<uuid:portal_session_id>/check-in/", views.check_in, name="check_in"),
    path("progress/", views.progress, name="progress"),
    path("my-record/fhir.json", views.my_fhir, name="my_fhir"),
    path("my-record/record.zip", views.my_zip, name="my_zip"),
]
