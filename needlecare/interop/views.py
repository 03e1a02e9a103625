"""Interop pages: erasure, FHIR download, full export, import. Thin: parse, call, render."""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from needlecare.audit.services import record_event
from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, OWNER_ONLY
from needlecare.clinics.policies import readable_for
from needlecare.interop import services
from needlecare.interop.export import clinic_zip, download, patient_zip
from needlecare.interop.fhir import patient_bundle
from needlecare.interop.forms import EraseForm, MappingForm, UploadForm
from needlecare.interop.importer import (
    ImportChanged,
    ImportFileError,
    check_mapping,
    guess_mapping,
    read_csv,
    run_import,
    target_fields,
)
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def erase(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    form = EraseForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        services.erase_patient(patient=patient, by=request.user, request=request)
        messages.success(
            request, "The patient was erased. Their sessions and adverse events are kept without identity."
        )
        return redirect("patients:list")
    if request.method == "GET":
        record_patient_read(patient=patient, by=request.user, action="patient.erase_view", request=request)
    status = 422 if request.method == "POST" else 200
    return render(request, "interop/erase.html", {"patient": patient, "form": form}, status=status)


@require_GET
@staff(ALL_ROLES)
def fhir_bundle(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    bundle = patient_bundle(patient, generated_at=timezone.now(), readable=readable_for(request))
    record_patient_read(patient=patient, by=request.user, action="patient.fhir_export", request=request)
    response = HttpResponse(json.dumps(bundle, indent=2), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}-fhir.json"'
    return response


@require_GET
@staff(ALL_ROLES)
def patient_export(request, patient_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    archive = patient_zip(
        patient, by=request.user, generated_at=timezone.now(), categories=readable_for(request)
    )
    record_patient_read(patient=patient, by=request.user, action="patient.full_export", request=request)
    return download(archive, f"patient-{patient.pk}.zip")


@require_GET
@staff(OWNER_ONLY)
def clinic_export(request):
    archive = clinic_zip(request.clinic, by=request.user, generated_at=timezone.now())
    record_event(clinic=request.clinic, user=request.user, action="clinic.full_export", request=request)
    return download(archive, f"clinic-{request.clinic.slug}-{timezone.now():%Y-%m-%d}.zip")


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def clinic_data(request):
    """The clinic's data: the full export, and the import from another system (upload, map, check, import)."""
    step = request.POST.get("step", "upload") if request.method == "POST" else "upload"
    context: dict = {"upload": UploadForm(), "step": "upload"}
    status = 200
    if step == "upload" and request.method == "POST":
        upload = UploadForm(request.POST, request.FILES)
        context["upload"] = upload
        if upload.is_valid():
            try:
                data = upload.cleaned_data["file"].read(2 * 1024 * 1024 + 1)
                table = read_csv(data)
            except ImportFileError as error:
                upload.add_error("file", str(error))
            else:
                context.update(_mapping_step(table, table.text, guess_mapping(table.headers)))
        status = 200 if context["step"] != "upload" else 422
    elif step in ("check", "import"):
        context, status = _check_or_import(request, step)
        if context.get("imported"):
            messages.success(request, context["imported"])
            return redirect("patients:list")
    return render(request, "interop/data.html", context, status=status)


def _mapping_step(table, text: str, mapping: dict[str, str], form=None) -> dict:  # type: ignore[no-untyped-def]
    form = form or MappingForm(
        headers=table.headers, targets=target_fields(), initial_mapping=mapping, initial={"csv_text": text}
    )
    return {"step": "map", "mapping_form": form, "table": table, "preview": table.rows[:5]}


def _check_or_import(request, step: str):  # type: ignore[no-untyped-def]
    text = request.POST.get("csv_text", "")
    try:
        table = read_csv(text)
    except ImportFileError as error:
        upload = UploadForm()
        upload.errors["file"] = upload.error_class([str(error)])
        return {"upload": upload, "step": "upload"}, 422
    form = MappingForm(request.POST, headers=table.headers, targets=target_fields())
    if not form.is_valid():
        return _mapping_step(table, text, {}, form), 422
    mapping = form.mapping()
    problems = check_mapping(mapping, table.headers)
    if problems:
        for target, reason in problems.items():
            form.add_error(f"map_{target}" if f"map_{target}" in form.fields else None, reason)
        return _mapping_step(table, text, mapping, form), 422
    confirmed = None
    if step == "import":
        try:
            confirmed = [int(n) for n in request.POST.getlist("line")]
        except ValueError:
            confirmed = []
    try:
        report = run_import(
            clinic=request.clinic,
            table=table,
            mapping=mapping,
            by=request.user,
            dry_run=step == "check",
            confirmed_lines=confirmed,
            request=request,
        )
    except ImportChanged as error:
        context = _mapping_step(table, text, mapping, form)
        context["changed"] = str(error)
        return context, 409
    if step == "import":
        booked = f" and {report.appointments} appointment(s)" if report.appointments else ""
        return {"imported": f"Imported {report.patients} patient(s){booked}."}, 200
    context = _mapping_step(table, text, mapping, form)
    context.update({"step": "report", "report": report})
    return context, 200
