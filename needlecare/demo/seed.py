"""Demo data: two clinics, their staff and about forty synthetic patients each. Idempotent.

Every name, date and answer here is invented. Later issues extend `seed()` with plans, sessions,
bookings and outcomes so that `make demo` shows what each part does on realistic data.
"""

import random
import unicodedata
from datetime import date, datetime, time, timedelta

from django.db import transaction

from needlecare.accounts.models import User
from needlecare.clinics.models import Clinic, Membership, Role
from needlecare.clinics.services import add_member
from needlecare.consent.models import ConsentSignature
from needlecare.core.clock import clinic_zone
from needlecare.patients.intake import CLEAN_ANSWERS
from needlecare.patients.intake import Intake as IntakeAnswers
from needlecare.patients.models import Intake, Patient
from needlecare.patients.services import create_patient, submit_intake
from needlecare.plans.models import TreatmentPlan
from needlecare.scheduling.models import Appointment
from needlecare.screening.models import ScreeningDecision
from needlecare.screening.services import override_screening, screen_patient
from needlecare.treatments.models import Treatment

DEMO_PASSWORD = "needlecare-demo-2026"
TODAY = date.today()  # the demo is always current: screenings recent, sessions in the past weeks

CLINICS = [
    {
        "slug": "demo-skin",
        "name": "Demo Skin Clinic",
        "timezone": "Europe/London",
        "email": "hello@demo.clinic",
        "phone": "020 7946 0321",
        "prefix": "DSC",
        "staff": [
            ("owner@demo.clinic", "Olivia Marsh", Role.OWNER),
            ("practitioner@demo.clinic", "Priya Natarajan", Role.PRACTITIONER),
            ("frontdesk@demo.clinic", "Frankie Doyle", Role.FRONT_DESK),
        ],
    },
    {
        "slug": "harbour",
        "name": "Harbour Aesthetics",
        "timezone": "Europe/Dublin",
        "email": "desk@harbour.clinic",
        "phone": "+353 1 555 0142",
        "prefix": "HBA",
        "staff": [("owner@harbour.clinic", "Hana Quinlan", Role.OWNER)],
    },
]

GIVEN = [
    "Amara",
    "Ben",
    "Chloe",
    "Dmitri",
    "Esi",
    "Farah",
    "Grace",
    "Hiro",
    "Imogen",
    "Jamal",
    "Kemi",
    "Liam",
    "Mei",
    "Nadia",
    "Oisín",
    "Priyanka",
    "Quinn",
    "Rosa",
    "Sana",
    "Tomás",
    "Uma",
    "Victor",
    "Wren",
    "Xiu",
    "Yasmin",
    "Zainab",
    "Aoife",
    "Bilal",
    "Carmen",
    "Delroy",
    "Elif",
    "Fionn",
    "Gabriela",
    "Hamid",
    "Ines",
    "Jun",
    "Keisha",
    "Lucía",
    "Mateo",
    "Niamh",
]
FAMILY = [
    "Okafor",
    "Brennan",
    "Nguyen",
    "Petrov",
    "Mensah",
    "Haddad",
    "Walsh",
    "Tanaka",
    "Fitzgerald",
    "Abdi",
    "Adeyemi",
    "O'Connor",
    "Chen",
    "Rahman",
    "Byrne",
    "Kapoor",
    "Murphy",
    "Silva",
    "Iqbal",
    "García",
    "Shah",
    "Novak",
    "Lindqvist",
    "Wu",
    "Karimi",
    "Bello",
    "Kelly",
    "Aziz",
    "López",
    "Campbell",
    "Yilmaz",
    "Doherty",
    "Santos",
    "Hosseini",
    "Moreau",
    "Park",
    "Johnson",
    "Fernández",
    "Ruiz",
    "Ryan",
]


MALE_NAMES = {
    "Ben",
    "Dmitri",
    "Hiro",
    "Jamal",
    "Liam",
    "Oisín",
    "Tomás",
    "Victor",
    "Bilal",
    "Delroy",
    "Fionn",
    "Hamid",
    "Mateo",
}
EITHER = {"Quinn", "Wren", "Jun", "Xiu"}


def _sex_for(given: str, drawn: str) -> str:
    """A sex that fits the given name (the draw only decides for names that fit any)."""
    if given in MALE_NAMES:
        return "male"
    if given in EITHER:
        return drawn
    return "female" if drawn == "male" else drawn


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace("'", "")


