"""The numbing agent for a patient allergic to it (issue 13 §1): the agents are protocol data with their
ingredients; the form does not carry an agent over, shows the allergy and the screening's precautions,
and an agent containing the allergen is refused on the page (422) and the API (409) unless the
practitioner writes why. The device comes from the booked appointment."""

from datetime import timedelta

import pytest
import time_machine

from needlecare.factories import make_intake
from needlecare.protocols import DEFAULT_PATH, load_default, load_protocol
from needlecare.scheduling.models import Appointment, Device
from needlecare.scheduling.selectors import at_local, type_by_code
from needlecare.scheduling.services.setup import ensure_default_types
from needlecare.screening.services import screen_patient
from needlecare.treatments.models import Treatment
from needlecare.treatments.numbing import allergens_in, contained, numbing_of
from needlecare.treatments.services import record_treatment
from needlecare.treatments.tests.conftest import TODAY
from needlecare.treatments.tests.test_pages import form_data
from needlecare.treatments.tests.test_services import session

NUMBING = numbing_of(load_default())


@pytest.fixture
def allergic(ready):  # type: ignore[no-untyped-def]
    """A patient treated with lidocaine/tetracaine four weeks ago, who has since told us of a lidocaine
    allergy: a new intake, screened today ("precautions")."""
    record_treatment(
        patient=ready.patient,
        data=session(
            ready.plan,
            performed_on=TODAY - timedelta(weeks=4),
            numbing_agent="lido_tetra",
            cartridge_id="C-0",
        ),
        by=ready.practitioner,
    )
    with time_machine.travel("2026-11-25 10:05Z", tick=False):  # after the fixture's screening
        make_intake(ready.patient, allergies=["Lidocaine (hives)"])
        ready.decision = screen_patient(patient=ready.patient, by=ready.practitioner, on=TODAY)
    assert ready.decision.outcome == "precautions"
    assert any(f["rule"] == "anaesthetic_allergy" for f in ready.decision.findings)
    return ready


# ---------------------------------------------------------------------------------------------------------
# The protocol data and the one matching function
# ---------------------------------------------------------------------------------------------------------


def test_every_agent_names_its_ingredients_and_only_none_cooling_and_tetracaine_lack_lidocaine():
    without = {key for key, agent in NUMBING.agents.items() if "lidocaine" not in agent.ingredients}
    assert without == {"none", "cooling", "tetracaine_4", "other"}
    assert NUMBING.agents["emla"].ingredients == ["lidocaine", "prilocaine"]
    assert NUMBING.agents["other"].ingredients_known is False


@pytest.mark.parametrize(
    ("allergy", "ingredients"),
    [
        ("lidocaine", {"lidocaine"}),
        ("Lignocaine", {"lidocaine"}),
        ("Xylocaine (rash)", {"lidocaine"}),
        ("LMX4 cream", {"lidocaine"}),
        ("EMLA", {"lidocaine", "prilocaine"}),
        ("Ametop gel", {"tetracaine"}),
        ("amethocaine", {"tetracaine"}),
        ("articaine at the dentist", {"articaine"}),
        ("Septocaine", {"articaine"}),
        ("Benzocaine", {"benzocaine"}),
        ("Lidocaine/tetracaine 7%/7%", {"lidocaine", "tetracaine"}),
        ("local anaesthetics", set(NUMBING.ingredients)),
        ("nickel", set()),
        ("penicillin", set()),
        ("", set()),
    ],
)
def test_allergy_words_name_ingredients_by_key_synonym_brand_or_product(allergy, ingredients):
    assert allergens_in([allergy], NUMBING) == ingredients


def test_an_agent_contains_an_allergen_by_its_ingredients_and_other_is_taken_to_contain_any():
    assert contained(NUMBING, "blt", {"lidocaine"}) == {"lidocaine"}
    assert contained(NUMBING, "tetracaine_4", {"lidocaine"}) == set()
    assert contained(NUMBING, "none", {"lidocaine"}) == set()
    assert contained(NUMBING, "other", {"lidocaine"}) == {"lidocaine"}
    assert contained(NUMBING, "emla", set()) == set()


def test_a_protocol_with_an_agent_of_an_unknown_ingredient_is_refused():
    text = DEFAULT_PATH.read_text()
    bad = text.replace('ingredients = ["lidocaine", "prilocaine"]', 'ingredients = ["lidocaine", "cocaine"]')
    with pytest.raises(ValueError, match="numbing.agents.emla.ingredients: unknown ingredient 'cocaine'"):
        load_protocol(bad, filename="clinic.toml")


def test_a_protocol_stored_before_numbing_was_data_uses_the_default_agents():
    text = DEFAULT_PATH.read_text()
    old = load_protocol(text[: text.index("# Numbing at the chair")].rstrip("# -\n") + "\n")
    assert old.numbing is None and numbing_of(old) == NUMBING


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------


