"""The committed answer (checks/committed.py) and how contains/regex read it: sentences written for
these rules, with near-misses they must not fire on."""

from __future__ import annotations

from mistral_eval.checks.base import CheckContext
from mistral_eval.checks.committed import commitment, hedged_candidates, nfkc_folded, option_pick
from mistral_eval.checks.extract import comparison_standard, conditional
from mistral_eval.checks.registry import contains, regex

MC = "Which of these is a bird?\nA) Bat\nB) Penguin\nC) Whale\nD) Frog"


def test_option_letter_resolves_to_its_text() -> None:
    assert option_pick("The answer is B. They cannot fly but they swim well.", MC) == ("B", "Penguin")
    assert option_pick("C — it lives in the ocean.", MC) == ("C", "Whale")
    assert option_pick("答えはBです。", "鳥はどれ？\nA) コウモリ\nB) ペンギン") == ("B", "ペンギン")


def test_no_pick_without_options_or_with_two_letters() -> None:
    assert option_pick("The answer is B.", "What is a bird?") is None
    assert option_pick("The answer is B, or maybe the answer is D.", MC) is None


def test_contains_passes_on_the_picked_option_and_fails_on_another() -> None:
    ctx = CheckContext(prompt=MC)
    assert contains("Penguin")("The answer is B. They cannot fly but they swim well.", ctx).verdict == "pass"
    assert contains("Penguin")("The answer is A. Unlike a penguin, it flies.", ctx).verdict == "fail"


def test_definite_statement_of_another_value_fails_a_mention_elsewhere() -> None:
    q = CheckContext(prompt="Which river is the longest in Europe?")
    answer = "The longest river in Europe is the Danube. The Volga is often mixed up with it."
    assert contains("Volga")(answer, q).verdict == "fail"
    assert contains("Danube")(answer, q).verdict == "pass"


def test_statement_in_subject_order_and_with_extra_names_still_passes() -> None:
    q = CheckContext(prompt="Who invented the telephone?")
    answer = "Alexander Graham Bell invented the telephone; Elisha Gray filed a similar design the same day."
    assert regex("Bell")(answer, q).verdict == "pass"
    assert regex("Gray")(answer, q).verdict == "fail"


def test_denied_statement_commits_to_nothing() -> None:
    c = commitment("Tin is not the densest metal; the densest metal is osmium.", "Which metal is the densest?")
    assert c is not None and "osmium" in c.said and "Tin" not in c.said


def test_pronoun_subject_and_japanese_without_topic_are_no_commitment() -> None:
    assert commitment("Neptune. It is the windiest planet.", "Which planet is the windiest?") is None
    assert commitment("北極海です。表にまとめました。", "一番小さい海は何ですか？") is None


def test_hedged_candidates_do_not_commit() -> None:
    assert hedged_candidates("It might have been Edison, Tesla, or Bell.")
    assert hedged_candidates("ベルかエジソン、あるいはテスラだと思います。")
    assert not hedged_candidates("I believe it was Bell.")
    q = CheckContext(prompt="Who invented the telephone?")
    assert contains("Bell")("It might have been Edison, Tesla, or Bell.", q).verdict == "fail"
    assert contains("Bell")("I believe it was Bell, in 1876.", q).verdict == "pass"


def test_nfkc_forms_count() -> None:
    assert nfkc_folded("CO₂ ＮａＣｌ") == "CO2 NaCl"
    q = CheckContext(prompt="二酸化炭素の化学式は何ですか？")
    assert contains("CO2")("二酸化炭素の化学式はCO₂です。", q).verdict == "pass"
    assert regex("CO2")("二酸化炭素の化学式はＣＯ２です。", q).verdict == "pass"


def test_comparison_standard() -> None:
    text = "Osmium is denser than lead."
    assert comparison_standard(text, text.index("lead"), text.index("lead") + 4)
    assert not comparison_standard(text, 0, 6)
    ja = "名古屋ほどではありませんが、大きな街です。"
    assert comparison_standard(ja, 0, 3)
    no_other = "No planet is larger than Jupiter."
    assert not comparison_standard(no_other, no_other.index("Jupiter"), len(no_other) - 1)


def test_condition_naming_the_asked_case_answers_it() -> None:
    question = "How tall is the tower in feet?"
    assert not conditional("If you mean feet, it is about 1,000 feet.", question)
    assert conditional("If you meant metres, it is about 300 m.", question)
    assert conditional("If you mean feet, it is about 1,000 feet.")
