"""Script classes: which characters each class takes, and which it leaves out."""

import re

import pytest

from mistral_eval.checks.scripts import CJK_CHAR, HIRAGANA, JA_CHAR, KANA_CHAR, KANJI, KATAKANA


@pytest.mark.parametrize("char, kanji, japanese, kana", [
    ("東", True, True, False), ("々", True, False, False), ("あ", False, True, True), ("ア", False, True, True),
    ("ｱ", False, False, True),  # half-width katakana: kana, outside the full-width blocks
    ("A", False, False, False), ("、", False, False, False), ("1", False, False, False),
])
def test_classes_take_their_characters(char, kanji, japanese, kana):
    assert bool(KANJI.match(char)) is kanji
    assert bool(JA_CHAR.match(char)) is japanese
    assert bool(KANA_CHAR.match(char)) is kana


def test_hiragana_and_katakana_are_apart_and_cjk_spans_both_and_kanji():
    assert re.fullmatch(f"[{HIRAGANA}]+", "ひらがな") and not re.search(f"[{HIRAGANA}]", "カタカナ")
    assert re.fullmatch(f"[{KATAKANA}]+", "カタカナー") and not re.search(f"[{KATAKANA}]", "ひらがな")
    assert all(CJK_CHAR.match(c) for c in "あア漢") and not CJK_CHAR.match("a")
