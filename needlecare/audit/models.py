"""The append-only audit log. Each event carries the keyed hash of the one before it in its clinic
(needlecare/audit/chain.py); the database refuses to edit or delete events (needlecare/audit/db.py)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from needlecare.audit.chain import keyed_hash, unkeyed_hash


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
    # The user row may go; the event keeps the id and e-mail it was written with (both under the hash):
    # no foreign-key action may rewrite an event, so there is no database constraint to act on.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor = models.CharField(max_length=254)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    key_id = models.CharField(
        max_length=16, blank=True, default="", help_text="Fingerprint of the key of `hash`; empty: unkeyed."
    )

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("Audit events are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnly("Audit events are never deleted.")

    def compute_hash(self, key: bytes | None = None) -> str:
        """The hash this event should carry: keyed (HMAC-SHA256) under `key`, or the plain SHA-256 of
        the events written before the chain was keyed."""
        if not self.key_id:
            return unkeyed_hash(self)
        if key is None:
            raise ValueError("A keyed event needs its key.")
        return keyed_hash(self, key)


def clinic_model() -> Any:
    """The Clinic model, found through the log's foreign key: `clinics` sits above `audit` (every app,
    clinics included, records events), so audit names the clinic by its label, as the key does."""
    return AuditEvent._meta.get_field("clinic").related_model
