"""How an answer commits to no single number: ranges and alternatives."""

from __future__ import annotations

import pytest

from mistral_eval.checks.vague import alternative, ranged


def _at(text: str, number: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(number, start + 1)
    return start, start + len(number)


@pytest.mark.parametrize("text, number, is_range", [
    ("5〜6個です。", "6", True),
    ("20分から30分かかります。", "20", True),
    ("10から6を引くと4です。", "6", False),  # a subtraction, not a range
    ("It takes 365 days.", "365", False),
])
def test_ranged_is_a_range_not_a_subtraction(text, number, is_range):
    assert ranged(text, *_at(text, number)) is is_range


@pytest.mark.parametrize("text, number, other", [
    ("The answer is either 50 or 40, I think.", "50", "40"),
    ("答えは5個か6個です。", "6", "5"),
    ("It weighs 2 kg or 2000 g.", "2", None),  # a conversion
    ("It is 12 (or 13 with the bonus).", "12", None),  # a remark in brackets
    ("It is 36, or thirty-six.", "36", None),
    ("3か月で5kg減りました。", "5", None),  # か月 is a counter
])
def test_alternative_is_another_number_offered_in_its_place(text, number, other):
    assert alternative(text, *_at(text, number)) == other
