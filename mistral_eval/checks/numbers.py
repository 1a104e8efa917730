"""Numbers in answer text and the one a careful grader reads as the stated final answer.

Reads ASCII, full-width (after NFKC) and kanji numerals (三, 二十五, 千二百, 1万2千), the unit written
next to a number, and converts it through a unit table. Knows nothing about checks or expected values.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, replace

from mistral_eval.checks.asides import aside_spans, first_aside, other_case_ja, side_remark
from mistral_eval.checks.asked import (
    asks_about,
    echo_of_the_question,
    other_quantity,
    other_subject,
    other_topic_ja,
    topic_of,
)
from mistral_eval.checks.extract import (
    after_correction,
    answer_marker,
    attributed,
    clause_of,
    conditional_on_asked,
    contrasted,
    sentences,
    withdrawn,
)
from mistral_eval.checks.negation import is_negated
from mistral_eval.checks.scripts import KANJI_BLOCKS
from mistral_eval.checks.units import asked_scale, asked_unit, scale_at, spelled_units, written_in
from mistral_eval.checks.vague import alternative, ranged

__all__ = ["SYMBOLS", "Number", "Reading", "find_numbers", "final_number", "kanji_value", "normalize", "read_final"]

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
_IDEOGRAPH = re.compile(rf"[{KANJI_BLOCKS}々]")
SYMBOLS = "$¥€£"
"""Units that may stand before their number ($0.05)."""

_CONCLUSION = re.compile(r"\b(?:so|therefore|thus|hence)\b|つまり|よって|したがって|従って|結果として",
                         re.IGNORECASE)
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
    written: float = 0.0
    """The value as written, before conversion into the target unit."""


def normalize(text: str) -> str:
    """NFKC (full-width digits and signs become ASCII) with the minus sign read as '-'; a unit's power
    (cm², m³) is dropped first, so that NFKC does not make it a number (cm2)."""
    return unicodedata.normalize("NFKC", re.sub(r"(?<=[A-Za-z])[²³]", "", text)).replace("\u2212", "-")


def kanji_value(numeral: str) -> float:
    """The value of a numeral mixing kanji and ASCII digits: 二十五 -> 25, 1万2千 -> 12000, 二〇二四 -> 2024."""
    total, section, positional = 0.0, 0.0, False
    current: float | None = None
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


def _unit_of(text: str, start: int, end: int, units: dict[str, float]) -> str | None:
    after = text[end:end + 24].lstrip(" ")
    before = text[max(0, start - 2):start].rstrip(" ")
    for name in sorted(units, key=len, reverse=True):
        if name in SYMBOLS and before.endswith(name):
            return name
        rest = after[len(name):]
        inside_a_word = (name[-1].isascii() and name[-1].isalpha() and re.match("[A-Za-z]", rest)
                         and not re.match(r"e?s(?![A-Za-z])", rest))  # "g" is not "gives"; "kgs" is kg
        if after.startswith(name) and not inside_a_word:
            return name
    return None


_WORD = (r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
         r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
         r"ninety|hundred|thousand|million|billion)")
_NUMBER_WORDS = re.compile(rf"\b{_WORD}(?:(?:[\s-]+|\s+and\s+){_WORD})*\b", re.IGNORECASE)
_BELOW_ZERO = re.compile(r"^\s*(?:(?:degrees?|°)\s*(?:C|F|celsius|fahrenheit)?\s*|[℃℉]\s*)?below\s+zero", re.IGNORECASE)
_MINUS_BEFORE = re.compile(r"(?:氷点下|マイナス|零下|minus\s*)$", re.IGNORECASE)


_NOT_A_COUNT = {"the", "this", "that", "which", "each", "any", "every", "no", "some", "right", "wrong"}
# "one" after a determiner and an adjective stands for a noun ("a smaller one", "the other one").
_DETERMINERS = {"a", "an", "the", "this", "that", "each", "every", "which", "any", "another", "no", "some",
                "its", "his", "her", "their", "my", "your", "our"}


def _word_numbers(text: str) -> list[tuple[float, int, int]]:
    """English number words ("thirty-six", "one hundred and five") with their values (word2number)."""
    from word2number import w2n

    found = []
    for match in _NUMBER_WORDS.finditer(text):
        before = re.findall(r"[a-z]+", text[max(0, match.start() - 24):match.start()].lower())
        if match.group().lower() == "one" and (re.match(r"\s+(?:of|another|by|day|time)\b", text[match.end():])
                                               or (before and before[-1] in _NOT_A_COUNT)
                                               or (len(before) >= 2 and before[-2] in _DETERMINERS
                                                   and not _NUMBER_WORDS.fullmatch(before[-1]))):
            continue  # "one of them", "the one", "one another", "a smaller one": not a count
        if text[:match.start()].rstrip().lower().endswith("below"):
            continue  # "below zero" is a sign, read with the number before it
        try:
            found.append((float(w2n.word_to_num(match.group().replace("-", " "))), match.start(), match.end()))
        except ValueError:
            continue
    return found


def find_numbers(text: str, units: dict[str, float] | None = None) -> list[Number]:
    """Every number in normalised `text` (digits, kanji, English number words), with its unit from
    `units` (name -> factor into the target unit; symbols such as $ may stand before the number; a
    unit spelled out, "grams" or グラム for g, counts as it) and its value converted by that factor;
    "5 degrees below zero", 氷点下5度 and マイナス5 are negative."""
    spelled = spelled_units(units or {})
    units = {**(units or {}), **{name: (units or {})[unit] for name, unit in spelled.items()}}
    spans = [(m.start(), m.end(), m.group()) for m in _NUMERAL.finditer(text) if _is_number(text, m)]
    taken = [(start, end) for start, end, _ in spans]
    words = [(value, start, end) for value, start, end in _word_numbers(text)
             if not any(a < end and start < b for a, b in taken)]
    found = []
    for start, end, written in spans:
        value = kanji_value(written.lstrip("-")) * (-1 if written.startswith("-") else 1)
        found.append(_with_unit(text, start, end, value, units))
    found += [_with_unit(text, start, end, value, units) for value, start, end in words]
    found = [replace(n, unit=spelled.get(n.unit, n.unit)) if n.unit else n for n in found]
    return _compound(text, sorted(found, key=lambda n: n.start), units)


def _only_a_unit(gap: str, units: dict[str, float]) -> bool:
    """Between two numbers, only the first's unit ("時間", " hours and ")."""
    return re.sub(r"\s*(?:and)?\s*$", "", gap).strip() in units


