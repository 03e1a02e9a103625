"""Anchors: the head of each clinic's chain (events, last sequence, last hash), signed with the audit key
and written outside the database, in AUDIT_ANCHOR_DIR, by the worker every AUDIT_ANCHOR_SECONDS and by
every backup.

One file per clinic, `clinic-<id>.jsonl`, one signed line per head seen (a line is added only when the
head moved). `verify_chain` checks every line: an anchored event that is gone (the last events deleted,
the whole chain wiped) or whose hash is no longer the anchored one (the chain rewritten, even by someone
holding the key) is reported. Someone who holds the database but not this directory and the key cannot
make the anchors agree with a shortened or rewritten chain.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from needlecare.audit.chain import Keyring, equal, keyring, sign


@dataclass(frozen=True)
class Anchor:
    line: int
    events: int
    last_seq: int
    last_hash: str
    at: str


class AnchorProblem(Exception):
    """An anchor file that is not as the worker wrote it (edited, signed with an unknown key)."""


def anchor_dir() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR)


def anchor_file(clinic_id: int) -> Path:
    return anchor_dir() / f"clinic-{clinic_id}.jsonl"


def anchored_clinic_ids() -> list[int]:
    ids = []
    for path in anchor_dir().glob("clinic-*.jsonl"):
        number = path.stem.removeprefix("clinic-")
        if number.isdigit():
            ids.append(int(number))
    return sorted(ids)


def read_anchors(clinic_id: int, keys: Keyring | None = None) -> list[Anchor]:
    """Every anchor of the clinic, oldest first, each checked against its signature."""
    keys = keys or keyring()
    path = anchor_file(clinic_id)
    if not path.is_file():
        return []
    anchors = []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
            key = keys.keys.get(record["key_id"])
            if key is None:
                raise AnchorProblem(f"{path.name} line {number} is signed with a key that is not configured")
            if record["clinic"] != clinic_id or not equal(sign(key, record), record["mac"]):
                raise AnchorProblem(f"{path.name} line {number} does not match its signature")
            anchors.append(
                Anchor(
                    number, int(record["events"]), int(record["last_seq"]), record["last_hash"], record["at"]
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise AnchorProblem(f"{path.name} line {number} is not an anchor ({error})") from error
    return anchors


def write_anchors() -> dict[int, int]:
    """Anchor the head of every clinic's chain whose head moved since its last anchor. Returns the
    anchored last sequence per clinic written now."""
    from needlecare.audit.models import AuditEvent

    keys = keyring()
    directory = anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    heads = (
        AuditEvent.objects.order_by()
        .values("clinic_id")
        .annotate(events=Count("pk"), last_seq=Max("seq"))
        .order_by("clinic_id")
    )
    written: dict[int, int] = {}
    for head in heads:
        clinic_id, last_seq = head["clinic_id"], head["last_seq"]
        last_hash = (
            AuditEvent.objects.filter(clinic_id=clinic_id, seq=last_seq)
            .values_list("hash", flat=True)
            .first()
        )
        path = anchor_file(clinic_id)
        previous = _last_line(path)
        if previous and (previous.get("last_seq"), previous.get("last_hash")) == (last_seq, last_hash):
            continue
        record: dict[str, Any] = {
            "clinic": clinic_id,
            "events": head["events"],
            "last_seq": last_seq,
            "last_hash": last_hash,
            "at": timezone.now().isoformat(),
            "key_id": keys.current_id,
        }
        record["mac"] = sign(keys.current, record)
        _append_line(path, json.dumps(record, sort_keys=True))
        written[clinic_id] = last_seq
    return written


def _last_line(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    try:
        return json.loads(lines[-1]) if lines else None
    except ValueError:
        return None


def _append_line(path: Path, line: str) -> None:
    # One write of one line in append mode: concurrent writers (worker, backup) never interleave it.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def copy_anchors(target: Path) -> list[Path]:
    """Copy the anchor files into `target` (a backup), returning the copies."""
    target.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in sorted(anchor_dir().glob("clinic-*.jsonl")):
        shutil.copy2(path, target / path.name)
        copies.append(target / path.name)
    return copies


def replace_anchors(source: Path) -> None:
    """After a restore: the anchors become the backup's, which describe the restored chains."""
    directory = anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("clinic-*.jsonl"):
        path.unlink()
    if source.is_dir():
        for path in sorted(source.glob("clinic-*.jsonl")):
            shutil.copy2(path, directory / path.name)
