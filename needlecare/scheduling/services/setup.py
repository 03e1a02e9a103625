"""The clinic's calendar set-up: appointment types, rooms, devices, working hours and time off."""

from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.scheduling import selectors
from needlecare.scheduling.models import DEFAULT_TYPES, AppointmentType, Device, Room, TimeOff, WorkingHours


def ensure_default_types(clinic: Any) -> None:
    """Give a clinic the four standard appointment types, leaving any it changed as they are."""
    have = set(AppointmentType.objects.filter(clinic=clinic).values_list("code", flat=True))
    AppointmentType.objects.bulk_create(
        AppointmentType(
            clinic=clinic,
            code=code,
            name=code.label,
            duration_minutes=minutes,
            needs_room=room,
            needs_device=device,
            is_treatment=treatment,
        )
        for code, minutes, room, device, treatment in DEFAULT_TYPES
        if code not in have
    )


def on_clinic_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        ensure_default_types(instance)


# ------------------------------------------------------------------------------------------------------
# Setup: rooms, devices, types, working hours, time off
# ------------------------------------------------------------------------------------------------------


def add_room(*, clinic: Clinic, name: str, by: Any, request: Any = None) -> Room:
    """Add a treatment room; a retired one of the same name comes back."""
    room = _add_resource(Room, clinic=clinic, fields={"name": name}, by=by, request=request)
    assert isinstance(room, Room)
    return room


def add_device(*, clinic: Clinic, name: str, kind: str, serial: str, by: Any, request: Any = None) -> Device:
    """Add a device; a retired one of the same name comes back (with this kind and serial)."""
    device = _add_resource(
        Device, clinic=clinic, fields={"name": name, "kind": kind, "serial": serial}, by=by, request=request
    )
    assert isinstance(device, Device)
    return device


def _add_resource(
    model: type[Room] | type[Device], *, clinic: Clinic, fields: dict[str, Any], by: Any, request: Any
) -> Room | Device:
    with transaction.atomic():
        thing = model.objects.filter(clinic=clinic, name=fields["name"]).first()
        if thing is None:
            thing = model(clinic=clinic)
        thing.is_active = True
        for name, value in fields.items():
            setattr(thing, name, value)
        thing.save()
        record_event(
            clinic=clinic, user=by, action=f"{model._meta.model_name}.add", obj=thing, request=request
        )
    return thing


def retire_resource(*, clinic: Clinic, key: str, by: Any, request: Any = None) -> None:
    """Retire `room-<id>` or `device-<id>`: kept for past appointments, offered no more."""
    kind, _, pk = key.partition("-")
    resources: dict[str, type[Room] | type[Device]] = {"room": Room, "device": Device}
    model = resources.get(kind)
    if model is None or not pk.isdigit():
        raise ValidationError("Unknown room or device.")
    with transaction.atomic():
        thing = model.objects.filter(clinic=clinic, pk=int(pk)).first()
        if thing is None:
            raise ValidationError("Unknown room or device.")
        thing.is_active = False
        thing.save(update_fields=["is_active"])
        record_event(clinic=clinic, user=by, action=f"{kind}.retire", obj=thing, request=request)


def update_type(
    *,
    appointment_type: AppointmentType,
    name: str,
    duration_minutes: int,
    needs_room: bool,
    needs_device: bool,
    is_active: bool,
    by: Any,
    request: Any = None,
) -> AppointmentType:
    """Rename, re-time or retire one of the clinic's appointment types (its code stays)."""
    kind = appointment_type
    with transaction.atomic():
        kind.name = name
        kind.duration_minutes = duration_minutes
        kind.needs_room = needs_room
        kind.needs_device = needs_device
        kind.is_active = is_active
        kind.save()
        record_event(
            clinic=kind.clinic,
            user=by,
            action="appointment_type.update",
            obj=kind,
            request=request,
            detail={"code": kind.code, "minutes": kind.duration_minutes},
        )
    return kind


def set_working_hours(
    *, clinic: Clinic, practitioner: Any, week: list[tuple[int, time, time]], by: Any, request: Any = None
) -> None:
    """Replace the practitioner's week. Booked appointments stay; new bookings follow the new hours."""
    if practitioner is None or not selectors.practitioners_of(clinic).filter(pk=practitioner.pk).exists():
        raise ValidationError("Working hours are for practitioners and owners of this clinic.")
    with transaction.atomic():
        WorkingHours.objects.filter(clinic=clinic, practitioner=practitioner).delete()
        for weekday, starts, ends in week:
            hours = WorkingHours(
                clinic=clinic, practitioner=practitioner, weekday=weekday, starts=starts, ends=ends
            )
            hours.full_clean()
            hours.save()
        record_event(
            clinic=clinic,
            user=by,
            action="working_hours.set",
            request=request,
            detail={"practitioner": practitioner.pk, "days": len(week)},
        )


def add_time_off(
    *,
    clinic: Clinic,
    practitioner: Any,
    first_day: date,
    last_day: date,
    reason: str = "",
    by: Any,
    request: Any = None,
) -> Any:
    if practitioner is None or not selectors.practitioners_of(clinic).filter(pk=practitioner.pk).exists():
        raise ValidationError("Time off is for practitioners and owners of this clinic.")
    with transaction.atomic():
        off = TimeOff(
            clinic=clinic,
            practitioner=practitioner,
            first_day=first_day,
            last_day=last_day,
            reason=reason.strip(),
        )
        off.full_clean()
        off.save()
        record_event(clinic=clinic, user=by, action="time_off.add", obj=off, request=request)
    return off


def remove_time_off(*, time_off: Any, by: Any, request: Any = None) -> None:
    with transaction.atomic():
        record_event(clinic=time_off.clinic, user=by, action="time_off.remove", obj=time_off, request=request)
        time_off.delete()
