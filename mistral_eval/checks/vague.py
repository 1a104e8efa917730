"""How an answer commits to no single number: a range (5〜6個, 20分から30分, 365–366 days; not the
subtraction 8から6を引く) or alternatives ("either 50 or 40", 5個か6個; not a conversion, "2 kg or
2000 g", nor a remark in brackets).

Works on positions in plain text; knows nothing about which number is the answer, units' values or checks.
"""

from __future__ import annotations

import re

__all__ = ["alternative", "ranged"]

_NUMERAL = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def _value(written: str) -> float | str:
    try:
        return float(written.replace(",", ""))
    except ValueError:
        return written  # kanji or words: compared as written


_RANGE = re.compile(r"\s*(?:[~〜～–]|-(?=\s*\d)|to\s+(?=\d)|(?:[^\d\s。、]{1,3})?から\s*(?=\d))")
_RANGE_END = re.compile(r"\d\s*(?:[~〜～–]|to|[^\d\s。、]{0,3}から)\s*$")
_OPERAND = re.compile(r"\d*[^\d\s。、]{0,3}?を")  # 8から6を引く: the number taken away, not a range's end


def ranged(text: str, start: int, end: int) -> bool:
    """The number opens or closes a range (5〜6個, 20分から30分), not a subtraction (8から6を引く)."""
    opens = _RANGE.match(text, end)
    if opens and not ("から" in opens.group() and _OPERAND.match(text, opens.end())):
        return True
    return bool(_RANGE_END.search(text, 0, start)) and not (
        "から" in text[max(0, start - 6):start] and _OPERAND.match(text, end))


_OR = re.compile(r"(?:\s*[^\d\s。、,.()（）]{1,4})??\s*[,、]?\s*(?:\bor\b|または|あるいは|か)\s*(?:maybe\s+|perhaps\s+|possibly\s+)?")
_UNIT_AFTER = re.compile(r"\s*(°?[A-Za-z%]+|[^\x00-\x7f\d\s、。かでとはがのをにもまあ]{1,3})")


def _unit_after(text: str, end: int) -> str:
    found = _UNIT_AFTER.match(text, end)
    return "" if found is None or found.group(1) == "or" else found.group(1)


_OR_BEFORE = re.compile(r"(?<![\d.])(\d[\d,]*(?:\.\d+)?)" + _OR.pattern + r"$")


def alternative(text: str, start: int, end: int) -> str | None:
    """Another number offered in its place, after or before it ("either 50 or 40", "5個か6個"), as
    written; None when the other number is the same value ("36, or thirty-six") or in another unit
    ("2 kg or 2000 g": a conversion)."""
    written = _value(text[start:end])
    before = _OR_BEFORE.search(text, max(0, start - 24), start)
    if (before and _value(before.group(1)) != written
            and not _other_unit(_unit_after(text, before.end(1)), _unit_after(text, end))):
        return before.group(1)
    joined = _OR.match(text, end)
    if joined is None or not (text[end:joined.end()].strip(" ,、")):
        return None
    following = _NUMERAL.match(text, joined.end())
    if (not following or _value(following.group()) == written
            or _other_unit(_unit_after(text, end), _unit_after(text, following.end()))):
        return None
    return following.group()


def _other_unit(one: str, other: str) -> bool:
    return bool(one and other and one != other)
