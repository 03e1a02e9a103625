"""Dosing proposals, case by case from the clinical reference, and the properties that keep them safe."""

import doctest
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needlecare.plans.dosing import DosingError, UnknownChoice, depth_band, propose
from needlecare.protocols import load_default, load_protocol
from needlecare.protocols.loader import DEFAULT_PATH

PROTOCOL = load_default()
START = date(2025, 3, 3)  # a Monday


def plan(
    indications: list[str], zones: list[str], *, device: str = "pen", fitzpatrick: Any = 2, **kw: Any
) -> Any:
    return propose(
        indications=indications,
        zones=zones,
        device=device,
        fitzpatrick=fitzpatrick,
        start=kw.pop("start", START),
        protocol=kw.pop("protocol", PROTOCOL),
    )


def band(indication: str, zone: str, **kw: Any) -> tuple[float, float]:
    depth = plan([indication], [zone], **kw).zones[0]
    return depth.min_mm, depth.max_mm


# ---------------------------------------------------------------------------------------------------------
# Depth by zone and indication
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indication", "zone", "expected"),
    [
        pytest.param(
            "acne_scars", "cheeks", (1.0, 2.0), id="acne scars on the cheeks reach the 2.0 mm ceiling"
        ),
        pytest.param("fine_lines", "cheeks", (0.5, 1.0), id="fine lines on the cheeks use the overlap"),
        pytest.param(
            "surgical_scars", "cheeks", (1.0, 1.5), id="surgical scars on the cheeks stay in the usual band"
        ),
        pytest.param(
            "fine_lines", "forehead", (0.5, 0.5), id="fine lines on the forehead stop at the zone's usual top"
        ),
        pytest.param(
            "hyperpigmentation", "forehead", (0.25, 0.5), id="pigment on the forehead uses its own band"
        ),
        pytest.param(
            "acne_scars", "periorbital", (0.5, 0.5), id="scars near the eye stop at the zone's bound"
        ),
        pytest.param("enlarged_pores", "nose", (0.5, 1.0), id="pores on the nose may reach 1.0 mm"),
        pytest.param("fine_lines", "nose", (0.5, 0.5), id="fine lines on the nose stay in the usual band"),
        pytest.param("acne_scars", "nose", (1.0, 1.0), id="scars on the nose stop at 1.0 mm"),
        pytest.param("fine_lines", "perioral", (0.5, 1.0), id="perioral fine lines use the overlap"),
        pytest.param("surgical_scars", "chin", (1.0, 1.5), id="scars on the chin reach 1.5 mm"),
        pytest.param("acne_scars", "jawline", (1.0, 1.5), id="scars on the jawline reach 1.5 mm"),
        pytest.param("fine_lines", "neck", (0.5, 0.5), id="the neck stays shallow"),
        pytest.param("sun_damage", "decolletage", (0.5, 0.5), id="the decolletage stays shallow"),
        pytest.param("stretch_marks", "abdomen", (1.5, 2.5), id="stretch marks on the abdomen reach 2.5 mm"),
        pytest.param("stretch_marks", "thighs", (1.5, 2.5), id="stretch marks on the thighs reach 2.5 mm"),
        pytest.param("acne_scars", "back", (1.0, 2.0), id="acne scars on the back use the indication band"),
        pytest.param(
            "uneven_texture", "arms", (1.0, 1.0), id="texture on the arms meets the body band at 1.0 mm"
        ),
        pytest.param(
            "hyperpigmentation",
            "abdomen",
            (0.5, 0.5),
            id="pigment on the body is never needled deeper than its band",
        ),
    ],
)
def test_pen_depth_by_zone_and_indication(indication, zone, expected):
    assert band(indication, zone) == expected


def test_where_bands_do_not_overlap_the_zones_bound_wins_and_the_proposal_says_so():
    depth = plan(["acne_scars"], ["periorbital"]).zones[0]
    assert (depth.min_mm, depth.max_mm) == (0.5, 0.5)
    assert any("the zone's bound wins" in note for note in depth.notes)


def test_a_band_below_the_zones_usual_band_keeps_the_shallower_band():
    depth = plan(["hyperpigmentation"], ["buttocks"]).zones[0]
    assert depth.max_mm <= PROTOCOL.indications["hyperpigmentation"].depth_mm.max
    assert any("the shallower band is kept" in note for note in depth.notes)