def _compound(text: str, numbers: list[Number], units: dict[str, float]) -> list[Number]:
    """A quantity written in two units, the larger first and the rest less than one of it (1時間30分,
    1 hour and 30 minutes, 1 kg 200 g), as one number: their sum."""
    merged: list[Number] = []
    for number in numbers:
        last = merged[-1] if merged else None
        if (last and last.unit and number.unit and 0 < number.value < units[last.unit]
                and units[last.unit] > units[number.unit]
                and _only_a_unit(text[last.end:number.start], units)):
            merged[-1] = Number(last.value + number.value, last.start, number.end, number.unit,
                                last.value / units[number.unit] + number.written)
        else:
            merged.append(number)
    return merged


def _with_unit(text: str, start: int, end: int, value: float, units: dict[str, float]) -> Number:
    if value > 0 and (_MINUS_BEFORE.search(text[max(0, start - 8):start])
                      or _BELOW_ZERO.match(text[end:end + 30])):
        value = -value
    unit = _unit_of(text, start, end, units)
    return Number(value * (units[unit] if unit else 1), start, end, unit, value)


def _after_equals(text: str, number: Number) -> bool:
    return text[max(0, number.start - 8):number.start].rstrip().endswith("=")


_COPULA = re.compile(r"=|\b(?:is|are|was|equals|makes|gives|comes\s+to|totals?|be|get|gets|got|leaves|yields)\b"
                     r"|(?<=[はがで])(?=\s*\S)",
                     re.IGNORECASE)
_CONVERSION = re.compile(r"\b(?:which\s+is\s+(?:equivalent|equal|the\s+same)|equivalent\s+to|i\.e\.|"
                         r"or\s+about|that\s+is)\b|(?:つまり約|すなわち|換算すると)", re.IGNORECASE)

