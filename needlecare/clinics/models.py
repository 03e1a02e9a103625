"""Clinics, and who works in them with which role."""

import re
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example Europe/London).")


_PHONE = re.compile(r"^\+?[0-9 ()./-]+$")


def validate_phone(value: str) -> None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE.match(value.strip()) or not 6 <= len(digits) <= 15:
        raise ValidationError(
            f"{value!r} is not a telephone number: digits, spaces and + ( ) - only, 6 to 15 digits "
            "(for example 020 7946 0000 or +44 20 7946 0000)."
        )


def tel_uri(phone: str) -> str:
    """A ``tel:`` link for a number as written: ``tel_uri("+44 (20) 7946-0000") == "tel:+442079460000"``."""
    phone = phone.strip()
    digits = re.sub(r"\D", "", phone)
    return f"tel:{'+' if phone.startswith('+') else ''}{digits}" if digits else ""


class Clinic(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    email = models.EmailField(blank=True)
    # Every page and message that tells a patient to call shows it (a tel: link). Required; rows from
    # before it was (blank) still load, and staff see "no phone set" on every page until it is set.
    phone = models.CharField(
        max_length=40,
        validators=[validate_phone],
        help_text="Patients are told to call this number (warning signs, aftercare, reminders).",
    )
    require_two_factor = models.BooleanField(
        default=False, help_text="Every member must sign in with a one-time code from an authenticator app."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new clinic is never created without a phone number, whichever path creates it.
        if self._state.adding and not self.phone.strip():
            raise ValidationError(
                {"phone": "A clinic needs a telephone number: patients are told to call it."}
            )
        super().save(*args, **kwargs)

    @property
    def tel_uri(self) -> str:
        return tel_uri(self.phone)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"


ALL_ROLES = frozenset(Role.values)
# Screening, plans, sessions and outcomes are clinical records: practitioners and owners only.
CLINICAL_ROLES = frozenset({Role.OWNER, Role.PRACTITIONER})
OWNER_ONLY = frozenset({Role.OWNER})


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic__name"]
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")]

    def __str__(self) -> str:
        return f"{self.user} at {self.clinic} ({self.get_role_display()})"

    @property
    def is_clinical(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER
