from django.urls import path

from needlecare.interop import views

app_name = "interop"
urlpatterns = [
    path("patients/<uuid:patient_id>/erase/", views.erase, name="erase"),
    path("patients/<uuid:patient_id>/fhir.json", views.fhir_bundle, name="fhir"),
    path("patients/<uuid:patient_id>/export.zip", views.patient_export, name="patient_export"),
    path("clinic/export.zip", views.clinic_export, name="clinic_export"),
    path("clinic/data/", views.clinic_data, name="data"),
]
