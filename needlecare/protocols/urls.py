from django.urls import path

from needlecare.protocols import views

app_name = "protocols"
urlpatterns = [
    path("", views.protocol_page, name="page"),
    path("<int:version_id>/", views.protocol_version, name="version"),
]
