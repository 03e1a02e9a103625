"""The clinical protocol as data: default.toml, its loader and validation. Pure: no Django."""

from functools import cache

from needlecare.protocols.loader import (
    DEFAULT_PATH,
    Protocol,
    ProtocolError,
    canonical_text,
    content_hash,
    load_protocol,
    load_protocol_file,
)

__all__ = [
    "DEFAULT_PATH",
    "Protocol",
    "ProtocolError",
    "canonical_text",
    "content_hash",
    "load_default",
    "load_protocol",
    "load_protocol_file",
]


@cache
def load_default() -> Protocol:
    """The protocol Needlecare ships with (read once per process).

    >>> load_default().screening.valid_days
    30
    """
    return load_protocol_file(DEFAULT_PATH)
