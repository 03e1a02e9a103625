"""`manage.py flush`, which wipes every table, the audit log included: the one sanctioned way past the
audit table's append-only triggers (needlecare/audit/db.py). The test suite flushes between tests."""

from django.core.management.commands.flush import Command as FlushCommand

from needlecare.audit.db import audit_rows_writable


class Command(FlushCommand):
    def handle(self, **options):  # type: ignore[no-untyped-def]
        with audit_rows_writable(options["database"]):
            return super().handle(**options)
