"""What follows an answer without stating it: a check or justification, a comparison, a side remark,
an example or a note (the first of them ends the answer); parentheses, an alternative reading, a
counterfactual or proviso, another case, a view of others, a restatement in other terms or units
(each left out where it stands).

Works on plain text, English and Japanese; knows nothing about which number is the answer or checks.
"""

from __future__ import annotations

import re

from mistral_eval.checks.extract import attributed, conditional, in_parentheses, sentences
from mistral_eval.checks.units import in_other_units

__all__ = ["aside_spans", "first_aside", "note_spans", "other_case_ja", "others_view", "side_remark"]

# What opens a note, the answer's remark beside its main statement: "Note:", "N.B.", "P.S.", "※", "補足：", "注："
_NOTE_MARK = (r"(?:^|(?<=\n))[ \t>*_]*(?:notes?|n\.b\.|p\.s\.)\b|※|(?:^|(?<=[。\n]))[ \t*]*(?:補足|注)\s*[:：]")
_NOTE = re.compile(_NOTE_MARK, re.IGNORECASE | re.MULTILINE)
# A line that is all one parenthesis, after the answer's first line: "(「毎朝」 literally means …)",
# "（なお、…）": a remark beside the answer, like a marked note.
_PARENTHESISED_LINE = re.compile(r"(?<=\n)[ \t]*(?:\([^()\n]+\)|（[^（）\n]+）)[ \t]*(?=\n|$)")

# What opens a side remark beside the answer: "By the way, …", "Incidentally, …", "ちなみに、…", "なお、…".
_SIDE_REMARK = r"\bby\s+the\s+way\b|\bincidentally\b|ちなみに|参考までに|(?:^|(?<=[。\n]))なお、"
# The same opener at the start of a sentence, with its comma: what a sentence about another case may follow.
_SIDE_OPENER = r"(?:(?:(?:by\s+the\s+way|incidentally),?|(?:ちなみに|参考までに)、?|なお、)\s*)?"

# What follows an answer to justify or check it; its numbers restate the question. A Japanese
# sentence that ends on a reason (…からです, …ためです: "because …") justifies what came before.
_ASIDE = re.compile(r"\b(?:check|checking|verify|verification|because|since)\b|確認|検算|検証|確かめ|"
                    r"なぜなら|理由は|(?:^|(?<=[。\n]))[^。\n]*(?:から|ため)です"
                    # a comparison with something else, or a side remark ("Insects, by contrast, have six")
                    r"|\b(?:by|in)\s+contrast\b|\b(?:for|in)\s+comparison\b|\bfor\s+reference\b"
                    r"|これに対して|" + _SIDE_REMARK +
                    # another example after the answer, opening its sentence
                    r"|(?:^|(?<=[.!?]\s)|(?<=\n))[ \t*_]*(?:fun\s+fact|another\s+example|for\s+example|for\s+instance"
                    r"|at\s+(?:this|that|the\s+same)\s+rate)\b"  # an extrapolation: "At that rate, …"
                    r"|(?:^|(?<=[。\n]))(?:例えば|たとえば|別の例)"
                    # a note after the answer
                    r"|" + _NOTE_MARK, re.IGNORECASE | re.MULTILINE)


def note_spans(text: str) -> list[tuple[int, int]]:
    """Notes: from a note marker ("Note:", "N.B.", "※", "補足：") to the end of its line, and a line
    after the first that is wholly in parentheses; a note says something beside the answer's main
    statement, not the statement itself."""
    spans = [(m.start(), m.end()) for m in _PARENTHESISED_LINE.finditer(text)]
    for match in _NOTE.finditer(text):
        end = text.find("\n", match.end())
        spans.append((match.start(), len(text) if end < 0 else end))
    return spans


# A sentence whose subject points back at what was just said and says it is the same quantity in
# other terms: "This is equivalent to 212 °F.", "これは華氏212度に相当します。"
_EQUIVALENCE = re.compile(r"^\W*(?:(?:this|that|which|it)\b[^.\n]*\b(?:equivalent|corresponds|the\s+same\s+as|"
                          r"converts?)\b|(?:これ|それ|この\w{0,4})は[^。\n]*(?:相当|換算|等し|同じ|に当たり))"
                          # Japanese drops the subject: "子どもの年齢の3倍にあたります。"
                          r"|^[^。\n]*(?:に相当|にあた|に当た|に等し)[^。\n]*[。]?\s*$",
                          re.IGNORECASE)
# A counterfactual or a proviso after the answer describes another case: "If the speed were doubled, it
# would take 3 hours.", "However, if …", "ただし、パン屋の1ダースなら13個です。"
_COUNTERFACTUAL = re.compile(r"^\W*" + _SIDE_OPENER + r"(?:if|had)\b[^.\n]*\b(?:were|had)\b[^.\n]*\b(?:would|could|might)\b"
                             r"|^\W*" + _SIDE_OPENER + r"if\b[^.\n]*\b(?:would|could|might)\b"  # If a 4th person ate 2, …
                             r"|^\W*(?:(?:however|but),?\s+if|unless)\b|^\W*(?:ただし|但し)"
                             # a view of others after the answer: "Some models count six.", "6大陸とする考え方もあります"
                             r"|^\W*(?:some|other|many)\s+(?:\w+\s+)?(?:count|counts|consider|say|use|list)\b"
                             r"|^[^。\n]*?(?:とする|と数える|とみなす)[^。\n]{0,6}(?:もあります|もある|もあり)|^\W*一部では",
                             re.IGNORECASE)


