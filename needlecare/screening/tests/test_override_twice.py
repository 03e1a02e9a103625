"""An override is recorded once: a second one answers 409 in the API and says so on the page, and the
first override stands untouched."""

import pytest

from needlecare.audit.models import AuditEvent
from needlecare.factories import make_intake
from needlecare.screening.models import ScreeningOverride
from needlecare.screening.services import screen_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def overridden(world_a):  # type: ignore[no-untyped-def]
    make_intake(world_a.patient, anticoagulant="antiplatelet")  # precautions: may be overridden
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    assert decision.can_be_overridden
    from needlecare.screening.services import override_screening

    override_screening(decision=decision, by=world_a.practitioner, reason="First reason")
    return decision


def test_the_api_answers_409_to_a_second_override_and_keeps_the_first(client, world_a, overridden, token_for):
    events = AuditEvent.objects.filter(action="screening.override").count()
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/screenings/{overridden.pk}/override",
        {"reason": "Second reason"},
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.owner),
    )
    assert response.status_code == 409, response.content
    assert "already overridden" in response.json()["detail"]
    override = ScreeningOverride.objects.get(decision=overridden)
    assert override.reason == "First reason"
    assert AuditEvent.objects.filter(action="screening.override").count() == events


def test_the_page_says_the_decision_was_already_overridden(client, world_a, overridden):
    client.force_login(world_a.owner)
    response = client.post(
        f"/patients/{world_a.patient.pk}/screening/{overridden.pk}/override/", {"reason": "Second reason"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "already overridden" in page and "First reason" in page
    assert ScreeningOverride.objects.get(decision=overridden).reason == "First reason"


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_overrides_record_one_and_the_rest_hear_already_overridden(world_a, tmp_path):
    """Each on its own connection (the booking race's harness): the one-to-one row lets one in, and every
    other answers AlreadyOverridden (the API's 409), never an IntegrityError (a 500)."""
    import sqlite3

    from needlecare.scheduling.tests.test_concurrency import file_copy, fire
    from needlecare.screening.services import override_screening

    make_intake(world_a.patient, anticoagulant="antiplatelet")
    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    file_settings = file_copy(tmp_path)

    def attempt(n: int):  # type: ignore[no-untyped-def]
        return lambda: override_screening(decision=decision, by=world_a.practitioner, reason=f"Reason {n}")

    answers = fire([attempt(n) for n in range(10)], file_settings)
    assert answers.count("booked") == 1, answers  # the harness's word for "went through"
    assert all("already overridden" in a for a in answers if a != "booked"), answers
    if file_settings is None:
        assert ScreeningOverride.objects.filter(decision=decision).count() == 1
    else:
        with sqlite3.connect(file_settings["NAME"]) as db:
            rows = db.execute("SELECT count(*) FROM screening_screeningoverride").fetchone()[0]
        assert rows == 1
