"""Screening cases from the literature, decided as a dermatologist would (issue 13).

Each case is one patient on 10 March 2025: what differs from a patient nothing stops, the plan's zones and
adjuncts where they matter, the outcome, the first day a session is possible when it is deferred with a
date, and the source (a key of the protocol's [sources]) the decision rests on. Every wash-out window is
tried the day before it ends, the day it ends and the day after; then combinations (the worst finding
wins, the latest date of several deferrals), unknown (null) and unasked (left-out) answers.
"""

# ruff: noqa: E501  (the case table reads best one case to a line)

from datetime import date, timedelta
from typing import Any

import pytest

from needlecare.patients.intake import CLEAN_ANSWERS, LAST_DATE_FIELDS
from needlecare.protocols import load_default
from needlecare.screening.rules import evaluate

PROTOCOL = load_default()
ON = date(2025, 3, 10)
LEFT_OUT = object()  # the question was not asked: the key is absent
# Every question answered, nothing that stops treatment: an adult of skin type II who never had any of
# the procedures or medicines a date question asks about.
PATIENT: dict[str, Any] = {**CLEAN_ANSWERS, "date_of_birth": "1985-06-15", "fitzpatrick": 2}


def ago(days: int = 0, *, months: int = 0) -> str:
    """The date ``days`` (or calendar ``months``) before the screening day, as the intake writes it."""
    if months:
        year, month = divmod(ON.month - 1 - months, 12)
        return date(ON.year + year, month + 1, ON.day).isoformat()
    return (ON - timedelta(days=days)).isoformat()


def d(day: str) -> date:
    return date.fromisoformat(day)


