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
    # Round 10: the opening value alone ("Neptune.", "北極海です。") is the commitment, never the pronoun
    # clause or the clause without は/が after it.
    assert commitment("It is the windiest planet. Neptune has winds of 2,000 km/h.", "Which planet is the windiest?") is None
    opening = commitment("Neptune. It is the windiest planet.", "Which planet is the windiest?")
    assert opening is not None and opening.spans == ((0, 8),)
    opening_ja = commitment("北極海です。表にまとめました。", "一番小さい海は何ですか？")
    assert opening_ja is not None and opening_ja.spans == ((0, 6),)


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


# Round 10 (t10m): the year slot, coordinated predicates, a single opening value, glosses, appositives.

def test_a_when_question_is_restated_by_its_verb_in_the_past() -> None:
    question = "In which year did the Eiffel Tower open?"
    ctx = CheckContext(prompt=question)
    answer = "The Eiffel Tower opened in 1887.\n\nIts construction had begun in 1889 according to some guides."
    assert commitment(answer, question) is not None
    assert regex(r"\b1889\b")(answer, ctx).verdict == "fail"
    assert regex(r"\b1887\b")(answer, ctx).verdict == "pass"
    # an irregular past: "sank" says "did … sink" again
    q2 = "In what year did the Vasa sink?"
    assert commitment("The Vasa sank in 1628 in Stockholm harbour.", q2) is not None


def test_a_second_coordinated_predicate_does_not_fill_the_slot() -> None:
    question = "What do bees collect from flowers?"
    ctx = CheckContext(prompt=question)
    assert contains("nectar")("Bees collect pollen from flowers and make nectar into honey.", ctx).verdict == "fail"
    # near-misses: the expected value is the first verb's object, or coordinated with it
    assert contains("nectar")("Bees collect nectar from flowers and make it into honey.", ctx).verdict == "pass"
    assert contains("nectar")("Bees collect pollen and nectar from flowers.", ctx).verdict == "pass"
    q_ja = "ミツバチが花から集めるものは何ですか？"
    assert regex("花粉")("ミツバチは花から蜜を集め、花粉を運びます。", CheckContext(prompt=q_ja)).verdict == "fail"
    assert regex("蜜")("ミツバチは花から蜜を集め、花粉を運びます。", CheckContext(prompt=q_ja)).verdict == "pass"


def test_a_second_predicate_with_the_question_verb_is_not_cut_off() -> None:
    question = "Which gas do fish release through their gills?"
    answer = "Through their gills, fish take in oxygen and release carbon dioxide."
    assert regex("carbon dioxide")(answer, CheckContext(prompt=question)).verdict == "pass"


def test_a_single_opening_value_is_committed_even_hedged() -> None:
    question = "Who wrote Hamlet?"
    ctx = CheckContext(prompt=question)
    assert contains("Shakespeare")("I think it's Marlowe. He was a rival of Shakespeare.", ctx).verdict == "fail"
    assert contains("Shakespeare")("I think it's Shakespeare. Marlowe was his rival.", ctx).verdict == "pass"
    q_ja = "『羅生門』の作者は誰ですか？"
    assert regex("芥川")("森鴎外だと思います。鴎外は芥川にも影響を与えました。", CheckContext(prompt=q_ja)).verdict == "fail"
    # near-misses: a hedged list of candidates, a sentence with its own subject, a corrected opening
    assert commitment("It might be Marlowe or Kyd.", question) is None
    assert commitment("Many people say Marlowe.", question) is None
    assert contains("Shakespeare")("Marlowe.\n\nCorrection: it was Shakespeare.", ctx).verdict == "pass"


def test_a_gloss_beside_a_translation_is_not_the_translation() -> None:
    question = "次の日本語を英語に翻訳してください。「私は毎晩走ります。」"
    ctx = CheckContext(prompt=question)
    check = contains(["run", "every night"], ignore_case=True)
    assert check('Translation: "I run every day."\n\n(「毎晩」 means "every night".)', ctx).verdict == "fail"
    assert check('Translation: "I run every night."\n\n(「毎晩」 means "every night".)', ctx).verdict == "pass"


def test_an_appositive_one_of_describes_the_answer() -> None:
    question = "What is the largest moon of Saturn?"
    answer = "Titan, one of Saturn's 146 known moons, is the largest moon of Saturn — even bigger than Mercury."
    assert regex("Titan")(answer, CheckContext(prompt=question)).verdict == "pass"
    # near-miss: "one of" as a list of candidates still counts as one
    assert regex("Titan")("It is one of Titan, Rhea or Iapetus.", CheckContext(prompt=question)).verdict != "pass"


