"""The forecast from the database: a clinic's sessions and scores, read in a constant number of queries,
fitted per clinic (never across clinics), and one patient's answer."""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.forecasting import durability
from needlecare.forecasting.forecasting import (
    clinic_model,
    forecast_for_patient,
    forecasts_for_clinic,
    histories_of,
)
from needlecare.testing.factories import make_intake, make_patient
from needlecare.testing.outcomes import score
from needlecare.testing.treatments import treat

pytestmark = pytest.mark.django_db

LAST = date(2024, 3, 1)
SESSIONS = (date(2024, 1, 5), date(2024, 2, 2), LAST)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def months_after(day: date, months: float) -> date:
    return durability.add_average_months(day, months)


def test_without_follow_up_the_forecast_is_the_published_evidence(world_a):
    treat(world_a, world_a.patient)
    score(world_a.patient, SESSIONS[0], 40, baseline=True)
    answer = forecast_for_patient(world_a.patient)
    assert answer.basis == "evidence" and answer.clinic_patients == 0
    assert "published evidence alone" in answer.note
    [acne] = answer.indications
    assert acne.indication == "acne_scars" and acne.basis == "evidence"
    peak = months_after(LAST, 6)  # the protocol's peak, 6 months after the series [Aust 2008; Alam 2014]
    assert acne.peak == peak
    # 36 months for acne scars; the patient's age moves it a little (born 1985 in the factory, or so).
    assert 30 <= durability.months_between(peak, acne.fade_median) <= 37
    assert answer.to_dict()["indications"][0]["indication"] == "acne_scars"


def test_the_clinics_follow_up_updates_the_forecast_and_bounds_the_patient(world_a):
    treat(world_a, world_a.patient)
    score(world_a.patient, SESSIONS[0], 40, baseline=True)
    for months, value in ((3, 20), (12, 21), (30, 24)):
        score(world_a.patient, months_after(LAST, months), value)
    answer = forecast_for_patient(world_a.patient, "acne_scars")
    assert answer.basis == "clinic" and answer.clinic_patients == 1
    assert "1 patient followed past the peak" in answer.note
    [acne] = answer.indications
    assert acne.status == "holding"
    assert acne.fade_low > months_after(LAST, 30)  # still improved at the month-30 visit


def test_a_patient_has_a_forecast_for_each_indication_treated(world_a):
    treat(world_a, world_a.patient, indications=("acne_scars", "enlarged_pores"))
    answer = forecast_for_patient(world_a.patient)
    assert [f.indication for f in answer.indications] == ["acne_scars", "enlarged_pores"]
    assert [f.indication for f in forecast_for_patient(world_a.patient, "enlarged_pores").indications] == [
        "enlarged_pores"
    ]
    assert forecast_for_patient(world_a.patient, "stretch_marks").indications == []


def test_a_patient_without_sessions_has_no_forecast(world_a):
    answer = forecast_for_patient(world_a.patient)
    assert answer.indications == [] and answer.basis == "evidence"


def test_the_skin_type_and_age_come_from_the_record(world_a):
    treat(world_a, world_a.patient)
    make_intake(world_a.patient, by=world_a.owner, fitzpatrick=5)
    prior = clinic_model(world_a.clinic).prior
    [(patient_id, history)] = histories_of(world_a.clinic, prior=prior, patient=world_a.patient)
    assert patient_id == world_a.patient.pk
    assert history.fitzpatrick == 5 and history.date_of_birth == world_a.patient.date_of_birth
    assert history.sessions == SESSIONS
    assert (history.smoker, history.sun_exposure) == (False, "medium")  # the clean intake's answers


