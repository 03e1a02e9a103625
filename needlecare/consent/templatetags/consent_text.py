"""Showing a consent text as the patient reads it: paragraphs, headings and lists from plain lines."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_HEADING = re.compile(r"[^.:;,?!]{1,70}")  # a short line that does not end a sentence


@register.filter
def consent_text(text: str) -> SafeString:
    """Each line a paragraph, a short line without end punctuation a heading, "- " lines a list. Only
    the layout comes from here: every character of the text is shown, escaped."""
    html: list[str] = []
    items: list[str] = []

    def close_list() -> None:
        if items:
            html.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in str(text).splitlines():
        line = raw.strip()
        if line.startswith("- "):
            items.append(escape(line[2:]))
            continue
        close_list()
        if not line:
            continue
        tag = "h3" if _HEADING.fullmatch(line) else "p"
        html.append(f"<{tag}>{escape(line)}</{tag}>")
    close_list()
    return mark_safe("".join(html))  # noqa: S308 - built from escaped pieces only
