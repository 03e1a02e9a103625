from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "needlecare.audit"
    label = "audit"
    verbose_name = "Audit"