# A relative or appositive clause right after the number the main clause states ("… is 90, which is 75% of
# …") describes it; after an expression ("25% of $40, which is $10") it gives the value.
_RELATIVE = re.compile(r",\s*which\b", re.IGNORECASE)


# Japanese is head-final: the number right before the sentence's closing copula is what it states
# (…500円から360円を引いた140円です).
_PREDICATE_JA = re.compile(r"\s*[^\d\s。、,.!?！？]{0,3}?(?:です|でした|だ|になります|となります|になる|となる"
                           r"|残ります|残る|残りました|あります|ある|います|いる|かかります|かかる)"
                           r"(?:ね|よ)?\s*[*]*\s*(?:[。！!]|\n|$)")


Given = frozenset[tuple[float, "str | None"]]
"""The question's numbers as (value as written, unit): what the answer may only restate."""


def _in_segment(text: str, numbers: list[Number], start: int, given: Given = frozenset()) -> Number | None:
    """From `start` to the end of its sentence: the number right before a Japanese sentence's closing
    copula (…140円です); else the first number after the last '=' or copula ("is", "equals", は) that
    has one, else the first number; else the first number anywhere after `start`.
    A conversion after the answer ("which is equivalent to 212 °F") is left out, and so are the
    question's numbers (`given`) when the segment has others ("36, which is three times 12")."""
    end_match = _SENTENCE_END.search(text, start)
    end = end_match.start() if end_match else len(text)
    conversion = _CONVERSION.search(text, start, end)
    stop = conversion.start() if conversion else end
    relative = _RELATIVE.search(text, start, stop)
    stated = [n for n in numbers if start <= n.start < (relative.start() if relative else 0)]
    if (relative and stated and not _restated(stated[-1], given) and not text[stated[-1].end:relative.start()].strip()
            and re.search(r"(?:\b(?:is|are|was|equals)|=)\s*[$¥€£]?\s*$", text[max(0, stated[-1].start - 12):stated[-1].start])):
        stop = relative.start()  # "3/4 of 120 is 90, which is 75% of the original amount"
    inside = [n for n in numbers if start <= n.start < stop]
    inside = [n for n in inside if not _restated(n, given)] or inside
    predicate = [n for n in inside if (closing := _PREDICATE_JA.match(text, n.end)) and closing.end() >= end]
    if predicate:
        return predicate[-1]
    for copula in reversed(list(_COPULA.finditer(text, start, end))):
        after = [n for n in inside if n.start >= copula.end()]
        if after:
            return after[0]
    later = [n for n in numbers if n.start >= start]
    return (inside or later)[0] if inside or later else None


@dataclass(frozen=True)
class Reading:
    """The stated final number as a grader reads it, or why none can be read with confidence."""

    number: Number | None
    how: str
    unit_found: bool
    doubt: str | None = None
    """Why the reading is uncertain (signals conflict), or None."""
    vague: str | None = None
    """Why the answer commits to no single number (it gives a range), or None: a grader marks it wrong."""


def _excluded(number: Number, asides: list[tuple[int, int]]) -> bool:
    return any(a <= number.start < b for a, b in asides)


def _parallel(text: str, numbers: list[Number], question: str) -> Reading | None:
    """Two last sentences (or contrasted halves of one) that each state one different number in the
    same frame ("The ball costs 50 yen. The bat costs 1050 yen.", "うるう年は366日です。平年は365日です。",
    "A regular year has 365 days, while a leap year has 366 days."): the one whose topic
    the question asks about; a Reading with a doubt when the question does not tell; None when the
    last sentences are not parallel."""
    stated = [(s, [n for n in numbers if s.start <= n.start < s.end]) for s in contrasted(text)]
    stated = [(s, inside) for s, inside in stated if inside]
    if len(stated) < 2 or len(stated[-1][1]) != 1 or len(stated[-2][1]) != 1:
        return None
    (first, [a]), (second, [b]) = stated[-2], stated[-1]
    if a.value == b.value or a.unit != b.unit or "=" in first.text + second.text:
        return None
    frames = [re.sub(r"\d[\d,.]*", "#", s.text[:n.start - s.start]) for s, n in ((first, a), (second, b))]
    if not (topic_of(first.text) and topic_of(second.text) and topic_of(first.text) != topic_of(second.text)):
        return None
    if difflib.SequenceMatcher(None, frames[0], frames[1]).ratio() < 0.5 and text[a.end:a.end + 2] != text[b.end:b.end + 2]:
        return None
    asked = [s.text.lower() for s in sentences(question) if s.text.rstrip().endswith(("?", "？"))]
    where = asked[-1] if asked else question.lower()
    chosen = [(s, n) for s, n in ((first, a), (second, b)) if asks_about(topic_of(s.text), where)]
    if len(chosen) == 1:
        return Reading(chosen[0][1], f"in the sentence about {topic_of(chosen[0][0].text)!r}, which the question asks",
                       bool(chosen[0][1].unit))
    return Reading(None, "", False, f"two parallel statements give {a.value:g} and {b.value:g}")