@pytest.mark.parametrize("zone", sorted(PROTOCOL.zones))
@pytest.mark.parametrize("indication", sorted(PROTOCOL.indications))
@pytest.mark.parametrize("fitzpatrick", [1, 6])
def test_no_proposal_is_deeper_than_the_zone_or_the_indication_allows(zone, indication, fitzpatrick):
    low, high = band(indication, zone, fitzpatrick=fitzpatrick)
    assert 0 < low <= high
    assert high <= PROTOCOL.zones[zone].max_mm_for(indication)
    assert high <= PROTOCOL.indications[indication].depth_mm.max
    if PROTOCOL.zones[zone].region != "body":
        assert high <= 2.0


# ---------------------------------------------------------------------------------------------------------
# Darker skin
# ---------------------------------------------------------------------------------------------------------


def test_darker_skin_keeps_pigment_treatment_in_the_lower_half_of_the_band():
    assert band("hyperpigmentation", "forehead", fitzpatrick=5) == (0.25, 0.375)
    assert band("hyperpigmentation", "forehead", fitzpatrick=3) == (0.25, 0.5)


@pytest.mark.parametrize("zone", sorted(PROTOCOL.zones))
@pytest.mark.parametrize("fitzpatrick", [5, 6])
def test_melasma_on_fitzpatrick_v_and_vi_is_proposed_at_most_0_375_mm_in_every_zone(zone, fitzpatrick):
    # Issue 13: on the cheeks the zone's 0.5 mm floor put melasma at 0.5 mm, the deepest of its band.
    low, high = band("hyperpigmentation", zone, fitzpatrick=fitzpatrick)
    assert (low, high) == (0.25, 0.375)


def test_melasma_on_darker_cheeks_says_why_it_stays_shallow():
    depth = plan(["hyperpigmentation"], ["cheeks"], fitzpatrick=6).zones[0]
    assert (depth.min_mm, depth.max_mm) == (0.25, 0.375)
    assert any("lower half" in note and "hyperpigmentation" in note for note in depth.notes)
    assert "Cohen 2016" in PROTOCOL.indications["hyperpigmentation"].source


def test_melasma_on_lighter_cheeks_is_unchanged():
    assert band("hyperpigmentation", "cheeks", fitzpatrick=2) == (0.5, 0.5)


def test_darker_skin_treats_sun_damage_as_a_pigment_indication():
    assert band("sun_damage", "cheeks", fitzpatrick=4) == (0.5, 0.75)


def test_darker_skin_is_never_treated_deeper_than_lighter_skin():
    for zone in PROTOCOL.zones:
        for indication in PROTOCOL.indications:
            assert band(indication, zone, fitzpatrick=6)[1] <= band(indication, zone, fitzpatrick=1)[1]


def test_darker_skin_does_not_change_the_band_for_scars():
    assert band("acne_scars", "cheeks", fitzpatrick=6) == band("acne_scars", "cheeks", fitzpatrick=1)


def test_darker_skin_lengthens_the_interval_between_sessions():
    light, dark = (
        plan(["fine_lines"], ["cheeks"], fitzpatrick=3),
        plan(["fine_lines"], ["cheeks"], fitzpatrick=4),
    )
    extra = PROTOCOL.darker_skin.interval_extra_weeks
    assert (dark.interval_weeks_min, dark.interval_weeks_max) == (4 + extra, 6 + extra)
    assert (light.interval_weeks_min, light.interval_weeks_max) == (4, 6)
    assert dark.schedule[1] - dark.schedule[0] == timedelta(weeks=4 + extra)


def test_darker_skin_proposals_carry_the_reference_precautions():
    notes = plan(["hyperpigmentation"], ["cheeks"], fitzpatrick=6).notes
    assert "Strict sun protection." in notes and "Fewer passes." in notes


def test_an_unknown_skin_type_gets_the_cautious_settings_and_says_why():
    unknown = plan(["hyperpigmentation"], ["forehead"], fitzpatrick=None)
    assert (unknown.zones[0].min_mm, unknown.zones[0].max_mm) == (0.25, 0.375)
    assert any("Fitzpatrick type not recorded" in note for note in unknown.notes)


# ---------------------------------------------------------------------------------------------------------
# Rollers
# ---------------------------------------------------------------------------------------------------------


def test_a_roller_proposes_the_fixed_lengths_inside_the_band():
    assert band("acne_scars", "cheeks", device="roller") == (1.0, 2.0)
    assert band("fine_lines", "cheeks", device="roller") == (0.5, 1.0)


