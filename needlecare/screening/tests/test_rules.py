"""Screening, case by case from the clinical reference, and the properties that keep it safe."""

# ruff: noqa: E501  (the case table reads best one case to a line)

import doctest
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needlecare.patients.intake import CLEAN_ANSWERS
from needlecare.protocols import DEFAULT_PATH, load_default, load_protocol
from needlecare.protocols.loader import INTAKE_FIELDS
from needlecare.screening.rules import (
    OUTCOMES,
    Decision,
    IntakeError,
    allergens_of,
    evaluate,
    rank,
    read_answers,
)

PROTOCOL = load_default()
ON = date(2025, 3, 10)
# The questions a rule reads; smoking and sun exposure are asked for the forecast, not for screening.
SCREENED = sorted({rule.field for rule in PROTOCOL.contraindications.values()})
# Of those, the questions only a plan with an adjunct (PRP) asks.
ADJUNCT_ONLY = sorted(
    {r.field for r in PROTOCOL.contraindications.values()}
    - {r.field for r in PROTOCOL.contraindications.values() if not r.applies_to_adjuncts}
)
PRP = ["prp"]
ABSENT = object()  # marks a key to leave out ("not asked")

# Every question answered, every answer "no": the patient nothing stops (the intake's clean answers).
CLEAR: dict[str, Any] = {**CLEAN_ANSWERS, "date_of_birth": "1985-06-15", "fitzpatrick": 2}


def days_ago(days: int, on: date = ON) -> str:
    return (on - timedelta(days=days)).isoformat()


def intake(**changes: Any) -> dict[str, Any]:
    answers = {**CLEAR, **changes}
    return {key: value for key, value in answers.items() if value is not ABSENT}


def screen(**changes: Any) -> Decision:
    return evaluate(intake(**changes), PROTOCOL, ON)


def rules_of(decision: Decision) -> list[str]:
    return [finding.rule for finding in decision.findings]


def finding(decision: Decision, rule: str) -> Any:
    return next(f for f in decision.findings if f.rule == rule)


# ---------------------------------------------------------------------------------------------------------
# The case table: every rule fires, both sides of every boundary, combinations, unknown and unasked answers
# ---------------------------------------------------------------------------------------------------------

