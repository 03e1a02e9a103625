"""Consent over the API: the clinic's current form, a patient's signatures, signing and withdrawing."""

from uuid import UUID

from ninja import Router
from ninja.errors import HttpError
from ninja.responses import Status

from needlecare.clinics.policies import Category, api_policy
from needlecare.consent import selectors, services
from needlecare.consent.models import SignedVia
from needlecare.consent.schemas import SignatureList, SignatureOut, SignIn, TemplateOut
from needlecare.core.api_errors import ERRORS
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read

router = Router(tags=["consent"])


@router.get("/consent/templates/current", response={200: TemplateOut, **ERRORS})
@api_policy(Category.CONSENT)
def current_template(request):  # type: ignore[no-untyped-def]
    """The clinic's consent form as a patient reads it now. Sign with its `version`."""
    return services.ensure_default_template(request.clinic, request=request)


@router.get("/patients/{patient_id}/consents", response={200: SignatureList, **ERRORS})
@api_policy(Category.CONSENT)
def list_consents(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """The patient's signed consents, newest first, and whether consent is valid for the next session."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    signatures = list(selectors.signatures_of(patient)[:100])
    status = selectors.consent_status(patient)
    record_patient_read(patient=patient, by=request.user, action="consent.view", request=request)
    return {"items": signatures, "count": len(signatures), "valid": status.valid, "status": status.reason}


@router.post("/patients/{patient_id}/consents", response={201: SignatureOut, **ERRORS})
@api_policy(Category.CONSENT, write=True)
def sign_consent(request, patient_id: UUID, payload: SignIn):  # type: ignore[no-untyped-def]
    """Record a signature made in the clinic (witnessed by the token's user) on the form `version` the
    patient read. 409 if the form has changed since (read it again) or the patient is archived."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    if patient.is_archived:
        raise HttpError(409, "This patient is archived: restore the patient before recording consent.")
    services.ensure_default_template(request.clinic, request=request)
    signature = services.sign_consent(
        patient=patient,
        version=payload.version,
        signed_name=payload.signed_name,
        photo_use=payload.photo_use,
        signature=payload.signature,
        signed_via=SignedVia.TABLET,
        by=request.user,
        request=request,
    )
    return Status(201, selectors.signature_of(patient, signature.pk))


@router.get("/patients/{patient_id}/consents/{signature_id}", response={200: SignatureOut, **ERRORS})
@api_policy(Category.CONSENT)
def get_consent(request, patient_id: UUID, signature_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    signature = selectors.signature_of(patient, signature_id)
    record_patient_read(patient=patient, by=request.user, action="consent.view", request=request)
    return signature


@router.post(
    "/patients/{patient_id}/consents/{signature_id}/withdraw", response={200: SignatureOut, **ERRORS}
)
@api_policy(Category.CONSENT, write=True)
def withdraw_consent(request, patient_id: UUID, signature_id: UUID):  # type: ignore[no-untyped-def]
    """Record that the patient withdrew this consent. Withdrawing twice keeps the first time."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    signature = selectors.signature_of(patient, signature_id)
    return services.withdraw_consent(signature=signature, by=request.user, request=request)