def test_a_roller_proposes_the_nearest_length_not_above_the_band():
    assert band("fine_lines", "forehead", device="roller") == (0.5, 0.5)
    # Stretch marks on the cheeks come to 1.5 mm, a fixed length; scars on the chin to 1.0-1.5.
    assert band("stretch_marks", "cheeks", device="roller") == (1.5, 1.5)
    assert band("acne_scars", "chin", device="roller") == (1.0, 1.5)


def test_a_roller_length_below_the_band_is_proposed_when_none_fits_inside():
    text = DEFAULT_PATH.read_text().replace(
        "lengths_mm = [0.5, 1.0, 1.5, 2.0]", "lengths_mm = [0.5, 1.0, 2.0]"
    )
    assert band("stretch_marks", "cheeks", device="roller", protocol=load_protocol(text)) == (1.0, 1.0)


def test_no_roller_is_proposed_when_every_length_is_deeper_than_the_band():
    with pytest.raises(DosingError, match="no roller length fits forehead for hyperpigmentation"):
        plan(["hyperpigmentation"], ["forehead"], device="roller", fitzpatrick=5)


def test_a_roller_proposal_carries_the_home_roller_caveat():
    assert any(
        "not medical treatment" in note for note in plan(["fine_lines"], ["cheeks"], device="roller").notes
    )


# ---------------------------------------------------------------------------------------------------------
# Series and schedule
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indication", "sessions", "interval_weeks", "maintenance_months"),
    [
        ("fine_lines", 3, (4, 6), 6),
        ("uneven_texture", 3, (4, 6), 6),
        ("sun_damage", 3, (4, 6), 6),
        ("enlarged_pores", 3, (4, 6), 6),
        ("acne_scars", 3, (4, 6), 12),
        ("surgical_scars", 3, (4, 6), 12),
        ("stretch_marks", 4, (4, 6), 12),
        ("hyperpigmentation", 4, (4, 4), 6),
    ],
)
def test_series_start_at_the_lower_end_of_the_reference_ranges(
    indication, sessions, interval_weeks, maintenance_months
):
    zone = "abdomen" if indication == "stretch_marks" else "cheeks"
    proposal = plan([indication], [zone])
    assert proposal.sessions == sessions
    assert (proposal.interval_weeks_min, proposal.interval_weeks_max) == interval_weeks
    assert proposal.maintenance_months == maintenance_months


def test_the_schedule_starts_on_the_start_date_and_spaces_sessions_by_the_minimum_interval():
    assert plan(["acne_scars"], ["cheeks"]).schedule == (
        date(2025, 3, 3),
        date(2025, 3, 31),
        date(2025, 4, 28),
    )


def test_several_indications_get_enough_sessions_spacing_and_maintenance_for_each():
    proposal = plan(["fine_lines", "stretch_marks"], ["cheeks", "abdomen"])
    assert proposal.sessions == 4  # stretch marks need at least 4
    assert proposal.maintenance_months == 6  # fine lines fade first
    assert len(proposal.schedule) == 4
    mixed = plan(["hyperpigmentation", "acne_scars"], ["cheeks"])
    assert (mixed.interval_weeks_min, mixed.interval_weeks_max) == (4, 4)


def test_several_indications_in_one_zone_span_their_bands_and_list_each():
    depth = plan(["hyperpigmentation", "acne_scars"], ["forehead", "cheeks"], fitzpatrick=5).zones
    # Pigment on darker skin stays at 0.25-0.375 mm even on the cheeks (issue 13), scars go to 2.0.
    assert [(d.zone, d.min_mm, d.max_mm) for d in depth] == [("forehead", 0.25, 0.5), ("cheeks", 0.25, 2.0)]
    assert "Hyperpigmentation and melasma: 0.25-0.375 mm." in depth[0].notes


def test_repeated_zones_and_indications_are_proposed_once():
    proposal = plan(["fine_lines", "fine_lines"], ["cheeks", "cheeks", "neck"])
    assert [d.zone for d in proposal.zones] == ["cheeks", "neck"]


# ---------------------------------------------------------------------------------------------------------
# Shape and refusals
# ---------------------------------------------------------------------------------------------------------


def test_the_proposal_has_exactly_the_contract_shape():
    shape = plan(["acne_scars"], ["cheeks", "chin"]).to_dict()
    assert shape == {
        "zones": [
            {"zone": "cheeks", "depth_mm": {"min": 1.0, "max": 2.0}},
            {"zone": "chin", "depth_mm": {"min": 1.0, "max": 1.5}},
        ],
        "sessions": 3,
        "interval_weeks": {"min": 4, "max": 6},
        "schedule": ["2025-03-03", "2025-03-31", "2025-04-28"],
        "maintenance_months": 12,
    }
    assert json.loads(json.dumps(shape)) == shape


