"""Numbers in answer text and the one a careful grader reads as the stated final answer.

Reads ASCII, full-width (after NFKC) and kanji numerals (三, 二十五, 千二百, 1万2千), the unit written
next to a number, and converts it through a unit table. Knows nothing about checks or expected values.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from mistral_eval.checks.negation import is_negated

__all__ = ["SYMBOLS", "Number", "find_numbers", "final_number", "kanji_value", "normalize"]

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                 "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10 ** 4, "億": 10 ** 8, "兆": 10 ** 12}
_KANJI = "".join([*_KANJI_DIGITS, *_SMALL, *_LARGE])
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_NUMERAL = re.compile(rf"(?:(?<![A-Za-z0-9.)])-)?(?<![\d.])(?:{_ARABIC}|[{_KANJI}])+")
_PART = re.compile(rf"{_ARABIC}|[{_KANJI}]")
# A kanji numeral standing alone is a number only before a counter, or between non-ideographs:
# 三個, 百度 and 二十五です are numbers; 一般, 唯一 and 一番 are words.
_COUNTER = re.compile(r"[個つ人本枚匹頭羽冊台回歳才円度分秒時日週月年件点倍割階杯]")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")
SYMBOLS = "$¥€£"
"""Units that may stand before their number ($0.05)."""

_ANSWER = re.compile(r"\b(?:final\s+)?answer\s*(?:is|would\s+be|will\s+be|[:=])"
                     r"|(?:答え|正解|解答|結論)\s*(?:は|が|[:=])", re.IGNORECASE)
_CONCLUSION = re.compile(r"\b(?:so|therefore|thus|hence)\b|つまり|よって|したがって|従って|結果として",
                         re.IGNORECASE)
# What follows an answer to justify or check it; its numbers restate the question.
_ASIDE = re.compile(r"\b(?:check|checking|verify|verification|because|since)\b|確認|検算|検証|確かめ|"
                    r"なぜなら|理由は|(?:^|(?<=[。\n]))[^。\n]*からです", re.IGNORECASE)
_EMPHASIS = re.compile(r"\*\*([^*\n]{1,60})\*\*|\\boxed\{([^}\n]{1,60})\}")
_SENTENCE_END = re.compile(r"[。！？!?\n]|\.(?!\d)")


@dataclass(frozen=True)
class Number:
    """One number in the (normalised) text."""

    value: float
    """In the target unit when the number carries a unit of the table, else as written."""
    start: int
    end: int
    unit: str | None
    """The unit of the table written next to it, if any."""


def normalize(text: str) -> str:
    """NFKC (full-width digits and signs become ASCII) with the minus sign read as '-'."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-")


def kanji_value(numeral: str) -> float:
    """The value of a numeral mixing kanji and ASCII digits: 二十五 -> 25, 1万2千 -> 12000, 二〇二四 -> 2024."""
    current: float | None
    total, section, current, positional = 0.0, 0.0, None, False
    for part in _PART.findall(numeral):
        if part in _LARGE:
            total += ((section + (current or 0)) or 1) * _LARGE[part]
            section, current = 0.0, None
        elif part in _SMALL:
            section += (1 if current is None else current) * _SMALL[part]
            current = None
        elif part in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[part]
            current = current * 10 + digit if positional and current is not None else digit
        else:
            current = float(part.replace(",", ""))
        positional = part in _KANJI_DIGITS
    return total + section + (current or 0)


def _is_number(text: str, match: re.Match[str]) -> bool:
    if any(c.isdigit() for c in match.group()):
        return True
    before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
    return bool(_COUNTER.match(after)) or not (_IDEOGRAPH.match(before) or _IDEOGRAPH.match(after))


