"""Units as answers write them: unit symbols spelled out in words (g: grams, グラム), temperature
scales (°C, Celsius, 摂氏): which scale a question asks in and which scale a number is written in,
and a value said again in another unit right after it ("-5°C, which is 23°F").

Works on plain text; knows nothing about numbers' values, conversions or checks.
"""

from __future__ import annotations

import re

__all__ = ["asked_scale", "asked_unit", "in_other_units", "scale_at", "spelled_units", "written_in"]

_SPELLED: dict[str, tuple[str, ...]] = {
    "g": ("grams", "gram", "グラム"), "kg": ("kilograms", "kilogram", "キログラム"),
    "mg": ("milligrams", "milligram", "ミリグラム"),
    "m": ("meters", "meter", "metres", "metre", "メートル"),
    "km": ("kilometers", "kilometer", "kilometres", "kilometre", "キロメートル"),
    "cm": ("centimeters", "centimeter", "centimetres", "centimetre", "センチメートル"),
    "mm": ("millimeters", "millimeter", "millimetres", "millimetre", "ミリメートル"),
    "l": ("liters", "liter", "litres", "litre", "リットル"), "L": ("liters", "liter", "litres", "litre", "リットル"),
    "ml": ("milliliters", "milliliter", "millilitres", "millilitre", "ミリリットル"),
    "mL": ("milliliters", "milliliter", "millilitres", "millilitre", "ミリリットル"),
    "min": ("minutes", "minute"), "h": ("hours", "hour", "時間"), "s": ("seconds", "second", "秒"),
    "円": ("yen",), "yen": ("円",),
}
"""A unit symbol -> how answers write it out. Ambiguous short forms (キロ, 分: also 4分の3) are left out."""

_SCALES = {
    "C": re.compile(r"celsius|centigrade|摂氏|°\s?C(?![a-z])|℃", re.IGNORECASE),
    "F": re.compile(r"fahrenheit|華氏|°\s?F(?![a-z])|℉", re.IGNORECASE),
    "K": re.compile(r"kelvin|絶対温度|(?<=\d)\s?K(?![A-Za-z])"),
}
_CLAUSE_START = re.compile(r"[。.!?！？\n;；]|,\s*(?:and|but|or|which)\b|、(?:または|あるいは)")


def spelled_units(units: dict[str, float]) -> dict[str, str]:
    """For the units of a table, how answers write them out: spelled name -> the table's name
    ({"g": 1, "kg": 1000} -> {"grams": "g", "グラム": "g", "kilograms": "kg", ...}); names the table
    has itself are left to it."""
    return {spelled: name for name in units for spelled in _SPELLED.get(name, ()) if spelled not in units}


def asked_scale(question: str) -> str | None:
    """The one temperature scale the question names ("in Celsius", "摂氏何度"): C, F or K; None
    when it names none or several."""
    named = [scale for scale, pattern in _SCALES.items() if pattern.search(question)]
    return named[0] if len(named) == 1 else None


def scale_at(text: str, start: int, end: int) -> str | None:
    """The scale a number (text[start:end]) is written in: its unit right after it (212°F, 100℃,
    373 K, 100 degrees Celsius), else the last scale named before it in its clause ("華氏では212度",
    "In Fahrenheit, that is 212 degrees"); None when neither says."""
    after = text[end:end + 20]
    for scale, pattern in _SCALES.items():
        found = pattern.match(text, end) if scale == "K" else pattern.match(after.lstrip().removeprefix("degrees").lstrip())
        if found:
            return scale
    breaks = [m.end() for m in _CLAUSE_START.finditer(text, 0, start)]
    before = text[breaks[-1] if breaks else 0:start]
    named = [(m.start(), scale) for scale, pattern in _SCALES.items() for m in pattern.finditer(before)]
    return max(named)[1] if named else None


# A value restated in another unit: "-5°C, which is 23°F", "10 km (or about 6.2 miles)".
_RESTATED_IN_UNIT = re.compile(r"(?P<u1>°\s?[CF]|℃|℉|[A-Za-z]{1,12}\b)\s*,?\s*(?:which\s+is|i\.e\.|or|that's|that\s+is)\s+"
                               r"(?:about\s+|approximately\s+|roughly\s+|around\s+)?-?\d[\d,.]*\s*"
                               r"(?P<u2>°\s?[CF]|℃|℉|[A-Za-z]{1,12}\b)", re.IGNORECASE)


def in_other_units(text: str) -> list[tuple[int, int]]:
    """Where a number with a unit is said again in another unit right after it ("-5°C, which is 23°F")."""
    def unit(name: str) -> str:
        return name.replace(" ", "").lower()
    return [(m.end("u1"), m.end()) for m in _RESTATED_IN_UNIT.finditer(text)
            if re.search(r"\d\s*$", text[max(0, m.start() - 4):m.start()]) and unit(m.group("u1")) != unit(m.group("u2"))]


# The unit or counter a question asks its number in: "何時間", "何本", "in km/h", "how many hours".
_ASKED_UNIT_JA = re.compile(r"何(時間|分|秒|日|週間|か月|ヶ月|年|本|個|人|枚|匹|頭|羽|冊|台|回|歳|度|階|杯|メートル|キロメートル"
                            r"|センチメートル|グラム|キログラム|リットル)")
_UNIT_EN = (r"km/h|mph|m/s|kilometers|kilometres|km|miles|meters|metres|cm²|m²|cm|mm|kg|grams|liters|litres|ml"
            r"|hours|minutes|seconds|days|weeks|months|years")
_ASKED_UNIT_EN = re.compile(rf"\bin\s+({_UNIT_EN})(?![\w/])|\bhow\s+many\s+({_UNIT_EN})\b", re.IGNORECASE)


def asked_unit(question: str) -> str | None:
    """The unit or counter the question asks its number in ("何時間" -> 時間, "in km/h" -> km/h,
    "how many hours" -> hours), or None."""
    if match := _ASKED_UNIT_JA.search(question):
        return match.group(1)
    if match := _ASKED_UNIT_EN.search(question):
        return (match.group(1) or match.group(2)).lower()
    return None


def written_in(text: str, end: int, unit: str) -> bool:
    """The number ending at `end` is written in `unit` (an English plural also in its singular:
    "1 hour" for hours)."""
    after = text[end:end + len(unit) + 2].lstrip().lower()
    stem = unit[:-1] if unit.endswith("s") and unit.isascii() and len(unit) > 3 else unit
    return after.startswith(stem) and not (unit.isascii() and after[len(stem):len(stem) + 1].isalpha()
                                           and not after[len(stem):].startswith("s"))
