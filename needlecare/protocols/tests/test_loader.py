"""The default protocol encodes the clinical reference, and a broken protocol is refused, saying where."""

import doctest
import re
import typing
from pathlib import Path

import pytest

import needlecare.protocols
from needlecare.protocols import DEFAULT_PATH, ProtocolError, load_default, load_protocol, load_protocol_file
from needlecare.protocols.loader import (
    INTAKE_FIELDS,
    REQUIRED_DEVICES,
    REQUIRED_INDICATIONS,
    REQUIRED_ZONES,
    canonical_text,
    content_hash,
    unknown_source_parts,
)

DEFAULT_TEXT = DEFAULT_PATH.read_text(encoding="utf-8")


def refused(old: str, new: str, *, count: int = 1) -> ProtocolError:
    """Load the default protocol with one edit, expecting refusal; return the error."""
    assert DEFAULT_TEXT.count(old) >= 1, f"test edit not found: {old!r}"
    with pytest.raises(ProtocolError) as caught:
        load_protocol(DEFAULT_TEXT.replace(old, new, count), filename="clinic.toml")
    return caught.value


# ---------------------------------------------------------------------------------------------------------
# The default protocol
# ---------------------------------------------------------------------------------------------------------


def test_default_protocol_loads_and_is_identified_by_the_hash_of_its_text():
    protocol = load_default()
    assert protocol.name == "needlecare-default"
    assert re.fullmatch(r"[0-9a-f]{64}", protocol.version)
    assert protocol.version == content_hash(DEFAULT_TEXT)
    assert protocol.text == canonical_text(DEFAULT_TEXT)
    assert protocol.ref() == {"name": "needlecare-default", "version": protocol.version}


def test_load_default_reads_the_file_once():
    assert load_default() is load_default()


def test_default_protocol_keeps_every_identifier_design_names():
    protocol = load_default()
    assert set(REQUIRED_ZONES) <= set(protocol.zones)
    assert set(REQUIRED_INDICATIONS) <= set(protocol.indications)
    assert set(REQUIRED_DEVICES) <= set(protocol.devices)


def test_every_source_in_the_default_protocol_cites_a_listed_source():
    protocol = load_default()
    entries = [
        *protocol.zones.values(),
        *protocol.indications.values(),
        *(indication.series for indication in protocol.indications.values()),
        *protocol.contraindications.values(),
        *protocol.devices.values(),
        *protocol.aftercare.steps,
        protocol.durability,
        protocol.darker_skin,
        protocol.screening,
    ]
    for entry in entries:
        assert entry.source
        assert unknown_source_parts(entry.source, protocol.sources) == []


@pytest.mark.parametrize(
    ("zone", "usual", "upper"),
    [
        ("forehead", (0.25, 0.5), 0.75),
        ("periorbital", (0.25, 0.5), 0.5),
        ("nose", (0.25, 0.5), 1.0),
        ("cheeks", (0.5, 1.5), 2.0),
        ("perioral", (0.5, 1.0), 1.0),
        ("chin", (0.5, 1.0), 1.5),
        ("jawline", (0.5, 1.0), 1.5),
        ("neck", (0.25, 0.5), 1.0),
        ("decolletage", (0.25, 0.5), 1.0),
        ("abdomen", (1.0, 2.0), 2.5),
        ("thighs", (1.0, 2.0), 2.5),
        ("buttocks", (1.0, 2.0), 2.5),
        ("arms", (1.0, 2.0), 2.5),
        ("back", (1.0, 2.0), 2.5),
    ],
)
def test_zone_depth_bands_match_the_clinical_reference(zone, usual, upper):
    band = load_default().zones[zone]
    assert (band.depth_mm.min, band.depth_mm.max) == usual
    assert band.upper_mm == upper


def test_zone_ceilings_apply_only_to_the_indications_the_reference_names():
    zones = load_default().zones
    assert set(zones["nose"].upper_for) == {"enlarged_pores", "acne_scars", "surgical_scars"}
    assert zones["cheeks"].upper_for == ["acne_scars"]
    assert set(zones["chin"].upper_for) == set(zones["jawline"].upper_for) == {"acne_scars", "surgical_scars"}
    assert set(zones["back"].upper_for) == {"stretch_marks", "acne_scars", "surgical_scars"}
    assert zones["forehead"].upper_for == zones["neck"].upper_for == []


def test_only_body_zones_go_above_two_millimetres():
    protocol = load_default()
    assert protocol.depth.non_body_max_mm == 2.0
    for zone in protocol.zones.values():
        if zone.region != "body":
            assert zone.upper_mm <= 2.0


