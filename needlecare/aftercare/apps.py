from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "needlecare.aftercare"
    label = "aftercare"
    verbose_name = "Aftercare"
