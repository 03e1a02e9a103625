"""Who may read and write each category of a patient's data, decided once for every role.

Pages (`@staff(readers(...))`, `can_read` in templates), the API (`@api_policy(...)`), the patient's ZIP
export, the FHIR bundle and the CSV exports all ask this table; docs/architecture.md shows it (generated
by `policy_table()`, and a test fails when the two differ).
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied

from needlecare.clinics.models import OWNER_ONLY, Role
from needlecare.core.errors import Refused

Operation = Callable[..., Any]


class Category(StrEnum):
    DEMOGRAPHICS = "demographics"
    NOTES = "notes"
    INTAKE = "intake"
    SCREENING = "screening"
    PLANS = "plans"
    CONSENT = "consent"
    APPOINTMENTS = "appointments"
    SESSIONS = "sessions"
    ADVERSE_EVENTS = "adverse_events"
    CHECKINS = "checkins"
    FORECAST = "forecast"
    ASSESSMENTS = "assessments"
    PHOTOS = "photos"
    AUDIT = "audit"
    MONEY = "money"


# What each category holds, in the words of the docs' table.
HOLDS: dict[Category, str] = {
    Category.DEMOGRAPHICS: "name, date of birth, sex, contact details, clinic reference, portal links",
    Category.NOTES: "the free-text notes on the patient's record (a session's or plan's own notes go "
    "with the session or plan)",
    Category.INTAKE: "the medical history (every intake version)",
    Category.SCREENING: "screening decisions, their findings and overrides",
    Category.PLANS: "treatment plans, their zones, depths, schedule and status changes",
    Category.CONSENT: "consent signatures, exactly as signed, and withdrawals",
    Category.APPOINTMENTS: "appointments, calendar feeds, reminders",
    Category.SESSIONS: "sessions (zones, depths, device, cartridge lot), aftercare timelines and sheets",
    Category.ADVERSE_EVENTS: "adverse events recorded against a session",
    Category.CHECKINS: "the patient's aftercare check-ins and the warning-sign alerts they raise",
    Category.FORECAST: "when improvement is expected to fade and maintenance is due (dates, no scores)",
    Category.ASSESSMENTS: "assessments and their scores",
    Category.PHOTOS: "clinical photos",
    Category.AUDIT: "the clinic's audit log",
    Category.MONEY: "prices, payments and invoices (none yet: decided here before they exist)",
}

OWN, PRA, FRO = Role.OWNER, Role.PRACTITIONER, Role.FRONT_DESK
ROLES = (OWN, PRA, FRO)

# "rw" read and write, "r" read only, "" neither. The front desk registers patients, takes their
# history, books appointments and sends intake and consent links; it reads screening, plans, sessions
# and the forecast because booking follows them (a treatment needs a valid screening, a series the plan's
# windows, maintenance the forecast). What the patient reports and what is measured or went wrong
# (check-ins, scores, photos, adverse events) is for practitioners and owners only (DESIGN.md).
POLICY: dict[Category, dict[str, str]] = {
    Category.DEMOGRAPHICS: {OWN: "rw", PRA: "rw", FRO: "rw"},
    Category.NOTES: {OWN: "rw", PRA: "rw", FRO: "rw"},
    Category.INTAKE: {OWN: "rw", PRA: "rw", FRO: "rw"},
    Category.SCREENING: {OWN: "rw", PRA: "rw", FRO: "r"},
    Category.PLANS: {OWN: "rw", PRA: "rw", FRO: "r"},
    Category.CONSENT: {OWN: "rw", PRA: "rw", FRO: "rw"},
    Category.APPOINTMENTS: {OWN: "rw", PRA: "rw", FRO: "rw"},
    Category.SESSIONS: {OWN: "rw", PRA: "rw", FRO: "r"},
    Category.ADVERSE_EVENTS: {OWN: "rw", PRA: "rw", FRO: ""},
    Category.CHECKINS: {OWN: "rw", PRA: "rw", FRO: ""},
    Category.FORECAST: {
        OWN: "r",
        PRA: "r",
        FRO: "r",
    },  # computed from sessions and assessments, never written
    Category.ASSESSMENTS: {OWN: "rw", PRA: "rw", FRO: ""},
    Category.PHOTOS: {OWN: "rw", PRA: "rw", FRO: ""},
    Category.AUDIT: {OWN: "r", PRA: "", FRO: ""},  # written by the application only
    Category.MONEY: {OWN: "rw", PRA: "", FRO: "rw"},
}

# The category of every table that holds part of a patient's record (the ZIP export asks it row by row;
# a table that reaches a patient and is missing here is exported to nobody but the patient, and
# tests/test_data_policies.py fails until it is added).
MODEL_CATEGORIES: dict[str, Category] = {
    "patients.Patient": Category.DEMOGRAPHICS,
    "portal.PortalLink": Category.DEMOGRAPHICS,
    "patients.Intake": Category.INTAKE,
    "screening.ScreeningDecision": Category.SCREENING,
    "screening.ScreeningOverride": Category.SCREENING,
    "plans.TreatmentPlan": Category.PLANS,
    "plans.PlanZone": Category.PLANS,
    "plans.PlanStatusChange": Category.PLANS,
    "consent.ConsentSignature": Category.CONSENT,
    "scheduling.Appointment": Category.APPOINTMENTS,
    "scheduling.CalendarFeed": Category.APPOINTMENTS,
    "aftercare.Reminder": Category.APPOINTMENTS,
    "treatments.Treatment": Category.SESSIONS,
    "treatments.TreatmentZone": Category.SESSIONS,
    "treatments.Cartridge": Category.SESSIONS,
    "aftercare.AftercareTimeline": Category.SESSIONS,
    "treatments.AdverseEvent": Category.ADVERSE_EVENTS,
    "aftercare.CheckIn": Category.CHECKINS,
    "aftercare.InboundMessage": Category.CHECKINS,
    "aftercare.SmsOptOut": Category.DEMOGRAPHICS,
    "outcomes.Assessment": Category.ASSESSMENTS,
    "outcomes.Photo": Category.PHOTOS,
    "audit.AuditEvent": Category.AUDIT,
}

EVERYTHING = frozenset(Category)  # the patient's own export: the right of access covers it all


def may_read(role: str, category: Category) -> bool:
    return "r" in POLICY[category].get(role, "")


def may_write(role: str, category: Category) -> bool:
    return "w" in POLICY[category].get(role, "")


def readers(category: Category) -> frozenset[str]:
    """The roles that may read a category: `@staff(readers(Category.PHOTOS))`."""
    return frozenset(r for r in ROLES if may_read(r, category))


def writers(category: Category) -> frozenset[str]:
    return frozenset(r for r in ROLES if may_write(r, category))


def readable_by(role: str) -> frozenset[Category]:
    return frozenset(c for c in Category if may_read(role, c))


def readable_for(request: Any) -> frozenset[Category]:
    """What the signed-in member (page or API token) may read; nothing without a membership."""
    membership = getattr(request, "membership", None)
    return readable_by(membership.role) if membership else frozenset()


def refusal(category: Category, *, write: bool = False) -> str:
    allowed = writers(category) if write else readers(category)
    names = " and ".join(sorted(Role(r).label.lower() for r in allowed)) or "no"
    verb = "record or change" if write else "see"
    return f"Only {names} staff may {verb} {category.value.replace('_', ' ')}."


def require(request: Any, category: Category, *, write: bool = False) -> None:
    """For pages: PermissionDenied (403) unless the member's role may read (or write) the category."""
    membership = getattr(request, "membership", None)
    check = may_write if write else may_read
    if membership is None or not check(membership.role, category):
        raise PermissionDenied(refusal(category, write=write))


