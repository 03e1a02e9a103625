"""Importing patients (and upcoming appointments) from another system's CSV: column mapping, a dry run that
reports every bad row by line and reason and saves nothing, an import that writes every good row or
nothing, and the round trip from the clinic export's patients.csv into a fresh clinic."""

import io
import zipfile
from datetime import time, timedelta

import pytest
from django.apps import apps

from needlecare.audit.models import AuditEvent
from needlecare.audit.services import verify_chain
from needlecare.core.clock import clinic_today
from needlecare.factories import make_patient
from needlecare.interop.export import PATIENT_COLUMNS
from needlecare.interop.importer import guess_mapping, read_csv
from needlecare.patients.models import Patient

pytestmark = pytest.mark.django_db

OTHER_SYSTEM = """First Name;Surname;DOB;Gender;Mobile;E-mail;Patient ID;Comments
Aoife;Brennan;14/03/1990;F;07700 900101;aoife@example.org;X-1;likes mornings
;Nameless;01/01/1980;F;;;X-2;
Brendan;Okafor;31/02/1985;M;;;X-3;
Carys;Llewellyn;1979-07-22;robot;;;X-4;
Dmitri;Volkov;1988-11-02;m;;not-an-email;X-5;
Esi;Mensah;1992-05-09;female;;;X-1;
Farah;Haddad;2091-01-01;f;;;X-7;
Gwen;Existing;1970-01-15;f;;;X-8;
Hana;Sato;1995-12-24;F;+44 7700 900222;hana@example.org;X-9;
"""
BAD = {
    3: "given_name",
    4: "date_of_birth",
    5: "sex",
    6: "email",
    7: "reference",
    8: "date_of_birth",
    9: "family_name",
}


def post(client, header, dry_run=True, **body):  # type: ignore[no-untyped-def]
    path = "/api/v1/import/patients/check" if dry_run else "/api/v1/import/patients"
    return client.post(path, data=body, content_type="application/json", HTTP_AUTHORIZATION=header)


@pytest.fixture
def owner(world_a, token_for):  # type: ignore[no-untyped-def]
    make_patient(
        world_a.clinic,
        by=world_a.owner,
        given_name="Gwen",
        family_name="Existing",
        date_of_birth="1970-01-15",
    )
    return token_for(world_a.owner)


def test_the_columns_are_guessed_from_their_names():
    table = read_csv(OTHER_SYSTEM.encode("cp1252"))
    assert table.headers[0] == "First Name" and table.rows[0][0] == 2
    mapping = guess_mapping(table.headers)
    assert mapping["given_name"] == "First Name" and mapping["family_name"] == "Surname"
    assert mapping["date_of_birth"] == "DOB" and mapping["phone"] == "Mobile" and mapping["email"] == "E-mail"
    assert (
        mapping["reference"] == "Patient ID" and mapping["notes"] == "Comments" and mapping["sex"] == "Gender"
    )


def test_the_dry_run_reports_every_bad_row_by_line_and_reason_and_saves_nothing(client, world_a, owner):
    patients, events = Patient.objects.count(), AuditEvent.objects.count()
    response = post(client, owner, csv=OTHER_SYSTEM)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["dry_run"] is True and report["rows"] == 9
    assert {e["line"]: e["field"] for e in report["errors"]} == BAD
    assert all(e["reason"] for e in report["errors"])
    assert "line 2" in next(e["reason"] for e in report["errors"] if e["line"] == 7)
    assert report["good_lines"] == [2, 10] and report["patients"] == 2
    assert Patient.objects.count() == patients and AuditEvent.objects.count() == events


def test_the_import_writes_every_good_row_in_one_go(client, world_a, owner):
    dry = post(client, owner, csv=OTHER_SYSTEM).json()
    done = post(client, owner, csv=OTHER_SYSTEM, dry_run=False, confirmed_lines=dry["good_lines"])
    assert done.status_code == 200, done.content
    assert done.json()["patients"] == 2
    aoife = Patient.objects.get(clinic=world_a.clinic, reference="X-1")
    assert (aoife.given_name, aoife.date_of_birth.isoformat(), aoife.sex) == ("Aoife", "1990-03-14", "female")
    assert aoife.phone == "07700 900101" and aoife.notes == "likes mornings"
    assert Patient.objects.filter(clinic=world_a.clinic, reference="X-9").exists()
    assert not Patient.objects.filter(family_name__in=["Okafor", "Volkov", "Mensah"]).exists()
    assert (
        AuditEvent.objects.filter(action="patients.import", clinic=world_a.clinic).get().detail["patients"]
        == 2
    )
    assert verify_chain(world_a.clinic).ok
    # Importing the same file again finds everybody already registered.
    again = post(client, owner, csv=OTHER_SYSTEM).json()
    assert again["good_lines"] == []


