"""Switching between one's clinics, and the owner's clinic settings."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from needlecare.clinics import services
from needlecare.clinics.access import signed_in, staff
from needlecare.clinics.forms import ClinicSettingsForm, SwitchClinicForm
from needlecare.clinics.middleware import SESSION_KEY
from needlecare.clinics.models import OWNER_ONLY
from needlecare.clinics.selectors import memberships_of


@signed_in
@require_POST
def switch_clinic(request):
    form = SwitchClinicForm(request.POST)
    membership = None
    if form.is_valid():
        membership = memberships_of(request.user).filter(clinic_id=form.cleaned_data["clinic"]).first()
    if membership is None:
        messages.error(request, "You are not a member of that clinic.")
        return redirect("patients:list")
    request.session[SESSION_KEY] = membership.clinic_id
    messages.success(request, f"You are now working in {membership.clinic}.")
    return redirect("patients:list")


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def clinic_settings(request):
    form = ClinicSettingsForm(request.POST or None, instance=request.clinic)
    if request.method == "POST" and form.is_valid():
        services.update_clinic(
            clinic=request.clinic, by=request.user, data=form.cleaned_data, request=request
        )
        messages.success(request, "Clinic settings saved.")
        return redirect("clinics:settings")
    members = request.clinic.memberships.select_related("user").order_by("role", "user__email")
    return render(
        request,
        "clinics/settings.html",
        {"form": form, "members": members},
        status=422 if form.errors else 200,
    )
