"""Patient pages: search, create, edit, archive, intake versions; bad input writes nothing."""

from datetime import date, timedelta

import pytest

from needlecare.audit.models import AuditEvent
from needlecare.patients.models import Intake, Patient
from needlecare.testing.factories import make_patient

pytestmark = pytest.mark.django_db

GOOD = {
    "given_name": "Amara",
    "family_name": "Okafor",
    "date_of_birth": "1988-04-12",
    "sex": "female",
    "email": "amara@example.test",
    "phone": "+44 7700 900123",
}


def _counts() -> tuple[int, int, int]:
    return Patient.objects.count(), Intake.objects.count(), AuditEvent.objects.count()


def test_staff_create_a_patient_and_land_on_their_page(client, world_a):
    client.force_login(world_a.front_desk)
    response = client.post("/patients/new/", GOOD)
    patient = Patient.objects.get(family_name="Okafor")
    assert response["Location"] == f"/patients/{patient.pk}/"
    assert patient.clinic == world_a.clinic and patient.phone_digits == "447700900123"
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Amara Okafor was added." in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": ""}, "given_name"),
        ({"family_name": "x" * 81}, "family_name"),
        ({"date_of_birth": "not a date"}, "date_of_birth"),
        ({"date_of_birth": (date.today() + timedelta(days=2)).isoformat()}, "date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"sex": "banana"}, "sex"),
        ({"notes": "x" * 4001}, "notes"),
    ],
)
def test_bad_patient_input_is_refused_with_the_field_named_and_nothing_written(
    client, world_a, change, field
):
    client.force_login(world_a.owner)
    before = _counts()
    response = client.post("/patients/new/", {**GOOD, **change})
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert _counts() == before
    # The form keeps what was typed.
    assert 'value="Okafor"' in response.content.decode() or field == "family_name"


def test_duplicate_clinic_reference_is_refused_but_other_clinics_may_reuse_it(client, world_a, world_b):
    make_patient(world_a.clinic, reference="REF-1")
    client.force_login(world_a.owner)
    response = client.post("/patients/new/", {**GOOD, "reference": "REF-1"})
    assert response.status_code == 422 and "reference" in response.context["form"].errors
    client.force_login(world_b.owner)
    assert client.post("/patients/new/", {**GOOD, "reference": "REF-1"}).status_code == 302


def test_edit_saves_changes_and_refuses_bad_ones(client, world_a):
    client.force_login(world_a.owner)
    url = f"/patients/{world_a.patient.pk}/edit/"
    assert client.post(url, {**GOOD, "phone": "07700 900999"}).status_code == 302
    world_a.patient.refresh_from_db()
    assert world_a.patient.phone == "07700 900999"
    assert client.post(url, {**GOOD, "email": "nope"}).status_code == 422
    world_a.patient.refresh_from_db()
    assert world_a.patient.email == GOOD["email"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("okafor", True),
        ("AMARA OKA", True),
        ("1988-04-12", True),
        ("12/04/1988", True),
        ("900123", True),
        ("7700 900 123", True),
        ("amara@example", True),
        ("smith", False),
        ("1999-01-01", False),
    ],
)
def test_search_finds_by_name_birth_date_phone_or_email(client, world_a, query, found):
    make_patient(world_a.clinic, **{k: v for k, v in GOOD.items()})
    client.force_login(world_a.front_desk)
    response = client.get("/patients/", {"q": query})
    names = [p.family_name for p in response.context["page"].object_list]
    assert ("Okafor" in names) is found


def test_search_never_shows_another_clinics_patients(client, world_a, world_b):
    client.force_login(world_b.owner)
    response = client.get("/patients/", {"q": world_a.patient.family_name})
    assert world_a.patient not in list(response.context["page"].object_list)


