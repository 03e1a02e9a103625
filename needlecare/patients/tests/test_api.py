"""The patients API (/api/v1/patients): what it answers, what it writes, what it refuses.

Every refusal is checked twice: the answer (status, JSON `{"detail": ...}` naming the field) and the
database (no patient, intake or audit row added or changed)."""

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from needlecare.accounts.models import ApiToken
from needlecare.accounts.services import issue_token, revoke_token
from needlecare.audit.models import AuditEvent
from needlecare.audit.services import verify_chain
from needlecare.clinics.models import Membership
from needlecare.patients.models import Intake, Patient
from needlecare.testing.factories import make_intake, make_patient

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "given_name": "Amara",
    "family_name": "Okafor",
    "date_of_birth": "1988-04-12",
    "sex": "female",
    "email": "amara@example.test",
    "phone": "+44 7700 900123",
    "reference": "NC-0042",
}
_UNSET = object()


class Api:
    """The Django test client, speaking JSON to /api/v1 with one clinic's token."""

    def __init__(self, client, authorization: str | None) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.authorization = authorization

    def call(
        self,
        method: str,
        path: str,
        body: Any = _UNSET,
        *,
        raw: str | bytes | None = None,
        authorization: Any = _UNSET,
    ):  # type: ignore[no-untyped-def]
        header = self.authorization if authorization is _UNSET else authorization
        extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
        data: str | bytes = ""
        if raw is not None:
            data = raw
        elif body is not _UNSET:
            data = json.dumps(body)
        return self.client.generic(
            method, f"/api/v1{path}", data=data, content_type="application/json", **extra
        )

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = _UNSET, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.call("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = _UNSET, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.call("PATCH", path, body, **kwargs)


@pytest.fixture
def api(client, world_a, token_for) -> Api:  # type: ignore[no-untyped-def]
    return Api(client, token_for(world_a.front_desk))


def _snapshot() -> tuple[object, ...]:
    """Everything a request could write: each patient and intake row as stored, and the audit log."""
    return (
        list(Patient.objects.order_by("pk").values()),
        list(Intake.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _events_since(event_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=event_id).order_by("pk"))


def _names_field(detail: object, field: str) -> bool:
    """A 422 names its field: in `loc` of a validation entry, or at the start of a sentence."""
    if isinstance(detail, list):
        return any(field in entry["loc"] and entry["msg"] for entry in detail)
    return isinstance(detail, str) and detail.startswith(f"{field}:")


def _ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [item["id"] for item in response.json()["items"]]


# --- Listing and searching -------------------------------------------------------------------------


def test_list_answers_items_and_count_of_this_clinics_current_patients_only(api, world_a, world_b):
    second = make_patient(world_a.clinic, family_name="Zeller")
    archived = make_patient(world_a.clinic, family_name="Archer")
    archived.archived_at = archived.created_at
    archived.save()

    response = api.get("/patients")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 2
    assert _ids(response) == [str(world_a.patient.pk), str(second.pk)]  # by family name
    assert set(body["items"][0]) == {
        "id",
        "reference",
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "sex",
        "email",
        "phone",
        "address",
        "notes",
        "archived",
        "created_at",
        "updated_at",
    }
    assert _ids(api.get("/patients?archived=true")) == [str(archived.pk)]


def test_list_pages_with_limit_and_offset_while_count_stays_the_total(api, world_a):
    for n in range(4):
        make_patient(world_a.clinic, family_name=f"Page{n}")
    first = api.get("/patients?limit=2").json()
    rest = api.get("/patients?limit=2&offset=2").json()
    assert first["count"] == rest["count"] == 5
    assert len(first["items"]) == len(rest["items"]) == 2
    assert not set(map(str, (i["id"] for i in first["items"]))) & {i["id"] for i in rest["items"]}


@pytest.mark.parametrize(
    "query",
    [
        "Wanjiru",  # family name
        "wanj",  # part of it, any case
        "Grace Wanjiru",  # every word must match
        "1979-11-23",  # date of birth, ISO
        "23/11/1979",  # date of birth as clinics write it
        "07700 900555",  # phone as typed
        "07700900555",  # phone without spaces
        "grace.w@example.org",  # e-mail
        "NC-7",  # clinic reference
    ],
)
def test_search_finds_a_patient_by_name_birth_date_phone_email_or_reference(api, world_a, query):
    wanted = make_patient(
        world_a.clinic,
        given_name="Grace",
        family_name="Wanjiru",
        date_of_birth=date(1979, 11, 23),
        phone="07700 900555",
        email="grace.w@example.org",
        reference="NC-7",
    )
    response = api.get(f"/patients?q={query}")
    assert response.status_code == 200
    assert response.json() == {"items": [response.json()["items"][0]], "count": 1}
    assert _ids(response) == [str(wanted.pk)]


def test_search_that_matches_nobody_answers_an_empty_list(api):
    assert api.get("/patients?q=Nobody+Here").json() == {"items": [], "count": 0}


def test_search_never_finds_another_clinics_patient(api, world_b):
    response = api.get(f"/patients?q={world_b.patient.family_name}")
    assert response.json() == {"items": [], "count": 0}


def test_listing_and_searching_are_audited_without_the_search_text(api, world_a):
    before = _last_event_id()
    api.get("/patients")
    api.get("/patients?q=Family")
    events = _events_since(before)
    assert [e.action for e in events] == ["patient.list", "patient.search"]
    assert all(e.clinic_id == world_a.clinic.pk and e.user == world_a.front_desk for e in events)
    assert events[1].detail == {"results": 1, "via": "api"}  # the count, never the words searched


# --- Create, read, update, archive -----------------------------------------------------------------


def test_create_answers_201_with_the_stored_patient_and_audits_it(api, world_a):
    before = _last_event_id()
    response = api.post("/patients", NEW_PATIENT)

    assert response.status_code == 201
    body = response.json()
    patient = Patient.objects.get(pk=body["id"])
    assert patient.clinic == world_a.clinic
    assert {k: body[k] for k in NEW_PATIENT} == NEW_PATIENT
    assert body["archived"] is False and body["notes"] == "" and body["preferred_name"] == ""
    assert patient.phone_digits == "447700900123"
    [event] = _events_since(before)
    assert (event.action, event.patient_id, event.user) == ("patient.create", patient.pk, world_a.front_desk)


def test_create_trims_spaces_around_names(api):
    response = api.post("/patients", {**NEW_PATIENT, "given_name": "  Amara ", "reference": " R1 "})
    assert response.status_code == 201
    assert (response.json()["given_name"], response.json()["reference"]) == ("Amara", "R1")


def test_a_reference_is_unique_within_a_clinic_but_another_clinic_may_reuse_it(api, world_b, token_for):
    assert api.post("/patients", NEW_PATIENT).status_code == 201
    before = _snapshot()

    again = api.post("/patients", {**NEW_PATIENT, "given_name": "Other"})

    assert again.status_code == 409
    assert _names_field(again.json()["detail"], "reference")
    assert _snapshot() == before
    other_clinic = api.post("/patients", NEW_PATIENT, authorization=token_for(world_b.owner))
    assert other_clinic.status_code == 201


def test_read_answers_the_patient_and_audits_the_view(api, world_a):
    before = _last_event_id()
    response = api.get(f"/patients/{world_a.patient.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == str(world_a.patient.pk)
    assert response.json()["family_name"] == world_a.patient.family_name
    [event] = _events_since(before)
    assert (event.action, event.patient_id) == ("patient.view", world_a.patient.pk)


def test_patch_changes_only_the_fields_sent_and_audits_their_names_not_values(api, world_a):
    patient = world_a.patient
    before = _last_event_id()

    response = api.patch(f"/patients/{patient.pk}", {"preferred_name": "Ama", "notes": "Prefers mornings.\n"})

    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.preferred_name, patient.notes) == ("Ama", "Prefers mornings.\n")
    assert response.json()["family_name"] == patient.family_name  # left alone
    assert response.json()["email"] == patient.email
    [event] = _events_since(before)
    assert event.action == "patient.update"
    assert event.detail == {"fields": ["notes", "preferred_name"]}


def test_patch_with_nothing_to_change_changes_nothing(api, world_a):
    stored = Patient.objects.filter(pk=world_a.patient.pk).values("family_name", "email").get()
    response = api.patch(f"/patients/{world_a.patient.pk}", {})
    assert response.status_code == 200
    assert Patient.objects.filter(pk=world_a.patient.pk).values("family_name", "email").get() == stored


def test_archive_keeps_the_patient_readable_but_out_of_the_list_and_is_audited(api, world_a):
    patient_id = world_a.patient.pk
    before = _last_event_id()

    response = api.post(f"/patients/{patient_id}/archive")

    assert response.status_code == 200 and response.json()["archived"] is True
    assert Patient.objects.get(pk=patient_id).archived_at is not None
    assert str(patient_id) not in _ids(api.get("/patients"))
    assert str(patient_id) in _ids(api.get("/patients?archived=true"))
    assert api.get(f"/patients/{patient_id}").json()["archived"] is True
    assert [e.action for e in _events_since(before)][0] == "patient.archive"


def test_archiving_twice_keeps_the_first_archive_time(api, world_a):
    api.post(f"/patients/{world_a.patient.pk}/archive")
    first = Patient.objects.get(pk=world_a.patient.pk).archived_at
    assert api.post(f"/patients/{world_a.patient.pk}/archive").status_code == 200
    assert Patient.objects.get(pk=world_a.patient.pk).archived_at == first


# --- Intake versions -------------------------------------------------------------------------------


def test_each_intake_submission_is_a_new_version_and_earlier_versions_stay_as_they_were(api, world_a):
    patient = world_a.patient
    first = api.get(f"/patients/{patient.pk}/intakes/1").json()
    before = _last_event_id()

    second = api.post(
        f"/patients/{patient.pk}/intakes", {"answers": {"fitzpatrick": 4, "keloid_history": None}}
    )
    third = api.post(
        f"/patients/{patient.pk}/intakes", {"answers": {"fitzpatrick": 5, "allergies": ["nickel"]}}
    )

    assert (second.status_code, third.status_code) == (201, 201)
    assert (second.json()["version"], third.json()["version"]) == (2, 3)
    assert second.json()["source"] == "api" and second.json()["submitted_by"] == world_a.front_desk.email
    # Absent stays absent ("not asked") and null stays null ("unknown").
    assert second.json()["answers"] == {"fitzpatrick": 4, "keloid_history": None}
    assert api.get(f"/patients/{patient.pk}/intakes/1").json() == first
    assert first["answers"]["fitzpatrick"] == 3
    assert api.get(f"/patients/{patient.pk}/intakes/2").json()["answers"] == {
        "fitzpatrick": 4,
        "keloid_history": None,
    }
    submits = [e for e in _events_since(before) if e.action == "intake.submit"]
    assert [e.detail for e in submits] == [{"version": 2}, {"version": 3}]
    assert all(e.patient_id == patient.pk for e in submits)


def test_intake_list_answers_every_version_newest_first_and_audits_the_view(api, world_a):
    make_intake(world_a.patient, by=world_a.owner, fitzpatrick=2)
    before = _last_event_id()

    response = api.get(f"/patients/{world_a.patient.pk}/intakes")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [i["version"] for i in response.json()["items"]] == [2, 1]
    [event] = _events_since(before)
    assert (event.action, event.patient_id) == ("intake.view", world_a.patient.pk)


def test_reading_one_intake_version_is_audited_with_its_version(api, world_a):
    before = _last_event_id()
    assert api.get(f"/patients/{world_a.patient.pk}/intakes/1").status_code == 200
    [event] = _events_since(before)
    assert (event.action, event.detail) == ("intake.view", {"version": 1})


def test_a_version_that_does_not_exist_answers_404(api, world_a):
    response = api.get(f"/patients/{world_a.patient.pk}/intakes/2")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_archived_patient_takes_no_new_intake_and_says_why(api, world_a):
    api.post(f"/patients/{world_a.patient.pk}/archive")
    before = _snapshot()
    response = api.post(f"/patients/{world_a.patient.pk}/intakes", {"answers": {"fitzpatrick": 2}})
    assert response.status_code == 409
    assert "archived" in response.json()["detail"]
    assert _snapshot() == before


def test_the_audit_chain_still_verifies_after_api_reads_and_writes(api, world_a):
    created = api.post("/patients", NEW_PATIENT).json()
    api.patch(f"/patients/{created['id']}", {"notes": "x"})
    api.post(f"/patients/{created['id']}/intakes", {"answers": {"fitzpatrick": 2}})
    api.get(f"/patients/{created['id']}/intakes")
    assert verify_chain(world_a.clinic).ok


# --- Every endpoint: token auth and clinic isolation ------------------------------------------------

# (name, method, path with {patient}, body). The bodies are valid: only the token or the id is wrong.
ENDPOINTS = [
    ("list", "GET", "/patients", _UNSET),
    ("search", "GET", "/patients?q=Family", _UNSET),
    ("create", "POST", "/patients", NEW_PATIENT),
    ("read", "GET", "/patients/{patient}", _UNSET),
    ("update", "PATCH", "/patients/{patient}", {"family_name": "Changed"}),
    ("archive", "POST", "/patients/{patient}/archive", _UNSET),
    ("intake list", "GET", "/patients/{patient}/intakes", _UNSET),
    ("intake submit", "POST", "/patients/{patient}/intakes", {"answers": {"fitzpatrick": 2}}),
    ("intake read", "GET", "/patients/{patient}/intakes/1", _UNSET),
]
PATIENT_ENDPOINTS = [e for e in ENDPOINTS if "{patient}" in e[2]]


def _revoked(world, token_for):  # type: ignore[no-untyped-def]
    token, raw = issue_token(membership=Membership.objects.get(user=world.owner), name="old")
    revoke_token(token=token)
    return f"Bearer {raw}"


def _of_a_former_member(world, token_for):  # type: ignore[no-untyped-def]
    header = token_for(world.practitioner)
    Membership.objects.filter(user=world.practitioner).update(is_active=False)
    return header


BAD_TOKENS = {
    "missing": lambda world, token_for: None,
    "empty bearer": lambda world, token_for: "Bearer ",
    "wrong scheme": lambda world, token_for: token_for(world.owner).replace("Bearer", "Token"),
    "unknown token": lambda world, token_for: "Bearer nc_" + "x" * 43,
    "altered token": lambda world, token_for: token_for(world.owner)[:-1] + "!",
    "revoked token": _revoked,
    "token of a former member": _of_a_former_member,
}


@pytest.mark.parametrize("bad_token", BAD_TOKENS)
@pytest.mark.parametrize(("name", "method", "path", "body"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_without_a_valid_token_every_endpoint_answers_401_and_writes_nothing(
    api, world_a, token_for, bad_token, name, method, path, body
):
    header = BAD_TOKENS[bad_token](world_a, token_for)
    tokens = list(ApiToken.objects.order_by("pk").values())
    before = _snapshot()

    response = api.call(method, path.format(patient=world_a.patient.pk), body, authorization=header)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _snapshot() == before
    assert list(ApiToken.objects.order_by("pk").values()) == tokens  # not even "last used"


@pytest.mark.parametrize(
    ("name", "method", "path", "body"), PATIENT_ENDPOINTS, ids=[e[0] for e in PATIENT_ENDPOINTS]
)
def test_another_clinics_patient_answers_404_like_an_id_that_never_existed_and_nothing_is_written(
    api, world_b, name, method, path, body
):
    before = _snapshot()

    theirs = api.call(method, path.format(patient=world_b.patient.pk), body)
    nobodys = api.call(method, path.format(patient=uuid.uuid4()), body)

    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json() == {"detail": "Not found."}
    assert _snapshot() == before


# --- Bad input: 4xx naming the field, and nothing written -------------------------------------------

TOO_LONG_NAME = "x" * 81
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def _create(change: dict[str, Any], *, drop: str | None = None) -> dict[str, Any]:
    body = {**NEW_PATIENT, **change}
    if drop:
        del body[drop]
    return body


BAD_CREATES = [
    ("missing given_name", _create({}, drop="given_name"), "given_name"),
    ("missing family_name", _create({}, drop="family_name"), "family_name"),
    ("missing date_of_birth", _create({}, drop="date_of_birth"), "date_of_birth"),
    ("given_name a number", _create({"given_name": 5}), "given_name"),
    ("given_name null", _create({"given_name": None}), "given_name"),
    ("given_name blank", _create({"given_name": "   "}), "given_name"),
    ("given_name too long", _create({"given_name": TOO_LONG_NAME}), "given_name"),
    ("family_name with NUL", _create({"family_name": "Oka\x00for"}), "family_name"),
    ("family_name with a newline", _create({"family_name": "Oka\nfor"}), "family_name"),
    ("family_name not valid Unicode", _create({"family_name": "Oka\ud800for"}), "family_name"),
    ("preferred_name too long", _create({"preferred_name": TOO_LONG_NAME}), "preferred_name"),
    ("date_of_birth a number", _create({"date_of_birth": 19880412}), "date_of_birth"),
    ("date_of_birth true", _create({"date_of_birth": True}), "date_of_birth"),
    ("date_of_birth a timestamp string", _create({"date_of_birth": "576806400"}), "date_of_birth"),
    ("date_of_birth with a time", _create({"date_of_birth": "1988-04-12T00:00:00Z"}), "date_of_birth"),
    ("date_of_birth not a date", _create({"date_of_birth": "1988-02-30"}), "date_of_birth"),
    ("date_of_birth in the future", _create({"date_of_birth": TOMORROW}), "date_of_birth"),
    ("date_of_birth before 1900", _create({"date_of_birth": "1899-12-31"}), "date_of_birth"),
    ("date_of_birth null", _create({"date_of_birth": None}), "date_of_birth"),
    ("sex unknown value", _create({"sex": "banana"}), "sex"),
    ("email malformed", _create({"email": "amara.example.test"}), "email"),
    ("email null", _create({"email": None}), "email"),
    ("email too long", _create({"email": "a" * 250 + "@example.test"}), "email"),
    ("phone with letters", _create({"phone": "call me"}), "phone"),
    ("phone too long", _create({"phone": "0" * 31}), "phone"),
    ("reference too long", _create({"reference": "R" * 41}), "reference"),
    ("reference a list", _create({"reference": ["R1"]}), "reference"),
    ("address too long", _create({"address": "a" * 501}), "address"),
    ("notes too long", _create({"notes": "n" * 4001}), "notes"),
    ("notes with NUL", _create({"notes": "fine\x00"}), "notes"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_CREATES, ids=[c[0] for c in BAD_CREATES])
def test_create_refuses_bad_input_with_422_naming_the_field_and_writes_nothing(api, case, body, field):
    before = _snapshot()
    response = api.post("/patients", body)
    assert response.status_code == 422, response.content
    assert _names_field(response.json()["detail"], field), response.json()
    assert _snapshot() == before


BAD_PATCHES = [
    ("given_name null", {"given_name": None}, "given_name"),
    ("family_name blank", {"family_name": ""}, "family_name"),
    ("family_name too long", {"family_name": TOO_LONG_NAME}, "family_name"),
    ("date_of_birth null", {"date_of_birth": None}, "date_of_birth"),
    ("date_of_birth a number", {"date_of_birth": 5}, "date_of_birth"),
    ("date_of_birth in the future", {"date_of_birth": TOMORROW}, "date_of_birth"),
    ("sex null", {"sex": None}, "sex"),
    ("email malformed", {"email": "not-an-email"}, "email"),
    ("phone null", {"phone": None}, "phone"),
    ("notes too long", {"notes": "n" * 4001}, "notes"),
    ("notes with NUL", {"notes": "\x00"}, "notes"),
    ("preferred_name an object", {"preferred_name": {"a": 1}}, "preferred_name"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_PATCHES, ids=[c[0] for c in BAD_PATCHES])
def test_patch_refuses_bad_input_with_422_naming_the_field_and_changes_nothing(
    api, world_a, case, body, field
):
    before = _snapshot()
    response = api.patch(f"/patients/{world_a.patient.pk}", {"preferred_name": "Ama", **body})
    assert response.status_code == 422, response.content
    assert _names_field(response.json()["detail"], field), response.json()
    assert _snapshot() == before


def test_patch_may_not_take_a_reference_another_patient_has(api, world_a):
    make_patient(world_a.clinic, reference="TAKEN")
    before = _snapshot()
    response = api.patch(f"/patients/{world_a.patient.pk}", {"reference": "TAKEN"})
    assert response.status_code == 409
    assert _names_field(response.json()["detail"], "reference")
    assert _snapshot() == before


BAD_INTAKES = [
    ("fitzpatrick 7", {"fitzpatrick": 7}, "fitzpatrick"),
    ("fitzpatrick 0", {"fitzpatrick": 0}, "fitzpatrick"),
    ("fitzpatrick a string", {"fitzpatrick": "3"}, "fitzpatrick"),
    ("fitzpatrick a fraction", {"fitzpatrick": 3.5}, "fitzpatrick"),
    ("fitzpatrick true", {"fitzpatrick": True}, "fitzpatrick"),
    ("unknown key", {"fitzpatrik": 3}, "fitzpatrik"),
    ("yes/no as a string", {"keloid_history": "yes"}, "keloid_history"),
    ("yes/no as 1", {"bleeding_disorder": 1}, "bleeding_disorder"),
    ("choice not offered", {"active_acne_at_site": "severe"}, "active_acne_at_site"),
    ("date a number", {"isotretinoin_last_dose": 20240101}, "isotretinoin_last_dose"),
    ("date a timestamp string", {"filler_last_date": "1704067200"}, "filler_last_date"),
    ("date in another format", {"neurotoxin_last_date": "01/02/2024"}, "neurotoxin_last_date"),
    ("date impossible", {"laser_or_peel_last_date": "2024-02-30"}, "laser_or_peel_last_date"),
    ("never in capitals", {"filler_last_date": "Never"}, "filler_last_date"),
    ("never for the date of birth", {"date_of_birth": "never"}, "date_of_birth"),
    ("never for a yes/no", {"keloid_history": "never"}, "keloid_history"),
    ("date_of_birth a list", {"date_of_birth": ["1988-04-12"]}, "date_of_birth"),
    ("allergies a string", {"allergies": "nickel"}, "allergies"),
    ("allergy blank", {"allergies": [""]}, "allergies"),
    ("allergy too long", {"allergies": ["a" * 81]}, "allergies"),
    ("allergy with NUL", {"allergies": ["nick\x00el"]}, "allergies"),
    ("too many allergies", {"allergies": [f"a{n}" for n in range(41)]}, "allergies"),
]


@pytest.mark.parametrize(("case", "answers", "field"), BAD_INTAKES, ids=[c[0] for c in BAD_INTAKES])
def test_intake_refuses_bad_answers_with_422_naming_the_question_and_writes_nothing(
    api, world_a, case, answers, field
):
    before = _snapshot()
    response = api.post(f"/patients/{world_a.patient.pk}/intakes", {"answers": {"fitzpatrick": 2, **answers}})
    assert response.status_code == 422, response.content
    assert _names_field(response.json()["detail"], field), response.json()
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("case", "body"),
    [("answers missing", {}), ("answers null", {"answers": None}), ("answers a list", {"answers": [1]})],
)
def test_intake_without_an_answers_object_is_refused_and_writes_nothing(api, world_a, case, body):
    before = _snapshot()
    response = api.post(f"/patients/{world_a.patient.pk}/intakes", body)
    assert response.status_code == 422
    assert _names_field(response.json()["detail"], "answers")
    assert _snapshot() == before


def test_a_whole_number_written_as_3_point_0_is_the_integer_3(api, world_a):
    response = api.post(f"/patients/{world_a.patient.pk}/intakes", {"answers": {"fitzpatrick": 3.0}})
    assert response.status_code == 201
    assert response.json()["answers"] == {"fitzpatrick": 3}


UNREADABLE_BODIES = [
    ("malformed JSON", '{"given_name": "Amara",'),
    ("not JSON at all", "given_name=Amara"),
    ("not UTF-8", b"\xff\xfe{}"),
    ("a JSON list", "[]"),
    ("a JSON string", '"Amara"'),
    ("JSON null", "null"),
]
BODY_ENDPOINTS = [e for e in ENDPOINTS if e[3] is not _UNSET]


@pytest.mark.parametrize(("case", "raw"), UNREADABLE_BODIES, ids=[c[0] for c in UNREADABLE_BODIES])
@pytest.mark.parametrize(
    ("name", "method", "path", "body"), BODY_ENDPOINTS, ids=[e[0] for e in BODY_ENDPOINTS]
)
def test_a_body_that_is_not_a_json_object_answers_400_saying_so_and_writes_nothing(
    api, world_a, case, raw, name, method, path, body
):
    before = _snapshot()
    response = api.call(method, path.format(patient=world_a.patient.pk), raw=raw)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "request body" in detail and ("not valid JSON" in detail or "must be a JSON object" in detail)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("name", "method", "path", "body"), BODY_ENDPOINTS, ids=[e[0] for e in BODY_ENDPOINTS]
)
def test_an_empty_body_answers_422_asking_for_a_json_object_and_writes_nothing(
    api, world_a, name, method, path, body
):
    before = _snapshot()
    response = api.call(method, path.format(patient=world_a.patient.pk), raw="")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][0] == "body" and error["msg"] == "A request body is required: send a JSON object."
    assert _snapshot() == before


BAD_QUERIES = [
    ("limit 0", "limit=0", "limit"),
    ("limit over 200", "limit=201", "limit"),
    ("limit not a number", "limit=ten", "limit"),
    ("negative offset", "offset=-1", "offset"),
    ("archived not a boolean", "archived=maybe", "archived"),
    ("search over 100 characters", "q=" + "a" * 101, "q"),
    ("search with NUL", "q=ab%00cd", "q"),
    ("misspelt parameter", "search=Okafor", "search"),
]


@pytest.mark.parametrize(("case", "query", "field"), BAD_QUERIES, ids=[c[0] for c in BAD_QUERIES])
def test_list_refuses_bad_parameters_with_422_naming_them_and_audits_nothing(api, case, query, field):
    before = _snapshot()
    response = api.get(f"/patients?{query}")
    assert response.status_code == 422
    assert _names_field(response.json()["detail"], field), response.json()
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("name", "method", "path", "body"),
    [e for e in PATIENT_ENDPOINTS],
    ids=[e[0] for e in PATIENT_ENDPOINTS],
)
def test_a_patient_id_that_is_not_a_uuid_answers_422_naming_it_and_writes_nothing(
    api, name, method, path, body
):
    before = _snapshot()
    response = api.call(method, path.format(patient="12345"), body)
    assert response.status_code == 422
    assert _names_field(response.json()["detail"], "patient_id")
    assert _snapshot() == before


@pytest.mark.parametrize("version", ["0", "-1", "two", "99999999999999999999"])
def test_an_intake_version_that_is_not_a_positive_number_answers_422_naming_it(api, world_a, version):
    before = _snapshot()
    response = api.get(f"/patients/{world_a.patient.pk}/intakes/{version}")
    assert response.status_code == 422
    assert _names_field(response.json()["detail"], "version")
    assert _snapshot() == before


# --- Errors are JSON, always ------------------------------------------------------------------------


def test_an_unexpected_error_answers_json_500_and_is_logged(api, world_a, monkeypatch, caplog):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database on fire")

    monkeypatch.setattr("needlecare.patients.services.record_patient_read", broken)
    response = api.get(f"/patients/{world_a.patient.pk}")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side and has been logged. Please try again later."
    }
    assert "database on fire" in caplog.text


def test_the_openapi_document_declares_every_error_a_patient_operation_can_answer(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/patients") or "/screenings" in path:
            continue
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "401", "404", "422"} <= declared, (method, path)
            is_patient_write = "patients" in operation.get("tags", []) and method in {"post", "patch"}
            if is_patient_write and not path.endswith("/archive"):
                assert "409" in declared, (method, path)


def test_a_date_question_takes_a_date_never_or_null_and_keeps_each(api, world_a):
    answers = {
        "isotretinoin_last_dose": "never",
        "filler_last_date": None,
        "neurotoxin_last_date": "2026-01-05",
    }
    response = api.post(f"/patients/{world_a.patient.pk}/intakes", {"answers": answers})
    assert response.status_code == 201, response.content
    assert response.json()["answers"] == answers
    assert world_a.patient.intakes.get(version=2).answers == answers


def test_the_openapi_document_shows_date_never_or_null_for_each_date_question(client):
    from needlecare.patients.intake import LAST_DATE_FIELDS

    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    intake = next(
        schema
        for name, schema in schemas.items()
        if name.startswith("Intake") and "properties" in schema and "filler_last_date" in schema["properties"]
    )
    for field in LAST_DATE_FIELDS:
        text = json.dumps(intake["properties"][field])
        assert '"format": "date"' in text and '"const": "never"' in text and '"type": "null"' in text, field
    assert "never" not in json.dumps(intake["properties"]["date_of_birth"])
