"""Treatment plans: a series of sessions proposed from the protocol and adjusted by a practitioner."""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from needlecare.protocols.loader import Protocol
from needlecare.protocols.selectors import parsed


class Device(models.TextChoices):
    PEN = "pen", "Pen (adjustable depth)"
    ROLLER = "roller", "Roller (fixed needle length)"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


# Where a plan may go from each status. Completed and stopped are final: a new series is a new plan, so
# each plan keeps the protocol version and the screening it was started under.
TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.ACTIVE, PlanStatus.STOPPED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.COMPLETED, PlanStatus.STOPPED}),
    PlanStatus.COMPLETED: frozenset(),
    PlanStatus.STOPPED: frozenset(),
}
OPEN_STATUSES = frozenset({PlanStatus.DRAFT, PlanStatus.ACTIVE})


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
    activated_at = models.DateTimeField(null=True, blank=True)
    activation_screening = models.ForeignKey(
        "screening.ScreeningDecision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The valid screening the plan was activated under.",
    )
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it was completed or stopped.")
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "patient", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_weeks_min__lte=models.F("interval_weeks_max")),
                name="plan_interval_min_not_above_max",
            )
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.indications)} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        """Draft or active: the plan may still be adjusted."""
        return self.status in OPEN_STATUSES

    def can_become(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    @property
    def protocol_document(self) -> Protocol:
        """The protocol version the plan was made under (parsed once per process)."""
        return parsed(self.protocol)

    @property
    def indication_labels(self) -> list[str]:
        table = self.protocol_document.indications
        return [table[i].label if i in table else i for i in self.indications]

    def zone_label(self, zone: str) -> str:
        table = self.protocol_document.zones
        return table[zone].label if zone in table else zone

    @property
    def zone_ids(self) -> list[str]:
        """The plan's zones in the order chosen (fixed at creation, as in the stored proposal)."""
        return [z["zone"] for z in self.proposal.get("zones", [])]

    @property
    def zone_labels(self) -> list[str]:
        return [self.zone_label(zone) for zone in self.zone_ids]

    @property
    def schedule_dates(self) -> list[date]:
        return [date.fromisoformat(day) for day in self.schedule]

    def next_date(self, today: date) -> date | None:
        """The first scheduled date from `today` on, while the plan is open."""
        if not self.is_open:
            return None
        return next((day for day in self.schedule_dates if day >= today), None)

    @property
    def proposal_notes(self) -> list[str]:
        return list(self.proposal.get("notes", []))


class PlanZone(models.Model):
    """The depth band planned for one zone, beside the protocol's band; outside it needs a reason."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="zones")
    zone = models.CharField(max_length=30)
    # Three decimals: the darker-skin lower half of 0.25-0.5 mm ends at 0.375 mm.
    depth_min_mm = models.DecimalField(max_digits=4, decimal_places=3)
    depth_max_mm = models.DecimalField(max_digits=4, decimal_places=3)
    protocol_min_mm = models.DecimalField(max_digits=4, decimal_places=3)
    protocol_max_mm = models.DecimalField(max_digits=4, decimal_places=3)
    outside_band_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "zone"], name="one_row_per_plan_zone"),
            models.CheckConstraint(
                condition=models.Q(depth_min_mm__lte=models.F("depth_max_mm")),
                name="plan_zone_depth_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone} {self.depth_min_mm}-{self.depth_max_mm} mm"

    @property
    def outside_band(self) -> bool:
        return is_outside_band(
            self.depth_min_mm, self.depth_max_mm, self.protocol_min_mm, self.protocol_max_mm
        )


def is_outside_band(low: Decimal, high: Decimal, band_low: Decimal, band_high: Decimal) -> bool:
    return Decimal(low) < Decimal(band_low) or Decimal(high) > Decimal(band_high)


class PlanStatusChange(models.Model):
    """One step in a plan's life (created as a draft, activated, completed, stopped), with who and why."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=PlanStatus.choices)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"