def test_the_form_does_not_carry_the_agent_over_and_shows_the_allergy_and_precautions(client, allergic):
    client.force_login(allergic.practitioner)
    page = client.get(f"/patients/{allergic.patient.pk}/sessions/new/")
    body = page.content.decode()
    assert page.context["form"].initial["numbing_agent"] == ""
    assert page.context["form"].initial["numbing_minutes"] == 30  # the rest still comes from last time
    assert "Anaesthetic allergy: lidocaine." in body
    message = next(f["message"] for f in allergic.decision.findings if f["rule"] == "anaesthetic_allergy")
    assert message in body and "Screening precautions" in body
    assert 'id="id_numbing_reason"' in body


def test_without_an_allergy_the_agent_is_still_carried_over(client, ready):
    record_treatment(
        patient=ready.patient,
        data=session(ready.plan, performed_on=TODAY - timedelta(weeks=4), numbing_agent="emla"),
        by=ready.practitioner,
    )
    client.force_login(ready.practitioner)
    page = client.get(f"/patients/{ready.patient.pk}/sessions/new/")
    assert page.context["form"].initial["numbing_agent"] == "emla"
    assert "Anaesthetic allergy" not in page.content.decode()


@pytest.mark.parametrize("step", ["review", "confirm"])
@pytest.mark.parametrize("agent", ["lido_tetra", "lidocaine_4", "emla", "blt", "other"])
def test_an_agent_containing_the_allergen_is_refused_on_the_page_and_nothing_is_written(
    client, allergic, step, agent
):
    client.force_login(allergic.practitioner)
    before = Treatment.objects.count()
    response = client.post(
        f"/patients/{allergic.patient.pk}/sessions/new/",
        form_data(allergic.plan, numbing_agent=agent, **{step: "1"}),
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert 'data-refusal="numbing_reason"' in body and "allergic to lidocaine" in body
    assert Treatment.objects.count() == before


def test_an_agent_without_the_allergen_goes_ahead_with_the_warning_on_the_summary(client, allergic):
    client.force_login(allergic.practitioner)
    url = f"/patients/{allergic.patient.pk}/sessions/new/"
    summary = client.post(url, form_data(allergic.plan, numbing_agent="tetracaine_4", review="1"))
    assert summary.status_code == 200 and "Check before saving" in summary.content.decode()
    assert "Anaesthetic allergy (lidocaine)" in summary.content.decode()
    saved = client.post(url, {**dict(summary.context["carried"]), "confirm": "1"})
    assert saved.status_code == 302
    treatment = Treatment.objects.get(performed_on=TODAY)
    assert treatment.numbing_agent == "tetracaine_4" and treatment.numbing_ingredients == ["tetracaine"]
    assert treatment.numbing_reason == ""


def test_with_a_written_reason_the_agent_is_accepted_and_the_reason_kept(client, allergic):
    client.force_login(allergic.practitioner)
    url = f"/patients/{allergic.patient.pk}/sessions/new/"
    reason = "Allergist patch test on 2 Nov 2026: lidocaine negative; hives were from the dressing."
    summary = client.post(
        url, form_data(allergic.plan, numbing_agent="lido_tetra", numbing_reason=reason, review="1")
    )
    text = summary.content.decode()
    assert summary.status_code == 200 and "despite the allergy" in text and reason in text
    client.post(url, {**dict(summary.context["carried"]), "confirm": "1"})
    treatment = Treatment.objects.get(performed_on=TODAY)
    assert treatment.performed_on == TODAY and treatment.numbing_reason == reason
    assert treatment.numbing_agent_label == "Lidocaine/tetracaine 7%/7%"
    assert treatment.numbing_ingredients == ["lidocaine", "tetracaine"]
    detail = client.get(f"/patients/{allergic.patient.pk}/sessions/{treatment.pk}/").content.decode()
    assert reason in detail and "Lidocaine/tetracaine 7%/7%" in detail


def test_a_numbing_agent_the_protocol_does_not_list_is_refused(client, ready):
    client.force_login(ready.practitioner)
    response = client.post(
        f"/patients/{ready.patient.pk}/sessions/new/",
        form_data(ready.plan, numbing_agent="cocaine", confirm="1"),
    )
    assert response.status_code == 422 and not Treatment.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------------------


def api_body(plan, **changes):  # type: ignore[no-untyped-def]
    body = {
        "performed_on": TODAY.isoformat(),
        "plan_id": str(plan.pk),
        "device": "pen",
        "device_model": "Dermapen 4",
        "device_serial": "DP4-0001",
        "cartridge_id": "C-9",
        "cartridge_lot": "LOT-Z",
        "cartridge_expiry": "2027-01-01",
        "numbing_agent": "lido_tetra",
        "numbing_minutes": 40,
        "end_point": "erythema",
        "duration_minutes": 35,
        "immediate_reaction": "expected",
        "zones": [{"zone": "cheeks", "depth_mm": 1.25, "passes": 2}],
    }
    return {**body, **changes}


def test_the_api_refuses_the_allergen_with_409_and_accepts_it_with_a_reason(client, allergic, token_for):
    header = token_for(allergic.practitioner)
    url = f"/api/v1/patients/{allergic.patient.pk}/sessions"
    before = Treatment.objects.count()
    refused = client.post(
        url, api_body(allergic.plan), content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert refused.status_code == 409 and "numbing_reason" in refused.json()["detail"]
    assert "allergic to lidocaine" in refused.json()["detail"] and Treatment.objects.count() == before
    created = client.post(
        url,
        api_body(allergic.plan, numbing_reason="Patch-tested negative to lidocaine by the allergist."),
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert created.status_code == 201, created.content
    assert created.json()["numbing_ingredients"] == ["lidocaine", "tetracaine"]
    assert created.json()["numbing_reason"].startswith("Patch-tested")


def test_the_api_refuses_an_unknown_agent_with_409(client, ready, token_for):
    response = client.post(
        f"/api/v1/patients/{ready.patient.pk}/sessions",
        api_body(ready.plan, numbing_agent="cocaine"),
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(ready.practitioner),
    )
    assert response.status_code == 409 and "numbing_agent" in response.json()["detail"]
    assert not Treatment.objects.exists()


def test_a_brand_name_in_the_intake_is_enough(client, ready, token_for):
    with time_machine.travel("2026-11-25 10:05Z", tick=False):
        make_intake(ready.patient, allergies=["EMLA"])
        screen_patient(patient=ready.patient, by=ready.practitioner, on=TODAY)
    response = client.post(
        f"/api/v1/patients/{ready.patient.pk}/sessions",
        api_body(ready.plan, numbing_agent="lidocaine_4"),
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(ready.practitioner),
    )
    assert response.status_code == 409 and "lidocaine" in response.json()["detail"]


# ---------------------------------------------------------------------------------------------------------
# The device comes from the booked appointment
# ---------------------------------------------------------------------------------------------------------


def book_today(patient, practitioner, device):  # type: ignore[no-untyped-def]
    from datetime import time

    ensure_default_types(patient.clinic)
    starts = at_local(patient.clinic, TODAY, time(14))
    return Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        practitioner=practitioner,
        type=type_by_code(patient.clinic, "treatment"),
        device=device,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )


def test_the_device_is_prefilled_from_the_booked_appointment_not_the_previous_session(client, ready):
    record_treatment(
        patient=ready.patient,
        data=session(ready.plan, performed_on=TODAY - timedelta(weeks=4), device_serial="OLD-PEN"),
        by=ready.practitioner,
    )
    device = Device.objects.create(clinic=ready.clinic, name="SkinPen Precision", kind="pen", serial="SP-77")
    visit = book_today(ready.patient, ready.practitioner, device)
    client.force_login(ready.practitioner)
    for url in (
        f"/patients/{ready.patient.pk}/sessions/new/",
        f"/patients/{ready.patient.pk}/sessions/new/?appointment={visit.pk}",
    ):
        initial = client.get(url).context["form"].initial
        assert (initial["device"], initial["device_model"], initial["device_serial"]) == (
            "pen",
            "SkinPen Precision",
            "SP-77",
        )


def test_an_appointment_of_another_patient_or_a_made_up_one_is_404(client, ready, world_b):
    device = Device.objects.create(clinic=world_b.clinic, name="Pen B", kind="pen", serial="B-1")
    other = book_today(world_b.patient, world_b.practitioner, device)
    client.force_login(ready.practitioner)
    base = f"/patients/{ready.patient.pk}/sessions/new/?appointment="
    assert client.get(base + str(other.pk)).status_code == 404
    assert client.get(base + "not-a-uuid").status_code == 404


def test_a_checked_in_treatment_visit_links_to_its_session_form(client, ready):
    device = Device.objects.create(clinic=ready.clinic, name="SkinPen Precision", kind="pen", serial="SP-77")
    visit = book_today(ready.patient, ready.practitioner, device)
    Appointment.objects.filter(pk=visit.pk).update(status="checked_in")
    client.force_login(ready.practitioner)
    page = client.get(f"/appointments/{visit.pk}/").content.decode()
    assert f"/patients/{ready.patient.pk}/sessions/new/?appointment={visit.pk}" in page


def test_the_chair_recognises_every_allergy_word_that_screening_recognises():
    """Screening ([allergens]) and the chair ([numbing]) read allergy words from two tables; an allergy
    screening flags must never pass unrecognised at the chair."""
    from needlecare.protocols import load_default
    from needlecare.screening.rules import allergens_of, ingredients_of
    from needlecare.treatments import numbing

    protocol = load_default()
    agents = numbing.numbing_of(protocol)
    words = [
        word
        for key, allergen in ingredients_of(protocol).items()
        for word in (key, getattr(allergen, "label", ""), *getattr(allergen, "names", []))
        if word
    ]
    assert len(words) > 20
    missed = {
        word: sorted(allergens_of({"allergies": [word]}, protocol) & set(agents.ingredients))
        for word in words
        if not (allergens_of({"allergies": [word]}, protocol) & set(agents.ingredients))
        <= numbing.allergens_in([word], agents)
    }
    assert missed == {}
