"""The forecast over the API, the maintenance worklist (booking from it in one step) and the clinic's
outcome curves and table."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.audit.models import AuditEvent
from needlecare.scheduling.models import Appointment, Status
from needlecare.scheduling.selectors import type_by_code
from needlecare.scheduling.services.booking import Booking, book_appointment, cancel_appointment
from needlecare.testing.clock import TODAY, london
from needlecare.testing.factories import make_intake, make_patient
from needlecare.testing.outcomes import score
from needlecare.testing.scheduling import equip, working_week
from needlecare.testing.treatments import treat

pytestmark = pytest.mark.django_db

# Sessions two and a half years ago: the published evidence puts acne-scar maintenance before today.
OLD = (date(2024, 1, 5), date(2024, 2, 2), date(2024, 3, 1))
# Sessions last month: maintenance is far off.
RECENT = (date(2026, 9, 2), date(2026, 9, 30), date(2026, 10, 28))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    with time_machine.travel("2026-11-25 10:00Z", tick=False):  # a Wednesday
        yield
    cache.clear()


@pytest.fixture
def cal(world_a):  # type: ignore[no-untyped-def]
    working_week(world_a.clinic, world_a.practitioner)
    working_week(world_a.clinic, world_a.owner)
    equip(world_a.clinic)
    return world_a


def due_patient(world, name="Due", days=OLD):  # type: ignore[no-untyped-def]
    patient = make_patient(world.clinic, by=world.owner, family_name=name)
    make_intake(patient, by=world.owner)
    treat(world, patient, days=days)
    return patient


# ---------------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------------


def test_the_forecast_api_answers_per_indication_in_plain_words_and_is_audited(client, world_a, token_for):
    treat(world_a, world_a.patient, indications=("acne_scars", "fine_lines"), days=RECENT)
    auth = token_for(world_a.front_desk)
    response = client.get(f"/api/v1/patients/{world_a.patient.pk}/forecast", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["basis"] == "evidence" and "published evidence" in body["note"]
    assert [i["indication"] for i in body["indications"]] == ["acne_scars", "fine_lines"]
    for item in body["indications"]:
        assert item["basis"] == "evidence"
        assert item["fade_low"] <= item["fade_median"] <= item["fade_high"]
        assert item["maintenance_due"] <= item["fade_median"]
        assert item["plain_language"].startswith("No, not permanent")
        assert item["indication_name"].lower() in item["plain_language"].lower()
    assert AuditEvent.objects.filter(action="forecast.view", patient_id=world_a.patient.pk).count() == 1


def test_the_forecast_api_is_empty_without_sessions_and_404_across_clinics(
    client, world_a, world_b, token_for
):
    auth = token_for(world_a.practitioner)
    mine = client.get(f"/api/v1/patients/{world_a.patient.pk}/forecast", HTTP_AUTHORIZATION=auth)
    assert mine.status_code == 200 and mine.json()["indications"] == []
    theirs = client.get(f"/api/v1/patients/{world_b.patient.pk}/forecast", HTTP_AUTHORIZATION=auth)
    assert theirs.status_code == 404
    bad = client.get("/api/v1/patients/not-a-uuid/forecast", HTTP_AUTHORIZATION=auth)
    assert bad.status_code in (404, 422)
    assert not AuditEvent.objects.filter(action="forecast.view", patient_id=world_b.patient.pk).exists()


# ---------------------------------------------------------------------------------------------------
# Worklist
# ---------------------------------------------------------------------------------------------------


def test_the_worklist_lists_due_patients_without_a_booking_soonest_first(client, cal, signed_in):
    old = due_patient(cal, "Oldest")
    middle = due_patient(cal, "Middle", days=(date(2024, 6, 5), date(2024, 7, 3), date(2024, 8, 1)))
    due_patient(cal, "Recent", days=RECENT)
    booked = due_patient(cal, "Booked")
    book_appointment(
        clinic=cal.clinic,
        booking=Booking(
            booked,
            cal.practitioner,
            type_by_code(cal.clinic, "maintenance"),
            london(TODAY + timedelta(days=7), 10),
        ),
        by=cal.owner,
    )
    page = signed_in(cal.front_desk).get("/outcomes/maintenance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Oldest" in html and "Middle" in html and "Recent" not in html and "Booked" not in html
    assert html.index("Oldest") < html.index("Middle")
    assert html.count('data-patient="') == 2
    assert str(old.pk) in html and str(middle.pk) in html
    # A cancelled booking does not count as booked.
    cancel_appointment(appointment=Appointment.objects.get(patient=booked), reason="ill", by=cal.owner)
    assert "Booked" in signed_in(cal.front_desk).get("/outcomes/maintenance/").content.decode()


def test_the_worklist_horizon_is_a_form_field(client, cal, signed_in):
    due_patient(cal, "Recent", days=RECENT)
    c = signed_in(cal.practitioner)
    assert "Recent" not in c.get("/outcomes/maintenance/").content.decode()
    assert "Recent" in c.get("/outcomes/maintenance/?weeks=104").content.decode()
    refused = c.get("/outcomes/maintenance/?weeks=-3")
    assert refused.status_code == 422 and "Recent" not in refused.content.decode()


def test_booking_from_the_worklist_takes_the_first_free_slot_with_their_practitioner(client, cal, signed_in):
    patient = due_patient(cal, "Oldest")
    c = signed_in(cal.front_desk)
    response = c.post(f"/patients/{patient.pk}/maintenance/book/", {"weeks": "8"}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.type.code == "maintenance" and appointment.status == Status.BOOKED
    assert appointment.practitioner == cal.practitioner  # who performed their sessions
    assert appointment.starts_at == london(TODAY + timedelta(days=1), 9)  # Thursday 09:00, the first slot
    assert appointment.room is not None and appointment.device is not None
    assert "Booked " in html and "Thursday 26 November 2026 at 09:00" in html
    assert 'data-patient="' not in html  # gone from the worklist
    assert AuditEvent.objects.filter(action="appointment.book", patient_id=patient.pk).count() == 1
    # Booking again is refused and books nothing.
    again = c.post(f"/patients/{patient.pk}/maintenance/book/", follow=True)
    assert (
        "already has" in again.content.decode() and Appointment.objects.filter(patient=patient).count() == 1
    )


def test_booking_moves_to_any_practitioner_when_theirs_is_never_free(client, cal, signed_in):
    from needlecare.scheduling.models import WorkingHours

    WorkingHours.objects.filter(practitioner=cal.practitioner).delete()
    patient = due_patient(cal, "Oldest")
    signed_in(cal.owner).post(f"/patients/{patient.pk}/maintenance/book/")
    assert Appointment.objects.get(patient=patient).practitioner == cal.owner


def test_booking_without_any_free_slot_says_so_and_writes_nothing(client, cal, signed_in):
    from needlecare.scheduling.models import WorkingHours

    WorkingHours.objects.all().delete()
    patient = due_patient(cal, "Oldest")
    response = signed_in(cal.owner).post(f"/patients/{patient.pk}/maintenance/book/", follow=True)
    assert "No free maintenance slot" in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_another_clinics_patient_is_404(client, cal, world_b, signed_in):
    response = signed_in(cal.owner).post(f"/patients/{world_b.patient.pk}/maintenance/book/")
    assert response.status_code == 404 and not Appointment.objects.exists()


def _count(c, url):  # type: ignore[no-untyped-def]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = c.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode().count('data-patient="')


def test_the_worklist_costs_the_same_queries_for_2_and_20_patients(client, cal, signed_in):
    for n in range(2):
        due_patient(cal, f"P{n:02d}")
    c = signed_in(cal.front_desk)
    small, rows = _count(c, "/outcomes/maintenance/")
    assert rows == 2
    for n in range(2, 20):
        due_patient(cal, f"P{n:02d}")
    large, rows = _count(c, "/outcomes/maintenance/")
    assert rows == 20 and large == small


# ---------------------------------------------------------------------------------------------------
# Clinic outcomes
# ---------------------------------------------------------------------------------------------------


def _followed(world, name, *, holding):  # type: ignore[no-untyped-def]
    patient = make_patient(world.clinic, by=world.owner, family_name=name)
    make_intake(patient, by=world.owner)
    treat(world, patient, days=OLD)
    score(patient, date(2024, 1, 5), 40, baseline=True)
    score(patient, date(2024, 7, 1), 20)
    score(patient, date(2025, 7, 1), 22 if holding else 36)
    score(patient, date(2026, 1, 1), 24 if holding else 38)
    return patient


def test_the_clinic_page_draws_kaplan_meier_curves_and_the_improvement_table(client, world_a, signed_in):
    _followed(world_a, "Holds", holding=True)
    _followed(world_a, "Fades", holding=False)
    page = signed_in(world_a.practitioner).get("/outcomes/clinic/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="durability-chart"' in html and 'class="km"' in html and 'class="censored"' in html
    assert "2 patients, 1 faded" in html
    # Both improved by 20 of 84 points at best: 23.8% of the scale; depth 1.5 mm, pen.
    assert "<td>1.0–1.5 mm</td><td>Pen</td><td>2</td><td>23.8% of the scale</td>" in html


def test_the_clinic_page_says_so_without_data_and_is_for_clinicians(client, world_a, signed_in):
    page = signed_in(world_a.owner).get("/outcomes/clinic/")
    assert page.status_code == 200 and 'id="no-outcomes"' in page.content.decode()
    assert signed_in(world_a.front_desk).get("/outcomes/clinic/").status_code == 403


def test_kaplan_meier_counts_holding_patients_as_censored():
    from needlecare.forecasting.clinic_outcomes import kaplan_meier

    curve = kaplan_meier("acne_scars", [(10.0, True), (20.0, False), (30.0, True), (40.0, False)])
    assert curve.patients == 4 and curve.faded == 2 and curve.censored_at == [20.0, 40.0]
    # 3/4 after the first fade; then one of the two left at 30 months fades: 3/4 * 1/2.
    assert curve.survival[-1] == pytest.approx(0.375)
    assert curve.median_months == 30.0


def test_a_patient_who_never_improved_is_not_on_the_worklist(client, cal, signed_in):
    patient = due_patient(cal, "Flat")
    score(patient, date(2024, 1, 5), 40, baseline=True)
    score(patient, date(2024, 7, 1), 40)
    score(patient, date(2024, 12, 1), 40)
    due_patient(cal, "Unscored")
    html = signed_in(cal.front_desk).get("/outcomes/maintenance/").content.decode()
    assert "Unscored" in html and "Flat" not in html


def test_the_clinic_page_costs_the_same_queries_for_2_and_6_followed_patients(client, world_a, signed_in):
    for n in range(2):
        _followed(world_a, f"P{n}", holding=n % 2 == 0)
    c = signed_in(world_a.practitioner)

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert c.get("/outcomes/clinic/").status_code == 200
        return len(queries)

    small = count()
    for n in range(2, 6):
        _followed(world_a, f"P{n}", holding=n % 2 == 0)
    assert count() == small
