"""Erasure on a patient's request: identity, contact details, free text and photos go; the safety record
(sessions with their cartridge lots, adverse events, check-ins) stays, attached to an anonymous row.

Models of other apps are looked up by name, so an app that is not installed simply has nothing to erase.
A model with a link to the patient that is not listed here still loses its free text (`_blank_free_text`).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import SuspiciousFileOperation
from django.db import connections, models
from django.db.models import Q

from needlecare.core.storage import private_storage
from needlecare.patients.models import Intake, Patient

ERASED_GIVEN_NAME = "Erased"
ERASED_FAMILY_NAME = "patient"


def model(label: str) -> type[models.Model]:
    """The model `app_label.ModelName` of the tables above (a label that names none is a LookupError)."""
    return apps.get_model(label)


@dataclass
class Erasure:
    """What one erasure did, as counts (ids and counts only: this goes into the audit log)."""

    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # names in the private storage

    def add(self, what: str, n: int) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n


# Intake answers kept without identity: coded clinical answers (yes/no, categories, skin type), which a
# safety review of adverse events needs. Dates (birth, last doses) and free text (allergies) go.
def _coded_answers(answers: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in answers.items():
        if key == "date_of_birth" or isinstance(value, list | dict):
            continue
        if isinstance(value, str) and (len(value) > 20 or value[:1].isdigit()):
            continue  # an ISO date or anything that is not a short code
        kept[key] = value
    return kept


# (model, lookup from that model to the patient, fields to blank). Text fields are blanked; the rows stay.
SCRUBS: list[tuple[str, str, dict[str, Any]]] = [
    ("consent.ConsentSignature", "patient", {"signed_name": "", "signature_svg": "", "ip": None}),
    ("plans.TreatmentPlan", "patient", {"notes": "", "status_reason": ""}),
    ("plans.PlanZone", "plan__patient", {"outside_band_reason": ""}),
    ("plans.PlanStatusChange", "plan__patient", {"reason": ""}),
    ("screening.ScreeningOverride", "decision__patient", {"reason": "", "document_reference": ""}),
    ("treatments.Treatment", "patient", {"notes": "", "interval_reason": ""}),
    ("treatments.AdverseEvent", "treatment__patient", {"notes": ""}),
    ("outcomes.Assessment", "patient", {"notes": ""}),
    ("aftercare.CheckIn", "patient", {"notes": ""}),
    ("scheduling.Appointment", "patient", {"cancel_reason": "", "move_reason": ""}),
]
# Rows that are about reaching or showing the patient, not about their safety: deleted.
DELETES: list[tuple[str, str]] = [
    ("aftercare.Reminder", "patient"),
    ("scheduling.CalendarFeed", "patient"),
    ("portal.PortalLink", "patient"),  # a way into the portal: it must not outlive the identity
]
HANDLED = (
    {label for label, _, _ in SCRUBS}
    | {label for label, _ in DELETES}
    | {
        "patients.Patient",
        "patients.Intake",
        "outcomes.Photo",
        "treatments.Cartridge",  # lot, expiry and printed id: traceability, nothing personal
        "screening.ScreeningDecision",  # findings are the protocol's messages, not the patient's words
        "aftercare.AftercareTimeline",  # the protocol's steps
    }
)


def erase_records(patient: Patient, *, now: Any) -> Erasure:
    """Anonymise `patient` and everything hanging off it. Call inside a transaction."""
    done = Erasure()
    born = patient.date_of_birth
    Patient.objects.filter(pk=patient.pk).update(
        given_name=ERASED_GIVEN_NAME,
        family_name=ERASED_FAMILY_NAME,
        preferred_name="",
        reference="",
        # The year alone: age at treatment matters to a safety review; the day and month identify.
        date_of_birth=date(born.year, 1, 1),
        email="",
        phone="",
        phone_digits="",
        address="",
        notes="",
        archived_at=patient.archived_at or now,
        erased_at=now,
        updated_at=now,
    )
    done.add("patient", 1)
    for intake in Intake.objects.filter(patient=patient).only("pk", "answers"):
        Intake.objects.filter(pk=intake.pk).update(answers=_coded_answers(intake.answers or {}))
        done.add("intake", 1)
    for label, path, values in SCRUBS:
        done.add(label, model(label)._default_manager.filter(**{path: patient}).update(**values))
    # Visits to come are cancelled by the erasure itself: they free their slots and leave no
    # "Erased patient" on the calendar. Past visits stay as history (reasons blanked above).
    deleted, _ = (
        model("scheduling.Appointment")._default_manager.filter(patient=patient, starts_at__gte=now).delete()
    )
    done.add("scheduling.Appointment (upcoming, deleted)", deleted)
    for label, path in DELETES:
        deleted, _ = model(label)._default_manager.filter(**{path: patient}).delete()
        done.add(label, deleted)
    photo = model("outcomes.Photo")
    for row in photo._default_manager.filter(patient=patient).values("file", "thumbnail"):
        done.files += [name for name in (row["file"], row["thumbnail"]) if name]
    deleted, _ = photo._default_manager.filter(patient=patient).delete()
    done.add("outcomes.Photo", deleted)
    _blank_free_text(patient, done)
    return done


def _blank_free_text(patient: Patient, done: Erasure) -> None:
    """Any other model linked to the patient (an app added later) loses its optional free text."""
    for each in apps.get_models():
        label = each._meta.label
        if label in HANDLED or not each.__module__.startswith("needlecare."):
            continue
        links = [
            f.name
            for f in each._meta.get_fields()
            if isinstance(f, models.ForeignKey | models.OneToOneField) and f.related_model is Patient
        ]
        texts = {
            f.name: ""
            for f in each._meta.get_fields()
            if isinstance(f, models.TextField | models.CharField)
            and f.blank
            and not f.choices
            and not f.unique
            and f.concrete
        }
        if links and texts:
            match = Q()
            for link in links:
                match |= Q(**{link: patient})
            done.add(label, each._default_manager.filter(match).update(**texts))


def remove_files(files: list[str]) -> int:
    """Delete the photo files of an erasure from the private storage, once its transaction has committed.
    A name that would lead outside the store (refused by the storage) is left alone."""
    removed = 0
    storage = private_storage()
    for name in files:
        try:
            found = storage.exists(name)
        except SuspiciousFileOperation:
            continue
        if found:
            storage.delete(name)
            removed += 1
    return removed


def checkpoint_database(using: str = "default") -> bool:
    """After an erasure commits, leave no copy of the erased values in SQLite's write-ahead log.

    Every commit appends the pages it changed to the `-wal` file; the pages as they were before the
    erasure (names, e-mail, phone) stay there until a checkpoint copies the log into the database file
    and truncates it, which otherwise happens only when the last connection closes. `secure_delete`
    (settings) zeroes what the erasure freed inside the database file. Returns whether the whole log was
    written back and emptied (not when another connection is in the middle of a read; that reader's
    snapshot is still being read, and the log is truncated at the next checkpoint).

    PostgreSQL keeps dead row versions until VACUUM reuses their space: docs/operations.md, Erasure."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return True
    if connection.in_atomic_block:
        return False  # still inside an outer transaction (a test's): nothing is committed to write back
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
    return row is not None and row[0] == 0
