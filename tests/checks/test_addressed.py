"""Tests for mistral_eval.checks.addressed: answers about something other than the claim's names."""

import pytest

from mistral_eval.checks.addressed import repeats_given, unaddressed


@pytest.mark.parametrize(("question", "answer", "missing"), [
    ("Is Oslo the capital of Norway? Answer yes or no.",
     "The rainiest city in Norway is Bergen, the gateway to the fjords.", "Oslo"),
    ("Is Lake Baikal deeper than Lake Tanganyika?",
     "Lake Baikal is in Siberia, near Irkutsk, and holds a fifth of the world's fresh water.", "Lake Tanganyika"),
    ("利根川は関東地方を流れていますか？", "木曽川は長野県から岐阜県、愛知県を流れる川です。", "利根"),
    ("文: 美咲は陽菜より足が速い。\n質問: 美咲は陽菜より速いですか？", "陽菜は大輔より足が速いです。", "美咲"),
])
def test_an_answer_naming_other_things_but_not_the_claims_name_is_unaddressed(question, answer, missing):
    assert unaddressed(answer, question) == missing


@pytest.mark.parametrize(("question", "answer"), [
    ("Is Oslo the capital of Norway? Answer yes or no.", "It is, and has been since 1814."),  # a pronoun, nothing else named
    ("Does the Moon orbit the Earth?", "The Moon circles our planet every 27 days."),  # paraphrase, no other name
    ("Is Albert Einstein the author of relativity?", "Einstein published it in 1905 while working in Bern."),  # part of the name
    ("Is Oslo the capital of Norway?", "オスロはノルウェーの首都です。"),  # another script: maybe translated
    ("東京は日本の首都ですか？", "とうきょうは日本の首都で、大阪より人口が多いです。"),  # the name in kana
    ("大阪は日本の首都ですか？", "首都ではありません。"),  # names nothing else
    ("Is water wet?", "Water is made of hydrogen and oxygen."),  # the claim names no proper noun
])
def test_pronouns_paraphrases_other_scripts_and_readings_are_not_unaddressed(question, answer):
    assert unaddressed(answer, question) is None


_GIVEN = "Read the text and answer yes or no.\nText: Mia is older than Leo. Leo is older than Zoe.\nQuestion: Is Mia older than Zoe?"
_GIVEN_JA = "文を読んで、はいかいいえで答えてください。\n文: 鉄はアルミより重い。アルミは木より重い。\n質問: 鉄は木より重いですか？"


@pytest.mark.parametrize("answer, question, repeats", [
    ("Leo is older than Zoe.", _GIVEN, True),
    ("Mia is older than Leo. Leo is older than Zoe.", _GIVEN, True),
    ("アルミは木より重いです。", _GIVEN_JA, True),  # the polite copula added
    ("Mia is older than Leo, so she is older than Zoe.", _GIVEN, False),  # concludes
    ("Leo is older than Zoe. So yes.", _GIVEN, False),  # a sentence of its own
    ("Mia is older than Zoe.", _GIVEN, False),  # the asked claim, not a premise
    ("The shop is closed on Mondays.", "Text: The shop is closed on Mondays.\nQuestion: Is it open on Monday?", False),  # one premise
])
def test_an_answer_that_only_repeats_premises_addresses_nothing(answer, question, repeats):
    assert repeats_given(answer, question) is repeats


# Round 12 (t12b): a question's label letters are no names the claim is about.
def test_label_letters_are_no_names():
    question = "Answer T for true or F for false: The Nile flows through Egypt."
    assert unaddressed("The Nile flows north through Egypt and Sudan.", question) is None
    assert unaddressed("The Amazon flows through Brazil and Peru.", question) not in (None, "T", "F")
