"""The durability forecast: when a patient's improvement falls below half its peak, and when to book
maintenance. Pure: no Django. Starts from the protocol's prior and updates it with the clinic's own data.

The model (docs/forecast.md explains it for clinicians):

* Improvement builds over the series and peaks ``peak_months_after_last_session`` after the last session;
  from the peak it takes ``H`` months to fall below half of the peak.
* ``log H = log(half_life[indication]) + clinic + clinic_indication + modifiers + sigma * noise``: a
  log-normal accelerated-failure-time model. The protocol gives the published half-lives, the modifiers
  (sun, smoking, age; skin type starts at "no effect") and sigma; Gaussian priors centred on them are
  updated with the clinic's history, where each patient is one censored observation of ``H``: faded
  between two visits (interval-censored), or still improved at the last visit (right-censored, never a
  failure). The posterior mode and its Laplace covariance give the forecast.
* Each patient's forecast is the predictive distribution of their ``H``, conditioned on their own
  follow-up (a patient still improved at 14 months cannot fade at 10).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from needlecare.protocols.loader import Durability

Floats = npt.NDArray[np.float64]
Basis = Literal["evidence", "clinic"]
# no_data: no usable scores; building: not yet past the peak; no_response: never improved enough to
# measure a fade; holding: still above half the peak at the last visit; faded: fell below half.
Status = Literal["no_data", "building", "no_response", "holding", "faded"]
SunExposure = Literal["low", "medium", "high"]

DAYS_PER_MONTH = 365.25 / 12
INTERVAL = 0.80  # the forecast's interval: from the 10th to the 90th percentile
# Maintenance is due when one patient in ten like this one would have faded.
MAINTENANCE_RISK = 0.10
# A peak smaller than this (a share of the scale's range) is within rating noise: no fade to measure.
MIN_PEAK_IMPROVEMENT = 0.05
# No forecast reaches further than this (a century): beyond it, "not in this patient's lifetime".
MAX_FADE_MONTHS = 1200.0
# A fade seen on or before the model's peak day is put at most this long after the peak.
MIN_FADE_MONTHS = 0.5
# A visit shows that the improvement held only when it is clearly above half the peak: at least this
# share of it. A score just above half is within rating noise of having faded; counting it pushed the
# clinic's fitted half-lives up and maintenance too late (docs/forecast.md, "How good is it?", gives the
# figures before and after).
CLEARLY_HELD = 0.55
# For one patient's own forecast the bar is higher. The peak seen is below the true one when the visit at
# the peak was missed or scored low, so a visit just above 55% of it may already be below half the true
# peak; conditioning the forecast on it books maintenance late for that patient. Learning the clinic's
# durability keeps 55%, which leaves its fitted half-lives unbiased (docs/forecast.md gives the figures).
FORECAST_HELD = 0.6

# How far the clinic's data may move the prior: standard deviations of the Gaussian priors on the log
# scale. Statistical choices, not clinical figures: 0.3 lets a clinic's durability differ from the
# published figures by a factor of about 1.35 (one sd); modifiers are trusted more than the overall scale.
PRIOR_SD_CLINIC = 0.3
PRIOR_SD_INDICATION = 0.2
PRIOR_SD_MODIFIER = 0.15
PRIOR_SD_SKIN_TYPE = 0.05  # per Fitzpatrick type away from III; the protocol states no effect
PRIOR_SD_LOG_SIGMA = 0.25

MODIFIERS = ("high_sun_exposure", "low_sun_exposure", "smoker", "decades_over_age", "fitzpatrick")


class DurabilityError(ValueError):
    """A history the model cannot read (no sessions, an unknown indication); the message says why."""


@dataclass(frozen=True)
class Scale:
    """A scale as the forecast needs it: range, direction of "better", and the neutral value of a scale
    that is rated against the baseline photo (GAIS), which needs no baseline score."""

    name: str
    low: float
    high: float
    lower_is_better: bool
    neutral: float | None = None

    def improvement(self, value: float, baseline: float | None) -> float:
        """Change from baseline toward "better", as a share of the scale's range.

        >>> SCALES["goodman_baron_quantitative"].improvement(21, baseline=42)
        0.25
        """
        reference = self.neutral if self.neutral is not None else baseline
        if reference is None:
            raise DurabilityError(f"scale {self.name!r} needs a baseline score")
        change = reference - value if self.lower_is_better else value - reference
        return change / (self.high - self.low)


# DESIGN.md's scales, as outcomes/scales.py defines them. Clinic-defined scales come from the outcomes
# records (forecasting.py).
SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        Scale("gais", 1, 5, lower_is_better=True, neutral=4),  # 4 = unaltered, rated against baseline
        Scale("goodman_baron_qualitative", 1, 4, lower_is_better=True),
        Scale("goodman_baron_quantitative", 0, 84, lower_is_better=True),
        Scale("glogau", 1, 4, lower_is_better=True),
        Scale("wrinkle_severity", 1, 5, lower_is_better=True),
        # Satisfaction is rated without a baseline; its neutral is "neither satisfied nor dissatisfied".
        Scale("satisfaction", 1, 5, lower_is_better=False, neutral=3),
        Scale("satisfaction_vas", 0, 10, lower_is_better=False, neutral=5),
    )
}


@dataclass(frozen=True)
class Prior:
    """The protocol's durability prior (CLINICAL.md section 8), as numbers."""

    peak_months: float
    half_life_months: Mapping[str, float]
    high_sun_exposure: float
    low_sun_exposure: float
    smoker: float
    per_decade_over_age: float
    age_from_years: int
    sigma: float

    @classmethod
    def from_protocol(cls, durability: Durability) -> Prior:
        """``Prior.from_protocol(load_default().durability).half_life_months["acne_scars"] == 36``."""
        multipliers = durability.multipliers
        return cls(
            peak_months=durability.peak_months_after_last_session,
            half_life_months=dict(durability.half_life_months),
            high_sun_exposure=multipliers.high_sun_exposure,
            low_sun_exposure=multipliers.low_sun_exposure,
            smoker=multipliers.smoker,
            per_decade_over_age=multipliers.per_decade_over_age,
            age_from_years=multipliers.age_from_years,
            sigma=durability.spread.sigma,
        )

    @property
    def indications(self) -> tuple[str, ...]:
        return tuple(self.half_life_months)

    def modifier_means(self) -> Floats:
        """Prior means of the modifiers' coefficients on log H, in the order of MODIFIERS."""
        return np.log(
            [self.high_sun_exposure, self.low_sun_exposure, self.smoker, self.per_decade_over_age, 1.0]
        )


