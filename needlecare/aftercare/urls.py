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
]
