"""Warning signs in a patient's check-in answers: the "call the clinic if" column of CLINICAL.md section 5
(the protocol's [aftercare] steps), read against the day of the check-in. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITY = {"none": 0, "mild": 1, "moderate": 2, "severe": 3}


@dataclass(frozen=True)
class Answers:
    day: int
    redness: str
    swelling: str
    pain: int
    getting_worse: bool = False
    warmth: bool = False
    pus: bool = False
    fever: bool = False
    spreading_redness: bool = False
    blisters_or_cold_sores: bool = False
    rash_or_itching: bool = False
    darkening: bool = False


def warning_signs(answers: Answers, previous: Answers | None = None) -> list[str]:
    """The warning signs in ``answers`` (empty: normal recovery), each in words a patient understands.

    ``previous`` is the patient's earlier check-in after the same session, if any: pain or swelling
    higher than then, after the first 48 hours, is a warning sign.

    >>> warning_signs(Answers(day=1, redness="mild", swelling="mild", pain=2))
    []
    >>> warning_signs(Answers(day=3, redness="mild", swelling="none", pain=1, pus=True))
    ['Pus']
    """
    signs = []
    # Any day: infection, herpes reactivation, allergy and pigment changes (Alster 2018; CLINICAL.md 5-6).
    if answers.pus:
        signs.append("Pus")
    if answers.spreading_redness:
        signs.append("Redness that is spreading")
    if answers.fever:
        signs.append("Fever")
    if answers.blisters_or_cold_sores:
        signs.append("Blisters or a cold sore")
    if answers.rash_or_itching:
        signs.append("A rash or itching (possible allergy)")
    if answers.darkening:
        signs.append("Darkening patches of skin (possible pigmentation)")
    # Warmth is expected on the day of treatment; from day 3 the protocol lists it as a warning sign.
    if answers.warmth and answers.day >= 3:
        signs.append("Warmth of the skin after day 2")
    # After 48 hours pain and swelling should be settling, not increasing.
    if answers.day >= 3:
        worse_than_before = previous is not None and (
            answers.pain > previous.pain
            or SEVERITY.get(answers.swelling, 0) > SEVERITY.get(previous.swelling, 0)
        )
        if answers.getting_worse or worse_than_before:
            signs.append("Pain or swelling increasing after 48 hours")
    # Redness should be gone by day 7; redness lasting beyond 7 days is a warning sign.
    if answers.day >= 7 and answers.redness != "none":
        signs.append("Redness still there at day 7")
    return signs
