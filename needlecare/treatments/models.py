"""Sessions as performed ("session" on pages; `Session` is Django's): what was done, with what, how deep,
and what happened. A faulty cartridge lot can be traced to every patient it touched."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from needlecare.protocols import load_default


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


# The numbing agents are the protocol's [numbing.agents] (needlecare.treatments.numbing); a session keeps
# the key, the label and the ingredients as they were on the day.


class Adjunct(models.TextChoices):
    NONE = "none", "None"
    # A blood product: single-use draw kit per patient, its lot recorded, blood-borne infection screening
    # checked. HIV spread between clients of a spa that reused PRP equipment [Stadelman-Behar 2024].
    PRP = "prp", "Platelet-rich plasma (PRP)"


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
    numbing_agent = models.CharField(max_length=20, help_text="A key of the protocol's [numbing.agents].")
    numbing_agent_label = models.CharField(max_length=120, blank=True)
    numbing_ingredients = models.JSONField(default=list, blank=True)
    numbing_reason = models.TextField(
        max_length=2000,
        blank=True,
        help_text="Why an agent containing an ingredient the patient is allergic to was used.",
    )
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
    adjunct = models.CharField(max_length=20, choices=Adjunct.choices, default=Adjunct.NONE)
    blood_kit_id = models.CharField(
        max_length=60, blank=True, help_text="The single-use draw kit, as printed."
    )
    blood_kit_lot = models.CharField(max_length=60, blank=True, db_index=True)
    bloodborne_screening_checked = models.BooleanField(
        default=False, help_text="The blood-borne infection screening (HIV, hepatitis B and C) was checked."
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
            models.UniqueConstraint(fields=["cartridge"], name="one_session_per_cartridge"),
            # A blood-draw kit is single-use: one session, whoever the patient.
            models.UniqueConstraint(
                fields=["clinic", "blood_kit_id"],
                condition=~models.Q(blood_kit_id=""),
                name="one_session_per_blood_kit",
            ),
        ]

    def __str__(self) -> str:
        return f"Session on {self.performed_on}"

    def get_numbing_agent_display(self) -> str:
        """The agent's name as recorded (older rows: as the default protocol names it)."""
        if self.numbing_agent_label:
            return self.numbing_agent_label

        numbing = load_default().numbing
        agent = numbing.agents.get(self.numbing_agent) if numbing else None
        return agent.label if agent else self.numbing_agent.replace("_", " ").capitalize()


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
    GRANULOMATOUS = "granulomatous_reaction", "Granulomatous reaction"
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
