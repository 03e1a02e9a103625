from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "needlecare.consent"
    label = "consent"
    verbose_name = "Consent"
