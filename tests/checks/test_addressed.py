"""Tests for mistral_eval.checks.addressed: answers about something other than the claim's names."""

import pytest

from mistral_eval.checks.addressed import unaddressed


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
