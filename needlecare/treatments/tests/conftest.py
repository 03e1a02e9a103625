"""A patient ready for a session: eligible screening, signed consent, an active plan."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from needlecare.consent.models import ConsentSignature, ConsentTemplate
from needlecare.plans.models import PlanStatus, PlanZone, TreatmentPlan
from needlecare.protocols.services import default_version
from needlecare.screening.services import screen_patient

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield


def sign_consent(patient, template=None):  # type: ignore[no-untyped-def]
    template = template or ConsentTemplate.objects.filter(clinic=patient.clinic).order_by("-version").first()
    if template is None:
        template = ConsentTemplate.objects.create(
            clinic=patient.clinic, version=1, title="Consent", body="I agree.", photo_use_text="Photos?"
        )
    return ConsentSignature.objects.create(
        clinic=patient.clinic,
        patient=patient,
        template=template,
        signed_text=template.body,
        signed_name=patient.full_name,
        signature_svg="M1 1 L2 2",
        photo_use=False,
        signed_via="tablet",
    )


def active_plan(patient, by):  # type: ignore[no-untyped-def]
    plan = TreatmentPlan.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=default_version(),
        indications=["acne_scars"],
        device="pen",
        fitzpatrick=3,
        start=TODAY,
        sessions=4,
        interval_weeks_min=4,
        interval_weeks_max=6,
        maintenance_months=12,
        schedule=[],
        status=PlanStatus.ACTIVE,
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


@pytest.fixture
def ready(world_a):  # type: ignore[no-untyped-def]
    # Screened four weeks ago: still valid today, and on the days earlier sessions are back-dated to.
    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY - timedelta(weeks=4))
    sign_consent(world_a.patient)
    world_a.plan = active_plan(world_a.patient, world_a.practitioner)
    return world_a