CASES = [
    # (id, changes to CLEAR, outcome, the rules that fire, defer_until)
    ("every answer no is eligible", {}, "eligible", [], None),
    ("active infection at the site defers", {"active_infection_at_site": True}, "deferred", ["active_infection"], None),
    ("inflammatory acne at the site defers", {"active_acne_at_site": "inflammatory"}, "deferred", ["inflammatory_acne"], None),
    ("comedonal acne does not defer", {"active_acne_at_site": "comedonal"}, "eligible", [], None),
    ("active eczema psoriasis or rosacea defers", {"dermatitis_at_site": "active"}, "deferred", ["active_dermatitis"], None),
    ("stable eczema psoriasis or rosacea needs clearance", {"dermatitis_at_site": "stable"}, "clearance", ["stable_dermatitis"], None),
    ("pregnancy or breastfeeding defers without a date", {"pregnant_or_breastfeeding": True}, "deferred", ["pregnancy_or_breastfeeding"], None),
    ("isotretinoin a month ago defers six months from the dose", {"isotretinoin_last_dose": "2025-02-10"}, "deferred", ["isotretinoin"], date(2025, 8, 10)),
    ("isotretinoin a day short of six months still defers", {"isotretinoin_last_dose": "2024-09-11"}, "deferred", ["isotretinoin"], date(2025, 3, 11)),
    ("isotretinoin six months ago to the day is clear", {"isotretinoin_last_dose": "2024-09-10"}, "eligible", [], None),
    ("isotretinoin a year ago is clear", {"isotretinoin_last_dose": "2024-03-10"}, "eligible", [], None),
    ("isotretinoin still being taken defers from the future last dose", {"isotretinoin_last_dose": "2025-04-01"}, "deferred", ["isotretinoin"], date(2025, 10, 1)),
    ("recent sunburn defers", {"recent_sunburn_at_site": True}, "deferred", ["recent_sunburn"], None),
    ("neurotoxin 13 days ago defers one more day", {"neurotoxin_last_date": days_ago(13)}, "deferred", ["neurotoxin"], date(2025, 3, 11)),
    ("neurotoxin 14 days ago is clear", {"neurotoxin_last_date": days_ago(14)}, "eligible", [], None),
    ("neurotoxin today defers 14 days", {"neurotoxin_last_date": days_ago(0)}, "deferred", ["neurotoxin"], date(2025, 3, 24)),
    ("filler 20 days ago defers", {"filler_last_date": days_ago(20)}, "deferred", ["filler"], date(2025, 3, 11)),
    ("filler 21 days ago is clear", {"filler_last_date": days_ago(21)}, "eligible", [], None),
    ("laser or peel 13 days ago defers", {"laser_or_peel_last_date": days_ago(13)}, "deferred", ["laser_or_peel"], date(2025, 3, 11)),
    ("laser or peel 14 days ago is clear", {"laser_or_peel_last_date": days_ago(14)}, "eligible", [], None),
    ("retinoid 4 days ago defers", {"topical_retinoid_last_use": days_ago(4)}, "deferred", ["topical_retinoid"], date(2025, 3, 11)),
    ("retinoid 5 days ago is clear", {"topical_retinoid_last_use": days_ago(5)}, "eligible", [], None),
    ("anticoagulant needs clearance", {"anticoagulant": "anticoagulant"}, "clearance", ["anticoagulant"], None),
    ("antiplatelet gives precautions", {"anticoagulant": "antiplatelet"}, "precautions", ["antiplatelet"], None),
    ("bleeding disorder needs clearance", {"bleeding_disorder": True}, "clearance", ["bleeding_disorder"], None),
    ("immunosuppression needs clearance", {"immunosuppressed": True}, "clearance", ["immunosuppression"], None),
    ("uncontrolled diabetes needs clearance", {"diabetes": "uncontrolled"}, "clearance", ["uncontrolled_diabetes"], None),
    ("controlled diabetes gives precautions", {"diabetes": "controlled"}, "precautions", ["controlled_diabetes"], None),
    ("radiation to the site in the last 12 months defers, not declines", {"radiation_to_site_last_12_months": True}, "deferred", ["radiation_to_site"], None),
    ("radiotherapy 3 months ago defers 12 months, then clearance", {"radiotherapy_to_site_last_date": "2024-12-10"}, "deferred", ["radiotherapy_recent", "radiotherapy_clearance"], date(2025, 12, 10)),
    ("radiotherapy 2 years ago needs clearance", {"radiotherapy_to_site_last_date": "2023-03-01"}, "clearance", ["radiotherapy_clearance"], None),
    ("an ablative laser 20 days ago defers 6 weeks", {"ablative_laser_or_deep_peel_last_date": days_ago(20)}, "deferred", ["ablative_laser_or_deep_peel"], date(2025, 4, 1)),
    ("active psoriasis elsewhere on the body defers", {"koebner_disease": "active"}, "deferred", ["active_koebner_disease"], None),
    ("stable vitiligo needs clearance", {"koebner_disease": "stable"}, "clearance", ["stable_koebner_disease"], None),
    ("connective-tissue disease needs clearance", {"connective_tissue_disease": True}, "clearance", ["connective_tissue_disease"], None),
    ("gold allergy gives precautions", {"allergies": ["Gold"]}, "precautions", ["gold_allergy"], None),
    ("Xylocaine allergy is an anaesthetic allergy", {"allergies": ["Xylocaine"]}, "precautions", ["anaesthetic_allergy"], None),
    ("keloid history needs clearance", {"keloid_history": True}, "clearance", ["keloid_history"], None),
    ("skin cancer or suspicious lesion is declined", {"skin_cancer_or_suspicious_lesion_at_site": True}, "declined", ["skin_cancer_or_suspicious_lesion"], None),
    ("cold sore history gives precautions", {"herpes_simplex_history": True}, "precautions", ["herpes_simplex_history"], None),
    ("lidocaine allergy gives precautions", {"allergies": ["Lidocaine"]}, "precautions", ["anaesthetic_allergy"], None),
    ("nickel allergy gives precautions", {"allergies": ["nickel"]}, "precautions", ["metal_allergy"], None),
    ("both allergies give two precautions", {"allergies": ["EMLA cream", "metal jewellery"]}, "precautions", ["anaesthetic_allergy", "metal_allergy"], None),
    ("an allergy the protocol does not name is clear", {"allergies": ["penicillin"]}, "eligible", [], None),
    ("fitzpatrick III is clear", {"fitzpatrick": 3}, "eligible", [], None),
    ("fitzpatrick IV gives precautions", {"fitzpatrick": 4}, "precautions", ["darker_skin"], None),
    ("fitzpatrick VI gives precautions", {"fitzpatrick": 6}, "precautions", ["darker_skin"], None),
    ("the day before the 18th birthday needs clearance", {"date_of_birth": "2007-03-11"}, "clearance", ["under_18"], None),
    ("the 18th birthday is clear", {"date_of_birth": "2007-03-10"}, "eligible", [], None),
    # Combinations: the worst finding wins.
    ("declined beats deferred", {"skin_cancer_or_suspicious_lesion_at_site": True, "pregnant_or_breastfeeding": True}, "declined", ["skin_cancer_or_suspicious_lesion", "pregnancy_or_breastfeeding"], None),
    ("deferred beats clearance", {"anticoagulant": "anticoagulant", "recent_sunburn_at_site": True}, "deferred", ["recent_sunburn", "anticoagulant"], None),
    ("clearance beats precautions", {"fitzpatrick": 5, "keloid_history": True}, "clearance", ["keloid_history", "darker_skin"], None),
    ("the latest of several deferral dates wins", {"neurotoxin_last_date": days_ago(1), "filler_last_date": days_ago(2), "topical_retinoid_last_use": days_ago(1)}, "deferred", ["neurotoxin", "filler", "topical_retinoid"], date(2025, 3, 29)),
    ("a dated deferral beside an undated one keeps its date", {"filler_last_date": days_ago(2), "active_infection_at_site": True}, "deferred", ["active_infection", "filler"], date(2025, 3, 29)),
    ("a decline drops the deferral date", {"filler_last_date": days_ago(2), "skin_cancer_or_suspicious_lesion_at_site": True}, "declined", ["skin_cancer_or_suspicious_lesion", "filler"], None),
    # Unknown answers (null): never read as "no".
    ("unknown pregnancy defers", {"pregnant_or_breastfeeding": None}, "deferred", ["unknown:pregnant_or_breastfeeding"], None),
    ("unknown skin cancer defers until confirmed rather than declining", {"skin_cancer_or_suspicious_lesion_at_site": None}, "deferred", ["unknown:skin_cancer_or_suspicious_lesion_at_site"], None),
    ("unknown radiotherapy date defers", {"radiotherapy_to_site_last_date": None}, "deferred", ["unknown:radiotherapy_to_site_last_date"], None),
    ("unknown blood thinners need clearance", {"anticoagulant": None}, "clearance", ["unknown:anticoagulant"], None),
    ("unknown cold sore history gives precautions", {"herpes_simplex_history": None}, "precautions", ["unknown:herpes_simplex_history"], None),
    ("unknown skin type gives precautions", {"fitzpatrick": None}, "precautions", ["unknown:fitzpatrick"], None),
    ("unknown allergies give precautions", {"allergies": None}, "precautions", ["unknown:allergies"], None),
    ("unknown date of birth needs clearance", {"date_of_birth": None}, "clearance", ["unknown:date_of_birth"], None),
    ("unknown isotretinoin defers without a date", {"isotretinoin_last_dose": None}, "deferred", ["unknown:isotretinoin_last_dose"], None),
    ("unknown dermatitis defers as if active", {"dermatitis_at_site": None}, "deferred", ["unknown:dermatitis_at_site"], None),
    # Questions not asked (absent keys).
    ("pregnancy not asked defers", {"pregnant_or_breastfeeding": ABSENT}, "deferred", ["not_asked:pregnant_or_breastfeeding"], None),
    ("skin cancer not asked defers", {"skin_cancer_or_suspicious_lesion_at_site": ABSENT}, "deferred", ["not_asked:skin_cancer_or_suspicious_lesion_at_site"], None),
    ("diabetes not asked needs clearance", {"diabetes": ABSENT}, "clearance", ["not_asked:diabetes"], None),
    ("allergies not asked give precautions", {"allergies": ABSENT}, "precautions", ["not_asked:allergies"], None),
    ("isotretinoin not asked is not never: it defers", {"isotretinoin_last_dose": ABSENT}, "deferred", ["not_asked:isotretinoin_last_dose"], None),
    ("filler not asked defers", {"filler_last_date": ABSENT}, "deferred", ["not_asked:filler_last_date"], None),
    ("the old radiotherapy question left out is not missed when the date was answered", {"radiation_to_site_last_12_months": ABSENT}, "eligible", [], None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "outcome", "fired", "defer_until"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_case_table(changes, outcome, fired, defer_until):
    decision = screen(**changes)
    assert decision.outcome == outcome
    assert sorted(rules_of(decision)) == sorted(fired)
    assert decision.defer_until == defer_until


def test_the_case_table_fires_every_rule_of_the_protocol_but_the_prp_ones():
    fired = {rule for case in CASES for rule in case[3]}
    prp = {key for key, rule in PROTOCOL.contraindications.items() if rule.applies_to_adjuncts}
    assert set(PROTOCOL.contraindications) - prp <= fired
    assert prp == {"prp_bloodborne_infection", "prp_platelet_disorder"}  # tested below


def test_the_case_table_has_at_least_forty_cases():
    assert len(CASES) >= 40


# ---------------------------------------------------------------------------------------------------------
# Specifications, one by one
# ---------------------------------------------------------------------------------------------------------


def test_isotretinoin_within_six_months_defers_until_six_months_after_last_dose():
    decision = screen(isotretinoin_last_dose="2024-12-20")
    assert decision.outcome == "deferred"
    assert decision.defer_until == date(2025, 6, 20)
    found = finding(decision, "isotretinoin")
    assert "2024-12-20" in found.message and "2025-06-20" in found.message
    assert found.source == "Waldman 2017; Spring 2017"


def test_isotretinoin_on_the_31st_waits_to_the_first_of_the_month_when_six_months_on_has_no_31st():
    decision = evaluate(intake(isotretinoin_last_dose="2024-08-31"), PROTOCOL, date(2025, 2, 28))
    assert decision.defer_until == date(2025, 3, 1)


def test_neurotoxin_within_fourteen_days_defers_until_fourteen_days_after_the_injection():
    assert screen(neurotoxin_last_date="2025-03-01").defer_until == date(2025, 3, 15)


def test_filler_within_twenty_one_days_defers_until_twenty_one_days_after():
    assert screen(filler_last_date="2025-03-01").defer_until == date(2025, 3, 22)


def test_laser_or_peel_within_fourteen_days_defers_until_fourteen_days_after():
    assert screen(laser_or_peel_last_date="2025-03-01").defer_until == date(2025, 3, 15)


def test_topical_retinoid_within_five_days_defers_until_five_days_after_last_use():
    assert screen(topical_retinoid_last_use="2025-03-08").defer_until == date(2025, 3, 13)


def test_deferral_periods_come_from_the_protocol_not_the_code():
    text = DEFAULT_PATH.read_text().replace("defer_after = { days = 21 }", "defer_after = { days = 28 }")
    clinic = load_protocol(text, filename="clinic.toml")
    decision = evaluate(intake(filler_last_date="2025-03-01"), clinic, ON)
    assert decision.defer_until == date(2025, 3, 29)
    assert decision.protocol_version == clinic.version != PROTOCOL.version


def test_a_clinic_that_shortens_the_isotretinoin_wait_screens_by_its_own_protocol():
    text = DEFAULT_PATH.read_text().replace("defer_after = { months = 6 }", "defer_after = { months = 1 }")
    clinic = load_protocol(text)
    assert evaluate(intake(isotretinoin_last_dose="2025-01-01"), clinic, ON).outcome == "eligible"
    assert evaluate(intake(isotretinoin_last_dose="2025-03-01"), clinic, ON).defer_until == date(2025, 4, 1)


@pytest.mark.parametrize("zone", ["forehead", "periorbital", "nose", "cheeks", "chin", "jawline"])
def test_cold_sore_precautions_apply_to_every_facial_zone(zone):
    decision = evaluate(intake(herpes_simplex_history=True), PROTOCOL, ON, zones=[zone])
    assert rules_of(decision) == ["herpes_simplex_history"]
    assert decision.outcome == "precautions"


def test_cold_sore_history_does_not_matter_on_the_neck_or_body():
    assert evaluate(intake(herpes_simplex_history=True), PROTOCOL, ON, zones=["neck", "back"]).outcome == (
        "eligible"
    )


def test_cold_sore_precautions_apply_when_the_perioral_area_is_treated():
    decision = evaluate(intake(herpes_simplex_history=True), PROTOCOL, ON, zones=["perioral", "cheeks"])
    assert rules_of(decision) == ["herpes_simplex_history"]
    assert "antiviral" in decision.findings[0].message


def test_cold_sore_history_does_not_matter_when_the_perioral_area_is_not_treated():
    assert (
        evaluate(intake(herpes_simplex_history=True), PROTOCOL, ON, zones=["abdomen"]).outcome == "eligible"
    )


def test_screening_for_unknown_zones_is_refused():
    with pytest.raises(ValueError, match="unknown zones: lips; valid zones: forehead"):
        evaluate(intake(), PROTOCOL, ON, zones=["lips"])


def test_findings_are_listed_worst_first():
    decision = screen(
        fitzpatrick=5,
        keloid_history=True,
        recent_sunburn_at_site=True,
        skin_cancer_or_suspicious_lesion_at_site=True,
    )
    assert [f.severity for f in decision.findings] == ["declined", "deferred", "clearance", "precautions"]


def test_an_unknown_answer_asks_the_practitioner_to_confirm_it():
    found = screen(pregnant_or_breastfeeding=None).findings[0]
    assert found.rule == "unknown:pregnant_or_breastfeeding"
    assert found.message.startswith("Answer unknown: pregnancy or breastfeeding. Confirm it with the patient")
    assert "practice consensus" in found.source
    assert "pregnancy or breastfeeding" in found.patient_message


def test_an_unknown_answer_to_an_absolute_contraindication_says_it_is_held_until_confirmed():
    found = screen(skin_cancer_or_suspicious_lesion_at_site=None).findings[0]
    assert found.severity == "deferred"
    assert "held as a deferral until the answer is confirmed" in found.message


def test_an_unknown_answer_counts_the_worst_answer_of_the_question():
    # Blood thinners: an anticoagulant needs clearance, an antiplatelet only precautions.
    found = screen(anticoagulant=None).findings[0]
    assert found.severity == "clearance"
    assert "Anticoagulant" in found.message


def test_an_unasked_question_is_asked_for():
    found = screen(keloid_history=ABSENT).findings[0]
    assert (found.rule, found.severity) == ("not_asked:keloid_history", "clearance")
    assert found.message.startswith("Not asked: a history of keloid or raised scars. Ask the patient")


@pytest.mark.parametrize(
    "field",
    [
        "isotretinoin_last_dose",
        "topical_retinoid_last_use",
        "neurotoxin_last_date",
        "filler_last_date",
        "laser_or_peel_last_date",
        "ablative_laser_or_deep_peel_last_date",
        "radiotherapy_to_site_last_date",
    ],
)
def test_a_date_question_left_out_is_not_asked_and_never_is_an_answer(field):
    # Issue 13: an intake that never asked about isotretinoin (or retinoids, laser, neurotoxin, filler)
    # screened eligible, because a left-out date was read as "never".
    left_out = screen(**{field: ABSENT})
    assert left_out.outcome == "deferred"
    assert rules_of(left_out) == [f"not_asked:{field}"]
    assert screen(**{field: "never"}).outcome == "eligible"


def test_never_is_refused_for_the_date_of_birth():
    with pytest.raises(IntakeError) as refused:
        read_answers({"date_of_birth": "never"})
    assert "YYYY-MM-DD" in refused.value.problems["date_of_birth"]


def test_a_bad_last_date_says_never_is_an_answer():
    with pytest.raises(IntakeError) as refused:
        read_answers({"filler_last_date": "Never!"})
    assert '"never"' in refused.value.problems["filler_last_date"]


def test_a_protocol_stored_with_the_old_assume_no_still_loads_and_asks():
    old = DEFAULT_PATH.read_text().replace(
        'field = "filler_last_date"\n', 'field = "filler_last_date"\nif_not_asked = "assume_no"\n'
    )
    clinic = load_protocol(old)
    assert clinic.contraindications["filler"].if_not_asked == "assume_no"
    assert rules_of(evaluate(intake(filler_last_date=ABSENT), clinic, ON)) == ["not_asked:filler_last_date"]


def test_prp_questions_apply_only_to_a_plan_with_prp():
    infected = intake(bloodborne_infection="positive", platelet_disorder=True)
    assert evaluate(infected, PROTOCOL, ON).outcome == "eligible"
    with_prp = evaluate(infected, PROTOCOL, ON, adjuncts=PRP)
    assert with_prp.outcome == "clearance"
    assert sorted(rules_of(with_prp)) == ["prp_bloodborne_infection", "prp_platelet_disorder"]
    assert all(f.source.startswith(("Stadelman-Behar 2024", "Alster 2018")) for f in with_prp.findings)


def test_an_unknown_adjunct_is_refused():
    with pytest.raises(ValueError, match="unknown adjuncts: laser; valid adjuncts: prp"):
        evaluate(intake(), PROTOCOL, ON, adjuncts=["laser"])


def test_radiotherapy_within_twelve_months_defers_then_needs_clearance():
    within = screen(radiotherapy_to_site_last_date="2024-06-01")
    assert (within.outcome, within.defer_until) == ("deferred", date(2025, 6, 1))
    assert "radiotherapy_clearance" in rules_of(within)  # the clearance that follows the wait is listed
    after = evaluate(intake(radiotherapy_to_site_last_date="2024-06-01"), PROTOCOL, date(2025, 6, 1))
    assert after.outcome == "clearance"
    assert "oncologist" in finding(after, "radiotherapy_clearance").message


def test_an_empty_intake_is_never_eligible_and_lists_every_unasked_question():
    decision = evaluate({}, PROTOCOL, ON)
    assert decision.outcome == "deferred"
    assert decision.defer_until is None
    asked_for = {f.rule.removeprefix("not_asked:") for f in decision.findings}
    assert asked_for == set(SCREENED) - set(ADJUNCT_ONLY)
    assert "isotretinoin_last_dose" in asked_for  # a left-out date is not asked, not "never"
    assert set(INTAKE_FIELDS) - set(SCREENED) == {"smoker", "sun_exposure"}


def test_the_decision_has_exactly_the_contract_shape():
    shape = screen(isotretinoin_last_dose="2025-01-01", fitzpatrick=5).to_dict()
    assert set(shape) == {"outcome", "defer_until", "findings", "protocol"}
    assert shape["outcome"] == "deferred"
    assert shape["defer_until"] == "2025-07-01"
    assert shape["protocol"] == {"name": "needlecare-default", "version": PROTOCOL.version}
    for item in shape["findings"]:
        assert set(item) == {"rule", "severity", "message", "source"}


def test_patient_messages_can_be_added_to_the_decision_for_patient_pages():
    shape = screen(filler_last_date="2025-03-01").to_dict(patient_messages=True)
    assert shape["findings"][0]["patient_message"].endswith("the earliest date is 2025-03-22.")


def test_an_eligible_decision_has_no_findings_and_no_deferral_date():
    assert screen().to_dict() == {
        "outcome": "eligible",
        "defer_until": None,
        "findings": [],
        "protocol": {"name": "needlecare-default", "version": PROTOCOL.version},
    }


def test_dates_may_be_given_as_date_objects():
    assert screen(neurotoxin_last_date=date(2025, 3, 1)).defer_until == date(2025, 3, 15)


@pytest.mark.parametrize(
    ("answers", "field", "reason"),
    [
        ({"pregnant": True}, "pregnant", "not an intake question"),
        ({"pregnant_or_breastfeeding": "yes"}, "pregnant_or_breastfeeding", "must be true, false or null"),
        ({"keloid_history": 1}, "keloid_history", "must be true, false or null"),
        ({"fitzpatrick": 7}, "fitzpatrick", "from 1 to 6"),
        ({"fitzpatrick": True}, "fitzpatrick", "from 1 to 6"),
        ({"fitzpatrick": "4"}, "fitzpatrick", "from 1 to 6"),
        ({"active_acne_at_site": "severe"}, "active_acne_at_site", "none, comedonal, inflammatory"),
        ({"isotretinoin_last_dose": "last spring"}, "isotretinoin_last_dose", "YYYY-MM-DD"),
        ({"isotretinoin_last_dose": "2025-02-30"}, "isotretinoin_last_dose", "YYYY-MM-DD"),
        ({"isotretinoin_last_dose": 20250101}, "isotretinoin_last_dose", "YYYY-MM-DD"),
        ({"filler_last_date": datetime(2025, 1, 1, 9, 0)}, "filler_last_date", "YYYY-MM-DD"),
        ({"allergies": "nickel"}, "allergies", "list of text"),
        ({"allergies": [1]}, "allergies", "list of text"),
    ],
)
def test_a_malformed_intake_is_refused_naming_each_bad_field(answers, field, reason):
    with pytest.raises(IntakeError) as caught:
        evaluate(answers, PROTOCOL, ON)
    assert reason in caught.value.problems[field]


def test_every_bad_field_is_named_at_once():
    with pytest.raises(IntakeError) as caught:
        read_answers({"fitzpatrick": 0, "diabetes": "type 2", "pregnant_or_breastfeeding": False})
    assert set(caught.value.problems) == {"fitzpatrick", "diabetes"}


def test_the_examples_in_the_docstrings_hold():
    from needlecare.screening import rules

    assert doctest.testmod(rules).failed == 0


def test_screening_needs_a_date_not_a_datetime():
    with pytest.raises(TypeError):
        evaluate(intake(), PROTOCOL, datetime(2025, 3, 10, 12, 0))


# ---------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------

FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2027, 12, 31)
on_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


def _answer(field: str) -> st.SearchStrategy[Any]:
    spec = INTAKE_FIELDS[field]
    if spec.kind == "yes_no":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "fitzpatrick":
        return st.integers(1, 6)
    if spec.kind == "list":
        return st.lists(
            st.sampled_from(["lidocaine", "Nickel", "penicillin", "latex", "EMLA", "gold", "Ametop"]),
            max_size=3,
        )
    if field == "date_of_birth":
        return st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31))
    dates = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
    return st.one_of(st.just("never"), dates) if spec.can_be_never else dates


