"""Sessions as performed ("session" on pages; `Session` is Django's): what was done, with what, how deep,
and what happened. A faulty cartridge lot can be traced to every patient it touched."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Cartridge(models.Model):
    """One single-use needle cartridge, by its printed id: recorded in one session only (the database
    refuses a second, also for the same patient and under concurrent requests)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    cartridge_id = models.CharField(max_length=60)
    lot = models.CharField(max_length=60, db_index=True)
    expiry = models.DateField()
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    first_used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "cartridge_id"], name="one_cartridge_per_id")
        ]

    def __str__(self) -> str:
        return f"{self.cartridge_id} (lot {self.lot})"


class NumbingAgent(models.TextChoices):
    NONE = "none", "None"
    LIDOCAINE_4 = "lidocaine_4", "Lidocaine 4% cream"
    LIDOCAINE_PRILOCAINE = "emla", "Lidocaine/prilocaine 2.5%/2.5% (EMLA)"
    LIDOCAINE_TETRACAINE = "lido_tetra", "Lidocaine/tetracaine 7%/7%"
    BLT = "blt", "Benzocaine/lidocaine/tetracaine (BLT)"
    OTHER = "other", "Other (see notes)"


class EndPoint(models.TextChoices):
    ERYTHEMA = "erythema", "Even erythema"
    PINPOINT = "pinpoint_bleeding", "Pinpoint bleeding"
    NOT_REACHED = "not_reached", "Not reached (stopped early)"


class Reaction(models.TextChoices):
    EXPECTED = "expected", "Expected redness and mild swelling"
    MARKED = "marked", "Marked redness or swelling"
    BLEEDING = "bleeding", "Bleeding beyond pinpoint"
    VASOVAGAL = "vasovagal", "Faint or near-faint"
    OTHER = "other", "Other (see notes)"


class Treatment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="treatments")
    plan = models.ForeignKey(
        "plans.TreatmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="treatments"
    )
    performed_on = models.DateField()
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    screening = models.ForeignKey("screening.ScreeningDecision", on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey("consent.ConsentSignature", on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=10, choices=[("pen", "Pen"), ("roller", "Roller")])
    device_model = models.CharField(max_length=120)
    device_serial = models.CharField(max_length=80)
    cartridge = models.ForeignKey(Cartridge, on_delete=models.PROTECT, related_name="treatments")
    numbing_agent = models.CharField(max_length=20, choices=NumbingAgent.choices)
    numbing_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(120)])
    end_point = models.CharField(max_length=20, choices=EndPoint.choices)
    product_applied = models.CharField(max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    immediate_reaction = models.CharField(max_length=20, choices=Reaction.choices)
    notes = models.TextField(max_length=4000, blank=True)
    interval_reason = models.TextField(
        max_length=2000, blank=True, help_text="Why this session is sooner than the plan's minimum interval."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-performed_on", "-created_at"]
        indexes = [models.Index(fields=["clinic", "patient", "-performed_on"])]
        constraints = [
            # Single use: one session per cartridge, decided by the database so that concurrent
            # requests cannot both record it.
            models.UniqueConstraint(fields=["cartridge"], name="one_session_per_cartridge")
        ]

    def __str__(self) -> str:
        return f"Session on {self.performed_on}"


class TreatmentZone(models.Model):
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="zones")
    zone = models.CharField(max_length=30)
    depth_mm = models.DecimalField(
        max_digits=3, decimal_places=2, validators=[MinValueValidator(0.1), MaxValueValidator(3.0)]
    )
    passes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(8)])

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["treatment", "zone"], name="one_row_per_session_zone")]

    def __str__(self) -> str:
        return f"{self.zone} {self.depth_mm} mm × {self.passes}"


class AdverseEventKind(models.TextChoices):
    PROLONGED_ERYTHEMA = "prolonged_erythema", "Redness lasting over a week"
    PIH = "pih", "Post-inflammatory hyperpigmentation"
    INFECTION = "infection", "Bacterial infection"
    HERPES = "herpes_reactivation", "Cold sore (herpes) reactivation"
    CONTACT_DERMATITIS = "contact_dermatitis", "Allergic or contact dermatitis"
    ACNEIFORM = "acneiform", "Acne-like eruption or milia"
    TRAM_TRACK = "tram_track", "Tram-track marks"
    SCARRING = "scarring", "Scarring"
    BRUISING = "bruising", "Bruising"
    OTHER = "other", "Other (see notes)"


class Grade(models.IntegerChoices):
    # CTCAE-style grades, shortened to what a skin clinic meets.
    MILD = 1, "1 · mild: no treatment needed"
    MODERATE = 2, "2 · moderate: local treatment"
    SEVERE = 3, "3 · severe: medical treatment or referral"
    SERIOUS = 4, "4 · serious: urgent care"


class AdverseEvent(models.Model):
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="adverse_events")
    kind = models.CharField(max_length=30, choices=AdverseEventKind.choices)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    onset_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    notes = models.TextField(max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["onset_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (grade {self.grade})"
