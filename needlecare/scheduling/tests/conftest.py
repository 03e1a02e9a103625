"""A clinic ready for booking: working hours for its practitioner and owner, two rooms, two devices.

Time stands still at Wednesday 25 November 2026, 10:00 UTC (10:00 in London)."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from needlecare.scheduling.models import Device, Room, WorkingHours
from needlecare.scheduling.selectors import type_by_code

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), tick=False):
        yield


def working_week(clinic, user, days=range(5), starts=time(9), ends=time(17)):  # type: ignore[no-untyped-def]
    for weekday in days:
        WorkingHours.objects.create(
            clinic=clinic, practitioner=user, weekday=weekday, starts=starts, ends=ends
        )


def equip(clinic, rooms=2, devices=2):  # type: ignore[no-untyped-def]
    for n in range(1, rooms + 1):
        Room.objects.get_or_create(clinic=clinic, name=f"Room {n}")
    for n in range(1, devices + 1):
        Device.objects.get_or_create(
            clinic=clinic, name=f"Pen {n}", defaults={"kind": "pen", "serial": f"SN{n}"}
        )


@pytest.fixture
def cal(world_a):  # type: ignore[no-untyped-def]
    working_week(world_a.clinic, world_a.practitioner)
    working_week(world_a.clinic, world_a.owner)
    equip(world_a.clinic)
    world_a.treatment = type_by_code(world_a.clinic, "treatment")
    world_a.consultation = type_by_code(world_a.clinic, "consultation")
    return world_a


def london(day: date, hour: int, minute: int = 0) -> datetime:
    import zoneinfo

    return datetime.combine(day, time(hour, minute), tzinfo=zoneinfo.ZoneInfo("Europe/London")).astimezone(
        UTC
    )


def make_plan(patient, by, *, start, sessions=3, weeks=(4, 6), schedule=None, device="pen", status="active"):  # type: ignore[no-untyped-def]
    from datetime import timedelta
    from decimal import Decimal

    from needlecare.plans.models import PlanZone, TreatmentPlan
    from needlecare.protocols.services import default_version

    plan = TreatmentPlan.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=default_version(),
        indications=["acne_scars"],
        device=device,
        fitzpatrick=3,
        start=start,
        sessions=sessions,
        interval_weeks_min=weeks[0],
        interval_weeks_max=weeks[1],
        maintenance_months=12,
        schedule=schedule
        if schedule is not None
        else [(start + timedelta(weeks=weeks[0] * i)).isoformat() for i in range(sessions)],
        status=status,
        created_by=by,
    )
    PlanZone.objects.create(
        plan=plan,
        zone="cheeks",
        depth_min_mm=Decimal("1.0"),
        depth_max_mm=Decimal("1.5"),
        protocol_min_mm=Decimal("1.0"),
        protocol_max_mm=Decimal("2.0"),
    )
    return plan


def screened(world, **answers):  # type: ignore[no-untyped-def]
    """Give the world's patient a new intake with these answers, screened today."""
    from needlecare.factories import make_intake
    from needlecare.screening.services import screen_patient

    make_intake(world.patient, by=world.owner, **answers)
    return screen_patient(patient=world.patient, by=world.practitioner, on=TODAY)