@pytest.mark.parametrize(
    ("indication", "band", "pigment"),
    [
        ("fine_lines", (0.5, 1.0), False),
        ("uneven_texture", (0.5, 1.0), False),
        ("enlarged_pores", (0.5, 1.0), False),
        ("sun_damage", (0.5, 1.0), True),
        ("hyperpigmentation", (0.25, 0.5), True),
        ("acne_scars", (1.0, 2.0), False),
        ("surgical_scars", (1.0, 2.0), False),
        ("stretch_marks", (1.5, 2.5), False),
    ],
)
def test_indication_depth_bands_match_the_clinical_reference(indication, band, pigment):
    entry = load_default().indications[indication]
    assert (entry.depth_mm.min, entry.depth_mm.max) == band
    assert entry.pigment is pigment


@pytest.mark.parametrize(
    ("indication", "sessions", "interval_weeks", "maintenance_months"),
    [
        ("fine_lines", (3, 6), (4, 6), (6, 12)),
        ("uneven_texture", (3, 6), (4, 6), (6, 12)),
        ("sun_damage", (3, 6), (4, 6), (6, 12)),
        ("enlarged_pores", (3, 6), (4, 6), (6, 12)),
        ("acne_scars", (3, 6), (4, 6), (12, 12)),
        ("surgical_scars", (3, 6), (4, 6), (12, 12)),
        ("stretch_marks", (4, 6), (4, 6), (12, 12)),
        ("hyperpigmentation", (4, 6), (4, 4), (6, 6)),
    ],
)
def test_series_defaults_match_the_clinical_reference(
    indication, sessions, interval_weeks, maintenance_months
):
    series = load_default().indications[indication].series
    assert (series.sessions.min, series.sessions.max) == sessions
    assert (series.interval_weeks.min, series.interval_weeks.max) == interval_weeks
    assert (series.maintenance_months.min, series.maintenance_months.max) == maintenance_months


def test_roller_lengths_are_the_typical_fixed_lengths():
    devices = load_default().devices
    assert devices["roller"].lengths_mm == [0.5, 1.0, 1.5, 2.0]
    assert devices["pen"].adjustable and not devices["roller"].adjustable


def test_darker_skin_settings_start_at_fitzpatrick_four():
    darker = load_default().darker_skin
    assert darker.fitzpatrick_from == 4
    assert darker.pigment_lower_half
    assert darker.interval_extra_weeks > 0


def test_a_screening_decision_is_valid_for_thirty_days():
    assert load_default().screening.valid_days == 30


# Every row of the clinical reference's contraindication table, with its outcome.
CONTRAINDICATION_TABLE = {
    "active_infection": "deferred",
    "inflammatory_acne": "deferred",
    "active_dermatitis": "deferred",
    "stable_dermatitis": "clearance",
    "pregnancy_or_breastfeeding": "deferred",
    "isotretinoin": "deferred",
    "recent_sunburn": "deferred",
    "neurotoxin": "deferred",
    "filler": "deferred",
    "laser_or_peel": "deferred",
    "topical_retinoid": "deferred",
    "anticoagulant": "clearance",
    "bleeding_disorder": "clearance",
    "antiplatelet": "precautions",
    "immunosuppression": "clearance",
    "uncontrolled_diabetes": "clearance",
    "controlled_diabetes": "precautions",
    "radiation_to_site": "deferred",  # issue 13: defers, not declines
    "radiotherapy_recent": "deferred",
    "radiotherapy_clearance": "clearance",
    "ablative_laser_or_deep_peel": "deferred",
    "active_koebner_disease": "deferred",
    "stable_koebner_disease": "clearance",
    "connective_tissue_disease": "clearance",
    "prp_bloodborne_infection": "clearance",
    "prp_platelet_disorder": "clearance",
    "gold_allergy": "precautions",
    "keloid_history": "clearance",
    "skin_cancer_or_suspicious_lesion": "declined",
    "herpes_simplex_history": "precautions",
    "anaesthetic_allergy": "precautions",
    "metal_allergy": "precautions",
    "darker_skin": "precautions",
    "under_18": "clearance",
}


def test_every_row_of_the_contraindication_table_is_a_rule_with_its_outcome():
    rules = load_default().contraindications
    assert {rule_id: rule.severity for rule_id, rule in rules.items()} == CONTRAINDICATION_TABLE


def test_every_rule_says_how_it_ends_and_has_both_messages():
    for rule in load_default().contraindications.values():
        assert rule.ends and rule.staff_message and rule.patient_message
        if rule.severity == "clearance":
            assert rule.clearance_by


