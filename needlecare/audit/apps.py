from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AuditConfig(AppConfig):
    name = "needlecare.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from needlecare.audit.db import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="needlecare.audit.sqlite")
