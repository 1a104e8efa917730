"""What a question asks, as an answer restates it: the phrase that states the answer (the topic of a
Japanese question, "the X is" for "What is the X?", the subject and verb of "How much/many … do S V?"),
and whether a sentence's topic is the one the question asks about.

Works on plain text (English and Japanese); knows nothing about numbers, checks or expected values.
"""

from __future__ import annotations

import re

from mistral_eval.checks.extract import sentences

__all__ = ["asks_about", "echo_of_the_question", "other_quantity", "other_subject", "other_topic_ja", "topic_of"]

_TOPIC = re.compile(r"^\W*(.{1,20}?)(?:は|が|\s+(?:is|are|was|costs?|has|have)\b)")


def topic_of(sentence: str) -> str:
    """What a sentence is about: the words before は/が or before "is", "costs", "has" (lower-cased)."""
    match = _TOPIC.match(sentence.strip())
    return match.group(1).strip().lower() if match else ""


def asks_about(topic: str, question: str) -> bool:
    """The question names the topic: as written, or (English) each of its words, plural or not."""
    if topic in question:
        return True

    def same(a: str, b: str) -> bool:  # spider/spiders, octopus/octopuses
        short, long = sorted((a, b), key=len)
        return long.startswith(short) and len(long) - len(short) <= 2
    words = [w for w in re.findall(r"[a-z]{3,}", topic) if w not in ("the", "each", "every")]
    asked = re.findall(r"[a-z]{3,}", question)
    return bool(words) and all(any(same(w, a) for a in asked) for w in words)


_ASKED_JA = re.compile(r"((?:[^\s、。？?！!をにがはでと「」]{1,10}の)?[^\s、。？?！!のをにがはでと「」]{1,10})は"
                       r"[^。？?\n]{0,8}?(?:いくら|何|いくつ|どの|どれ)")
_ASKED_WHAT = re.compile(r"\bwhat\s+(?:is|was|are|were|will\s+be)\s+(?:the|its|his|her|their)\s+([a-z]+(?:\s+[a-z]+)?)"
                         r"(?:\s+in\s+[^?\s]+)?\s*\?", re.IGNORECASE)
_DETERMINER = r"(?:the|its|his|her|their)"
_ASKED_HOW = re.compile(r"\bhow\s+(?:much|many)\s+(?:[a-z]+\s+)?(?:do|does|did|will|would|can|could)\s+"
                        r"(?:(?:the|a|an|this|that|his|her|their|your|my|each)\s+)?([a-z]+)\s+([a-z]{2})[a-z]*",
                        re.IGNORECASE)


def echo_of_the_question(question: str) -> re.Pattern[str] | None:
    """The phrase that states the answer, as the question asks it: the topic of a Japanese question
    ("おつりはいくらですか" -> "おつりは"), the noun phrase of "What is the X?" ("the X is"), or the
    subject and verb of "How much/many … do S V?" ("you get")."""
    asked = [s.text for s in sentences(question) if s.text.rstrip().endswith(("?", "？"))] or [question]
    where = asked[-1]
    if match := _ASKED_JA.search(where):
        return re.compile(re.escape(match.group(1)) + r"(?:は|が|\s*=)")
    if match := _ASKED_WHAT.search(where):  # "What is its area?" -> "the area is", "its area would be", "Area ="
        return re.compile(rf"(?:\b{_DETERMINER}\s+{re.escape(match.group(1))}\s+(?:is|was|are|were|will\s+be|would\s+be)\b"
                          rf"|^[ \t*#]*{re.escape(match.group(1))}\s*[=:])", re.IGNORECASE | re.MULTILINE)
    if match := _ASKED_HOW.search(where):
        subject, verb = match.groups()  # "does a spider have" -> "spiders have", "a spider has"
        return re.compile(rf"\b{re.escape(subject)}(?:e?s)?\s+{re.escape(verb)}[a-z]*\b", re.IGNORECASE)
    return None


_PRONOUNS = {"he", "she", "it", "they", "we", "you", "i", "this", "that", "which", "who", "there"}


def other_subject(question: str, sentence: str) -> str | None:
    """The subject of `sentence` when it says the question's asked verb of another subject the
    question does not name ("A pentagon has five" after "How many sides does a hexagon have?"), or
    opens on another quantity than the one a "What is the X?" question asks ("Its perimeter would be
    26 cm" after "What is its area?"): another case, not more working; None when it says it of the
    asked subject, a pronoun, or the question asks neither way."""
    asked = [s.text for s in sentences(question) if s.text.rstrip().endswith(("?", "？"))] or [question]
    if what := _ASKED_WHAT.search(asked[-1]):  # "What is its area?": "Its perimeter would be 26 cm."
        said = re.match(rf"\W*{_DETERMINER}\s+([a-z]+(?:\s+[a-z]+)?)\s+(?:is|was|are|were|will\s+be|would\s+be)\b", sentence,
                        re.IGNORECASE)
        if said and said.group(1).lower() not in what.group(1).lower() and not asks_about(said.group(1).lower(),
                                                                                            question.lower()):
            return said.group(1).lower()
        return None
    match = _ASKED_HOW.search(asked[-1])
    if match is None:
        return None
    verb = match.group(2)
    said = re.search(rf"\b([a-z]+)\s+{re.escape(verb)}[a-z]*\b", sentence, re.IGNORECASE)
    if said is None or said.group(1).lower() in _PRONOUNS or asks_about(said.group(1).lower(), question.lower()):
        return None
    return said.group(1).lower()


_TOPIC_JA = re.compile(r"^\W*([^\d\s。、はが]{1,12}?)は")
_POINTING = ("これ", "それ", "あれ", "この", "その", "答え", "結果", "計算", "式")


def other_quantity(question: str, sentence: str) -> str | None:
    """The quantity `sentence` opens on when a "What is the X?" question asks another one ("Its
    perimeter would be 12 cm." after "What is its area?"), else None (other_subject's first rule)."""
    asked = [s.text for s in sentences(question) if s.text.rstrip().endswith(("?", "？"))] or [question]
    return other_subject(question, sentence) if _ASKED_WHAT.search(asked[-1]) else None


def other_topic_ja(sentence: str, question: str) -> bool:
    """A Japanese sentence about another quantity: its topic (…は) is a noun phrase the question does
    not name ("周りの長さは26cmです" after "面積は何平方センチメートルですか")."""
    topic = _TOPIC_JA.match(sentence)
    return topic is not None and not topic.group(1).startswith(_POINTING) and topic.group(1) not in question
