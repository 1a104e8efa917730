"""Japanese morphology (fugashi + unidic-lite): denial after a word, hedges, readings."""

import pytest

from mistral_eval.checks.japanese import denies, kana_spellings, reading, tokens


@pytest.mark.parametrize("after, denied", [
    ("ではありません。6本です", True), ("ではなく大阪です", True), ("じゃないよ", True),
    ("とは言えません", True), ("です", False), ("は大きくない", False),
    ("ではないかと思います。", False), ("ではないでしょうか。", False), ("ではないわけではない", False),
])
def test_denies_reads_the_predicate_after_a_word(after, denied):
    assert denies(after) is denied


def test_tokens_and_reading():
    assert [surface for surface, _, _ in tokens("東京です")] == ["東京", "です"]
    assert reading("富士山").startswith("フジ")


def test_kana_spellings_find_whole_words_only():
    assert kana_spellings("ふじさん", "富士") == [(0, 2)]
    assert kana_spellings("フジです", "富士") == [(0, 2)]
    assert kana_spellings("さくらんぼ", "桜") == []
    assert kana_spellings("富士山", "富士") == []  # written in kanji: the regex itself finds it
