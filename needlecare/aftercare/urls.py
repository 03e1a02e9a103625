from django.urls import path

from needlecare.aftercare import views

app_name = "aftercare"
urlpatterns = [
    path(
        "patients/<uuid:patient_id>/sessions/<uuid:session_id>/aftercare.pdf",
        views.aftercare_sheet,
        name="sheet",
    ),
    path("aftercare/", views.alerts, name="alerts"),
    path("aftercare/check-ins/<uuid:checkin_id>/reviewed/", views.review, name="review"),
    path("aftercare/texts/<uuid:message_id>/answered/", views.answered, name="answered"),
    path("clinic/sms/", views.sms_settings, name="sms-settings"),
    path("sms/twilio/status/", views.twilio_status, name="twilio-status"),
    path("sms/twilio/inbound/", views.twilio_inbound, name="twilio-inbound"),
]
