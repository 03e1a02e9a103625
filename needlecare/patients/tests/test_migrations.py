"""The data migration that writes "never" where a stored intake meant it (issue 13)."""

import importlib

import pytest
from django.apps import apps

from needlecare.patients.models import Intake
from needlecare.protocols import DEFAULT_PATH, load_default
from needlecare.protocols.services import adopt_protocol
from needlecare.screening.rules import evaluate

pytestmark = pytest.mark.django_db
migration = importlib.import_module("needlecare.patients.migrations.0003_intake_last_dates_never")
OLD_SHAPE = {"fitzpatrick": 2, "filler_last_date": "2026-01-01", "neurotoxin_last_date": None}


def _old_intake(world, answers):  # type: ignore[no-untyped-def]
    version = world.patient.intakes.count() + 1
    return Intake.objects.create(clinic=world.clinic, patient=world.patient, version=version, answers=answers)


def test_a_left_out_date_becomes_never_where_the_old_default_read_it_so(world_a):
    intake = _old_intake(world_a, dict(OLD_SHAPE))
    migration.forwards(apps, None)
    intake.refresh_from_db()
    assert intake.answers == {
        **OLD_SHAPE,  # a date and an unknown stay as they were
        "isotretinoin_last_dose": "never",
        "topical_retinoid_last_use": "never",
        "laser_or_peel_last_date": "never",
    }
    # The questions added since were not asked: they stay left out.
    assert "radiotherapy_to_site_last_date" not in intake.answers
    assert "ablative_laser_or_deep_peel_last_date" not in intake.answers


def test_the_migrated_intake_screens_as_the_old_code_read_it(world_a):
    intake = _old_intake(world_a, {"fitzpatrick": 2})
    protocol = load_default()
    before = {f.rule for f in evaluate(intake.answers, protocol, intake.submitted_at.date()).findings}
    assert "not_asked:isotretinoin_last_dose" in before  # the new reading of the old shape
    migration.forwards(apps, None)
    intake.refresh_from_db()
    after = {f.rule for f in evaluate(intake.answers, protocol, intake.submitted_at.date()).findings}
    assert not {rule for rule in after if rule.endswith(migration.OLD_DATE_FIELDS)}


def test_a_clinic_whose_protocol_asked_for_left_out_dates_keeps_them_not_asked(world_a, world_b):
    # Clinic B adopted a protocol that read only a left-out filler date as "never" (and asked the others).
    text = DEFAULT_PATH.read_text().replace(
        'field = "filler_last_date"\n', 'field = "filler_last_date"\nif_not_asked = "assume_no"\n'
    )
    adopt_protocol(clinic=world_b.clinic, text=text, by=world_b.owner)
    b = _old_intake(world_b, {"fitzpatrick": 3})
    a = _old_intake(world_a, {"fitzpatrick": 3})
    migration.forwards(apps, None)
    b.refresh_from_db()
    a.refresh_from_db()
    assert b.answers == {"fitzpatrick": 3, "filler_last_date": "never"}  # only the one it read as never
    assert a.answers["isotretinoin_last_dose"] == "never"


def test_the_migration_reverses_to_the_old_shape(world_a):
    intake = _old_intake(world_a, dict(OLD_SHAPE))
    migration.forwards(apps, None)
    migration.backwards(apps, None)
    intake.refresh_from_db()
    assert intake.answers == OLD_SHAPE


def test_running_it_twice_changes_nothing_more(world_a):
    intake = _old_intake(world_a, dict(OLD_SHAPE))
    migration.forwards(apps, None)
    intake.refresh_from_db()
    once = dict(intake.answers)
    migration.forwards(apps, None)
    intake.refresh_from_db()
    assert intake.answers == once