def test_smoking_and_sun_from_the_latest_intake_bring_the_fade_forward(client, world_a):
    treat(world_a, world_a.patient)
    make_intake(world_a.patient, by=world_a.owner, smoker=False, sun_exposure="low")
    sheltered = forecast_for_patient(world_a.patient).indications[0]
    make_intake(world_a.patient, by=world_a.owner, smoker=True, sun_exposure="high")
    exposed = forecast_for_patient(world_a.patient).indications[0]
    assert exposed.peak == sheltered.peak
    assert exposed.fade_median < sheltered.fade_median
    assert exposed.maintenance_due < sheltered.maintenance_due
    assert exposed.hastened_by == ("smoking", "sun") and sheltered.hastened_by == ()
    # The practitioner sees why, on the patient's outcomes page.
    client.force_login(world_a.practitioner)
    html = client.get(f"/patients/{world_a.patient.pk}/outcomes/").content.decode()
    assert "Brought forward by smoking and a lot of sun, from the latest intake" in html
    # An answer left unknown in the latest intake is unknown, whatever an older intake said.
    make_intake(world_a.patient, by=world_a.owner, smoker=None, sun_exposure=...)
    prior = clinic_model(world_a.clinic).prior
    [(_, history)] = histories_of(world_a.clinic, prior=prior, patient=world_a.patient)
    assert (history.smoker, history.sun_exposure) == (None, None)


def test_another_clinics_outcomes_never_inform_this_clinics_model(world_a, world_b):
    treat(world_b, world_b.patient)
    score(world_b.patient, SESSIONS[0], 40, baseline=True)
    score(world_b.patient, months_after(LAST, 3), 20)
    score(world_b.patient, months_after(LAST, 24), 22)
    treat(world_a, world_a.patient)
    assert clinic_model(world_b.clinic).clinic_patients == 1
    assert clinic_model(world_a.clinic).clinic_patients == 0
    assert forecast_for_patient(world_a.patient).basis == "evidence"


def test_a_new_score_refits_the_cached_model(world_a):
    treat(world_a, world_a.patient)
    score(world_a.patient, SESSIONS[0], 40, baseline=True)
    assert clinic_model(world_a.clinic).clinic_patients == 0
    score(world_a.patient, months_after(LAST, 3), 20)
    score(world_a.patient, months_after(LAST, 12), 21)
    assert clinic_model(world_a.clinic).clinic_patients == 1


def test_a_new_intake_refits_the_cached_model_and_another_clinics_does_not(world_a, world_b):
    treat(world_a, world_a.patient)
    clinic_model(world_a.clinic)
    with CaptureQueriesContext(connection) as cached:
        clinic_model(world_a.clinic)
    make_intake(world_b.patient, by=world_b.owner, smoker=True)
    with CaptureQueriesContext(connection) as still_cached:
        clinic_model(world_a.clinic)
    assert len(still_cached) == len(cached)
    make_intake(world_a.patient, by=world_a.owner, smoker=True)
    with CaptureQueriesContext(connection) as refitted:
        clinic_model(world_a.clinic)
    assert len(refitted) > len(cached)  # read the histories again, for the new answers


def _patients_with_follow_up(world, count):  # type: ignore[no-untyped-def]
    for number in range(count):
        patient = make_patient(world.clinic, by=world.owner, first_name=f"Follow{number}")
        make_intake(patient, by=world.owner)
        treat(world, patient)
        score(patient, SESSIONS[0], 40, baseline=True)
        for months in (3, 9, 15):
            score(patient, months_after(LAST, months), 20 + months)


def test_the_forecast_costs_the_same_queries_with_2_and_8_patients(world_a):
    treat(world_a, world_a.patient)

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            forecast_for_patient(world_a.patient)
        return len(captured)

    _patients_with_follow_up(world_a, 2)
    few = queries()
    _patients_with_follow_up(world_a, 6)
    assert queries() == few
    assert clinic_model(world_a.clinic).clinic_patients == 8


def test_the_whole_clinic_is_forecast_for_the_worklist_in_constant_queries(world_a, world_b):
    treat(world_b, world_b.patient)
    _patients_with_follow_up(world_a, 2)

    def run():  # type: ignore[no-untyped-def]
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            answers = forecasts_for_clinic(world_a.clinic)
        return answers, len(captured)

    answers, few = run()
    assert len(answers) == 2 and world_b.patient.pk not in {patient_id for patient_id, _ in answers}
    assert all(f.basis == "clinic" and f.maintenance_due < f.fade_median for _, f in answers)
    _patients_with_follow_up(world_a, 4)
    answers, many = run()
    assert len(answers) == 6 and many == few
