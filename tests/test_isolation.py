"""The isolation sweep: every route that takes an object id, asked by another clinic, answers 404.

Routes are discovered from the URL resolver and the OpenAPI document, so a route added later is swept
too; a new kind of id must be added to `ids_of()` or this test fails and says so.
"""

import pytest

from needlecare.accounts.services import issue_token
from needlecare.clinics.models import Membership
from tests.routes import api_operations, page_routes

pytestmark = pytest.mark.django_db

# A valid body for each API operation that takes one: the sweep must reach the object lookup,
# not stop at body validation.
VALID_BODIES = {
    ("patch", "/api/v1/patients/{patient_id}"): {"notes": "sweep"},
    ("post", "/api/v1/patients/{patient_id}/intakes"): {"answers": {"fitzpatrick": 2}},
    ("post", "/api/v1/patients/{patient_id}/archive"): None,
    ("post", "/api/v1/patients/{patient_id}/screenings"): {},
    ("post", "/api/v1/patients/{patient_id}/screenings/{decision_id}/override"): {"reason": "sweep"},
    ("post", "/api/v1/patients/{patient_id}/sessions"): {
        "performed_on": "2026-01-05",
        "device": "pen",
        "device_model": "M",
        "device_serial": "S",
        "cartridge_id": "sweep",
        "cartridge_lot": "L",
        "cartridge_expiry": "2030-01-01",
        "numbing_agent": "none",
        "end_point": "erythema",
        "duration_minutes": 30,
        "immediate_reaction": "expected",
        "zones": [{"zone": "cheeks", "depth_mm": 1.0, "passes": 2}],
    },
    ("post", "/api/v1/patients/{patient_id}/consents"): {
        "version": 1,
        "signed_name": "Sweep Patient",
        "photo_use": False,
        "signature": "M10 10L20 20",
    },
    ("post", "/api/v1/patients/{patient_id}/sessions/{session_id}/adverse-events"): {
        "kind": "bruising",
        "grade": 1,
        "onset_on": "2030-01-01",
    },
}


# Apps added later keep their part of the sweep beside them: `needlecare/<app>/tests/sweep.py` may define
# `ids(world) -> dict` (URL parameter name -> id of an object in the world's clinic) and `BODIES` (valid
# request bodies by (method, path)), and this sweep picks them up.
def app_sweeps() -> list[object]:
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.tests.sweep"
        if config.name.startswith("needlecare.") and find_spec(f"{config.name}.tests") and find_spec(name):
            found.append(import_module(name))
    return found


def bodies() -> dict[tuple[str, str], object]:
    merged = dict(VALID_BODIES)
    for sweep in app_sweeps():
        merged.update(getattr(sweep, "BODIES", {}))
    return merged


def ids_of(world) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The id of one object of each kind in the world's clinic, by URL parameter name."""
    ids = _core_ids(world)
    for sweep in app_sweeps():
        if hasattr(sweep, "ids"):
            ids.update(sweep.ids(world))
    return ids


def _core_ids(world) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from needlecare.protocols.services import adopt_protocol, default_text
    from needlecare.screening.services import screen_patient

    token, _ = issue_token(membership=Membership.objects.get(user=world.owner), name="sweep")
    decision = screen_patient(patient=world.patient, by=world.practitioner)
    own_protocol = adopt_protocol(
        clinic=world.clinic, text=default_text() + f"\n# adopted by {world.clinic.slug}\n", by=world.owner
    )
    session = _a_session(world)
    from needlecare.consent.models import ConsentSignature, ConsentTemplate

    return {
        "signature_id": ConsentSignature.objects.filter(patient=world.patient).latest("signed_at").pk,
        "template_id": ConsentTemplate.objects.filter(clinic=world.clinic).latest("version").pk,
        "session_id": session.pk,
        "event_id": session.adverse_events.get().pk,
        "patient_id": world.patient.pk,
        "version": world.intake.version,
        "token_id": token.pk,
        "decision_id": decision.pk,
        "version_id": own_protocol.protocol_id,
    }


