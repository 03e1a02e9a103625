"""The durability model on constructed histories and on synthetic cohorts whose truth is known."""

import doctest
import math
from dataclasses import replace
from datetime import date, timedelta
from statistics import median

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needlecare.forecasting import durability, synthetic
from needlecare.forecasting.durability import (
    Assessment,
    DurabilityError,
    History,
    Prior,
    add_average_months,
    fit,
    forecast,
    forecast_cohort,
    months_between,
    observe,
    prior_model,
)
from needlecare.protocols import load_default

PRIOR = Prior.from_protocol(load_default().durability)
LAST = date(2024, 3, 1)
SESSIONS = (date(2024, 1, 5), date(2024, 2, 2), LAST)
PEAK = add_average_months(
    LAST, 6
)  # the protocol's peak: 6 months after the last session [Aust 2008; Alam 2014]


def scores(*pairs: tuple[float, float]) -> tuple[Assessment, ...]:
    """(months after the last session, Goodman and Baron quantitative score); the baseline, 40, on day one."""
    taken = [Assessment(SESSIONS[0], "goodman_baron_quantitative", 40)]
    taken += [
        Assessment(add_average_months(LAST, months), "goodman_baron_quantitative", value)
        for months, value in pairs
    ]
    return tuple(taken)


def patient(indication: str = "fine_lines", *pairs: tuple[float, float], **modifiers: object) -> History:
    return History(
        indication,
        SESSIONS,
        scores(*pairs),
        date_of_birth=modifiers.pop("date_of_birth", date(1990, 1, 1)),  # type: ignore[arg-type]
        **modifiers,  # type: ignore[arg-type]
    )


def one(model: durability.Model, history: History) -> durability.Forecast:
    return forecast(model, [history])[0]


def months_after_peak(day: date) -> float:
    return durability.months_between(PEAK, day)


@pytest.fixture(scope="module")
def clinic() -> durability.Model:
    """A clinic whose patients keep their improvement 1.5 times as long as the published figures."""
    patients = synthetic.cohort(600, PRIOR, seed=11, durability=1.5)
    return fit([p.history for p in patients], PRIOR)


def test_the_pure_module_examples_hold():
    assert doctest.testmod(durability).failed == 0
    assert doctest.testmod(synthetic).failed == 0


def test_dates_at_the_end_of_the_calendar_do_not_break_the_forecast():
    late = History("fine_lines", (date(9999, 6, 1),))
    [answer] = forecast(prior_model(PRIOR), [late])
    assert answer.fade_median == date.max and answer.maintenance_due < answer.fade_median


def test_the_prior_is_the_protocols():
    assert PRIOR.peak_months == 6  # collagen peaks about 6 months after the series [Aust 2008; Alam 2014]
    assert PRIOR.half_life_months["fine_lines"] == 12 and PRIOR.half_life_months["acne_scars"] == 36
    assert (PRIOR.high_sun_exposure, PRIOR.smoker, PRIOR.sigma) == (0.7, 0.75, 0.4)


# ---------------------------------------------------------------------------------------------------------
# No data of the clinic's own
# ---------------------------------------------------------------------------------------------------------


def test_without_clinic_data_the_forecast_is_the_published_evidence_and_says_so():
    cohort = [patient("fine_lines", (1, 30)), patient("acne_scars")]  # nothing after the peak yet
    model = fit(cohort, PRIOR)
    assert model.basis == "evidence" and model.clinic_patients == 0
    fine, acne = forecast(model, cohort)
    assert fine.basis == acne.basis == "evidence"
    assert (fine.status, acne.status) == ("building", "no_data")
    assert fine.peak == PEAK
    assert abs(months_after_peak(fine.fade_median) - 12) < 0.1
    assert abs(months_after_peak(acne.fade_median) - 36) < 0.1


def test_an_empty_cohort_gives_no_forecasts_and_the_prior_model():
    model, forecasts = forecast_cohort([], PRIOR)
    assert forecasts == [] and model.basis == "evidence"
    assert model.half_life_months("stretch_marks") == pytest.approx(24)


def test_a_history_without_scores_is_forecast_from_its_sessions():
    [answer] = forecast(prior_model(PRIOR), [History("fine_lines", SESSIONS)])
    assert answer.status == "no_data"
    assert answer.fade_low < answer.fade_median < answer.fade_high


