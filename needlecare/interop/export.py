"""Full exports as ZIP files: one patient's whole record (right of access), or a whole clinic (owner).

Which tables go in is not a list someone must keep up to date: every model of the project linked to the
patient (or clinic), directly or through other exported rows, is found by walking the foreign keys,
so a table added later is exported too ("no hidden table"). Secrets (password and token hashes) stay.

An archive is written to a temporary file on disk, never held in memory, and sent from there: a clinic's
photos can run to gigabytes.
"""

import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Collection
from datetime import datetime
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.http import FileResponse
from django.template.loader import render_to_string

from needlecare.aftercare.models import AftercareTimeline
from needlecare.aftercare.sheet import sheet_pdf
from needlecare.audit.models import AuditEvent
from needlecare.clinics.models import Clinic
from needlecare.clinics.policies import EVERYTHING, MODEL_CATEGORIES, Category
from needlecare.consent.models import ConsentSignature
from needlecare.core.storage import private_storage
from needlecare.interop.fhir import patient_bundle
from needlecare.interop.spreadsheet import SafeDictWriter
from needlecare.outcomes.models import Photo
from needlecare.patients.models import Patient

# Never exported: credentials (a clinic's Twilio account too), and the audit log (exported apart, below,
# as the clinic's access log).
EXCLUDED = {"accounts.ApiToken", "audit.AuditEvent", "accounts.User", "aftercare.TwilioAccount"}
SECRET_FIELDS = {"password", "key_hash", "token_hash", "idempotency_key", "claimed_by"}


def _project_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("needlecare.") and m._meta.label not in EXCLUDED and not m._meta.proxy
    ]


def _links(model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is not model  # type: ignore[comparison-overlap]
    ]


def collect(root: models.Model) -> dict[type[models.Model], list[Any]]:
    """Every row reachable from `root` by foreign keys pointing at exported rows, by model.

    A row is exported when at least one of its links points at an exported row and none points at a row
    of an exported kind that is not exported (so a clinic export skips everything of erased patients)."""
    candidates = _project_models()
    ids: dict[type[models.Model], set[Any]] = {type(root): {root.pk}}
    # Patients are exported one by one (their own export) or all but the erased (the clinic's).
    if isinstance(root, Clinic):
        ids[Patient] = set(
            Patient.objects.filter(clinic=root, erased_at__isnull=True).values_list("pk", flat=True)
        )
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in ids and model in (type(root), Patient):
                continue
            links = [f for f in _links(model) if f.related_model in ids]
            if not links:
                continue
            scoped = [f for f in _links(model) if _exported_kind(f.related_model, candidates, root)]
            match = Q()
            for f in links:
                match |= Q(**{f"{f.attname}__in": ids[f.related_model]})
            rows = model._default_manager.filter(match)
            for f in scoped:
                allowed = ids.get(f.related_model, set())
                rows = rows.filter(Q(**{f"{f.attname}__in": allowed}) | Q(**{f"{f.attname}__isnull": True}))
            found = set(rows.values_list("pk", flat=True))
            if found != ids.get(model, set()):
                ids[model] = found
                changed = True
    return {model: sorted(pks, key=str) for model, pks in ids.items() if pks}


def _exported_kind(model: Any, candidates: list[type[models.Model]], root: models.Model) -> bool:
    """Models whose rows may be out of the export (patients, and what hangs off them)."""
    if model is Clinic:
        return False
    if isinstance(root, Patient):
        return model is Patient
    return model in candidates and model is not Clinic and _reaches_patient(model)


def _reaches_patient(model: Any, seen: frozenset[Any] = frozenset()) -> bool:
    if model is Patient:
        return True
    if model in seen:
        return False
    return any(_reaches_patient(f.related_model, seen | {model}) for f in _links(model))


def readable(
    rows: dict[type[models.Model], list[Any]], categories: Collection[str] = EVERYTHING
) -> dict[str, Any]:
    """Every collected row as plain JSON, by table, with user links shown as the person's name (the
    patient's free-text notes only for a reader of notes)."""
    users = {}
    out: dict[str, Any] = {}
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in sorted(rows, key=lambda m: m._meta.label):
        queryset = model._default_manager.filter(pk__in=rows[model]).order_by("pk")
        records = []
        for item in serializers.serialize("python", queryset):
            fields = {k: v for k, v in item["fields"].items() if k not in SECRET_FIELDS}
            if model is Patient and Category.NOTES not in categories:
                fields.pop("notes", None)
            for f in _links(model):
                if f.related_model is user_model and fields.get(f.name) is not None:
                    users.setdefault(fields[f.name], None)
            records.append({"id": item["pk"], **fields})
        out[model._meta.label_lower] = {"title": str(model._meta.verbose_name_plural), "rows": records}
    found = user_model._default_manager.filter(pk__in=list(users)).values("pk", "email", "full_name")
    out["staff"] = {
        "title": "staff named in these records",
        "rows": [{"id": u["pk"], "email": u["email"], "name": u["full_name"]} for u in found],
    }
    protocol = apps.get_model("protocols.ProtocolVersion")
    used = {r.get("protocol") for table in out.values() for r in table["rows"] if isinstance(r, dict)}
    versions = protocol._default_manager.filter(pk__in=[p for p in used if isinstance(p, int)])
    out["protocols.protocolversion"] = {
        "title": "protocol versions these records were made under",
        "rows": [{"id": v.pk, "name": v.name, "hash": v.content_hash, "text": v.text} for v in versions],
    }
    return out