# Any intake in the contract: each question absent, unknown (None) or answered.
intakes = st.fixed_dictionaries(
    {}, optional={field: st.one_of(st.none(), _answer(field)) for field in INTAKE_FIELDS}
)

# For each rule: the field, the answer that is "no" (ABSENT for the dated ones), and an answer that fires it.
TRIGGERS: dict[str, tuple[str, Any, Any]] = {
    "active_infection": ("active_infection_at_site", False, True),
    "inflammatory_acne": ("active_acne_at_site", "none", "inflammatory"),
    "active_dermatitis": ("dermatitis_at_site", "none", "active"),
    "stable_dermatitis": ("dermatitis_at_site", "none", "stable"),
    "pregnancy_or_breastfeeding": ("pregnant_or_breastfeeding", False, True),
    "isotretinoin": ("isotretinoin_last_dose", "never", -60),
    "recent_sunburn": ("recent_sunburn_at_site", False, True),
    "neurotoxin": ("neurotoxin_last_date", "never", -3),
    "filler": ("filler_last_date", "never", -3),
    "laser_or_peel": ("laser_or_peel_last_date", "never", -3),
    "ablative_laser_or_deep_peel": ("ablative_laser_or_deep_peel_last_date", "never", -3),
    "topical_retinoid": ("topical_retinoid_last_use", "never", -1),
    "radiotherapy_recent": ("radiotherapy_to_site_last_date", "never", -30),
    "radiotherapy_clearance": ("radiotherapy_to_site_last_date", "never", -800),
    "active_koebner_disease": ("koebner_disease", "none", "active"),
    "stable_koebner_disease": ("koebner_disease", "none", "stable"),
    "connective_tissue_disease": ("connective_tissue_disease", False, True),
    "prp_bloodborne_infection": ("bloodborne_infection", "none", "positive"),
    "prp_platelet_disorder": ("platelet_disorder", False, True),
    "gold_allergy": ("allergies", [], ["gold"]),
    "anticoagulant": ("anticoagulant", "none", "anticoagulant"),
    "bleeding_disorder": ("bleeding_disorder", False, True),
    "antiplatelet": ("anticoagulant", "none", "antiplatelet"),
    "immunosuppression": ("immunosuppressed", False, True),
    "uncontrolled_diabetes": ("diabetes", "none", "uncontrolled"),
    "controlled_diabetes": ("diabetes", "none", "controlled"),
    "radiation_to_site": ("radiation_to_site_last_12_months", False, True),
    "keloid_history": ("keloid_history", False, True),
    "skin_cancer_or_suspicious_lesion": ("skin_cancer_or_suspicious_lesion_at_site", False, True),
    "herpes_simplex_history": ("herpes_simplex_history", False, True),
    "anaesthetic_allergy": ("allergies", [], ["lidocaine"]),
    "metal_allergy": ("allergies", [], ["nickel"]),
    "darker_skin": ("fitzpatrick", 2, 5),
    "under_18": ("date_of_birth", -30 * 365, -16 * 365),
}


