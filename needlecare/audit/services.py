"""Appending to the audit log, and checking that nobody has edited it."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from needlecare.audit.models import AuditEvent
from needlecare.clinics.models import Clinic

GENESIS = "0" * 64


def client_address(request) -> str | None:  # type: ignore[no-untyped-def]
    # REMOTE_ADDR only: behind a proxy, the proxy sets it (docs/operations.md); X-Forwarded-For is forgeable.
    return request.META.get("REMOTE_ADDR") or None if request is not None else None


def record_event(
    *,
    clinic: Clinic,
    user: Any,
    action: str,
    obj: Any = None,
    patient_id: UUID | None = None,
    request: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the clinic's chain. Never put names or search text in `detail`: erasure
    must leave nothing identifying here."""
    for attempt in range(APPEND_ATTEMPTS):
        try:
            return _append(clinic, user, action, obj, patient_id, request, detail)
        except IntegrityError:
            # Another append took this sequence number. PostgreSQL's row lock and SQLite's immediate
            # transaction rule that out for a file database, but not for every SQLite set-up (an
            # in-memory shared cache, as the test server uses): read the new end of the chain and retry.
            if attempt == APPEND_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


APPEND_ATTEMPTS = 5


def _append(
    clinic: Clinic,
    user: Any,
    action: str,
    obj: Any,
    patient_id: UUID | None,
    request: Any,
    detail: dict[str, Any] | None,
) -> AuditEvent:
    with transaction.atomic():
        # Serialise appends per clinic so the chain never forks (a no-op on SQLite, where the
        # immediate transaction already serialises writers).
        Clinic.objects.select_for_update().filter(pk=clinic.pk).values_list("pk", flat=True).first()
        last = AuditEvent.objects.filter(clinic=clinic).order_by("-seq").values("seq", "hash").first()
        event = AuditEvent(
            clinic=clinic,
            seq=(last["seq"] + 1) if last else 1,
            at=timezone.now(),
            user=user if getattr(user, "pk", None) else None,
            actor=getattr(user, "email", None) or str(user or "system"),
            action=action,
            object_type=obj._meta.model_name if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            patient_id=patient_id,
            ip=client_address(request),
            detail=detail or {},
            prev_hash=last["hash"] if last else GENESIS,
        )
        event.hash = event.compute_hash()
        event.save()
        return event


@dataclass(frozen=True)
class ChainCheck:
    clinic: Clinic
    events: int
    broken_at: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(clinic: Clinic) -> ChainCheck:
    """Walk the clinic's chain in order; an edited, inserted or deleted event breaks it."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for event in AuditEvent.objects.filter(clinic=clinic).order_by("seq").iterator(chunk_size=2000):
        count += 1
        if event.seq != expected_seq:
            return ChainCheck(clinic, count, event.seq, f"expected event {expected_seq}, found {event.seq}")
        if event.prev_hash != prev_hash:
            return ChainCheck(clinic, count, event.seq, "does not follow the event before it")
        if event.compute_hash() != event.hash:
            return ChainCheck(clinic, count, event.seq, "its content was changed after it was written")
        prev_hash, expected_seq = event.hash, expected_seq + 1
    return ChainCheck(clinic, count, None)
