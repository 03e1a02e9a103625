"""The printable one-page aftercare sheet (PDF), in the clinic's name, from the session's timeline."""

from __future__ import annotations

from django.template.loader import render_to_string

from needlecare.aftercare.models import AftercareTimeline


def sheet_html(record: AftercareTimeline) -> str:
    return render_to_string(
        "aftercare/sheet.html",
        {"record": record, "clinic": record.clinic, "patient": record.patient},
    )


def sheet_pdf(record: AftercareTimeline) -> bytes:
    from weasyprint import HTML  # lazy: WeasyPrint adds about a second to start-up

    return HTML(string=sheet_html(record)).write_pdf()