@pytest.mark.parametrize(
    ("rule_id", "days", "months"),
    [
        ("isotretinoin", None, 6),
        ("neurotoxin", 14, None),
        ("filler", 21, None),
        ("laser_or_peel", 14, None),
        ("ablative_laser_or_deep_peel", 42, None),
        ("radiotherapy_recent", None, 12),
        ("topical_retinoid", 5, None),
    ],
)
def test_date_based_deferrals_wait_as_the_protocol_says(rule_id, days, months):
    wait = load_default().contraindications[rule_id].defer_after
    assert wait is not None
    assert (wait.days, wait.months) == (days, months)


def test_aftercare_runs_day_zero_one_to_two_three_seven_and_fourteen():
    aftercare = load_default().aftercare
    assert [(step.from_day, step.to_day) for step in aftercare.steps] == [
        (0, 0),
        (1, 2),
        (3, 3),
        (7, 7),
        (14, 14),
    ]
    assert aftercare.deep_above_mm == 1.5
    assert "sterile" in aftercare.serums


def test_durability_prior_is_the_reference_assumption():
    durability = load_default().durability
    # The peak at 6 months after the last session (issue 13 §2 item 10): collagen and elastin deposition is
    # greatest at about 6 months [Aust 2008] and acne-scar improvement was measured then [Alam 2014].
    assert durability.peak_months_after_last_session == 6
    assert "Aust 2008 (peak" in durability.source and "Alam 2014 (peak" in durability.source
    assert durability.half_life_months == {
        "fine_lines": 12,
        "uneven_texture": 12,
        "enlarged_pores": 12,
        "sun_damage": 12,
        "hyperpigmentation": 12,
        "stretch_marks": 24,
        "acne_scars": 36,
        "surgical_scars": 36,
    }
    multipliers = durability.multipliers
    assert (multipliers.high_sun_exposure, multipliers.smoker, multipliers.low_sun_exposure) == (
        0.7,
        0.75,
        1.1,
    )
    assert (multipliers.per_decade_over_age, multipliers.age_from_years) == (0.9, 40)
    assert (durability.spread.distribution, durability.spread.sigma) == ("lognormal", 0.4)
    assert "assumption" in durability.caveat or "prior" in durability.caveat


def test_intake_fields_match_the_intake_contract():
    from needlecare.patients.intake import Intake

    assert set(INTAKE_FIELDS) == set(Intake.model_fields)
    for name, spec in INTAKE_FIELDS.items():
        if spec.kind == "choice":
            literal = next(
                arg for arg in typing.get_args(Intake.model_fields[name].annotation) if arg is not None
            )
            assert set(typing.get_args(literal)) == set(spec.choices), name


# ---------------------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------------------


def test_content_hash_ignores_line_endings_and_trailing_spaces():
    messy = "\ufeff" + DEFAULT_TEXT.replace("\n", "  \r\n") + "\n\n"
    assert content_hash(messy) == content_hash(DEFAULT_TEXT)
    assert load_protocol(messy).version == load_default().version


def test_any_change_of_content_makes_a_new_version():
    changed = DEFAULT_TEXT.replace("defer_after = { days = 21 }", "defer_after = { days = 28 }")
    assert load_protocol(changed).version != load_default().version


# ---------------------------------------------------------------------------------------------------------
# Refusals: each names the file, the entry and the reason
# ---------------------------------------------------------------------------------------------------------


def test_bad_toml_is_refused_naming_the_file_and_the_line():
    error = refused('[zones.forehead]\nlabel = "Forehead"', '[zones.forehead]\nlabel = "Forehead')
    assert str(error).startswith("clinic.toml: TOML syntax: ")
    assert "line" in str(error)


def test_a_band_with_min_above_max_is_refused():
    error = refused("depth_mm = { min = 0.5, max = 1.5 }", "depth_mm = { min = 2.0, max = 1.5 }")
    assert "clinic.toml: zones.cheeks.depth_mm: min 2.0 is above max 1.5" in str(error)


def test_an_indication_band_with_min_above_max_is_refused():
    error = refused("depth_mm = { min = 1.5, max = 2.5 }", "depth_mm = { min = 2.5, max = 1.5 }")
    assert "indications.stretch_marks.depth_mm: min 2.5 is above max 1.5" in str(error)


def test_a_series_with_min_above_max_is_refused():
    error = refused("sessions = { min = 4, max = 6 }", "sessions = { min = 7, max = 6 }")
    assert "indications.hyperpigmentation.series.sessions: min 7 is above max 6" in str(error)