def test_a_patient_who_never_improved_has_no_fade_to_measure():
    history = patient("fine_lines", (6, 40), (9, 39))
    assert observe(history, PRIOR).status == "no_response"
    assert fit([history] * 5, PRIOR).basis == "evidence"


def test_no_improvement_yet_before_the_peak_is_still_building_not_no_response():
    """Improvement builds for about 6 months after the series [Aust 2008; Alam 2014]: unchanged scores at
    months 1 and 3 say nothing yet (the maintenance worklist leaves out only patients who never responded)."""
    early = patient("fine_lines", (1, 40), (3, 39))
    assert observe(early, PRIOR).status == "building"
    assert observe(patient("fine_lines", (1, 40), (3, 39), (9, 40)), PRIOR).status == "no_response"


def test_a_history_without_sessions_or_with_an_unknown_indication_is_refused():
    with pytest.raises(DurabilityError, match="session"):
        observe(History("fine_lines", ()), PRIOR)
    with pytest.raises(DurabilityError, match="tattoo"):
        observe(History("tattoo", SESSIONS), PRIOR)
    with pytest.raises(DurabilityError, match="tattoo"):
        prior_model(PRIOR).predictive([History("tattoo", SESSIONS)])


# ---------------------------------------------------------------------------------------------------------
# Reading a history: improvement, peak, fade, censoring
# ---------------------------------------------------------------------------------------------------------


def test_improvement_follows_each_scales_direction_of_better():
    first = SESSIONS[0]
    later = add_average_months(LAST, 3)
    history = History(
        "fine_lines",
        SESSIONS,
        (
            Assessment(first, "wrinkle_severity", 4),
            Assessment(later, "wrinkle_severity", 2),  # lower is better: +2 of a range of 4
            Assessment(later, "satisfaction", 5),  # higher is better, rated without baseline: +2 of 4
            Assessment(later, "gais", 2),  # "very improved" against the baseline photo: +2 of 4
        ),
    )
    assert durability.improvement_series(history) == [(later, 0.5)]


def test_a_score_marked_as_baseline_is_the_baseline():
    history = History(
        "acne_scars",
        SESSIONS,
        (
            Assessment(SESSIONS[0] - timedelta(days=30), "goodman_baron_quantitative", 60),
            Assessment(SESSIONS[1], "goodman_baron_quantitative", 42, baseline=True),
            Assessment(add_average_months(LAST, 3), "goodman_baron_quantitative", 21),
        ),
    )
    assert durability.improvement_series(history) == [(add_average_months(LAST, 3), 0.25)]


def test_scores_on_a_scale_without_a_baseline_are_not_read_as_improvement():
    history = History(
        "fine_lines", SESSIONS, (Assessment(add_average_months(LAST, 3), "wrinkle_severity", 2),)
    )
    assert observe(history, PRIOR).status == "no_data"


def test_a_fall_below_half_the_peak_is_a_fade_between_two_visits():
    history = patient("fine_lines", (6, 20), (12, 26), (18, 33), (21, 35))
    seen = observe(history, PRIOR)
    assert seen.status == "faded"  # improvement 20 points at the peak (month 6); 7 left at month 18
    assert seen.lower_months == pytest.approx(6, abs=0.1) and seen.upper_months == pytest.approx(12, abs=0.1)


def test_when_the_visit_at_the_peak_was_missed_the_fade_is_timed_from_the_best_visit():
    # Best at month 9 (the visit at the month-6 peak missed), below half of it by month 21: under an
    # exponential fade, half of the month-9 value is reached 6-12 months after month 9, whatever the true
    # peak was.
    seen = observe(patient("fine_lines", (9, 26), (15, 31), (21, 36)), PRIOR)
    assert seen.status == "faded"
    assert seen.lower_months == pytest.approx(6, abs=0.1) and seen.upper_months == pytest.approx(12, abs=0.1)
    # With the visit at the peak made, a later best is noise: timed from the peak.
    seen = observe(patient("fine_lines", (6, 27), (9, 26), (15, 31), (21, 36)), PRIOR)
    assert seen.lower_months == pytest.approx(9, abs=0.1) and seen.upper_months == pytest.approx(15, abs=0.1)
    # Still above half at the last visit: holding from the peak, never before a visit that showed it.
    seen = observe(patient("fine_lines", (9, 26), (15, 31)), PRIOR)
    assert seen.status == "holding" and seen.lower_months == pytest.approx(9, abs=0.1)