def _resolve(value: Any, on: date) -> Any:
    # Whole numbers stand for "this many days from the screening date" in date answers.
    return (on + timedelta(days=value)).isoformat() if type(value) is int and value <= 0 else value


def _with(answers: dict[str, Any], field: str, value: Any, on: date) -> dict[str, Any]:
    changed = {key: item for key, item in answers.items() if key != field}
    if value is not ABSENT:
        changed[field] = _resolve(value, on) if INTAKE_FIELDS[field].kind == "date" else value
    return changed


def test_the_triggers_cover_every_rule():
    assert set(TRIGGERS) == set(PROTOCOL.contraindications)


@settings(max_examples=300)
@given(answers=intakes, on=on_dates)
def test_the_outcome_is_the_worst_finding_and_never_better_than_any_finding(answers, on):
    decision = evaluate(answers, PROTOCOL, on)
    assert decision.outcome in OUTCOMES
    for found in decision.findings:
        assert rank(decision.outcome) >= rank(found.severity)
    if decision.findings:
        assert decision.outcome == max((f.severity for f in decision.findings), key=rank)
    else:
        assert decision.outcome == "eligible"


@settings(max_examples=300)
@given(answers=intakes, on=on_dates, rule=st.sampled_from(sorted(TRIGGERS)))
def test_adding_a_contraindication_never_improves_the_outcome(answers, on, rule):
    field, no, yes = TRIGGERS[rule]
    before = evaluate(_with(answers, field, no, on), PROTOCOL, on, adjuncts=PRP)
    after = evaluate(_with(answers, field, yes, on), PROTOCOL, on, adjuncts=PRP)
    assert rank(after.outcome) >= rank(before.outcome)
    assert rule in rules_of(after)


