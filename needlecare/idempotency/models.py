"""A repeated request does one thing: the first answer to an API request sent with an `Idempotency-Key`,
kept for 24 hours and replayed to the same key and body; one row per clinic, credential and key."""

from django.db import models


class IdempotencyRecord(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    # Who sent it: the API token (a hash of the credential, never the credential) or the signed-in user.
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    # What the answer made, when a page needs it (the session a one-time form token recorded).
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "scope", "key"], name="one_answer_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
