"""Stored screening decisions and the practitioner's overrides of them."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    PRECAUTIONS = "precautions", "Eligible with precautions"
    CLEARANCE = "clearance", "Needs written clearance"
    DEFERRED = "deferred", "Deferred"
    DECLINED = "declined", "Declined"


OVERRIDABLE = frozenset({Outcome.CLEARANCE, Outcome.PRECAUTIONS})


class ScreeningDecision(models.Model):
    """What the engine decided for one intake version under one protocol version. Never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="screenings")
    intake = models.ForeignKey("patients.Intake", on_delete=models.PROTECT, related_name="screenings")
    protocol = models.ForeignKey("protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+")
    screened_on = models.DateField(help_text="The date the decision is for (the clinic's local date).")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    defer_until = models.DateField(null=True, blank=True)
    findings = models.JSONField(default=list)
    # What the plan adds to the needling, as screened (protocol [adjuncts], e.g. ["prp"]).
    adjuncts = models.JSONField(default=list, blank=True)
    valid_until = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["clinic", "patient", "-decided_at"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} on {self.screened_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A screening decision is never edited; screen again or record an override.")
        super().save(*args, **kwargs)

    @property
    def can_be_overridden(self) -> bool:
        return self.outcome in OVERRIDABLE


class ScreeningOverride(models.Model):
    """A practitioner's recorded decision to proceed despite `clearance` or `precautions`."""

    decision = models.OneToOneField(ScreeningDecision, on_delete=models.CASCADE, related_name="override")
    reason = models.TextField(max_length=2000)
    clearance_from = models.CharField(
        max_length=200, blank=True, help_text="Who gave the written clearance (name, role, practice)."
    )
    clearance_dated = models.DateField(null=True, blank=True)
    document_reference = models.CharField(
        max_length=300, blank=True, help_text="Where the clearance letter is kept (scan name, file number)."
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Override of {self.decision_id}"