_LISTING_JA = re.compile(r"\d[^\d\s。、]{0,3}、[^、。]{1,12}?(?:は|=)")


def _echoed(text: str, numbers: list[Number], question: str, given: Given) -> Reading | None:
    """The number of the last sentence that restates what the question asks and states one number
    besides the question's own ("おつりは140円です。…", "You get 140 yen back. …"): it states the
    answer when what follows only works it out again from the question's numbers. A sentence with
    more new numbers, or one followed by a sentence that goes on to new numbers ("Tom has 8 apples
    after buying 3. After eating 2, he has 6."), is left to the other rules."""
    echo = echo_of_the_question(question) if question else None
    if echo is None:
        return None
    for match in reversed(list(echo.finditer(text))):
        sentence = next((s for s in sentences(text) if s.start <= match.start() < s.end), None)
        clause = clause_of(text, match.start(), match.end())
        if sentence is None or attributed(clause.text) or side_remark(sentence.text):
            continue
        # The answer's own earlier numbers (360 of "120 × 3 = 360円") are worked, not new: a closing
        # sentence that only says them again ("つまり、500円を払って360円の買い物をした") goes on no further.
        before = given | {(n.written, n.unit) for n in numbers if n.start < sentence.start}
        if _goes_on(text, numbers, sentence.end, given | {(n.written, n.unit) for n in numbers
                                                          if n.start < sentence.end}, question):
            return None
        # The echo binds to its clause: "The ball costs 50 yen, so the bat costs 1,050 yen" (English),
        # "ボールは50円、バットは1050円です" (a Japanese listing: a new topic after the number's comma).
        listing = _LISTING_JA.search(text, match.end(), sentence.end)  # starts at the item's last digit
        ends = ([clause.end] if match.group().isascii() else []) + ([listing.start() + 1] if listing else [])
        ends.append(sentence.end)
        for end in ends:
            stated = [n for n in numbers if match.end() <= n.start < end and not _restated(n, given)]
            # an earlier result worked on again (おつりは 500 - 360 = 140円) is an operand, not the answer
            stated = [n for n in stated if not (_restated(n, before) and _OPERAND.match(text, n.end))] or stated
            if len({n.value for n in stated}) == 1:
                return Reading(stated[-1], f"in the sentence that restates the question's {match.group().strip()!r}",
                               bool(stated[-1].unit))
        if any(match.end() <= n.start < sentence.end and not _restated(n, given) for n in numbers):
            return None
    return None


# The topic of a Japanese clause, after a conclusion word that opens it (つまり、参加しなかった生徒は…).
_OPENER_JA = re.compile(r"^[\s*]*(?:つまり|すなわち|よって|したがって|従って|結局|なので|だから|そのため)?[、,]?\s*")


def _asked_restated(sentence: str, question: str, given: Given, table: dict[str, float]) -> int | None:
    """Where, in `sentence`, its restatement of the asked quantity ends: the question's asked phrase
    (母親は, おつりは: asked.echo_of_the_question), or a Japanese topic made only of the question's
    numbers (120人の3/4は for 120人のうち3/4); None when it restates neither."""
    echo = echo_of_the_question(question) if question else None
    if echo and (match := echo.search(sentence)) and not attributed(sentence):
        return match.end()
    topic = _TOPIC_JA.match(_OPENER_JA.sub("", sentence, count=1))
    if topic:
        inside = find_numbers(normalize(topic.group(1)), table)
        if inside and all(_restated(n, given) for n in inside):
            return sentence.index(topic.group(0)) + len(topic.group(0))
    return None


