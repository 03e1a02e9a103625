"""On PostgreSQL the database itself refuses a double booking: exclusion constraints over the time range
per practitioner, room and device (cancelled appointments excluded). SQLite has no exclusion constraints;
there the booking service checks and inserts inside one IMMEDIATE transaction (services.book_appointment).

Kept out of the model state on purpose, so SQLite migrations stay valid and `makemigrations --check` sees
nothing to do."""

from django.db import migrations

RESOURCES = ("practitioner_id", "room_id", "device_id")


def name(column: str) -> str:
    return f"appointment_no_overlap_{column.removesuffix('_id')}"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for column in RESOURCES:
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name(column)} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status <> 'cancelled')"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in RESOURCES:
        schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {name(column)}")


def default_types(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Clinics that existed before scheduling get the standard appointment types too."""
    Clinic = apps.get_model("clinics", "Clinic")
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    defaults = [
        ("consultation", "Consultation", 30, False, False, False),
        ("treatment", "Treatment", 60, True, True, True),
        ("maintenance", "Maintenance", 60, True, True, True),
        ("follow_up", "Follow-up", 20, False, False, False),
    ]
    for clinic in Clinic.objects.all():
        for code, label, minutes, room, device, treatment in defaults:
            AppointmentType.objects.get_or_create(
                clinic=clinic,
                code=code,
                defaults={
                    "name": label,
                    "duration_minutes": minutes,
                    "needs_room": room,
                    "needs_device": device,
                    "is_treatment": treatment,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RunPython(default_types, migrations.RunPython.noop),
    ]
