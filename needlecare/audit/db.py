"""The database itself refuses to edit or delete audit events: triggers on SQLite and PostgreSQL.

The triggers stop the application, a script or an operator's SQL shell from changing the log by mistake
or by a bug. They do not stop someone who can drop them (the database owner); that attacker is caught
by the keyed hashes and the anchors instead (docs/operations.md, Audit log).

One path may pass them: `audit_rows_writable()`, inside a transaction, which `manage.py flush` (wiping
the whole database, as the test suite does between tests) uses. On PostgreSQL it sets a transaction-local
setting the trigger reads; on SQLite it flips a flag that a function registered on the application's
own connections returns. A connection that is not the application's (the `sqlite3` shell) has no such
function, so its UPDATE or DELETE fails as well.

A migration that makes SQLite rebuild the audit table (altering a column) drops its triggers with the
old table: such a migration must run `TRIGGERS_SQLITE` again afterwards (see 0004_append_only_triggers).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction

TABLE = "audit_auditevent"
SQLITE_FUNCTION = "needlecare_audit_writable"
PG_SETTING = "needlecare.audit_writable"

TRIGGERS_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON {TABLE}
    WHEN NOT {SQLITE_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON {TABLE}
    WHEN NOT {SQLITE_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS audit_append_only_update",
    "DROP TRIGGER IF EXISTS audit_append_only_delete",
]

TRIGGERS_POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION needlecare_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('{PG_SETTING}', true) = 'on' THEN
            IF TG_LEVEL = 'ROW' THEN
                RETURN COALESCE(NEW, OLD);
            END IF;
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    f"""CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION needlecare_audit_append_only()""",
    f"""CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION needlecare_audit_append_only()""",
]
DROP_POSTGRESQL = [
    f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_append_only_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS needlecare_audit_append_only()",
]


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: give each SQLite connection the function the triggers call."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(connection, "audit_rows_writable", False) else 0
    )


@contextmanager
def audit_rows_writable(using: str = "default") -> Iterator[None]:
    """Let UPDATE, DELETE (and TRUNCATE) through the triggers for one transaction. For `flush` only."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
            yield
        else:
            connection.audit_rows_writable = True
            try:
                yield
            finally:
                connection.audit_rows_writable = False
