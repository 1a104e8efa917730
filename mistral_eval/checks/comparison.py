"""Reading a comparison between the question's two names: "Is Ken taller than Sho?" is answered by
any clause of the answer that compares the same two (in either order) by the asked adjective or its
antonym (restated.OPPOSITES: taller/shorter, older/younger, earlier/later, 年上/年下 (nouns that compare), 高い/低い, 高い/安い, 大きい/小さい, 多い/少ない, …),
affirmed or denied: "Sho is shorter than Ken" (antonym, arguments swapped) says yes; "スカイツリーの方が
ずっと高いです" (the other name said to be more, the standard left out) says no for 東京タワーは東京
スカイツリーより高いですか. Forms read: English "X is [adverb] ADJ-er/more ADJ than Y"; Japanese
"XはYより…ADJ", "Xの方が(Yより)…ADJ", "YよりXの方が…ADJ". A clause that names a third thing ("Yui is
shorter than Ken") or another adjective says nothing; clauses that disagree give no reading.

Knows nothing about verdict words, checks or expected values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mistral_eval.checks.extract import attributed, clauses
from mistral_eval.checks.japanese import tokens as ja_tokens
from mistral_eval.checks.restated import CONDITIONAL, OPPOSITES, asked_statement
from mistral_eval.checks.scripts import CJK_CHAR

__all__ = ["Comparison", "comparison", "comparison_verdict", "never_compares"]


@dataclass(frozen=True)
class Comparison:
    """One comparison as said: `subject` is `adjective` (a comparative word or a Japanese adjective's
    lemma) than `standard` (empty when left out: "Xの方が高い"), `denied` when negated."""

    subject: str
    standard: str
    adjective: str
    denied: bool


_EN = re.compile(r"^\W*(?:(?:so|thus|therefore|hence|yes|no)\b[\s,]*)?(?P<x>[A-Za-z0-9][\w' -]*?)\s+(?:is|are|was|were)"
                 r"(?P<neg>\s+not|n't)?(?:\s+(?:much|far|a\s+lot|slightly|a\s+bit|still|also|even|actually|definitely))*"
                 r"\s+(?P<adj>more\s+\w+|less\s+\w+|\w+er)\s+than\s+(?P<y>[^,;:.!?]+?)\s*(?:[,;:.!?]|$|\s(?:because|since|as|by|and|so)\b)",
                 re.IGNORECASE)
_EN_ASKED = re.compile(r"^\W*(?:is|are|was|were)\s+(?P<x>[A-Za-z0-9][\w' -]*?)\s+(?P<adj>more\s+\w+|less\s+\w+|\w+er)"
                       r"\s+than\s+(?P<y>[^,;:.!?]+?)\s*\?", re.IGNORECASE)
_ARTICLES = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_NOUNISH = ("名詞", "接頭辞", "接尾辞")
# Nouns that compare by themselves, as an adjective does: 「美咲は健太より年上です」.
_COMPARATIVE_NOUNS = {"年上", "年下"}


def _english(clause: str) -> Comparison | None:
    match = _EN.match(clause.strip()) or _EN_ASKED.match(clause.strip())
    if match is None:
        return None
    return Comparison(_ARTICLES.sub("", match.group("x").strip()), _ARTICLES.sub("", match.group("y").strip()),
                      match.group("adj").lower(), bool(match.groupdict().get("neg")))


def _noun_before(words: list[tuple[str, str, str]], i: int) -> str:
    """The run of nouns (with prefixes and suffixes) that ends right before word `i`, with the nouns
    that own it through の: 「大阪府の人口」, not 「人口」 (which name's population is compared)."""
    j = i
    while j > 0 and words[j - 1][1] in _NOUNISH:
        j -= 1
    while j < i and j > 1 and words[j - 1][0] == "の" and words[j - 1][1] == "助詞" and words[j - 2][1] in _NOUNISH:
        j -= 1
        while j > 0 and words[j - 1][1] in _NOUNISH:
            j -= 1
    return "".join(w for w, _, _ in words[j:i])


def _japanese(clause: str) -> Comparison | None:
    words = ja_tokens(clause)
    surfaces = [w for w, _, _ in words]
    than = next((i for i, w in enumerate(surfaces) if w == "より" and words[i][1] == "助詞"), None)
    side = next((i for i in range(1, len(words) - 1) if surfaces[i] in ("方", "ほう") and surfaces[i - 1] == "の"
                 and surfaces[i + 1] in ("が", "は")), None)
    topic = next((i for i, (w, pos, _) in enumerate(words) if w in ("は", "が") and pos == "助詞"), None)
    if side is not None:
        subject, after = _noun_before(words, side - 1), side
    elif than is not None and topic is not None and topic < than:
        subject, after = _noun_before(words, topic), than
    else:
        return None
    standard = _noun_before(words, than) if than is not None else ""
    adjective = next((i for i in range(max(after, than or 0) + 1, len(words))
                      if words[i][1] == "形容詞" or words[i][2] in _COMPARATIVE_NOUNS), None)
    if not subject or adjective is None or (than is not None and not standard):
        return None
    denied = any(lemma in ("無い", "ない", "ず", "ぬ") and pos in ("助動詞", "形容詞")
                 for _, pos, lemma in words[adjective + 1:])
    return Comparison(subject, standard, words[adjective][2], denied)


def comparison(clause: str) -> Comparison | None:
    """The comparison a clause says, or None when it says none in a form read here."""
    return _japanese(clause) if CJK_CHAR.search(clause) else _english(clause)


def _which(phrase: str, names: tuple[str, str]) -> int | None:
    """Which of the two names a phrase is (equal, or one holding the other: スカイツリー for
    東京スカイツリー, "Everest" for "Mount Everest"); None for neither or both."""
    key = phrase.lower()
    hits = [i for i, name in enumerate(names) if key and (key == name.lower() or key in name.lower() or name.lower() in key)]
    return hits[0] if len(hits) == 1 else None


def _opposite(a: str, b: str) -> bool:
    return (a, b) in OPPOSITES or (b, a) in OPPOSITES


def _reading(asked: Comparison, said: Comparison) -> bool | None:
    """What `said` answers to "is asked.subject asked.adjective than asked.standard?", or None."""
    names = (asked.subject, asked.standard)
    first = _which(said.subject, names)
    if first is None:
        return None
    if said.standard and _which(said.standard, names) != 1 - first:
        return None  # a third thing compared: "Yui is shorter than Ken"
    if said.adjective == asked.adjective:
        flipped = False
    elif _opposite(said.adjective, asked.adjective):
        flipped = True
    else:
        return None
    return ((first == 0) != flipped) != said.denied


def comparison_verdict(answer: str, question: str) -> bool | None:
    """The answer's reading of the question's comparison of two names (see the module docstring):
    True/False when its comparison clauses (its own: not attributed, not a condition) that compare
    the two agree, None when there are none or they disagree or the question asks no comparison."""
    asked = comparison(asked_statement(question).strip())
    if asked is None or not asked.standard:
        return None
    readings = set()
    for clause in clauses(re.sub(r"\*\*|__", "", answer)):
        if attributed(clause.text) or CONDITIONAL.match(clause.text) or clause.text.rstrip().endswith(("?", "？")):
            continue
        said = comparison(clause.text)
        if said is not None and (reading := _reading(asked, said)) is not None:
            readings.add(reading)
    return readings.pop() if len(readings) == 1 else None


# The words of a comparison's dimension that show an answer compares by it: the asked adjective's
# stem and its antonyms' ("tall" for taller, "short" for shorter: taller, tallest, shortest …).
def _stems(adjective: str) -> set[str]:
    words = {adjective} | {b for a, b in OPPOSITES if a == adjective} | {a for a, b in OPPOSITES if b == adjective}
    stems = set()
    for word in words:
        word = re.sub(r"^(?:more|less)\s+", "", word)
        stem = re.sub(r"(?:([bdgmnpt])\1)?er$", r"\1", word) if word.endswith("er") else word  # bigger -> big
        stems.add(stem[:-1] if stem.endswith("e") else stem)  # larger -> larg(e)
    return stems


# A value of a measure: a number with a unit of length, mass, age or price ("3,776 m", 333メートル, 20歳, ¥500).
_MEASURE = re.compile(r"\d[\d,.]*\s*(?:(?:k|c|m)?m\b|km|metres?|meters?|feet|ft\b|miles?|kg|tons?|tonnes?|pounds?|years?\s+old"
                      r"|メートル|キロ|センチ|トン|歳|才|円|ドル)|[$¥€£]\s*\d", re.IGNORECASE)


def never_compares(answer: str, question: str) -> str | None:
    """The asked comparison's adjective when an answer to a comparison of two names ("Is Everest
    taller than K2?", 「東京タワーはスカイツリーより高いですか」) names one of them but never compares by
    the asked dimension: no form of the adjective or its antonym (tall, taller, tallest, shorter; 高い,
    低い, 年上/年下) and fewer than two values of a measure (one height is not a comparison). It talks of
    other things ("K2 is much harder to climb than Everest", 東京タワーの完成年). None otherwise, and for
    an answer in the other script (the adjective may be translated)."""
    asked = comparison(asked_statement(question).strip())
    if asked is None or not asked.standard or bool(CJK_CHAR.search(answer)) != bool(CJK_CHAR.search(question)):
        return None
    if not any(_which(name, (asked.subject, asked.standard)) is not None and name.lower() in answer.lower()
               for name in (asked.subject, asked.standard)):
        return None
    if len(_MEASURE.findall(answer)) >= 2:
        return None
    if CJK_CHAR.search(answer):
        related = {asked.adjective} | {b for a, b in OPPOSITES if a == asked.adjective} | {a for a, b in OPPOSITES if b == asked.adjective}
        words = ja_tokens(answer)
        if any(lemma in related and not (i + 1 < len(words) and words[i + 1][0] == "さ")  # 高さ names the measure
               for i, (_, _, lemma) in enumerate(words)):
            return None
    elif any(re.search(rf"\b{re.escape(stem)}", answer, re.IGNORECASE) for stem in _stems(asked.adjective)):
        return None
    return asked.adjective
