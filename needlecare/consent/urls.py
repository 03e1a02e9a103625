from django.urls import path  # noqa: F401

app_name = "consent"
urlpatterns: list = []  # type: ignore[type-arg]
