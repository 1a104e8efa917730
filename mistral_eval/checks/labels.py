"""Answer labels a question defines for its verdicts: "reply T if it is true or F if it is false",
'answer "agree" if … and "disagree" if it is not', 'answer "Yes" if …, otherwise "No"', "Reply T or
F", 「正しければ「正」、誤りなら「誤」と答えて」, 「正しいならA、正しくないならB」, 「○か×で答えて」;
and the label an answer opens with ("F — …", "「誤」です。", "B").

Works on plain text (English and Japanese); knows nothing about checks or expected values.
"""

from __future__ import annotations

import re

from mistral_eval.checks.extract import answer_markers

__all__ = ["label_verdict", "question_labels"]

_QUOTE_OPEN, _QUOTE_CLOSE = "\"“'「『*_", "\"”'」』*_"
_LABEL = rf"[{_QUOTE_OPEN}]*([A-Za-z]{{1,10}}|[○〇×✕✗✓✔]|[^\s{_QUOTE_OPEN}{_QUOTE_CLOSE}、。,.：:]{{1,3}}?)[{_QUOTE_CLOSE}]*"
# "answer X if <condition>", "X if <condition>" (a second label in the same instruction), "otherwise X".
_EN_LABEL = re.compile(rf"(?:\b(?:answer|reply|respond|write|say|output|print)\s+|(?:,|\band\b|\bor\b)\s*){_LABEL}"
                       r"\s+if\s+([^,;.\n]*?)(?=\s*(?:,|;|\.|\n|$|\band\b|\bor\b|\botherwise\b))"
                       rf"|\botherwise\s*,?\s*(?:answer\s+|reply\s+|respond\s+|write\s+|say\s+)?{_LABEL}",
                       re.IGNORECASE)
# "X for <verdict>": "Answer T for true or F for false", "Write Y for yes, N for no".
_FOR_LABEL = re.compile(rf"(?:\b(?:answer|reply|respond|write|say|output|print|use)\s+|(?:,|\band\b|\bor\b)\s*){_LABEL}"
                        r"\s+for\s+(true|false|yes|no|correct|incorrect|wrong)\b", re.IGNORECASE)
# 「<condition>ば／なら <label>」: 正しければ「正」、誤りなら「誤」; 正しいならA、正しくないならB.
_JA_LABEL = re.compile(rf"([^\s、。「」『』]{{1,12}}?(?:ければ|れば|なら(?:ば)?|場合(?:は)?))[、\s]*{_LABEL}\s*(?=[、,]|と|を|で)")
# A pair of labels named as the only choices: "Reply T or F", "○か×で答えて".
_PAIRS = {("t", "f"): {"t": True, "f": False}, ("○", "×"): {"○": True, "×": False}, ("〇", "×"): {"〇": True, "×": False}}
_PAIR = re.compile(r"\b(T)\s*(?:or|/)\s*(F)\b|([○〇])\s*(?:か|or|/|・)\s*(×)")
_FALSE_CONDITION = re.compile(r"\b(?:not|false|incorrect|wrong|inaccurate|untrue)\b|n't\b"
                              r"|誤|間違|正しくな|違|ない|偽", re.IGNORECASE)


def _condition_value(condition: str) -> bool | None:
    """Whether a label's condition is the statement holding (True: "if it is true", "if the number
    is even", 正しければ) or not holding (False: "if it is not", 誤りなら, 正しくないなら)."""
    if _FALSE_CONDITION.search(condition):
        return False
    return True if condition.strip() else None


def question_labels(question: str) -> dict[str, bool]:
    """The labels the question defines, lower-cased, each with the verdict it stands for; empty when
    it defines none or they do not come as one true and one false label."""
    labels: dict[str, bool] = {}
    for match in _EN_LABEL.finditer(question):
        if match.group(3):  # "otherwise X": the opposite of the label defined before it
            if len(labels) == 1:
                labels[match.group(3).lower()] = not next(iter(labels.values()))
            continue
        value = _condition_value(match.group(2))
        if value is not None:
            labels[match.group(1).lower()] = value
    for match in _FOR_LABEL.finditer(question):
        labels[match.group(1).lower()] = match.group(2).lower() in ("true", "yes", "correct")
    for match in _JA_LABEL.finditer(question):
        value = _condition_value(match.group(1))
        if value is not None:
            labels[match.group(2).lower()] = value
    for match in _PAIR.finditer(question):
        true, false = (match.group(1) or match.group(3)).lower(), (match.group(2) or match.group(4)).lower()
        labels.update(_PAIRS.get((true, false), {}))
    return labels if set(labels.values()) == {True, False} else {}


def label_verdict(answer: str, question: str) -> tuple[bool, str] | None:
    """The verdict of the question-defined label the answer opens with, standing alone or closing
    its phrase ("F.", "Disagree. Spiders are …", "F — bats …", "「誤」です。", "×です"), and the label; None
    when the question defines no labels or the answer does not open with one."""
    labels = question_labels(question)
    if not labels:
        return None
    start = _after_marker(answer)
    opening = re.match(rf"[\s#>*_(（]*{_LABEL}"
                       r"\s*(?:です|だ)?\s*(?=[.。!！,、:：;—–\-)）(（]|\s*$|[ \t\u3000]*\n|\s+[—–-])", answer[start:], re.IGNORECASE)
    if opening is None and start == 0:
        opening = re.match(rf"[\s#>*_(（]*{_LABEL}(?=[ \t\u3000])", answer)  # 「正　光の速さは…」: a label, then a space
        opening = opening if opening and not opening.group(1).isascii() else None
    if opening is None or opening.group(1).lower() not in labels:
        return None
    value = labels[opening.group(1).lower()]
    rest = answer[start + opening.end():]
    if any(_said(label, rest) for label, other in labels.items() if other != value):
        return None  # "F. Wait, T": both labels said, no single verdict
    return value, opening.group(1)


def _after_marker(answer: str) -> int:
    """Where the answer's text starts after an answer marker it opens with ("Final answer: T",
    "答え：誤", "**Answer:** F"), emphasis and list marks before it aside, or after the last marker
    that opens a line below the rest ("多くの人は「○」と思っていますが、…\n\n答え：×": the answer's own
    verdict, not the view it first reports); 0 when there is neither."""
    markers = answer_markers(answer)
    if markers and re.fullmatch(r"[\s#>*_]*", answer[:markers[0].start()]):
        return markers[0].end()
    starts = [(m, m.start() + len(m.group()) - len(m.group().lstrip())) for m in markers]  # "\n\n答え：": from 答
    lines = [m for m, at in starts if re.fullmatch(r"[ \t#>*_]*", answer[answer.rfind("\n", 0, at) + 1:at])
             and "\n" in answer[:at]]
    return lines[-1].end() if lines else 0


def _said(label: str, text: str) -> bool:
    """Whether a label stands alone in the text (a one-letter label only in its own case)."""
    flags = 0 if len(label) == 1 else re.IGNORECASE
    label = label.upper() if len(label) == 1 and label.isascii() else label
    return bool(re.search(rf"(?<![A-Za-z]){re.escape(label)}(?![A-Za-z])", text, flags))
