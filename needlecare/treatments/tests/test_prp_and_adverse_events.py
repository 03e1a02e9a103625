"""Sessions with a blood-derived adjunct (PRP) record the single-use draw kit and the blood-borne
infection screening check [Stadelman-Behar 2024]; adverse events show the protocol's pathway
(granulomatous reaction with its referral, post-inflammatory hyperpigmentation) where they are recorded."""

from datetime import timedelta

import pytest

from needlecare.protocols import load_default
from needlecare.screening.services import screen_patient
from needlecare.testing.clock import TODAY
from needlecare.testing.consent import sign_consent
from needlecare.testing.factories import make_patient
from needlecare.treatments.models import AdverseEvent, AdverseEventKind, Treatment
from needlecare.treatments.selectors import sessions_with_lot
from needlecare.treatments.services import record_adverse_event, record_treatment
from needlecare.treatments.tests.test_pages import form_data
from needlecare.treatments.tests.test_services import _refused, session

pytestmark = pytest.mark.django_db

PRP = {
    "adjunct": "prp",
    "blood_kit_id": "KIT-0001",
    "blood_kit_lot": "BK-LOT-7",
    "bloodborne_screening_checked": True,
}


def test_a_prp_session_records_the_kit_and_the_screening_check(ready):
    treatment = record_treatment(
        patient=ready.patient, data=session(ready.plan, **PRP), by=ready.practitioner
    )
    treatment.refresh_from_db()
    assert (treatment.adjunct, treatment.blood_kit_id, treatment.blood_kit_lot) == (
        "prp",
        "KIT-0001",
        "BK-LOT-7",
    )
    assert treatment.bloodborne_screening_checked is True
    assert [s.pk for s in sessions_with_lot(ready.clinic, "bk-lot-7")] == [treatment.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"blood_kit_id": ""}, "blood_kit_id"),
        ({"blood_kit_lot": ""}, "blood_kit_id"),
        ({"bloodborne_screening_checked": False}, "bloodborne_screening_checked"),
    ],
)
def test_prp_without_the_kit_or_the_screening_check_is_refused(ready, changes, field):
    reasons = _refused(ready.patient, session(ready.plan, **{**PRP, **changes}))
    assert field in reasons and "PRP" in reasons[field]


def test_a_kit_without_prp_is_refused(ready):
    reasons = _refused(ready.patient, session(ready.plan, blood_kit_id="KIT-1", blood_kit_lot="L"))
    assert "only for a session with PRP" in reasons["blood_kit_id"]


def test_a_draw_kit_used_on_another_patient_is_refused(ready):
    record_treatment(patient=ready.patient, data=session(ready.plan, **PRP), by=ready.practitioner)
    other = make_patient(ready.clinic, by=ready.practitioner)
    from needlecare.testing.factories import make_intake

    make_intake(other)
    screen_patient(patient=other, by=ready.practitioner, on=TODAY)
    sign_consent(other)
    reasons = _refused(other, session(None, cartridge_id="C-OTHER", **PRP))
    assert "already used on another patient" in reasons["blood_kit_id"]


def test_a_draw_kit_is_single_use_for_the_same_patient_too(ready):
    record_treatment(
        patient=ready.patient,
        data=session(ready.plan, performed_on=TODAY - timedelta(weeks=3), cartridge_id="C-0", **PRP),
        by=ready.practitioner,
    )
    reasons = _refused(ready.patient, session(ready.plan, **PRP))
    assert "in an earlier session" in reasons["blood_kit_id"]


def test_the_page_refuses_prp_without_the_screening_check_and_writes_nothing(client, ready):
    client.force_login(ready.practitioner)
    data = form_data(ready.plan, confirm="1", adjunct="prp", blood_kit_id="KIT-9", blood_kit_lot="BK-1")
    response = client.post(f"/patients/{ready.patient.pk}/sessions/new/", data)
    assert response.status_code == 422 and "blood-borne infection screening" in response.content.decode()
    assert not Treatment.objects.exists()
    saved = client.post(
        f"/patients/{ready.patient.pk}/sessions/new/", {**data, "bloodborne_screening_checked": "on"}
    )
    assert saved.status_code == 302
    detail = client.get(saved["Location"]).content.decode()
    assert "Platelet-rich plasma (PRP)" in detail and "KIT-9" in detail and "BK-1" in detail


def test_the_api_refuses_a_reused_kit_with_409(client, ready, token_for):
    from needlecare.treatments.tests.test_numbing import api_body

    header = token_for(ready.practitioner)
    url = f"/api/v1/patients/{ready.patient.pk}/sessions"
    body = api_body(ready.plan, numbing_agent="emla", **PRP)
    assert (
        client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=header).status_code == 201
    )
    again = client.post(
        url, {**body, "cartridge_id": "C-10"}, content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert again.status_code == 409 and "single-use" in again.json()["detail"]
    assert Treatment.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------
# Adverse events
# ---------------------------------------------------------------------------------------------------------


def test_every_kind_of_adverse_event_has_a_pathway_with_a_source_in_the_protocol():
    guides = load_default().adverse_events
    assert set(guides) == set(AdverseEventKind.values)
    granuloma = guides["granulomatous_reaction"]
    assert "dermatology" in granuloma.referral.lower() and "biopsy" in granuloma.referral.lower()
    assert granuloma.source.startswith("Soltani-Arabshahi 2014")
    pih = " ".join(guides["pih"].management).lower()
    assert "spf" in pih and "pause" in pih and "topical" in pih
    assert "Davis 2010" in guides["pih"].source


def test_a_granulomatous_reaction_is_recorded_and_shown_with_its_referral(client, ready):
    treatment = record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)
    client.force_login(ready.practitioner)
    url = f"/patients/{ready.patient.pk}/sessions/{treatment.pk}/"
    form = client.get(url).content.decode()
    assert "Granulomatous reaction" in form and "What to do for each kind" in form
    response = client.post(
        url + "adverse-events/",
        {"kind": "granulomatous_reaction", "grade": "3", "onset_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert AdverseEvent.objects.get().kind == "granulomatous_reaction"
    page = client.get(url).content.decode()
    recorded = page.split("<h2>Adverse events</h2>")[1].split("Record an adverse event")[0]
    assert (
        "Granulomatous reaction" in recorded and "Refer to dermatology" in recorded and "biopsy" in recorded
    )


def test_pih_shows_its_management_pathway_beside_the_event(client, ready):
    treatment = record_treatment(patient=ready.patient, data=session(ready.plan), by=ready.practitioner)
    record_adverse_event(
        treatment=treatment, by=ready.practitioner, data={"kind": "pih", "grade": 1, "onset_on": TODAY}
    )
    client.force_login(ready.practitioner)
    page = client.get(f"/patients/{ready.patient.pk}/sessions/{treatment.pk}/").content.decode()
    recorded = page.split("<h2>Adverse events</h2>")[1].split("Record an adverse event")[0]
    assert "Strict photoprotection" in recorded and "Pause microneedling" in recorded
    assert "Davis 2010" in recorded
