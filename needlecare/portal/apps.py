from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "needlecare.portal"
    label = "portal"
    verbose_name = "Patient portal"
