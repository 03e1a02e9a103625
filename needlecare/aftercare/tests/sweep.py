"""The isolation sweep's objects for aftercare and portal routes (tests/test_isolation.py)."""


def ids(world) -> dict:  # type: ignore[no-untyped-def, type-arg]
    from needlecare.aftercare.models import CheckIn, InboundMessage
    from needlecare.treatments.models import Treatment

    session = Treatment.objects.filter(patient=world.patient).order_by("-created_at").first()
    checkin = CheckIn.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        treatment=session,
        day=1,
        redness="mild",
        swelling="mild",
        pain=2,
        warning_signs=["Pus"],
    )
    text = InboundMessage.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        provider_id=f"SM{world.clinic.pk}sweep",
        body="Is this normal?",
    )
    return {"checkin_id": checkin.pk, "portal_session_id": session.pk, "message_id": text.pk}
