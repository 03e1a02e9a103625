"""A calendar feed's address is a credential: it stops at once when the person behind it goes, as an API
token does (a deactivated user, a membership ended or removed, an archived patient)."""

from datetime import date

import pytest

from needlecare.clinics.models import Membership
from needlecare.patients.services import archive_patient
from needlecare.scheduling.services.feeds import create_feed
from needlecare.scheduling.tests.conftest import london
from needlecare.scheduling.tests.test_feeds import book, events

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 30)


@pytest.fixture
def booked(cal):  # type: ignore[no-untyped-def]
    for hour in (9, 11, 14):
        book(cal, london(MONDAY, hour))
    return cal


def _practitioner_feed(world) -> str:  # type: ignore[no-untyped-def]
    _, raw = create_feed(clinic=world.clinic, by=world.practitioner, practitioner=world.practitioner)
    url = f"/calendar/feed/{raw}.ics"
    return url


def test_a_deactivated_practitioners_feed_stops_at_once(booked, client):
    url = _practitioner_feed(booked)
    found, text = events(client, url)
    assert len(found) == 3 and booked.patient.given_name in text
    booked.practitioner.is_active = False
    booked.practitioner.save()
    gone = client.get(url)
    assert gone.status_code == 404 and booked.patient.given_name.encode() not in gone.content


def test_a_practitioner_whose_membership_ended_has_no_feed(booked, client):
    url = _practitioner_feed(booked)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=booked.practitioner, clinic=booked.clinic).update(is_active=False)
    assert client.get(url).status_code == 404


def test_a_practitioner_removed_from_the_clinic_has_no_feed(booked, client):
    url = _practitioner_feed(booked)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=booked.practitioner, clinic=booked.clinic).delete()
    assert client.get(url).status_code == 404


def test_a_patients_feed_stops_when_the_patient_is_archived(booked, client):
    _, raw = create_feed(clinic=booked.clinic, by=booked.front_desk, patient=booked.patient)
    url = f"/calendar/feed/{raw}.ics"
    assert client.get(url).status_code == 200
    archive_patient(patient=booked.patient, by=booked.owner)
    assert client.get(url).status_code == 404


def test_a_patients_feed_made_by_staff_stops_when_they_leave_since_they_saw_the_address(booked, client):
    _, by_staff = create_feed(clinic=booked.clinic, by=booked.front_desk, patient=booked.patient)
    _, by_patient = create_feed(clinic=booked.clinic, by=None, patient=booked.patient, verified=True)
    booked.front_desk.is_active = False
    booked.front_desk.save()
    assert client.get(f"/calendar/feed/{by_staff}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{by_patient}.ics").status_code == 200  # the patient's own stays
    Membership.objects.filter(user=booked.owner).update(is_active=False)
    _, by_owner = create_feed(clinic=booked.clinic, by=booked.owner, patient=booked.patient)
    assert client.get(f"/calendar/feed/{by_owner}.ics").status_code == 404
