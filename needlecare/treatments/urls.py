from django.urls import path

from needlecare.treatments import views

app_name = "treatments"
P = "patients/<uuid:patient_id>/sessions/"
urlpatterns = [
    path(P + "new/", views.session_create, name="create"),
    path(P + "<uuid:session_id>/", views.session_detail, name="detail"),
    path(P + "<uuid:session_id>/adverse-events/", views.adverse_event_create, name="adverse_event"),
    path(
        P + "<uuid:session_id>/adverse-events/<int:event_id>/resolve/",
        views.adverse_event_resolve,
        name="adverse_event_resolve",
    ),
    path("sessions/lots/", views.lot_trace, name="lot_trace"),
]