def test_a_missing_source_is_refused():
    error = refused(
        'note = "Thin skin over bone."\nsource = "Singh 2016; Alster 2018; Iriarte 2017 (depth table)"\n',
        'note = "Thin skin over bone."\n',
    )
    assert "clinic.toml: zones.forehead.source: is missing" in str(error)


def test_a_source_not_in_the_source_list_is_refused():
    error = refused('source = "Waldman 2017; Spring 2017"', 'source = "Waldman 2017; Smith 2020"')
    assert (
        "contraindications.isotretinoin.source: 'Smith 2020' does not start with a key from [sources]"
        in str(error)
    )


def test_an_unknown_severity_is_refused():
    error = refused(
        'defer_after = { months = 6 }\nseverity = "deferred"',
        'defer_after = { months = 6 }\nseverity = "maybe"',
    )
    assert "contraindications.isotretinoin.severity:" in str(error)
    assert "'declined', 'deferred', 'clearance' or 'precautions'" in str(error)


def test_an_unknown_intake_field_is_refused():
    error = refused('field = "pregnant_or_breastfeeding"', 'field = "pregnant"')
    assert "contraindications.pregnancy_or_breastfeeding.field: unknown intake field 'pregnant'" in str(error)


def test_an_answer_the_intake_field_cannot_give_is_refused():
    error = refused('values = ["inflammatory"]', 'values = ["severe"]')
    assert "contraindications.inflammatory_acne: 'severe' is not an answer to active_acne_at_site" in str(
        error
    )


def test_a_yes_no_rule_matching_a_word_is_refused():
    error = refused('field = "keloid_history"\nvalues = [true]', 'field = "keloid_history"\nvalues = ["yes"]')
    assert "'yes' is not an answer to keloid_history; its answers are true or false" in str(error)


def test_an_unknown_zone_in_a_rule_is_refused():
    error = refused('applies_to_regions = ["face"]', 'applies_to_zones = ["lips"]')
    assert "contraindications.herpes_simplex_history.applies_to_zones: unknown zone 'lips'" in str(error)


def test_an_unknown_region_in_a_rule_is_refused():
    error = refused('applies_to_regions = ["face"]', 'applies_to_regions = ["scalp"]')
    assert "contraindications.herpes_simplex_history.applies_to_regions[0]:" in str(error)


def test_an_unknown_adjunct_in_a_rule_is_refused():
    error = refused('applies_to_adjuncts = ["prp"]', 'applies_to_adjuncts = ["laser"]')
    assert "contraindications.prp_bloodborne_infection.applies_to_adjuncts: unknown adjunct 'laser'" in str(
        error
    )


def test_an_allergen_rule_naming_an_unknown_ingredient_is_refused():
    error = refused('allergens_any = ["gold"]', 'allergens_any = ["silver"]')
    assert "contraindications.gold_allergy.allergens_any: unknown ingredient 'silver'" in str(error)


def test_ever_needs_a_last_date_question():
    error = refused(
        'field = "connective_tissue_disease"\nvalues = [true]',
        'field = "connective_tissue_disease"\never = true',
    )
    assert "ever needs a 'last date' field" in str(error)


def test_a_protocol_stored_before_the_allergens_and_adjuncts_tables_still_loads():
    start = DEFAULT_TEXT.index("\n[allergens]\n")
    end = DEFAULT_TEXT.index("# Aftercare, day by day")
    old = DEFAULT_TEXT[:start] + "# " + DEFAULT_TEXT[end:]
    for rule in (
        "prp_bloodborne_infection",
        "prp_platelet_disorder",
        "anaesthetic_allergy",
        "metal_allergy",
        "gold_allergy",
    ):
        head = old.index(f"[contraindications.{rule}]")
        tail = old.index("\n[", head + 1)
        old = old[:head] + old[tail + 1 :]
    protocol = load_protocol(old)
    assert protocol.allergens is None and protocol.adjuncts == {}


def test_the_sources_cite_the_mmwr_report_by_its_first_author():
    sources = load_default().sources
    assert "Stewart 2024" not in sources
    assert sources["Stadelman-Behar 2024"].startswith("Stadelman-Behar AM")
    assert "73(16):372-6" in sources["Stadelman-Behar 2024"]


def test_an_unknown_indication_in_a_zone_ceiling_is_refused():
    error = refused('upper_for = ["acne_scars"]', 'upper_for = ["acne"]')
    assert "zones.cheeks.upper_for: unknown indication 'acne'" in str(error)


