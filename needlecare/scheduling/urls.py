from django.urls import path

from needlecare.scheduling.views import booking, feeds, series, setup

app_name = "scheduling"
A = "appointments/<uuid:appointment_id>/"
P = "patients/<uuid:patient_id>/appointments/"
urlpatterns = [
    path("calendar/", booking.calendar_view, name="calendar"),
    path("calendar/book/", booking.book, name="book"),
    path("calendar/setup/", setup.setup, name="setup"),
    path("calendar/feeds/", feeds.feeds, name="feeds"),
    path("calendar/feeds/<int:feed_id>/revoke/", feeds.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:feed_token>.ics", feeds.feed, name="feed"),
    path(A, booking.appointment_detail, name="appointment"),
    path(A + "status/", booking.appointment_status, name="status"),
    path(A + "cancel/", booking.appointment_cancel, name="cancel"),
    path(A + "move/", booking.appointment_move, name="move"),
    path(P, booking.patient_appointments, name="patient"),
    path(P + "book/", booking.patient_book, name="patient_book"),
    path(P + "feed/", feeds.patient_feed, name="patient_feed"),
    path(P + "series/<uuid:plan_id>/", series.series, name="series"),
]