def _answers(rng: random.Random, born: date, index: int) -> dict[str, object]:
    """A plausible history; every sixth or so patient has something screening must catch."""
    a: dict[str, object] = {**CLEAN_ANSWERS, "date_of_birth": born}
    a["fitzpatrick"] = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
    a["active_acne_at_site"] = rng.choice(["none", "none", "none", "comedonal"])
    a["herpes_simplex_history"] = rng.random() < 0.2
    a["diabetes"] = rng.choice(["none"] * 8 + ["controlled"])
    a["allergies"] = rng.choice([[], [], [], ["lidocaine"], ["nickel"], ["penicillin"]])
    # Drawn apart from `rng`, so adding these questions left every other demo answer as it was.
    habits = random.Random(f"habits-{index}")
    a["smoker"] = habits.random() < 0.15
    a["sun_exposure"] = habits.choice(["low", "medium", "medium", "medium", "high", "high"])
    twist = index % 7
    if twist == 1:
        a["isotretinoin_last_dose"] = TODAY - timedelta(days=rng.randint(40, 150))
    elif twist == 2:
        a["anticoagulant"] = rng.choice(["antiplatelet", "anticoagulant"])
    elif twist == 3:
        a["pregnant_or_breastfeeding"] = None  # asked, not known yet: screening must ask again
    elif twist == 4:
        a["dermatitis_at_site"] = rng.choice(["stable", "active"])
    elif twist == 5:
        a["neurotoxin_last_date"] = TODAY - timedelta(days=rng.randint(3, 30))
        a["topical_retinoid_last_use"] = TODAY - timedelta(days=rng.randint(1, 20))
    elif twist == 6 and index % 2:
        a["keloid_history"] = True
    return a


def seed(*, patients_per_clinic: int = 40, out=None) -> None:  # type: ignore[no-untyped-def]
    for spec in CLINICS:
        with transaction.atomic():
            _seed_clinic(spec, patients_per_clinic)
    if out:
        out.write("Demo clinics ready.\n")


def _seed_clinic(spec: dict, count: int) -> Clinic:  # type: ignore[type-arg]
    clinic, _ = Clinic.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            "name": spec["name"],
            "timezone": spec["timezone"],
            "email": spec["email"],
            "phone": spec["phone"],
        },
    )
    if not clinic.phone:  # a demo seeded before clinics needed a phone number
        clinic.phone = spec["phone"]
        clinic.save(update_fields=["phone"])
    owner = None
    for email, full_name, role in spec["staff"]:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        if not Membership.objects.filter(user=user, clinic=clinic).exists():
            add_member(clinic=clinic, user=user, role=role)
        if role == Role.OWNER:
            owner = user
    rng = random.Random(spec["slug"])
    for index in range(count):
        reference = f"{spec['prefix']}-{index + 1:04d}"
        given = GIVEN[(index * 7 + len(spec["slug"])) % len(GIVEN)]
        family = FAMILY[(index * 11 + 3) % len(FAMILY)]
        born = TODAY - timedelta(days=rng.randint(19 * 365, 72 * 365))
        phone = f"07700 9{rng.randint(0, 99999):05d}"
        if Patient.objects.filter(clinic=clinic, reference=reference).exists():
            continue
        patient = create_patient(
            clinic=clinic,
            by=owner,
            data={
                "reference": reference,
                "given_name": given,
                "family_name": family,
                "date_of_birth": born,
                "sex": _sex_for(given, rng.choice(["female", "female", "female", "male", "other"])),
                "email": _ascii(f"{given}.{family}@example.com").lower(),
                "phone": phone,
            },
        )
        if index % 10 == 9:
            continue  # registered, intake not yet filled in
        answers = _answers(rng, born, index)
        submit_intake(patient=patient, answers=IntakeAnswers.model_validate(answers), by=owner)
        if index % 8 == 0:
            answers["allergies"] = [*answers["allergies"], "chlorhexidine"]  # type: ignore[list-item]
            submit_intake(patient=patient, answers=IntakeAnswers.model_validate(answers), by=owner)
    _seed_screenings(clinic)
    _seed_parts(clinic)
    _date_the_records(clinic)
    return clinic