def test_dropping_a_zone_design_names_is_refused():
    error = refused("[zones.back]", "[zones.upper_back]")
    assert "zones: 'back' is missing" in str(error)


def test_a_face_zone_deeper_than_two_millimetres_is_refused():
    error = refused("upper_mm = 2.0\nupper_for", "upper_mm = 2.5\nupper_for")
    assert "zones.cheeks.upper_mm: 2.5 is above depth.non_body_max_mm 2.0" in str(error)


def test_a_ceiling_below_the_usual_band_is_refused():
    error = refused("upper_mm = 0.75", "upper_mm = 0.4")
    assert "zones.forehead: upper_mm 0.4 is below depth_mm.max 0.5" in str(error)


def test_a_misspelt_key_is_refused():
    error = refused('[zones.nose]\nlabel = "Nose"', '[zones.nose]\nlabel = "Nose"\ncolour = "red"')
    assert "zones.nose.colour: is not a key this format knows" in str(error)


def test_text_where_a_number_belongs_is_refused():
    error = refused("valid_days = 30", 'valid_days = "30"')
    assert "screening.valid_days: Input should be a valid integer" in str(error)


def test_a_rule_with_two_conditions_is_refused():
    error = refused("defer_after = { days = 21 }", 'defer_after = { days = 21 }\nvalues = ["x"]')
    assert "contraindications.filler: give exactly one condition" in str(error)


def test_a_dated_wait_on_a_rule_that_does_not_defer_is_refused():
    error = refused(
        'defer_after = { days = 5 }\nseverity = "deferred"',
        'defer_after = { days = 5 }\nseverity = "precautions"',
    )
    assert "contraindications.topical_retinoid: a rule with defer_after must have severity 'deferred'" in str(
        error
    )


def test_a_wait_of_both_days_and_months_is_refused():
    error = refused("defer_after = { days = 14 }", "defer_after = { days = 14, months = 1 }", count=1)
    assert "contraindications.neurotoxin.defer_after: give exactly one of days or months" in str(error)


def test_a_clearance_rule_without_who_clears_is_refused():
    error = refused(
        'clearance_by = "haematologist"\nends = "A haematologist\'s written clearance, recorded."',
        'ends = "A haematologist\'s written clearance, recorded."',
    )
    assert "contraindications.bleeding_disorder: clearance_by names who clears" in str(error)


def test_a_message_with_a_placeholder_the_rule_cannot_fill_is_refused():
    error = refused(
        'staff_message = "Recent sunburn at the site: defer until healed (about 1-2 weeks), then re-screen."',
        'staff_message = "Recent sunburn: defer until {until}."',
    )
    assert (
        "contraindications.recent_sunburn: staff_message uses {until}, which this entry cannot fill"
        in str(error)
    )


def test_a_missing_half_life_for_an_indication_is_refused():
    error = refused("stretch_marks = 24\n", "")
    assert "durability.half_life_months: no half-life for indication 'stretch_marks'" in str(error)


def test_overlapping_aftercare_steps_are_refused():
    error = refused("from_day = 3\nto_day = 3", "from_day = 2\nto_day = 3")
    assert "aftercare: steps must run in day order without overlap" in str(error)


def test_every_problem_is_reported_at_once():
    text = DEFAULT_TEXT.replace('field = "pregnant_or_breastfeeding"', 'field = "pregnant"').replace(
        "valid_days = 30", "valid_days = 0"
    )
    with pytest.raises(ProtocolError) as caught:
        load_protocol(text, filename="clinic.toml")
    entries = [entry for entry, _ in caught.value.problems]
    assert "screening.valid_days" in entries
    assert "contraindications.pregnancy_or_breastfeeding.field" in entries
    assert all(line.startswith("clinic.toml: ") for line in str(caught.value).splitlines())


def test_a_file_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path):
    path = tmp_path / "latin1.toml"
    path.write_bytes("name = 'Décolletage'".encode("latin-1"))
    with pytest.raises(ProtocolError) as caught:
        load_protocol_file(path)
    assert str(caught.value).startswith(f"{path}: file: not UTF-8 text")


def test_a_protocol_file_is_named_in_its_errors(tmp_path: Path):
    path = tmp_path / "ours.toml"
    path.write_text(DEFAULT_TEXT.replace('region = "face"', 'region = "scalp"', 1), encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        load_protocol_file(path)
    assert str(caught.value).startswith(f"{path}: zones.forehead.region: ")


def test_the_examples_in_the_docstrings_hold():
    from needlecare.protocols import loader

    for module in (loader, needlecare.protocols):
        assert doctest.testmod(module).failed == 0
