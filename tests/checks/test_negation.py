"""Clause-level negation in English and Japanese."""

import pytest

from mistral_eval.checks.negation import is_negated


@pytest.mark.parametrize("text, word, denied", [
    ("Canberra is not the capital; the capital is Sydney.", "Sydney", False),
    ("Canberra is not the capital; the capital is Sydney.", "Canberra", True),
    ("It is not Tokyo.", "Tokyo", True),
    ("Tokyo is not small; it is huge.", "Tokyo", False),
    ("I don't think it is Tokyo; it is Kyoto.", "Tokyo", True),
    ("Isn't it Tokyo?", "Tokyo", False),
    ("No, it is Tokyo.", "Tokyo", False),
    ("東京は首都ではありません。", "東京", True),
    ("I'm not sure, but I think it's Tokyo.", "Tokyo", False),
    ("Not only Tokyo but Osaka.", "Tokyo", False),
    ("It's not 100 yen — the ball costs 50 yen.", "50", False),
    ("東京ではなく大阪です。", "東京", True),
    ("東京ではなく大阪です。", "大阪", False),
    ("パリではないかと思います。", "パリ", False),
    ("5本ではありません。6本です。", "5", True),
])
def test_is_negated_in_its_clause(text, word, denied):
    start = text.index(word)
    assert is_negated(text, start, start + len(word)) is denied
