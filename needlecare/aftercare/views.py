"""Aftercare pages for staff: the printable sheet, and the dashboard of check-ins with warning signs."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from needlecare.aftercare import selectors, services, sheet
from needlecare.aftercare.models import State
from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, CLINICAL_ROLES
from needlecare.clinics.policies import Category, readers
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.treatments import selectors as treatment_selectors


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