_TOPIC_JA = re.compile(r"^([^。、はが]{1,16}?)は")


def _other_noun_ja(text: str, number: Number, question: str) -> bool:
    """The number is said of another noun than the asked one: the topic of its clause (from the last
    、 before it, past a conclusion word) is a noun phrase the question does not name (母親との年齢差は24歳,
    参加しなかった生徒は30人)."""
    start = max(text.rfind(mark, 0, number.start) for mark in "、。\n")
    clause = _OPENER_JA.sub("", text[start + 1:number.start], count=1)
    return other_topic_ja(clause, question)


def _committed(text: str, numbers: list[Number], question: str, given: Given) -> Reading | None:
    """The committed answer: the number of the last sentence that restates the asked quantity (its
    asked noun, 母親は; or its own numbers as the topic, 120人の3/4は), when every number the later
    sentences add is said of another noun (母親との年齢差は24歳, つまり、参加しなかった生徒は30人) or is
    the answer's own earlier one; a later sentence that restates the asked quantity commits again.
    None when a later sentence adds a number of no other noun (it may go on working: other rules)."""
    if not question:
        return None
    table = {n.unit: n.value / n.written for n in numbers if n.unit and n.written}
    spans = sentences(text)
    for i in reversed(range(len(spans))):
        sentence = spans[i]
        end = _asked_restated(sentence.text, question, given, table)
        if end is None:
            continue
        chosen = _in_segment(text, numbers, sentence.start + end, given)
        if chosen is None or not (sentence.start <= chosen.start < sentence.end) or _restated(chosen, given):
            return None
        said = given | {(n.written, n.unit) for n in numbers if n.start < sentence.end}
        later = [n for n in numbers if n.start >= sentence.end and not _restated(n, said)]
        if later and all(_other_noun_ja(text, n, question) for n in later):
            return Reading(chosen, "in the sentence that restates the asked quantity; later numbers are of "
                                   "other nouns", bool(chosen.unit))
        return None
    return None


_OPERAND = re.compile(r"[^\d\s。、,.!?！？]{0,3}\s*[-+×÷*/=]")
"""After a number (with its unit), an arithmetic operator or '=': the number is worked on."""


def _goes_on(text: str, numbers: list[Number], start: int, given: Given, question: str = "") -> bool:
    """A sentence after `start` states new numbers as often as the question's: it goes on working,
    rather than only showing where the answer came from. A sentence about another case does not go
    on: a quantity the question does not give under a conditional (2ダースなら24個), the asked
    verb said of another subject ("A pentagon has five"), another quantity as its subject ("Its
    perimeter would be 26 cm", "周りの長さは26cmです")."""
    for sentence in sentences(text[start:]):
        if (other_case_ja(sentence.text, question, {v for v, _ in given})
                or (question and (other_subject(question, sentence.text) or other_topic_ja(sentence.text, question)))):
            continue
        inside = [n for n in numbers if start + sentence.start <= n.start < start + sentence.end]
        new = sum(not _restated(n, given) for n in inside)
        if new and new >= len(inside) - new:
            return True
    return False


# ", which leaves 6", ", leaving $8": what remains after the main clause's quantity.
_LEAVING = re.compile(r",\s*(?:which\s+leaves|leaving)\b", re.IGNORECASE)
_ASKS_WHAT_REMAINS = re.compile(r"\b(?:left|leftover|remain\w*|rest|change|still)\b|残", re.IGNORECASE)


