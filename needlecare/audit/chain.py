"""The audit chain's cryptography: the keys, an event's keyed hash, the plain hash of events written before
the chain was keyed, and the seal that binds those to the keyed chain.

An event's `hash` is HMAC-SHA256 under a key that lives in the environment (`AUDIT_HMAC_KEY`), never in
the database, over every column of the event but its storage id: who (user id and e-mail), what, when,
from where, the detail, its position and the hash of the event before it. Each event names its key by a
fingerprint (`key_id`), so a retired key (`AUDIT_HMAC_OLD_KEYS`) still verifies the events it signed.

Functions here take any object with the event's attributes, so the migrations' historical models use
them too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS = "0" * 64
UNKEYED = ""  # the key_id of events written before the chain was keyed (plain SHA-256)
REKEYED = "audit.rekeyed"  # the event that seals a clinic's unkeyed events into the keyed chain
DERIVATION = b"needlecare audit chain v1"
MIN_KEY_LENGTH = 32
# In AUDIT_HMAC_OLD_KEYS: "the key derived from SECRET_KEY", for events signed before AUDIT_HMAC_KEY was set.
DERIVED_FROM_SECRET_KEY = "SECRET_KEY"


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


def fingerprint(key: bytes) -> str:
    """A key's public name: 12 hex digits of a hash of it (reveals nothing usable about the key)."""
    return hashlib.sha256(b"needlecare audit key id:" + key).hexdigest()[:12]


def _derived(secret: str) -> bytes:
    return hmac.new(secret.encode(), DERIVATION, hashlib.sha256).digest()


def keyring() -> Keyring:
    """The current key and every retired one, by fingerprint. Without AUDIT_HMAC_KEY the key is derived
    from SECRET_KEY (and old ones from SECRET_KEY_FALLBACKS): see docs/operations.md, Audit log."""
    configured = str(getattr(settings, "AUDIT_HMAC_KEY", "") or "")
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(f"AUDIT_HMAC_KEY must be at least {MIN_KEY_LENGTH} characters.")
        current = configured.encode()
    else:
        current = _derived(str(settings.SECRET_KEY))
    keys = {fingerprint(current): current}
    old_keys = list(getattr(settings, "AUDIT_HMAC_OLD_KEYS", []) or [])
    for old in old_keys:
        if old != DERIVED_FROM_SECRET_KEY:
            keys.setdefault(fingerprint(old.encode()), old.encode())
    if not configured or DERIVED_FROM_SECRET_KEY in old_keys:
        # Keys derived from SECRET_KEY and its fallbacks: current without AUDIT_HMAC_KEY, and still
        # trusted after moving to one only when AUDIT_HMAC_OLD_KEYS says so.
        for secret in [settings.SECRET_KEY, *(getattr(settings, "SECRET_KEY_FALLBACKS", []) or [])]:
            derived = _derived(str(secret))
            keys.setdefault(fingerprint(derived), derived)
    return Keyring(fingerprint(current), keys)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def keyed_payload(event: Any) -> bytes:
    return _canonical(
        [
            event.key_id,
            event.clinic_id,
            event.seq,
            event.at.isoformat(),
            event.user_id,
            event.actor,
            event.action,
            event.object_type,
            event.object_id,
            str(event.patient_id) if event.patient_id else None,
            event.ip,
            event.detail,
            event.prev_hash,
        ]
    )


def keyed_hash(event: Any, key: bytes) -> str:
    return hmac.new(key, keyed_payload(event), hashlib.sha256).hexdigest()


def unkeyed_hash(event: Any) -> str:
    """The plain SHA-256 of events written before the chain was keyed (it left out the user)."""
    payload = [
        event.clinic_id,
        event.seq,
        event.at.isoformat(),
        event.actor,
        event.action,
        event.object_type,
        event.object_id,
        str(event.patient_id) if event.patient_id else None,
        event.ip,
        event.detail,
        event.prev_hash,
    ]
    return hashlib.sha256(_canonical(payload)).hexdigest()


class SealDigest:
    """A running digest of the unkeyed events, including what their plain hash left out (the user)."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self.events = 0

    def add(self, event: Any) -> None:
        self._digest.update(_canonical([event.seq, event.user_id, event.hash]) + b"\n")
        self.events += 1

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def sign(key: bytes, record: dict[str, Any]) -> str:
    """The MAC of an anchor record (every field but `mac`)."""
    body = {k: v for k, v in record.items() if k != "mac"}
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
