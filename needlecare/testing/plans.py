"""Treatment plans for tests: `make_plan` through the plans service (a draft, as the protocol proposes),
and two active plans written straight to the rows, for tests about what comes after a plan."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from needlecare.plans.models import PlanStatus, PlanZone, TreatmentPlan
from needlecare.plans.services import PlanChanges, create_plan
from needlecare.protocols.services import default_version
from needlecare.testing.clock import TODAY


def make_plan(  # type: ignore[no-untyped-def]
    world,
    *,
    indications: Sequence[str] = ("acne_scars",),
    zones: Sequence[str] = ("cheeks",),
    device: str = "pen",
    fitzpatrick: int | None = 3,
    start: date = date(2026, 11, 30),
    changes: PlanChanges | None = None,
    **options: Any,
) -> TreatmentPlan:
    """A draft plan through `create_plan`: acne scars on the cheeks (band 1.0-2.0 mm), as proposed."""
    return create_plan(
        patient=world.patient,
        by=world.practitioner,
        indications=list(indications),
        zones=list(zones),
        device=device,
        fitzpatrick=fitzpatrick,
        start=start,
        changes=changes,
        **options,
    )


# The two below write the rows directly: activation through the service needs a valid screening and
# writes history and audit rows, which the tests that use them (sessions, calendars, exports) do not
# set up or count. They are kept as they were, so no test's expectation moves.


def _cheeks(plan: TreatmentPlan) -> None:
    PlanZone.objects.create(
        plan=plan,
        zone="cheeks",
        depth_min_mm=Decimal("1.0"),
        depth_max_mm=Decimal("1.5"),
        protocol_min_mm=Decimal("1.0"),
        protocol_max_mm=Decimal("2.0"),
    )


def active_plan(patient, by, *, start: date = TODAY, sessions: int = 4) -> TreatmentPlan:  # type: ignore[no-untyped-def]
    """An active plan (rows written directly) of `sessions` for acne scars, cheeks at 1.0-1.5 mm, pen."""
    plan = TreatmentPlan.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=default_version(),
        indications=["acne_scars"],
        device="pen",
        fitzpatrick=3,
        start=start,
        sessions=sessions,
        interval_weeks_min=4,
        interval_weeks_max=6,
        maintenance_months=12,
        schedule=[],
        status=PlanStatus.ACTIVE,
        created_by=by,
    )
    _cheeks(plan)
    return plan


def scheduled_plan(  # type: ignore[no-untyped-def]
    patient,
    by,
    *,
    start: date,
    sessions: int = 3,
    weeks: tuple[int, int] = (4, 6),
    schedule: list[str] | None = None,
    device: str = "pen",
    status: str = "active",
) -> TreatmentPlan:
    """A plan (rows written directly) with a session every `weeks[0]` weeks from `start`, for calendars."""
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
    _cheeks(plan)
    return plan
