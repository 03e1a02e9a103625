"""The plans API: DESIGN.md's proposal contract, 422s that list the valid identifiers, plans by patient,
adjustments, status moves, roles and isolation."""

import pytest

from needlecare.audit.models import AuditEvent
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.protocols import load_default
from needlecare.testing.plans import make_plan

pytestmark = pytest.mark.django_db

PROPOSE = "/api/v1/plans/propose"
BODY = {
    "indications": ["acne_scars"],
    "zones": ["cheeks", "forehead"],
    "device": "pen",
    "fitzpatrick": 2,
    "start": "2026-12-07",
}


@pytest.fixture
def api(client, token_for):  # type: ignore[no-untyped-def]
    tokens: dict[object, str] = {}

    def call(user, method, url, body=None):  # type: ignore[no-untyped-def]
        if user not in tokens:
            tokens[user] = token_for(user)
        return getattr(client, method)(
            url, data=body, content_type="application/json", HTTP_AUTHORIZATION=tokens[user]
        )

    return call


def _plans(world) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{world.patient.pk}/plans"


# ---- propose -------------------------------------------------------------------------------------------


def test_propose_answers_designs_contract(api, world_a):
    response = api(world_a.front_desk, "post", PROPOSE, BODY)
    assert response.status_code == 200
    data = response.json()
    assert {"zones", "sessions", "interval_weeks", "schedule", "maintenance_months"} <= set(data)
    assert [(z["zone"], z["depth_mm"]) for z in data["zones"]] == [
        ("cheeks", {"min": 1.0, "max": 2.0}),
        ("forehead", {"min": 0.5, "max": 0.5}),
    ]
    assert data["sessions"] == 3
    assert data["interval_weeks"] == {"min": 4, "max": 6}
    assert data["schedule"] == ["2026-12-07", "2027-01-04", "2027-02-01"]
    assert data["maintenance_months"] == 12
    assert data["protocol"] == {"name": "needlecare-default", "version": load_default().version}
    assert data["zones"][1]["notes"] and "forehead" in data["zones"][1]["notes"][0]


def test_propose_stores_nothing(api, world_a):
    api(world_a.owner, "post", PROPOSE, BODY)
    before = AuditEvent.objects.count()  # after the token was issued and first used
    api(world_a.owner, "post", PROPOSE, BODY)
    assert TreatmentPlan.objects.count() == 0 and AuditEvent.objects.count() == before


def test_propose_takes_the_darker_skin_settings(api, world_a):
    body = {**BODY, "indications": ["sun_damage"], "zones": ["cheeks"], "fitzpatrick": 5}
    light = api(world_a.owner, "post", PROPOSE, {**body, "fitzpatrick": 2}).json()
    dark = api(world_a.owner, "post", PROPOSE, body).json()
    assert dark["zones"][0]["depth_mm"]["max"] < light["zones"][0]["depth_mm"]["max"]
    assert dark["interval_weeks"]["min"] > light["interval_weeks"]["min"]
    unknown = api(world_a.owner, "post", PROPOSE, {**body, "fitzpatrick": None}).json()
    assert unknown["zones"] == dark["zones"] and unknown["notes"]


@pytest.mark.parametrize(
    ("what", "bad", "known"), [("zones", "elbow", "neck"), ("indications", "wrinkles", "fine_lines")]
)
def test_unknown_identifiers_answer_422_with_the_valid_ones(api, world_a, what, bad, known):
    response = api(
        world_a.owner, "post", PROPOSE, {**BODY, what: ["cheeks" if what == "zones" else "acne_scars", bad]}
    )
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "payload", what] and problem["unknown"] == [bad]
    assert known in problem["valid"] and known in problem["msg"]


