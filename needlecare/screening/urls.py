from django.urls import path

from needlecare.screening import views

app_name = "screening"
urlpatterns = [
    path("<uuid:patient_id>/screening/run/", views.screening_run, name="run"),
    path("<uuid:patient_id>/screening/<uuid:decision_id>/", views.screening_detail, name="detail"),
    path(
        "<uuid:patient_id>/screening/<uuid:decision_id>/override/", views.screening_override, name="override"
    ),
    path(
        "<uuid:patient_id>/screening/<uuid:decision_id>/patient/",
        views.screening_for_patient,
        name="for_patient",
    ),
]
