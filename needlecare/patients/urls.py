from django.urls import path

from needlecare.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:patient_id>/", views.patient_detail, name="detail"),
    path("<uuid:patient_id>/timeline/", views.patient_timeline, name="timeline"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/archive/", views.patient_archive, name="archive"),
    path("<uuid:patient_id>/restore/", views.patient_restore, name="restore"),
    path("<uuid:patient_id>/intake/new/", views.intake_create, name="intake_create"),
    path("<uuid:patient_id>/intake/<int:version>/", views.intake_detail, name="intake_detail"),
]
