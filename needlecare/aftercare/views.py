"""Aftercare pages for staff: the printable sheet, the dashboard of check-ins with warning signs and of
patients' text messages, the clinic's Twilio account; and Twilio's webhooks (public, signature-checked)."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from twilio.request_validator import RequestValidator

from needlecare.aftercare import secrets, selectors, services, sheet, texting
from needlecare.aftercare.forms import TwilioAccountForm
from needlecare.aftercare.models import State, TwilioAccount
from needlecare.clinics.access import public, staff
from needlecare.clinics.models import ALL_ROLES, CLINICAL_ROLES, OWNER_ONLY
from needlecare.clinics.policies import Category, readers
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.treatments import selectors as treatment_selectors

logger = logging.getLogger(__name__)


def pdf_response(record, filename: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    response = HttpResponse(sheet.sheet_pdf(record), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff(ALL_ROLES)
def aftercare_sheet(request, patient_id, session_id):
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    treatment = treatment_selectors.session_of(patient, session_id)
    record = selectors.timeline_of(treatment)
    record_patient_read(patient=patient, by=request.user, action="aftercare.sheet", request=request)
    return pdf_response(record, f"aftercare-{record.starts_on:%Y-%m-%d}.pdf")


@require_GET
@staff(readers(Category.CHECKINS))
def alerts(request):
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    counts = selectors.outbox_counts(request.clinic)
    return render(
        request,
        "aftercare/alerts.html",
        {
            "alerts": list(selectors.alerts_for(request.clinic)),
            "recent": selectors.recent_checkins(request.clinic),
            "outbox": selectors.outbox(request.clinic, state=state),
            "state": state,
            "states": [(value, label, counts.get(value, 0)) for value, label in State.choices],
            "heartbeat": selectors.sender_heartbeat(),
            "texts": list(selectors.messages_to_answer(request.clinic)[:50]),
        },
    )


@require_POST
@staff(CLINICAL_ROLES)
def review(request, checkin_id):
    checkin = selectors.checkin_for(request.clinic, checkin_id)
    services.review_checkin(checkin=checkin, by=request.user, request=request)
    messages.success(
        request, f"Marked the day {checkin.day} check-in of {checkin.patient.full_name} as dealt with."
    )
    return redirect("aftercare:alerts")


@require_POST
@staff(readers(Category.CHECKINS))
def answered(request, message_id):
    message = selectors.inbound_message_for(request.clinic, message_id)
    texting.mark_answered(message=message, by=request.user, request=request)
    messages.success(request, "Marked the text message as answered.")
    return redirect("aftercare:alerts")


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def sms_settings(request):
    account = selectors.twilio_account_of(request.clinic)
    if request.method == "POST" and request.POST.get("remove"):
        texting.remove_twilio_account(clinic=request.clinic, by=request.user, request=request)
        messages.success(request, "Twilio removed: text messages go through the server's default gateway.")
        return redirect("aftercare:sms-settings")
    initial = (
        {
            f: getattr(account, f)
            for f in ("account_sid", "api_key_sid", "from_number", "messaging_service_sid")
        }
        if account
        else None
    )
    form = TwilioAccountForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        texting.save_twilio_account(
            clinic=request.clinic, by=request.user, data=form.cleaned_data, request=request
        )
        messages.success(request, "Twilio settings saved.")
        return redirect("aftercare:sms-settings")
    return render(
        request,
        "aftercare/sms_settings.html",
        {
            "form": form,
            "account": account,
            "can_store": secrets.can_store(),
            "status_url": settings.SITE_URL + "/sms/twilio/status/",
            "inbound_url": settings.SITE_URL + "/sms/twilio/inbound/",
        },
        status=422 if form.errors else 200,
    )


def _verified(request) -> TwilioAccount | HttpResponse:  # type: ignore[no-untyped-def]
    """The clinic's account a Twilio webhook is for, if its signature is right (else a 4xx answer)."""
    account = selectors.twilio_account_by_sid(request.POST.get("AccountSid", ""))
    signature = request.headers.get("X-Twilio-Signature", "")
    if account is None or not signature:
        return HttpResponseForbidden("unknown account or unsigned")
    # Twilio signs the URL it was given, which is under SITE_URL whatever proxy stands in front of us.
    url = settings.SITE_URL + request.get_full_path()
    try:
        validator = RequestValidator(secrets.decrypt(account.auth_token_encrypted))
    except ImproperlyConfigured as error:
        logger.error("Twilio webhook for clinic %s refused: %s", account.clinic_id, error)
        return HttpResponseForbidden("this server cannot check the signature")
    if not validator.validate(url, request.POST.dict(), signature):
        return HttpResponseForbidden("bad signature")
    return account


@public
@csrf_exempt
@require_POST
def twilio_status(request):
    account = _verified(request)
    if isinstance(account, HttpResponse):
        return account
    sid, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    if not sid or status not in texting.STATUS_RANK:
        return HttpResponseBadRequest("MessageSid and a known MessageStatus are needed")
    texting.record_delivery_status(account=account, message_sid=sid, status=status)
    return HttpResponse(status=204)


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@public
@csrf_exempt
@require_POST
def twilio_inbound(request):
    account = _verified(request)
    if isinstance(account, HttpResponse):
        return account
    sid, sender = request.POST.get("MessageSid", ""), request.POST.get("From", "")
    if not sid or not sender:
        return HttpResponseBadRequest("MessageSid and From are needed")
    # The number it was sent to must be the clinic's own (a messaging service may use several).
    to = request.POST.get("To", "")
    if (
        account.from_number
        and not account.messaging_service_sid
        and texting.digits(to) != texting.digits(account.from_number)
    ):
        return HttpResponseForbidden("not this clinic's number")
    texting.receive_message(
        account=account, message_sid=sid, from_number=sender, body=request.POST.get("Body", "")
    )
    # Twilio answers STOP and START itself; we add no reply of our own.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