@dataclass(frozen=True)
class Assessment:
    """One score; ``baseline`` marks the score the clinic chose as the baseline (else: the last score on
    or before the first session)."""

    on: date
    scale: str
    value: float
    baseline: bool = False


@dataclass(frozen=True)
class History:
    """One patient's treatment of one indication: who they are, the sessions, and the scores. Unknown
    modifiers (None) count as the reference: medium sun, non-smoker, no age effect, type III."""

    indication: str
    sessions: tuple[date, ...]
    assessments: tuple[Assessment, ...] = ()
    date_of_birth: date | None = None
    fitzpatrick: int | None = None
    sun_exposure: SunExposure | None = None
    smoker: bool | None = None

    @property
    def last_session(self) -> date:
        if not self.sessions:
            raise DurabilityError("a forecast needs at least one session")
        return max(self.sessions)

    def modifiers(self, prior: Prior) -> tuple[float, ...]:
        """The covariates, in the order of MODIFIERS."""
        decades = 0.0
        if self.date_of_birth is not None:
            age_years = (self.last_session - self.date_of_birth).days / 365.25
            decades = max(0.0, (age_years - prior.age_from_years) / 10)
        return (
            float(self.sun_exposure == "high"),
            float(self.sun_exposure == "low"),
            float(bool(self.smoker)),
            decades,
            float(self.fitzpatrick - 3) if self.fitzpatrick is not None else 0.0,
        )


@dataclass(frozen=True)
class Observation:
    """What one history says about its fade time ``H`` (months after the peak): ``lower < H <= upper``."""

    status: Status
    peak: date
    lower_months: float = 0.0
    upper_months: float = math.inf
    peak_improvement: float | None = None

    @property
    def informative(self) -> bool:
        return self.status == "faded" or (self.status == "holding" and self.lower_months > 0)


