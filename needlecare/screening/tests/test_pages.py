"""Screening pages and API: run, read, override; front desk reads but never decides."""

from datetime import date

import pytest

from needlecare.factories import make_intake
from needlecare.screening.models import ScreeningDecision, ScreeningOverride

pytestmark = pytest.mark.django_db


def test_practitioner_screens_from_the_patient_page_and_sees_the_decision(client, world_a):
    client.force_login(world_a.practitioner)
    page = client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    assert "Screen now" in page and "Not screened yet." in page
    response = client.post(f"/patients/{world_a.patient.pk}/screening/run/")
    decision = ScreeningDecision.objects.get(patient=world_a.patient)
    assert response["Location"] == f"/patients/{world_a.patient.pk}/screening/{decision.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Eligible" in detail and "A session may go ahead." in detail
    assert "a session may go ahead" in client.get(f"/patients/{world_a.patient.pk}/").content.decode()


def test_each_finding_shows_its_message_and_source(client, world_a):
    make_intake(world_a.patient, anticoagulant="anticoagulant", herpes_simplex_history=True)
    client.force_login(world_a.owner)
    client.post(f"/patients/{world_a.patient.pk}/screening/run/", follow=True)
    decision = ScreeningDecision.objects.get()
    page = client.get(f"/patients/{world_a.patient.pk}/screening/{decision.pk}/").content.decode()
    for finding in decision.findings:
        assert finding["source"] in page and finding["rule"] in page
    assert "Record the written clearance" in page


def test_front_desk_reads_screening_but_cannot_run_or_override_it(client, world_a):
    make_intake(world_a.patient, anticoagulant="antiplatelet")
    client.force_login(world_a.practitioner)
    client.post(f"/patients/{world_a.patient.pk}/screening/run/")
    decision = ScreeningDecision.objects.get()
    client.force_login(world_a.front_desk)
    assert client.post(f"/patients/{world_a.patient.pk}/screening/run/").status_code == 403
    url = f"/patients/{world_a.patient.pk}/screening/{decision.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url + "override/", {"reason": "front desk says so"}).status_code == 403
    assert ScreeningDecision.objects.count() == 1 and not ScreeningOverride.objects.exists()


def test_override_form_refuses_missing_clearance_details_and_writes_nothing(client, world_a):
    make_intake(world_a.patient, bleeding_disorder=True)
    client.force_login(world_a.practitioner)
    client.post(f"/patients/{world_a.patient.pk}/screening/run/")
    decision = ScreeningDecision.objects.get()
    url = f"/patients/{world_a.patient.pk}/screening/{decision.pk}/override/"
    response = client.post(url, {"reason": "haematologist ok", "clearance_dated": "not a date"})
    assert response.status_code == 422
    assert not ScreeningOverride.objects.exists()
    ok = client.post(
        url,
        {
            "reason": "haematologist ok",
            "clearance_from": "Dr Byrne, haematology",
            "clearance_dated": "2026-11-20",
            "document_reference": "letter-2026-11-20.pdf",
        },
    )
    assert ok.status_code == 302 and ScreeningOverride.objects.count() == 1


def test_run_screening_without_intake_explains_why(client, world_a):
    from needlecare.factories import make_patient

    patient = make_patient(world_a.clinic)
    client.force_login(world_a.practitioner)
    page = client.post(f"/patients/{patient.pk}/screening/run/", follow=True).content.decode()
    assert "no intake yet" in page


def test_evaluate_answers_exactly_the_contract_shape(client, world_a, token_for):
    response = client.post(
        "/api/v1/screening/evaluate",
        {
            "intake": {"isotretinoin_last_dose": "2026-08-01", "pregnant_or_breastfeeding": False},
            "on": "2026-11-25",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.front_desk),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"outcome", "defer_until", "findings", "protocol"}
    assert body["outcome"] == "deferred" and body["defer_until"] == "2027-02-01"
    assert all(set(f) == {"rule", "severity", "message", "source"} for f in body["findings"])
    assert set(body["protocol"]) == {"name", "version"} and len(body["protocol"]["version"]) == 64
    assert not ScreeningDecision.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"intake": {"fitzpatrick": 9}, "on": "2026-11-25"}, "fitzpatrick"),
        ({"intake": {"pregnant": True}, "on": "2026-11-25"}, "pregnant"),
        ({"intake": {"isotretinoin_last_dose": 20260101}, "on": "2026-11-25"}, "isotretinoin_last_dose"),
        ({"intake": {}, "on": 20261125}, "on"),
        ({"intake": {}, "on": "25/11/2026"}, "on"),
        ({"intake": "yes", "on": "2026-11-25"}, "intake"),
        ({"on": "2026-11-25"}, "intake"),
    ],
)
def test_a_malformed_intake_answers_422_naming_each_bad_field(client, world_a, token_for, payload, field):
    response = client.post(
        "/api/v1/screening/evaluate",
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.owner),
    )
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


