"""Patients and their intake (medical history), each submission kept unchanged as a version."""

import re
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models


def validate_birth_date(value: date) -> None:
    if value > date.today():
        raise ValidationError("Date of birth cannot be in the future.")
    if value.year < 1900:
        raise ValidationError("Date of birth must be after 1900.")


phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{6,30}$", "Enter a phone number of digits, spaces and + ( ) - only."
)


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not stated"


class Patient(models.Model):
    # Random ids: a guessed id finds nothing, and ids reveal no clinic's size.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    reference = models.CharField("clinic reference", max_length=40, blank=True)
    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField(validators=[validate_birth_date])
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True, validators=[phone_validator])
    phone_digits = models.CharField(max_length=30, blank=True, editable=False)
    address = models.TextField(max_length=500, blank=True)
    notes = models.TextField(max_length=4000, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Set by interop.services.erase_patient: the row stays, anonymised, for the safety record.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "reference"],
                condition=~models.Q(reference=""),
                name="unique_patient_reference_per_clinic",
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "family_name", "given_name"]),
            models.Index(fields=["clinic", "date_of_birth"]),
            models.Index(fields=["clinic", "phone_digits"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_digits = re.sub(r"\D", "", self.phone)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class IntakeSource(models.TextChoices):
    STAFF = "staff", "Entered by staff"
    API = "api", "Through the API"
    PORTAL = "portal", "By the patient"


class Intake(models.Model):
    """One submitted set of intake answers. Never edited: a new answer set is a new version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="intakes")
    version = models.PositiveIntegerField()
    answers = models.JSONField()
    source = models.CharField(max_length=10, choices=IntakeSource.choices, default=IntakeSource.STAFF)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["patient", "version"], name="one_intake_per_version")]

    def __str__(self) -> str:
        return f"Intake v{self.version} of {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("An intake is never edited; submit a new version.")
        super().save(*args, **kwargs)
