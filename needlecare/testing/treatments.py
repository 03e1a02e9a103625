"""Sessions for tests, recorded through `record_treatment` so the audit chain and history are real."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from needlecare.plans.models import TreatmentPlan
from needlecare.screening.services import screen_patient
from needlecare.testing.clock import TODAY
from needlecare.testing.consent import sign_consent
from needlecare.testing.plans import active_plan
from needlecare.treatments.models import Treatment
from needlecare.treatments.services import SessionInput, ZoneEntry, record_treatment

SESSIONS = (date(2024, 1, 5), date(2024, 2, 2), date(2024, 3, 1))


def record_session(  # type: ignore[no-untyped-def]
    world, *, on: date = TODAY, depth: str = "1.0", cartridge: str = "C-1", plan=None
) -> Treatment:
    """A session on the cheeks at `depth` mm with a pen, by the world's practitioner, on `on`."""
    return record_treatment(
        patient=world.patient,
        by=world.practitioner,
        data=SessionInput(
            performed_on=on,
            device="pen",
            device_model="Dermapen 4",
            device_serial="DP4-1",
            cartridge_id=cartridge,
            cartridge_lot="LOT-1",
            cartridge_expiry=date(2099, 1, 1),
            numbing_agent="none",
            numbing_minutes=0,
            end_point="erythema",
            duration_minutes=30,
            immediate_reaction="expected",
            zones=[ZoneEntry("cheeks", Decimal(depth), 2)],
            plan=plan,
        ),
    )


def treat(  # type: ignore[no-untyped-def]
    world, patient, *, indications: Sequence[str] = ("acne_scars",), days: Sequence[date] = SESSIONS
) -> TreatmentPlan:
    """Sessions on ``days`` under a plan for ``indications`` (recorded today, then moved to those days)."""
    screen_patient(patient=patient, by=world.practitioner, on=TODAY - timedelta(weeks=4))
    sign_consent(patient)
    plan = active_plan(patient, world.practitioner)
    plan.indications = list(indications)
    plan.save(update_fields=["indications"])
    for number, day in enumerate(days):
        treatment = record_treatment(
            patient=patient,
            by=world.practitioner,
            data=SessionInput(
                performed_on=TODAY,
                plan=plan,
                device="pen",
                device_model="Dermapen 4",
                device_serial="DP4-0001",
                cartridge_id=f"C-{patient.pk.hex[:12]}-{day:%Y%m%d}-{number}",  # single-use
                cartridge_lot="LOT-A1",
                cartridge_expiry=date(2027, 6, 30),
                numbing_agent="lidocaine_4",
                numbing_minutes=30,
                end_point="pinpoint_bleeding",
                duration_minutes=45,
                immediate_reaction="expected",
                zones=[ZoneEntry("cheeks", Decimal("1.50"), 3)],
            ),
        )
        Treatment.objects.filter(pk=treatment.pk).update(performed_on=day)
    return plan


def make_ready(world, *, contact: bool = False):  # type: ignore[no-untyped-def]
    """The world's patient ready for a session: screened four weeks ago, consent signed, `world.plan`
    an active plan; with `contact`, the clinic has an email and phone for its messages."""
    # Screened four weeks ago: still valid today, and on the days earlier sessions are back-dated to.
    screen_patient(patient=world.patient, by=world.practitioner, on=TODAY - timedelta(weeks=4))
    sign_consent(world.patient)
    world.plan = active_plan(world.patient, world.practitioner)
    if contact:
        world.clinic.email = "desk@clinic-a.test"
        world.clinic.phone = "020 7946 0000"
        world.clinic.save()
    return world
