"""Writes about protocols: registering the default, and a clinic adopting a changed text."""

from typing import Any

from django.db import IntegrityError, transaction

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.protocols import DEFAULT_PATH, Protocol, load_protocol
from needlecare.protocols.models import ClinicProtocol, ProtocolVersion


def store_version(protocol: Protocol, *, by: Any = None) -> ProtocolVersion:
    """The stored version for this text, created on first sight (same text, same row, forever)."""
    found = ProtocolVersion.objects.filter(content_hash=protocol.version).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return ProtocolVersion.objects.create(
                name=protocol.name,
                title=protocol.protocol.title,
                content_hash=protocol.version,
                text=protocol.text,
                created_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:  # another process stored the same text a moment ago
        return ProtocolVersion.objects.get(content_hash=protocol.version)


def default_version() -> ProtocolVersion:
    from needlecare.protocols import load_default

    return store_version(load_default())


def adopt_protocol(
    *, clinic: Clinic, text: str, by: Any, note: str = "", request: Any = None
) -> ClinicProtocol:
    """Validate `text` (ProtocolError names the entry and reason) and make it the clinic's protocol."""
    protocol = load_protocol(text, filename=f"{clinic.slug}.toml")
    with transaction.atomic():
        version = store_version(protocol, by=by)
        adoption = ClinicProtocol.objects.create(clinic=clinic, protocol=version, adopted_by=by, note=note)
        record_event(
            clinic=clinic,
            user=by,
            action="protocol.adopt",
            obj=version,
            detail={"version": version.content_hash},
        )
    return adoption


def default_text() -> str:
    return DEFAULT_PATH.read_text(encoding="utf-8")