@dataclass(frozen=True)
class Forecast:
    """The answer for one patient and indication. Dates: ``fade_low <= fade_median <= fade_high`` is the
    80% interval of the day improvement falls below half its peak; ``maintenance_due`` comes before it."""

    indication: str
    status: Status
    basis: Basis
    peak: date
    fade_median: date
    fade_low: date
    fade_high: date
    maintenance_due: date
    clinic_patients: int  # how many of the clinic's patients with follow-up informed the model
    # What the patient told us that brings the fade forward and that they can change: "smoking", "sun".
    hastened_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "indication": self.indication,
            "status": self.status,
            "basis": self.basis,
            "peak": self.peak.isoformat(),
            "fade_median": self.fade_median.isoformat(),
            "fade_low": self.fade_low.isoformat(),
            "fade_high": self.fade_high.isoformat(),
            "maintenance_due": self.maintenance_due.isoformat(),
            "clinic_patients": self.clinic_patients,
        }


def plain_answer(forecast: Forecast, *, today: date, indication_label: str) -> str:
    """ "Is it permanent for me?" in plain words, for the patient.

    >>> f = Forecast("acne_scars", "holding", "evidence", date(2026, 4, 1), date(2029, 4, 1),
    ...     date(2027, 10, 1), date(2031, 6, 1), date(2027, 10, 1), 0)
    >>> plain_answer(f, today=date(2026, 11, 25), indication_label="Acne scars")[44:119]
    'Your improvement in acne scars is expected to last until about April 2029 ('
    """
    month = "%B %Y"
    what = indication_label.lower()
    if forecast.status == "faded":
        middle = (
            f"Your improvement in {what} has faded to less than half of its best, around "
            f"{forecast.fade_median.strftime(month)}. A maintenance session can bring it back."
        )
    elif forecast.fade_median <= today:  # expected by now, not yet seen at a visit
        middle = (
            f"Your improvement in {what} has probably faded to about half of its best by now (expected "
            f"around {forecast.fade_median.strftime(month)}). A maintenance session can bring it back."
        )
    else:
        due = "now" if forecast.maintenance_due <= today else f"by {forecast.maintenance_due.strftime(month)}"
        # Before the peak (the protocol's, 6 months after the last session by default) it is still growing.
        growing = (
            f"Your skin should keep improving until about {forecast.peak.strftime(month)} as new collagen "
            "matures. "
            if forecast.peak > today
            else ""
        )
        middle = (
            f"{growing}Your improvement in {what} is expected to last until about "
            f"{forecast.fade_median.strftime(month)} (most likely between "
            f"{forecast.fade_low.strftime(month)} and {forecast.fade_high.strftime(month)}), "
            f"then fade to half of its best. Plan a maintenance session {due}."
        )
    basis = (
        "This forecast is based on published studies; it becomes more personal as the clinic records its "
        "own results."
        if forecast.basis == "evidence"
        else "This forecast is based on published studies and on the results of this clinic's own patients."
    )
    advice = HABIT_ADVICE.get(forecast.hastened_by)
    middle = f"{middle} {advice}" if advice else middle
    return f"No, not permanent: the skin goes on ageing. {middle} {basis}"


def add_average_months(day: date, months: float) -> date:
    """``add_average_months(date(2026, 1, 1), 12) == date(2027, 1, 1)``: months of 365.25 / 12 days, to
    the day."""
    try:
        return day + timedelta(days=round(months * DAYS_PER_MONTH))
    except OverflowError:  # a date at the calendar's end: stay on the calendar
        return date.max if months > 0 else date.min


