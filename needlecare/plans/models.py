"""Treatment plans: a series of sessions proposed from the protocol and adjusted by a practitioner."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Device(models.TextChoices):
    PEN = "pen", "Pen (adjustable depth)"
    ROLLER = "roller", "Roller (fixed needle length)"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class TreatmentPlan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="plans")
    protocol = models.ForeignKey("protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+")
    indications = models.JSONField(help_text="Indication ids from the protocol, e.g. ['acne_scars'].")
    device = models.CharField(max_length=10, choices=Device.choices)
    fitzpatrick = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    start = models.DateField()
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])
    interval_weeks_min = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    interval_weeks_max = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    maintenance_months = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    schedule = models.JSONField(default=list, help_text="Proposed session dates (ISO), one per session.")
    proposal = models.JSONField(default=dict, help_text="The protocol's proposal, as first made, unchanged.")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    status_reason = models.CharField(max_length=500, blank=True)
    notes = models.TextField(max_length=4000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "patient", "status"])]

    def __str__(self) -> str:
        return f"{', '.join(self.indications)} ({self.get_status_display()})"


class PlanZone(models.Model):
    """The depth band planned for one zone, beside the protocol's band; outside it needs a reason."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="zones")
    zone = models.CharField(max_length=30)
    depth_min_mm = models.DecimalField(max_digits=3, decimal_places=2)
    depth_max_mm = models.DecimalField(max_digits=3, decimal_places=2)
    protocol_min_mm = models.DecimalField(max_digits=3, decimal_places=2)
    protocol_max_mm = models.DecimalField(max_digits=3, decimal_places=2)
    outside_band_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["plan", "zone"], name="one_row_per_plan_zone")]

    def __str__(self) -> str:
        return f"{self.zone} {self.depth_min_mm}-{self.depth_max_mm} mm"

    @property
    def outside_band(self) -> bool:
        return self.depth_min_mm < self.protocol_min_mm or self.depth_max_mm > self.protocol_max_mm
