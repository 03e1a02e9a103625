from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "needlecare.plans"
    label = "plans"
    verbose_name = "Treatment plans"
