"""Which mentions an answer commits to: taken back, named by the marker, a list item, a modifier."""

from mistral_eval.checks.commitment import (
    asked_noun,
    asks_for_one,
    echoes_the_alternatives,
    in_candidate_list,
    is_rewrite,
    marked_span,
    modifies_another_noun,
    possessive,
    ranked_other_than_first,
    set_against_what_came_before,
    stated_answers,
    withdrawn_before,
)


def _span(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def test_a_withdrawing_correction_takes_back_what_came_before_but_actually_does_not():
    text = "Canberra. Correction: the capital is Sydney."
    assert 0 < withdrawn_before(text) <= text.index("the capital")
    assert withdrawn_before("キャンベラです……と言いたいところですが、シドニーです。") > 0
    assert withdrawn_before("Canberra. Actually, it was built as the capital.") == 0


def test_the_marker_names_a_short_span_unless_it_points_elsewhere():
    text = "B) Trout is a fish.\nSo the answer is **D**."
    start, end = marked_span(text) or (0, 0)
    assert text[start:end].endswith("**D**.")
    assert marked_span("答えはキャンベラです。") is not None
    assert marked_span("The answer is as follows.\n\nCanberra") is None
    assert marked_span("Many people think the answer is Sydney.") is None


def test_a_list_item_is_a_candidate_and_a_question_asks_for_one():
    english = "Large rivers include the Amazon, the Nile, the Yangtze and the Mississippi."
    assert in_candidate_list(english, *_span(english, "Nile"))
    japanese = "長い川には、ナイル川、アマゾン川、長江などがあります。"
    assert in_candidate_list(japanese, *_span(japanese, "ナイル"))
    single = "The Nile is longer than the Amazon."
    assert not in_candidate_list(single, *_span(single, "Nile"))
    assert asks_for_one("What is the longest river? Answer in one word.")
    assert asks_for_one("世界で一番長い川は何ですか？")
    assert not asks_for_one("Name some famous rivers.")


def test_a_mention_inside_an_appositive_modifies_another_noun():
    text = "Titan, the largest moon of Saturn, is covered in haze."
    assert modifies_another_noun(text, *_span(text, "Saturn"))
    subject = "Saturn, the sixth planet from the Sun, has rings."
    assert not modifies_another_noun(subject, *_span(subject, "Saturn"))


def test_a_sentence_that_opens_by_judging_what_came_before_wrong_withdraws_it():
    assert withdrawn_before("Au. Hmm, actually I think that is wrong: gold is Ag.") > 0
    assert withdrawn_before("キャンベラです。いや、それは間違いです。シドニーです。") > 0
    assert withdrawn_before("Canberra. Sydney is often guessed, but that is wrong.") == 0


def test_a_possessive_names_what_it_owns_but_a_contraction_of_is_does_not():
    text = "Jupiter's moons are large."
    assert possessive(text, *_span(text, "Jupiter"))
    contraction = "Jupiter's the largest planet."
    assert not possessive(contraction, *_span(contraction, "Jupiter"))


def test_a_statement_of_what_is_asked_names_its_value_in_a_main_clause_now():
    question, question_ja = "What is the capital of Australia?", "オーストラリアの首都はどこですか？"
    assert [v for _, _, v in stated_answers("So the capital of Australia is Sydney. Canberra is small.", question)] == ["Sydney"]
    assert [v for _, _, v in stated_answers("つまり、首都はシドニーです。", question_ja)] == ["シドニー"]
    assert stated_answers("Canberra. Before 1927, the capital of Australia was Melbourne.", question) == []
    assert stated_answers("Canberra. People often assume the capital of Australia is Sydney.", question) == []
    assert stated_answers("キャンベラです。かつての首都はメルボルンでした。", question_ja) == []
    assert stated_answers("The capital of Australia is not Sydney.", question) == []


def test_a_translation_or_rewrite_is_told_from_a_question():
    assert is_rewrite('次の英語を日本語に翻訳してください。"The cat is asleep."')
    assert is_rewrite("Translate into English: 「猫が寝ています。」")
    assert not is_rewrite("What is the capital of Australia?")


def test_a_rank_below_the_first_and_the_questions_alternatives_said_again():
    second = "Saturn is the second largest planet, after Jupiter."
    assert ranked_other_than_first(second, *_span(second, "Saturn"), "What is the largest planet?")
    assert not ranked_other_than_first(second, *_span(second, "Saturn"), "What is the second largest planet?")
    ja = "土星は木星に次いで2番目に大きい惑星です。"
    assert ranked_other_than_first(ja, *_span(ja, "土星"), "一番大きい惑星は？")
    position = "Jupiter is the fifth planet from the Sun and the largest."
    assert not ranked_other_than_first(position, *_span(position, "Jupiter"), "What is the largest planet?")
    echo = "Between Jupiter and Saturn, the larger one is Saturn."
    question = "Which is larger, Jupiter or Saturn?"
    assert echoes_the_alternatives(echo, *_span(echo, "Jupiter"), question)
    assert not echoes_the_alternatives("Jupiter is larger than Saturn.", 0, 7, question)


def test_a_clause_that_opens_with_a_contrast_is_set_against_what_came_before():
    text = "Jupiter and Saturn are gas giants, but the largest is Neptune."
    assert set_against_what_came_before(text, text.index("the largest"))
    assert not set_against_what_came_before(text, 0)


def test_asked_noun_of_a_where_or_what_question():
    assert asked_noun("What is the capital of Peru?") == "capital"
    assert asked_noun("ペルーの首都はどこですか？") == "首都"
    assert asked_noun("Translate: good morning") is None


def test_stated_answers_read_a_nominalised_superlative_and_a_latin_name_in_japanese():
    assert [x[2] for x in stated_answers("一番長いのは信濃川です。", "日本で一番長い川は何ですか？")] == ["信濃川"]
    assert [x[2] for x in stated_answers("一番高いのはK2です。", "世界で一番高い山は何ですか？")] == ["K2"]


def test_a_statement_may_open_on_the_question_s_own_words():
    question = "九州で一番高い山は何ですか？"
    assert [x[2] for x in stated_answers("九州で一番高い山は阿蘇山です。", question)] == ["阿蘇山"]
    assert stated_answers("ある人によると一番高い山は阿蘇山です。", question) == []


def test_a_stated_name_may_take_an_appositive():
    question = "What is the capital of Peru?"
    assert [x[2] for x in stated_answers("The capital of Peru is Cusco, its oldest city.", question)] == ["Cusco"]
    assert stated_answers("The capital of Peru is Cusco and Lima together.", question) == []


def test_a_reason_after_the_marked_name_does_not_make_it_too_long():
    text = "Some pick A, but the answer is **D) Neptune**, because it has the strongest winds of all planets we know."
    assert marked_span(text) is not None
    assert marked_span("The answer is hard to give without knowing more about the planets we know of.") is None
