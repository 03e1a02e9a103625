"""`{% call_link clinic %}`: the clinic's phone as a `tel:` link, wherever a patient is told to call."""

from django import template
from django.utils.html import format_html

from needlecare.clinics.models import Clinic

register = template.Library()


@register.simple_tag
def call_link(clinic: Clinic | None) -> str:
    """``<a href="tel:02079460000">020 7946 0000</a>``; nothing for a clinic that has no phone yet (its
    staff see "no phone set" on every page)."""
    if clinic is None or not clinic.tel_uri:
        return ""
    return format_html('<a href="{}" class="tel">{}</a>', clinic.tel_uri, clinic.phone)