def test_one_low_score_that_the_next_visit_contradicts_is_not_a_fade():
    history = patient("fine_lines", (6, 20), (9, 33), (12, 24), (15, 26))
    seen = observe(history, PRIOR)
    assert seen.status == "holding" and seen.lower_months == pytest.approx(9, abs=0.1)


def test_a_patient_still_improved_at_the_last_visit_is_censored_there():
    seen = observe(patient("fine_lines", (6, 20), (15, 24), (23, 27)), PRIOR)
    assert seen.status == "holding"
    assert seen.lower_months == pytest.approx(17, abs=0.1) and math.isinf(seen.upper_months)


def test_the_patients_own_follow_up_bounds_their_forecast():
    model = prior_model(PRIOR)
    holding = one(model, patient("fine_lines", (3, 20), (24, 27), (30, 28)))
    last_visit = add_average_months(LAST, 30)
    assert holding.status == "holding"
    assert holding.fade_low > last_visit  # still improved at month 30: the fade is after it
    faded = one(model, patient("fine_lines", (3, 20), (6, 25), (9, 34)))
    assert faded.status == "faded"
    assert add_average_months(LAST, 6) <= faded.fade_low and faded.fade_high <= add_average_months(LAST, 9)


# ---------------------------------------------------------------------------------------------------------
# Modifiers
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["evidence", "clinic"])
@pytest.mark.parametrize(
    "modifier",
    [
        {"sun_exposure": "high"},
        {"smoker": True},
        {"date_of_birth": date(1960, 1, 1)},  # 64 at the last session
    ],
)
def test_sun_smoking_and_age_bring_the_fade_earlier(basis, modifier, clinic):
    model = clinic if basis == "clinic" else prior_model(PRIOR)
    reference = one(model, patient("fine_lines", sun_exposure="medium", smoker=False))
    exposed = one(model, patient("fine_lines", **{"sun_exposure": "medium", "smoker": False, **modifier}))
    assert exposed.basis == basis
    assert exposed.fade_median < reference.fade_median
    assert exposed.maintenance_due < reference.maintenance_due


def test_low_sun_exposure_brings_the_fade_later():
    model = prior_model(PRIOR)
    assert one(model, patient(sun_exposure="low")).fade_median > one(model, patient()).fade_median


def test_more_sun_fades_faster_on_constructed_histories():
    """A clinic history of ten patients, then three new patients who differ only in sun exposure."""
    model, _ = forecast_cohort([patient("fine_lines", (3, 20), (12, 25), (18, 28))] * 10, PRIOR)
    by_sun = {sun: one(model, patient(sun_exposure=sun)).fade_median for sun in ("low", "medium", "high")}
    assert by_sun["high"] < by_sun["medium"] < by_sun["low"]


def test_the_clinics_data_can_teach_a_modifier_the_protocol_does_not_state():
    """Skin type starts at "no effect"; a clinic whose darker-skinned patients keep it longer moves it."""
    histories = []
    for p in synthetic.cohort(800, PRIOR, seed=5):
        last, skin = p.history.last_session, p.history.fitzpatrick or 3
        factor = 1.15 ** (skin - 3)  # darker skin keeps the improvement longer: follow-up stretched
        stretched = tuple(
            replace(a, on=last + (a.on - last) * factor) if a.on > last else a for a in p.history.assessments
        )
        histories.append(replace(p.history, assessments=stretched))
    assert fit(histories, PRIOR).multiplier("fitzpatrick") > 1.02


# ---------------------------------------------------------------------------------------------------------
# Learning from the clinic's history (synthetic cohorts with a known truth)
# ---------------------------------------------------------------------------------------------------------