def _unit_of(text: str, match: re.Match[str], units: dict[str, float]) -> str | None:
    after = text[match.end():match.end() + 24].lstrip(" ")
    before = text[max(0, match.start() - 2):match.start()].rstrip(" ")
    for name in sorted(units, key=len, reverse=True):
        if name in SYMBOLS and before.endswith(name):
            return name
        rest = after[len(name):]
        inside_a_word = (name[-1].isascii() and name[-1].isalpha() and re.match("[A-Za-z]", rest)
                         and not re.match(r"e?s(?![A-Za-z])", rest))  # "g" is not "gives"; "kgs" is kg
        if after.startswith(name) and not inside_a_word:
            return name
    return None


def find_numbers(text: str, units: dict[str, float] | None = None) -> list[Number]:
    """Every number in normalised `text`, with its unit from `units` (name -> factor into the target
    unit; symbols such as $ may stand before the number) and its value converted by that factor."""
    found = []
    table = units or {}
    for match in _NUMERAL.finditer(text):
        if not _is_number(text, match):
            continue
        value = kanji_value(match.group().lstrip("-")) * (-1 if match.group().startswith("-") else 1)
        unit = _unit_of(text, match, table)
        found.append(Number(value * (table[unit] if unit else 1), match.start(), match.end(), unit))
    return found


def _after_equals(text: str, number: Number) -> bool:
    return text[max(0, number.start - 8):number.start].rstrip().endswith("=")


def _in_segment(text: str, numbers: list[Number], start: int) -> Number | None:
    """From `start` to the end of its sentence: the last number after '=', else the first number;
    else the first number anywhere after `start`."""
    end_match = _SENTENCE_END.search(text, start)
    end = end_match.start() if end_match else len(text)
    inside = [n for n in numbers if start <= n.start < end]
    after_equals = [n for n in inside if _after_equals(text, n)]
    later = [n for n in numbers if n.start >= start]
    if after_equals:
        return after_equals[-1]
    candidates = inside or later
    return candidates[0] if candidates else None


def final_number(text: str, unit: str | None = None, units: dict[str, float] | None = None
                 ) -> tuple[Number, str, bool] | None:
    """The stated final answer of normalised `text`, how it was found, and whether a unit was found.

    In order: the number after the last answer marker ("the answer is", "答えは"); the last bold or
    boxed number; then, leaving out a check or justification that follows the answer ("Check:",
    "because", "確認", "…からです"), the number after the last conclusion word ("so", "therefore",
    "つまり"), else the last '= X' of the last line with a number, else its last number. Numbers with
    `unit` (or a unit of `units`) win when there are any; denied numbers ("not 41") never count.
    """
    table = {**({unit: 1.0} if unit else {}), **(units or {})}
    numbers = find_numbers(text, table)
    with_unit = [n for n in numbers if n.unit]
    numbers = with_unit or numbers
    numbers = [n for n in numbers if not is_negated(text, n.start, n.end)] or numbers
    if not numbers:
        return None
    found = bool(with_unit)
    markers = list(_ANSWER.finditer(text))
    if markers and (chosen := _in_segment(text, numbers, markers[-1].end())):
        return chosen, f"after {markers[-1].group().strip()!r}", found
    for emphasis in reversed(list(_EMPHASIS.finditer(text))):
        inside = [n for n in numbers if emphasis.start() <= n.start < emphasis.end()]
        if inside:
            results = [n for n in inside if _after_equals(text, n)]
            return (results[-1] if results else inside[0]), "in bold", found
    aside = _ASIDE.search(text)
    if aside and any(n.start < aside.start() for n in numbers):
        numbers, text = [n for n in numbers if n.start < aside.start()], text[:aside.start()]
    conclusions = list(_CONCLUSION.finditer(text))
    if conclusions and (chosen := _in_segment(text, numbers, conclusions[-1].end())):
        return chosen, f"after {conclusions[-1].group()!r}", found
    line = text.count("\n", 0, numbers[-1].start)
    last_line = [n for n in numbers if text.count("\n", 0, n.start) == line]
    equals = [n for n in last_line if _after_equals(text, n)]
    if equals:
        return equals[-1], "after the last '=' of the last line with a number", found
    return last_line[-1], "the last number", found
