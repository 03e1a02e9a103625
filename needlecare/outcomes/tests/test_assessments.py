"""Assessments: recorded through the service, the tablet page and the API; out-of-range scores refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.audit.models import AuditEvent
from needlecare.outcomes.models import Assessment, ClinicScale
from needlecare.outcomes.services import AssessmentInput, AssessmentRefused, define_scale, record_assessment
from needlecare.testing.clock import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "frozen_today")]


def entry(**changes):  # type: ignore[no-untyped-def]
    data = {
        "scale": "wrinkle_severity",
        "value": Decimal(4),
        "assessed_on": TODAY,
        "zone": "periorbital",
        "indication": "fine_lines",
        "rater": "clinician",
        "is_baseline": True,
    }
    data.update(changes)
    return AssessmentInput(**data)


def test_recording_an_assessment_stores_it_and_audits_it(world_a):
    a = record_assessment(patient=world_a.patient, by=world_a.practitioner, data=entry())
    assert (a.scale, a.value, a.is_baseline, a.clinic_id) == ("wrinkle_severity", 4, True, world_a.clinic.pk)
    event = AuditEvent.objects.filter(action="assessment.record").get()
    assert event.patient_id == world_a.patient.pk and event.object_id == str(a.pk)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"value": Decimal(6)}, "value"),
        ({"value": Decimal(0)}, "value"),
        ({"value": Decimal("2.5")}, "value"),
        ({"value": None}, "value"),
        ({"scale": "made_up"}, "scale"),
        ({"zone": "elbow"}, "zone"),
        ({"indication": "tattoo"}, "indication"),
        ({"rater": "robot"}, "rater"),
        ({"assessed_on": TODAY + timedelta(days=1)}, "assessed_on"),
        ({"scale": "gais", "value": Decimal(3), "is_baseline": True}, "is_baseline"),
    ],
)
def test_bad_assessments_are_refused_naming_the_field_and_write_nothing(world_a, changes, field):
    with pytest.raises(AssessmentRefused) as refused:
        record_assessment(patient=world_a.patient, by=world_a.practitioner, data=entry(**changes))
    assert field in refused.value.message_dict
    assert not Assessment.objects.exists()


def test_goodman_baron_quantitative_stores_the_counts_and_computes_the_score(world_a):
    a = record_assessment(
        patient=world_a.patient,
        by=world_a.practitioner,
        data=entry(
            scale="goodman_baron_quantitative",
            value=None,
            indication="acne_scars",
            zone="cheeks",
            scar_counts={"punched_shallow_small": 14, "macular": 3},
        ),
    )
    assert a.value == 2 * 2 + 1 and a.components == {
        "scar_counts": {"punched_shallow_small": 14, "macular": 3}
    }
    with pytest.raises(AssessmentRefused):
        record_assessment(
            patient=world_a.patient,
            by=world_a.practitioner,
            data=entry(scale="goodman_baron_quantitative", value=Decimal(10), scar_counts={"macular": 3}),
        )


def test_a_clinic_scale_is_used_like_a_standard_one_and_only_in_its_clinic(world_a, world_b):
    define_scale(
        clinic=world_a.clinic,
        by=world_a.owner,
        data={
            "key": "redness",
            "name": "Redness",
            "minimum": 0,
            "maximum": 10,
            "better": "lower",
            "labels": {},
        },
    )
    a = record_assessment(
        patient=world_a.patient, by=world_a.practitioner, data=entry(scale="redness", value=Decimal(7))
    )
    assert a.clinic_scale == ClinicScale.objects.get()
    with pytest.raises(AssessmentRefused) as refused:
        record_assessment(
            patient=world_a.patient, by=world_a.practitioner, data=entry(scale="redness", value=Decimal(11))
        )
    assert "0 to 10" in refused.value.message_dict["value"][0]
    with pytest.raises(AssessmentRefused):
        record_assessment(patient=world_b.patient, by=world_b.practitioner, data=entry(scale="redness"))


def test_a_clinic_scale_cannot_take_a_standard_name_or_an_empty_range(world_a):
    from django.core.exceptions import ValidationError

    base = {"name": "X", "minimum": 0, "maximum": 10, "better": "lower", "labels": {}}
    with pytest.raises(ValidationError):
        define_scale(clinic=world_a.clinic, by=world_a.owner, data={**base, "key": "gais"})
    with pytest.raises(ValidationError):
        define_scale(clinic=world_a.clinic, by=world_a.owner, data={**base, "key": "x", "minimum": 10})
    with pytest.raises(ValidationError):
        define_scale(
            clinic=world_a.clinic, by=world_a.owner, data={**base, "key": "x", "labels": {"12": "no"}}
        )


def test_a_session_or_photo_of_another_patient_cannot_be_linked(world_a, world_b):
    from needlecare.testing.factories import make_patient

    other = make_patient(world_a.clinic, by=world_a.owner)
    from needlecare.outcomes.models import Photo

    photo = Photo.objects.create(
        clinic=world_a.clinic, patient=other, taken_on=TODAY, view="front", zone="cheeks", file="x",
        thumbnail="y", width=1, height=1, bytes=1, uploaded_format="JPEG", sha256="0",
    )  # fmt: skip
    with pytest.raises(AssessmentRefused) as refused:
        record_assessment(patient=world_a.patient, by=world_a.practitioner, data=entry(photo_ids=[photo.pk]))
    assert "photo_ids" in refused.value.message_dict


# --- Pages -----------------------------------------------------------------------------------------


def page_data(**changes):  # type: ignore[no-untyped-def]
    data = {
        "scale": "wrinkle_severity",
        "value": "4",
        "assessed_on": TODAY.isoformat(),
        "zone": "periorbital",
        "indication": "fine_lines",
        "rater": "clinician",
        "is_baseline": "on",
        "notes": "",
    }
    data.update(changes)
    return data


def test_the_tablet_page_builds_the_form_from_the_scale_and_saves(client, world_a):
    client.force_login(world_a.practitioner)
    url = f"/patients/{world_a.patient.pk}/assessments/new/"
    chooser = client.get(url)
    assert chooser.status_code == 200 and "?scale=gais" in chooser.content.decode()
    form = client.get(url + "?scale=wrinkle_severity").content.decode()
    assert 'type="radio"' in form and "Extreme" in form and 'name="is_baseline"' in form
    gais = client.get(url + "?scale=gais").content.decode()
    assert "Exceptional improvement" in gais and 'name="is_baseline"' not in gais
    quantitative = client.get(url + "?scale=goodman_baron_quantitative").content.decode()
    assert 'name="scars_keloidal"' in quantitative
    saved = client.post(url, page_data())
    assert saved.status_code == 302 and saved["Location"] == f"/patients/{world_a.patient.pk}/outcomes/"
    assert Assessment.objects.get().value == 4


@pytest.mark.parametrize("value", ["6", "0", "2.5", "abc", ""])
def test_the_page_refuses_an_out_of_range_score_with_422(client, world_a, value):
    client.force_login(world_a.practitioner)
    response = client.post(f"/patients/{world_a.patient.pk}/assessments/new/", page_data(value=value))
    assert response.status_code == 422
    assert not Assessment.objects.exists()


def test_the_page_refuses_an_unknown_scale_and_a_clinic_scale_out_of_range(client, world_a):
    define_scale(
        clinic=world_a.clinic,
        by=world_a.owner,
        data={
            "key": "redness",
            "name": "Redness",
            "minimum": 0,
            "maximum": 30,
            "better": "lower",
            "labels": {},
        },
    )
    client.force_login(world_a.practitioner)
    url = f"/patients/{world_a.patient.pk}/assessments/new/"
    assert client.post(url, page_data(scale="nope")).status_code == 422
    assert client.post(url, page_data(scale="redness", value="31")).status_code == 422
    assert client.post(url, page_data(scale="redness", value="21")).status_code == 302


def test_front_desk_cannot_record_or_see_outcomes(client, world_a):
    client.force_login(world_a.front_desk)
    assert client.get(f"/patients/{world_a.patient.pk}/outcomes/").status_code == 403
    assert client.post(f"/patients/{world_a.patient.pk}/assessments/new/", page_data()).status_code == 403


def test_the_outcomes_page_shows_a_chart_per_scale_with_sessions_marked(client, world_a):
    for months, value in ((0, 4), (3, 3), (6, 2)):
        record_assessment(
            patient=world_a.patient,
            by=world_a.practitioner,
            data=entry(
                assessed_on=TODAY - timedelta(days=30 * (6 - months)),
                value=Decimal(value),
                is_baseline=months == 0,
            ),
        )
    client.force_login(world_a.practitioner)
    page = client.get(f"/patients/{world_a.patient.pk}/outcomes/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<svg") == 1 and 'class="scores"' in html and "+2 since baseline" in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]
    assert AuditEvent.objects.filter(action="outcomes.view").count() == 1


def test_the_pages_name_zones_and_indications_as_the_protocol_does(client, world_a):
    a = record_assessment(
        patient=world_a.patient, by=world_a.practitioner, data=entry(zone="perioral", indication="acne_scars")
    )
    client.force_login(world_a.practitioner)
    table = (
        client.get(f"/patients/{world_a.patient.pk}/outcomes/").content.decode().split("<h2>Assessments")[1]
    )
    assert "<td>Perioral / upper lip</td><td>Acne scars</td>" in table and "acne_scars" not in table
    detail = client.get(f"/patients/{world_a.patient.pk}/assessments/{a.pk}/").content.decode()
    assert "<dd>Perioral / upper lip</dd>" in detail and "<dd>Acne scars</dd>" in detail


def _fill(world, count):  # type: ignore[no-untyped-def]
    for n in range(count):
        record_assessment(
            patient=world.patient,
            by=world.practitioner,
            data=entry(
                scale=["wrinkle_severity", "glogau", "satisfaction"][n % 3],
                value=Decimal(1 + n % 4),
                is_baseline=False,
                assessed_on=TODAY - timedelta(days=n),
            ),
        )


def test_the_outcomes_page_costs_the_same_queries_with_2_and_20_assessments(client, world_a):
    client.force_login(world_a.practitioner)
    url = f"/patients/{world_a.patient.pk}/outcomes/"
    client.get(url)  # one-time work (the protocol parsed, the session loaded) out of the way
    _fill(world_a, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)  # new data: any cached forecast is recomputed, in both cases
    _fill(world_a, 18)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many)


# --- API -------------------------------------------------------------------------------------------


def api_body(**changes):  # type: ignore[no-untyped-def]
    body = {
        "scale": "gais",
        "value": 2,
        "assessed_on": TODAY.isoformat(),
        "zone": "cheeks",
        "indication": "acne_scars",
        "rater": "patient",
    }
    body.update(changes)
    return body


def test_the_api_records_lists_and_reads_assessments(client, world_a, token_for):
    header = token_for(world_a.practitioner)
    url = f"/api/v1/patients/{world_a.patient.pk}/assessments"
    created = client.post(url, api_body(), content_type="application/json", HTTP_AUTHORIZATION=header)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["label"] == "Very improved" and body["rater"] == "patient" and body["value"] == "2.00"
    listed = client.get(url, HTTP_AUTHORIZATION=header).json()
    assert listed["count"] == 1 and listed["items"][0]["assessment_id"] == body["assessment_id"]
    one = client.get(f"{url}/{body['assessment_id']}", HTTP_AUTHORIZATION=header)
    assert one.status_code == 200 and one.json()["scale_name"].startswith("GAIS")


@pytest.mark.parametrize(
    "changes",
    [
        {"value": 6},
        {"value": 0},
        {"value": 2.5},
        {"zone": "elbow"},
        {"value": "2"},
        {"value": True},
        {"scale": "goodman_baron_quantitative", "value": 2, "scar_counts": {"macular": 2}},
        {"value": None},
        {"scale": "goodman_baron_quantitative", "value": None, "scar_counts": {"macular": -2}},
        {"assessed_on": "2026-13-01"},
        {"assessed_on": 20261125},
        {"is_baseline": "yes"},
    ],
)
def test_the_api_refuses_bad_assessments_with_422(client, world_a, token_for, changes):
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/assessments",
        api_body(**changes),
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.practitioner),
    )
    assert response.status_code == 422, response.content
    assert not Assessment.objects.exists()


def test_the_api_answers_404_for_an_unknown_scale_or_link_and_409_before_birth(client, world_a, token_for):
    url = f"/api/v1/patients/{world_a.patient.pk}/assessments"
    header = token_for(world_a.practitioner)

    def post(**changes):  # type: ignore[no-untyped-def]
        return client.post(
            url, api_body(**changes), content_type="application/json", HTTP_AUTHORIZATION=header
        )

    assert post(scale="pore_visibility").status_code == 404
    missing = post(photo_ids=["3f2504e0-4f89-11d3-9a0c-0305e82c3301"])
    assert missing.status_code == 404, missing.content
    assert post(assessed_on="1950-01-01").status_code == 409
    assert post(assessed_on="1950-01-01", value=9).status_code == 422
    assert not Assessment.objects.exists()


def test_the_api_computes_goodman_baron_from_counts(client, world_a, token_for):
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/assessments",
        api_body(scale="goodman_baron_quantitative", value=None, scar_counts={"linear_troughed": 25}),
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.owner),
    )
    assert response.status_code == 201 and response.json()["value"] == "9.00"


def test_another_clinics_assessment_answers_404_and_front_desk_403(client, world_a, world_b, token_for):
    a = record_assessment(patient=world_a.patient, by=world_a.practitioner, data=entry())
    other = token_for(world_b.owner)
    assert (
        client.get(
            f"/api/v1/patients/{world_a.patient.pk}/assessments/{a.pk}", HTTP_AUTHORIZATION=other
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/patients/{world_b.patient.pk}/assessments/{a.pk}", HTTP_AUTHORIZATION=other
        ).status_code
        == 404
    )
    desk = token_for(world_a.front_desk)
    assert (
        client.get(f"/api/v1/patients/{world_a.patient.pk}/assessments", HTTP_AUTHORIZATION=desk).status_code
        == 403
    )
    assert client.get(f"/api/v1/patients/{world_a.patient.pk}/assessments").status_code == 401


def test_the_scales_are_listed_with_their_definitions(client, world_a, token_for):
    body = client.get("/api/v1/outcome-scales", HTTP_AUTHORIZATION=token_for(world_a.front_desk)).json()
    keys = [s["key"] for s in body["items"]]
    assert keys[:3] == ["gais", "goodman_baron_qualitative", "goodman_baron_quantitative"]
    assert "keloidal" in body["scar_types"]


def test_the_outcomes_page_has_a_forecast_section(client, world_a):
    client.force_login(world_a.practitioner)
    html = client.get(f"/patients/{world_a.patient.pk}/outcomes/").content.decode()
    assert 'id="forecast"' in html
    # With no sessions there is nothing to forecast yet; the section says what the forecast rests on.
    assert "published evidence" in html or "not available" in html


def test_an_owner_adds_a_clinic_scale_on_its_page_and_others_may_only_read(client, world_a):
    client.force_login(world_a.practitioner)
    assert client.get("/outcomes/scales/").status_code == 200
    assert client.post("/outcomes/scales/new/", {}).status_code == 403
    client.force_login(world_a.owner)
    form = {
        "name": "Pore visibility",
        "key": "pore_visibility",
        "minimum": "0",
        "maximum": "10",
        "better": "lower",
        "whole_numbers": "on",
        "labels": "0 = none\n10 = very visible",
    }
    bad = client.post("/outcomes/scales/new/", {**form, "labels": "zero is none"})
    assert bad.status_code == 422
    assert client.post("/outcomes/scales/new/", form).status_code == 302
    scale = ClinicScale.objects.get()
    assert scale.labels == {"0": "none", "10": "very visible"}
    assert "Pore visibility" in client.get("/outcomes/scales/").content.decode()
    again = client.post("/outcomes/scales/new/", form)
    assert again.status_code == 422 and ClinicScale.objects.count() == 1
    page = client.get(
        f"/patients/{world_a.patient.pk}/assessments/new/?scale=pore_visibility"
    ).content.decode()
    assert 'max="10"' in page or "very visible" in page


def test_the_patient_page_shows_the_progress_card_to_clinical_staff_only(client, world_a):
    record_assessment(patient=world_a.patient, by=world_a.practitioner, data=entry())
    record_assessment(
        patient=world_a.patient, by=world_a.practitioner, data=entry(value=Decimal(2), is_baseline=False)
    )
    client.force_login(world_a.practitioner)
    html = client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    assert 'id="outcomes"' in html and 'class="progress-chart"' in html and "+2 since baseline" in html
    client.force_login(world_a.front_desk)
    html = client.get(f"/patients/{world_a.patient.pk}/").content.decode()
    assert 'id="outcomes"' not in html
