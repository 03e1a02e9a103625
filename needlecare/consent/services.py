"""Every write to consent: the clinic's form versions, a patient's signature, its withdrawal. Audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from needlecare.audit.services import client_address, record_event
from needlecare.clinics.models import Clinic
from needlecare.consent import default_text
from needlecare.consent.models import ConsentSignature, ConsentTemplate, SignedVia
from needlecare.consent.selectors import current_template
from needlecare.consent.signature import SignatureError, sanitise_signature
from needlecare.core.errors import Refused
from needlecare.patients.models import Patient

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_PHOTO_USE_TEXT = 4_000
MAX_NOTE = 300
MAX_SIGNED_NAME = 160


class ConsentRefused(Refused, ValidationError):  # type: ignore[misc]  # Refused's str code and message
    """The form or the signature is refused (API: 422), each problem by its field."""


class TemplateChanged(ConsentRefused):
    """The form changed after the signer was shown it: they must read the current text and sign that."""

    status = 409


def _lock_clinic(clinic: Clinic) -> None:
    # Serialises version numbering per clinic on PostgreSQL; SQLite's immediate transaction already does.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).values_list("pk", flat=True).first()


def ensure_default_template(clinic: Clinic, *, request: Any = None) -> ConsentTemplate:
    """The clinic's current form; a clinic that has none gets Needlecare's default as version 1."""
    template = current_template(clinic)
    if template is not None:
        return template
    with transaction.atomic():
        _lock_clinic(clinic)
        template = current_template(clinic)  # another request may have created it meanwhile
        if template is None:
            template = ConsentTemplate.objects.create(
                clinic=clinic,
                version=1,
                title=default_text.TITLE,
                body=default_text.BODY,
                photo_use_text=default_text.PHOTO_USE_TEXT,
                note="Needlecare's default microneedling consent.",
            )
            record_event(
                clinic=clinic,
                user=None,
                action="consent.template.create",
                obj=template,
                request=request,
                detail={"version": 1, "default": True},
            )
    return template


def revise_template(
    *,
    clinic: Clinic,
    title: str,
    body: str,
    photo_use_text: str,
    note: str = "",
    by: Any,
    request: Any = None,
) -> tuple[ConsentTemplate, bool]:
    """Save the form's text as the next version; earlier versions stay exactly as they were.

    Returns (the current version, whether a new one was made): an unchanged text makes no version.
    """
    title, body, photo_use_text, note = title.strip(), body.strip(), photo_use_text.strip(), note.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the form a title."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title within {MAX_TITLE} characters."
    if not body:
        errors["body"] = "Write the text the patient reads and agrees to."
    elif len(body) > MAX_BODY:
        errors["body"] = f"Keep the text within {MAX_BODY:,} characters."
    if not photo_use_text:
        errors["photo_use_text"] = (
            "Write the separate question about photo use (the patient answers yes or no)."
        )
    elif len(photo_use_text) > MAX_PHOTO_USE_TEXT:
        errors["photo_use_text"] = f"Keep the photo-use question within {MAX_PHOTO_USE_TEXT:,} characters."
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note within {MAX_NOTE} characters."
    if errors:
        raise ConsentRefused(errors)
    with transaction.atomic():
        _lock_clinic(clinic)
        current = current_template(clinic)
        if current is not None and (current.title, current.body, current.photo_use_text) == (
            title,
            body,
            photo_use_text,
        ):
            return current, False
        latest = ConsentTemplate.objects.filter(clinic=clinic).aggregate(v=Max("version"))["v"] or 0
        template = ConsentTemplate.objects.create(
            clinic=clinic,
            version=latest + 1,
            title=title,
            body=body,
            photo_use_text=photo_use_text,
            note=note,
            created_by=by if getattr(by, "pk", None) else None,
        )
        record_event(
            clinic=clinic,
            user=by,
            action="consent.template.revise",
            obj=template,
            request=request,
            detail={"version": template.version},
        )
    return template, True


def sign_consent(
    *,
    patient: Patient,
    version: int,
    signed_name: str,
    photo_use: bool | None,
    signature: str,
    signed_via: str = SignedVia.TABLET,
    by: Any,
    request: Any = None,
) -> ConsentSignature:
    """Record the patient's signature on version `version` of the clinic's form, the one they read.

    On a tablet in the clinic, `by` is the staff member who witnessed it; in the portal (`signed_via=
    "portal"`) nobody witnesses and `by` is whoever acts for the portal. The text, the photo-use choice,
    the typed name, the drawn signature (sanitised), the time and the client address are stored and
    never changed. Raises ValidationError (field by field), or TemplateChanged if `version` is no
    longer the current one.
    """
    errors: dict[str, str] = {}
    name = signed_name.strip() if isinstance(signed_name, str) else ""
    if not name:
        errors["signed_name"] = "Type your full name."
    elif len(name) > MAX_SIGNED_NAME:
        errors["signed_name"] = f"Keep the name within {MAX_SIGNED_NAME} characters."
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        errors["signed_name"] = "The name must be plain text."
    if not isinstance(photo_use, bool):
        errors["photo_use"] = "Answer the photo question: yes or no."
    try:
        path = sanitise_signature(signature)
    except SignatureError as error:
        errors["signature"] = str(error)
    if signed_via not in SignedVia.values:
        errors["signed_via"] = "Unknown way of signing."
    if patient.is_archived:
        errors["__all__"] = "This patient is archived: restore the patient before recording consent."
    if errors:
        raise ConsentRefused(errors)
    with transaction.atomic():
        _lock_clinic(patient.clinic)
        template = current_template(patient.clinic)
        if template is None or template.version != version:
            raise TemplateChanged(
                "The consent form changed while it was open"
                + (f" (it is now version {template.version})" if template else "")
                + ": read the current text and sign again."
            )
        signed = ConsentSignature.objects.create(
            clinic=patient.clinic,
            patient=patient,
            template=template,
            signed_title=template.title,
            signed_text=template.body,
            signed_photo_use_text=template.photo_use_text,
            signed_name=name,
            signature_svg=path,
            photo_use=bool(photo_use),  # a bool by now: anything else was refused above
            signed_via=signed_via,
            witnessed_by=by if signed_via == SignedVia.TABLET and getattr(by, "pk", None) else None,
            ip=client_address(request),
        )
        # Version and channel only: the name and the choices stay out of the log (erasure).
        record_event(
            clinic=patient.clinic,
            user=by,
            action="consent.sign",
            obj=signed,
            patient_id=patient.pk,
            request=request,
            detail={"version": template.version, "via": signed_via},
        )
    return signed


def withdraw_consent(*, signature: ConsentSignature, by: Any, request: Any = None) -> ConsentSignature:
    """Record that the patient withdrew this consent (now). Withdrawing twice keeps the first time."""
    with transaction.atomic():
        stored = ConsentSignature.objects.select_for_update().get(pk=signature.pk)
        if stored.withdrawn_at is None:
            stored.withdrawn_at = timezone.now()
            stored.save(update_fields=["withdrawn_at"])
            record_event(
                clinic=stored.clinic,
                user=by,
                action="consent.withdraw",
                obj=stored,
                patient_id=stored.patient_id,
                request=request,
                detail={"version": signature.template.version},
            )
    signature.withdrawn_at = stored.withdrawn_at
    return signature
