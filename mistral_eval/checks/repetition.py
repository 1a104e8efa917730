"""How much of an answer repeats itself: lines or sentences said again word for word, template loops
(the same sentence frame with one word changed), phrases looping back to back, and runs of one
character. Counts characters, so it works on Japanese; knows nothing about checks or thresholds.
"""

from __future__ import annotations

import difflib
import re

from mistral_eval.checks.japanese import tokens as ja_tokens

__all__ = ["repetitions"]

_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_PIECES = re.compile(r"\n|(?<=[。！？!?])|(?<=\. )")
_LIST_MARK = re.compile(r"^(?:[-*•・]|\d{1,3}[.)．]|[（(]?\d{1,3}[)）])\s*")
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_LOOP = re.compile(r"(.{2,200}?)\1{2,}")
_CHAR_RUN = re.compile(r"([^\s\-=_*~#.…─━|])\1{9,}")  # not markdown rules, underlines or ellipses
_TEMPLATE_SIMILARITY = 0.75
_NEAR_COPY = 0.85
_TEMPLATE_COPIES = 3


def _words(text: str) -> list[str]:
    """Content words: morphemes for Japanese (japanese.tokens), else lower-cased words."""
    if _KANA_OR_KANJI.search(text):
        return [lemma for _, pos, lemma in ja_tokens(text) if pos not in ("助詞", "助動詞", "補助記号")]
    return re.findall(r"[a-z0-9]+", text.lower())


def _templated(pieces: list[str]) -> list[str]:
    """Sentences said again in the same frame with a word or two changed ("Tokyo is a big city.
    Tokyo is a busy city. …"): each piece after the first that is this similar to an earlier one,
    when at least `_TEMPLATE_COPIES` are; near copies ("I cannot answer that/this question") count
    whatever they add. A piece that adds a new number (a table row, "Step 2"), a new topic ("大阪は
    日本の都市です") or two new words (a list: "The capital of Spain is Madrid.") says something new."""
    copies: list[str] = []
    seen: set[str] = set()
    for i, piece in enumerate(pieces):
        words = _words(piece)
        new = [w for w in words if w not in seen]
        seen.update(words)
        if any(w.isdigit() for w in new) or (words and words[0] in new):
            continue  # a new number, or a new topic ("大阪は…", "Osaka is …"): a list item
        similarity = max((difflib.SequenceMatcher(None, piece, other).ratio()
                          for other in pieces[max(0, i - 3):i]), default=0.0)
        if similarity >= _NEAR_COPY or (len(new) <= 1 and similarity >= _TEMPLATE_SIMILARITY):
            copies.append(piece)
    return copies if len(copies) >= _TEMPLATE_COPIES else []


def repetitions(text: str, min_chars: int) -> tuple[float, list[str], list[re.Match[str]]]:
    """Share of characters that repeat a unit said before: a line or sentence (list marks ignored)
    said again word for word, counted from its 2nd time when it has `min_chars` characters or more,
    from its 3rd time when shorter; then, in what is left, the copies after the first in
    back-to-back loops of `min_chars` characters or more."""
    counts: dict[str, int] = {}
    kept: list[str] = []
    repeated: list[str] = []
    prose = _FENCED.sub(lambda m: " ".join(m.group().split()), text)
    for piece in _PIECES.split(prose):
        key = _LIST_MARK.sub("", " ".join(piece.split()))
        counts[key] = counts.get(key, 0) + 1
        wordy = sum(c.isalnum() for c in key) >= 2
        (repeated if wordy and counts[key] >= (2 if len(key) >= min_chars else 3) else kept).append(key)
    templated = _templated([k for k in kept if len(k) >= min_chars // 2])
    repeated += templated
    rest = " ".join(k for k in kept if k and k not in templated)
    loops = [m for m in _LOOP.finditer(rest)
             if len(m.group()) - len(m.group(1)) >= min_chars and any(c.isalnum() for c in m.group(1))]
    runs = list(_CHAR_RUN.finditer(text))
    total = len(" ".join(text.split()))
    repeated_chars = (sum(map(len, repeated)) + sum(len(m.group()) - len(m.group(1)) for m in loops)
                      + sum(len(m.group()) - 1 for m in runs))
    return (min(1.0, repeated_chars / total) if total else 0.0), repeated, loops
