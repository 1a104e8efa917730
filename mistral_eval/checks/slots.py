"""Whether a mention is said of another thing than the question asks: its sentence restates the
question's predicate with another name in one of its slots ("Who was the first person to walk on
Mars?" → "Neil Armstrong was the first person to walk on the Moon"; "火星に最初に降り立った人は?" →
"月面に最初に降り立ったのは…"), and whether the answer denies the question's premise about that name
("No one has walked on Mars yet", "火星に降り立った人はまだいません").

Works on the answer, the question and japanese.tokens; knows nothing about checks or expected values.
"""

from __future__ import annotations

import difflib
import re

from mistral_eval.checks.extract import sentences
from mistral_eval.checks.japanese import tokens as ja_tokens
from mistral_eval.checks.scripts import JA_CHAR

__all__ = ["premise_denied", "swapped_name"]

_EN_WORD = re.compile(r"[A-Za-z][\w'-]*")
_MIN_KEPT = 3
"""How many words of the question's predicate the sentence keeps, in order, to restate it."""
_NO_ONE = re.compile(r"\b(?:no\s+one|nobody|no\s+(?:human|person|people|man|woman)|none)\b|\b(?:not|never)\b|n't\b"
                     r"|(?:いません|いない|ありません|ない|ません)(?=[。、\s]|$)", re.IGNORECASE)


def _words(text: str) -> list[tuple[str, bool]]:
    """Each word and whether it is a name: an English word written with a capital inside the text
    (not its first word), or a Japanese noun (名詞)."""
    if JA_CHAR.search(text):
        return [(lemma, pos == "名詞") for _, pos, lemma in ja_tokens(text) if pos != "補助記号"]
    words = _EN_WORD.findall(text)
    return [(w.lower(), i > 0 and w[0].isupper()) for i, w in enumerate(words)]


def swapped_name(answer: str, start: int, end: int, question: str) -> tuple[str, str] | None:
    """(the question's name, the answer's name in its place) when the mention's sentence restates the
    question's predicate, keeping `_MIN_KEPT` of its words in order, with a name of the question
    replaced by another name the question does not hold and the question's name not in the sentence;
    None otherwise ("Charles Lindbergh was the first pilot to fly solo …" changes no name)."""
    sentence = next((s for s in sentences(answer) if s.start <= start < s.end), None)
    if sentence is None or not question.strip():
        return None
    said = _words(answer[sentence.start:start] + " " + answer[end:sentence.end])
    asked = _words(question)
    matcher = difflib.SequenceMatcher(None, [w for w, _ in asked], [w for w, _ in said], autojunk=False)
    if sum(block.size for block in matcher.get_matching_blocks()) < _MIN_KEPT:
        return None
    said_text = answer[sentence.start:sentence.end].lower()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        theirs = [w for w, name in asked[i1:i2] if name]
        ours = [w for w, name in said[j1:j2] if name and w not in question.lower()]
        if theirs and ours and not any(w in said_text or any(w in o or o in w for o in ours) for w in theirs):
            return theirs[0], ours[0]
    return None


def premise_denied(answer: str, name: str, start: int) -> bool:
    """Another sentence of the answer than the one at `start` names `name` and denies something of it
    ("No one has walked on Mars yet.", "火星に降り立った人はまだいません。")."""
    return any(not (s.start <= start < s.end) and name in s.text.lower() and _NO_ONE.search(s.text)
               for s in sentences(answer))
