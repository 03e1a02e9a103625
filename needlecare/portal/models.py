"""The patient portal: one-time sign-in links. Only a hash of each link's token is stored."""

import uuid

from django.db import models


class PortalLink(models.Model):
    """A one-time, expiring sign-in link for one patient."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"Portal link ({'used' if self.used_at else 'unused'})"


class SignInRequest(models.Model):
    """An address typed on the portal's sign-in page, kept only until the task worker turns it into
    sign-in links (seconds). Written for every address, known or not, so the page does the same work
    and answers the same for both; the worker, not the request, finds out whether anyone has it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return "Sign-in request"