def test_the_forecast_recovers_the_clinics_half_life_as_data_grows():
    truth = 12 * 1.5  # this clinic keeps fine-line improvement half as long again as published
    errors, widths = {}, {}
    for size in (20, 200, 1500):
        patients = synthetic.cohort(size, PRIOR, seed=size, durability=1.5, indications=("fine_lines",))
        model = fit([p.history for p in patients], PRIOR)
        assert model.basis == "clinic"
        errors[size] = abs(model.half_life_months("fine_lines") - truth) / truth
        low, high = model.half_life_range("fine_lines")
        widths[size] = high / low
        assert low < model.half_life_months("fine_lines") < high
    # Seed 200's cohort of 200 is the worst of eight seeds tried (error 0.19 with the 3-month peak, 0.20 with
    # the 6-month one: with the later peak, fewer patients have follow-up past it; the others 0.00-0.15).
    assert errors[20] < 0.3 and errors[200] < 0.25 and errors[1500] < 0.1
    assert widths[20] > widths[200] > widths[1500]
    assert widths[1500] < 1.15  # within about 7% either way


def test_a_clinic_whose_patients_fade_sooner_than_published_is_forecast_sooner():
    patients = synthetic.cohort(600, PRIOR, seed=3, durability=0.6, indications=("acne_scars",))
    model = fit([p.history for p in patients], PRIOR)
    assert model.half_life_months("acne_scars") < 36 * 0.75


def test_patients_still_improved_do_not_shorten_the_forecast():
    """Every patient is still improved at the last visit, 12-24 months after the peak. Counted as
    failures they would say "12-24 months"; as censored observations they say "longer than that"."""
    patients = synthetic.cohort(
        400, PRIOR, seed=8, durability=4.0, indications=("fine_lines",), history_months=30, dropout=0
    )
    histories = [p.history for p in patients]
    observations = [observe(h, PRIOR) for h in histories]
    holding = [o for o in observations if o.status == "holding"]
    assert len(holding) > 0.8 * len([o for o in observations if o.informative])
    model = fit(histories, PRIOR)
    assert model.half_life_months("fine_lines") > 12  # the published figure
    assert model.half_life_months("fine_lines") > median(o.lower_months for o in holding)
    for history, answer in zip(histories, forecast(model, histories), strict=True):
        if observe(history, PRIOR).status == "holding":
            # Never a fade before the last visit that clearly showed the improvement held (the
            # patient's own forecast reads "clearly" as FORECAST_HELD of the peak).
            series = durability.improvement_series(history)
            peak = max(value for _, value in series)
            clearly_held = max(day for day, value in series if value >= durability.FORECAST_HELD * peak)
            assert answer.fade_low > clearly_held


def test_a_score_just_above_half_does_not_count_as_held_but_one_clearly_above_does():
    """Rating noise: a visit at 52% of the peak is as likely faded as not; the fade may come before it."""
    s = lambda day, value: Assessment(day, "wrinkle_severity", value)  # noqa: E731  # 1 (best) .. 5
    start = date(2024, 1, 5)
    visits = (s(start, 5), s(date(2024, 10, 1), 1))  # improvement 1.0, about 3 months after the peak
    just = History("fine_lines", (start,), (*visits, s(date(2025, 10, 1), 2.92)))  # 0.52 of the peak
    clearly = History("fine_lines", (start,), (*visits, s(date(2025, 10, 1), 2.6)))  # 0.60 of the peak
    peak_day = add_average_months(start, PRIOR.peak_months)
    assert observe(just, PRIOR).lower_months == pytest.approx(months_between(peak_day, date(2024, 10, 1)))
    assert observe(clearly, PRIOR).lower_months == pytest.approx(months_between(peak_day, date(2025, 10, 1)))
    assert observe(just, PRIOR).status == observe(clearly, PRIOR).status == "holding"


def test_the_80_percent_interval_holds_the_truth_for_about_80_percent_of_patients():
    """Measured on the patients the clinic has not seen fade (chosen by what it sees, not by the truth)."""
    patients = synthetic.cohort(2500, PRIOR, seed=21, cutoff=date(2026, 1, 1))
    histories = [p.history for p in patients]
    model, answers = forecast_cohort(histories, PRIOR)
    ahead = [
        (p, f)
        for p, h, f in zip(patients, histories, answers, strict=True)
        if observe(h, PRIOR).status != "faded"
    ]
    assert len(ahead) > 1000
    coverage = sum(f.fade_low <= p.fade <= f.fade_high for p, f in ahead) / len(ahead)
    assert 0.74 <= coverage <= 0.88, coverage
    # Maintenance is due when one patient in ten would have faded; a fade missed between visits (the
    # last score still above half by noise or a missed peak) makes it nearer one in six (docs/forecast.md).
    faded_before_maintenance = sum(p.fade < f.maintenance_due for p, f in ahead) / len(ahead)
    assert 0.05 <= faded_before_maintenance <= 0.2, faded_before_maintenance


