"""Protocol versions: immutable, identified by the hash of their text."""

from typing import Any

from django.conf import settings
from django.db import models


class ProtocolVersion(models.Model):
    """One protocol text as adopted. Never edited: a changed text is a new version."""

    name = models.CharField(max_length=120)
    title = models.CharField(max_length=200, blank=True)
    # The version: sha256 of the canonical text, as decisions and plans record it.
    content_hash = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.content_hash[:12]})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A protocol version is never edited; adopt a new one.")
        super().save(*args, **kwargs)

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]


class ClinicProtocol(models.Model):
    """Which protocol version a clinic follows, and since when: the history of adoptions."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="protocol_adoptions")
    protocol = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT, related_name="adoptions")
    adopted_at = models.DateTimeField(auto_now_add=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-adopted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.clinic} adopted {self.protocol} on {self.adopted_at:%Y-%m-%d}"
