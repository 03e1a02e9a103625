from django.urls import path

from needlecare.forecasting import views

app_name = "forecasting"
P = "patients/<uuid:patient_id>/"
urlpatterns = [
    path("outcomes/maintenance/", views.maintenance_worklist, name="worklist"),
    path(P + "maintenance/book/", views.book_maintenance, name="worklist_book"),
    path("outcomes/clinic/", views.clinic_outcomes, name="clinic"),
]
