"""Consent templates (versioned per clinic) and signatures, kept exactly as signed."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class ConsentTemplate(models.Model):
    """One version of a clinic's consent text. Never edited: a change is the next version."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="consent_templates")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="What the patient reads and agrees to (benefits, risks, alternatives).")
    photo_use_text = models.TextField(
        blank=True, help_text="The separate, optional consent to use photos beyond the clinical record."
    )
    note = models.CharField(max_length=300, blank=True, help_text="What changed from the version before.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["clinic", "version"], name="one_consent_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A consent template is never edited; save a new version.")
        super().save(*args, **kwargs)


class SignedVia(models.TextChoices):
    TABLET = "tablet", "On a tablet in the clinic"
    PORTAL = "portal", "In the patient portal"


class ConsentSignature(models.Model):
    """A patient's signature on one template version, with the exact text they saw. Never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="consents")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="signatures")
    # The words exactly as shown, kept on the signature itself: it must read the same in ten years
    # whatever happens to the template rows.
    signed_title = models.CharField(max_length=200, blank=True)
    signed_text = models.TextField(help_text="The full text as shown when signed.")
    signed_photo_use_text = models.TextField(blank=True, help_text="The photo-use question as shown.")
    signed_name = models.CharField(max_length=160)
    signature_svg = models.TextField(help_text="The drawn signature as SVG path data, sanitised.")
    photo_use = models.BooleanField(help_text="The separate choice about photos beyond the clinical record.")
    signed_at = models.DateTimeField(auto_now_add=True)
    signed_via = models.CharField(max_length=10, choices=SignedVia.choices)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["clinic", "patient", "-signed_at"])]

    def __str__(self) -> str:
        return f"Consent v{self.template.version} signed {self.signed_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Signed is signed: the one later change is the withdrawal's time stamp (services.withdraw_consent).
        if not self._state.adding and set(kwargs.get("update_fields") or ()) != {"withdrawn_at"}:
            raise ValueError("A signed consent is never edited; only its withdrawal is recorded.")
        super().save(*args, **kwargs)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
