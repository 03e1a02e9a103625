"""Write "never" where a stored intake meant it (issue 13, "never" is an answer).

Before this change a "last date" question (isotretinoin, retinoid, neurotoxin, filler, laser or peel) had no
answer "never": the intake said it by leaving the date out, and screening read a left-out date as "never"
wherever every rule of the clinic's protocol on that question said ``if_not_asked = "assume_no"`` (the
default protocol did, for these five). Now a left-out key is "not asked", so this writes "never" into the
stored intakes whose left-out date screening read as "never": the same decision as before for every stored
intake. Intakes of a clinic whose adopted protocol asked for a left-out date keep it left out ("not asked").
Dates and null (unknown) answers stay as they are. Reversing removes the "never" answers again.
"""

import tomllib

from django.db import migrations

OLD_DATE_FIELDS = (
    "isotretinoin_last_dose",
    "topical_retinoid_last_use",
    "neurotoxin_last_date",
    "filler_last_date",
    "laser_or_peel_last_date",
)
NEVER = "never"


def _read_as_never(text: str | None) -> set[str]:
    """The old date fields a protocol text read as "never" when left out (the default: all five)."""
    if text is None:
        return set(OLD_DATE_FIELDS)  # the default protocol marked all five "assume_no"
    try:
        rules = tomllib.loads(text).get("contraindications", {})
    except tomllib.TOMLDecodeError:
        return set(OLD_DATE_FIELDS)
    fields = set()
    for field in OLD_DATE_FIELDS:
        on_field = [rule for rule in rules.values() if isinstance(rule, dict) and rule.get("field") == field]
        if on_field and all(rule.get("if_not_asked") == "assume_no" for rule in on_field):
            fields.add(field)
    return fields


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Intake = apps.get_model("patients", "Intake")
    ClinicProtocol = apps.get_model("protocols", "ClinicProtocol")
    never_by_clinic: dict[object, set[str]] = {}
    changed = []
    for intake in Intake.objects.order_by("pk").iterator(chunk_size=500):
        if intake.clinic_id not in never_by_clinic:
            adoption = (
                ClinicProtocol.objects.filter(clinic_id=intake.clinic_id)
                .select_related("protocol")
                .order_by("-adopted_at", "-id")
                .first()
            )
            never_by_clinic[intake.clinic_id] = _read_as_never(adoption.protocol.text if adoption else None)
        answers = intake.answers if isinstance(intake.answers, dict) else None
        if answers is None:
            continue
        missing = [field for field in sorted(never_by_clinic[intake.clinic_id]) if field not in answers]
        if missing:
            intake.answers = {**answers, **dict.fromkeys(missing, NEVER)}
            changed.append(intake)
        if len(changed) >= 500:
            Intake.objects.bulk_update(changed, ["answers"])
            changed = []
    if changed:
        Intake.objects.bulk_update(changed, ["answers"])


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Intake = apps.get_model("patients", "Intake")
    changed = []
    for intake in Intake.objects.order_by("pk").iterator(chunk_size=500):
        answers = intake.answers if isinstance(intake.answers, dict) else None
        if answers and any(answers.get(field) == NEVER for field in OLD_DATE_FIELDS):
            intake.answers = {k: v for k, v in answers.items() if not (k in OLD_DATE_FIELDS and v == NEVER)}
            changed.append(intake)
    if changed:
        Intake.objects.bulk_update(changed, ["answers"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_patient_erased_at"),
        ("protocols", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
