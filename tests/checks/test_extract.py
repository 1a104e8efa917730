"""Answer structure: sentences, clauses, self-corrections, markers, asides, attribution."""

from mistral_eval.checks.extract import (
    after_correction,
    answer_marker,
    answer_markers,
    attributed,
    clause_of,
    compared,
    conditional,
    contrasted,
    copied_from,
    in_parentheses,
    quoted_spans,
    refuses,
    sentences,
    table_rows,
)


def test_sentences_split_at_japanese_and_english_ends():
    assert [s.text.strip() for s in sentences("It is 5. So 6。次は7です")] == ["It is 5.", "So 6。", "次は7です"]


def test_clause_of_stops_at_a_contrast():
    text = "Canberra is the capital, but Sydney is bigger."
    assert "Sydney" not in clause_of(text, 0, 8).text


def test_after_correction_points_at_the_last_correction():
    text = "The total is 12. Wait, I forgot one: 13."
    assert text[after_correction(text):].startswith("Wait")
    assert after_correction("The total is 12.") == 0
    wish = "5個と言いたいところですが、6個です。"  # what one would like to say, taken back
    assert wish[after_correction(wish):].startswith("と言いたい")


def test_answer_marker_is_the_last():
    assert answer_marker("答えは5です。確認: 答え: 5").group().startswith("答え")
    assert answer_marker("no marker here") is None


def test_asides_quotes_conditionals_and_attribution():
    assert [s.text for s in in_parentheses("100℃ (212°F)")] == ["(212°F)"]
    assert [s.text for s in quoted_spans("「はい」です")] == ["「はい」"]
    assert conditional("If you meant 4/3 of 120, it would be 160.")
    assert not conditional("It is 90.")
    assert attributed("キャンベラだと思う人もいますが")
    assert attributed("Many people think it is Sydney")
    assert not attributed("The capital is Canberra")


def test_every_answer_marker_and_views_called_myths():
    assert [m.group() for m in answer_markers("Answer: 5. Some say the answer is 6.")] == ["Answer:", "the answer is"]
    assert attributed("It is a popular myth that goldfish forget everything.")
    assert attributed("Contrary to popular belief, bats are not blind.")
    assert attributed("金魚の記憶が3秒というのはよくある誤解です。")
    assert attributed("Some textbooks say goldfish forget everything.")
    assert not attributed("Goldfish remember things for months.")


def test_contrasted_splits_a_sentence_where_it_contrasts_two_statements():
    text = "A regular year has 365 days, while a leap year has 366 days. Done."
    assert [s.text.strip() for s in contrasted(text)] == ["A regular year has 365 days, while",
                                                          "a leap year has 366 days.", "Done."]
    assert [s.text for s in contrasted("平年は365日ですが、うるう年は366日です。")] == ["平年は365日ですが、", "うるう年は366日です。"]
    assert len(contrasted("It is big, but it is cheap.")) == 1  # "but it": no new subject with an article


def test_table_rows_are_the_rows_below_a_header_and_its_rule():
    text = "| Planet | Moons |\n|---|---|\n| Mars | 2 |\n| Earth | 1 |\n\nA | B is not a table row."
    assert [row.text for row in table_rows(text)] == ["| Mars | 2 |", "| Earth | 1 |"]
    assert table_rows("| only a line between bars |") == []


def test_copied_from_finds_runs_of_the_question_s_words_said_again():
    question = "次の文を日本語に訳してください：She has lived in Kyoto since 2015."
    answer = "She has lived in Kyoto since 2015.\n→ 彼女は2015年から京都に住んでいます。"
    assert [s.text for s in copied_from(answer, question)] == ["She has lived in Kyoto since 2015"]
    # near-misses: too short a run, words in another order, a run broken by another script
    assert copied_from("She has: 彼女は…", question) == []
    assert copied_from("Kyoto in lived has she", question) == []
    assert copied_from("She has 彼女 lived in", question) == []


def test_attributed_reads_an_adverb_and_other_verbs_of_others():
    assert attributed("although many people wrongly think it's Lyon")
    assert attributed("some fans call it the Red Planet")
    assert attributed("Many learners pick D here")
    assert attributed("多くの人はリヨンだと言いますが")
    assert not attributed("The capital of France is Paris, which many tourists visit")
    assert not attributed("多くの人が住む都市です")


def test_compared_is_the_term_a_comparison_sets_beside_another():
    text = "Lake Baikal is the deepest lake. Lake Superior, by contrast, is the widest."
    start = text.index("Lake Superior")
    assert compared(text, start, start + len("Lake Superior"))
    assert not compared(text, 0, len("Lake Baikal"))
    near = "Compared with the Thames, the Severn is longer."
    assert compared(near, near.index("Thames"), near.index("Thames") + 6)
    assert not compared(near, near.index("Severn"), near.index("Severn") + 6)
    ja = "琵琶湖と比べても、霞ヶ浦はずっと浅いです。"
    assert compared(ja, 0, 2)  # 琵琶 + 湖と比べ
    assert not compared(ja, ja.index("霞ヶ浦"), ja.index("霞ヶ浦") + 3)


def test_refuses_is_an_answer_that_sends_the_reader_elsewhere():
    assert refuses("Sorry, I do not have access to live data; please check an official website.")
    assert refuses("I cannot verify this.")
    assert refuses("最新の情報でご確認ください。")
    assert not refuses("The capital is Lima. You can verify this in any atlas.")
    assert not refuses("首都はリマです。")


def test_conditional_on_asked_names_only_the_questions_case() -> None:
    from mistral_eval.checks.extract import conditional_on_asked
    question = "How many grams are in 3 kilograms?"
    assert conditional_on_asked("If you meant grams, it is 3,000 grams.", question)
    # near misses: a condition on another case, no condition, no question
    assert not conditional_on_asked("If you meant pounds, it is about 6.6 pounds.", question)
    assert not conditional_on_asked("It is 3,000 grams.", question)
    assert not conditional_on_asked("If you meant grams, it is 3,000 grams.", "")


def test_content_terms_are_long_latin_words_and_katakana_or_kanji_runs():
    from mistral_eval.checks.extract import content_terms

    assert content_terms("If you meant minutes, it would be 180") == ["meant", "minutes", "would"]
    assert content_terms("華氏に換算すると") == ["華氏", "換算"]
    assert content_terms("in a way, はい") == []
