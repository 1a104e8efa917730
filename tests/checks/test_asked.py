"""What a question asks, as an answer restates it (asked.py)."""

from __future__ import annotations

import pytest

from mistral_eval.checks.asked import (
    asks_about,
    echo_of_the_question,
    other_quantity,
    other_subject,
    other_topic_ja,
    topic_of,
)


@pytest.mark.parametrize("question, answer, echoed", [
    ("1本80円の鉛筆を3本買いました。おつりはいくらですか？", "おつりは260円です。", "おつりは"),
    ("タコの足は何本ですか？", "タコの足は8本です。", "タコの足は"),
    ("タコの足は何本ですか？", "イカの足は10本です。", None),
    ("ペンはいくらですか？", "ペン=30円", "ペン="),
    ("A shirt costs $40 and is 25% off. What is the sale price?", "The sale price is $30.", "The sale price is"),
    ("How much change do you get?", "You get 140 yen back.", "You get"),
    ("How many legs does a spider have?", "Spiders have eight legs.", "Spiders have"),
    ("How many legs does a spider have?", "A spider has eight legs.", "spider has"),
    ("How much does the pen cost?", "The notebook costs 130 yen.", None),
])
def test_echo_of_the_question_finds_the_phrase_that_states_the_answer(question, answer, echoed):
    echo = echo_of_the_question(question)
    assert echo is not None
    found = echo.search(answer)
    assert (found.group() if found else None) == echoed


def test_a_question_without_an_asked_phrase_has_no_echo():
    assert echo_of_the_question("Compute 3 + 4.") is None
    assert echo_of_the_question("3と4を足してください。") is None


def test_topic_and_whether_the_question_asks_about_it():
    assert topic_of("The ball costs 50 yen.") == "the ball"
    assert topic_of("うるう年は366日です。") == "うるう年"
    assert asks_about("octopuses", "how many arms does an octopus have?")
    assert asks_about("spiders", "how many legs does a spider have?")
    assert not asks_about("insects", "how many legs does a spider have?")


def test_other_subject_is_the_asked_verb_said_of_a_subject_the_question_does_not_name():
    question = "How many sides does a hexagon have?"
    assert other_subject(question, "A pentagon has five.") == "pentagon"
    assert other_subject(question, "A hexagon has six sides.") is None
    assert other_subject(question, "It has six sides.") is None
    assert other_subject("What is 7 × 8?", "A pentagon has five.") is None


def test_a_what_question_with_a_possessive_is_echoed_and_another_quantity_is_another_subject():
    echo = echo_of_the_question("A square has sides of 3 cm. What is its area?")
    assert echo is not None and echo.search("Its area is 9 cm2.") and echo.search("Area = 3 × 3 = 9")
    question = "A square has sides of 3 cm. What is its area?"
    assert other_subject(question, "Its perimeter would be 12 cm.") == "perimeter"
    assert other_subject(question, "Its area is 9 cm2.") is None


def test_other_topic_ja_is_a_topic_the_question_does_not_name():
    question = "長方形の縦が8cm、横が5cmです。面積は何平方センチメートルですか？"
    assert other_topic_ja("周りの長さは26cmです。", question)
    assert not other_topic_ja("面積は40平方センチメートルです。", question)
    assert not other_topic_ja("これは縦と横をかけた値です。", question)  # pointing back, not a new quantity


def test_other_quantity_only_for_a_what_is_the_x_question():
    assert other_quantity("What is its area in m²?", "Its perimeter would be 18 m.") == "perimeter"
    assert other_quantity("What is its area in m²?", "Its area is 20 m².") is None
    assert other_quantity("How many legs does a spider have?", "An ant has six legs.") is None