def _left_over(text: str, numbers: list[Number], start: int, chosen: Number, given: Given,
               question: str) -> str | None:
    """Why the number of a remainder clause ("18 students passed, which leaves 6 who did not") may
    not be the answer, or None: the main clause states a new number of its own, and the question
    does not ask what remains; which of the two it asks, the sentence does not tell."""
    end = _SENTENCE_END.search(text, start)
    leaving = _LEAVING.search(text, start, end.start() if end else len(text))
    if leaving is None or _ASKS_WHAT_REMAINS.search(question):
        return None
    main = [n for n in numbers if start <= n.start < leaving.start() and not _restated(n, given)]
    left = [n for n in numbers if leaving.end() <= n.start < (end.start() if end else len(text))]
    if not main or not left or main[-1].value == left[0].value or chosen not in (main[-1], left[0]):
        return None
    return (f"the last sentence states {main[-1].value:g}, then what remains ({left[0].value:g}); "
            f"which the question asks cannot be told")


def _denied_after(text: str, start: int, table: dict[str, float]) -> bool:
    """Every number in the sentence from `start` (an answer marker's) is denied: "答えは6本…ではありません",
    "The answer is 6, not …" is not (6 is asserted)."""
    end = _SENTENCE_END.search(text, start)
    inside = [n for n in find_numbers(text, table) if start <= n.start < (end.start() if end else len(text))]
    return bool(inside) and all(is_negated(text, n.start, n.end) for n in inside)


# One part of a total, with its own noun: "りんごが4個", "9 are chocolate chip", "5 oatmeal".
_PART_JA = re.compile(r"^\s*[^\d\s、。]{1,12}[がは]\s*\d")
_PART_EN = re.compile(r"^\s*(?:of\s+(?:these|them|those)\s+)?\d[\d.,]*\s+(?:(?:are|is|were|was)\b|[a-z-]+\s*[.!]?\s*$)",
                      re.IGNORECASE)


def _parts_listed(sentence: str) -> bool:
    """Every piece of `sentence` (split at 、 , ; and 'and') that holds a number names its own part."""
    pieces = [p for p in re.split(r"、|,|;|\band\b", sentence) if re.search(r"\d", p)]
    return len(pieces) >= 2 and all(_PART_JA.match(p) or _PART_EN.match(p) for p in pieces)


def _breakdowns(text: str, numbers: list[Number]) -> list[tuple[int, int]]:
    """Sentences that break the total the sentence before states into its parts ("残りは6つです。りんごが
    4個、バナナが2本です。", "14 are left. 9 are chocolate chip and 5 are oatmeal."): two or more numbers,
    none worked on (no operator or '='), that add up to a number of the sentence before. Their parts
    are not the answer."""
    spans, found = sentences(text), []
    for before, sentence in zip(spans, spans[1:]):
        parts = [n for n in numbers if sentence.start <= n.start < sentence.end]
        totals = {n.value for n in numbers if before.start <= n.start < before.end}
        if (len(parts) >= 2 and not re.search(r"[-+×÷*/=]", sentence.text) and _parts_listed(sentence.text)
                and any(abs(sum(n.value for n in parts) - total) < 1e-9 for total in totals)):
            found.append((sentence.start, sentence.end))
    return found


def _restated(number: Number, given: Given) -> bool:
    return (number.written, number.unit) in given


def read_final(text: str, unit: str | None = None, units: dict[str, float] | None = None,
               question: str = "") -> Reading | None:
    """The stated final answer of normalised `text` (see `final_number`), read from the text after
    the last self-correction, leaving out asides (parentheses, "if you meant …") and, at the end,
    sentences that only restate the question's numbers. None when there is no number; a vague
    Reading when the answer gives a range (5〜6個, 365–366 days: it commits to no single number); a
    Reading with a doubt when it gives parallel statements the question does not choose between, or
    ends on a quantity of the question in another unit ("2 kg" for "2 kg in g?") after other numbers;
    a vague Reading when it says no number but the question's own quantities (it never converts)."""
    reading = _read(text, unit, units, question)
    chosen = reading.number if reading else None
    if reading and chosen and (doubt := _only_if_meant(text, chosen, question)):
        return Reading(None, "", reading.unit_found, doubt)
    if reading and chosen and ranged(text, chosen.start, chosen.end):
        return Reading(chosen, reading.how, reading.unit_found,
                       vague=f"the answer gives a range from {text[chosen.start:chosen.end]}, not one number")
    if chosen and (other := alternative(text, chosen.start, chosen.end)):
        return Reading(chosen, reading.how if reading else "", reading.unit_found if reading else False,
                       vague=f"the answer gives alternatives, {text[chosen.start:chosen.end]} or {other}, "
                             f"not one number")
    if chosen and chosen.unit and unit and chosen.unit != unit and question:
        table = {**{unit: 1.0}, **(units or {})}
        asked = {(n.written, n.unit) for n in find_numbers(normalize(question), table)}
        if (chosen.written, chosen.unit) in asked:
            written = text[chosen.start:chosen.end]
            if all((n.written, n.unit) in asked for n in find_numbers(text, table)):
                # Nothing but the question's own quantities: it never converts (a grader marks it wrong).
                return Reading(chosen, reading.how if reading else "", True,
                               vague=f"the answer only restates the question's {written} {chosen.unit} "
                                     f"and gives no value in {unit}")
            return Reading(chosen, reading.how if reading else "", True,
                           f"the answer restates the question's {written} {chosen.unit} instead of giving {unit}")
    return reading


