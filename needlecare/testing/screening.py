"""Screening for tests: a new intake for the world's patient, screened on the tests' day."""

from typing import Any

from needlecare.screening.services import screen_patient
from needlecare.testing.clock import TODAY
from needlecare.testing.factories import make_intake


def screened(world, **answers: Any):  # type: ignore[no-untyped-def]
    """Give the world's patient a new intake with these answers, screened today."""
    make_intake(world.patient, by=world.owner, **answers)
    return screen_patient(patient=world.patient, by=world.practitioner, on=TODAY)
