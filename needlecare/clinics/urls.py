from django.urls import path

from needlecare.clinics import views

app_name = "clinics"
urlpatterns = [
    path("switch/", views.switch_clinic, name="switch"),
    path("settings/", views.clinic_settings, name="settings"),
]