def test_an_unknown_device_answers_422_with_the_valid_ones(api, world_a):
    response = api(world_a.owner, "post", PROPOSE, {**BODY, "device": "laser"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["valid"] == ["pen", "roller"]


@pytest.mark.parametrize(
    "change",
    [
        {"zones": []},
        {"indications": "acne_scars"},
        {"fitzpatrick": 7},
        {"fitzpatrick": "3"},
        {"fitzpatrick": True},
        {"start": "07/12/2026"},
        {"start": 20261207},
        {"start": None},
    ],
)
def test_bad_input_answers_422(api, world_a, change):
    response = api(world_a.owner, "post", PROPOSE, {**BODY, **change})
    assert response.status_code == 422, response.content


def test_propose_needs_a_token(client, world_a):
    assert client.post(PROPOSE, BODY, content_type="application/json").status_code == 401


def test_no_roller_length_that_fits_answers_409_saying_why(api, world_a):
    body = {
        **BODY,
        "indications": ["hyperpigmentation"],
        "zones": ["periorbital"],
        "device": "roller",
        "fitzpatrick": 5,
    }
    response = api(world_a.owner, "post", PROPOSE, body)
    assert response.status_code == 409 and "adjustable device" in response.json()["detail"]


# ---- plans ---------------------------------------------------------------------------------------------


def test_a_practitioner_creates_a_plan_from_the_proposal(api, world_a):
    body = {"indications": ["acne_scars"], "zones": ["cheeks"], "device": "pen", "start": "2026-12-07"}
    response = api(world_a.practitioner, "post", _plans(world_a), body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["fitzpatrick"] == 3  # from the latest intake
    assert data["zones"][0]["depth_mm"] == {"min": 1.0, "max": 2.0} == data["zones"][0]["protocol_depth_mm"]
    assert data["protocol"]["version"] == load_default().version
    assert data["history"][0]["to_status"] == "draft" and data["history"][0]["from_status"] is None
    assert data["proposal"]["schedule"] == data["schedule"] == ["2026-12-07", "2027-01-04", "2027-02-01"]


def test_a_depth_outside_the_band_needs_a_reason(api, world_a):
    depths = [{"zone": "cheeks", "depth_mm": {"min": 0.5, "max": 1.0}}]
    body = {**BODY, "zones": ["cheeks"], "depths": depths}
    refused = api(world_a.practitioner, "post", _plans(world_a), body)
    assert refused.status_code == 409
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "payload", "zones", "cheeks", "reason"]
    assert TreatmentPlan.objects.count() == 0
    depths[0]["reason"] = "Thin skin; bruised easily at 1.5 mm"
    created = api(world_a.practitioner, "post", _plans(world_a), {**body, "depths": depths}).json()
    zone = created["zones"][0]
    assert zone["outside_band"] and zone["reason"] == "Thin skin; bruised easily at 1.5 mm"


def test_unknown_zones_on_create_answer_422_with_the_valid_ones(api, world_a):
    response = api(world_a.practitioner, "post", _plans(world_a), {**BODY, "zones": ["elbow"]})
    assert response.status_code == 422 and "cheeks" in response.json()["detail"][0]["valid"]


def test_list_and_get_are_audited_reads(api, world_a):
    plan = make_plan(world_a)
    listed = api(world_a.front_desk, "get", _plans(world_a))
    assert listed.status_code == 200 and listed.json()["count"] == 1
    one = api(world_a.front_desk, "get", f"{_plans(world_a)}/{plan.pk}")
    assert one.status_code == 200 and one.json()["id"] == str(plan.pk)
    assert AuditEvent.objects.filter(action="plan.view", patient_id=world_a.patient.pk).count() == 2


def test_patch_adjusts_the_plan(api, world_a):
    plan = make_plan(world_a)
    body = {"sessions": 4, "interval_weeks": {"min": 5, "max": 7}, "notes": "Check pigment at 2"}
    response = api(world_a.owner, "patch", f"{_plans(world_a)}/{plan.pk}", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["sessions"] == 4 and data["interval_weeks"] == {"min": 5, "max": 7}
    assert len(data["schedule"]) == 4 and data["notes"] == "Check pigment at 2"


def test_patch_refusals_answer_409_and_change_nothing(api, world_a):
    plan = make_plan(world_a)
    body = {"schedule": ["2026-12-01", "2026-12-08", "2027-01-20"]}
    response = api(world_a.owner, "patch", f"{_plans(world_a)}/{plan.pk}", body)
    assert response.status_code == 409
    assert "sooner than 4 weeks" in response.json()["detail"][0]["msg"]
    plan.refresh_from_db()
    assert plan.schedule[1] == "2026-12-28"


def test_status_moves_and_their_refusals(api, screened):
    plan = make_plan(screened)
    url = f"{_plans(screened)}/{plan.pk}/status"
    completed_too_soon = api(screened.practitioner, "post", url, {"status": "completed"})
    assert (
        completed_too_soon.status_code == 409
        and "draft plan cannot become completed" in completed_too_soon.json()["detail"]
    )
    active = api(screened.practitioner, "post", url, {"status": "active"})
    assert active.status_code == 200 and active.json()["status"] == "active"
    no_reason = api(screened.practitioner, "post", url, {"status": "stopped"})
    assert no_reason.status_code == 409 and no_reason.json()["detail"][0]["loc"][-1] == "reason"
    stopped = api(screened.practitioner, "post", url, {"status": "stopped", "reason": "Moved away"})
    assert stopped.status_code == 200
    assert [h["to_status"] for h in stopped.json()["history"]] == ["draft", "active", "stopped"]
    assert stopped.json()["status_reason"] == "Moved away"
    closed = api(screened.practitioner, "patch", f"{_plans(screened)}/{plan.pk}", {"sessions": 5})
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
    assert api(screened.practitioner, "post", url, {"status": "draft"}).status_code == 422


def test_activation_without_a_valid_screening_answers_409(api, world_a):
    plan = make_plan(world_a)
    response = api(world_a.owner, "post", f"{_plans(world_a)}/{plan.pk}/status", {"status": "active"})
    assert response.status_code == 409 and "valid screening" in response.json()["detail"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_front_desk_reads_but_never_writes(api, world_a):
    plan = make_plan(world_a)
    base = _plans(world_a)
    for method, url, body in [
        ("post", base, BODY),
        ("patch", f"{base}/{plan.pk}", {"notes": "x"}),
        ("post", f"{base}/{plan.pk}/status", {"status": "stopped", "reason": "x"}),
    ]:
        assert api(world_a.front_desk, method, url, body).status_code == 403, (method, url)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.notes == "" and TreatmentPlan.objects.count() == 1


def test_another_clinics_plans_answer_404_and_stay_untouched(api, world_a, world_b):
    plan = make_plan(world_a)
    theirs = _plans(world_a)
    mine = _plans(world_b)
    for user in (world_b.owner, world_b.practitioner):
        for method, url, body in [
            ("get", theirs, None),
            ("post", theirs, BODY),
            ("get", f"{theirs}/{plan.pk}", None),
            ("patch", f"{theirs}/{plan.pk}", {"notes": "x"}),
            ("post", f"{theirs}/{plan.pk}/status", {"status": "stopped", "reason": "x"}),
            # Their plan under one of my own patients is not found either.
            ("get", f"{mine}/{plan.pk}", None),
            ("patch", f"{mine}/{plan.pk}", {"notes": "x"}),
            ("post", f"{mine}/{plan.pk}/status", {"status": "stopped", "reason": "x"}),
        ]:
            assert api(user, method, url, body).status_code == 404, (user.email, method, url)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.notes == "" and TreatmentPlan.objects.count() == 1


def test_plans_of_an_archived_patient_cannot_be_created(api, world_a):
    from needlecare.patients.services import archive_patient

    archive_patient(patient=world_a.patient, by=world_a.owner)
    assert api(world_a.owner, "post", _plans(world_a), BODY).status_code == 404
