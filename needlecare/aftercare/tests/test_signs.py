"""Warning signs in check-in answers, as CLINICAL.md section 5 lists them ("call the clinic if")."""

import pytest

from needlecare.aftercare.signs import Answers, warning_signs


def calm(day: int, **changes) -> Answers:  # type: ignore[no-untyped-def]
    return Answers(**{"day": day, "redness": "mild", "swelling": "mild", "pain": 2, **changes})


@pytest.mark.parametrize("day", [1, 3, 7])
def test_normal_recovery_has_no_warning_signs(day):
    answers = calm(day, redness="none" if day == 7 else "mild")
    assert warning_signs(answers) == []


@pytest.mark.parametrize(
    ("field", "sign"),
    [
        ("pus", "Pus"),
        ("fever", "Fever"),
        ("spreading_redness", "Redness that is spreading"),
        ("blisters_or_cold_sores", "Blisters or a cold sore"),
        ("rash_or_itching", "A rash or itching (possible allergy)"),
        ("darkening", "Darkening patches of skin (possible pigmentation)"),
    ],
)
def test_infection_herpes_allergy_and_pigment_signs_warn_on_any_day(field, sign):
    for day in (1, 3, 7):
        assert warning_signs(calm(day, redness="none", **{field: True})) == [sign]


def test_warmth_is_expected_at_first_and_a_warning_from_day_3():
    assert warning_signs(calm(1, warmth=True)) == []
    assert warning_signs(calm(3, warmth=True)) == ["Warmth of the skin after day 2"]


def test_pain_or_swelling_increasing_after_48_hours_warns():
    assert warning_signs(calm(1, getting_worse=True)) == []
    assert warning_signs(calm(3, getting_worse=True)) == ["Pain or swelling increasing after 48 hours"]
    assert warning_signs(calm(3, pain=5), previous=calm(1, pain=3)) == [
        "Pain or swelling increasing after 48 hours"
    ]
    assert warning_signs(calm(3, swelling="moderate"), previous=calm(1)) == [
        "Pain or swelling increasing after 48 hours"
    ]
    assert warning_signs(calm(3, pain=1), previous=calm(1, pain=3)) == []


def test_redness_still_there_at_day_7_warns():
    assert warning_signs(calm(7, redness="mild")) == ["Redness still there at day 7"]
    assert warning_signs(calm(3, redness="moderate")) == []


def test_the_examples_in_the_pure_modules_hold():
    import doctest

    from needlecare.aftercare import signs, timeline

    assert doctest.testmod(signs).failed == 0
    assert doctest.testmod(timeline).failed == 0


FLAGS = (
    "getting_worse", "warmth", "pus", "fever", "spreading_redness", "blisters_or_cold_sores",
    "rash_or_itching", "darkening",
)  # fmt: skip


def _answers():  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    levels = st.sampled_from(["none", "mild", "moderate", "severe"])
    return st.builds(
        Answers,
        day=st.sampled_from([1, 3, 7]),
        redness=levels,
        swelling=levels,
        pain=st.integers(0, 10),
        **{flag: st.booleans() for flag in FLAGS},
    )


def test_answering_yes_to_more_never_removes_a_warning_sign():
    from dataclasses import replace

    from hypothesis import given
    from hypothesis import strategies as st

    @given(_answers(), st.sampled_from(FLAGS))
    def check(answers, flag):  # type: ignore[no-untyped-def]
        more = replace(answers, **{flag: True})
        assert set(warning_signs(answers)) <= set(warning_signs(more))

    check()


def test_every_yes_to_an_any_day_question_is_a_warning_sign():
    from hypothesis import given

    @given(_answers())
    def check(answers):  # type: ignore[no-untyped-def]
        found = warning_signs(answers)
        for flag in (
            "pus",
            "fever",
            "spreading_redness",
            "blisters_or_cold_sores",
            "rash_or_itching",
            "darkening",
        ):
            if getattr(answers, flag):
                assert found, flag

    check()
