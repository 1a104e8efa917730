"""A mention said of another name in the question's slot, and a denied premise."""

from mistral_eval.checks.slots import premise_denied, swapped_name


def _swap(answer: str, mention: str, question: str) -> tuple[str, str] | None:
    start = answer.index(mention)
    return swapped_name(answer, start, start + len(mention), question)


def test_a_sentence_that_restates_the_question_with_another_name_swaps_it():
    assert _swap("Yuri Gagarin was the first person to orbit the Earth.", "Yuri Gagarin",
                 "Who was the first person to orbit Venus?") == ("venus", "earth")
    assert _swap("木星の最大の衛星はガニメデです。", "ガニメデ", "土星の最大の衛星は何ですか？") == ("土星", "木星")


def test_the_same_name_other_common_words_or_another_predicate_swap_nothing():
    question = "Who was the first person to orbit the Earth?"
    assert _swap("Yuri Gagarin was the first person to orbit the Earth.", "Yuri Gagarin", question) is None
    assert _swap("Yuri Gagarin was the first cosmonaut to circle the Earth.", "Yuri Gagarin", question) is None
    assert _swap("Yuri Gagarin.", "Yuri Gagarin", question) is None
    assert _swap("Yuri Gagarin flew on Vostok 1 in 1961.", "Yuri Gagarin", question) is None


def test_a_premise_is_denied_in_another_sentence_that_names_it():
    answer = "No one has orbited Venus in person. Yuri Gagarin was the first person to orbit the Earth."
    at = answer.index("Yuri")
    assert premise_denied(answer, "venus", at)
    assert not premise_denied("Venus is hot. Yuri Gagarin orbited the Earth.", "venus", 20)
    ja = "土星の衛星は多いです。木星の最大の衛星はガニメデです。"
    assert not premise_denied(ja, "土星", ja.index("木星"))
    assert premise_denied("土星に降りた人はいません。月に降りた人はいます。", "土星", 14)