FACE = {"zones": ["cheeks"]}
PRP = {"adjuncts": ["prp"]}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, date | None, str]] = [
    # (case, answers that differ, plan, outcome, defer_until, source)
    ("no contraindication, every date question answered never", {}, {}, "eligible", None, "Alster 2018"),
    # --- Isotretinoin: 6 months after the last dose -------------------------------------------------
    ("isotretinoin: the day before six months", {"isotretinoin_last_dose": "2024-09-11"}, {}, "deferred", d("2025-03-11"), "Waldman 2017"),
    ("isotretinoin: six months to the day", {"isotretinoin_last_dose": "2024-09-10"}, {}, "eligible", None, "Waldman 2017"),
    ("isotretinoin: the day after six months", {"isotretinoin_last_dose": "2024-09-09"}, {}, "eligible", None, "Spring 2017"),
    ("isotretinoin: still taking it (last dose next month)", {"isotretinoin_last_dose": "2025-04-01"}, {}, "deferred", d("2025-10-01"), "Waldman 2017"),
    ("isotretinoin: unknown", {"isotretinoin_last_dose": None}, {}, "deferred", None, "Waldman 2017"),
    ("isotretinoin: not asked is not never", {"isotretinoin_last_dose": LEFT_OUT}, {}, "deferred", None, "Waldman 2017"),
    # --- Topical retinoid: 5 days ------------------------------------------------------------------------
    ("retinoid: four days ago", {"topical_retinoid_last_use": ago(4)}, {}, "deferred", d("2025-03-11"), "Alster 2018"),
    ("retinoid: five days ago", {"topical_retinoid_last_use": ago(5)}, {}, "eligible", None, "Alster 2018"),
    ("retinoid: six days ago", {"topical_retinoid_last_use": ago(6)}, {}, "eligible", None, "Alster 2018"),
    ("retinoid: not asked", {"topical_retinoid_last_use": LEFT_OUT}, {}, "deferred", None, "Alster 2018"),
    # --- Neurotoxin: 14 days -----------------------------------------------------------------------------
    ("neurotoxin: 13 days ago", {"neurotoxin_last_date": ago(13)}, {}, "deferred", d("2025-03-11"), "practice consensus"),
    ("neurotoxin: 14 days ago", {"neurotoxin_last_date": ago(14)}, {}, "eligible", None, "practice consensus"),
    ("neurotoxin: 15 days ago", {"neurotoxin_last_date": ago(15)}, {}, "eligible", None, "practice consensus"),
    ("neurotoxin: not asked", {"neurotoxin_last_date": LEFT_OUT}, {}, "deferred", None, "practice consensus"),
    # --- Dermal filler: 21 days --------------------------------------------------------------------------
    ("filler: 20 days ago", {"filler_last_date": ago(20)}, {}, "deferred", d("2025-03-11"), "practice consensus"),
    ("filler: 21 days ago", {"filler_last_date": ago(21)}, {}, "eligible", None, "practice consensus"),
    ("filler: 22 days ago", {"filler_last_date": ago(22)}, {}, "eligible", None, "practice consensus"),
    ("filler: unknown", {"filler_last_date": None}, {}, "deferred", None, "practice consensus"),
    # --- Superficial peel or non-ablative laser: 14 days ---------------------------------------------
    ("superficial peel: 13 days ago", {"laser_or_peel_last_date": ago(13)}, {}, "deferred", d("2025-03-11"), "practice consensus"),
    ("superficial peel: 14 days ago", {"laser_or_peel_last_date": ago(14)}, {}, "eligible", None, "practice consensus"),
    ("superficial peel: 15 days ago", {"laser_or_peel_last_date": ago(15)}, {}, "eligible", None, "practice consensus"),
    # --- Ablative laser or medium/deep peel: 6 weeks and healed skin ---------------------------------
    ("ablative laser: 41 days ago", {"ablative_laser_or_deep_peel_last_date": ago(41)}, {}, "deferred", d("2025-03-11"), "Clinical review 2026"),
    ("ablative laser: 42 days ago", {"ablative_laser_or_deep_peel_last_date": ago(42)}, {}, "eligible", None, "Clinical review 2026"),
    ("ablative laser: 43 days ago", {"ablative_laser_or_deep_peel_last_date": ago(43)}, {}, "eligible", None, "Clinical review 2026"),
    ("deep peel 15 days ago: 14 days is not enough", {"ablative_laser_or_deep_peel_last_date": ago(15)}, {}, "deferred", d("2025-04-06"), "Clinical review 2026"),
    ("ablative laser: unknown date", {"ablative_laser_or_deep_peel_last_date": None}, {}, "deferred", None, "Clinical review 2026"),
    ("ablative laser: not asked", {"ablative_laser_or_deep_peel_last_date": LEFT_OUT}, {}, "deferred", None, "Clinical review 2026"),
    # --- Radiotherapy to the site: 12 months defers, earlier needs the oncologist's clearance ---------
    ("radiotherapy: the day before 12 months", {"radiotherapy_to_site_last_date": "2024-03-11"}, {}, "deferred", d("2025-03-11"), "Alster 2018"),
    ("radiotherapy: 12 months to the day", {"radiotherapy_to_site_last_date": "2024-03-10"}, {}, "clearance", None, "Alster 2018"),
    ("radiotherapy: the day after 12 months", {"radiotherapy_to_site_last_date": "2024-03-09"}, {}, "clearance", None, "Alster 2018"),
    ("radiotherapy five years ago", {"radiotherapy_to_site_last_date": "2020-01-15"}, {}, "clearance", None, "Clinical review 2026"),
    ("radiotherapy: the old yes in the last 12 months defers, not declines", {"radiation_to_site_last_12_months": True, "radiotherapy_to_site_last_date": LEFT_OUT}, {}, "deferred", None, "Alster 2018"),
    ("radiotherapy: the old yes with the date gives the date", {"radiation_to_site_last_12_months": True, "radiotherapy_to_site_last_date": ago(months=3)}, {}, "deferred", d("2025-12-10"), "Alster 2018"),
    ("radiotherapy: the date answered, the old question left out", {"radiation_to_site_last_12_months": LEFT_OUT}, {}, "eligible", None, "Alster 2018"),
    ("radiotherapy: date not asked", {"radiotherapy_to_site_last_date": LEFT_OUT}, {}, "deferred", None, "Alster 2018"),
    ("radiotherapy: date unknown", {"radiotherapy_to_site_last_date": None}, {}, "deferred", None, "Alster 2018"),
    # --- Age: 18 ----------------------------------------------------------------------------------------
    ("the day before the 18th birthday", {"date_of_birth": "2007-03-11"}, {}, "clearance", None, "practice"),
    ("the 18th birthday", {"date_of_birth": "2007-03-10"}, {}, "eligible", None, "practice"),
    ("the day after the 18th birthday", {"date_of_birth": "2007-03-09"}, {}, "eligible", None, "practice"),
    # --- Koebner-prone disease anywhere on the body ------------------------------------------------
    ("active psoriasis on the elbows, treating the face", {"koebner_disease": "active"}, FACE, "deferred", None, "Alster 2018"),
    ("stable vitiligo elsewhere", {"koebner_disease": "stable"}, {}, "clearance", None, "Alster 2018"),
    ("Koebner-prone disease unknown", {"koebner_disease": None}, {}, "deferred", None, "Alster 2018"),
    ("Koebner-prone disease not asked", {"koebner_disease": LEFT_OUT}, {}, "deferred", None, "Clinical review 2026"),
    ("stable eczema at the site still needs clearance", {"dermatitis_at_site": "stable"}, {}, "clearance", None, "Alster 2018"),
    # --- Connective-tissue disease ------------------------------------------------------------------
    ("scleroderma or lupus", {"connective_tissue_disease": True}, {}, "clearance", None, "Clinical review 2026"),
    ("connective-tissue disease unknown", {"connective_tissue_disease": None}, {}, "clearance", None, "Clinical review 2026"),
    # --- Cold sores: every facial zone -------------------------------------------------------------
    ("cold sores, treating the forehead", {"herpes_simplex_history": True}, {"zones": ["forehead"]}, "precautions", None, "Alster 2018"),
    ("cold sores, treating under the eyes", {"herpes_simplex_history": True}, {"zones": ["periorbital"]}, "precautions", None, "Alster 2018"),
    ("cold sores, treating the upper lip", {"herpes_simplex_history": True}, {"zones": ["perioral"]}, "precautions", None, "Alster 2018"),
    ("cold sores, treating the abdomen only", {"herpes_simplex_history": True}, {"zones": ["abdomen"]}, "eligible", None, "Alster 2018"),
    # --- Allergies by brand name and metal ---------------------------------------------------------
    ("Xylocaine allergy", {"allergies": ["Xylocaine"]}, {}, "precautions", None, "Product information"),
    ("LMX4 allergy", {"allergies": ["LMX4"]}, {}, "precautions", None, "Product information"),
    ("Ametop allergy", {"allergies": ["Ametop gel"]}, {}, "precautions", None, "Product information"),
    ("EMLA allergy", {"allergies": ["EMLA"]}, {}, "precautions", None, "Product information"),
    ("articaine allergy (dental)", {"allergies": ["articaine"]}, {}, "precautions", None, "Product information"),
    ("nickel allergy: gold-plated needles", {"allergies": ["nickel"]}, {}, "precautions", None, "practice"),
    ("costume jewellery allergy", {"allergies": ["costume jewellery"]}, {}, "precautions", None, "practice"),
    ("gold allergy", {"allergies": ["gold"]}, {}, "precautions", None, "practice"),
    ("penicillin allergy does not matter", {"allergies": ["penicillin"]}, {}, "eligible", None, "practice"),
    ("marigold is not gold", {"allergies": ["marigold"]}, {}, "eligible", None, "practice"),
    ("allergies unknown", {"allergies": None}, {}, "precautions", None, "practice"),
    # --- PRP (blood-derived adjunct) ---------------------------------------------------------------
    ("hepatitis C and a PRP plan", {"bloodborne_infection": "positive"}, PRP, "clearance", None, "Stadelman-Behar 2024"),
    ("hepatitis C, needling without PRP", {"bloodborne_infection": "positive"}, {}, "eligible", None, "Stadelman-Behar 2024"),
    ("blood-borne infection unknown, PRP plan", {"bloodborne_infection": None}, PRP, "clearance", None, "Stadelman-Behar 2024"),
    ("blood-borne infection not asked, PRP plan", {"bloodborne_infection": LEFT_OUT}, PRP, "clearance", None, "Stadelman-Behar 2024"),
    ("blood-borne infection not asked, no PRP", {"bloodborne_infection": LEFT_OUT}, {}, "eligible", None, "Stadelman-Behar 2024"),
    ("low platelets and a PRP plan", {"platelet_disorder": True}, PRP, "clearance", None, "Alster 2018"),
    ("no infection, normal platelets, PRP plan", {}, PRP, "eligible", None, "Stadelman-Behar 2024"),
    # --- Combinations: the worst finding wins; the latest of several dates -------------------------
    ("isotretinoin a month ago and filler two days ago: the later date", {"isotretinoin_last_dose": ago(months=1), "filler_last_date": ago(2)}, {}, "deferred", d("2025-08-10"), "Waldman 2017"),
    ("neurotoxin yesterday and a deep peel 10 days ago: the later date", {"neurotoxin_last_date": ago(1), "ablative_laser_or_deep_peel_last_date": ago(10)}, {}, "deferred", d("2025-04-11"), "Clinical review 2026"),
    ("a dated wait beside pregnancy keeps its date", {"pregnant_or_breastfeeding": True, "filler_last_date": ago(2)}, {}, "deferred", d("2025-03-29"), "practice consensus"),
    ("skin cancer at the site declines whatever else waits", {"skin_cancer_or_suspicious_lesion_at_site": True, "isotretinoin_last_dose": ago(30)}, {}, "declined", None, "Alster 2018"),
    ("a deep peel and old radiotherapy: wait, then clearance", {"ablative_laser_or_deep_peel_last_date": ago(10), "radiotherapy_to_site_last_date": "2022-05-01"}, {}, "deferred", d("2025-04-11"), "Clinical review 2026"),
    ("stable vitiligo on Fitzpatrick V: clearance beats precautions", {"koebner_disease": "stable", "fitzpatrick": 5}, {}, "clearance", None, "Alster 2018"),
    ("cold sores and EMLA allergy, treating the cheeks", {"herpes_simplex_history": True, "allergies": ["EMLA"]}, FACE, "precautions", None, "Alster 2018"),
    ("anticoagulant and active psoriasis: deferral beats clearance", {"anticoagulant": "anticoagulant", "koebner_disease": "active"}, {}, "deferred", None, "Alster 2018"),
    ("an intake that asked nothing is never eligible", {key: LEFT_OUT for key in PATIENT}, {}, "deferred", None, "practice"),
]  # fmt: skip


