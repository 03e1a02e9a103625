"""Demo: in each clinic, one patient asked to be erased after a session, so the lot trace and the audit
log show what an erasure keeps (the session, its cartridge lot and an adverse event, without identity)
and what it removes. The patient is the demo's own (no clinic reference), so the other parts' seeds,
which find their patients by reference, never meet it."""

from datetime import date, timedelta
from decimal import Decimal

from needlecare.clinics.models import Clinic, Membership, Role
from needlecare.consent.demo import demo_signature
from needlecare.consent.services import ensure_default_template, sign_consent
from needlecare.interop.services import erase_patient
from needlecare.patients.intake import CLEAN_ANSWERS
from needlecare.patients.intake import Intake as IntakeAnswers
from needlecare.patients.models import Patient
from needlecare.patients.services import create_patient, submit_intake
from needlecare.screening.services import screen_patient
from needlecare.treatments.models import Treatment
from needlecare.treatments.services import (
    SessionInput,
    SessionRefused,
    ZoneEntry,
    record_adverse_event,
    record_treatment,
)

PEOPLE = {
    "demo-skin": ("Rhiannon", "Pryce-Adebayo", date(1983, 4, 17)),
    "harbour": ("Cathal", "Ó Dálaigh", date(1976, 9, 2)),
}


def seed_clinic(clinic: Clinic, today: date) -> None:
    """Nothing to seed before the other parts have finished (see finish_clinic)."""


def finish_clinic(clinic: Clinic, today: date) -> None:
    if Patient.objects.filter(clinic=clinic, erased_at__isnull=False).exists():
        return  # seeded before: the seed runs at every `make demo`
    owner = Membership.objects.filter(clinic=clinic, role=Role.OWNER).select_related("user").first()
    if owner is None:
        return
    given, family, born = PEOPLE.get(clinic.slug, ("Alex", "Erasure-Demo", date(1980, 1, 1)))
    by = owner.user
    patient = create_patient(
        clinic=clinic,
        by=by,
        data={
            "given_name": given,
            "family_name": family,
            "date_of_birth": born,
            "sex": "unknown",
            "email": f"{given.lower()}@example.com",
            "phone": "07700 900999",
            "notes": "Moved abroad; asked for a copy of the record, then for its erasure.",
        },
    )
    submit_intake(
        patient=patient, answers=IntakeAnswers.model_validate({"date_of_birth": born, **CLEAN_ANSWERS}), by=by
    )
    day = today - timedelta(days=30)
    screen_patient(patient=patient, by=by, on=day)
    template = ensure_default_template(clinic)
    sign_consent(
        patient=patient,
        version=template.version,
        signed_name=patient.full_name,
        photo_use=False,
        signature=demo_signature(12),
        by=by,
    )
    # A lot other demo patients were treated with, so its trace shows the erased patient's session too.
    lot = (
        Treatment.objects.filter(clinic=clinic).values_list("cartridge__lot", flat=True).first() or "LOT-DEMO"
    )
    try:
        session = record_treatment(
            patient=patient,
            by=by,
            data=SessionInput(
                performed_on=day,
                device="pen",
                device_model="Dermapen 4",
                device_serial="DP4-10231",
                cartridge_id=f"{clinic.slug[:3].upper()}-ERASED-1",
                cartridge_lot=lot,
                cartridge_expiry=today + timedelta(days=365),
                numbing_agent="lidocaine_4",
                numbing_minutes=30,
                end_point="erythema",
                duration_minutes=40,
                immediate_reaction="expected",
                zones=[ZoneEntry("cheeks", Decimal("0.75"), 2)],
                notes=f"{given} tolerated it well.",
            ),
        )
        record_adverse_event(
            treatment=session,
            by=by,
            data={
                "kind": "bruising",
                "grade": 1,
                "onset_on": day + timedelta(days=1),
                "notes": "Small bruise.",
            },
        )
    except SessionRefused:
        pass  # the erasure still shows in the audit log
    erase_patient(patient=patient, by=by)
