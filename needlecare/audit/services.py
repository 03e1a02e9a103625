"""Appending to the audit log, and checking that nobody has edited it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from needlecare.audit.anchors import AnchorProblem, anchored_clinic_ids, read_anchors
from needlecare.audit.chain import GENESIS, REKEYED, UNKEYED, Keyring, SealDigest, equal, keyring
from needlecare.audit.models import AuditEvent, clinic_model

if TYPE_CHECKING:  # clinics is above audit in the layer order (audit/models.py clinic_model)
    from needlecare.clinics.models import Clinic

__all__ = ["GENESIS", "ChainCheck", "record_event", "verify_all", "verify_chain"]


def client_address(request: HttpRequest | None) -> str | None:
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
        clinic_model().objects.select_for_update().filter(pk=clinic.pk).values_list("pk", flat=True).first()
        last = AuditEvent.objects.filter(clinic=clinic).order_by("-seq").values("seq", "hash").first()
        keys = keyring()
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
            key_id=keys.current_id,
        )
        event.hash = event.compute_hash(keys.current)
        event.save()
        return event


@dataclass(frozen=True)
class ChainCheck:
    clinic: Clinic | None
    events: int
    broken_at: int | None
    reason: str = ""
    anchored: int = 0  # the highest sequence an anchor vouches for
    label: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def verify_chain(clinic: Clinic, *, keys: Keyring | None = None) -> ChainCheck:
    """Walk the clinic's chain in order, then hold it against its anchors. Reported, with the first
    event that no longer matches: an edited, inserted, forged or deleted event, a changed user, the last
    events or the whole chain deleted, and a chain rewritten since it was anchored."""
    keys = keys or keyring()
    label = clinic.slug
    try:
        anchors = read_anchors(clinic.pk, keys)
    except AnchorProblem as error:
        return ChainCheck(clinic, 0, None, f"its anchors cannot be trusted: {error}", label=label)
    anchored_seqs = {anchor.last_seq for anchor in anchors}
    hashes_at: dict[int, str] = {}
    events = AuditEvent.objects.filter(clinic=clinic).order_by("seq").iterator(chunk_size=2000)
    count, problem = _walk(events, keys, anchored_seqs, hashes_at)
    anchored = max(anchored_seqs, default=0)
    if problem is not None:
        return ChainCheck(clinic, count, problem[0], problem[1], anchored, label)
    return _against_anchors(clinic, label, count, anchors, hashes_at)


def _walk(
    events: Iterator[AuditEvent], keys: Keyring, anchored_seqs: set[int], hashes_at: dict[int, str]
) -> tuple[int, tuple[int, str] | None]:
    prev_hash, expected_seq, count = GENESIS, 1, 0
    seal, keyed = SealDigest(), False
    for event in events:
        count += 1
        if event.seq != expected_seq:
            return count, (event.seq, f"expected event {expected_seq}, found {event.seq}")
        if event.prev_hash != prev_hash:
            return count, (event.seq, "does not follow the event before it")
        if event.key_id == UNKEYED:
            if keyed:
                return count, (event.seq, "an unkeyed event inside the keyed chain (forged)")
            if not equal(event.compute_hash(), event.hash):
                return count, (event.seq, "its content was changed after it was written")
            seal.add(event)
        else:
            key = keys.keys.get(event.key_id)
            if key is None:
                return count, (event.seq, f"signed with key {event.key_id}, which is not configured")
            if not equal(event.compute_hash(key), event.hash):
                return count, (event.seq, "its content was changed after it was written, or it was forged")
            if not keyed and seal.events:
                detail = event.detail if isinstance(event.detail, dict) else {}
                if event.action != REKEYED or (
                    detail.get("unkeyed_events"),
                    detail.get("unkeyed_digest"),
                ) != (
                    seal.events,
                    seal.hexdigest(),
                ):
                    return count, (event.seq, "the unkeyed events before it do not match their seal")
            keyed = True
        if event.seq in anchored_seqs:
            hashes_at[event.seq] = event.hash
        prev_hash, expected_seq = event.hash, expected_seq + 1
    if seal.events and not keyed:
        return count, (count + 1, "the chain ends before the event that sealed its unkeyed events")
    return count, None


def _against_anchors(
    clinic: Clinic | None, label: str, count: int, anchors: list[Any], hashes_at: dict[int, str]
) -> ChainCheck:
    anchored = max((a.last_seq for a in anchors), default=0)
    matching = 0  # the highest anchored sequence that still matches, before the first that does not
    for anchor in sorted(anchors, key=lambda a: (a.last_seq, a.line)):
        if anchor.last_seq > count:
            reason = (
                f"the chain ends at event {count}, but event {anchor.last_seq} was anchored at {anchor.at}: "
                "events were deleted"
            )
            return ChainCheck(clinic, count, count + 1, reason, anchored, label)
        if not equal(hashes_at.get(anchor.last_seq, ""), anchor.last_hash):
            reason = (
                f"events {matching + 1}-{anchor.last_seq} no longer match the anchor of {anchor.at}: "
                "the chain was rewritten"
            )
            return ChainCheck(clinic, count, matching + 1, reason, anchored, label)
        matching = anchor.last_seq
    return ChainCheck(clinic, count, None, "", anchored, label)


def verify_all(*, slug: str | None = None) -> list[ChainCheck]:
    """Every clinic's chain; also a clinic that has anchors but is gone from the database."""
    keys = keyring()
    clinics = clinic_model().objects.order_by("pk")
    if slug:
        clinics = clinics.filter(slug=slug)
    checks = [verify_chain(clinic, keys=keys) for clinic in clinics]
    if not slug:
        present = set(clinic_model().objects.values_list("pk", flat=True))
        for clinic_id in anchored_clinic_ids():
            if clinic_id in present:
                continue
            label = f"clinic #{clinic_id}"
            try:
                anchors = read_anchors(clinic_id, keys)
            except AnchorProblem as problem:
                checks.append(
                    ChainCheck(None, 0, None, f"its anchors cannot be trusted: {problem}", label=label)
                )
                continue
            if anchors:
                check = _against_anchors(None, label, 0, anchors, {})
                reason = f"the clinic is gone from the database; {check.reason}"
                checks.append(ChainCheck(None, 0, 1, reason, check.anchored, label))
    return checks
