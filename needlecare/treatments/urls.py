from django.urls import path  # noqa: F401

app_name = "treatments"
urlpatterns: list = []  # type: ignore[type-arg]