def test_the_evidence_only_interval_is_calibrated_when_the_clinic_matches_the_evidence():
    patients = synthetic.cohort(1500, PRIOR, seed=4, cutoff=date(2026, 1, 1))
    answers = forecast(prior_model(PRIOR), [History(p.history.indication, p.history.sessions,
                       (), p.history.date_of_birth, p.history.fitzpatrick, p.history.sun_exposure,
                       p.history.smoker) for p in patients])  # fmt: skip
    coverage = sum(f.fade_low <= p.fade <= f.fade_high for p, f in zip(patients, answers, strict=True))
    # The prior's own uncertainty about the clinic widens the interval beyond the patients' spread.
    assert 0.8 <= coverage / len(patients) <= 0.95


# ---------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------

DAYS = st.integers(min_value=0, max_value=3000)


@st.composite
def histories(draw: st.DrawFn) -> History:
    start = date(2020, 1, 1) + timedelta(days=draw(DAYS))
    gaps = draw(st.lists(st.integers(1, 200), max_size=6))
    sessions = [start]
    for gap in gaps:
        sessions.append(sessions[-1] + timedelta(days=gap))
    scale = draw(st.sampled_from(sorted(durability.SCALES)))
    spec = durability.SCALES[scale]
    values = st.floats(min_value=spec.low, max_value=spec.high, allow_nan=False)
    taken = [
        Assessment(start + timedelta(days=draw(st.integers(-60, 4000))), scale, draw(values))
        for _ in range(draw(st.integers(0, 10)))
    ]
    return History(
        indication=draw(st.sampled_from(PRIOR.indications)),
        sessions=tuple(sessions),
        assessments=tuple(taken),
        date_of_birth=draw(st.none() | st.dates(date(1920, 1, 1), date(2010, 1, 1))),
        fitzpatrick=draw(st.none() | st.integers(1, 6)),
        sun_exposure=draw(st.none() | st.sampled_from(["low", "medium", "high"])),
        smoker=draw(st.none() | st.booleans()),
    )


@pytest.fixture(scope="module")
def models(clinic: durability.Model) -> dict[str, durability.Model]:
    return {"evidence": prior_model(PRIOR), "clinic": clinic}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(), basis=st.sampled_from(["evidence", "clinic"]))
def test_every_forecast_is_ordered(models, history, basis):
    [answer] = forecast(models[basis], [history])
    assert answer.basis == basis
    assert answer.peak <= answer.fade_low <= answer.fade_median <= answer.fade_high
    assert answer.maintenance_due < answer.fade_median
    assert answer.fade_high < answer.peak + timedelta(days=365 * 200)


@settings(max_examples=60, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=25))
def test_any_cohort_can_be_fitted_and_forecast(cohort):
    model, answers = forecast_cohort(cohort, PRIOR)
    assert len(answers) == len(cohort)
    assert 0 < model.sigma < 5
    for answer in answers:
        assert answer.fade_low <= answer.fade_median <= answer.fade_high
        assert answer.maintenance_due < answer.fade_median


# ---------------------------------------------------------------------------------------------------------
# "Is it permanent for me?"
# ---------------------------------------------------------------------------------------------------------


def _answer(status="holding", basis="evidence", due=date(2027, 10, 1), hastened_by=()):  # type: ignore[no-untyped-def]
    forecast = durability.Forecast(
        "acne_scars",
        status,
        basis,
        date(2026, 4, 1),
        date(2029, 4, 1),
        date(2027, 10, 1),
        date(2031, 6, 1),
        due,
        0,
        hastened_by,
    )
    return durability.plain_answer(forecast, today=date(2026, 11, 25), indication_label="Acne scars")


