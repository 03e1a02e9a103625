from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "needlecare.treatments"
    label = "treatments"
    verbose_name = "Sessions (treatments)"
