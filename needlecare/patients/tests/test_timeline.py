"""The patient's timeline: every app's records in one list, newest first, the same queries however long
the history, clinical events for clinical staff only, another clinic's patient 404."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.aftercare.models import CheckIn
from needlecare.audit.models import AuditEvent
from needlecare.clinics.policies import EVERYTHING
from needlecare.outcomes.models import Assessment, Photo
from needlecare.outcomes.tests.test_forecasting import score, treat
from needlecare.patients.history import events_of
from needlecare.scheduling.models import Appointment, AppointmentType, Status
from needlecare.scheduling.services.setup import ensure_default_types
from needlecare.screening.services import screen_patient
from needlecare.treatments.models import AdverseEvent, Treatment

pytestmark = pytest.mark.django_db

SESSIONS = (date(2026, 9, 2), date(2026, 10, 1), date(2026, 10, 29))
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def frozen():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield


def _photo(patient, day):  # type: ignore[no-untyped-def]
    return Photo.objects.create(
        clinic=patient.clinic,
        patient=patient,
        taken_on=day,
        view="front",
        zone="cheeks",
        file="x.jpg",
        thumbnail="x-thumb.jpg",
        width=10,
        height=10,
        bytes=100,
        uploaded_format="JPEG",
        sha256="0" * 64,
    )


def _history(world, *, sessions=SESSIONS):  # type: ignore[no-untyped-def]
    """A patient with a record in every app: screening, consent, plan, sessions, an adverse event, a
    check-in with warning signs, a no-show, scores and photos."""
    patient = world.patient
    treat(world, patient, days=sessions)
    first = Treatment.objects.filter(patient=patient).order_by("performed_on").first()
    onset = sessions[0] + timedelta(days=10)
    AdverseEvent.objects.create(treatment=first, kind="pih", grade=1, onset_on=onset)
    CheckIn.objects.create(
        clinic=patient.clinic,
        patient=patient,
        treatment=first,
        day=3,
        redness="mild",
        swelling="mild",
        pain=2,
        fever=True,
        warning_signs=["Fever"],
    )
    ensure_default_types(patient.clinic)
    follow_up = AppointmentType.objects.get(clinic=patient.clinic, code="follow_up")
    starts = datetime(2026, 11, 20, 9, 30, tzinfo=LONDON)
    Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        practitioner=world.practitioner,
        type=follow_up,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        status=Status.NO_SHOW,
    )
    score(patient, sessions[0], 40, baseline=True)
    for day in sessions[1:]:
        score(patient, day, 30)
        _photo(patient, day)
    return patient


def test_the_timeline_page_lists_every_apps_records_newest_first(client, world_a, frozen):
    patient = _history(world_a)
    client.force_login(world_a.practitioner)
    page = client.get(f"/patients/{patient.pk}/timeline/")
    assert page.status_code == 200
    titles = [e.title for e in page.context["events"]]
    for expected in (
        "Registered",
        "Intake version 1",
        "Consent signed (version 1)",
        "Plan made",
        "Session",
        "Adverse event: Post-inflammatory hyperpigmentation",
        "Day 3 check-in: warning signs",
        "Follow-up: no-show",
        "Baseline assessment",
        "Assessment",
        "1 photo",
    ):
        assert expected in titles, expected
    assert any(t.startswith("Screened: ") for t in titles)
    days = [e.sort_key for e in page.context["events"]]
    assert days == sorted(days, reverse=True)
    html = page.content.decode()
    assert "Cheeks 1.50 mm" in html and "lot LOT-A1" in html and "Goodman and Baron" in html
    assert AuditEvent.objects.filter(action="timeline.view", patient_id=patient.pk).count() == 1


def test_the_patient_page_shows_the_newest_six_and_links_the_rest(client, world_a, frozen):
    patient = _history(world_a)
    client.force_login(world_a.practitioner)
    page = client.get(f"/patients/{patient.pk}/")
    assert len(page.context["timeline"]) == 6 and page.context["timeline_more"] is True
    assert f'href="/patients/{patient.pk}/timeline/"' in page.content.decode()
    everything, more = events_of(patient, readable=EVERYTHING)
    assert len(everything) > 6 and more is False
    assert page.context["timeline"] == everything[:6]


def test_a_new_patient_has_a_short_timeline_and_no_link(client, world_a):
    client.force_login(world_a.front_desk)
    page = client.get(f"/patients/{world_a.patient.pk}/")
    assert [e.title for e in page.context["timeline"]] == ["Intake version 1", "Registered"]
    assert page.context["timeline_more"] is False
    assert "/timeline/" not in page.content.decode()


def test_the_front_desk_sees_no_scores_check_ins_or_photos(client, world_a, frozen):
    patient = _history(world_a)
    client.force_login(world_a.front_desk)
    titles = [e.title for e in client.get(f"/patients/{patient.pk}/timeline/").context["events"]]
    assert "Session" in titles and "Follow-up: no-show" in titles
    assert not {"Assessment", "Baseline assessment", "1 photo", "Day 3 check-in: warning signs"} & set(titles)


def test_the_timeline_costs_the_same_queries_with_a_short_and_a_long_history(client, world_a, frozen):
    client.force_login(world_a.practitioner)
    patient = _history(world_a, sessions=SESSIONS[:2])
    with CaptureQueriesContext(connection) as short:
        assert client.get(f"/patients/{patient.pk}/timeline/").status_code == 200
    with CaptureQueriesContext(connection) as short_page:
        assert client.get(f"/patients/{patient.pk}/").status_code == 200
    extra = [date(2026, 5, 6) + timedelta(weeks=5 * n) for n in range(3)]
    treat(world_a, patient, days=extra)
    for day in extra:
        score(patient, day, 35)
        _photo(patient, day)
    with CaptureQueriesContext(connection) as long:
        assert client.get(f"/patients/{patient.pk}/timeline/").status_code == 200
    with CaptureQueriesContext(connection) as long_page:
        assert client.get(f"/patients/{patient.pk}/").status_code == 200
    assert len(long) == len(short)
    assert len(long_page) == len(short_page)


def test_another_clinics_patient_has_no_timeline(client, world_a, world_b):
    client.force_login(world_b.owner)
    assert client.get(f"/patients/{world_a.patient.pk}/timeline/").status_code == 404
    assert not AuditEvent.objects.filter(action="timeline.view").exists()


def test_assessments_and_photos_of_one_day_read_as_one_event(world_a, frozen):
    patient = world_a.patient
    day = date(2026, 11, 2)
    score(patient, day, 30)
    Assessment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        scale="gais",
        value=Decimal(3),
        assessed_on=day,
        zone="cheeks",
        indication="acne_scars",
        rater="clinician",
    )
    _photo(patient, day)
    _photo(patient, day)
    events, _ = events_of(patient, readable=EVERYTHING)
    [assessed] = [e for e in events if e.title == "Assessment"]
    assert assessed.on == day and "GAIS 3" in assessed.detail and "Goodman and Baron" in assessed.detail
    [photos] = [e for e in events if e.title.endswith("photos")]
    assert photos.title == "2 photos" and photos.detail == "front"


def test_the_same_screening_twice_in_a_day_is_one_event_and_a_new_day_another(world_a, frozen):
    patient = world_a.patient
    for day in (date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 24)):
        screen_patient(patient=patient, by=world_a.practitioner, on=day)
    screened = [e for e in events_of(patient, readable=EVERYTHING)[0] if e.title.startswith("Screened")]
    assert [e.on for e in screened] == [date(2026, 11, 24), date(2026, 11, 2)]
    assert "screened 2 times that day" in screened[1].detail and "times" not in screened[0].detail
    # Made today for an earlier day (as an import would): the day shows, not a time of another day.
    assert screened[1].at is None