@settings(max_examples=300)
@given(answers=intakes, on=on_dates)
def test_defer_until_is_the_latest_deferral_date_and_never_in_the_past(answers, on):
    decision = evaluate(answers, PROTOCOL, on)
    dates = [f.defer_until for f in decision.findings if f.defer_until is not None]
    if decision.outcome == "deferred" and dates:
        assert decision.defer_until == max(dates)
        assert decision.defer_until > on
    else:
        assert decision.defer_until is None
    assert all(day > on for day in dates)


@settings(max_examples=300)
@given(answers=intakes, on=on_dates, field=st.sampled_from(SCREENED))
def test_an_unknown_answer_never_yields_eligible(answers, on, field):
    decision = evaluate({**answers, field: None}, PROTOCOL, on, adjuncts=PRP)
    assert decision.outcome != "eligible"
    assert f"unknown:{field}" in rules_of(decision)


@settings(max_examples=200)
@given(answers=intakes, on=on_dates, field=st.sampled_from(SCREENED))
def test_an_unasked_question_never_yields_eligible(answers, on, field):
    answers = {key: value for key, value in answers.items() if key != field}
    decision = evaluate(answers, PROTOCOL, on, adjuncts=PRP)
    newer = INTAKE_FIELDS[field].superseded_by
    if newer and answers.get(newer) is not None:
        return  # the older question, answered by the newer one
    assert decision.outcome != "eligible"
    assert f"not_asked:{field}" in rules_of(decision)