def test_list_paginates_and_htmx_gets_only_the_results(client, world_a):
    for n in range(30):
        make_patient(world_a.clinic, family_name=f"Zed{n:02d}")
    client.force_login(world_a.owner)
    page2 = client.get("/patients/", {"page": 2})
    assert page2.context["page"].number == 2 and len(page2.context["page"].object_list) == 6
    partial = client.get("/patients/", {"q": "Zed"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "Zed00" in partial.content.decode()
    assert client.get("/patients/", {"page": "999"}).status_code == 200
    assert client.get("/patients/", {"q": "x" * 500}).status_code == 200


def test_archive_hides_a_patient_from_the_list_without_deleting_and_restore_brings_them_back(client, world_a):
    client.force_login(world_a.front_desk)
    pid = world_a.patient.pk
    client.post(f"/patients/{pid}/archive/")
    assert Patient.objects.filter(pk=pid, archived_at__isnull=False).exists()
    assert world_a.patient not in list(client.get("/patients/").context["page"].object_list)
    archived = client.get("/patients/", {"archived": "on"}).context["page"].object_list
    assert world_a.patient in list(archived)
    assert client.get(f"/patients/{pid}/").status_code == 200
    assert client.get(f"/patients/{pid}/intake/new/").status_code == 404  # no new intake while archived
    client.post(f"/patients/{pid}/restore/")
    assert Patient.objects.get(pk=pid).archived_at is None


def test_archive_needs_post(client, world_a):
    client.force_login(world_a.owner)
    assert client.get(f"/patients/{world_a.patient.pk}/archive/").status_code == 405


INTAKE = {
    "date_of_birth": "1985-02-01",
    "fitzpatrick": "4",
    "pregnant_or_breastfeeding": "no",
    "keloid_history": "unknown",
    "anticoagulant": "antiplatelet",
    "isotretinoin_last_dose__state": "date",
    "isotretinoin_last_dose": "2026-09-01",
    "neurotoxin_last_date__state": "unknown",
    "allergies": "lidocaine\nnickel",
    "smoker": "yes",
    "sun_exposure": "high",
}


@pytest.mark.parametrize("role", ["owner", "practitioner", "front_desk"])
def test_any_role_enters_intake_and_it_becomes_a_new_version(client, world_a, role):
    client.force_login(world_a.member(role))
    url = f"/patients/{world_a.patient.pk}/intake/new/"
    assert client.post(url, INTAKE).status_code == 302
    intake = world_a.patient.intakes.get(version=2)
    assert intake.answers == {
        "date_of_birth": "1985-02-01",
        "fitzpatrick": 4,
        "pregnant_or_breastfeeding": False,
        "keloid_history": None,
        "anticoagulant": "antiplatelet",
        "isotretinoin_last_dose": "2026-09-01",
        "neurotoxin_last_date": None,
        "allergies": ["lidocaine", "nickel"],
        "smoker": True,
        "sun_exposure": "high",
    }
    assert intake.submitted_by == world_a.member(role)


def test_the_intake_form_says_why_smoking_and_sun_are_asked(client, world_a):
    client.force_login(world_a.front_desk)
    page = client.get(f"/patients/{world_a.patient.pk}/intake/new/").content.decode()
    assert "Do you smoke?" in page and "Not a reason to refuse treatment" in page
    assert "A lot: outdoors most days" in page and "helps us plan your maintenance" in page


def test_earlier_intake_versions_stay_unchanged_and_readable(client, world_a):
    client.force_login(world_a.owner)
    first = dict(world_a.intake.answers)
    client.post(f"/patients/{world_a.patient.pk}/intake/new/", INTAKE)
    world_a.intake.refresh_from_db()
    assert world_a.intake.answers == first
    page = client.get(f"/patients/{world_a.patient.pk}/intake/1/")
    assert page.status_code == 200
    assert client.get(f"/patients/{world_a.patient.pk}/intake/9/").status_code == 404
    with pytest.raises(ValueError):
        world_a.intake.save()


def test_intake_form_prefills_from_the_latest_version(client, world_a):
    client.force_login(world_a.owner)
    client.post(f"/patients/{world_a.patient.pk}/intake/new/", INTAKE)
    form = client.get(f"/patients/{world_a.patient.pk}/intake/new/").context["form"]
    assert form.initial["fitzpatrick"] == "4" and form.initial["keloid_history"] == "unknown"
    assert form.initial["isotretinoin_last_dose__state"] == "date"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fitzpatrick": "7"}, "fitzpatrick"),
        ({"pregnant_or_breastfeeding": "maybe"}, "pregnant_or_breastfeeding"),
        ({"isotretinoin_last_dose": ""}, "isotretinoin_last_dose"),
        ({"isotretinoin_last_dose": "31/31/2026"}, "isotretinoin_last_dose"),
        ({"allergies": "x" * 2001}, "allergies"),
        ({"allergies": "y" * 81}, "allergies"),
        ({"active_acne_at_site": "severe"}, "active_acne_at_site"),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(client, world_a, change, field):
    client.force_login(world_a.owner)
    before = _counts()
    response = client.post(f"/patients/{world_a.patient.pk}/intake/new/", {**INTAKE, **change})
    assert response.status_code == 422
    assert field in response.context["form"].errors, response.context["form"].errors
    assert _counts() == before


def test_patient_page_shows_the_latest_answers_and_flags_unknowns(client, world_a):
    client.force_login(world_a.owner)
    client.post(f"/patients/{world_a.patient.pk}/intake/new/", INTAKE)
    page = client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    assert "unknown — confirm with the patient" in page
    assert "Intake version 2" in page and "Intake version 1" in page


# ---------------------------------------------------------------------------------------------------------
# Issue 13: "never" is an answer to a date question; "not asked" is something else
# ---------------------------------------------------------------------------------------------------------


def test_every_date_question_offers_never_apart_from_not_asked(client, world_a):
    from needlecare.patients.intake import LAST_DATE_FIELDS

    client.force_login(world_a.front_desk)
    form = client.get(f"/patients/{world_a.patient.pk}/intake/new/").context["form"]
    for field in LAST_DATE_FIELDS:
        choices = dict(form.fields[f"{field}__state"].choices)
        assert choices["never"] == "Never" and choices[""] == "— not asked —", field


def test_never_is_stored_as_never_and_not_asked_leaves_the_question_out(client, world_a):
    client.force_login(world_a.owner)
    answers = {
        **INTAKE,
        "filler_last_date__state": "never",
        "filler_last_date": "2026-01-01",  # a date left in the box does not count when "never" is chosen
        "laser_or_peel_last_date__state": "",
    }
    assert client.post(f"/patients/{world_a.patient.pk}/intake/new/", answers).status_code == 302
    stored = world_a.patient.intakes.get(version=2).answers
    assert stored["filler_last_date"] == "never"
    assert "laser_or_peel_last_date" not in stored
    form = client.get(f"/patients/{world_a.patient.pk}/intake/new/").context["form"]
    assert form.initial["filler_last_date__state"] == "never"
    assert form.initial.get("laser_or_peel_last_date__state", "") == ""  # "not asked"
    page = client.get(f"/patients/{world_a.patient.pk}/intake/2/").content.decode()
    assert "Never" in page and "not asked" in page


def test_the_portal_intake_offers_never_for_each_date_question(client, world_a):
    from needlecare.patients.forms import IntakeForm
    from needlecare.patients.intake import LAST_DATE_FIELDS

    # The portal renders the same form (portal/views.py: IntakeForm) and the same question template.
    form = IntakeForm(initial_answers={"isotretinoin_last_dose": "never"})
    assert form.initial["isotretinoin_last_dose__state"] == "never"
    html = str(form["isotretinoin_last_dose__state"])
    assert '<option value="never" selected>Never</option>' in html
    assert all(f"{field}__state" in form.fields for field in LAST_DATE_FIELDS)
