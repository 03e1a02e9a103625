"""Synthetic cohorts whose truth is known, for the durability tests and benchmarks/forecast.py. Pure.

The generative model (every figure here is a parameter of the simulation, not a clinical claim):

* Patient: indication uniform over ``indications``; age at the last session uniform 25-70 years;
  Fitzpatrick type uniform I-VI; sun exposure low / medium / high with probabilities 0.3 / 0.5 / 0.2;
  smoker with probability 0.2.
* Series: 3-6 sessions, 4-6 weeks apart; the last session uniform over the ``history_months`` before
  ``cutoff`` (at least a month before it).
* True half-life ``H`` (months from peak to half of peak) = the protocol's half-life for the indication
  x ``durability`` (the clinic's durability against the published figure) x the protocol's modifiers
  (``modifier_effect`` scales their logarithms: 0 = the modifiers do nothing) x exp(``sigma`` x N(0, 1)).
* Improvement (share of the baseline score) rises linearly from the first session to ``peak`` at
  ``peak_months`` after the last session, ``peak`` uniform 0.35-0.6, then halves every ``H`` months; so
  it falls below half its peak exactly ``peak_months + H`` months after the last session.
* Scores: Goodman and Baron quantitative (the finest built-in scale, so the benchmark measures the model
  rather than a coarse scale); baseline uniform 30-70 on the day of the first session; a score at every
  later session and every ``follow_up_months`` after the last one until ``cutoff``, each visit missed with
  probability 0.2 and follow-up abandoned after any visit with probability ``dropout``; score =
  baseline x (1 - improvement) + N(0, ``noise``), rounded and kept in 0-84.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from needlecare.forecasting.durability import Assessment, History, Prior, SunExposure, add_average_months


@dataclass(frozen=True)
class Patient:
    """A synthetic patient: the history the clinic sees, and the truth it does not."""

    id: str
    history: History
    half_life_months: float
    fade: date  # the day improvement truly falls below half of its peak

    def as_input(self) -> dict[str, Any]:
        """The patient as one line of ``manage.py forecast_cohort``'s input."""
        h = self.history
        return {
            "id": self.id,
            "date_of_birth": h.date_of_birth.isoformat() if h.date_of_birth else None,
            "fitzpatrick": h.fitzpatrick,
            "indication": h.indication,
            "sun_exposure": h.sun_exposure,
            "smoker": h.smoker,
            "sessions": [day.isoformat() for day in h.sessions],
            "assessments": [
                {"date": a.on.isoformat(), "scale": a.scale, "value": a.value} for a in h.assessments
            ],
        }


def cohort(
    size: int,
    prior: Prior,
    *,
    seed: int,
    cutoff: date = date(2026, 1, 1),
    indications: tuple[str, ...] | None = None,
    durability: float = 1.0,
    modifier_effect: float = 1.0,
    sigma: float | None = None,
    history_months: float = 48,
    follow_up_months: float = 3,
    dropout: float = 0.1,
    noise: float = 1.5,
    force: dict[str, Any] | None = None,
) -> list[Patient]:
    """``size`` patients drawn from the model above; ``force`` fixes modifiers (e.g. ``{"smoker": True}``).

    >>> from needlecare.protocols import load_default
    >>> len(cohort(3, Prior.from_protocol(load_default().durability), seed=1))
    3
    """
    rng = np.random.default_rng(seed)
    force = force or {}
    names = indications or prior.indications
    spread = prior.sigma if sigma is None else sigma
    patients = []
    for number in range(size):
        indication = str(force.get("indication", names[int(rng.integers(len(names)))]))
        age_years = float(force.get("age_years", rng.uniform(25, 70)))
        fitzpatrick = int(force.get("fitzpatrick", rng.integers(1, 7)))
        sun: SunExposure = force.get(
            "sun_exposure", ("low", "medium", "high")[rng.choice(3, p=[0.3, 0.5, 0.2])]
        )
        smoker = bool(force.get("smoker", rng.random() < 0.2))
        count = int(rng.integers(3, 7))
        last = cutoff - timedelta(days=int(rng.uniform(1, history_months) * 365.25 / 12))
        gaps = [int(rng.integers(4, 7)) * 7 for _ in range(count - 1)]
        sessions = [last]
        for gap in gaps:
            sessions.insert(0, sessions[0] - timedelta(days=gap))
        date_of_birth = last - timedelta(days=int(age_years * 365.25))

        modifier = 1.0
        modifier *= {"high": prior.high_sun_exposure, "low": prior.low_sun_exposure}.get(sun, 1.0)
        modifier *= prior.smoker if smoker else 1.0
        modifier *= prior.per_decade_over_age ** max(0.0, (age_years - prior.age_from_years) / 10)
        half_life = (
            prior.half_life_months[indication]
            * durability
            * modifier**modifier_effect
            * math.exp(spread * rng.standard_normal())
        )
        peak_improvement = rng.uniform(0.35, 0.6)
        peak_day = add_average_months(last, prior.peak_months)
        baseline = float(rng.uniform(30, 70))
        visits = list(sessions[1:])
        day = add_average_months(last, follow_up_months)
        while day <= cutoff:
            visits.append(day)
            day = add_average_months(day, follow_up_months)
        assessments = [Assessment(sessions[0], "goodman_baron_quantitative", round(baseline))]
        for visit in visits:
            if visit > last and rng.random() < 0.2:
                continue
            score = baseline * (1 - improvement(visit, sessions[0], peak_day, peak_improvement, half_life))
            score += rng.normal(0, noise)
            assessments.append(Assessment(visit, "goodman_baron_quantitative", min(84, max(0, round(score)))))
            if visit > last and rng.random() < dropout:
                break
        history = History(
            indication=indication,
            sessions=tuple(sessions),
            assessments=tuple(assessments),
            date_of_birth=date_of_birth,
            fitzpatrick=fitzpatrick,
            sun_exposure=sun,
            smoker=smoker,
        )
        patients.append(
            Patient(f"p{number:05d}", history, half_life, add_average_months(peak_day, half_life))
        )
    return patients


def improvement(day: date, first: date, peak_day: date, peak: float, half_life_months: float) -> float:
    """The true improvement on ``day``: linear to ``peak`` on ``peak_day``, then halving every half-life."""
    if day <= peak_day:
        return peak * max((day - first).days, 0) / max((peak_day - first).days, 1)
    return peak * 0.5 ** ((day - peak_day).days / (365.25 / 12) / half_life_months)
