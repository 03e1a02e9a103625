"""The append-only audit log. Each event carries the hash of the one before it in its clinic."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnly("Audit events are never edited.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AppendOnly("Audit events are never deleted.")


class AuditEvent(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField(help_text="Position in the clinic's chain, from 1.")
    at = models.DateTimeField(default=timezone.now)
    # The user row may go; the actor's e-mail stays, and is what the hash covers.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=254)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-seq"]
        constraints = [models.UniqueConstraint(fields=["clinic", "seq"], name="audit_chain_position")]
        indexes = [
            models.Index(fields=["clinic", "-at"]),
            models.Index(fields=["clinic", "patient_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AppendOnly("Audit events are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnly("Audit events are never deleted.")

    def compute_hash(self) -> str:
        payload = [
            self.clinic_id,
            self.seq,
            self.at.isoformat(),
            self.actor,
            self.action,
            self.object_type,
            self.object_id,
            str(self.patient_id) if self.patient_id else None,
            self.ip,
            self.detail,
            self.prev_hash,
        ]
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()