def _answers(changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**PATIENT, **changes}
    return {key: value for key, value in merged.items() if value is not LEFT_OUT}


@pytest.mark.parametrize(
    ("changes", "plan", "outcome", "defer_until", "source"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_dermatologist_would_decide_so(changes, plan, outcome, defer_until, source):
    decision = evaluate(_answers(changes), PROTOCOL, ON, **plan)
    assert (decision.outcome, decision.defer_until) == (outcome, defer_until), [
        (f.rule, f.severity, f.defer_until) for f in decision.findings
    ]
    assert source in PROTOCOL.sources
    if outcome != "eligible":
        # The finding that decides rests on the cited source.
        worst = [f for f in decision.findings if f.severity == outcome]
        assert any(source in f.source for f in worst), [(f.rule, f.source) for f in worst]


def test_the_literature_set_has_at_least_forty_cases_and_unique_names():
    assert len(CASES) >= 40
    assert len({case[0] for case in CASES}) == len(CASES)


def test_every_wash_out_window_is_tried_the_day_before_on_and_after_it_ends():
    windows = {rule.field for rule in PROTOCOL.contraindications.values() if rule.defer_after is not None} | {
        "date_of_birth"
    }
    tried: dict[str, int] = {}
    for _, changes, *_ in CASES:
        for field in changes:
            if field in windows and isinstance(changes[field], str):
                tried[field] = tried.get(field, 0) + 1
    assert windows <= set(tried)
    assert all(count >= 3 for count in tried.values()), tried


def test_every_date_question_has_a_not_asked_or_unknown_case():
    covered = {
        field
        for _, changes, *_ in CASES
        for field, value in changes.items()
        if value is None or value is LEFT_OUT
    }
    assert set(LAST_DATE_FIELDS) - covered <= {"laser_or_peel_last_date"}  # its twin, ablative, is covered
