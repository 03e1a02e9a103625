"""Screening pages: run it, read the decision at a glance, record an override."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, CLINICAL_ROLES
from needlecare.core.clock import clinic_today
from needlecare.core.forms import add_refusal
from needlecare.core.request import ClinicRequest
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.screening import selectors, services
from needlecare.screening.forms import OverrideForm


@require_POST
@staff(CLINICAL_ROLES)
def screening_run(request: ClinicRequest, patient_id: UUID):
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    try:
        adjuncts = [name for name in request.POST.getlist("adjuncts") if name][:10]
        decision = services.screen_patient(
            patient=patient, by=request.user, adjuncts=adjuncts, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("patients:detail", patient_id=patient.pk)
    messages.success(request, f"Screened: {decision.get_outcome_display()}.")
    return redirect("screening:detail", patient_id=patient.pk, decision_id=decision.pk)


@require_GET
@staff(ALL_ROLES)
def screening_detail(request: ClinicRequest, patient_id: UUID, decision_id: UUID):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    decision = selectors.screening_of(patient, decision_id)
    record_patient_read(patient=patient, by=request.user, action="screening.view", request=request)
    status = selectors.screening_status(patient, clinic_today(request.clinic))
    return render(
        request,
        "screening/detail.html",
        {
            "patient": patient,
            "decision": decision,
            "status": status,
            "form": OverrideForm(),
            "is_latest": status.decision is not None and status.decision.pk == decision.pk,
        },
    )


@require_http_methods(["POST"])
@staff(CLINICAL_ROLES)
def screening_override(request: ClinicRequest, patient_id: UUID, decision_id: UUID):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    decision = selectors.screening_of(patient, decision_id)
    form = OverrideForm(request.POST)
    http_status = 422
    if form.is_valid():
        try:
            services.override_screening(
                decision=decision, by=request.user, request=request, **form.cleaned_data
            )
        except services.AlreadyOverridden as error:
            messages.error(request, str(error))
            http_status = 409
            decision = selectors.screening_of(patient, decision_id)  # show the override that stands
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_refusal(form, error)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, "Override recorded.")
            return redirect("screening:detail", patient_id=patient.pk, decision_id=decision.pk)
    status = selectors.screening_status(patient, clinic_today(request.clinic))
    return render(
        request,
        "screening/detail.html",
        {
            "patient": patient,
            "decision": decision,
            "status": status,
            "form": form,
            "is_latest": status.decision is not None and status.decision.pk == decision.pk,
        },
        status=http_status,
    )


PATIENT_HEADLINES = {
    "eligible": "You can go ahead with microneedling.",
    "precautions": "You can go ahead with microneedling. We will take some extra care, explained below.",
    "clearance": "Before we can treat you, we need a letter from your doctor, explained below.",
    "deferred": "We need to wait a little before treating you.",
    "declined": "Microneedling is not suitable for you; your practitioner will explain other choices.",
}


@require_GET
@staff(ALL_ROLES)
def screening_for_patient(request: ClinicRequest, patient_id: UUID, decision_id: UUID):
    """The decision worded for the patient: to show on the tablet or print and hand over."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    decision = selectors.screening_of(patient, decision_id)
    record_patient_read(patient=patient, by=request.user, action="screening.view", request=request)
    messages_for_patient = [f.get("patient_message") or f["message"] for f in decision.findings]
    return render(
        request,
        "screening/for_patient.html",
        {
            "patient": patient,
            "decision": decision,
            "headline": PATIENT_HEADLINES[decision.outcome],
            "points": list(dict.fromkeys(messages_for_patient)),
        },
    )
