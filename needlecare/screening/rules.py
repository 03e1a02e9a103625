"""Screening: an intake, a protocol and a date in; a decision that explains itself out. Pure: no Django.

The worst finding sets the outcome: declined > deferred > clearance > precautions > eligible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from needlecare.core.errors import Refused
from needlecare.protocols import load_default
from needlecare.protocols.loader import (
    INTAKE_FIELDS,
    Allergen,
    Allergens,
    Message,
    Protocol,
    Rule,
    Severity,
    source_parts,
)

NEVER = "never"  # the answer to a "last date" question when it never happened

Outcome = Literal["declined", "deferred", "clearance", "precautions", "eligible"]
OUTCOMES: tuple[Outcome, ...] = (
    "declined",
    "deferred",
    "clearance",
    "precautions",
    "eligible",
)  # worst first
_RANK: dict[str, int] = {outcome: len(OUTCOMES) - index for index, outcome in enumerate(OUTCOMES)}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def rank(outcome: str) -> int:
    """How severe an outcome or severity is; higher is worse.

    >>> rank("declined") > rank("deferred") > rank("clearance") > rank("precautions") > rank("eligible")
    True
    """
    return _RANK[outcome]


class IntakeError(Refused, ValueError):
    """The intake is not in the contract's shape; ``problems`` maps each bad field to the reason.
    The API answers each problem under the request's `intake` (the evaluator's body)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(f"{field}: {reason}" for field, reason in problems.items()),
            fields=problems,
            detail=[
                {"loc": ["body", "payload", "intake", field], "msg": reason}
                for field, reason in problems.items()
            ],
        )


class UnknownAdjunct(Refused, ValueError):
    """An adjunct the clinic's protocol does not know (or not a list of them)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            fields={"adjuncts": [message]},
            detail=[{"loc": ["body", "payload", "adjuncts"], "msg": message}],
        )


@dataclass(frozen=True)
class Finding:
    """Why a rule fired. ``defer_until`` is the first day the deferral allows a session, when known."""

    rule: str
    severity: Severity
    message: str
    source: str
    patient_message: str = ""
    defer_until: date | None = None

    def to_dict(self, *, patient_message: bool = False) -> dict[str, str]:
        shape = {"rule": self.rule, "severity": self.severity, "message": self.message, "source": self.source}
        if patient_message:
            shape["patient_message"] = self.patient_message
        return shape


@dataclass(frozen=True)
class Decision:
    """A screening decision; ``to_dict()`` gives DESIGN.md's contract shape, JSON-ready."""

    outcome: Outcome
    defer_until: date | None
    findings: tuple[Finding, ...]
    protocol_name: str
    protocol_version: str

    def to_dict(self, *, patient_messages: bool = False) -> dict[str, Any]:
        """The contract: ``{outcome, defer_until, findings: [{rule, severity, message, source}],
        protocol: {name, version}}``; ``patient_messages=True`` adds each finding's ``patient_message``."""
        return {
            "outcome": self.outcome,
            "defer_until": self.defer_until.isoformat() if self.defer_until else None,
            "findings": [finding.to_dict(patient_message=patient_messages) for finding in self.findings],
            "protocol": {"name": self.protocol_name, "version": self.protocol_version},
        }


def evaluate(
    intake: Mapping[str, Any],
    protocol: Protocol,
    on: date,
    *,
    zones: Iterable[str] | None = None,
    adjuncts: Iterable[str] | None = None,
) -> Decision:
    """Screen an intake against a protocol on a date.

    ``zones``, when given, skips rules limited to zones or regions not treated (cold sores: the face);
    when it is not given, every zone rule applies. ``adjuncts`` names what the plan adds to the needling
    (``["prp"]``, from the protocol's ``[adjuncts]``): rules limited to an adjunct apply only when the
    plan uses it, because they ask about the adjunct, not about microneedling.

    >>> from needlecare.protocols import load_default
    >>> evaluate({"pregnant_or_breastfeeding": True}, load_default(), date(2025, 1, 1)).outcome
    'deferred'
    """
    if isinstance(on, datetime) or not isinstance(on, date):
        raise TypeError("'on' must be a date")
    answers = read_answers(intake)
    treated = _treated(zones, protocol)
    used = _adjuncts(adjuncts, protocol)
    by_field: dict[str, list[tuple[str, Rule]]] = {}
    for rule_id, rule in protocol.contraindications.items():
        if _applies(rule, treated, used, protocol):
            by_field.setdefault(rule.field, []).append((rule_id, rule))

    findings: list[Finding] = []
    for field, rules in by_field.items():
        if field not in answers:
            # Not asked. A session must not go ahead on a question nobody asked, so it counts as unknown.
            # (A date question says "never" with the answer "never"; leaving it out is not asking it.)
            # An older question is not missed when the newer one that replaces it was answered and this
            # protocol screens on the newer one (a protocol stored before it came only reads the older).
            newer = INTAKE_FIELDS[field].superseded_by
            if not (newer and newer in by_field and answers.get(newer) is not None):
                findings.append(_unanswered(field, rules, protocol.screening.not_asked, "not_asked"))
        elif answers[field] is None:
            findings.append(_unanswered(field, rules, protocol.screening.unknown, "unknown"))
        else:
            for rule_id, rule in rules:
                finding = _apply(rule_id, rule, answers[field], on, protocol)
                if finding is not None:
                    findings.append(finding)
    return _decide(findings, protocol)