def _date_the_records(clinic: Clinic) -> None:
    """The seed runs in a minute, but its records tell of months: a patient treated in October registered,
    filled in the intake and signed consent before that. Move those times (stamped "now" by the database)
    back to before each patient's first screening, session or appointment, so the patient's timeline reads
    as it happened. Only the times move (no rule reads them; screening and consent go by version).
    Idempotent: the same times every run."""

    from django.utils import timezone

    zone = clinic_zone(clinic)
    first: dict[object, date] = {}
    dated = [
        *ScreeningDecision.objects.filter(clinic=clinic).values_list("patient_id", "screened_on"),
        *Treatment.objects.filter(clinic=clinic).values_list("patient_id", "performed_on"),
        *(
            (patient_id, timezone.localtime(starts, zone).date())
            for patient_id, starts in Appointment.objects.filter(clinic=clinic).values_list(
                "patient_id", "starts_at"
            )
        ),
    ]
    for patient_id, day in dated:
        if patient_id is not None and (patient_id not in first or day < first[patient_id]):
            first[patient_id] = day

    def at(day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    patients = Patient.objects.filter(clinic=clinic, erased_at__isnull=True).order_by("reference")
    for index, patient_id in enumerate(patients.values_list("pk", flat=True)):
        anchor = first.get(patient_id, TODAY - timedelta(days=2 + index % 12))
        minute = index * 7 % 50
        Patient.objects.filter(pk=patient_id).update(
            created_at=at(anchor - timedelta(days=10), 9 + index % 8, minute)
        )
        for intake_id, version in Intake.objects.filter(patient_id=patient_id).values_list("pk", "version"):
            moved = at(anchor - timedelta(days=8 - 2 * min(version - 1, 3)), 10 + index % 7, minute)
            Intake.objects.filter(pk=intake_id).update(submitted_at=moved)
        # A plan is made minutes before it is started (the seed starts them on their historical days).
        for plan_id, activated in TreatmentPlan.objects.filter(
            patient_id=patient_id, activated_at__isnull=False
        ).values_list("pk", "activated_at"):
            TreatmentPlan.objects.filter(pk=plan_id, created_at__gt=activated).update(
                created_at=activated - timedelta(minutes=20)
            )
        signatures = ConsentSignature.objects.filter(patient_id=patient_id, template__version=1)
        earliest = signatures.order_by("signed_at").first()
        if earliest is not None:
            signed = at(anchor - timedelta(days=1), 17, minute)
            ConsentSignature.objects.filter(pk=earliest.pk).update(signed_at=signed)


def _seed_parts(clinic: Clinic) -> None:
    """Each app that has demo data of its own keeps it beside it: `needlecare/<app>/demo.py` with
    `seed_clinic(clinic, today)`, called in the order of INSTALLED_APPS (plans before sessions, and so
    on), and optionally `finish_clinic(clinic, today)`, called once every part has seeded. Each must be
    idempotent: `make demo` runs the seed every time."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    parts = [
        import_module(f"{config.name}.demo")
        for config in apps.get_app_configs()
        if config.name.startswith("needlecare.") and find_spec(f"{config.name}.demo")
    ]
    for part in parts:
        part.seed_clinic(clinic, TODAY)
    # Then what must come after everything else (a consent form revised after past sessions, say).
    for part in parts:
        if hasattr(part, "finish_clinic"):
            part.finish_clinic(clinic, TODAY)


def _seed_screenings(clinic: Clinic) -> None:
    """Screen every patient with an intake (as the practitioner, or the owner) once, a little while ago,
    and record a clearance letter for some of those who need one."""
    screener = (
        Membership.objects.filter(clinic=clinic, role__in=[Role.PRACTITIONER, Role.OWNER])
        .order_by("-role")
        .select_related("user")
        .first()
    )
    if screener is None:
        return
    screened = set(ScreeningDecision.objects.filter(clinic=clinic).values_list("patient_id", flat=True))
    patients = Patient.objects.filter(clinic=clinic, intakes__isnull=False).distinct().order_by("reference")
    for index, patient in enumerate(patients):
        if patient.pk in screened:
            continue
        decision = screen_patient(patient=patient, by=screener.user, on=TODAY - timedelta(days=index % 20))
        if decision.outcome == "clearance" and index % 2 == 0:
            override_screening(
                decision=decision,
                by=screener.user,
                reason="Written clearance received and reviewed; proceed at the shallow end of the band.",
                clearance_from="Dr R. Iqbal, GP, Harbour Street Surgery",
                clearance_dated=TODAY - timedelta(days=25),
                document_reference=f"clearance-{patient.reference}.pdf",
            )