def test_api_screens_a_patient_and_records_an_override(client, world_a, token_for):
    make_intake(world_a.patient, keloid_history=True)
    header = token_for(world_a.practitioner)
    url = f"/api/v1/patients/{world_a.patient.pk}/screenings"
    created = client.post(
        url, {"on": "2026-11-25"}, content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert created.status_code == 201
    body = created.json()
    assert (
        body["outcome"] == "clearance" and body["intake_version"] == 2 and body["valid_until"] == "2026-12-25"
    )
    override = client.post(
        f"{url}/{body['id']}/override",
        {
            "reason": "Dermatologist reviewed",
            "clearance_from": "Dr Kim, dermatology",
            "clearance_dated": "2026-11-24",
            "document_reference": "derm-letter.pdf",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert (
        override.status_code == 200
        and override.json()["override"]["overridden_by"] == world_a.practitioner.email
    )
    listed = client.get(url, HTTP_AUTHORIZATION=header).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_api_front_desk_cannot_screen(client, world_a, token_for):
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/screenings",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.front_desk),
    )
    assert response.status_code == 403 and not ScreeningDecision.objects.exists()


def test_owner_adopts_a_changed_protocol_from_the_page_and_a_broken_one_is_explained(client, world_a):
    from needlecare.protocols.models import ClinicProtocol
    from needlecare.protocols.services import default_text

    client.force_login(world_a.owner)
    page = client.get("/clinic/protocol/")
    assert page.status_code == 200 and "needlecare-default" in page.content.decode()
    broken = client.post(
        "/clinic/protocol/", {"text": default_text().replace('field = "keloid_history"', 'field = "keloids"')}
    )
    assert broken.status_code == 422 and "keloids" in broken.content.decode()
    assert not ClinicProtocol.objects.exists()
    changed = default_text().replace("valid_days = 30", "valid_days = 21")
    assert client.post("/clinic/protocol/", {"text": changed, "note": "3 weeks"}).status_code == 302
    adoption = ClinicProtocol.objects.get(clinic=world_a.clinic)
    assert "valid_days = 21" in adoption.protocol.text
    assert client.get(f"/clinic/protocol/{adoption.protocol_id}/").status_code == 200
    client.force_login(world_a.practitioner)
    assert client.get("/clinic/protocol/").status_code == 403


def test_screening_date_defaults_to_the_clinics_local_day(world_a):
    from needlecare.core.clock import clinic_today

    assert isinstance(clinic_today(world_a.clinic), date)


def test_the_patients_version_is_in_plain_words_without_rule_ids_or_sources(client, world_a):
    make_intake(world_a.patient, isotretinoin_last_dose="2026-08-01")
    client.force_login(world_a.front_desk)
    from needlecare.screening.services import screen_patient

    decision = screen_patient(patient=world_a.patient, by=world_a.practitioner, on=date(2026, 11, 25))
    page = client.get(f"/patients/{world_a.patient.pk}/screening/{decision.pk}/patient/").content.decode()
    assert "We need to wait a little before treating you." in page
    assert "1 February 2027" in page
    assert decision.findings[0]["patient_message"] in page
    assert "Waldman" not in page and "isotretinoin</strong>" not in page


def test_patient_page_lists_earlier_screenings(client, world_a):
    from needlecare.screening.services import screen_patient

    first = screen_patient(patient=world_a.patient, by=world_a.practitioner)
    screen_patient(patient=world_a.patient, by=world_a.practitioner)
    client.force_login(world_a.owner)
    page = client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    assert "Earlier screenings" in page and str(first.pk) in page


# Issue 13: the stateless evaluator takes the new shapes.


def _evaluate(client, token, payload):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/screening/evaluate", payload, content_type="application/json", HTTP_AUTHORIZATION=token
    )


def test_evaluate_takes_never_and_reads_a_left_out_date_as_not_asked(client, world_a, token_for):
    from needlecare.patients.intake import CLEAN_ANSWERS

    token = token_for(world_a.owner)
    answers = {**CLEAN_ANSWERS, "date_of_birth": "1985-01-01"}
    assert _evaluate(client, token, {"intake": answers, "on": "2026-11-25"}).json()["outcome"] == "eligible"
    asked_nothing = {k: v for k, v in answers.items() if k != "isotretinoin_last_dose"}
    body = _evaluate(client, token, {"intake": asked_nothing, "on": "2026-11-25"}).json()
    assert body["outcome"] == "deferred"
    assert [f["rule"] for f in body["findings"]] == ["not_asked:isotretinoin_last_dose"]


def test_evaluate_applies_the_prp_rules_only_when_the_plan_lists_prp(client, world_a, token_for):
    from needlecare.patients.intake import CLEAN_ANSWERS

    token = token_for(world_a.owner)
    answers = {**CLEAN_ANSWERS, "date_of_birth": "1985-01-01", "bloodborne_infection": "positive"}
    plain = _evaluate(client, token, {"intake": answers, "on": "2026-11-25"}).json()
    prp = _evaluate(client, token, {"intake": answers, "on": "2026-11-25", "adjuncts": ["prp"]}).json()
    assert plain["outcome"] == "eligible"
    assert prp["outcome"] == "clearance"
    assert prp["findings"][0]["source"].startswith("Stadelman-Behar 2024")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"intake": {}, "on": "2026-11-25", "adjuncts": ["laser"]}, "adjuncts"),
        ({"intake": {}, "on": "2026-11-25", "adjuncts": "prp"}, "adjuncts"),
        ({"intake": {"filler_last_date": "nope"}, "on": "2026-11-25"}, "filler_last_date"),
    ],
)
def test_evaluate_refuses_an_unknown_adjunct_or_a_bad_date_with_422(
    client, world_a, token_for, payload, field
):
    response = _evaluate(client, token_for(world_a.owner), payload)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
