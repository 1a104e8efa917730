"""Whether an answer addresses the question's claim at all: an answer with no verdict and no
restatement that never names a name the claim is about (a proper noun: "Is Canberra the capital of
Australia?" answered about Sydney; 「信濃川ですか」 answered about 琵琶湖) while it names other ones is
about something else. Names are proper nouns: capitalised words not opening a sentence in English,
words the Japanese dictionary tags 固有名詞 (compared by surface or reading, so かなで書いた名前 counts).
An answer that names nothing else ("It is the closest one", "The Moon goes around our planet") or that
is in the other script (a Japanese answer to an English question) is not judged: it may refer to the
name by a pronoun, a paraphrase or a translation.

An answer whose every sentence is copied from the text the question gives (not from its asked
sentence: "Yui is taller than Sho." for "Text: Ken is taller than Yui. Yui is taller than Sho. Question: Is
Ken taller than Sho?") only says a premise back: it addresses nothing (`repeats_given`).

Knows nothing about checks or expected values.
"""

from __future__ import annotations

import re

from mistral_eval.checks.extract import sentences
from mistral_eval.checks.japanese import proper_nouns, reading
from mistral_eval.checks.labels import question_labels
from mistral_eval.checks.restated import asked_statement
from mistral_eval.checks.scripts import JA_CHAR

__all__ = ["repeats_given", "unaddressed"]

_EN_NAME = re.compile(r"(?<![\w'’])[A-Z][A-Za-z0-9]*(?![\w'’])")
# Capitalised words that are not names: the verdict words and labels of the question's frame.
_NOT_NAMES = {"I", "True", "False", "Yes", "No", "Answer", "Text", "Question", "OK"}


def _english_names(text: str) -> list[str]:
    """Runs of capitalised words (and letter-digit codes like K2) that do not open a sentence, each
    run one name: "Albert Einstein", "Mount Everest"."""
    names: list[str] = []
    for sentence in sentences(text):
        opening = re.match(r"[\W_]*", sentence.text)
        last_end = -2
        for word in _EN_NAME.finditer(sentence.text):
            if word.start() == (opening.end() if opening else 0) or word.group() in _NOT_NAMES:
                continue
            if names and sentence.text[last_end:word.start()] == " ":
                names[-1] += " " + word.group()
            else:
                names.append(word.group())
            last_end = word.end()
    return names


def _named(name: str, text: str, others: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a word of the name that no other name shares stands in the text ("Einstein" for
    "Albert Einstein"; "Tanganyika", not "Lake", for "Lake Tanganyika" beside "Lake Baikal")."""
    shared = {word.lower() for other in others if other != name for word in other.split()}
    words = [word for word in name.split() if word.lower() not in shared] or name.split()
    return any(re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, re.IGNORECASE) for word in words)


def _unaddressed_en(asked: str, answer: str, labels: set[str] | frozenset[str] = frozenset()) -> str | None:
    if JA_CHAR.search(answer):
        return None  # another script: the name may be translated
    asked_names = [name for name in _english_names(asked) if name.lower() not in labels]
    missing = [name for name in asked_names if not _named(name, answer, asked_names)]
    others = [name for name in _english_names(answer) if not any(_named(word, a) for a in asked_names for word in name.split())]
    return missing[0] if missing and others else None


def _unaddressed_ja(asked: str, answer: str) -> str | None:
    if re.search(r"[A-Za-z]{2,}", answer) and not JA_CHAR.search(answer):
        return None
    answer_reading = reading(answer)
    asked_names = proper_nouns(asked)
    missing = [surface for surface, kana in asked_names if surface not in answer and kana not in answer_reading]
    said = {surface for surface, _ in asked_names} | {kana for _, kana in asked_names}
    others = [surface for surface, kana in proper_nouns(answer) if surface not in said and kana not in said]
    return missing[0] if missing and others else None


def unaddressed(answer: str, question: str) -> str | None:
    """A name the question's claim is about that the answer never mentions while it names other
    things: the answer is about something else. None when every name is there, when the answer names
    nothing else, or when the question has no names."""
    asked = asked_statement(question)
    if not asked.strip():
        return None
    if JA_CHAR.search(asked):
        return _unaddressed_ja(asked, answer)
    return _unaddressed_en(asked, answer, set(question_labels(question)))  # "T", "F": labels, not names


def _plain(sentence: str) -> str:
    """A sentence as compared with the given text: lower-cased, without a line label ("Text:", 「文:」),
    emphasis, spaces, closing punctuation or a polite copula (背が高いです = 背が高い)."""
    text = re.sub(r"[\s*_\"“”「」]+", " ", sentence).strip().lower()
    text = re.sub(r"^[^\s:：]{1,12}\s*[:：]\s*", "", text)
    return re.sub(r"(?:です|でした)?[\s.!。！]*$", "", text)


# A sentence of the question that tells how to answer, not a premise: "Answer yes or no.", 「はいかいいえで答えて」.
_INSTRUCTION = re.compile(r"\b(?:answer|yes|no|true|false|read)\b|答え|はい|いいえ|読んで", re.IGNORECASE)


def repeats_given(answer: str, question: str) -> bool:
    """Whether every sentence of the answer is a premise of the question's given text (its sentences
    other than the asked one and its instructions), said again word for word, in a text of two or more
    premises that the question asks to combine: a premise repeated, no answer."""
    asked = asked_statement(question)
    given = {_plain(s.text) for s in sentences(question.replace(asked, " ", 1))
             if s.text.strip() and not _INSTRUCTION.search(s.text)} - {""}
    said = [_plain(s.text) for s in sentences(answer) if s.text.strip()]
    return bool(said) and len(given) >= 2 and all(sentence in given for sentence in said)
