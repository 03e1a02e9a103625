"""The sessions recorded for a plan, as scheduling needs them: on which days they were performed.

Sessions are recorded by `treatments`, an app above scheduling in the layer order, which scheduling may
not import. So treatments answers here at start-up: `TreatmentsConfig.ready()` calls `answer_with(...)`
with two of its selectors, as each app contributes its part of the timeline in `patients/history.py`.
Asked before anything answered, scheduling raises rather than guess that no session was recorded (a
guess would let a performed session be booked again).

    sessions.answer_with(days_of_plan=session_days_of_plan, performed_between=sessions_performed_between)
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient
from needlecare.plans.models import TreatmentPlan


@dataclass(frozen=True)
class RecordedSession:
    """One session performed, as the demo calendar places it (a completed treatment visit)."""

    performed_on: date
    patient: Patient
    practitioner: Any
    plan_id: Any  # the plan's id, or None for a session outside any plan
    number: int | None  # its place in the plan (1 for the first), None outside any plan


DaysOfPlan = Callable[[TreatmentPlan], list[date]]
PerformedBetween = Callable[[Clinic, date, date], list[RecordedSession]]


@dataclass
class _Answers:
    days_of_plan: DaysOfPlan | None = None
    performed_between: PerformedBetween | None = None


_ANSWERS = _Answers()


def answer_with(*, days_of_plan: DaysOfPlan, performed_between: PerformedBetween) -> None:
    """Called once by the app that records sessions (treatments), at start-up."""
    _ANSWERS.days_of_plan = days_of_plan
    _ANSWERS.performed_between = performed_between


def _unanswered() -> RuntimeError:
    return RuntimeError("No app answers for recorded sessions: is needlecare.treatments in INSTALLED_APPS?")


def recorded_session_days(plan: TreatmentPlan) -> list[date]:
    """The days the plan's sessions were performed, earliest first (one query)."""
    if _ANSWERS.days_of_plan is None:
        raise _unanswered()
    return _ANSWERS.days_of_plan(plan)


def performed_between(clinic: Clinic, first: date, last: date) -> list[RecordedSession]:
    """The clinic's sessions performed from `first` to the day before `last`, in the order recorded."""
    if _ANSWERS.performed_between is None:
        raise _unanswered()
    return _ANSWERS.performed_between(clinic, first, last)