def _a_session(world):  # type: ignore[no-untyped-def]
    from datetime import date
    from decimal import Decimal

    from needlecare.core.clock import clinic_today
    from needlecare.treatments.services import SessionInput, ZoneEntry, record_adverse_event, record_treatment
    from needlecare.treatments.tests.conftest import sign_consent

    sign_consent(world.patient)
    today = clinic_today(world.clinic)
    session = record_treatment(
        patient=world.patient,
        by=world.practitioner,
        data=SessionInput(
            performed_on=today,
            device="pen",
            device_model="M",
            device_serial="S",
            cartridge_id="sweep-1",
            cartridge_lot="L",
            cartridge_expiry=date(2099, 1, 1),
            numbing_agent="none",
            numbing_minutes=0,
            end_point="erythema",
            duration_minutes=30,
            immediate_reaction="expected",
            zones=[ZoneEntry("cheeks", Decimal("1.0"), 2)],
        ),
    )
    record_adverse_event(
        treatment=session, by=world.practitioner, data={"kind": "bruising", "grade": 1, "onset_on": today}
    )
    return session


def test_every_page_with_an_object_id_answers_404_to_another_clinic(client, world_a, world_b):
    ids = ids_of(world_a)
    checked = 0
    for route in page_routes():
        if not route.params:
            continue
        unknown = [p for p in route.params if p not in ids]
        assert not unknown, f"{route.route}: add an object for {unknown} to ids_of() in {__file__}"
        url = route.fill(ids)
        if route.callback.access_policy == "patient":
            # The portal: clinic B's patient, signed in, asks for clinic A's patient's objects.
            from needlecare.portal.services import start_portal_session

            client.logout()
            session = client.session
            start_portal_session(session, world_b.patient)
            session.save()
            client.cookies["sessionid"] = session.session_key
            answers = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
            assert all(s in {404, 405} for s in answers.values()), f"{url} as a patient: {answers}"
            checked += 1
            continue
        for user in (world_b.owner, world_b.practitioner, world_b.front_desk):
            client.force_login(user)
            answers = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
            allowed = {m: s for m, s in answers.items() if s != 405}
            assert allowed, f"{url} allows neither GET nor POST"
            for method, status in allowed.items():
                # Owners may do everything, so they must get 404; other roles may be refused earlier.
                expected = {404} if user is world_b.owner else {403, 404}
                assert status in expected, f"{method.upper()} {url} as {user.email}: {status}"
            checked += 1
    assert checked >= 3 * 7


def test_every_api_operation_with_an_object_id_answers_404_to_another_clinic(
    client, world_a, world_b, token_for
):
    ids = ids_of(world_a)
    header = token_for(world_b.owner)
    checked = 0
    for method, path, operation in api_operations(client):
        if "{" not in path:
            continue
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        assert "{" not in url, f"{path}: add an object for its parameters to ids_of() in {__file__}"
        valid_bodies = bodies()
        body = valid_bodies.get((method, path))
        if "requestBody" in operation:
            assert (method, path) in valid_bodies, f"add a valid body for {method.upper()} {path}"
        response = getattr(client, method)(
            url, data=body, content_type="application/json", HTTP_AUTHORIZATION=header
        )
        assert response.status_code == 404, (
            f"{method.upper()} {url}: {response.status_code} {response.content!r}"
        )
        checked += 1
    assert checked >= 6


def test_isolation_sweep_leaves_clinic_a_untouched(client, world_a, world_b, token_for):
    before = (world_a.patient.archived_at, world_a.patient.notes, world_a.patient.intakes.count())
    test_every_api_operation_with_an_object_id_answers_404_to_another_clinic(
        client, world_a, world_b, token_for
    )
    world_a.patient.refresh_from_db()
    assert (world_a.patient.archived_at, world_a.patient.notes, world_a.patient.intakes.count()) == before
