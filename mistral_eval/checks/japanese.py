"""Japanese morphology for reading answers (fugashi + unidic-lite, a MeCab dictionary on PyPI):
whether the predicate that follows a word denies it (…ではない, …ではありません, …ではなく), counting
double negation (…ないわけではない) and reading hedged questions (…ではないでしょうか, …ではないかと思う)
as affirmative; the kana reading of a text and its proper nouns; kanji written in forms only Japanese uses; and whether a
text without kana reads as Japanese compound nouns.

Knows nothing about checks, numbers or English; of Chinese, only the characters that stand as words of
their own in Chinese grammar (是, 的, 在, …).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from mistral_eval.checks.scripts import KANA, KANJI
from mistral_eval.core.errors import MissingDependencyError

__all__ = ["chinese_words", "denies", "denies_identity", "japanese_form", "kana_spellings", "kanji_compounds", "proper_nouns", "reading",
           "readings", "tokens"]

_NEGATORS = {"ない", "無い", "ず", "ぬ", "ん"}
_HEDGE_ENDS = {"か", "でしょう", "だろう", "かしら"}
_STOP_POS = {"補助記号"}


@functools.cache
def _tagger() -> Any:
    try:
        import fugashi
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("fugashi", "Reading Japanese answers",
                                     "pip install fugashi unidic-lite") from error
    return fugashi.Tagger()


def tokens(text: str) -> list[tuple[str, str, str]]:
    """(surface, part of speech, lemma) of each word."""
    return [(w.surface, w.feature.pos1 or "", w.feature.lemma or w.surface) for w in _tagger()(text)]


def proper_nouns(text: str) -> list[tuple[str, str]]:
    """(surface, katakana reading) of each word the dictionary tags as a proper noun (固有名詞:
    names of people, places, rivers, ...)."""
    found = []
    for word in _tagger()(text):
        if word.feature.pos2 == "固有名詞":
            kana = getattr(word.feature, "kana", None)
            found.append((word.surface, kana if kana and kana != "*" else _katakana(word.surface)))
    return found


def _is_negator(surface: str, pos: str, lemma: str) -> bool:
    return (pos in ("助動詞", "形容詞") and (lemma in _NEGATORS or surface in ("ない", "なく", "なかっ", "ん"))
            and lemma != "ます")


_PAUSES = {"…", "‥", ".", "．", "・", "ー", "—", "―"}
"""Marks of a pause (an ellipsis, a dash) that may stand between a word and its predicate."""


def denies(after: str, skip: int = 0) -> bool:
    """Whether the predicate right after a word (`after`, the text that follows it) denies it: the
    word (with its counter: 5本ではない) is the predicate (…で/じゃ/とは…) and an odd number of negations follow before the clause
    ends, and it is not a hedged question (…ではないでしょうか, …ではないかと思います: they affirm). With `skip`, `after` starts with the word itself, that
    many characters long, so it is parsed in its context (5本: a counter, not "book")."""
    words = tokens(after)
    while skip > 0 and words:  # the word itself, parsed with what follows it
        skip -= len(words.pop(0)[0])
    while words and (words[0][1] == "接尾辞" or "助数詞" in words[0][2]):  # a counter or unit after a number: 5本, 100円
        words = words[1:]
    while words and words[0][0] in _PAUSES:  # a pause before the predicate: 6本…ではありません
        words = words[1:]
    if not words or not (words[0][0] in ("で", "じゃ", "と", "とは") or _is_negator(*words[0])):
        return False
    negations = 0
    for i, (surface, pos, lemma) in enumerate(words):
        if pos in _STOP_POS and surface not in ("」", "』"):
            break
        if negations and (pos in ("名詞", "動詞") and lemma not in ("有る", "事", "訳", "居る", "言う", "思う")):
            break
        if _is_negator(surface, pos, lemma):
            negations += 1
            rest = [s for s, _, _ in words[i + 1:i + 4]]
            if any(s in _HEDGE_ENDS for s in rest):
                return False
    return negations % 2 == 1


def denies_identity(after: str, skip: int = 0) -> bool:
    """Whether a topic word (`after` starts with it, `skip` characters long) is denied its identity:
    "Xは首都ではありません" (a noun predicate with では + negation), not "Xは大きくない" (a property)."""
    words = tokens(after)
    while skip > 0 and words:
        skip -= len(words.pop(0)[0])
    if not words or words[0][0] not in ("は", "も"):
        return False
    for i, (surface, pos, _) in enumerate(words[1:], start=1):
        if pos in _STOP_POS or pos in ("動詞", "形容詞") or surface in ("が", "を"):
            return False
        if surface in ("で", "じゃ") and words[i - 1][1] == "名詞":
            rest = words[i:i + 4]
            if any(s == "なく" for s, _, _ in rest):
                return False  # "XはAではなく、Bです": X is still asserted, as B
            return denies("".join(s for s, _, _ in words[i:]))
    return False


def reading(text: str) -> str:
    """The katakana reading of `text` as the dictionary reads it (the surface where it has none)."""
    out = []
    for word in _tagger()(text):
        kana = getattr(word.feature, "kana", None)
        out.append(kana if kana and kana != "*" else _katakana(word.surface))
    return "".join(out)


def readings(word: str) -> set[str]:
    """The katakana readings of `word` that the dictionary gives its own words: the best analysis's
    reading and those of other analyses into the same words (富士山: フジサン as well as フジヤマ,
    琵琶湖: ビワコ), not of analyses that cut it into other words (東京 as 東 + 京: ヒガシキョウ)."""
    analyses = _tagger().nbestToNodeList(word, 8)
    best = [node.surface for node in analyses[0]] if analyses else []
    found = {reading(word)}
    for nodes in analyses:
        if [node.surface for node in nodes] == best:
            found.add("".join(node.feature.kana if node.feature.kana and node.feature.kana != "*"
                              else _katakana(node.surface) for node in nodes))
    return found


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def kana_spellings(text: str, word: str) -> list[tuple[int, int]]:
    """Where `text` writes `word` (e.g. 富士) in kana (ふじ, フジ): runs of whole kana-written words
    whose readings together are the word's reading. A longer word that starts the same (さくらんぼ
    for 桜) is no spelling of it."""
    targets = readings(word)
    if min(map(len, targets)) < 2:
        return []
    words = [(w.surface, getattr(w.feature, "kana", None) or _katakana(w.surface)) for w in _tagger()(text)]
    spans, position = [], 0
    starts = []
    for surface, _ in words:
        position = text.find(surface, position)
        starts.append(position)
        position += len(surface)
    for i in range(len(words)):
        joined = ""
        for j in range(i, len(words)):
            surface, kana = words[j]
            if not all("\u3040" <= c <= "\u30ff" for c in surface):
                break
            joined += kana
            if joined in targets:
                spans.append((starts[i], starts[j] + len(surface)))
                break
            if not any(target.startswith(joined) for target in targets):
                break
    return spans


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def japanese_form(char: str) -> bool:
    """A kanji in a form only Japanese writes (a shinjitai form such as 庁, 県, 駅, 読, or a kokuji
    such as 込, 畑): in JIS X 0208 but in neither Chinese character set (GB2312 for simplified,
    Big5 for traditional)."""
    return ("\u3400" <= char <= "\u9fff" and _encodes(char, "shift_jis")
            and not _encodes(char, "gb2312") and not _encodes(char, "big5"))


_CHINESE_GRAMMAR = set("我你他她它们們这這那是了吗嗎呢吧很的在也")
_NOUNISH = {"名詞", "接頭辞", "接尾辞"}
_SYMBOLS = {"補助記号", "記号", "空白"}


def kanji_compounds(text: str) -> bool:
    """Text without kana that Japanese morphology reads as compound nouns (東京都新宿区, 首都：東京,
    太陽系最大惑星木星): every word is in the dictionary and a noun, numeral or affix, at most half
    of them (numerals aside) are single kanji, and none is a character that as a word of its own is
    Chinese grammar (是, 的, 在: 所在地 is one word, 猫在 is not). A Chinese sentence falls apart
    into single kanji and unknown words (明/天/会下/雨, 很好)."""
    words = [w for w in _tagger()(text) if w.feature.pos1 not in _SYMBOLS]
    if not words or any(w.is_unk or w.feature.goshu is None or w.feature.pos1 not in _NOUNISH for w in words):
        return False
    singles = [w.surface for w in words if len(w.surface) == 1 and w.feature.pos2 != "数詞"]
    return len(singles) * 2 <= len(words) and not _CHINESE_GRAMMAR.intersection(singles)


# Chinese words written in characters Japanese shares, that Japanese writes otherwise (明天: 明日,
# 今天: 今日, 昨天: 昨日, 每天: 毎日): as whole words of a Japanese analysis (明|天), not inside one (今|天気).
_CHINESE_ONLY_WORDS = {"明天", "今天", "昨天", "每天", "天天", "后天", "前天"}


def chinese_words(text: str) -> list[str]:
    """The signs in kana-free `text` that Japanese morphology finds no Japanese words in it: words
    the dictionary does not know (們明, 來: traditional Chinese forms Japanese does not write), and
    Chinese words in shared characters that span whole words of the analysis (明天 as 明 + 天, 'tomorrow'
    in Chinese; 明日 in Japanese). Empty for text with kana, or Latin letters or digits only."""
    if re.search(f"[{KANA}]", text):
        return []
    words = [w for w in _tagger()(text) if w.feature.pos1 not in _SYMBOLS]
    found = [w.surface for w in words if w.is_unk and KANJI.search(w.surface)]
    position, starts = 0, []
    for word in words:
        position = text.find(word.surface, position)
        starts.append(position)
        position += len(word.surface)
    bounds = set(starts) | {start + len(w.surface) for start, w in zip(starts, words)}
    for word in _CHINESE_ONLY_WORDS:
        at = text.find(word)
        if at >= 0 and at in bounds and at + len(word) in bounds:
            found.append(word)
    return found
