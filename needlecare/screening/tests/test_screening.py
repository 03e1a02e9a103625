"""Screening a patient: stored with its intake and protocol versions, valid for 30 days, overridable
only where the contract allows, and run only by practitioners and owners."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from needlecare.audit.models import AuditEvent
from needlecare.protocols.services import adopt_protocol, default_text, default_version
from needlecare.screening.models import ScreeningDecision, ScreeningOverride
from needlecare.screening.selectors import screening_status
from needlecare.screening.services import AlreadyOverridden, override_screening, screen_patient
from needlecare.testing.factories import make_intake

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield


def test_a_clean_intake_is_eligible_and_the_decision_records_who_when_and_which_versions(world_a):
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert decision.outcome == "eligible" and decision.findings == []
    assert decision.intake == world_a.intake
    assert decision.protocol == default_version()
    assert decision.decided_by == world_a.practitioner and decision.screened_on == TODAY
    assert decision.valid_until == TODAY + timedelta(days=30)
    assert AuditEvent.objects.filter(action="screening.run", patient_id=world_a.patient.pk).exists()
    assert screening_status(world_a.patient, TODAY).valid


def test_screening_without_an_intake_is_refused(world_a):
    from needlecare.testing.factories import make_patient

    patient = make_patient(world_a.clinic)
    with pytest.raises(ValidationError, match="no intake"):
        screen_patient(patient=patient, by=world_a.practitioner)
    assert not ScreeningDecision.objects.filter(patient=patient).exists()


def test_a_decision_is_no_longer_valid_once_the_intake_changes(world_a):
    screen_patient(patient=world_a.patient, by=world_a.practitioner)
    make_intake(world_a.patient, by=world_a.front_desk)
    status = screening_status(world_a.patient, TODAY)
    assert not status.valid and "intake changed" in status.reason


def test_a_decision_expires_after_the_protocols_thirty_days(world_a):
    screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert screening_status(world_a.patient, TODAY + timedelta(days=30)).valid
    status = screening_status(world_a.patient, TODAY + timedelta(days=31))
    assert not status.valid and "expired" in status.reason


def test_isotretinoin_defers_and_is_not_valid_until_rescreened(world_a):
    make_intake(world_a.patient, isotretinoin_last_dose="2026-08-01")
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert (decision.outcome, decision.defer_until) == ("deferred", date(2027, 2, 1))
    assert decision.findings[0]["rule"] == "isotretinoin" and decision.findings[0]["source"]
    assert not screening_status(world_a.patient, TODAY).valid
    with pytest.raises(ValidationError, match="cannot be overridden"):
        override_screening(decision=decision, by=world_a.practitioner, reason="patient insists")


def test_declined_can_never_be_overridden(world_a):
    make_intake(world_a.patient, skin_cancer_or_suspicious_lesion_at_site=True)
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert decision.outcome == "declined"
    with pytest.raises(ValidationError):
        override_screening(decision=decision, by=world_a.owner, reason="I am the owner")
    assert not ScreeningOverride.objects.exists()


def test_clearance_needs_who_cleared_when_and_where_the_letter_is(world_a):
    make_intake(world_a.patient, anticoagulant="anticoagulant")
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert decision.outcome == "clearance"
    assert not screening_status(world_a.patient, TODAY).valid
    with pytest.raises(ValidationError) as error:
        override_screening(decision=decision, by=world_a.practitioner, reason="GP agrees")
    assert set(error.value.message_dict) == {"clearance_from", "clearance_dated", "document_reference"}
    with pytest.raises(ValidationError):
        override_screening(
            decision=decision,
            by=world_a.practitioner,
            reason="GP agrees",
            clearance_from="Dr Shah",
            clearance_dated=TODAY + timedelta(days=1),
            document_reference="scan-17",
        )
    override_screening(
        decision=decision,
        by=world_a.practitioner,
        reason="Warfarin, INR stable; GP agrees",
        clearance_from="Dr A. Shah, GP",
        clearance_dated=TODAY,
        document_reference="scan-17.pdf",
    )
    decision.refresh_from_db()
    assert decision.override.overridden_by == world_a.practitioner
    assert screening_status(world_a.patient, TODAY).valid
    with pytest.raises(AlreadyOverridden, match="already"):
        override_screening(decision=decision, by=world_a.practitioner, reason="again")


def test_precautions_may_proceed_and_an_override_needs_a_reason(world_a):
    make_intake(world_a.patient, anticoagulant="antiplatelet")
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert decision.outcome == "precautions"
    assert screening_status(world_a.patient, TODAY).valid
    with pytest.raises(ValidationError):
        override_screening(decision=decision, by=world_a.practitioner, reason="   ")
    override_screening(decision=decision, by=world_a.practitioner, reason="Aspirin stopped by GP a week ago")
    assert AuditEvent.objects.filter(action="screening.override").count() == 1


def test_an_unknown_answer_is_never_eligible(world_a):
    make_intake(world_a.patient, pregnant_or_breastfeeding=None)
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert decision.outcome != "eligible"
    assert any("unknown" in f["message"].lower() for f in decision.findings)


def test_a_decision_keeps_the_protocol_version_that_made_it_after_the_clinic_adopts_another(world_a):
    first = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    adoption = adopt_protocol(
        clinic=world_a.clinic,
        text=default_text().replace("valid_days = 30", "valid_days = 14"),
        by=world_a.owner,
        note="shorter validity",
    )
    second = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    first.refresh_from_db()
    assert first.protocol == default_version() and first.valid_until == TODAY + timedelta(days=30)
    assert second.protocol == adoption.protocol != first.protocol
    assert second.valid_until == TODAY + timedelta(days=14)
    with pytest.raises(ValueError):
        first.save()


def test_adopting_the_same_text_twice_gives_the_same_version(world_a, world_b):
    text = default_text() + "\n# our copy\n"
    one = adopt_protocol(clinic=world_a.clinic, text=text, by=world_a.owner)
    two = adopt_protocol(clinic=world_b.clinic, text=text + "   \n", by=world_b.owner)
    assert one.protocol_id == two.protocol_id


def test_a_malformed_protocol_is_refused_naming_the_entry_and_reason_and_nothing_changes(world_a):
    from needlecare.protocols import ProtocolError
    from needlecare.protocols.models import ProtocolVersion

    before = ProtocolVersion.objects.count()
    broken = default_text().replace('severity = "declined"', 'severity = "maybe"', 1)
    with pytest.raises(ProtocolError) as error:
        adopt_protocol(clinic=world_a.clinic, text=broken, by=world_a.owner)
    assert "severity" in str(error.value) and world_a.clinic.slug in str(error.value)
    assert ProtocolVersion.objects.count() == before


def test_a_screening_for_a_plan_with_prp_applies_and_records_the_prp_rules(world_a):
    make_intake(world_a.patient, bloodborne_infection="positive")
    plain = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert (plain.outcome, plain.adjuncts) == ("eligible", [])
    prp = screen_patient(patient=world_a.patient, by=world_a.practitioner, adjuncts=["prp"])
    assert (prp.outcome, prp.adjuncts) == ("clearance", ["prp"])
    assert prp.findings[0]["rule"] == "prp_bloodborne_infection"


def test_a_screening_for_an_unknown_adjunct_is_refused_and_stores_nothing(world_a):
    before = ScreeningDecision.objects.count()
    with pytest.raises(ValidationError, match="unknown adjuncts: laser"):
        screen_patient(patient=world_a.patient, by=world_a.practitioner, adjuncts=["laser"])
    assert ScreeningDecision.objects.count() == before


def test_the_screening_page_runs_a_prp_screening_from_its_checkbox(client, world_a):
    make_intake(world_a.patient, platelet_disorder=True)
    client.force_login(world_a.practitioner)
    page = client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    assert 'name="adjuncts" value="prp"' in page
    response = client.post(f"/patients/{world_a.patient.pk}/screening/run/", {"adjuncts": "prp"}, follow=True)
    decision = ScreeningDecision.objects.get(patient=world_a.patient)
    assert (decision.outcome, decision.adjuncts) == ("clearance", ["prp"])
    assert "Screened for a plan with: PRP" in response.content.decode()
