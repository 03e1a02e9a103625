from django.urls import path

from needlecare.scheduling import views

app_name = "scheduling"
A = "appointments/<uuid:appointment_id>/"
P = "patients/<uuid:patient_id>/appointments/"
urlpatterns = [
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/book/", views.book, name="book"),
    path("calendar/setup/", views.setup, name="setup"),
    path("calendar/feeds/", views.feeds, name="feeds"),
    path("calendar/feeds/<int:feed_id>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:feed_token>.ics", views.feed, name="feed"),
    path(A, views.appointment_detail, name="appointment"),
    path(A + "status/", views.appointment_status, name="status"),
    path(A + "cancel/", views.appointment_cancel, name="cancel"),
    path(A + "move/", views.appointment_move, name="move"),
    path(P, views.patient_appointments, name="patient"),
    path(P + "book/", views.patient_book, name="patient_book"),
    path(P + "feed/", views.patient_feed, name="patient_feed"),
    path(P + "series/<uuid:plan_id>/", views.series, name="series"),
]