def test_the_import_writes_nothing_when_the_rows_no_longer_check_as_in_the_dry_run(client, world_a, owner):
    dry = post(client, owner, csv=OTHER_SYSTEM).json()
    # Meanwhile somebody registers Hana by hand: her line would now fail.
    make_patient(world_a.clinic, given_name="Hana", family_name="Sato", date_of_birth="1995-12-24")
    before = Patient.objects.count()
    response = post(client, owner, csv=OTHER_SYSTEM, dry_run=False, confirmed_lines=dry["good_lines"])
    assert response.status_code == 409 and "nothing was imported" in response.json()["detail"]
    assert Patient.objects.count() == before
    assert not Patient.objects.filter(reference="X-1").exists()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"csv": ""}, "empty"),
        ({"csv": "a,b\n1,2\n"}, "required"),
        ({"csv": "given,family,dob\n\x00\x01,2,3\n"}, "not a text"),
        ({"csv": "x,x\n1,2\n"}, "name of its own"),
        (
            {
                "csv": OTHER_SYSTEM,
                "mapping": {"given_name": "Nope", "family_name": "Surname", "date_of_birth": "DOB"},
            },
            "no column",
        ),
        ({"csv": OTHER_SYSTEM, "mapping": {"shoe_size": "Gender"}}, "Not a field"),
    ],
)
def test_an_unreadable_file_or_a_wrong_mapping_is_reported_on_line_1_and_saves_nothing(
    client, owner, body, reason
):
    before = Patient.objects.count()
    report = post(client, owner, **body).json()
    assert report["good_lines"] == [] and report["errors"][0]["line"] == 1
    assert any(reason in e["reason"] for e in report["errors"]), report["errors"]
    done = post(client, owner, dry_run=False, confirmed_lines=[], **body)
    assert done.status_code == 200 and done.json()["good_lines"] == []
    assert post(client, owner, dry_run=False, confirmed_lines=[2], **body).status_code == 409
    assert Patient.objects.count() == before


@pytest.mark.parametrize(
    "body",
    [{"csv": 5}, {"csv": OTHER_SYSTEM, "colour": "red"}, {"csv": OTHER_SYSTEM, "confirmed_lines": ["x"]}, {}],
)
def test_malformed_requests_answer_422(client, owner, body):
    assert post(client, owner, dry_run=False, **body).status_code == 422
    assert post(client, owner, dry_run=False, csv=OTHER_SYSTEM).status_code == 422  # no confirmed_lines


def test_only_the_owner_may_import(client, world_a, token_for, signed_in):
    response = post(client, token_for(world_a.practitioner), csv=OTHER_SYSTEM)
    assert response.status_code == 403
    response = post(
        client, token_for(world_a.front_desk), dry_run=False, csv=OTHER_SYSTEM, confirmed_lines=[2]
    )
    assert response.status_code == 403 and not Patient.objects.filter(reference="X-1").exists()
    assert signed_in(world_a.front_desk).get("/clinic/data/").status_code == 403


def test_the_clinic_export_imports_into_a_fresh_clinic_unchanged(client, world_a, world_b, token_for):
    make_patient(
        world_a.clinic,
        by=world_a.owner,
        given_name="Zoë",
        family_name="O'Neill, Jr",
        reference="R-7",
        address="1 Quay St\nCork",
        notes='said "call after 5"',
        sex="female",
    )
    response = client.get("/api/v1/clinic/export", HTTP_AUTHORIZATION=token_for(world_a.owner))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    exported = archive.read("patients.csv").decode()
    header = token_for(world_b.owner)
    dry = post(client, header, csv=exported).json()
    assert dry["errors"] == [] and set(dry["mapping"]) == set(PATIENT_COLUMNS) - {"id"}
    assert (
        post(client, header, csv=exported, dry_run=False, confirmed_lines=dry["good_lines"]).status_code
        == 200
    )

    fields = [c for c in PATIENT_COLUMNS if c != "id"]
    source = sorted(Patient.objects.filter(clinic=world_a.clinic).values_list(*fields))
    copied = sorted(
        Patient.objects.filter(clinic=world_b.clinic).exclude(pk=world_b.patient.pk).values_list(*fields)
    )
    assert copied == source


