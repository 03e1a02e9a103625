"""`{{ depth|mm }}`: a depth as a clinician writes it (0.5, 1.25, 2), without trailing zeros."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def mm(value: object) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number.normalize(), "f")
    return text