def api_require(request: Any, category: Category, *, write: bool = False) -> None:
    """For API operations: 403 in the API's error shape unless the token's role may."""
    try:
        require(request, category, write=write)
    except PermissionDenied as error:
        raise Refused(str(error), code="forbidden", status=403) from error


# API operations declare who may call them, as pages do with @staff (tests/test_route_policies.py fails
# on an operation without one). Each sits under the router's decorator:
#
#     @router.post("/patients/{patient_id}/sessions", response=...)
#     @api_policy(Category.SESSIONS, write=True)
#     def record_session(request, ...): ...
#
# `api_policy` is the attribute the test reads: ("category", category, write), ("owner",) or ("any",).


def _declared(policy: tuple[Any, ...], check: Callable[[Any], None]) -> Callable[[Operation], Operation]:
    def decorator(operation: Operation) -> Operation:
        @wraps(operation)
        def checked(request: Any, *args: Any, **kwargs: Any) -> Any:
            check(request)
            return operation(request, *args, **kwargs)

        checked.api_policy = policy  # type: ignore[attr-defined]
        return checked

    return decorator


def api_policy(category: Category, *, write: bool = False) -> Callable[[Operation], Operation]:
    """The token's role must read (or with `write=True` write) the category: 403 otherwise."""
    return _declared(
        ("category", category, write), lambda request: api_require(request, category, write=write)
    )


def _owner(request: Any) -> None:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in OWNER_ONLY:
        raise Refused("Only the clinic's owner can do this.", code="forbidden", status=403)


api_owner_only = _declared(("owner",), _owner)
"""The clinic's owner only: 403 for any other role."""

api_any_role = _declared(("any",), lambda request: None)
"""Any role of the token's clinic (the token already belongs to one): the clinic's own settings, such as
its scales, or data filtered by what the role may read (`readable_for`)."""


def policy_table() -> str:
    """The table as Markdown, as docs/architecture.md shows it."""
    head = "| category | holds | " + " | ".join(Role(r).label.lower() for r in ROLES) + " |"
    rule = "| --- | --- |" + " --- |" * len(ROLES)
    shown = {"rw": "read, write", "r": "read", "": "no"}
    rows = [
        f"| {c.value} | {HOLDS[c]} | " + " | ".join(shown[POLICY[c].get(r, "")] for r in ROLES) + " |"
        for c in Category
    ]
    return "\n".join([head, rule, *rows])
