"""The database refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) on the audit table
(needlecare/audit/db.py). Keep this the last migration to touch the table on SQLite, or re-create the
triggers after any later one that rebuilds it."""

from django.db import migrations


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    from needlecare.audit import db

    statements = {"sqlite": db.TRIGGERS_SQLITE, "postgresql": db.TRIGGERS_POSTGRESQL}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    from needlecare.audit import db

    statements = {"sqlite": db.DROP_SQLITE, "postgresql": db.DROP_POSTGRESQL}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_seal_unkeyed_chains")]

    operations = [migrations.RunPython(create, drop)]
