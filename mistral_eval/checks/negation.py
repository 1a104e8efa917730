"""Whether a span of answer text is denied within its clause ("not X", "X is not …", "X ではなく",
"Xではありません"), and whether a clause is a hedge that still affirms ("I think it's X",
"Xではないでしょうか").

English: a negation word before the span in its clause ("I don't think it is X" too), or "X is not
the/a …" right after it (an identity denied; "X is not small" says something about X); "not only
X", a double negation and a hedged question ("Isn't it X?") affirm. Japanese: the predicate after the span, read by morphology
(japanese.denies), so …ではないかと思います affirms and …ないわけではない counts twice; and "Xは首都では
ありません" (X's identity denied; "Xは大きくない" says something about X: japanese.denies_identity).
Knows nothing about checks or expected values.
"""

from __future__ import annotations

import re

from mistral_eval.checks.extract import clause_of
from mistral_eval.checks.japanese import denies, denies_identity

__all__ = ["is_negated"]

_BEFORE = re.compile(
    r"(?:\b(?:not|never|no)|n't)\s+(?:(?:be|is|are|was|the|a|an|exactly|quite|really|necessarily|"
    r"entirely|completely|called|named|in|at|on)\s+)*$", re.IGNORECASE)
_CLAUSE_NEGATION = re.compile(r"\b(?:not|never|neither|nor)\b|\bno\b(?!\s*[,.!;:])|n't\b", re.IGNORECASE)
_NOT_ONLY = re.compile(r"\bnot\s+(?:only|just|merely)\b|\bno\s+doubt\b|\bno\s+(?:wonder|question)\b",
                       re.IGNORECASE)
# "X is not the capital" denies X as the answer; "X is not small" says something about X.
_COPULA_NOT = re.compile(r"^\W{0,3}\s*(?:(?:is|was|are|were)\s*(?:not|n't)|isn't|wasn't|aren't)\s+"
                         r"(?:the|a|an|called|named|correct|right|it|one\s+of)\b", re.IGNORECASE)
# "Isn't it Tokyo?", "Wouldn't it be Tokyo?": a hedged guess that affirms.
_HEDGED_QUESTION = re.compile(r"^\W*(?:isn't|aren't|wasn't|wouldn't|couldn't|shouldn't|doesn't|don't)\b[^?]*\?",
                              re.IGNORECASE)
_JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _english_denied(text: str, start: int, end: int) -> bool:
    clause = clause_of(text, start, end)
    before = text[clause.start:start]
    if _BEFORE.search(text[max(0, start - 40):start]) and not _NOT_ONLY.search(text[max(0, start - 20):start]):
        return True
    if _COPULA_NOT.match(text[end:end + 20]):
        return True
    negations = [m for m in _CLAUSE_NEGATION.finditer(before) if not _NOT_ONLY.match(before, m.start())]
    return len(negations) % 2 == 1 and not _HEDGED_QUESTION.match(clause.text)


def is_negated(text: str, start: int, end: int) -> bool:
    """True when `text[start:end]` is denied in its clause (see the module docstring)."""
    after = text[end:end + 40]
    if _JA_CHAR.match(after.lstrip("」』\"”*")[:1] or " ") or _JA_CHAR.search(text[start:end]):
        clause_end = clause_of(text, start, end).end
        word = text[start:end].rstrip("」』\"”*")
        tail = text[end:max(clause_end, end + 1) + 12].lstrip("」』\"”*")
        if denies(word + tail, skip=len(word)) or denies_identity(word + tail, skip=len(word)):
            return True
    return _english_denied(text, start, end)
