"""A patient with a bit of everything, for the erasure, FHIR and export tests. Parts whose app has no
model yet are left out (looked up by name)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.utils import timezone

from needlecare.core.storage import private_storage
from needlecare.patients.models import Patient
from needlecare.testing.factories import make_intake, make_patient

GIVEN, FAMILY = "Marguerite", "Oyelaran-Whitcombe"
EMAIL = "marguerite.ow@example.org"
PHONE = "07700 900461"
BORN = date(1987, 6, 15)
NEEDLES = [GIVEN, FAMILY, EMAIL, PHONE, "07700900461", "7700900461", "1987-06-15", "15/06/1987"]


@dataclass
class Rich:
    patient: Patient
    photo_files: list[str] = field(default_factory=list)  # names in the private storage
    made: dict[str, Any] = field(default_factory=dict)


def _model(label: str):  # type: ignore[no-untyped-def]
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def rich_patient(world, *, today: date | None = None) -> Rich:  # type: ignore[no-untyped-def]
    from needlecare.core.clock import clinic_today
    from needlecare.screening.services import screen_patient
    from needlecare.testing.consent import sign_consent
    from needlecare.testing.plans import active_plan
    from needlecare.treatments.services import SessionInput, ZoneEntry, record_adverse_event, record_treatment

    today = today or clinic_today(world.clinic)
    patient = make_patient(
        world.clinic,
        by=world.owner,
        given_name=GIVEN,
        family_name=FAMILY,
        preferred_name="Maggie",
        date_of_birth=BORN,
        email=EMAIL,
        phone=PHONE,
        address="14 Larkspur Mews, Bristol BS1 4QQ",
        notes=f"{GIVEN} prefers morning visits; call {PHONE}.",
        reference="OW-8842",
        sex="female",
    )
    make_intake(patient, by=world.owner, allergies=["lidocaine", "nickel"], herpes_simplex_history=True)
    rich = Rich(patient)
    rich.made["decision"] = screen_patient(
        patient=patient, by=world.practitioner, on=today - timedelta(days=20)
    )
    rich.made["consent"] = sign_consent(patient)
    plan = active_plan(patient, world.practitioner)
    type(plan).objects.filter(pk=plan.pk).update(notes=f"Plan for {GIVEN} {FAMILY}")
    rich.made["plan"] = plan
    session = record_treatment(
        patient=patient,
        by=world.practitioner,
        data=SessionInput(
            performed_on=today - timedelta(days=14),
            device="pen",
            device_model="Dermapen 4",
            device_serial="DP4-0091",
            cartridge_id="CART-7781",
            cartridge_lot="LOT-2026-11A",
            cartridge_expiry=date(2030, 1, 1),
            numbing_agent="tetracaine_4",  # the patient is allergic to lidocaine
            numbing_minutes=30,
            end_point="pinpoint_bleeding",
            duration_minutes=45,
            immediate_reaction="expected",
            zones=[ZoneEntry("cheeks", Decimal("1.25"), 3)],
            plan=plan,
            notes=f"{GIVEN} tolerated well; e-mail {EMAIL}",
        ),
    )
    rich.made["session"] = session
    rich.made["adverse_event"] = record_adverse_event(
        treatment=session,
        by=world.practitioner,
        data={
            "kind": "pih",
            "grade": 1,
            "onset_on": today - timedelta(days=10),
            "notes": f"{FAMILY} phoned from {PHONE}",
        },
    )
    _outcomes(world, rich, today, session, plan)
    _scheduling(world, rich, today, plan)
    _aftercare(world, rich, session)
    return rich


def _outcomes(world, rich, today, session, plan) -> None:  # type: ignore[no-untyped-def]
    photo_model, assessment_model = _model("outcomes.Photo"), _model("outcomes.Assessment")
    photo = None
    if photo_model is not None:
        for suffix in ("", "-thumb"):
            name = f"photos/{world.clinic.pk}/rich-photo{suffix}.jpg"
            data = b"\xff\xd8\xff\xe0 fake jpeg of the patient's cheeks \xff\xd9"
            rich.photo_files.append(private_storage().save(name, ContentFile(data)))
        photo = photo_model.objects.create(
            clinic=world.clinic,
            patient=rich.patient,
            taken_on=today - timedelta(days=14),
            view="front",
            zone="cheeks",
            treatment=session,
            file=f"photos/{world.clinic.pk}/rich-photo.jpg",
            thumbnail=f"photos/{world.clinic.pk}/rich-photo-thumb.jpg",
            width=10,
            height=10,
            bytes=45,
            uploaded_format="JPEG",
            sha256="0" * 64,
            note=f"Before, {GIVEN}",
            uploaded_by=world.practitioner,
        )
        rich.made["photo"] = photo
    if assessment_model is not None:
        assessment = assessment_model.objects.create(
            clinic=world.clinic,
            patient=rich.patient,
            scale="goodman_baron_qualitative",
            value=Decimal("3"),
            assessed_on=today - timedelta(days=14),
            zone="cheeks",
            indication="acne_scars",
            rater="clinician",
            is_baseline=True,
            treatment=session,
            plan=plan,
            notes=f"{GIVEN} baseline",
            recorded_by=world.practitioner,
        )
        if photo is not None:
            assessment.photos.add(photo)
        rich.made["assessment"] = assessment


def _scheduling(world, rich, today, plan) -> None:  # type: ignore[no-untyped-def]
    appointment_model, type_model = _model("scheduling.Appointment"), _model("scheduling.AppointmentType")
    if appointment_model is None or type_model is None:
        return
    kind = type_model.objects.filter(clinic=world.clinic, code="treatment").first()
    if kind is None:
        kind = type_model.objects.create(
            clinic=world.clinic, code="treatment", name="Treatment", duration_minutes=60
        )
    starts = timezone.make_aware(
        datetime.combine(today + timedelta(days=14), datetime.min.time())
    ) + timedelta(hours=10)
    rich.made["appointment"] = appointment_model.objects.create(
        clinic=world.clinic,
        patient=rich.patient,
        practitioner=world.practitioner,
        type=kind,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        plan=plan,
        session_number=2,
        move_reason=f"{GIVEN} asked to move it",
    )


def _aftercare(world, rich, session) -> None:  # type: ignore[no-untyped-def]
    checkin_model = _model("aftercare.CheckIn")
    if checkin_model is None:
        return
    rich.made["checkin"] = checkin_model.objects.create(
        clinic=world.clinic,
        patient=rich.patient,
        treatment=session,
        day=1,
        redness="mild",
        swelling="none",
        pain=2,
        notes=f"{GIVEN} says it is fine",
    )
