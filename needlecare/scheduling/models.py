"""Scheduling: who works when, rooms and devices, appointment types, appointments and calendar feeds.

Times of appointments are stored in UTC; working hours are wall-clock times in the clinic's time zone,
so 09:00 stays 09:00 across a daylight-saving change.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class WorkingHours(models.Model):
    """One stretch of a practitioner's week, in the clinic's local time (several per day for a split)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(
        choices=[(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday")]
        + [(5, "Saturday"), (6, "Sunday")],
        validators=[MaxValueValidator(6)],
    )
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["practitioner_id", "weekday", "starts"]
        indexes = [models.Index(fields=["clinic", "practitioner", "weekday"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")), name="hours_start_before_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class TimeOff(models.Model):
    """Whole days away (holiday, training, sickness), first and last day included."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_day__lte=models.F("last_day")), name="time_off_first_before_last"
            )
        ]

    def __str__(self) -> str:
        return f"Away {self.first_day}–{self.last_day}"


class Room(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="one_room_per_name")]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A microneedling device the clinic owns; one treatment at a time."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=[("pen", "Pen"), ("roller", "Roller")], default="pen")
    serial = models.CharField(max_length=80, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="one_device_per_name")]

    def __str__(self) -> str:
        return self.name


class TypeCode(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    TREATMENT = "treatment", "Treatment"
    MAINTENANCE = "maintenance", "Maintenance"
    FOLLOW_UP = "follow_up", "Follow-up"


# The defaults every clinic starts with; the clinic may change durations and needs afterwards.
DEFAULT_TYPES = [
    # code, duration_minutes, needs_room, needs_device, is_treatment
    (TypeCode.CONSULTATION, 30, False, False, False),
    (TypeCode.TREATMENT, 60, True, True, True),
    (TypeCode.MAINTENANCE, 60, True, True, True),
    (TypeCode.FOLLOW_UP, 20, False, False, False),
]


class AppointmentType(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20, choices=TypeCode.choices)
    name = models.CharField(max_length=60)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    needs_room = models.BooleanField(default=False)
    needs_device = models.BooleanField(default=False)
    is_treatment = models.BooleanField(
        default=False, help_text="Needles touch skin: the screening gate applies (declined, deferred)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["clinic", "code"], name="one_type_per_code")]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class Appointment(models.Model):
    """One booked visit. Never two overlapping non-cancelled appointments for one practitioner, room or
    device: the booking service checks, and on PostgreSQL exclusion constraints (migration 0002) decide."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="appointments")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    cancel_reason = models.CharField(max_length=500, blank=True)
    move_reason = models.CharField(
        max_length=500, blank=True, help_text="Why a plan session sits outside its interval window."
    )
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE: bumped on every change.")
    plan = models.ForeignKey(
        "plans.TreatmentPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_number = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["clinic", "practitioner", "starts_at"]),
            models.Index(fields=["clinic", "patient", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="appointment_start_before_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.BOOKED, Status.CHECKED_IN)

    @property
    def session_label(self) -> str:
        return f"session {self.session_number}" if self.session_number else ""


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A secret address for one practitioner's or one patient's appointments. Only the hash is kept."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The token's first characters, to tell feeds apart.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Made by a session that had passed its second factor; a clinic that requires two-step sign-in
    # serves no other feed (it must be made again).
    issued_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(practitioner__isnull=True, patient__isnull=False)
                | models.Q(practitioner__isnull=False, patient__isnull=True),
                name="feed_for_one_practitioner_or_one_patient",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed {self.hint}…"

    @staticmethod
    def new_raw_token() -> str:
        return "ncf_" + secrets.token_urlsafe(32)
