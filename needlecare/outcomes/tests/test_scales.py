"""The scales are defined once: ranges, direction, labels, and the Goodman and Baron computation."""

from decimal import Decimal

import pytest

from needlecare.outcomes import scales


def test_the_standard_scales_have_the_ranges_and_directions_of_the_protocol():
    expected = {
        "gais": (1, 5, "lower"),
        "goodman_baron_qualitative": (1, 4, "lower"),
        "goodman_baron_quantitative": (0, 84, "lower"),
        "glogau": (1, 4, "lower"),
        "wrinkle_severity": (1, 5, "lower"),
        "satisfaction": (1, 5, "higher"),
    }
    for key, (low, high, better) in expected.items():
        scale = scales.STANDARD[key]
        assert (scale.minimum, scale.maximum, scale.better) == (low, high, better), key


def test_gais_labels_run_from_exceptional_improvement_to_worsened():
    assert scales.GAIS.label(1) == "Exceptional improvement"
    assert scales.GAIS.label(Decimal("5.00")) == "Worsened"
    assert scales.GAIS.relative


@pytest.mark.parametrize("value", [0, 6, "2.5", "abc", "NaN", "Infinity", -1])
def test_values_outside_a_scale_or_not_whole_are_refused_with_a_reason(value):
    assert scales.GAIS.check(value)


@pytest.mark.parametrize("value", [1, 3, "5", Decimal("4.0")])
def test_values_on_the_scale_pass(value):
    assert scales.GAIS.check(value) is None


def test_improvement_is_positive_when_better_whichever_direction_the_scale_runs():
    assert scales.WRINKLE_SEVERITY.improvement(Decimal(4), Decimal(2)) == 2
    assert scales.SATISFACTION.improvement(Decimal(2), Decimal(5)) == 3


def test_goodman_baron_counts_each_type_by_its_points_times_the_count_factor():
    assert scales.goodman_baron_score({}) == 0
    assert scales.goodman_baron_score({"macular": 10}) == 1
    assert scales.goodman_baron_score({"macular": 11}) == 2
    assert scales.goodman_baron_score({"punched_deep_small": 21, "keloidal": 1}) == 3 * 3 + 6
    everything = {key: 25 for key in scales.SCAR_TYPE_KEYS}
    assert scales.goodman_baron_score(everything) == 84


def test_goodman_baron_refuses_unknown_types_and_negative_counts():
    assert scales.check_scar_counts({"dimples": 2})
    assert scales.check_scar_counts({"macular": -1})
    assert scales.check_scar_counts({"macular": True})
    with pytest.raises(ValueError):
        scales.goodman_baron_score({"macular": 9999})


def test_a_form_offers_labelled_choices_for_short_scales_and_a_number_box_for_the_long_one():
    assert [v for v, _ in scales.GAIS.choices] == [1, 2, 3, 4, 5]
    assert scales.GOODMAN_BARON_QUANTITATIVE.choices == []