@settings(max_examples=200)
@given(answers=intakes, on=on_dates)
def test_every_decision_has_the_contract_shape(answers, on):
    shape = evaluate(answers, PROTOCOL, on).to_dict()
    assert set(shape) == {"outcome", "defer_until", "findings", "protocol"}
    assert all(set(item) == {"rule", "severity", "message", "source"} for item in shape["findings"])
    assert all(item["message"] and item["source"] for item in shape["findings"])


@settings(max_examples=200)
@given(
    answers=intakes,
    on=on_dates,
    smoker=st.sampled_from([ABSENT, None, True, False]),
    sun=st.sampled_from([ABSENT, None, "low", "medium", "high"]),
)
def test_smoking_and_sun_exposure_never_change_the_decision(answers, on, smoker, sun):
    plain = {k: v for k, v in answers.items() if k not in ("smoker", "sun_exposure")}
    given = {**plain, "smoker": smoker, "sun_exposure": sun}
    given = {k: v for k, v in given.items() if v is not ABSENT}
    assert evaluate(given, PROTOCOL, on) == evaluate(plain, PROTOCOL, on)


def test_a_bad_smoking_or_sun_answer_is_named():
    with pytest.raises(IntakeError) as refused:
        read_answers({"smoker": "sometimes", "sun_exposure": "lots"})
    assert set(refused.value.problems) == {"smoker", "sun_exposure"}


