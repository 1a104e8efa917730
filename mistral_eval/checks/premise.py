"""Reading an answer that rejects the question's premise or the asked part of it instead of giving a
verdict word: the asked adjunct denied while the rest is affirmed ("He did win it, but it was not
awarded for relativity" for "Did he win it for relativity?"), the asked event said never to have
happened ("There is no record of …", 「…という事実はありません」), the asked part denied with another
thing affirmed in its place (「Aであり、Bではありません」, 「Aですが、Bではありません」, B the question's words and
A not), the subject said to have had no part in
the asked event (「…には関わっていません」), or a cleft that names who or what did it (「江戸幕府を開いたのは
徳川家康です」: the question's subject, yes; another name, no).

Each rule fires only when its clause says nothing the asked statement does not (the rejected event is
the asked one) and abstains otherwise. Knows nothing about verdict words, checks or expected values:
it returns True/False, or None.
"""

from __future__ import annotations

import re

from mistral_eval.checks.extract import sentences
from mistral_eval.checks.japanese import proper_nouns, tokens as ja_tokens
from mistral_eval.checks.scripts import JA_CHAR as _JAPANESE

__all__ = ["premise_verdict"]

_STOP = {"the", "a", "an", "his", "her", "its", "their", "of", "to", "in", "for", "at", "by", "on", "with",
         "one", "ones", "did", "does", "do", "was", "were", "is", "are", "it", "that", "and", "or", "yes", "no", "answer"}
_PREPOSITIONS = r"for|at|by|during|with|in"
# The asked adjunct: the question's last prepositional phrase ("… for his theory of relativity?").
_ASKED_ADJUNCT = re.compile(rf".*\b({_PREPOSITIONS})\s+([^?,]+?)\s*\?")
# The same adjunct denied in the answer: "not for relativity", "it was not awarded for relativity".
_DENIED_ADJUNCT = re.compile(rf"\bnot\s+(?:[a-z]+\s+){{0,2}}?({_PREPOSITIONS})\s+([^,.;:!?—–]+)", re.IGNORECASE)
_NO_SUCH_EN = re.compile(r"\bthere\s+(?:is|was|are)\s+no\s+(?:record|evidence|fact|indication|sign)s?\s+(?:of|that)\s+([^.;!?]+)",
                         re.IGNORECASE)
_NO_SUCH_JA = re.compile(r"([^。、！？\n]+?)(?:という|といった)(?:事実|記録|証拠|史実)(?:は|も)(?:ありません|ない|ございません)")
_NO_PART_JA = re.compile(r"([^。、！？\n]+?)(?:に|には|とは)(?:関わって|関与して|携わって|関係して)(?:いません|いない|おりません)")
# 「Aであり、Bではありません」「Aですが、Bではない」: A affirmed, B denied in its place.
_INSTEAD_JA = re.compile(r"([^。、！？\n]+?)(?:であり|であって|ですが|だが|ではあるが)[、,]\s*([^。、！？\n]{1,30}?)(?:では|じゃ)(?:ありません|ない|ございません)")
_CLEFT_JA = re.compile(r"([^。、！？\n]+?)のは[、\s]*([^。、！？\n]+?)(?:です|だ|である)(?:[。！\n]|$)")


def _stems(text: str) -> set[str]:
    """English content words cut to their first three letters ("moving" and "move" alike)."""
    return {w.lower()[:3] for w in re.findall(r"[A-Za-z0-9]+", text) if w.lower() not in _STOP}


def _lemmas(text: str) -> set[str]:
    """Japanese content words (nouns, verbs, adjectives) as lemmas."""
    return {lemma for _, pos, lemma in ja_tokens(text) if pos in ("名詞", "動詞", "形容詞")}


def _asked_verb(asked: str) -> set[str]:
    return {lemma for _, pos, lemma in ja_tokens(asked) if pos == "動詞"}


def _english(answer: str, asked: str) -> bool | None:
    adjunct = _ASKED_ADJUNCT.search(asked)
    if adjunct:
        focus = _stems(adjunct.group(2))
        for denied in _DENIED_ADJUNCT.finditer(answer):
            said = _stems(denied.group(2))
            if denied.group(1).lower() == adjunct.group(1).lower() and said and said <= focus:
                return False  # "…, not for relativity": the asked part denied, nothing else said of it
    for rejected in _NO_SUCH_EN.finditer(answer):
        said = _stems(rejected.group(1))
        if said and said <= _stems(asked):
            return False  # "There is no record of Japan moving its capital to Osaka": the asked event never was
    return None


def _names(text: str) -> set[str]:
    return {surface for surface, _ in proper_nouns(text)}


def _japanese(answer: str, asked: str) -> bool | None:
    asked_words, verbs = _lemmas(asked), _asked_verb(asked)
    for sentence in sentences(answer):
        for rejected in _NO_SUCH_JA.finditer(sentence.text):
            said = _lemmas(rejected.group(1))
            if said and said <= asked_words and said & verbs:
                return False  # 「日本の首都が大阪に移ったという事実はありません」
        for instead in _INSTEAD_JA.finditer(sentence.text):
            affirmed, denied = _lemmas(instead.group(1).rsplit("は", 1)[-1]), _lemmas(instead.group(2))
            if denied and denied <= asked_words and affirmed - asked_words:
                return False  # 「受賞理由は光電効果の発見であり、相対性理論ではありません」: the asked part denied, another named
        for cleft in _CLEFT_JA.finditer(sentence.text):
            said = _lemmas(cleft.group(1))
            subject = _names(asked) - _names(cleft.group(1))
            focus = _names(cleft.group(2))
            if not (said and said <= asked_words and said & verbs and subject and focus):
                continue
            if subject <= focus:
                return True  # 「江戸幕府を開いたのは徳川家康です」 for 徳川家康は…開きましたか
            if not subject & focus:
                return False  # … for 織田信長は…開きましたか: another name did it
        for no_part in _NO_PART_JA.finditer(sentence.text):
            event = _lemmas(no_part.group(1)) & asked_words
            subject = _names(asked) - _names(no_part.group(1))
            if event - verbs and subject and subject <= _names(sentence.text):
                return False  # 「織田信長は…江戸幕府の成立には関わっていません」
    return None


def premise_verdict(answer: str, asked: str) -> bool | None:
    """False when the answer rejects the asked statement's premise or its asked part, True when a
    cleft names the question's own subject as the doer, None when it does neither."""
    if not asked.strip():
        return None
    if _JAPANESE.search(asked):
        return _japanese(answer, asked) if _JAPANESE.search(answer) else None
    return None if _JAPANESE.search(answer) else _english(answer, asked)