def months_between(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def improvement_series(history: History, scales: Mapping[str, Scale] = SCALES) -> list[tuple[date, float]]:
    """The improvement on each day scored after the first session: the mean over the scales scored that
    day of the change from the scale's baseline (see Assessment).

    >>> score = lambda day, value: Assessment(day, "goodman_baron_quantitative", value)
    >>> scores = (score(date(2026, 1, 5), 40), score(date(2026, 5, 1), 19))
    >>> h = History("acne_scars", (date(2026, 1, 5),), scores)
    >>> improvement_series(h)
    [(datetime.date(2026, 5, 1), 0.25)]
    """
    first = min(history.sessions) if history.sessions else None
    if first is None:
        raise DurabilityError("a forecast needs at least one session")
    by_scale: dict[str, list[Assessment]] = defaultdict(list)
    for assessment in sorted(history.assessments, key=lambda a: a.on):
        by_scale[assessment.scale].append(assessment)
    by_day: dict[date, list[float]] = defaultdict(list)
    for name, scored in by_scale.items():
        scale = scales.get(name)
        if scale is None:
            continue
        baseline = None
        if scale.neutral is None:
            marked = [a.value for a in scored if a.baseline]
            before = marked or [a.value for a in scored if a.on <= first]
            if not before:
                continue
            baseline = before[-1]
        for assessment in scored:
            if assessment.on > first and not assessment.baseline:
                by_day[assessment.on].append(scale.improvement(assessment.value, baseline))
    return [(day, sum(values) / len(values)) for day, values in sorted(by_day.items())]


def observe(
    history: History, prior: Prior, scales: Mapping[str, Scale] = SCALES, *, held_at: float = CLEARLY_HELD
) -> Observation:
    """Read one history as a censored observation of its fade time (months after the peak). A visit
    bounds the fade from below when its improvement is at least ``held_at`` of the peak.

    >>> prior = Prior(6, {"fine_lines": 12}, 0.7, 1.1, 0.75, 0.9, 40, 0.4)
    >>> s = lambda d, v: Assessment(d, "wrinkle_severity", v)
    >>> h = History("fine_lines", (date(2025, 1, 1),), (s(date(2025, 1, 1), 4), s(date(2025, 7, 3), 2),
    ...     s(date(2026, 7, 3), 2)))
    >>> o = observe(h, prior); (o.status, round(o.lower_months))
    ('holding', 12)
    """
    if history.indication not in prior.half_life_months:
        raise DurabilityError(f"no durability prior for indication {history.indication!r}")
    peak = add_average_months(history.last_session, prior.peak_months)
    series = improvement_series(history, scales)
    if not series:
        return Observation("no_data", peak)
    values = [value for _, value in series]
    best = max(range(len(series)), key=lambda index: values[index])
    peak_value = values[best]
    if peak_value < MIN_PEAK_IMPROVEMENT:
        # Before the peak it is too early to call: the improvement builds for months after the series
        # (6 by default), and a coarse scale may not have moved a step yet.
        if months_between(peak, series[-1][0]) <= 0:
            return Observation("building", peak, peak_improvement=peak_value)
        return Observation("no_response", peak, peak_improvement=peak_value)
    best_day, origin = series[best][0], peak
    # Best at the first visit after the peak, and lower since: the visit at the peak was missed and some
    # of the improvement was already gone. Half of that best is reached as many months after it as half
    # the true peak after the peak (the fade is exponential), so the fade is timed from that visit.
    if best_day > peak and best + 1 < len(series) and not any(peak <= day < best_day for day, _ in series):
        origin = best_day
    held = best_day  # the last visit that clearly showed the improvement held
    after = series[best + 1 :]
    for index, (day, value) in enumerate(after):
        # A fall below half counts when the next score (if any) confirms it, not on one low score.
        confirmed = index + 1 == len(after) or after[index + 1][1] < peak_value / 2
        if value < peak_value / 2 and confirmed:
            upper = max(months_between(origin, day), MIN_FADE_MONTHS)
            lower = max(months_between(origin, held), 0.0)
            if lower >= upper:  # both visits before the model's peak: all we know is "early"
                lower = 0.0
            return Observation("faded", peak, lower, upper, peak_value)
        if value >= peak_value * held_at:
            held = day
    if months_between(peak, series[-1][0]) <= 0:
        return Observation("building", peak, peak_improvement=peak_value)
    # Still above half at the last visit: held at least until the last visit that clearly showed it,
    # counted from the peak, so a forecast never says the fade came before that visit.
    return Observation("holding", peak, max(months_between(peak, held), 0.0), math.inf, peak_value)


# ------------------------------------------------------------------------------------------------------
# The fit
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """The posterior (mode and Laplace covariance) of the parameters of log H.

    ``coefficients``: [clinic, one per indication (prior order), one per modifier]; ``sigma`` is the
    spread between patients. ``clinic_patients`` == 0 means the prior alone (basis "evidence").
    """

    prior: Prior
    coefficients: Floats
    covariance: Floats
    sigma: float
    clinic_patients: int

    @property
    def basis(self) -> Basis:
        return "clinic" if self.clinic_patients else "evidence"

    def half_life_months(self, indication: str) -> float:
        """Median months from peak to half of peak for a reference patient (medium sun, non-smoker,
        40 or younger, type III)."""
        index = self.prior.indications.index(indication)
        return float(
            self.prior.half_life_months[indication]
            * math.exp(self.coefficients[0] + self.coefficients[1 + index])
        )

    def half_life_range(self, indication: str) -> tuple[float, float]:
        """The 80% credible range of ``half_life_months(indication)``: how sure the model is of the
        clinic's figure (not the spread between patients, which ``sigma`` gives)."""
        index = self.prior.indications.index(indication)
        row = np.zeros(len(self.coefficients))
        row[0] = row[1 + index] = 1.0
        sd = math.sqrt(float(row @ self.covariance @ row))
        middle = self.half_life_months(indication)
        return middle * math.exp(-_Z80 * sd), middle * math.exp(_Z80 * sd)

    def multiplier(self, modifier: str) -> float:
        """The fitted multiplier of the half-life for one unit of a modifier (see MODIFIERS)."""
        return math.exp(float(self.coefficients[1 + len(self.prior.indications) + MODIFIERS.index(modifier)]))

    def predictive(self, histories: Sequence[History]) -> tuple[Floats, Floats]:
        """Mean and variance of log H for each history, before its own follow-up is taken into account."""
        design, offset = _design(histories, self.prior)
        mean = offset + design @ self.coefficients
        variance = np.einsum("ij,jk,ik->i", design, self.covariance, design) + self.sigma**2
        return mean, variance


def prior_model(prior: Prior) -> Model:
    """The model before any clinic data: the protocol's prior and its stated uncertainty."""
    mean, sd = _prior_parameters(prior)
    return Model(prior, mean[:-1], np.diag(sd[:-1] ** 2), prior.sigma, 0)


def fit(
    histories: Sequence[History],
    prior: Prior,
    scales: Mapping[str, Scale] = SCALES,
    observations: Sequence[Observation] | None = None,
) -> Model:
    """Update the prior with the clinic's histories; histories without follow-up past the peak add nothing.

    >>> prior = Prior(6, {"fine_lines": 12}, 0.7, 1.1, 0.75, 0.9, 40, 0.4)
    >>> fit([], prior).basis
    'evidence'
    """
    if observations is None:
        observations = [observe(history, prior, scales) for history in histories]
    used = [index for index, observation in enumerate(observations) if observation.informative]
    if not used:
        return prior_model(prior)
    from scipy.optimize import minimize  # type: ignore[import-untyped]  # about 0.2 s: only when fitting

    design, offset = _design([histories[index] for index in used], prior)
    design = np.hstack([design, np.zeros((len(used), 1))])  # the log sigma column, for one code path
    with np.errstate(divide="ignore"):  # log(0) = -inf: faded before the first visit after the peak
        lower = np.log(np.array([observations[i].lower_months for i in used], dtype=float))
        upper = np.log(np.array([observations[i].upper_months for i in used], dtype=float))
    prior_mean, prior_sd = _prior_parameters(prior)

    def objective(theta: Floats) -> tuple[float, Floats]:
        value, gradient = _censored_loglik(design, offset, lower, upper, theta)
        z = (theta - prior_mean) / prior_sd
        return -value + 0.5 * float(z @ z), -gradient + z / prior_sd

    with np.errstate(divide="ignore", invalid="ignore"):
        result = minimize(objective, prior_mean.copy(), jac=True, method="L-BFGS-B")
    theta = np.asarray(result.x, dtype=float)
    covariance = _laplace_covariance(objective, theta, prior_sd)
    return Model(prior, theta[:-1], covariance[:-1, :-1], float(math.exp(theta[-1])), len(used))


def forecast(
    model: Model,
    histories: Sequence[History],
    scales: Mapping[str, Scale] = SCALES,
    observations: Sequence[Observation] | None = None,
) -> list[Forecast]:
    """One forecast per history: the model's predictive distribution of H, conditioned on the patient's
    own follow-up (read with ``FORECAST_HELD``), as dates.

    >>> prior = Prior(6, {"fine_lines": 12}, 0.7, 1.1, 0.75, 0.9, 40, 0.4)
    >>> [f] = forecast(prior_model(prior), [History("fine_lines", (date(2026, 1, 1),))])
    >>> (f.basis, f.peak.isoformat(), f.fade_median.isoformat())
    ('evidence', '2026-07-03', '2027-07-03')
    """
    if not histories:
        return []
    from scipy.special import ndtr, ndtri  # type: ignore[import-untyped]

    if observations is None:
        observations = [observe(history, model.prior, scales, held_at=FORECAST_HELD) for history in histories]
    mean, variance = model.predictive(histories)
    sd = np.sqrt(variance)
    with np.errstate(divide="ignore"):
        lower = np.log(np.array([max(o.lower_months, 0.0) for o in observations], dtype=float))
        upper = np.log(np.array([o.upper_months for o in observations], dtype=float))
    # Quantiles of a normal truncated to (lower, upper], on the side of the median where the
    # arithmetic keeps its precision (a patient far in the upper tail would round to 1 otherwise).
    z_lower, z_upper = (lower - mean) / sd, (upper - mean) / sd
    tail = (1 - INTERVAL) / 2

    def quantile_months(p: float) -> Floats:
        from_below = ndtri(ndtr(z_lower) + p * (ndtr(z_upper) - ndtr(z_lower)))
        from_above = -ndtri(ndtr(-z_lower) - p * (ndtr(-z_lower) - ndtr(-z_upper)))
        z = np.where(z_lower > 0, from_above, from_below)
        value = mean + sd * z
        # Where the observation leaves no mass under the model (far in a tail), stay inside it.
        fallback = np.where(np.isfinite(upper), (np.maximum(lower, upper - 1) + upper) / 2, lower + 0.1)
        value = np.where(np.isfinite(value), value, fallback)
        return np.asarray(np.exp(np.clip(value, -10, math.log(MAX_FADE_MONTHS))), dtype=float)

    with np.errstate(invalid="ignore", over="ignore"):
        low_months, median_months, high_months, due_months = (
            quantile_months(p) for p in (tail, 0.5, 1 - tail, MAINTENANCE_RISK)
        )
    answers = []
    for index, (history, observation) in enumerate(zip(histories, observations, strict=True)):
        peak = observation.peak
        median = add_average_months(peak, float(median_months[index]))
        low = min(add_average_months(peak, float(low_months[index])), median)
        high = max(add_average_months(peak, float(high_months[index])), median)
        due = add_average_months(peak, float(due_months[index]))
        due = min(due, median - timedelta(days=1))
        answers.append(
            Forecast(
                indication=history.indication,
                status=observation.status,
                basis=model.basis,
                peak=peak,
                fade_median=median,
                fade_low=low,
                fade_high=high,
                maintenance_due=due,
                clinic_patients=model.clinic_patients,
                hastened_by=hastened_by(history),
            )
        )
    return answers


def hastened_by(history: History) -> tuple[str, ...]:
    """The patient's own habits that speed the fade up and that they can change [Fisher 1997; Morita
    2007]: smoking, and a lot of sun."""
    return tuple(
        habit
        for habit, present in (("smoking", history.smoker is True), ("sun", history.sun_exposure == "high"))
        if present
    )


# What to tell a patient whose own habits speed the fade up (CLINICAL.md section 1).
HABIT_ADVICE = {
    ("smoking",): "You told us you smoke: smoking breaks collagen down faster, so stopping helps your result "
    "last longer.",
    ("sun",): "Your skin gets a lot of sun, which breaks collagen down faster: broad-spectrum SPF 30+ every "
    "day and shade help your result last longer.",
    ("smoking", "sun"): "You told us you smoke and your skin gets a lot of sun: both break collagen down "
    "faster. Broad-spectrum SPF 30+ every day, shade, and stopping smoking help your result last longer.",
}


def forecast_cohort(
    histories: Sequence[History], prior: Prior, scales: Mapping[str, Scale] = SCALES
) -> tuple[Model, list[Forecast]]:
    """Fit on a cohort and forecast each of its histories."""
    model = fit(histories, prior, scales)
    return model, forecast(model, histories, scales)


# ------------------------------------------------------------------------------------------------------
# Internals
# ------------------------------------------------------------------------------------------------------


def _prior_parameters(prior: Prior) -> tuple[Floats, Floats]:
    """Means and sds of [clinic, indications..., modifiers..., log sigma]."""
    count = len(prior.indications)
    mean = np.concatenate([[0.0], np.zeros(count), prior.modifier_means(), [math.log(prior.sigma)]])
    sd = np.concatenate(
        [
            [PRIOR_SD_CLINIC],
            np.full(count, PRIOR_SD_INDICATION),
            [PRIOR_SD_MODIFIER] * 4 + [PRIOR_SD_SKIN_TYPE],
            [PRIOR_SD_LOG_SIGMA],
        ]
    )
    return mean.astype(float), sd.astype(float)


def _design(histories: Iterable[History], prior: Prior) -> tuple[Floats, Floats]:
    """Rows [1, indication one-hot, modifiers], and the offset log(published half-life)."""
    indications = {name: index for index, name in enumerate(prior.indications)}
    rows, offset = [], []
    for history in histories:
        index = indications.get(history.indication)
        if index is None:
            raise DurabilityError(f"no durability prior for indication {history.indication!r}")
        one_hot = [0.0] * len(indications)
        one_hot[index] = 1.0
        rows.append([1.0, *one_hot, *history.modifiers(prior)])
        offset.append(math.log(prior.half_life_months[history.indication]))
    width = 1 + len(indications) + len(MODIFIERS)
    return np.array(rows, dtype=float).reshape(-1, width), np.array(offset, dtype=float)


_LOG_ROOT_2PI = 0.5 * math.log(2 * math.pi)
_Z80 = 1.2815515655446004  # the 90th percentile of the standard normal


def _censored_loglik(
    design: Floats, offset: Floats, lower: Floats, upper: Floats, theta: Floats
) -> tuple[float, Floats]:
    """Log-likelihood of log H ~ N(offset + design @ theta[:-1], exp(theta[-1])) for log H in
    (lower, upper], and its gradient in theta."""
    from scipy.special import log_ndtr, ndtr

    log_sigma = float(theta[-1])
    sigma = math.exp(log_sigma)
    mean = offset + design[:, :-1] @ theta[:-1]
    z_lower, z_upper = (lower - mean) / sigma, (upper - mean) / sigma
    # P(z_lower < Z <= z_upper), computed on the tail side that keeps precision.
    upper_tail = z_lower > 0
    mass = np.where(upper_tail, ndtr(-z_lower) - ndtr(-z_upper), ndtr(z_upper) - ndtr(z_lower))
    log_mass = np.where(
        np.isinf(z_upper),
        log_ndtr(-z_lower),
        np.where(np.isinf(z_lower), log_ndtr(z_upper), np.log(np.maximum(mass, 1e-300))),
    )

    def density_over_mass(z: Floats) -> Floats:
        return np.asarray(np.exp(-0.5 * z**2 - _LOG_ROOT_2PI - log_mass), dtype=float)

    with np.errstate(invalid="ignore", over="ignore"):
        ratio_lower, ratio_upper = density_over_mass(z_lower), density_over_mass(z_upper)
        d_mean = (ratio_lower - ratio_upper) / sigma
        z_ratio_lower = np.where(np.isfinite(z_lower), z_lower * ratio_lower, 0.0)
        z_ratio_upper = np.where(np.isfinite(z_upper), z_upper * ratio_upper, 0.0)
    d_log_sigma = z_ratio_lower - z_ratio_upper
    gradient = design[:, :-1].T @ d_mean
    return float(log_mass.sum()), np.concatenate([gradient, [d_log_sigma.sum()]])


def _laplace_covariance(objective: Any, theta: Floats, prior_sd: Floats) -> Floats:
    """Inverse Hessian of the objective at its mode, by central differences of the gradient."""
    size = len(theta)
    hessian = np.zeros((size, size))
    for index in range(size):
        step = 1e-4 * max(1.0, abs(float(theta[index])))
        shift = np.zeros(size)
        shift[index] = step
        hessian[:, index] = (objective(theta + shift)[1] - objective(theta - shift)[1]) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.diag(prior_sd**2)
    if not np.all(np.isfinite(covariance)) or np.any(np.diag(covariance) <= 0):
        return np.diag(prior_sd**2)
    return np.asarray(covariance, dtype=float)