def test_a_sentence_that_points_to_a_list_or_table_names_no_value() -> None:
    answer = "The tallest tower in Europe is given in the first row:\n\n| Tower | Height |\n|---|---|\n| Ostankino | 540 m |"
    question = "What is the tallest tower in Europe?"
    assert commitment(answer, question) is None
    assert regex("Ostankino")(answer, CheckContext(prompt=question)).verdict == "pass"
    listed = "ヨーロッパで一番高い塔は以下の通りです。\n\n- オスタンキノ・タワー"
    assert commitment(listed, "ヨーロッパで一番高い塔は何ですか？") is None
    # near miss: a statement of its own before a list of others still commits
    other = "The tallest tower in Europe is the Eiffel Tower. Other towers are listed below:\n- Ostankino"
    assert contains("Ostankino")(other, CheckContext(prompt=question)).verdict == "fail"


def test_a_past_state_that_lasted_is_about_another_time() -> None:
    question = "What is the capital of Nigeria?"
    answer = "Lagos was the capital of Nigeria for over fifteen years, but since 1991 the capital has been Abuja."
    assert regex("Abuja")(answer, CheckContext(prompt=question)).verdict == "pass"
    # near miss: a present statement is still the commitment
    wrong = "Lagos is the capital of Nigeria, and Abuja was a village for centuries."
    assert regex("Abuja")(wrong, CheckContext(prompt=question)).verdict == "fail"


def test_options_on_one_line_resolve_a_letter_after_so() -> None:
    question = "Which metal is liquid at room temperature?\nA) Iron  B) Mercury  C) Copper\nAnswer with the letter."
    answer = "The metal that is liquid at room temperature is mercury, so the answer is **B**."
    assert option_pick(answer, question) == ("B", "Mercury")
    assert regex(r"\bB\b")(answer, CheckContext(prompt=question)).verdict == "pass"
    assert regex(r"\bC\b")("The answer is **B**.", CheckContext(prompt=question)).verdict == "fail"


def test_an_opening_letter_set_against_another_is_no_pick() -> None:
    question = "日本一大きい湖はどれですか？ A) 霞ヶ浦 B) 琵琶湖 C) 浜名湖"
    assert option_pick("A) 霞ヶ浦ではなく、B) 琵琶湖です。", question) is None
    assert option_pick("A) 霞ヶ浦です。", question) == ("A", "霞ヶ浦")


def test_a_correction_that_opens_its_sentence_withdraws_what_came_before() -> None:
    question = "What is the capital of Turkey?"
    answer = "The capital of Turkey is Istanbul.\n\nActually, I need to correct myself: the capital is Ankara."
    assert regex("Ankara")(answer, CheckContext(prompt=question)).verdict == "pass"
    # near miss: "actually" inside the committed clause withdraws nothing
    inside = "Although Istanbul is often named, the capital of Turkey is actually Ankara, which lies inland."
    assert regex("Istanbul")(inside, CheckContext(prompt=question)).verdict == "fail"


def test_what_followed_the_first_is_not_the_first() -> None:
    question = "Who was the first person to reach the South Pole?"
    answer = "Roald Amundsen was the first person to reach the South Pole, followed five weeks later by Robert Falcon Scott."
    assert contains("Scott")(answer, CheckContext(prompt=question)).verdict == "fail"
    assert contains("Amundsen")(answer, CheckContext(prompt=question)).verdict == "pass"
    # near miss: a question that asks for no first
    assert contains("Scott")("Amundsen got there in December 1911, followed five weeks later by Scott.",
                             CheckContext(prompt="Who reached the South Pole in January 1912?")).verdict == "pass"


def test_a_marker_naming_another_listed_option_fails_a_later_mention() -> None:
    question = "次のうち果物はどれですか？ トマト、リンゴ、ニンジン"
    assert contains("リンゴ")("答えはトマトです。リンゴと同じく赤い色をしています。", CheckContext(prompt=question)).verdict == "fail"
    assert contains("リンゴ")("答えはリンゴです。トマトと違って木になります。", CheckContext(prompt=question)).verdict == "pass"


def test_a_note_that_answers_the_asked_case_is_the_answer() -> None:
    question = "How tall is Mount Everest in feet?"
    answer = "Mount Everest is 8,849 metres tall.\n\nNote: in feet, this is about 29,032 feet."
    assert contains("29,032")(answer, CheckContext(prompt=question)).verdict == "pass"
    # near miss: a note on another case stays beside the answer
    other = "Mount Everest is 8,849 metres tall.\n\nNote: in 1856 it was measured as 29,002 feet."
    assert contains("29,002")(other, CheckContext(prompt="How tall is Mount Everest in metres?")).verdict == "uncertain"
