"""Clinic-wide outcome pages: the maintenance worklist (book a patient in one step) and the clinic's
durability curves and improvement table."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, CLINICAL_ROLES
from needlecare.core.clock import clinic_today, local_time
from needlecare.forecasting import worklist
from needlecare.forecasting.clinic_outcomes import clinic_outcomes as gather
from needlecare.forecasting.clinic_outcomes import curves_svg
from needlecare.patients import selectors as patient_selectors
from needlecare.protocols.labels import label_of, labels_for


class WorklistForm(forms.Form):
    weeks = forms.IntegerField(
        label="Due within (weeks)",
        min_value=0,
        max_value=worklist.MAX_WEEKS,
        initial=worklist.DEFAULT_WEEKS,
        required=False,
    )


def _weeks(value: object) -> int:
    try:
        weeks = int(str(value))
    except (TypeError, ValueError):
        return worklist.DEFAULT_WEEKS
    return weeks if 0 <= weeks <= worklist.MAX_WEEKS else worklist.DEFAULT_WEEKS


@require_GET
@staff(ALL_ROLES)
def maintenance_worklist(request):
    """Patients whose maintenance is due within N weeks with nothing booked; the front desk books too."""
    form = WorklistForm(request.GET or None)
    weeks = worklist.DEFAULT_WEEKS
    if form.is_bound and form.is_valid() and form.cleaned_data["weeks"] is not None:
        weeks = form.cleaned_data["weeks"]
    today = clinic_today(request.clinic)
    rows = worklist.maintenance_worklist(request.clinic, today=today, weeks=weeks)
    names = labels_for(request.clinic, ["indications"])
    for row in rows:
        row.indication_labels = [label_of(names, key) for key in row.indications]  # type: ignore[attr-defined]
    return render(
        request,
        "forecasting/worklist.html",
        {
            "form": form if form.is_bound else WorklistForm(initial={"weeks": weeks}),
            "weeks": weeks,
            "rows": rows,
            "today": today,
        },
        status=422 if form.is_bound and not form.is_valid() else 200,
    )


@require_POST
@staff(ALL_ROLES)
def book_maintenance(request, patient_id):
    """Book the first free maintenance slot for one patient and come back to the worklist."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    weeks = _weeks(request.POST.get("weeks"))
    back = f"{reverse('forecasting:worklist')}?weeks={weeks}"
    try:
        appointment = worklist.book_maintenance(
            patient=patient, by=request.user, today=clinic_today(request.clinic), request=request
        )
    except worklist.NotBooked as why:
        messages.error(request, why.message)
        return redirect(back)
    local = local_time(request.clinic, appointment.starts_at)
    who = appointment.practitioner.full_name or appointment.practitioner.email
    messages.success(
        request, f"Booked {patient.full_name} for maintenance on {local:%A %d %B %Y at %H:%M} with {who}."
    )
    return redirect(back)


@require_GET
@staff(CLINICAL_ROLES)
def clinic_outcomes(request):
    """Durability curves by indication and improvement by indication, depth band and device."""
    outcomes = gather(request.clinic)
    names = labels_for(request.clinic, ["indications"])
    for curve in outcomes.curves:
        curve.label = label_of(names, curve.indication)
    for row in outcomes.improvement:
        row.label = label_of(names, row.indication)
    return render(
        request,
        "forecasting/clinic.html",
        {
            "outcomes": outcomes,
            "chart": curves_svg(outcomes.curves) if outcomes.curves else "",
        },
    )