# ---------------------------------------------------------------------------------------------------------
# Allergens: brand names and metals map to ingredient keys (issue 13 §2.6)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "ingredients"),
    [
        (["Xylocaine"], {"lidocaine"}),
        (["lignocaine"], {"lidocaine"}),
        (["LMX4 cream"], {"lidocaine"}),
        (["EMLA"], {"lidocaine", "prilocaine"}),
        (["Ametop"], {"tetracaine"}),
        (["amethocaine gel"], {"tetracaine"}),
        (["Pliaglis"], {"lidocaine", "tetracaine"}),
        (["Lidocaine/tetracaine 7%/7%"], {"lidocaine", "tetracaine"}),
        (["articaine (dentist)"], {"articaine"}),
        (["Septocaine"], {"articaine"}),
        (["benzocaine"], {"benzocaine"}),
        (
            ["local anaesthetics"],
            {"lidocaine", "prilocaine", "tetracaine", "benzocaine", "articaine", "procaine"},
        ),
        (["nickel"], {"nickel"}),
        (["costume jewellery"], {"nickel"}),
        (["jewelry"], {"nickel"}),
        (["stainless steel"], {"nickel"}),
        (["Gold"], {"gold"}),
        (["gold earrings", "cobalt"], {"gold", "cobalt"}),
        (["marigold", "golden syrup", "penicillin", "latex"], set()),
        ([], set()),
    ],
)
def test_allergens_of_maps_brands_synonyms_and_metals_to_ingredients(words, ingredients):
    assert allergens_of({"allergies": words}, PROTOCOL) == ingredients


