from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "needlecare.protocols"
    label = "protocols"
    verbose_name = "Clinical protocols"
