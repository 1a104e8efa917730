"""Reading a yes/no verdict from an answer: verdict words (True/False, Yes/No, はい/いいえ, 正しい/誤り,
also in quotes) with negation read in their clause, echoes of the question's choice and views
attributed to others left out, the last self-correction or answer marker winning, conflicting
verdicts reported as such; without a verdict word, a restatement of the question's fact.

Knows nothing about checks or expected values: it returns what the answer says, or why it cannot tell.
"""

from __future__ import annotations

import difflib
import re

from mistral_eval.checks.extract import after_correction, answer_marker, attributed, clause_of, sentences
from mistral_eval.checks.japanese import tokens as ja_tokens
from mistral_eval.checks.negation import is_negated

__all__ = ["read_verdict"]

_VERDICT = re.compile(
    r"(?<![A-Za-z])(?:true|false|correct|incorrect|wrong)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:yes|no)(?=\s*(?:[.,!:;。、！」』\"”*]|$))"
    r"|(?:(?<=は)|(?<![ぁ-ん]))はい(?=\s*(?:[、。,.!！」』\"”*]|です|でしょう|と|$))|いいえ|不正解|正しく(?:ない|ありません)|正しい|正解|誤り|間違(?:い|っ)?",
    re.IGNORECASE | re.MULTILINE)
_TRUE_WORDS = {"true", "yes", "correct", "はい", "正しい", "正解"}
_ECHO = re.compile(r"[「『\"]?(?:true|yes|はい|false|no|いいえ)[」』\"]?\s*(?:or|/|か|または|もしくは)\s*"
                   r"[「『\"]?(?:true|yes|はい|false|no|いいえ)[」』\"]?か?", re.IGNORECASE)
_SETTLES = re.compile(r"\b(?:so|therefore|thus|actually|in\s+fact|final(?:ly)?)\b|やはり|なので|つまり|結局|したがって|よって|正しくは",
                      re.IGNORECASE)
_BOTH = re.compile(r"\byes\s+and\s+no\b|\bboth\s+yes\s+and\s+no\b|はいでもありいいえでもあり", re.IGNORECASE)


def _verdicts(text: str) -> list[tuple[re.Match[str], bool]]:
    """The verdict words the answer asserts, each with what it reads (negation and attribution read)."""
    found = []
    for match in _VERDICT.finditer(text):
        if attributed(clause_of(text, *match.span()).text):
            continue
        negated = is_negated(text, *match.span())
        found.append((match, (match.group().lower() in _TRUE_WORDS) != negated))
    return found


def _verdict_of(text: str) -> tuple[bool | None, str]:
    """The answer's verdict and how it was read; None with the reason when none can be trusted."""
    if _BOTH.search(text):
        return None, "it answers both yes and no"
    cut = after_correction(text)
    marker = answer_marker(text)
    start = max(cut, marker.start() if marker else 0)
    found = [v for v in _verdicts(text) if v[0].start() >= start] or _verdicts(text)
    if not found:
        return None, "found no verdict word"
    values = {value for _, value in found}
    if len(values) == 1:
        return found[-1][1], f"verdict word {found[-1][0].group()!r} reads {found[-1][1]}"
    last = found[-1][0]
    sentence_start = max(text.rfind(c, 0, last.start()) for c in "。.!?\n")
    if _SETTLES.search(text, max(0, sentence_start), last.start()) or start:
        return found[-1][1], f"last verdict word {last.group()!r}, after a conclusion, reads {found[-1][1]}"
    return None, f"verdict words conflict ({', '.join(repr(m.group()) for m, _ in found)})"


_STATEMENT = re.compile(r"(?:statement|主張|質問|question)\s*[:：]\s*(.+)", re.IGNORECASE)


def _content(text: str) -> list[str]:
    if re.search(r"[\u3040-\u9fff]", text):
        return [lemma for _, pos, lemma in ja_tokens(text) if pos in ("名詞", "動詞", "形容詞", "副詞")
                and lemma not in ("出来る", "有る", "居る", "為る", "事", "訳", "無い")]
    stop = {"the", "a", "an", "is", "are", "was", "were", "do", "does", "did", "can", "could", "cannot",
            "not", "no", "yes", "it", "to", "of", "than", "have", "has", "had", "her", "his", "their"}
    return [w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop and w != "n't"]


def _fact_verdict(answer: str, question: str) -> bool | None:
    """Without a verdict word: the answer's first sentence restates the question's statement
    (content words in the same order, the predicate among them; or only words of the question, the
    subject left out) affirmed or denied, read by the parity of its negations; None when it says
    something else."""
    lines = [m.group(1) for m in _STATEMENT.finditer(question)]
    asked_sentences = [s.text for s in sentences(question) if s.text.rstrip().endswith(("?", "？"))]
    statement = lines[-1] if lines else asked_sentences[-1] if asked_sentences else question
    first = sentences(answer)[0].text if answer.strip() else ""
    asked, said = _content(statement), _content(first)
    shared_asked = [w for w in asked if w in said]
    shared_said = [w for w in said if w in asked]
    in_order = shared_asked == shared_said  # 翔の方が健より… does not restate 健は翔より…
    restates = bool(asked) and (difflib.SequenceMatcher(None, asked, said).ratio() >= 0.75
                                or (len(shared_asked) >= 0.75 * len(asked) and in_order
                                    and asked[-1] in said))  # the predicate (持っていた) is restated
    elliptical = bool(said) and all(word in asked for word in said)  # 開いていません: the subject left out
    if not (restates or elliptical):
        return None
    if re.search(r"[\u3040-\u9fff]", first):
        negations = sum(lemma in ("ない", "無い", "ず", "ぬ") and pos in ("助動詞", "形容詞")
                        for _, pos, lemma in ja_tokens(first))
    else:
        negations = len(re.findall(r"\b(?:not|never|cannot|no)\b|n't", first, re.IGNORECASE))
    return negations % 2 == 0


def read_verdict(answer: str, question: str = "") -> tuple[bool | None, str]:
    """What the answer says (True/False) and how it was read; None with the reason when it cannot
    be told (verdict words that conflict, or none and no restatement of the question's fact)."""
    text = _ECHO.sub(lambda m: " " * len(m.group()), answer)
    verdict, how = _verdict_of(text)
    if verdict is None and how == "found no verdict word":
        verdict = _fact_verdict(answer, question)
        how = (f"no verdict word; the answer states the question's fact as {verdict}"
               if verdict is not None else how)
    return verdict, how