def _json(data: Any) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def allowed(
    rows: dict[type[models.Model], list[Any]], categories: Collection[str]
) -> dict[type[models.Model], list[Any]]:
    """The collected rows of the data categories a reader may see (clinics/policies.py). A table without
    a category goes only to a reader of everything (the patient, an owner), so a new table is never
    shown to a role nobody decided about."""
    everything = EVERYTHING <= frozenset(categories)
    kept = {}
    for model, pks in rows.items():
        category = MODEL_CATEGORIES.get(model._meta.label)
        if (category in categories) if category else everything:
            kept[model] = pks
    return kept


def _patient_files(
    archive: zipfile.ZipFile,
    patient: Patient,
    prefix: str,
    generated_at: datetime,
    categories: Collection[str] = EVERYTHING,
) -> None:
    rows = allowed(collect(patient), categories)
    bundle = patient_bundle(patient, generated_at=generated_at, readable=categories)
    archive.writestr(f"{prefix}fhir.json", _json(bundle))
    archive.writestr(f"{prefix}record.json", _json(readable(rows, categories)))
    if Category.PHOTOS in categories:
        storage = private_storage()
        for p in Photo.objects.filter(patient=patient):
            try:
                source = storage.open(p.file, "rb")
            except FileNotFoundError:
                continue  # a row whose file is gone: the export holds the rest
            with source, archive.open(f"{prefix}photos/{p.pk}.jpg", "w") as target:
                shutil.copyfileobj(source, target, 1 << 20)

    if Category.CONSENT in categories:
        for signature in ConsentSignature.objects.filter(patient=patient).select_related(
            "template", "witnessed_by"
        ):
            html = render_to_string(
                "interop/consent_export.html",
                {"signature": signature, "patient": patient, "clinic": patient.clinic},
            )
            archive.writestr(f"{prefix}consents/{signature.signed_at:%Y-%m-%d}-{signature.pk}.html", html)
    if Category.SESSIONS in categories:
        _aftercare_sheets(archive, patient, prefix)


def _aftercare_sheets(archive: zipfile.ZipFile, patient: Patient, prefix: str) -> None:
    for record in AftercareTimeline.objects.filter(patient=patient).select_related("treatment", "clinic"):
        archive.writestr(f"{prefix}aftercare/{record.starts_on}-{record.treatment_id}.pdf", sheet_pdf(record))


README = """Needlecare export of {what}, made {when} by {who}.

fhir.json      the record as a FHIR R4 Bundle (see Needlecare's docs/fhir.md for the codes)
record.json    every row of the record, table by table, as stored
photos/        the clinical photos, named by their id (Media.content.url in fhir.json)
consents/      each signed consent, exactly as signed, as a web page
aftercare/     the aftercare sheets given after each session (PDF)
"""


def _archive(write: Callable[[zipfile.ZipFile], None]) -> IO[bytes]:
    """A ZIP written by ``write`` into a temporary file (deleted once closed), rewound for reading."""
    out = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            write(archive)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def download(archive: IO[bytes], filename: str) -> FileResponse:
    """Send an archive from its file, chunk by chunk; the file is closed (and so deleted) when sent."""
    response = FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


def patient_zip(
    patient: Patient, *, by: Any, generated_at: datetime, categories: Collection[str] = EVERYTHING
) -> IO[bytes]:
    """One patient's record: all of it for the patient; for staff, the categories their role reads."""

    def write(archive: zipfile.ZipFile) -> None:
        left_out = ", ".join(sorted(c.value.replace("_", " ") for c in EVERYTHING - frozenset(categories)))
        note = f"\nLeft out, as the exporting role may not read them: {left_out}.\n" if left_out else ""
        archive.writestr(
            "README.txt",
            README.format(what=f"patient {patient.pk}", when=generated_at.isoformat(), who=by.email) + note,
        )
        _patient_files(archive, patient, "", generated_at, categories)

    return _archive(write)


PATIENT_COLUMNS = ["id", "reference", "given_name", "family_name", "preferred_name", "date_of_birth", "sex"]
PATIENT_COLUMNS += ["email", "phone", "address", "notes"]


def patients_csv(clinic: Clinic) -> str:
    """The clinic's patients in the CSV shape the importer reads (so an export imports as is); no cell
    is a formula to a spreadsheet (interop/spreadsheet.py)."""
    out = io.StringIO()
    writer = SafeDictWriter(out, PATIENT_COLUMNS)
    writer.writeheader()
    for p in Patient.objects.filter(clinic=clinic, erased_at__isnull=True).order_by(
        "family_name", "given_name"
    ):
        writer.writerow({c: getattr(p, c) for c in PATIENT_COLUMNS})
    return out.getvalue()


def clinic_zip(clinic: Clinic, *, by: Any, generated_at: datetime) -> IO[bytes]:
    def write(archive: zipfile.ZipFile) -> None:
        archive.writestr(
            "README.txt",
            README.format(what=f"clinic {clinic.slug}", when=generated_at.isoformat(), who=by.email)
            + "patients.csv   the patients, in the shape Needlecare's import reads\n"
            + "audit.json     the clinic's audit log (who read or changed what, when)\n"
            + "patients/<id>/ each patient's own export, as above\n",
        )
        archive.writestr("record.json", _json(readable(collect(clinic))))
        archive.writestr("patients.csv", patients_csv(clinic))
        events = AuditEvent.objects.filter(clinic=clinic).order_by("seq").values()
        archive.writestr("audit.json", _json(list(events)))
        for patient in Patient.objects.filter(clinic=clinic, erased_at__isnull=True).select_related("clinic"):
            _patient_files(archive, patient, f"patients/{patient.pk}/", generated_at)

    return _archive(write)
