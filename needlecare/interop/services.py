"""Every write of the interop app: erasure, import. One transaction each, audited."""

from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from needlecare.audit.services import record_event
from needlecare.interop.erasure import Erasure, checkpoint_database, erase_records, remove_files
from needlecare.patients.models import Patient


class AlreadyErased(Http404):
    """Two erasures raced; the second finds nobody to erase, as any later request would."""


def erase_patient(*, patient: Patient, by: Any, request: Any = None) -> Erasure:
    """Erase a patient on their request. The audit log keeps that it happened, by whom, and counts."""
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        if locked.erased_at is not None:
            raise AlreadyErased("This patient has already been erased.")
        done = erase_records(locked, now=timezone.now())
        record_event(
            clinic=locked.clinic,
            user=by,
            action="patient.erase",
            obj=locked,
            patient_id=locked.pk,
            request=request,
            detail={"erased": done.counts, "files": len(done.files)},
        )
        files = list(done.files)
        # Files go only once the rows are gone for good; a rolled-back erasure keeps its photos.
        transaction.on_commit(lambda: remove_files(files))
        # And no copy of the erased values stays in SQLite's write-ahead log.
        transaction.on_commit(checkpoint_database)
    return done
