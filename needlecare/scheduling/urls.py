from django.urls import path  # noqa: F401

app_name = "scheduling"
urlpatterns: list = []  # type: ignore[type-arg]
