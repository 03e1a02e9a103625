"""Model factories for the tests (factory_boy). Patients and intakes go through the services, so the
audit chain is real in every test."""

import functools
from datetime import date

import factory
from django.contrib.auth.hashers import make_password

from needlecare.accounts.models import User
from needlecare.clinics.models import Clinic, Membership, Role
from needlecare.patients.intake import CLEAN_ANSWERS  # noqa: F401 - tests import it from here
from needlecare.patients.intake import Intake as IntakeAnswers
from needlecare.patients.models import Patient
from needlecare.patients.services import create_patient, submit_intake

PASSWORD = "correct horse battery staple"


@functools.cache
def _hashed_password() -> str:
    return make_password(PASSWORD)  # Argon2 once, not once per user


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.LazyFunction(_hashed_password)


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    timezone = "Europe/London"
    phone = factory.Sequence(lambda n: f"020 7946 {n % 10000:04d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.PRACTITIONER


def make_patient(clinic: Clinic, by: User | None = None, **fields: object) -> Patient:
    n = Patient.objects.count() + 1
    data: dict[str, object] = {
        "given_name": f"Given{n}",
        "family_name": f"Family{n}",
        "date_of_birth": date(1985, 1 + n % 12, 1 + n % 28),
        "email": f"patient{n}@example.test",
        "phone": f"07700 900{n:03d}",
    }
    data.update(fields)
    return create_patient(clinic=clinic, by=by, data=data)


# Every question answered, nothing that screening would flag: an eligible adult of skin type III.


def make_intake(patient: Patient, by: User | None = None, **answers: object):  # type: ignore[no-untyped-def]
    """A clean (eligible) intake, with `answers` changed or added; pass a value of ... to leave one out."""
    base: dict[str, object] = {"date_of_birth": patient.date_of_birth, **CLEAN_ANSWERS}
    base.update(answers)
    base = {k: v for k, v in base.items() if v is not ...}
    return submit_intake(patient=patient, answers=IntakeAnswers.model_validate(base), by=by)
