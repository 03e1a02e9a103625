"""The plans part of the isolation sweep: one plan in the world's clinic, and a valid body per operation."""

from datetime import date


def ids(world) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from needlecare.plans.services import create_plan

    plan = create_plan(
        patient=world.patient,
        by=world.practitioner,
        indications=["acne_scars"],
        zones=["cheeks"],
        device="pen",
        fitzpatrick=3,
        start=date.today(),
    )
    return {"plan_id": plan.pk}


BODIES = {
    ("post", "/api/v1/patients/{patient_id}/plans"): {
        "indications": ["acne_scars"],
        "zones": ["cheeks"],
        "device": "pen",
        "fitzpatrick": 3,
    },
    ("patch", "/api/v1/patients/{patient_id}/plans/{plan_id}"): {"notes": "sweep"},
    ("post", "/api/v1/patients/{patient_id}/plans/{plan_id}/status"): {
        "status": "stopped",
        "reason": "sweep",
    },
}