def _only_if_meant(text: str, chosen: Number, question: str) -> str | None:
    """Why the reading is doubtful when `chosen` stands only in an "if you meant <the asked case>"
    sentence after an answer with numbers of its own ("3 hours is 10,800 seconds. If you meant
    minutes, it would be 180 minutes."): graders differ on whether that answers the question."""
    sentence = next((s for s in sentences(text) if s.start <= chosen.start < s.end), None)
    if sentence is None or not conditional_on_asked(sentence.text, question):
        return None
    given = {n.written for n in find_numbers(normalize(question))}
    if not any(n.written not in given for n in find_numbers(text[:sentence.start])):
        return None
    return (f"{text[chosen.start:chosen.end]} is given only under {sentence.text.strip()[:30]!r}…, after a main "
            f"answer in other terms; whether that answers the question cannot be told")


def _read(text: str, unit: str | None = None, units: dict[str, float] | None = None,
               question: str = "") -> Reading | None:
    """`read_final` before its last look at restated quantities."""
    table = {**({unit: 1.0} if unit else {}), **(units or {})}
    cut = after_correction(text)
    while cut and not find_numbers(text[cut:], table):  # an admission after the corrected value ("計算を間違えました")
        cut = after_correction(text[:cut])
    if cut:
        text = " " * cut + text[cut:]
    numbers = [n for n in find_numbers(text, table) if n.start >= cut]
    if not numbers:
        return None
    every = numbers  # a breakdown's parts may be in other counters than the asked one (5個、3枚)
    scale = asked_scale(question)
    if scale:  # the question asks in one scale: the same value in another is a conversion
        numbers = [n for n in numbers if scale_at(text, n.start, n.end) in (scale, None)] or numbers
    counter = None if unit else asked_unit(question)
    if counter:  # the question asks in one unit ("何時間", "in km/h"): a value in another is a conversion
        numbers = [n for n in numbers if written_in(text, n.end, counter)] or numbers
    asides = aside_spans(text)
    asides += [(s.start, s.end) for i, s in enumerate(sentences(text))  # 1000円札で払うとおつりは400円です
               if i and other_case_ja(s.text, question, {n.written for n in find_numbers(normalize(question), table)})]
    # After the answer, a sentence that opens on another quantity than the asked one ("Its perimeter would be 12 cm.")
    asides += [(s.start, s.end) for i, s in enumerate(sentences(text)) if i and other_quantity(question, s.text)]
    asides += _breakdowns(text, every)
    numbers = [n for n in numbers if not _excluded(n, asides)] or numbers
    with_unit = [n for n in numbers if n.unit]
    numbers = with_unit or numbers
    numbers = [n for n in numbers if not is_negated(text, n.start, n.end)] or numbers
    given: Given = frozenset((n.written, n.unit) for n in find_numbers(normalize(question), table))
    found = bool(with_unit)
    marker = answer_marker(text)
    if marker and withdrawn(text, marker):
        # "The intuitive answer is 10 cents. Hmm, but that's not right": its value is not the answer's own
        end = _SENTENCE_END.search(text, marker.end())
        numbers = [n for n in numbers if not marker.end() <= n.start < (end.start() if end else len(text))] or numbers
        marker = None
    if marker and _denied_after(text, marker.end(), table):
        marker = None  # "答えは6本…ではありません": the marked value is withdrawn
    if marker and (chosen := _in_segment(text, numbers, marker.end())):
        return Reading(chosen, f"after {marker.group().strip()!r}", found)
    for emphasis in reversed(list(_EMPHASIS.finditer(text))):
        inside = [n for n in numbers if emphasis.start() <= n.start < emphasis.end()]
        # A bold sentence restates the question's quantity as its subject ("**So 12 pens cost $8.**").
        inside = [n for n in inside if not _restated(n, given)] or inside
        if inside:
            results = [n for n in inside if _after_equals(text, n)]
            return Reading(results[-1] if results else inside[0], "in bold", found)
    if committed := _committed(text, numbers, question, given):
        return Reading(committed.number, committed.how, found)
    if echoed := _echoed(text, numbers, question, given):
        return Reading(echoed.number, echoed.how, found)
    aside = first_aside(text)
    if aside and any(n.start < aside.start() for n in numbers):
        numbers, text = [n for n in numbers if n.start < aside.start()], text[:aside.start()]
    new = [n for n in numbers if not _restated(n, given)]
    if new and given:
        last_new = new[-1]
        end_of_its_sentence = _SENTENCE_END.search(text, last_new.end)
        stop = end_of_its_sentence.end() if end_of_its_sentence else len(text)
        numbers, text = [n for n in numbers if n.start < stop], text[:stop]
    stated = given
    conclusions = list(_CONCLUSION.finditer(text))
    if conclusions and (chosen := _in_segment(text, numbers, conclusions[-1].end(), stated)):
        return Reading(chosen, f"after {conclusions[-1].group()!r}", found)
    parallel = _parallel(text, numbers, question)
    if parallel is not None:
        return parallel if parallel.number is not None else Reading(None, "", found, parallel.doubt)
    sentence_of_last = [s for s in sentences(text) if s.start <= numbers[-1].start < s.end]
    start = sentence_of_last[0].start if sentence_of_last else 0
    chosen = _in_segment(text, numbers, start, stated)
    if chosen is None:
        return None
    if doubt := _left_over(text, numbers, start, chosen, stated, question):
        return Reading(None, "", found, doubt)
    line = text.count("\n", 0, numbers[-1].start)
    last_line = [n for n in numbers if text.count("\n", 0, n.start) == line]
    equals = [n for n in last_line if _after_equals(text, n)]
    if equals and equals[-1].start >= chosen.start:
        return Reading(equals[-1], "after the last '=' of the last line with a number", found)
    return Reading(chosen, "in the last sentence with a number", found)


