"""Outcomes: assessments on the scales of `scales.py`, clinic-defined scales, and clinical photos."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from needlecare.outcomes import scales


class Better(models.TextChoices):
    LOWER = "lower", "Lower is better"
    HIGHER = "higher", "Higher is better"


class ClinicScale(models.Model):
    """A numeric scale a clinic defines for itself; used exactly like the standard ones."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(
        max_length=40,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", "Lower-case letters, digits and _, from a letter.")],
        help_text="Its identifier in the API, e.g. pore_visibility.",
    )
    name = models.CharField(max_length=120)
    minimum = models.DecimalField(max_digits=6, decimal_places=2)
    maximum = models.DecimalField(max_digits=6, decimal_places=2)
    better = models.CharField(max_length=6, choices=Better.choices)
    whole_numbers = models.BooleanField(default=True)
    labels = models.JSONField(default=dict, blank=True, help_text='Labels by value, e.g. {"1": "none"}.')
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "key"], name="one_clinic_scale_per_key")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.key in scales.STANDARD:
            errors["key"] = f"{self.key} is a standard scale; choose another identifier."
        if self.minimum is not None and self.maximum is not None and self.minimum >= self.maximum:
            errors["maximum"] = "The maximum must be above the minimum."
        if self.whole_numbers and any(
            v is not None and v != v.to_integral_value() for v in (self.minimum, self.maximum)
        ):
            errors["minimum"] = "A whole-number scale has whole-number ends."
        if errors:
            raise ValidationError(errors)

    def as_scale(self) -> scales.Scale:
        return scales.clinic_scale(
            key=self.key,
            name=self.name,
            minimum=self.minimum,
            maximum=self.maximum,
            better=self.better,  # type: ignore[arg-type]
            labels={int(k): str(v) for k, v in (self.labels or {}).items()},
            whole=self.whole_numbers,
        )


class Rater(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    PATIENT = "patient", "Patient"


class View(models.TextChoices):
    FRONT = "front", "Front"
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    OBLIQUE_LEFT = "oblique_left", "Oblique left"
    OBLIQUE_RIGHT = "oblique_right", "Oblique right"


class Photo(models.Model):
    """A clinical photo, re-encoded (EXIF and GPS gone) and stored privately under a random name."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="photos")
    taken_on = models.DateField()
    view = models.CharField(max_length=20, choices=View.choices)
    zone = models.CharField(max_length=30)
    treatment = models.ForeignKey(
        "treatments.Treatment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Names relative to PRIVATE_MEDIA_ROOT; random, never derived from the upload's name.
    file = models.CharField(max_length=200)
    thumbnail = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField()
    uploaded_format = models.CharField(
        max_length=10, help_text="What the upload really was: JPEG, PNG, HEIF."
    )
    sha256 = models.CharField(max_length=64, help_text="Of the stored (re-encoded) file.")
    marketing = models.BooleanField(
        default=False, help_text="May be used beyond the clinical record; needs the patient's photo consent."
    )
    note = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "-uploaded_at"]
        indexes = [models.Index(fields=["clinic", "patient", "view", "zone", "taken_on"])]

    def __str__(self) -> str:
        return f"{self.get_view_display()} {self.zone}, {self.taken_on}"


class Assessment(models.Model):
    """One score on one scale, for one zone and indication, on one day, by a clinician or the patient."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="assessments")
    scale = models.CharField(max_length=40, help_text="A standard scale id or the clinic scale's key.")
    clinic_scale = models.ForeignKey(
        ClinicScale, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    value = models.DecimalField(max_digits=6, decimal_places=2)
    components = models.JSONField(
        default=dict, blank=True, help_text="The parts a computed score comes from (scar counts by type)."
    )
    assessed_on = models.DateField()
    zone = models.CharField(max_length=30)
    indication = models.CharField(max_length=30)
    rater = models.CharField(max_length=10, choices=Rater.choices)
    is_baseline = models.BooleanField(default=False)
    treatment = models.ForeignKey(
        "treatments.Treatment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan = models.ForeignKey(
        "plans.TreatmentPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    photos = models.ManyToManyField(Photo, blank=True, related_name="assessments")
    notes = models.TextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessed_on", "recorded_at"]
        indexes = [models.Index(fields=["clinic", "patient", "scale", "assessed_on"])]

    def __str__(self) -> str:
        return f"{self.scale} {self.value} on {self.assessed_on}"

    @property
    def value_display(self) -> str:
        value: Decimal = self.value
        return format(value.normalize(), "f") if value is not None else ""
