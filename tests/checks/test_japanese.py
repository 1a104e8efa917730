"""Japanese morphology (fugashi + unidic-lite): denial after a word, hedges, readings."""

import sys

import pytest

from mistral_eval.checks.japanese import (
    chinese_words,
    denies,
    denies_identity,
    japanese_form,
    kana_spellings,
    kanji_compounds,
    reading,
    readings,
    tokens,
)


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


@pytest.mark.parametrize("text, denied", [
    ("東京は首都ではありません。", True), ("東京は大きくない。", False), ("東京は首都ではないでしょうか。", False),
    ("東京は日本の首都です。", False), ("東京は京都ではなく、首都です。", False),
])
def test_denies_identity_of_a_topic(text, denied):
    assert denies_identity(text, skip=2) is denied


def test_without_fugashi_a_check_that_needs_it_names_the_package(monkeypatch):
    """The GPU image has no fugashi: a check that reads Japanese morphology raises the library's
    MissingDependencyError naming the install (the runner stores it as that case's error); a check
    that needs no morphology runs."""
    from mistral_eval.checks import japanese
    from mistral_eval.checks.registry import run_checks
    from mistral_eval.core.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "fugashi", None)  # what `import fugashi` meets where it is missing
    japanese._tagger.cache_clear()
    try:
        with pytest.raises(MissingDependencyError, match="pip install fugashi unidic-lite"):
            run_checks([{"type": "regex", "pattern": "東京"}], "答えはとうきょうです。")
        (ascii_only,) = run_checks([{"type": "regex", "pattern": "Paris", "negation_aware": False}], "パリ Paris")
        assert ascii_only.passed
    finally:
        japanese._tagger.cache_clear()  # the next test makes the real tagger again


@pytest.mark.parametrize("char, japanese_only", [
    ("駅", True), ("県", True), ("込", True), ("働", True),  # shinjitai and kokuji
    ("驛", False), ("驿", False), ("東", False), ("京", False), ("在", False), ("a", False), ("あ", False),
])
def test_japanese_form_is_a_kanji_neither_chinese_standard_writes(char, japanese_only):
    assert japanese_form(char) is japanese_only


@pytest.mark.parametrize("text, compounds", [
    ("名古屋市中区。", True), ("首都：東京。人口：約千四百万人。", True), ("東京都庁所在地。", True),
    ("大阪城公園", True),
    ("明天会下雨。", False),  # falls apart into single kanji
    ("今天天氣很好", False),  # unknown words
    ("東京是日本的首都", False),  # 是 and 的 as words of their own
    ("東京に行きます", False),  # kana: a sentence, not compound nouns
])
def test_kanji_compounds_reads_kana_free_japanese_noun_phrases(text, compounds):
    assert kanji_compounds(text) is compounds


def test_readings_keep_the_words_of_the_best_analysis():
    assert {"フジサン", "フジヤマ"} <= readings("富士山")
    assert readings("東京") == {"トウキョウ"}  # not 東 + 京 read ヒガシキョウ


def test_kana_spellings_accept_any_reading_of_the_same_words():
    assert kana_spellings("ふじさんです。", "富士山") == [(0, 4)]
    assert kana_spellings("フジサン。", "富士山") == [(0, 4)]
    assert kana_spellings("ひがしきょうです。", "東京") == []
    assert kana_spellings("ふじです。", "富士山") == []


@pytest.mark.parametrize("text, found", [
    ("明天会下雨。", ["明天"]),  # 明 + 天 in the Japanese analysis: Chinese 'tomorrow'
    ("他們昨天來過。", True),  # 們, 來: no word of the Japanese dictionary
    ("每天運動。", ["每天"]),
    # near-misses: Japanese without kana, and Chinese words only inside a Japanese word
    ("今天気予報確認。", []), ("東京都庁舎", []), ("本日休業", []), ("明日晴後雨", []), ("一石二鳥", []),
    ("明天は晴れ", []),  # kana: not this test's question
])
def test_chinese_words_are_signs_of_chinese_in_kana_free_text(text, found):
    words = chinese_words(text)
    assert (bool(words) if found is True else set(found) <= set(words) and bool(words) == bool(found)), words
