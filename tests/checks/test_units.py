"""Units as answers write them (units.py): spelled-out units and temperature scales."""

from __future__ import annotations

import pytest

from mistral_eval.checks.units import asked_scale, asked_unit, in_other_units, scale_at, spelled_units, written_in


def test_spelled_units_name_the_table_units_in_words():
    spelled = spelled_units({"g": 1.0, "kg": 1000.0})
    assert spelled["grams"] == "g" and spelled["グラム"] == "g" and spelled["kilograms"] == "kg"
    assert "分" not in spelled_units({"min": 1.0})  # 4分の3 is a fraction, not minutes
    assert spelled_units({"g": 1.0, "grams": 1.0}).get("grams") is None  # the table's own name stays


@pytest.mark.parametrize("question, scale", [
    ("At what temperature in Celsius does ice melt?", "C"), ("氷は摂氏何度で溶けますか？", "C"),
    ("What is body temperature in Fahrenheit?", "F"), ("What is absolute zero in kelvin?", "K"),
    ("What temperature does ice melt at?", None), ("Convert 20°C to °F.", None),
])
def test_asked_scale_is_the_one_scale_the_question_names(question, scale):
    assert asked_scale(question) == scale


@pytest.mark.parametrize("text, number, scale", [
    ("Ice melts at 32°F.", "32", "F"), ("氷は0℃で溶けます。", "0", "C"), ("It is 273 K.", "273", "K"),
    ("It melts at 0 degrees Celsius.", "0", "C"), ("華氏では32度です。", "32", "F"),
    ("In Fahrenheit, that is 32 degrees.", "32", "F"), ("It melts at 0 degrees.", "0", None),
    ("It is 20°C, and tomorrow 25 degrees.", "25", None),  # the scale named in another clause
])
def test_scale_at_reads_the_unit_after_a_number_or_the_scale_named_in_its_clause(text, number, scale):
    start = text.index(number)
    assert scale_at(text, start, start + len(number)) == scale


@pytest.mark.parametrize("text, restated", [
    ("It drops to -5°C, which is 23°F.", "23°F"), ("The route is 42 km, or about 26 miles.", "26 miles"),
    ("The discount is $10, which is $10 off.", None),  # the same unit: not a conversion
    ("Add 2 and 3, which is 5 apples.", None),  # no unit before
])
def test_in_other_units_finds_a_value_said_again_in_another_unit(text, restated):
    spans = in_other_units(text)
    assert ([text[a:b].strip(" ,").split()[-1] for a, b in spans] == [restated.split()[-1]]) if restated else not spans


def test_asked_unit_and_numbers_written_in_it():
    assert asked_unit("1日は何時間ですか？") == "時間"
    assert asked_unit("What is its speed in km/h?") == "km/h"
    assert asked_unit("How many hours are in a day?") == "hours"
    assert asked_unit("What is 3 + 4?") is None
    assert written_in("24 hours", 2, "hours") and written_in("1 hour", 1, "hours")
    assert not written_in("37 mph", 2, "km/h")
    assert written_in("24時間です", 2, "時間") and not written_in("1440分です", 4, "時間")
