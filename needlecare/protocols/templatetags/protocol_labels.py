"""`{% protocol_label code %}`: a zone's, indication's or device's name from the clinic's protocol
("perioral" reads "Perioral / upper lip"), for pages that hold only the stored code."""

from typing import Any

from django import template

from needlecare.protocols.selectors import current_protocol

register = template.Library()


def _names(clinic: Any) -> dict[str, str]:
    _, protocol = current_protocol(clinic)
    names: dict[str, str] = {}
    for group in (protocol.devices, protocol.zones, protocol.indications):
        for key, item in group.items():
            names[key] = getattr(item, "label", None) or key
    return names


@register.simple_tag(takes_context=True)
def protocol_label(context: template.Context, code: str) -> str:
    """The label of `code` in the protocol of the page's clinic; read once per request."""
    request = context.get("request")
    clinic = getattr(request, "clinic", None) or context.get("clinic")
    if not code:
        return ""
    if clinic is None:
        return str(code).replace("_", " ").capitalize()
    cache = getattr(request, "_protocol_labels", None) if request is not None else None
    if cache is None:
        cache = _names(clinic)
        if request is not None:
            request._protocol_labels = cache
    return cache.get(code) or str(code).replace("_", " ").capitalize()
