"""Recording a session: each refusal, said plainly; and the lot trace."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from needlecare.audit.models import AuditEvent
from needlecare.consent.models import ConsentTemplate
from needlecare.screening.services import override_screening, screen_patient
from needlecare.testing.clock import TODAY
from needlecare.testing.consent import sign_consent
from needlecare.testing.factories import make_intake, make_patient
from needlecare.testing.plans import active_plan
from needlecare.treatments.models import Cartridge, Treatment
from needlecare.treatments.selectors import sessions_with_lot
from needlecare.treatments.services import (
    SessionInput,
    SessionRefused,
    ZoneEntry,
    record_adverse_event,
    record_treatment,
    review_session,
)

pytestmark = pytest.mark.django_db


def session(plan=None, **changes) -> SessionInput:  # type: ignore[no-untyped-def]
    base = SessionInput(
        performed_on=TODAY,
        plan=plan,
        device="pen",
        device_model="Dermapen 4",
        device_serial="DP4-0001",
        cartridge_id="C-0001",
        cartridge_lot="LOT-A1",
        cartridge_expiry=date(2027, 6, 30),
        numbing_agent="lidocaine_4",
        numbing_minutes=30,
        end_point="pinpoint_bleeding",
        duration_minutes=45,
        immediate_reaction="expected",
        zones=[ZoneEntry("cheeks", Decimal("1.50"), 3)],
    )
    return replace(base, **changes)


def _refused(patient, data) -> dict[str, str]:  # type: ignore[no-untyped-def]
    before = (Treatment.objects.count(), Cartridge.objects.count())
    with pytest.raises(SessionRefused) as error:
        record_treatment(patient=patient, data=data, by=patient.clinic.memberships.first().user)
    assert (Treatment.objects.count(), Cartridge.objects.count()) == before
    return {k: " ".join(v) for k, v in error.value.message_dict.items()}


def test_a_ready_patient_gets_a_session_with_everything_recorded(ready):
    treatment = record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)
    assert treatment.screening.patient == ready.patient and treatment.consent.patient == ready.patient
    assert treatment.cartridge.lot == "LOT-A1" and treatment.cartridge.patient == ready.patient
    assert [(z.zone, z.depth_mm, z.passes) for z in treatment.zones.all()] == [("cheeks", Decimal("1.50"), 3)]
    assert AuditEvent.objects.filter(action="session.record", patient_id=ready.patient.pk).exists()


def test_refused_without_screening(world_a):
    sign_consent(world_a.patient)
    reasons = _refused(world_a.patient, session())
    assert "Not screened yet" in reasons["screening"]


def test_refused_when_screening_expired(world_a):
    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY - timedelta(days=40))
    sign_consent(world_a.patient)
    assert "expired" in _refused(world_a.patient, session())["screening"]


def test_refused_when_deferred_and_when_clearance_not_recorded_then_allowed_once_recorded(world_a):
    sign_consent(world_a.patient)
    make_intake(world_a.patient, anticoagulant="anticoagulant")
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY)
    assert "clearance" in _refused(world_a.patient, session())["screening"]
    override_screening(
        decision=decision,
        by=world_a.practitioner,
        reason="INR stable",
        clearance_from="Dr A, GP",
        clearance_dated=TODAY,
        document_reference="letter.pdf",
    )
    assert record_treatment(patient=world_a.patient, data=session(), by=world_a.practitioner)


def test_refused_when_the_intake_changed_since_screening(ready):
    make_intake(ready.patient, allergies=["nickel"])
    assert "intake changed" in _refused(ready.patient, session(ready.plan))["screening"]


def test_refused_without_consent(world_a):
    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY)
    ConsentTemplate.objects.create(clinic=world_a.clinic, version=1, title="Consent", body="I agree.")
    assert "No signed consent" in _refused(world_a.patient, session())["consent"]


def test_refused_when_the_consent_form_changed_since_signing(ready):
    ConsentTemplate.objects.create(clinic=ready.clinic, version=2, title="Consent", body="New risks listed.")
    assert "new signature" in _refused(ready.patient, session(ready.plan))["consent"]


def test_refused_with_an_expired_cartridge(ready):
    reasons = _refused(ready.patient, session(ready.plan, cartridge_expiry=TODAY - timedelta(days=1)))
    assert "expired" in reasons["cartridge_expiry"]


def test_an_expiry_on_the_day_itself_is_still_in_date(ready):
    assert record_treatment(
        patient=ready.patient, data=session(ready.plan, cartridge_expiry=TODAY), by=ready.practitioner
    )


def test_refused_when_the_cartridge_was_used_on_another_patient(ready):
    record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)
    other = make_patient(ready.clinic)
    make_intake(other)
    screen_patient(patient=other, by=ready.practitioner, on=TODAY)
    sign_consent(other)
    reasons = _refused(other, session(cartridge_id="C-0001"))
    assert "single-use" in reasons["cartridge_id"]


def test_the_same_cartridge_id_in_another_clinic_is_a_different_cartridge(ready, world_b):
    record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)
    screen_patient(patient=world_b.patient, by=world_b.practitioner, on=TODAY)
    sign_consent(world_b.patient)
    assert record_treatment(patient=world_b.patient, data=session(), by=world_b.practitioner)


def test_refused_sooner_than_the_plans_minimum_interval_without_a_reason(ready):
    record_treatment(
        patient=ready.patient,
        data=session(ready.plan, performed_on=TODAY - timedelta(days=20), cartridge_id="C-early"),
        by=ready.practitioner,
    )
    reasons = _refused(ready.patient, session(ready.plan))
    assert "20 days" in reasons["interval_reason"] and "4 weeks" in reasons["interval_reason"]
    treatment = record_treatment(
        patient=ready.patient,
        data=session(ready.plan, interval_reason="Travelling abroad for two months"),
        by=ready.practitioner,
    )
    assert treatment.interval_reason == "Travelling abroad for two months"


def test_exactly_the_minimum_interval_needs_no_reason(ready):
    record_treatment(
        patient=ready.patient,
        data=session(ready.plan, performed_on=TODAY - timedelta(weeks=4), cartridge_id="C-early"),
        by=ready.practitioner,
    )
    assert record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)


def test_refused_in_the_future_and_without_zones_and_with_unknown_or_repeated_zones(ready):
    assert (
        "not come yet"
        in _refused(ready.patient, session(ready.plan, performed_on=TODAY + timedelta(days=1)))[
            "performed_on"
        ]
    )
    assert "at least one" in _refused(ready.patient, session(ready.plan, zones=[]))["zones"]
    assert (
        "Unknown zones"
        in _refused(ready.patient, session(ready.plan, zones=[ZoneEntry("elbow", Decimal(1), 2)]))["zones"]
    )
    twice = [ZoneEntry("cheeks", Decimal(1), 2), ZoneEntry("cheeks", Decimal(1), 1)]
    assert "Each zone once" in _refused(ready.patient, session(ready.plan, zones=twice))["zones"]


def test_a_plan_that_is_not_active_is_refused(ready):
    ready.plan.status = "draft"
    ready.plan.save()
    assert "activate" in _refused(ready.patient, session(ready.plan))["plan"]


def test_depth_outside_the_planned_band_is_a_warning_in_the_summary(ready):
    review = review_session(
        patient=ready.patient, data=session(ready.plan, zones=[ZoneEntry("cheeks", Decimal("2.0"), 2)])
    )
    assert review.ok and any("outside the planned" in w for w in review.warnings)


def test_the_lot_trace_finds_every_session_and_patient_of_the_clinic_only(ready, world_b):
    record_treatment(
        patient=ready.patient,
        data=session(ready.plan, performed_on=TODAY - timedelta(weeks=4)),
        by=ready.practitioner,
    )
    record_treatment(
        patient=ready.patient, data=session(ready.plan, cartridge_id="C-0002"), by=ready.practitioner
    )
    other = make_patient(ready.clinic)
    make_intake(other)
    screen_patient(patient=other, by=ready.practitioner, on=TODAY - timedelta(days=10))
    sign_consent(other)
    record_treatment(patient=other, data=session(cartridge_id="C-0003"), by=ready.practitioner)
    record_treatment(
        patient=other,
        data=session(cartridge_id="C-0004", cartridge_lot="LOT-B2", performed_on=TODAY - timedelta(days=9)),
        by=ready.practitioner,
    )
    screen_patient(patient=world_b.patient, by=world_b.practitioner, on=TODAY)
    sign_consent(world_b.patient)
    record_treatment(patient=world_b.patient, data=session(cartridge_id="C-0001"), by=world_b.practitioner)
    traced = list(sessions_with_lot(ready.clinic, "lot-a1"))
    assert len(traced) == 3 and {t.patient for t in traced} == {ready.patient, other}
    assert len(list(sessions_with_lot(world_b.clinic, "LOT-A1"))) == 1


def test_adverse_events_are_recorded_with_grade_onset_and_resolution(ready):
    treatment = record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)
    event = record_adverse_event(
        treatment=treatment,
        by=ready.practitioner,
        data={"kind": "herpes_reactivation", "grade": 2, "onset_on": TODAY},
    )
    assert event.resolved_on is None and event.grade == 2
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        record_adverse_event(
            treatment=treatment,
            by=ready.practitioner,
            data={"kind": "pih", "grade": 1, "onset_on": TODAY - timedelta(days=1)},
        )
    with pytest.raises(ValidationError):
        record_adverse_event(
            treatment=treatment, by=ready.practitioner, data={"kind": "pih", "grade": 9, "onset_on": TODAY}
        )
    assert treatment.adverse_events.count() == 1


def test_plan_belonging_to_another_patient_is_refused(ready):
    other = make_patient(ready.clinic)
    plan = active_plan(other, ready.practitioner)
    assert "another patient" in _refused(ready.patient, session(plan))["plan"]


def test_recording_the_session_completes_that_days_treatment_visit_and_only_that_one(ready):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from needlecare.scheduling.models import Appointment, AppointmentType

    treatment_type = AppointmentType.objects.get(clinic=ready.clinic, code="treatment")
    consultation = AppointmentType.objects.get(clinic=ready.clinic, code="consultation")
    zone = ZoneInfo(ready.clinic.timezone)

    def visit(kind, day, hour):  # type: ignore[no-untyped-def]
        start = datetime.combine(day, time(hour), tzinfo=zone)
        return Appointment.objects.create(
            clinic=ready.clinic,
            patient=ready.patient,
            practitioner=ready.practitioner,
            type=kind,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )

    today, talk, later = (
        visit(treatment_type, TODAY, 10),
        visit(consultation, TODAY, 12),
        visit(treatment_type, TODAY + timedelta(weeks=5), 10),
    )
    record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)
    statuses = {a.pk: a.status for a in Appointment.objects.all()}
    assert statuses == {today.pk: "completed", talk.pk: "booked", later.pk: "booked"}
    assert AuditEvent.objects.filter(action="appointment.completed", object_id=str(today.pk)).exists()