def test_unknown_zones_are_refused_listing_the_valid_ones():
    with pytest.raises(UnknownChoice) as caught:
        plan(["fine_lines"], ["cheeks", "lips"])
    assert caught.value.what == "zones" and caught.value.unknown == ["lips"]
    assert caught.value.valid == list(PROTOCOL.zones)
    assert "valid zones: forehead, periorbital, nose" in str(caught.value)


def test_unknown_indications_are_refused_listing_the_valid_ones():
    with pytest.raises(UnknownChoice, match="unknown indications: wrinkles; valid indications: fine_lines"):
        plan(["wrinkles"], ["cheeks"])


def test_an_unknown_device_is_refused_listing_the_valid_ones():
    with pytest.raises(UnknownChoice, match="unknown device: laser; valid device: pen, roller"):
        plan(["fine_lines"], ["cheeks"], device="laser")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"indications": [], "zones": ["cheeks"]}, "choose at least one of indications"),
        ({"indications": ["fine_lines"], "zones": []}, "choose at least one of zones"),
        ({"indications": "fine_lines", "zones": ["cheeks"]}, "indications must be a list"),
        ({"indications": ["fine_lines"], "zones": ["cheeks"], "fitzpatrick": 7}, "from 1 to 6"),
        ({"indications": ["fine_lines"], "zones": ["cheeks"], "fitzpatrick": True}, "from 1 to 6"),
        (
            {"indications": ["fine_lines"], "zones": ["cheeks"], "start": datetime(2025, 3, 3)},
            "start must be a date",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason(kwargs, message):
    arguments = {"device": "pen", "fitzpatrick": 2, "start": START, "protocol": PROTOCOL, **kwargs}
    with pytest.raises(DosingError, match=message):
        propose(**arguments)


def test_the_examples_in_the_docstrings_hold():
    from needlecare.plans import dosing

    assert doctest.testmod(dosing).failed == 0


def test_depth_band_is_available_for_one_zone_and_indication():
    assert depth_band(PROTOCOL, "cheeks", "acne_scars", darker_skin=False) == (1.0, 2.0, ())


# ---------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(
    indications=st.lists(st.sampled_from(sorted(PROTOCOL.indications)), min_size=1, max_size=4),
    zones=st.lists(st.sampled_from(sorted(PROTOCOL.zones)), min_size=1, max_size=5),
    fitzpatrick=st.one_of(st.none(), st.integers(1, 6)),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)
def test_any_pen_proposal_is_safe_and_consistent(indications, zones, fitzpatrick, start):
    proposal = plan(indications, zones, fitzpatrick=fitzpatrick, start=start)
    assert [d.zone for d in proposal.zones] == list(dict.fromkeys(zones))
    for depth in proposal.zones:
        ceiling = max(
            min(PROTOCOL.zones[depth.zone].max_mm_for(name), PROTOCOL.indications[name].depth_mm.max)
            for name in indications
        )
        assert 0 < depth.min_mm <= depth.max_mm <= ceiling
    assert proposal.schedule[0] == start
    assert len(proposal.schedule) == proposal.sessions
    gaps = {later - earlier for earlier, later in zip(proposal.schedule, proposal.schedule[1:], strict=False)}
    assert gaps <= {timedelta(weeks=proposal.interval_weeks_min)}
    assert 1 <= proposal.interval_weeks_min <= proposal.interval_weeks_max
    assert proposal.interval_weeks_min >= PROTOCOL.series.usual_minimum_interval_weeks


@settings(max_examples=200)
@given(
    indications=st.lists(st.sampled_from(sorted(PROTOCOL.indications)), min_size=1, max_size=3),
    zones=st.lists(st.sampled_from(sorted(PROTOCOL.zones)), min_size=1, max_size=3),
    fitzpatrick=st.integers(1, 6),
)
def test_a_roller_never_proposes_a_needle_longer_than_the_pen_band(indications, zones, fitzpatrick):
    try:
        roller = plan(indications, zones, device="roller", fitzpatrick=fitzpatrick)
    except DosingError:
        return  # no length fits: refused, never a longer needle
    pen = plan(indications, zones, fitzpatrick=fitzpatrick)
    lengths = PROTOCOL.devices["roller"].lengths_mm
    for roller_depth, pen_depth in zip(roller.zones, pen.zones, strict=True):
        assert roller_depth.min_mm in lengths and roller_depth.max_mm in lengths
        assert roller_depth.max_mm <= pen_depth.max_mm
