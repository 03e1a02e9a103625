from django.db import migrations, models


def refuse_reused_cartridges(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Say which cartridges were recorded twice, rather than fail on the constraint with no names."""
    Treatment = apps.get_model("treatments", "Treatment")
    reused = (
        Treatment.objects.values("cartridge__clinic_id", "cartridge__cartridge_id")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    if reused:
        names = ", ".join(
            f"{row['cartridge__cartridge_id']} (clinic {row['cartridge__clinic_id']}, {row['n']} sessions)"
            for row in reused[:20]
        )
        raise RuntimeError(
            "Cartridges are single-use, but these were recorded in more than one session: "
            f"{names}. Correct the records (docs/operations.md, 'Single use') and migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("treatments", "0002_numbing_agents_prp_and_granulomatous")]

    operations = [
        migrations.RunPython(refuse_reused_cartridges, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="treatment",
            constraint=models.UniqueConstraint(fields=("cartridge",), name="one_session_per_cartridge"),
        ),
    ]
