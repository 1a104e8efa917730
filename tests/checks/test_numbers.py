"""Tests for numbers.py and negation.py: numerals, units, the stated final answer, and denials."""

from __future__ import annotations

import pytest

from mistral_eval.checks.negation import is_negated
from mistral_eval.checks.numbers import final_number, find_numbers, kanji_value, normalize


@pytest.mark.parametrize("numeral, value", [
    ("三", 3), ("十", 10), ("十二", 12), ("二十五", 25), ("三十六", 36), ("百", 100), ("百五", 105),
    ("千", 1000), ("千二百", 1200), ("三万", 30000), ("1万2千", 12000), ("1.5万", 15000),
    ("二〇二四", 2024), ("一億二千万", 120_000_000), ("42", 42), ("1,050", 1050),
])
def test_kanji_value(numeral, value):
    assert kanji_value(numeral) == value


def test_find_numbers_reads_kanji_only_where_they_are_numbers():
    text = normalize("一般的に唯一の一番。合計三個、百度、十二です。千葉に１２３円、-3度")
    assert [n.value for n in find_numbers(text)] == [3, 100, 12, 123, -3]


@pytest.mark.parametrize("text, units, expected", [
    ("5 cents", {"dollars": 1, "cents": 0.01}, [(0.05, "cents")]),
    ("$0.05 and 10 dollars", {"dollars": 1, "$": 1}, [(0.05, "$"), (10, "dollars")]),
    ("1.5kg と 1500 g", {"g": 1, "kg": 1000}, [(1500, "kg"), (1500, "g")]),
    ("1.5kgです", {"g": 1, "kg": 1000}, [(1500, "kg")]),
    ("3 kgs, 2 gives", {"g": 1, "kg": 1000}, [(3000, "kg"), (2, None)]),
    ("90分", {"分": 1, "時間": 60}, [(90, "分")]),
])
def test_units_are_read_and_converted(text, units, expected):
    found = [(pytest.approx(n.value), n.unit) for n in find_numbers(normalize(text), units)]
    assert found == expected


@pytest.mark.parametrize("text, value, how", [
    ("The answer is 3. Starting from 5 apples you remove 2.", 3, "after 'answer is'"),
    ("答え：17 + 25 = 42", 42, "after '答え:'"),
    ("答えは41ではなく42です。", 42, "after '答えは'"),
    ("5 - 2 = 3\n\n**3 apples** remain (from 5).", 3, "in bold"),
    ("The ball costs 50 yen. Check: 50 + 1050 = 1100.", 50, "the last number"),
    ("母親は36歳です。子どもの年齢12歳の3倍だからです。", 36, "the last number"),
    ("so 2x = 100. Therefore the ball costs 50 yen and the bat 1050 yen.", 50, "after 'Therefore'"),
    ("1100 - 1000 = 100\n100 / 2 = 50", 50, "after the last '=' of the last line with a number"),
    ("残りのりんごは三個です。", 3, "the last number"),
    ("１２×８＝９６", 96, "after the last '=' of the last line with a number"),
])
def test_final_number_is_the_stated_answer(text, value, how):
    found, found_how, _ = final_number(normalize(text))
    assert (found.value, found_how) == (value, how)


def test_final_number_prefers_the_unit_and_says_so():
    found, _, unit_found = final_number("ボールは50円で、バットは2本です。", "円")
    assert (found.value, unit_found) == (50, True)
    found, _, unit_found = final_number("ボールは50です。", "円")
    assert (found.value, unit_found) == (50, False)
    assert final_number("わかりません。") is None


@pytest.mark.parametrize("text, word, negated", [
    ("The capital is not Tokyo but Osaka.", "Tokyo", True),
    ("It's Osaka, not Tokyo.", "Tokyo", True),
    ("It isn't the library.", "library", True),
    ("Tokyo, not Kyoto.", "Tokyo", False),
    ("It's not Saturn; it's Jupiter.", "Jupiter", False),
    ("東京ではなく大阪です。", "東京", True),
    ("東京じゃないです。", "東京", True),
    ("パリではありません。", "パリ", True),
    ("正しいとは言えません。", "正しい", True),
    ("首都は東京であり、京都ではありません。", "東京", False),
    ("The guest is not waiting, so False.", "False", False),
])
def test_is_negated(text, word, negated):
    start = text.index(word)
    assert is_negated(text, start, start + len(word)) is negated