def test_allergens_of_an_unknown_or_unasked_list_is_empty():
    assert allergens_of({"allergies": None}, PROTOCOL) == set()
    assert allergens_of({}, PROTOCOL) == set()


def test_the_allergen_names_are_protocol_data():
    text = DEFAULT_PATH.read_text().replace(
        'names = ["septocaine", "ubistesin", "septanest"]',
        'names = ["septocaine", "ubistesin", "septanest", "zorcaine"]',
    )
    clinic = load_protocol(text)
    assert allergens_of({"allergies": ["Zorcaine"]}, clinic) == {"articaine"}
    assert allergens_of({"allergies": ["Zorcaine"]}, PROTOCOL) == set()


def test_a_nickel_allergy_asks_for_gold_plated_needles_and_a_gold_allergy_for_none():
    nickel = finding(screen(allergies=["costume jewellery"]), "metal_allergy")
    assert "gold-plated" in nickel.message and "costume jewellery (nickel)" in nickel.message
    gold = finding(screen(allergies=["gold"]), "gold_allergy")
    assert "do not use gold-plated" in gold.message


def test_an_anaesthetic_allergy_by_brand_names_the_ingredients():
    found = finding(screen(allergies=["EMLA"]), "anaesthetic_allergy")
    assert "EMLA (lidocaine, prilocaine)" in found.message


def test_a_protocol_without_the_radiotherapy_date_rules_still_asks_the_old_question():
    # A clinic on a protocol stored before issue 13 reads only the yes/no: answering only the date
    # must not leave radiotherapy unscreened.
    text = DEFAULT_PATH.read_text()
    for rule in ("radiotherapy_recent", "radiotherapy_clearance"):
        head = text.index(f"[contraindications.{rule}]")
        text = text[:head] + text[text.index("\n[", head + 1) + 1 :]
    old = load_protocol(text)
    decision = evaluate(
        intake(radiation_to_site_last_12_months=ABSENT, radiotherapy_to_site_last_date="2025-01-01"), old, ON
    )
    assert rules_of(decision) == ["not_asked:radiation_to_site_last_12_months"]
