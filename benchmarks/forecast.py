"""How good is the durability forecast? An honest evaluation against a known truth (issue 7, point 5).

    .venv/bin/python benchmarks/forecast.py            # about half a minute; prints Markdown tables

Cohorts come from the generative model documented in ``needlecare/forecasting/synthetic.py`` (seeded, so
the figures are reproducible); docs/forecast.md records them. For each scenario, the model is fitted on
the whole cohort as the clinic would see it on the cut-off day (scores up to that day only) and each
patient is forecast; the figures are measured on the patients not seen to have faded by the cut-off
(still improved at their last visit, still in their series, or without scores), because for them the
fade date is a forecast and not a reading of the past. They are chosen by what the clinic sees, never
by the truth (choosing "truly not faded by the cut-off" would flatter or bias the figures):

* coverage: the share whose true fade date lies in the 80% interval (the target is 80%);
* median absolute error of the fade date, in days;
* concordance index: how often, of two patients, the one forecast to fade first does (0.5 is chance);
* faded before maintenance: the share whose improvement fell below half before their maintenance visit,
  for the forecast's ``maintenance_due`` and for the fixed "every 6 months" and "every 12 months" rules
  (counted from the last session), with the average months from the last session to that visit (the
  cost side: an earlier visit is safer and dearer).

"evidence only" is the forecast from the protocol's prior without the clinic-wide fit (each patient's own
follow-up still bounds their forecast), to show what pooling the clinic's history adds.

Timing: fit, then forecast, for 100, 1,000 and 10,000 patients (scipy already imported; the first fit in a
process spends about a second more importing it).
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lifelines.utils import concordance_index  # noqa: E402

from needlecare.forecasting import durability, synthetic  # noqa: E402
from needlecare.protocols import load_default  # noqa: E402

PRIOR = durability.Prior.from_protocol(load_default().durability)
CUTOFF = date(2026, 1, 1)
SIZE = 2000  # patients per scenario for the accuracy figures
SEED = 2026


@dataclass(frozen=True)
class Scenario:
    name: str
    durability: float  # the clinic's true half-lives, against the published ones
    modifier_effect: float = 1.0  # 1: sun, smoking and age act as the protocol says; 0: not at all
    noise: float = 1.5  # score noise (points of 84)
    follow_up_months: float = 3  # how often the clinic sees patients after the series


SCENARIOS = (
    Scenario("clinic as published", 1.0),
    Scenario("improvement lasts 1.5x longer", 1.5),
    Scenario("improvement fades 0.6x sooner", 0.6),
    Scenario("modifiers have no effect", 1.0, modifier_effect=0.0),
    Scenario("noisy scores (sd 4 points)", 1.0, noise=4.0),
    # Last, so the scenarios above keep their seeds: does closer follow-up help the fast-fading clinic?
    Scenario("fades 0.6x sooner, seen every 2 months", 0.6, follow_up_months=2),
)


def months(start: date, end: date) -> float:
    return durability.months_between(start, end)


def evaluate(scenario: Scenario, seed: int) -> dict[str, str]:
    patients = synthetic.cohort(
        SIZE,
        PRIOR,
        seed=seed,
        cutoff=CUTOFF,
        durability=scenario.durability,
        modifier_effect=scenario.modifier_effect,
        noise=scenario.noise,
        follow_up_months=scenario.follow_up_months,
    )
    histories = [p.history for p in patients]
    model, fitted = durability.forecast_cohort(histories, PRIOR)
    evidence = durability.forecast(durability.prior_model(PRIOR), histories)
    ahead = [i for i, h in enumerate(histories) if durability.observe(h, PRIOR).status != "faded"]
    truth = [months(patients[i].history.last_session, patients[i].fade) for i in ahead]

    def figures(answers: list[durability.Forecast]) -> str:
        pairs = [(patients[i], answers[i]) for i in ahead]
        coverage = statistics.fmean(f.fade_low <= p.fade <= f.fade_high for p, f in pairs)
        error = statistics.median(abs((f.fade_median - p.fade).days) for p, f in pairs)
        predicted = [months(p.history.last_session, f.fade_median) for p, f in pairs]
        concordance = concordance_index(truth, predicted)
        faded = statistics.fmean(p.fade < f.maintenance_due for p, f in pairs)
        visit = statistics.fmean(months(p.history.last_session, f.maintenance_due) for p, f in pairs)
        # Those whose improvement still holds on the cut-off day, seen at the maintenance date (or on the
        # cut-off day when that date has passed): what booking by the forecast can still prevent.
        holding = [(p, f) for p, f in pairs if p.fade >= CUTOFF]
        later = statistics.fmean(p.fade < max(f.maintenance_due, CUTOFF) for p, f in holding)
        seen = f"{faded:.1%} at {visit:.1f} mo"
        return f"{coverage:.0%} | {error:.0f} | {concordance:.2f} | {seen} | {later:.1%}"

    def rule(every_months: int) -> str:
        faded = statistics.fmean(t < every_months for t in truth)
        holding = [patients[i] for i in ahead if patients[i].fade >= CUTOFF]
        later = statistics.fmean(
            p.fade < max(durability.add_average_months(p.history.last_session, every_months), CUTOFF)
            for p in holding
        )
        return f"{faded:.1%} at {every_months} mo | {later:.1%}"

    half_life = model.half_life_months("fine_lines")
    low, high = model.half_life_range("fine_lines")
    return {
        "scenario": scenario.name,
        "n": f"{SIZE} ({len(ahead)})",
        "half-life": f"{12 * scenario.durability:.1f} / {half_life:.1f} ({low:.1f}-{high:.1f})",
        "forecast": figures(fitted),
        "evidence only": figures(evidence),
        "every 6 months": rule(6),
        "every 12 months": rule(12),
    }


def timing() -> list[tuple[int, float, float]]:
    durability.forecast_cohort([p.history for p in synthetic.cohort(50, PRIOR, seed=1)], PRIOR)  # imports
    rows = []
    for size in (100, 1000, 10000):
        histories = [p.history for p in synthetic.cohort(size, PRIOR, seed=size, cutoff=CUTOFF)]
        started = time.perf_counter()
        model = durability.fit(histories, PRIOR)
        fitted = time.perf_counter()
        durability.forecast(model, histories)
        done = time.perf_counter()
        rows.append((size, fitted - started, done - fitted))
    return rows


def main() -> None:
    print(f"Synthetic cohorts of {SIZE}, cut-off {CUTOFF}, seed {SEED}; figures on patients not seen faded.")
    print()
    print("| scenario | n (not seen faded) | fine lines half-life: truth / fitted (80%) |")
    print("| --- | --- | --- |")
    results = [evaluate(scenario, SEED + index) for index, scenario in enumerate(SCENARIOS)]
    for row in results:
        print(f"| {row['scenario']} | {row['n']} | {row['half-life']} |")
    print()
    print(
        "| scenario | method | 80% coverage | median abs. error (days) | concordance"
        " | faded before maintenance (visit at) | still holding at the cut-off: faded before the visit |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in results:
        print(f"| {row['scenario']} | forecast | {row['forecast']} |")
        print(f"| | evidence only | {row['evidence only']} |")
        print(f"| | every 6 months | | | 0.50 | {row['every 6 months']} |")
        print(f"| | every 12 months | | | 0.50 | {row['every 12 months']} |")
    print()
    print("| patients | fit (s) | forecast (s) | total (s) |")
    print("| --- | --- | --- | --- |")
    for size, fit_s, forecast_s in timing():
        print(f"| {size:,} | {fit_s:.2f} | {forecast_s:.2f} | {fit_s + forecast_s:.2f} |")


if __name__ == "__main__":
    main()