def test_the_import_pages_upload_map_check_and_import(signed_in, world_a, owner):
    client = signed_in(world_a.owner)
    page = client.get("/clinic/data/")
    assert page.status_code == 200 and "manage.py backup DIR" in page.content.decode()
    upload = io.BytesIO(OTHER_SYSTEM.encode())
    upload.name = "other.csv"
    mapped = client.post("/clinic/data/", {"step": "upload", "file": upload})
    assert mapped.status_code == 200
    page = mapped.content.decode()
    assert 'value="Surname" selected' in page
    form = {
        "step": "check",
        "csv_text": OTHER_SYSTEM,
        **{f"map_{k}": v for k, v in guess_mapping(read_csv(OTHER_SYSTEM).headers).items()},
    }
    checked = client.post("/clinic/data/", form)
    assert checked.status_code == 200
    text = checked.content.decode()
    assert "31/02/1985" in text and "also on line 2" in text
    before = Patient.objects.count()
    done = client.post("/clinic/data/", {**form, "step": "import", "line": ["2", "10"]})
    assert done.status_code == 302 and Patient.objects.count() == before + 2
    stale = client.post("/clinic/data/", {**form, "step": "import", "line": ["2", "10"]})
    assert stale.status_code == 409 and Patient.objects.count() == before + 2

    bad = io.BytesIO(b"\x00\x01\x02")
    bad.name = "photo.jpg"
    assert client.post("/clinic/data/", {"step": "upload", "file": bad}).status_code == 422


def test_rows_with_an_appointment_book_it_or_say_why_not(client, world_a, owner):
    from needlecare.scheduling.services.setup import set_working_hours

    set_working_hours(
        clinic=world_a.clinic,
        practitioner=world_a.practitioner,
        week=[(d, time(8), time(18)) for d in range(7)],
        by=world_a.owner,
    )
    day = clinic_today(world_a.clinic) + timedelta(days=3)
    past = clinic_today(world_a.clinic) - timedelta(days=3)
    who = world_a.practitioner.email
    text = (
        "given_name,family_name,date_of_birth,appointment_start,appointment_type,appointment_practitioner\n"
        f"Ines,Duarte,1990-01-01,{day} 10:00,consultation,{who}\n"
        f"Jon,Berg,1991-01-01,{past} 10:00,consultation,{who}\n"
        f"Kai,Lind,1992-01-01,{day} 11:00,massage,{who}\n"
        f"Lea,Roth,1993-01-01,{day} 12:00,consultation,nobody@example.org\n"
    )
    dry = post(client, owner, csv=text).json()
    assert dry["good_lines"] == [2] and dry["appointments"] == 1
    assert {e["line"]: e["field"] for e in dry["errors"]} == {
        3: "appointment_start",
        4: "appointment_type",
        5: "appointment_practitioner",
    }
    post(client, owner, csv=text, dry_run=False, confirmed_lines=[2])
    ines = Patient.objects.get(family_name="Duarte")
    assert apps.get_model("scheduling.Appointment").objects.filter(patient=ines).count() == 1


def test_a_windows_1252_file_keeps_its_accents_through_the_pages(signed_in, world_a):
    client = signed_in(world_a.owner)
    upload = io.BytesIO("given_name,family_name,date_of_birth\nZoë,Ní Bhriain,1990-01-01\n".encode("cp1252"))
    upload.name = "legacy.csv"
    page = client.post("/clinic/data/", {"step": "upload", "file": upload}).content.decode()
    assert "Ní Bhriain" in page
    text = "given_name,family_name,date_of_birth\nZoë,Ní Bhriain,1990-01-01\n"
    form = {"csv_text": text, "map_given_name": "given_name", "map_family_name": "family_name"}
    form["map_date_of_birth"] = "date_of_birth"
    assert client.post("/clinic/data/", {**form, "step": "import", "line": ["2"]}).status_code == 302
    assert Patient.objects.filter(given_name="Zoë", family_name="Ní Bhriain").exists()