def final_number(text: str, unit: str | None = None, units: dict[str, float] | None = None,
                 question: str = "") -> tuple[Number, str, bool] | None:
    """The stated final answer of normalised `text`, how it was found, and whether a unit was found.

    In order: the number after the last answer marker ("the answer is", "答えは"); the last bold or
    boxed number; the one number of the sentence that restates what the question asks ("おつりは
    140円です", "You get 140 yen back") when what follows only works it out again; then, leaving out
    a check, justification, comparison or note that follows the answer ("Check:", "because",
    "確認", "by contrast", "ちなみに", "Note:") and trailing sentences that only restate the
    question's numbers, the number after the last conclusion word ("so", "therefore", "つまり"),
    else the last '= X' of the last line with a number, else the number stated in the last sentence
    with one (in a Japanese sentence, the one before its closing copula: …140円です). Only the text
    after the last self-correction counts; in a bold span, the question's own quantities count only
    when it has no other ("**So 12 pens cost $8.**"); numbers in parentheses, "if you meant …", counterfactual
    and proviso sentences (If it were …, ただし…), restatements in other terms (これは…に相当します,
    -5°C, which is 23°F) and values in a temperature scale other than the one the question asks in
    are asides. Numbers with `unit` (or a unit of `units`, also spelled out: grams) win when there
    are any; denied numbers ("not 41", "5本ではありません") never count.
    """
    reading = read_final(text, unit, units, question)
    if reading is None or reading.number is None:
        return None
    return reading.number, reading.how, reading.unit_found
