"""The patient's timeline: everything that happened to them, newest first, from every app.

Each app that keeps part of a patient's record says what it contributes in its own ``history.py``
(found at start-up, as Django's admin finds ``admin.py``), with a function decorated ``@source`` that
answers at most ``limit`` of the patient's newest events, from a fixed number of queries. The page then
costs the same number of queries however long the patient's history is.

    @source
    def sessions(patient: Patient, limit: int | None) -> Iterable[Event]:
        ...
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from needlecare.core.clock import local_time
from needlecare.patients.models import Intake, Patient

Tone = str  # "" (neutral), "ok", "warn" or "danger": the colour of the event's marker


@dataclass(frozen=True)
class Event:
    on: date  # the clinic's local date
    title: str
    detail: str = ""
    url: str = ""
    tone: Tone = ""
    at: time | None = None  # the clinic's local time, when the record has one
    # The data category (clinics/policies.py): shown only to a role that may read it.
    category: str = ""

    @property
    def sort_key(self) -> tuple[date, time]:
        return (self.on, self.at or time.max)


Source = Callable[[Patient, int | None], Iterable[Event]]
_SOURCES: list[Source] = []


def source(fn: Source) -> Source:
    """Register an app's contribution to the timeline."""
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def discover() -> None:
    autodiscover_modules("history")


def local(moment: datetime, patient: Patient) -> tuple[date, time]:
    """A stored moment as the clinic's local date and time (pages show the minutes; the rest orders
    events of the same minute)."""
    here = local_time(patient.clinic, moment)
    return here.date(), here.time()


def events_of(
    patient: Patient, *, readable: Collection[str], limit: int | None = None
) -> tuple[list[Event], bool]:
    """The patient's events, newest first, and whether there are more than ``limit``.

    Only events of the categories in ``readable`` (the role's, from clinics/policies.py) are kept; an
    event without a category is shown to nobody, so a new source must say what it shows.
    """
    fetch = None if limit is None else limit + 1
    events = [e for fn in _SOURCES for e in fn(patient, fetch) if e.category and e.category in readable]
    events.sort(key=lambda e: e.sort_key, reverse=True)
    if limit is None:
        return events, False
    return events[:limit], len(events) > limit


# --- This app's own events ------------------------------------------------------------------------


@source
def registration_and_intake(patient: Patient, limit: int | None) -> Iterable[Event]:
    on, at = local(patient.created_at, patient)
    yield Event(
        category="demographics",
        on=on,
        at=at,
        title="Registered",
        detail=f"Reference {patient.reference}" if patient.reference else "",
    )
    if patient.archived_at:
        on, at = local(patient.archived_at, patient)
        yield Event(
            category="demographics",
            on=on,
            at=at,
            title="Archived",
            detail="The record is kept and can be restored.",
            tone="warn",
        )
    intakes = Intake.objects.filter(clinic_id=patient.clinic_id, patient=patient).select_related(
        "submitted_by"
    )
    for intake in intakes.order_by("-version")[:limit]:
        on, at = local(intake.submitted_at, patient)
        by = f" · {intake.submitted_by.display_name}" if intake.submitted_by else ""
        yield Event(
            category="intake",
            on=on,
            at=at,
            title=f"Intake version {intake.version}",
            detail=f"{intake.get_source_display()}{by}",
            url=reverse("patients:intake_detail", args=[patient.pk, intake.version]),
        )
