"""One map from a protocol's keys to the words pages and answers show: a device's, zone's or
indication's label from the clinic's protocol ("perioral" reads "Perioral / upper lip"), and for a key
the protocol does not name (stored under an older protocol) the key in words ("fine lines")."""

from collections.abc import Mapping, Sequence
from typing import Any

from needlecare.protocols import Protocol
from needlecare.protocols.selectors import current_protocol

GROUPS = ("devices", "zones", "indications")  # a key in two groups reads as the later one


def labels_for(clinic_or_protocol: Any, groups: Sequence[str] = GROUPS) -> dict[str, str]:
    """The labels of the protocol's devices, zones and indications (or only ``groups``), by key; a clinic
    stands for the protocol it follows now: ``labels_for(clinic, ["indications"])["acne_scars"]``."""
    protocol = (
        clinic_or_protocol
        if isinstance(clinic_or_protocol, Protocol)
        else current_protocol(clinic_or_protocol)[1]
    )
    return {
        key: getattr(item, "label", None) or in_words(key)
        for group in groups
        for key, item in getattr(protocol, group).items()
    }


def label_of(labels: Mapping[str, str], key: str, *, capitalise: bool = False) -> str:
    """``labels[key]``, or the key in words for one the protocol does not name (capitalised for a page's
    heading or cell, as ``{% protocol_label %}`` shows it): ``label_of({}, "fine_lines") == "fine lines"``."""
    words = in_words(str(key))
    return labels.get(key) or (words.capitalize() if capitalise else words)


def in_words(key: str) -> str:
    """A key as words: ``in_words("acne_scars") == "acne scars"``."""
    return key.replace("_", " ")