# A period of years described after the answer: "The war lasted from 1939 to 1945.", "1939年から1945年まで続きました。"
_PERIOD = re.compile(r"\bfrom\s+\d{3,4}\s+(?:to|until|till|through)\s+\d{3,4}\b|\bbetween\s+\d{3,4}\s+and\s+\d{3,4}\b"
                     r"|\d{3,4}年から\d{3,4}年", re.IGNORECASE)


def aside_spans(text: str) -> list[tuple[int, int]]:
    """Parentheses, sentences that give an alternative reading ("if you meant …") or describe a
    counterfactual case ("If it were …, it would be …"), sentences that restate the one before
    in other terms ("これは華氏212度に相当します") and, after the first sentence, sentences that
    describe a period of years ("It lasted from 1939 to 1945")."""
    spans = [(s.start, s.end) for s in in_parentheses(text)]
    spans += [(s.start, s.end) for s in sentences(text) if conditional(s.text)]
    spans += [(s.start, s.end) for i, s in enumerate(sentences(text))
              if i and (_EQUIVALENCE.match(s.text) or _COUNTERFACTUAL.match(s.text) or _PERIOD.search(s.text))]
    spans += [(s.start, s.end) for i, s in enumerate(sentences(text)) if i and others_view(s.text)]
    spans += in_other_units(text)
    return spans


# A sentence that opens by setting itself beside the answer ("By the way, …", "ちなみに、…"), and words
# that make it a correction instead ("By the way, I got that wrong: …", "ちなみに、先ほどの答えは誤りで…").
_OPENS_ON_SIDE_REMARK = re.compile(r"^[\s*_>(（]*(?:by\s+the\s+way|incidentally|ちなみに|参考までに|なお、)", re.IGNORECASE)
_CORRECTS = re.compile(r"\b(?:correction|wrong|mistake|actually|i\s+mis)\w*|訂正|誤り|間違", re.IGNORECASE)
# A clause after others' view that sets the answer's own against it: "…, but actually it is 5."
_OWN_AFTER = re.compile(r"\b(?:actually|in\s+fact|really|correct|right)\b|実際|正しく|本当は", re.IGNORECASE)


def side_remark(sentence: str) -> bool:
    """A sentence that opens as a remark beside the answer ("By the way, salt water freezes at
    -2 °C.", "ちなみに、富士山の山頂では…"), even when it names the question's subject again; not
    one that corrects the answer."""
    return bool(_OPENS_ON_SIDE_REMARK.match(sentence)) and not _CORRECTS.search(sentence)


def others_view(sentence: str) -> bool:
    """A sentence that opens on what others think or answer ("(Many people answer 100 yen, but
    that would …)", "多くの人は10円と答えますが、…") and does not go on to set the answer's own
    value against it ("…, but actually it is 5")."""
    opening = re.split(r"[,、，;]", sentence, maxsplit=1)
    return attributed(opening[0]) and not (len(opening) > 1 and _OWN_AFTER.search(opening[1]))


def first_aside(text: str) -> re.Match[str] | None:
    """Where a check, justification, comparison, side remark, example or note after the answer
    begins ("Check:", "because", "確認", "by contrast", "ちなみに", "Fun fact:", "Note:")."""
    return _ASIDE.search(text)


# A Japanese sentence about another case opens (after a side-remark opener, if any) on a conditional or
# a time: "2ダースなら…", "四角形なら…", "消費税10%を含めると…", "5年後には…", "ちなみに、1000円札で払った場合の…".
_OTHER_CASE_JA = re.compile(r"^\W*" + _SIDE_OPENER + r"(?:もし)?(?P<case>[^。\n、]{1,14}?)(?:なら(?:ば)?|の?場合(?:は|の)?|[うくすつぬむるぐぶ]と[、,]?"
                            r"|たら|れば|(?<=\d)[^\d。\n、]{0,2}(?:後|前)(?:に|には|は))")


_OPERATION_JA = re.compile(r"引|足|割|かけ|掛け|加え|減ら|合わせ")


def other_case_ja(sentence: str, question: str, given: set[float]) -> bool:
    """A Japanese sentence that opens on a case the question does not ask about: its conditional or
    time names what the question does not, and a quantity in it, if any, is not the question's; or
    it takes a part of the question's case alone (100円玉だけなら)."""
    match = _OTHER_CASE_JA.match(sentence)
    if match is None or match.group("case").strip() in question or _OPERATION_JA.search(match.group("case")):
        return False  # the asked case, or a step of the working (6を引くと…)
    if match.group("case").endswith(("だけ", "のみ")):
        return True  # a part of the question's case alone: 100円玉だけなら…
    values = [float(v.replace(",", "")) for v in re.findall(r"\d[\d,]*(?:\.\d+)?", match.group("case"))]
    return not any(v in given for v in values) and (bool(values) or "と" not in match.group()[-2:])
