"""Aftercare: each session's timeline (from the protocol, versioned), the reminders we owe patients (rows
of our own, sent exactly once), the patient's day 1/3/7 check-ins, and the sender's heartbeat."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class AftercareTimeline(models.Model):
    """The aftercare steps a session's patient follows, as the protocol version in force gave them."""

    treatment = models.OneToOneField(
        "treatments.Treatment", on_delete=models.CASCADE, related_name="aftercare", primary_key=True
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey("protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    deepest_mm = models.DecimalField(max_digits=3, decimal_places=2)
    extra_days = models.PositiveSmallIntegerField(default=0)
    # [{from_day, to_day, instructions, expected, call_clinic_if, source}], days after the session.
    steps = models.JSONField()
    notes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"Aftercare from {self.starts_on}"

    def dated_steps(self) -> list[dict[str, object]]:
        """Each step with its label and calendar days, for pages and the printable sheet."""
        from needlecare.aftercare.timeline import dated, steps_from

        return [
            {"step": step, "label": step.label, "starts": starts, "ends": ends}
            for step, starts, ends in dated(steps_from(self.steps), self.starts_on)
        ]


class Kind(models.TextChoices):
    APPOINTMENT_24H = "appointment_24h", "Appointment tomorrow"
    AFTERCARE_DAY1 = "aftercare_day1", "Aftercare, day 1"
    AFTERCARE_DAY3 = "aftercare_day3", "Aftercare, day 3"
    AFTERCARE_DAY7 = "aftercare_day7", "Aftercare, day 7"
    CHECKIN_REQUEST = "checkin_request", "Check-in request"
    MAINTENANCE_DUE = "maintenance_due", "Maintenance due"
    CHECKIN_ALERT = "checkin_alert", "Warning signs reported (to the clinic)"
    PORTAL_LINK = "portal_link", "Sign-in link (asked for on the portal)"


# Sent as soon as they are due, whatever the clinic's quiet hours: someone is waiting for them.
IMMEDIATE_KINDS = frozenset({Kind.CHECKIN_ALERT, Kind.PORTAL_LINK})


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class State(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class Reminder(models.Model):
    """One message we owe someone. Claimed under a row lock with a lease; the key makes it unique."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Which object it is about ("treatment", "appointment", "checkin"), and its id.
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    context = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField()
    # When it may next be tried: due_at, moved out of quiet hours or back for a retry.
    send_after = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    idempotency_key = models.CharField(max_length=200, unique=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # The gateway's id for the text message (Twilio's Message SID) and the last delivery status it told us.
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["state", "send_after"]),
            models.Index(fields=["clinic", "-due_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} ({self.state})"


class SenderHeartbeat(models.Model):
    """One row: when the reminder sender last ran. Its row lock also serialises scheduling the next run."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_run_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"sender last ran {self.last_run_at}"


class Redness(models.TextChoices):
    NONE = "none", "None"
    MILD = "mild", "Mild, like light sunburn"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class CheckIn(models.Model):
    """The patient's answers on day 1, 3 or 7 after a session, and the warning signs they show."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    treatment = models.ForeignKey("treatments.Treatment", on_delete=models.CASCADE, related_name="checkins")
    day = models.PositiveSmallIntegerField()
    redness = models.CharField(max_length=10, choices=Redness.choices)
    swelling = models.CharField(max_length=10, choices=Redness.choices)
    pain = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    getting_worse = models.BooleanField(default=False)
    warmth = models.BooleanField(default=False)
    pus = models.BooleanField(default=False)
    fever = models.BooleanField(default=False)
    spreading_redness = models.BooleanField(default=False)
    blisters_or_cold_sores = models.BooleanField(default=False)
    rash_or_itching = models.BooleanField(default=False)
    darkening = models.BooleanField(default=False)
    notes = models.TextField(max_length=2000, blank=True)
    # Optional: stored as the patient's clinical photo (outcomes), re-encoded, private, tied to the session.
    photo = models.ForeignKey(
        "outcomes.Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    warning_signs = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["treatment", "day"], name="one_checkin_per_day")]
        indexes = [models.Index(fields=["clinic", "reviewed_at", "-submitted_at"])]

    def __str__(self) -> str:
        return f"Day {self.day} check-in"

    @property
    def needs_attention(self) -> bool:
        return bool(self.warning_signs)


class TwilioAccount(models.Model):
    """A clinic's Twilio account for text messages. The secrets are encrypted at rest (aftercare/secrets.py)
    with the key in SMS_CREDENTIALS_KEY; only their last four characters are ever shown."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    account_sid = models.CharField(max_length=64, unique=True)
    # The auth token signs Twilio's webhooks, so it is always needed; an API key (SID and secret) may be
    # used for sending instead.
    auth_token_encrypted = models.TextField()
    auth_token_last4 = models.CharField(max_length=4)
    api_key_sid = models.CharField(max_length=64, blank=True)
    api_secret_encrypted = models.TextField(blank=True)
    api_secret_last4 = models.CharField(max_length=4, blank=True)
    from_number = models.CharField(max_length=30, blank=True)
    messaging_service_sid = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Twilio account {self.account_sid}"


class SmsOptOut(models.Model):
    """The patient replied STOP (or another opt-out word): no text message goes to them until START."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "opted out of SMS"


class InboundMessage(models.Model):
    """A text message a patient sent to the clinic's number: shown on their page and the aftercare page
    until someone marks it answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    # None when no patient of the clinic has the sender's number (or several have).
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    provider_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=30, blank=True)
    body = models.TextField(max_length=1600, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["clinic", "answered_at", "-received_at"])]

    def __str__(self) -> str:
        return "Text message from a patient"
