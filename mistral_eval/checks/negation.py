"""Whether a span of answer text is denied by a negation right next to it ("not X", "X ではなく").

Looks only at a few characters on each side of the span: it knows nothing about checks, scope or
double negation, so "not only Tokyo" reads as a denial and "Tokyo is not ..." does not.
"""

from __future__ import annotations

import re

__all__ = ["is_negated"]

_BEFORE = re.compile(
    r"(?:\b(?:not|never|no)|n't)\s+(?:(?:be|is|are|was|the|a|an|exactly|quite|really|necessarily|"
    r"entirely|completely)\s+)?$", re.IGNORECASE)
_AFTER = re.compile(
    r"^\s*(?:(?:で|じゃ)(?:は)?(?:なく|ない|ありません|ありませんでした|なかった)|でない|"
    r"とは(?:言え|いえ)(?:ない|ません))")


def is_negated(text: str, start: int, end: int) -> bool:
    """True when `text[start:end]` is directly preceded by "not"/"n't"/"never"/"no" (allowing "the",
    "a", "is", "exactly", ...) or directly followed by ではなく, じゃない, ではありません, とは言えない."""
    return bool(_BEFORE.search(text[max(0, start - 40):start]) or _AFTER.match(text[end:end + 16]))
