"""Plan services: created from the protocol's proposal, adjusted within its rules, moved through statuses;
every refusal says why and writes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from needlecare.audit.models import AuditEvent
from needlecare.patients.services import archive_patient
from needlecare.plans import dosing
from needlecare.plans.models import PlanStatus, PlanStatusChange, PlanZone, TreatmentPlan
from needlecare.plans.services import (
    PlanChanges,
    ZoneDepth,
    activate_plan,
    change_plan_status,
    complete_plan,
    stop_plan,
    update_plan,
)
from needlecare.protocols.selectors import current_version
from needlecare.screening.services import screen_patient
from needlecare.testing.clock import TODAY
from needlecare.testing.factories import make_intake
from needlecare.testing.plans import make_plan

pytestmark = pytest.mark.django_db


def _nothing_written() -> None:
    assert TreatmentPlan.objects.count() == 0
    assert PlanZone.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="plan.").exists()


def _refused(call, key=None):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    if key is not None:
        assert key in error.message_dict, error.message_dict
        return " ".join(error.message_dict[key])
    return " ".join(error.messages)


# ---- creating ------------------------------------------------------------------------------------------


def test_a_plan_is_a_draft_of_the_proposal_recording_the_protocol_version(world_a):
    plan = make_plan(world_a, zones=["cheeks", "forehead"])
    assert plan.status == PlanStatus.DRAFT
    assert plan.protocol == current_version(world_a.clinic)
    assert plan.proposal["protocol"]["version"] == plan.protocol.content_hash
    assert (plan.sessions, plan.interval_weeks_min, plan.interval_weeks_max) == (3, 4, 6)
    assert plan.schedule == ["2026-11-30", "2026-12-28", "2027-01-25"]
    rows = {z.zone: z for z in plan.zones.all()}
    assert (rows["cheeks"].depth_min_mm, rows["cheeks"].depth_max_mm) == (Decimal("1.000"), Decimal("2.000"))
    assert rows["forehead"].protocol_max_mm == Decimal("0.500")
    assert not any(z.outside_band for z in rows.values())
    assert plan.zone_ids == ["cheeks", "forehead"]
    event = AuditEvent.objects.get(action="plan.create")
    assert event.patient_id == world_a.patient.pk and event.detail["outside_band"] == 0
    change = PlanStatusChange.objects.get(plan=plan)
    assert (change.from_status, change.to_status, change.by) == ("", "draft", world_a.practitioner)


def test_a_depth_outside_the_band_is_kept_with_its_reason(world_a):
    changes = PlanChanges(
        depths={"cheeks": ZoneDepth(Decimal("0.5"), Decimal("1.0"), " Thin skin, bruised last time ")}
    )
    plan = make_plan(world_a, changes=changes)
    row = plan.zones.get()
    assert row.outside_band and row.outside_band_reason == "Thin skin, bruised last time"
    assert AuditEvent.objects.get(action="plan.create").detail["outside_band"] == 1


def test_a_depth_outside_the_band_without_a_reason_is_refused(world_a):
    changes = PlanChanges(depths={"cheeks": ZoneDepth(Decimal("0.5"), Decimal("1.0"), "  ")})
    message = _refused(lambda: make_plan(world_a, changes=changes), "zones.cheeks.reason")
    assert "outside the protocol's band of 1.000-2.000 mm" in message
    _nothing_written()


def test_nothing_deeper_than_the_zones_ceiling_even_with_a_reason(world_a):
    changes = PlanChanges(depths={"forehead": ZoneDepth(Decimal("0.5"), Decimal("1.0"), "deep wrinkles")})
    message = _refused(
        lambda: make_plan(world_a, zones=["forehead"], changes=changes), "zones.forehead.depth_mm"
    )
    assert "ceiling of 0.75 mm" in message and "no reason allows that" in message
    _nothing_written()


def test_up_to_the_ceiling_is_allowed_with_a_reason(world_a):
    changes = PlanChanges(
        depths={"forehead": ZoneDepth(Decimal("0.5"), Decimal("0.75"), "deep static lines")}
    )
    plan = make_plan(world_a, zones=["forehead"], changes=changes)
    assert plan.zones.get().outside_band


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [
        ("1.5", "1.0", "shallowest depth is deeper than the deepest"),
        ("0.05", "1.0", "depths are from 0.1 to 3.0 mm"),
    ],
)
def test_impossible_depths_are_refused(world_a, low, high, words):
    changes = PlanChanges(depths={"cheeks": ZoneDepth(Decimal(low), Decimal(high), "because")})
    assert words in _refused(lambda: make_plan(world_a, changes=changes), "zones.cheeks.depth_mm")
    _nothing_written()


def test_a_roller_keeps_to_its_fixed_needle_lengths(world_a):
    changes = PlanChanges(depths={"cheeks": ZoneDepth(Decimal("1.2"), Decimal("1.5"), "")})
    message = _refused(lambda: make_plan(world_a, device="roller", changes=changes), "zones.cheeks.depth_mm")
    assert "fixed needle lengths" in message
    _nothing_written()


def test_a_depth_for_a_zone_not_in_the_plan_is_refused(world_a):
    changes = PlanChanges(depths={"neck": ZoneDepth(Decimal("0.5"), Decimal("1.0"), "")})
    assert "not one of this plan's zones" in _refused(lambda: make_plan(world_a, changes=changes), "depths")
    _nothing_written()


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        (PlanChanges(sessions=0), "sessions", "from 1 to 20"),
        (PlanChanges(sessions=21), "sessions", "from 1 to 20"),
        (PlanChanges(interval_weeks_min=1), "interval_weeks_min", "at least 2 weeks apart"),
        (PlanChanges(interval_weeks_max=27), "interval_weeks_max", "at most 26 weeks"),
        (PlanChanges(interval_weeks_min=8, interval_weeks_max=6), "interval_weeks_max", "cannot be shorter"),
        (PlanChanges(maintenance_months=0), "maintenance_months", "every 1 to 60 months"),
        (PlanChanges(maintenance_months=61), "maintenance_months", "every 1 to 60 months"),
        (PlanChanges(schedule=[date(2026, 12, 1)]), "schedule", "3 sessions, 1 date"),
        (
            PlanChanges(schedule=[date(2026, 12, 1), date(2026, 12, 15), date(2027, 2, 1)]),
            "schedule",
            "comes sooner than 4 weeks after session 1",
        ),
        (
            PlanChanges(schedule=[date(2029, 1, 1), date(2029, 2, 1), date(2029, 3, 1)]),
            "schedule",
            "within two years",
        ),
    ],
)
def test_series_changes_outside_the_rules_are_refused(world_a, changes, key, words):
    assert words in _refused(lambda: make_plan(world_a, changes=changes), key)
    _nothing_written()


def test_changing_sessions_or_interval_redraws_the_schedule(world_a):
    plan = make_plan(world_a, changes=PlanChanges(sessions=4, interval_weeks_min=6, interval_weeks_max=8))
    assert plan.schedule == ["2026-11-30", "2027-01-11", "2027-02-22", "2027-04-05"]


def test_a_schedule_given_by_hand_sets_the_start(world_a):
    days = [date(2026, 12, 7), date(2027, 1, 11), date(2027, 2, 15)]
    plan = make_plan(world_a, changes=PlanChanges(schedule=days))
    assert plan.start == date(2026, 12, 7) and plan.schedule_dates == days


def test_unknown_identifiers_are_refused_with_the_valid_ones(world_a):
    with pytest.raises(dosing.UnknownChoice) as caught:
        make_plan(world_a, zones=["cheeks", "elbow"])
    assert caught.value.what == "zones" and caught.value.unknown == ["elbow"] and "neck" in caught.value.valid
    with pytest.raises(dosing.UnknownChoice) as caught:
        make_plan(world_a, indications=["wrinkles"])
    assert caught.value.what == "indications" and "acne_scars" in caught.value.valid
    _nothing_written()


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"indications": []}, "indications"),
        ({"zones": []}, "zones"),
        ({"fitzpatrick": 7}, "fitzpatrick"),
        ({"start": TODAY + timedelta(days=3 * 365)}, "start"),
    ],
)
def test_missing_or_impossible_choices_are_refused(world_a, kwargs, key):
    _refused(lambda: make_plan(world_a, **kwargs), key)
    _nothing_written()


def test_no_plan_for_an_archived_patient(world_a):
    archive_patient(patient=world_a.patient, by=world_a.owner)
    with pytest.raises(ValidationError) as caught:
        make_plan(world_a)
    assert caught.value.code == "archived"
    _nothing_written()


# ---- adjusting -----------------------------------------------------------------------------------------


def test_adjusting_keeps_the_protocol_version_and_audits_the_changed_fields(world_a):
    plan = make_plan(world_a)
    version = plan.protocol_id
    changes = PlanChanges(
        sessions=4, depths={"cheeks": ZoneDepth(Decimal("1.0"), Decimal("2.0"))}, notes="Review at 3"
    )
    plan = update_plan(plan=plan, by=world_a.owner, changes=changes)
    plan.refresh_from_db()
    assert plan.protocol_id == version and plan.sessions == 4 and len(plan.schedule) == 4
    assert plan.notes == "Review at 3"
    event = AuditEvent.objects.get(action="plan.update")
    assert event.detail["fields"] == ["notes", "schedule", "sessions"]


def test_a_reason_goes_when_the_depth_comes_back_into_the_band(world_a):
    plan = make_plan(
        world_a, changes=PlanChanges(depths={"cheeks": ZoneDepth(Decimal("0.5"), Decimal("1.0"), "thin")})
    )
    update_plan(
        plan=plan,
        by=world_a.owner,
        changes=PlanChanges(depths={"cheeks": ZoneDepth(Decimal("1.0"), Decimal("1.5"), "thin")}),
    )
    row = PlanZone.objects.get(plan=plan)
    assert not row.outside_band and row.outside_band_reason == ""


def test_an_adjustment_leaving_the_band_needs_a_reason_and_writes_nothing(world_a):
    plan = make_plan(world_a)
    changes = PlanChanges(sessions=5, depths={"cheeks": ZoneDepth(Decimal("0.5"), Decimal("1.0"))})
    _refused(lambda: update_plan(plan=plan, by=world_a.owner, changes=changes), "zones.cheeks.reason")
    plan.refresh_from_db()
    assert plan.sessions == 3 and PlanZone.objects.get(plan=plan).depth_min_mm == Decimal("1.000")
    assert not AuditEvent.objects.filter(action="plan.update").exists()


@pytest.mark.parametrize("close", ["complete", "stop"])
def test_a_closed_plan_cannot_be_adjusted(screened, close):
    plan = activate_plan(plan=make_plan(screened), by=screened.practitioner)
    if close == "complete":
        complete_plan(plan=plan, by=screened.practitioner)
    else:
        stop_plan(plan=plan, by=screened.practitioner, reason="Moved away")
    with pytest.raises(ValidationError) as caught:
        update_plan(plan=plan, by=screened.owner, changes=PlanChanges(sessions=5))
    assert caught.value.code == "closed"


# ---- status --------------------------------------------------------------------------------------------


def test_activation_records_the_screening_and_the_history(screened):
    plan = activate_plan(plan=make_plan(screened), by=screened.practitioner)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.activated_at is not None
    assert plan.activation_screening.patient == screened.patient
    steps = list(plan.status_changes.values_list("from_status", "to_status"))
    assert steps == [("", "draft"), ("draft", "active")]
    event = AuditEvent.objects.get(action="plan.activate")
    assert event.detail["to"] == "active" and event.detail["screening"] == str(plan.activation_screening_id)


def test_activation_needs_a_screening(world_a):
    plan = make_plan(world_a)
    with pytest.raises(ValidationError) as caught:
        activate_plan(plan=plan, by=world_a.practitioner)
    assert caught.value.code == "screening" and "Not screened yet" in caught.value.messages[0]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and not AuditEvent.objects.filter(action="plan.activate").exists()


def test_activation_needs_a_screening_of_the_latest_intake(screened):
    plan = make_plan(screened)
    make_intake(screened.patient, by=screened.owner, fitzpatrick=4)
    with pytest.raises(ValidationError) as caught:
        activate_plan(plan=plan, by=screened.practitioner)
    assert "intake changed" in caught.value.messages[0]


def test_activation_needs_a_screening_that_has_not_expired(world_a):
    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY - timedelta(days=400))
    with pytest.raises(ValidationError) as caught:
        activate_plan(plan=make_plan(world_a), by=world_a.practitioner)
    assert "expired" in caught.value.messages[0]


def test_a_deferred_patient_cannot_start_a_plan(world_a):
    make_intake(world_a.patient, by=world_a.owner, pregnant_or_breastfeeding=True)
    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY)
    with pytest.raises(ValidationError) as caught:
        activate_plan(plan=make_plan(world_a), by=world_a.practitioner)
    assert caught.value.code == "screening" and "Deferred" in caught.value.messages[0]


def test_activation_is_refused_for_an_archived_patient(screened):
    plan = make_plan(screened)
    archive_patient(patient=screened.patient, by=screened.owner)
    with pytest.raises(ValidationError) as caught:
        activate_plan(plan=plan, by=screened.practitioner)
    assert caught.value.code == "archived"


def test_no_zone_is_on_two_active_plans(screened):
    first = activate_plan(plan=make_plan(screened, zones=["cheeks", "chin"]), by=screened.practitioner)
    second = make_plan(screened, zones=["chin", "neck"], indications=["fine_lines"])
    with pytest.raises(ValidationError) as caught:
        activate_plan(plan=second, by=screened.practitioner)
    assert caught.value.code == "overlap" and "Chin" in caught.value.messages[0]
    # Once the first is over, the second may start; plans on other zones never clash.
    complete_plan(plan=first, by=screened.practitioner)
    assert activate_plan(plan=second, by=screened.practitioner).status == PlanStatus.ACTIVE
    third = make_plan(screened, zones=["forehead"], indications=["fine_lines"])
    assert activate_plan(plan=third, by=screened.practitioner).status == PlanStatus.ACTIVE


def test_an_active_plan_cannot_be_activated_again(screened):
    plan = activate_plan(plan=make_plan(screened), by=screened.practitioner)
    with pytest.raises(ValidationError) as caught:
        activate_plan(plan=plan, by=screened.practitioner)
    assert (
        caught.value.code == "transition"
        and "An active plan can be completed or stopped" in caught.value.messages[0]
    )


def test_a_draft_cannot_be_completed(world_a):
    plan = make_plan(world_a)
    with pytest.raises(ValidationError) as caught:
        complete_plan(plan=plan, by=world_a.practitioner)
    assert caught.value.code == "transition"


def test_completing_records_the_note_the_time_and_the_history(screened):
    plan = activate_plan(plan=make_plan(screened), by=screened.practitioner)
    plan = complete_plan(plan=plan, by=screened.owner, note="  Series done  ")
    assert plan.status == PlanStatus.COMPLETED and plan.ended_at is not None
    assert plan.status_reason == "Series done"
    last = plan.status_changes.last()
    assert (last.from_status, last.to_status, last.reason, last.by) == (
        "active",
        "completed",
        "Series done",
        screened.owner,
    )
    assert AuditEvent.objects.filter(action="plan.complete").count() == 1


def test_stopping_needs_a_reason(world_a):
    plan = make_plan(world_a)
    _refused(lambda: stop_plan(plan=plan, by=world_a.practitioner, reason="  "), "reason")
    _refused(lambda: stop_plan(plan=plan, by=world_a.practitioner, reason="x" * 501), "reason")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.status_changes.count() == 1


def test_a_draft_may_be_stopped_and_then_nothing_more(world_a):
    plan = stop_plan(plan=make_plan(world_a), by=world_a.practitioner, reason="Patient chose another clinic")
    assert plan.status == PlanStatus.STOPPED and plan.status_reason == "Patient chose another clinic"
    for status in ("active", "completed", "stopped"):
        with pytest.raises(ValidationError) as caught:
            change_plan_status(plan=plan, by=world_a.practitioner, status=status, reason="again")
        assert caught.value.code == "transition", status


def test_no_plan_goes_back_to_draft(world_a):
    plan = make_plan(world_a)
    _refused(lambda: change_plan_status(plan=plan, by=world_a.practitioner, status="draft"), "status")


def test_change_plan_status_moves_through_the_life_of_a_plan(screened):
    plan = make_plan(screened)
    plan = change_plan_status(plan=plan, by=screened.practitioner, status="active")
    plan = change_plan_status(plan=plan, by=screened.practitioner, status="stopped", reason="Adverse event")
    steps = list(plan.status_changes.values_list("to_status", flat=True))
    assert steps == ["draft", "active", "stopped"]