def read_answers(intake: Mapping[str, Any]) -> dict[str, Any]:
    """Check an intake against the contract and parse its dates; raise IntakeError naming each bad field.

    Absent keys stay absent ("not asked") and ``None`` stays ``None`` ("unknown").

    >>> read_answers({"isotretinoin_last_dose": "2025-01-31", "keloid_history": None})
    {'isotretinoin_last_dose': datetime.date(2025, 1, 31), 'keloid_history': None}
    """
    if not isinstance(intake, Mapping):
        raise IntakeError({"intake": "must be an object of answers"})
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field, value in intake.items():
        spec = INTAKE_FIELDS.get(field) if isinstance(field, str) else None
        if spec is None:
            problems[str(field)] = "not an intake question"
            continue
        if value is None:
            answers[field] = None
        elif spec.kind == "yes_no" and isinstance(value, bool):
            answers[field] = value
        elif spec.kind == "choice" and isinstance(value, str) and value in spec.choices:
            answers[field] = value
        elif spec.kind == "fitzpatrick" and type(value) is int and 1 <= value <= 6:
            answers[field] = value
        elif (
            spec.kind == "list" and isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        ):
            answers[field] = list(value)
        elif spec.kind == "date" and spec.can_be_never and value == NEVER:
            answers[field] = NEVER
        elif spec.kind == "date" and (parsed := _date(value)) is not None:
            answers[field] = parsed
        elif spec.kind == "date" and spec.can_be_never:
            problems[field] = 'must be a date written as YYYY-MM-DD, "never", or null'
        else:
            problems[field] = {
                "yes_no": "must be true, false or null",
                "choice": f"must be one of {', '.join(spec.choices)}, or null",
                "fitzpatrick": "must be a whole number from 1 to 6, or null",
                "list": "must be a list of text, or null",
                "date": "must be a date written as YYYY-MM-DD, or null",
            }[spec.kind]
    if problems:
        raise IntakeError(problems)
    return answers


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _adjuncts(adjuncts: Iterable[str] | None, protocol: Protocol) -> set[str]:
    if adjuncts is None:
        return set()
    if isinstance(adjuncts, str):
        raise UnknownAdjunct("adjuncts must be a list")
    used = set(adjuncts)
    unknown = sorted(str(name) for name in used - set(protocol.adjuncts))
    if unknown:
        valid = ", ".join(protocol.adjuncts) or "none"
        raise UnknownAdjunct(f"unknown adjuncts: {', '.join(unknown)}; valid adjuncts: {valid}")
    return used


def _applies(rule: Rule, treated: set[str] | None, used: set[str], protocol: Protocol) -> bool:
    if rule.applies_to_adjuncts and not used & set(rule.applies_to_adjuncts):
        return False
    if treated is None or not (rule.applies_to_zones or rule.applies_to_regions):
        return True
    regions = {protocol.zones[zone].region for zone in treated}
    return bool(treated & set(rule.applies_to_zones) or regions & set(rule.applies_to_regions))


def _treated(zones: Iterable[str] | None, protocol: Protocol) -> set[str] | None:
    if zones is None:
        return None
    treated = set(zones)
    unknown = sorted(treated - set(protocol.zones))
    if unknown:
        raise ValueError(f"unknown zones: {', '.join(unknown)}; valid zones: {', '.join(protocol.zones)}")
    return treated


def _apply(rule_id: str, rule: Rule, value: Any, on: date, protocol: Protocol) -> Finding | None:
    """The finding ``rule`` gives for an answered question, or None."""
    fill: dict[str, str] = {}
    until: date | None = None
    if value == NEVER:
        return None  # a "last date" question answered "never": no date rule fires
    if rule.values is not None:
        # Compare type and value: True == 1 in Python, and a yes/no must never match a skin type.
        if not any(type(wanted) is type(value) and wanted == value for wanted in rule.values):
            return None
    elif rule.defer_after is not None:
        until = rule.defer_after.after(value)
        if on >= until:  # the wait is over on `until` itself
            return None
        fill = {"date": value.isoformat(), "until": until.isoformat()}
    elif rule.age_below_years is not None:
        age = on.year - value.year - ((on.month, on.day) < (value.month, value.day))
        if age >= rule.age_below_years:
            return None
        fill = {"age": str(age)}
    elif rule.contains_any is not None:
        words = [word.lower() for word in rule.contains_any]
        matched = [answer for answer in value if any(word in answer.lower() for word in words)]
        if not matched:
            return None
        fill = {"matched": ", ".join(matched)}
    elif rule.ever:
        fill = {"date": value.isoformat()}
    elif rule.allergens_any is not None:
        wanted = set(rule.allergens_any)
        table = ingredients_of(protocol)
        words = [
            f"{answer} ({', '.join(table[key].label for key in sorted(found & wanted))})"
            for answer in value
            if (found := _allergens_in(answer, protocol)) & wanted
        ]
        if not words:
            return None
        fill = {"matched": "; ".join(words)}
    return Finding(
        rule=rule_id,
        severity=rule.severity,
        message=rule.staff_message.format(**fill),
        source=rule.source,
        patient_message=rule.patient_message.format(**fill),
        defer_until=until,
    )