def test_the_patient_is_told_it_is_not_permanent_when_it_fades_and_when_to_come_back():
    text = _answer()
    assert text.startswith("No, not permanent")
    assert "until about April 2029 (most likely between October 2027 and June 2031)" in text
    assert "Plan a maintenance session by October 2027." in text
    assert "based on published studies; it becomes more personal" in text
    assert "this clinic's own patients" in _answer(basis="clinic")
    assert "Plan a maintenance session now." in _answer(due=date(2026, 11, 1))
    faded = _answer(status="faded")
    assert "has faded to less than half of its best" in faded and "Plan a maintenance" not in faded
    # Expected by now but not yet seen at a visit: said as likely, not as seen.
    expected = durability.Forecast(
        "acne_scars", "holding", "clinic", date(2024, 4, 1), date(2026, 4, 1), date(2025, 6, 1),
        date(2027, 6, 1), date(2025, 6, 1), 3,
    )  # fmt: skip
    overdue = durability.plain_answer(expected, today=date(2026, 11, 25), indication_label="Acne scars")
    assert "has probably faded to about half of its best by now (expected around April 2026)" in overdue
    assert "less than half" not in overdue and "can bring it back" in overdue


def test_before_the_peak_the_patient_hears_their_skin_is_still_improving():
    """Collagen keeps maturing for about 6 months after the series [Aust 2008; Alam 2014]: a patient asking
    two months after the last session hears it is still growing, and until when."""
    [building] = forecast(prior_model(PRIOR), [patient("fine_lines", (1, 30))])
    assert building.status == "building" and building.peak == PEAK
    early = durability.plain_answer(
        building, today=add_average_months(LAST, 2), indication_label="Fine lines"
    )
    assert "Your skin should keep improving until about August 2024 as new collagen matures." in early
    assert early.index("keep improving") < early.index("expected to last until")
    after = durability.plain_answer(
        building, today=add_average_months(LAST, 7), indication_label="Fine lines"
    )
    assert "keep improving" not in after and "expected to last until" in after


def test_the_patient_hears_which_of_their_habits_shorten_it_and_what_helps():
    assert "smoke" not in _answer() and "SPF" not in _answer()
    smoking = _answer(hastened_by=("smoking",))
    assert "You told us you smoke" in smoking and "stopping helps" in smoking and "SPF" not in smoking
    sun = _answer(hastened_by=("sun",))
    assert "a lot of sun" in sun and "SPF 30+ every day" in sun and "smoke" not in sun
    both = _answer(status="faded", hastened_by=("smoking", "sun"))
    assert "has faded" in both and "smoke and your skin gets a lot of sun" in both
    # Read from what the patient told us; unknown says nothing.
    history = durability.History("acne_scars", (date(2026, 1, 1),), smoker=True, sun_exposure="high")
    assert durability.hastened_by(history) == ("smoking", "sun")
    assert durability.hastened_by(durability.History("acne_scars", (date(2026, 1, 1),))) == ()
    low = durability.History("acne_scars", (date(2026, 1, 1),), smoker=False, sun_exposure="low")
    assert durability.hastened_by(low) == ()


def test_the_patients_own_forecast_asks_more_of_a_visit_than_the_clinics_fit():
    """A visit at 57% of the peak seen bounds the fade in the clinic's fit (at least 55%: unbiased half-
    lives) but not in the patient's own forecast (at least 60%): the peak seen may be below the true one,
    and a forecast that trusted the visit would book this patient's maintenance late."""
    s = lambda day, value: Assessment(day, "wrinkle_severity", value)  # noqa: E731  # 1 (best) .. 5
    start, visit = date(2024, 1, 5), date(2025, 10, 1)
    history = History("fine_lines", (start,), (s(start, 5), s(date(2024, 10, 1), 1), s(visit, 2.72)))
    peak_day = add_average_months(start, PRIOR.peak_months)
    assert observe(history, PRIOR).lower_months == pytest.approx(months_between(peak_day, visit))
    own = observe(history, PRIOR, held_at=durability.FORECAST_HELD)
    assert own.lower_months == pytest.approx(months_between(peak_day, date(2024, 10, 1)))
    assert own.status == observe(history, PRIOR).status == "holding"
    model = durability.prior_model(PRIOR)
    [answer] = forecast(model, [history])
    [trusting] = forecast(model, [history], observations=[observe(history, PRIOR)])
    assert answer.fade_low < visit < trusting.fade_low
    assert answer.maintenance_due < trusting.maintenance_due
