"""Names of a clinic's indications, from its protocol, for pages and answers in plain words."""

from typing import Any

from needlecare.protocols.selectors import current_protocol


def indication_names(clinic: Any) -> dict[str, str]:
    _, protocol = current_protocol(clinic)
    return {
        key: getattr(item, "label", None) or key.replace("_", " ")
        for key, item in protocol.indications.items()
    }


def name_of(names: dict[str, str], key: str) -> str:
    return names.get(key) or key.replace("_", " ")