def allergens_of(intake: Mapping[str, Any], protocol: Protocol) -> set[str]:
    """The ingredient keys (``[allergens]`` of the protocol) a patient's listed allergies name.

    Brand names and synonyms map to their ingredients ("EMLA" is lidocaine and prilocaine, "Ametop"
    tetracaine, "jewellery" nickel); a word naming a whole kind ("local anaesthetic") names every
    ingredient of that kind. Matching ignores case and needs whole words (plurals allowed). An unknown
    (null) or unasked allergy list gives the empty set: screening, not this function, says it is unknown.
    A protocol without ``[allergens]`` (stored before issue 13) uses the default protocol's table.

    >>> from needlecare.protocols import load_default
    >>> sorted(allergens_of({"allergies": ["EMLA cream", "costume jewellery"]}, load_default()))
    ['lidocaine', 'nickel', 'prilocaine']
    """
    answers = intake.get("allergies") if isinstance(intake, Mapping) else None
    if not isinstance(answers, list | tuple):
        return set()
    found: set[str] = set()
    for answer in answers:
        if isinstance(answer, str):
            found |= _allergens_in(answer, protocol)
    return found


def ingredients_of(protocol: Protocol) -> dict[str, Allergen]:
    """The protocol's allergen ingredients by key (the default protocol's when it has no table of its own):
    ``"lidocaine" in ingredients_of(load_default())``."""
    return _table(protocol).ingredients


def _table(protocol: Protocol) -> Allergens:
    if protocol.allergens is not None:
        return protocol.allergens

    allergens = load_default().allergens
    assert allergens is not None, "the default protocol has an [allergens] table"
    return allergens


def _named(name: str, text: str) -> bool:
    # Whole words, ignoring case, a plural allowed: "lidocaine" in "Lidocaine cream", "LMX" in "LMX4",
    # "anaesthetic" in "local anaesthetics"; but not "gold" in "marigold" or "golden".
    pattern = r"(?<![a-z])" + re.escape(name.lower()) + r"(?:s|es)?(?![a-z])"
    return re.search(pattern, text.lower()) is not None


def _allergens_in(answer: str, protocol: Protocol) -> set[str]:
    table = _table(protocol)
    kinds = {kind for kind, names in table.kinds.items() if any(_named(name, answer) for name in names)}
    return {
        key
        for key, allergen in table.ingredients.items()
        if allergen.kind in kinds or any(_named(name, answer) for name in [key, *allergen.names])
    }


def _unanswered(field: str, rules: list[tuple[str, Rule]], message: Message, kind: str) -> Finding:
    """A finding asking the practitioner to confirm an unknown or unasked answer.

    Its severity is that of the worst answer the question could have (the rules on that field), because
    until the answer is confirmed the patient may be the one it describes: an unknown pregnancy defers,
    unknown blood thinners need the prescriber's clearance, unknown cold sores get prophylaxis. The one
    exception: an absolute contraindication becomes "deferred" (no date), because confirming the answer
    ends it; it still blocks the session and cannot be overridden, exactly as a decline would, but the
    patient is not told they can never be treated because a box was left empty.
    """
    _, worst = max(rules, key=lambda item: rank(item[1].severity))  # first of equals: max keeps the first
    severity: Severity = "deferred" if worst.severity == "declined" else worst.severity
    consequence = f"{worst.title} ({worst.severity}: {worst.ends.rstrip('.').lower()})"
    if worst.severity == "declined":
        consequence += ", held as a deferral until the answer is confirmed"
    question = INTAKE_FIELDS[field].question
    sources = [
        part
        for source in [message.source, *(rule.source for _, rule in rules)]
        for part in source_parts(source)
    ]
    return Finding(
        rule=f"{kind}:{field}",
        severity=severity,
        message=message.staff_message.format(question=question, consequence=consequence),
        source="; ".join(dict.fromkeys(sources)),
        patient_message=message.patient_message.format(question=question, consequence=consequence),
    )


def _decide(findings: list[Finding], protocol: Protocol) -> Decision:
    ordered = tuple(sorted(findings, key=lambda finding: -rank(finding.severity)))  # stable: protocol order
    outcome: Outcome = ordered[0].severity if ordered else "eligible"
    dates = [f.defer_until for f in ordered if f.severity == "deferred" and f.defer_until is not None]
    # The latest date: no deferral ends before it. Undated deferrals (infection, pregnancy) still stand
    # beside it in the findings and end only on re-screening.
    defer_until = max(dates) if outcome == "deferred" and dates else None
    return Decision(outcome, defer_until, ordered, protocol.name, protocol.version)
