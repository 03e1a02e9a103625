"""Consent pages: signing on the tablet, the signed consent (printable), withdrawal, and the clinic's form."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, OWNER_ONLY
from needlecare.consent import selectors, services
from needlecare.consent.forms import TemplateForm
from needlecare.consent.models import SignedVia
from needlecare.consent.signature import MAX_POINTS
from needlecare.consent.signing import SigningPage, sign_from_form
from needlecare.core.forms import add_refusal
from needlecare.core.request import ClinicRequest
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)  # the front desk hands the tablet over as often as the practitioner does
def consent_sign(request: ClinicRequest, patient_id: UUID):
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    template = services.ensure_default_template(request.clinic, request=request)
    page = SigningPage.blank(template)
    if request.method == "POST":
        page = sign_from_form(
            request, patient=patient, template=template, signed_via=SignedVia.TABLET, by=request.user
        )
        if page.signature is not None:
            messages.success(request, f"Consent signed (version {page.signature.template.version}).")
            return redirect("consent:detail", patient_id=patient.pk, signature_id=page.signature.pk)
    else:
        record_patient_read(patient=patient, by=request.user, action="consent.view", request=request)
    return render(
        request,
        "consent/sign.html",
        {
            "patient": patient,
            "template": page.template,
            "form": page.form,
            "problem": page.problem,
            "max_points": MAX_POINTS,
        },
        status=page.status,
    )


@require_GET
@staff(ALL_ROLES)
def consent_detail(request: ClinicRequest, patient_id: UUID, signature_id: UUID):
    """The signed consent as it was signed; prints as a clean document."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    signature = selectors.signature_of(patient, signature_id)
    record_patient_read(
        patient=patient, by=request.user, action="consent.view", request=request, detail={"signature": True}
    )
    status = selectors.consent_status(patient)
    return render(
        request,
        "consent/signature.html",
        {
            "patient": patient,
            "signature": signature,
            "status": status,
            "is_current": status.valid
            and status.signature is not None
            and status.signature.pk == signature.pk,
        },
    )


@require_POST
@staff(ALL_ROLES)
def consent_withdraw(request: ClinicRequest, patient_id: UUID, signature_id: UUID):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    signature = selectors.signature_of(patient, signature_id)
    if signature.withdrawn_at is None:
        services.withdraw_consent(signature=signature, by=request.user, request=request)
        messages.success(request, "The withdrawal of consent was recorded.")
    return redirect("consent:detail", patient_id=patient.pk, signature_id=signature.pk)


@require_GET
@staff(ALL_ROLES)
def template_list(request: ClinicRequest):
    current = services.ensure_default_template(request.clinic, request=request)
    return render(
        request,
        "consent/templates.html",
        {"current": current, "versions": list(selectors.templates_of(request.clinic)[:100])},
    )


@require_GET
@staff(ALL_ROLES)
def template_detail(request: ClinicRequest, template_id: int):
    template = selectors.template_for(request.clinic, template_id)
    current = selectors.current_template(request.clinic)
    return render(
        request,
        "consent/template.html",
        {"template": template, "is_current": current is not None and current.pk == template.pk},
    )


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def template_edit(request: ClinicRequest):
    current = services.ensure_default_template(request.clinic, request=request)
    initial = {"title": current.title, "body": current.body, "photo_use_text": current.photo_use_text}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template, created = services.revise_template(
                clinic=request.clinic, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            if created:
                messages.success(
                    request,
                    f"Saved as version {template.version}. Version {current.version} is kept unchanged; "
                    "patients who signed an earlier version will be asked to sign again.",
                )
            else:
                messages.info(request, f"Nothing changed: the form is still version {template.version}.")
            return redirect("consent:templates")
    return render(
        request,
        "consent/template_form.html",
        {"current": current, "form": form},
        status=422 if form.errors else 200,
    )
