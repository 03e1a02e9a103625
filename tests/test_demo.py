"""The demo seed: two clinics, their staff, about forty patients each; running it twice adds nothing."""

import pytest
from django.core.management import call_command

from needlecare.accounts.models import User
from needlecare.audit.models import AuditEvent
from needlecare.audit.services import verify_chain
from needlecare.clinics.models import Clinic
from needlecare.demo.seed import DEMO_PASSWORD
from needlecare.forecasting import durability
from needlecare.forecasting.forecasting import clinic_model, histories_of, scales_of
from needlecare.patients.models import Intake, Patient

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Clinic, User, Patient, Intake, AuditEvent))


def test_seed_creates_both_demo_clinics_with_their_staff_and_patients(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for email in (
        "owner@demo.clinic",
        "practitioner@demo.clinic",
        "frontdesk@demo.clinic",
        "owner@harbour.clinic",
    ):
        assert email in out
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in out
    demo = Clinic.objects.get(name="Demo Skin Clinic")
    harbour = Clinic.objects.get(name="Harbour Aesthetics")
    assert demo.tel_uri and harbour.tel_uri  # patients told to call see a number
    from needlecare.treatments.models import Treatment

    assert Treatment.objects.filter(adjunct="prp").exclude(blood_kit_lot="").exists()
    assert Treatment.objects.filter(numbing_agent__in=["cooling", "tetracaine_4"]).exists()
    from needlecare.aftercare.models import InboundMessage

    # Two-way SMS: a patient's text reply waits to be answered on the aftercare page.
    waiting = InboundMessage.objects.filter(clinic=demo, answered_at__isnull=True, patient__isnull=False)
    assert waiting.exists()
    for clinic in (demo, harbour):
        patients = Patient.objects.filter(clinic=clinic)
        assert 35 <= patients.count() <= 45
        fitzpatrick = set(Intake.objects.filter(clinic=clinic).values_list("answers__fitzpatrick", flat=True))
        assert len(fitzpatrick) >= 5
        ages = {p.date_of_birth.year for p in patients}
        assert max(ages) - min(ages) >= 30
        habits = Intake.objects.filter(clinic=clinic).values_list("answers__smoker", "answers__sun_exposure")
        assert {smoker for smoker, _ in habits} == {True, False}
        assert {sun for _, sun in habits} == {"low", "medium", "high"}
        # The clinic's own follow-ups: some patients still improved, some faded, so its durability curves
        # fall and its forecasts learn from its own data.
        model = clinic_model(clinic)
        seen = {
            durability.observe(history, model.prior, scales_of(clinic)).status
            for _, history in histories_of(clinic, prior=model.prior)
        }
        assert {"holding", "faded", "building"} <= seen
        assert model.clinic_patients >= 4
        # The records read as they happened: registered, intake and consent before the first session.
        kept = Patient.objects.filter(clinic=clinic, erased_at__isnull=True, treatments__isnull=False)
        for treated in kept.distinct():
            first = treated.treatments.order_by("performed_on").first().performed_on
            assert treated.created_at.date() < first
            assert treated.intakes.order_by("version").first().submitted_at.date() < first
            signed = treated.consents.order_by("signed_at").first()
            assert signed is None or signed.signed_at.date() < first
            for plan in treated.plans.filter(activated_at__isnull=False):
                assert plan.created_at <= plan.activated_at
        assert verify_chain(clinic).ok


def test_seed_twice_adds_nothing():
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first


def test_issue_token_prints_a_working_token(client, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    call_command("issue_token", "owner@demo.clinic")
    token = capsys.readouterr().out.strip()
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["count"] >= 35


def test_issue_token_for_an_unknown_user_says_so():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("issue_token", "nobody@nowhere.test")
