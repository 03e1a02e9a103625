"""The owners' set-up page: rooms, devices, appointment types, working hours and time off."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from needlecare.clinics.access import staff
from needlecare.clinics.models import OWNER_ONLY
from needlecare.core.clock import clinic_today
from needlecare.scheduling import selectors
from needlecare.scheduling.forms import (
    DeviceForm,
    HoursForm,
    RoomForm,
    TimeOffForm,
    TypeForm,
)
from needlecare.scheduling.services.setup import (
    add_device,
    add_room,
    add_time_off,
    remove_time_off,
    retire_resource,
    set_working_hours,
    update_type,
)
from needlecare.scheduling.views.parsing import practitioner_or_404, reasons

# ------------------------------------------------------------------------------------------------------
# Setup (owners): rooms, devices, appointment types, working hours, time off
# ------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def setup(request):
    clinic = request.clinic
    practitioners = list(selectors.practitioners_of(clinic))
    forms: dict[str, Any] = {
        "room": RoomForm(prefix="room"),
        "device": DeviceForm(prefix="device"),
        "time_off": TimeOffForm(prefix="off", practitioners=practitioners),
        "hours": HoursForm(
            prefix="hours",
            practitioners=practitioners,
            initial=_hours_initial(
                clinic, practitioner_or_404(request, request.GET.get("practitioner")) or practitioners
            ),
        ),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _setup_action(request, action, practitioners, forms)
        except ValidationError as error:
            messages.error(request, " ".join(reasons(error)))
            done = False
        if done:
            messages.success(request, "Saved.")
            return redirect("scheduling:setup")
        status = 422
    types = list(selectors.types_of(clinic, active_only=False))
    return render(
        request,
        "scheduling/setup.html",
        {
            **forms,
            "types": [(t, TypeForm(instance=t, prefix=f"type-{t.pk}")) for t in types],
            "rooms": list(selectors.rooms_of(clinic)),
            "devices": list(selectors.devices_of(clinic)),
            "time_off_list": list(selectors.time_off_from(clinic, clinic_today(clinic))),
            "practitioners": practitioners,
        },
        status=status,
    )


def _hours_initial(clinic, chosen) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The week of the chosen practitioner (or the first of a list of them), to edit."""
    if isinstance(chosen, list):
        chosen = chosen[0] if chosen else None
    practitioner_id = chosen.pk if chosen else None
    initial: dict[str, Any] = {"practitioner": str(practitioner_id or "")}
    for row in selectors.working_hours_of(clinic, practitioner_id):
        initial.setdefault(f"starts_{row.weekday}", row.starts)
        initial[f"ends_{row.weekday}"] = row.ends
    return initial


def _setup_action(request, action: str, practitioners, forms) -> bool:  # type: ignore[no-untyped-def]
    clinic = request.clinic
    if action == "room":
        forms["room"] = form = RoomForm(request.POST, prefix="room")
        if form.is_valid():
            add_room(clinic=clinic, name=form.cleaned_data["name"], by=request.user, request=request)
            return True
    elif action == "device":
        forms["device"] = form = DeviceForm(request.POST, prefix="device")
        if form.is_valid():
            data = form.cleaned_data
            add_device(
                clinic=clinic,
                name=data["name"],
                kind=data["kind"],
                serial=data["serial"],
                by=request.user,
                request=request,
            )
            return True
    elif action == "time_off":
        forms["time_off"] = form = TimeOffForm(request.POST, prefix="off", practitioners=practitioners)
        if form.is_valid():
            add_time_off(
                clinic=clinic,
                practitioner=practitioner_or_404(request, form.cleaned_data["practitioner"]),
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
            return True
    elif action == "hours":
        forms["hours"] = form = HoursForm(request.POST, prefix="hours", practitioners=practitioners)
        if form.is_valid():
            set_working_hours(
                clinic=clinic,
                practitioner=practitioner_or_404(request, form.cleaned_data["practitioner"]),
                week=form.week(),
                by=request.user,
                request=request,
            )
            return True
    elif action.startswith("type-") and action.removeprefix("type-").isdigit():
        kind = selectors.type_for(clinic, int(action.removeprefix("type-")))
        form = TypeForm(request.POST, instance=kind, prefix=action)
        if form.is_valid():
            data = form.cleaned_data
            update_type(
                appointment_type=kind,
                name=data["name"],
                duration_minutes=data["duration_minutes"],
                needs_room=data["needs_room"],
                needs_device=data["needs_device"],
                is_active=data["is_active"],
                by=request.user,
                request=request,
            )
            return True
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    elif action.startswith("retire-"):
        retire_resource(clinic=clinic, key=action.removeprefix("retire-"), by=request.user, request=request)
        return True
    elif action.startswith("delete-off-") and action.removeprefix("delete-off-").isdigit():
        off = selectors.time_off_for(clinic, int(action.removeprefix("delete-off-")))
        remove_time_off(time_off=off, by=request.user, request=request)
        return True
    return False
