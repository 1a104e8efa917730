"""Whether an answer asserts a mention, as contains and regex read it."""

import re

from mistral_eval.checks.mentions import (
    affirmed,
    in_view_and_again,
    latin_folded,
    mention_spans,
    mention_standing,
    other_form,
    why_uncommitted,
)


def test_mention_spans_find_the_word_its_kana_spelling_and_the_long_vowel_variant():
    assert mention_spans("とうきょうです", "東京", 0)
    assert mention_spans("コンピュータを使う", "コンピューター", 0)
    assert mention_spans("Osaka", "Tokyo", 0) == []


def test_latin_letters_lose_their_accents_and_positions_stay():
    assert latin_folded("Tōkyō café") == "Tokyo cafe"
    assert latin_folded("がっこう") == "がっこう"  # kana keep their voicing marks


def test_standing_and_other_forms():
    text = "It is not Sydney; it is Canberra."
    assert mention_standing(text, text.index("Sydney"), text.index("Sydney") + 6) == "denied"
    assert affirmed(text, [(text.index("Canberra"), text.index("Canberra") + 8)], True)
    assert other_form("The library closes on Mondays.", "closed") == "closes"


def test_a_view_of_others_said_again_and_why_a_mention_is_not_committed():
    said_again = "It is widely claimed we inhale oxygen, but that is wrong: we exhale oxygen."
    assert in_view_and_again(said_again, [m.span() for m in re.finditer("oxygen", said_again)])
    settled = "Many think we inhale nitrogen, but in fact we inhale oxygen."
    assert not in_view_and_again(settled, [m.span() for m in re.finditer("oxygen", settled)])
    corrected = "Canberra. Correction: the capital is Sydney."
    assert "self-correction" in (why_uncommitted(corrected, [(0, 8)], "What is the capital?") or "")
    assert why_uncommitted("Canberra.", [(0, 8)], "What is the capital?") is None
