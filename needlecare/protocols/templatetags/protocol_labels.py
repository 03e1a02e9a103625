"""`{% protocol_label code %}`: a zone's, indication's or device's name from the clinic's protocol
("perioral" reads "Perioral / upper lip"), for pages that hold only the stored code."""

from django import template

from needlecare.protocols.labels import label_of, labels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def protocol_label(context: template.Context, code: str) -> str:
    """The label of `code` in the protocol of the page's clinic; read once per request."""
    if not code:
        return ""
    request = context.get("request")
    clinic = getattr(request, "clinic", None) or context.get("clinic")
    names = getattr(request, "_protocol_labels", None)
    if names is None and clinic is not None:
        names = labels_for(clinic)
        if request is not None:
            request._protocol_labels = names
    return label_of(names or {}, code, capitalise=True)
