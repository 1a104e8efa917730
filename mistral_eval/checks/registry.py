"""Checks that score one answer string: small named factories sharing `check(answer, context=None) -> CheckResult`.

Scoring knows nothing about models, prompts or files: it sees only the answer text and a check spec.
`make_check` validates a spec's parameters against the factory's annotations with pydantic.
Model-written code never runs in this process: the `python` check (code_check.py) runs it in the
sandbox (sandbox.py) and compares the values it returns in the harness.

Deferred check types (`DEFERRED`: `judge`) are validated with the others but not run by `run_checks`:
they mark the case for a later stage (`mistral-eval judge`, judge.py), which reads the spec itself.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
import typing
import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError, validate_call

from mistral_eval.checks.addressed import repeats_given, unaddressed
from mistral_eval.checks.base import Check, CheckContext, CheckResult, clip_text as _clip
from mistral_eval.checks.code_check import python
from mistral_eval.checks.commitment import modifies_another_noun, possessive
from mistral_eval.checks.committed import nfkc_folded
from mistral_eval.checks.comparison import never_compares
from mistral_eval.checks.extract import copied_from
from mistral_eval.checks.japanese import chinese_words, japanese_form, kana_spellings, kanji_compounds
from mistral_eval.checks.mentions import (
    affirmed,
    best_standing,
    committed_reading,
    in_view_and_again,
    latin_edges,
    latin_folded,
    mention_spans,
    mention_standing,
    only_classified,
    other_form,
    why_uncommitted,
    why_unsure,
    why_withheld,
)
from mistral_eval.checks.numbers import SYMBOLS as _SYMBOLS, normalize, read_final
from mistral_eval.checks.repetition import repetitions
from mistral_eval.checks.scripts import CJK, JAPANESE, KANA, KANA_CHAR, KANJI
from mistral_eval.checks.verdicts import BOTH_WAYS, declines, read_verdict
from mistral_eval.core.choices import SINGLE_RUBRICS
from mistral_eval.core.errors import ConfigError

__all__ = ["CHECKS", "DEFERRED", "Check", "CheckResult", "boolean", "contains", "degenerate", "equals",
           "japanese", "japanese_share", "judge", "judge_spec", "make_check", "make_checks", "number",
           "python", "regex", "run_checks"]


Share = Annotated[float, Field(ge=0, le=1)]
Context = CheckContext | typing.Mapping[str, typing.Any] | str | None


# Strict: YAML's 3 is a float but "3" and true are not; no inf or nan anywhere.
_STRICT = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)


def _describe(name: str, factory: Callable[..., Check], error: ValidationError) -> ConfigError:
    """All of pydantic's complaints about one check in one message; the field is the first's."""
    takes = list(inspect.signature(factory).parameters)
    problems: dict[str, list[str]] = {}
    # An unknown key first: it is usually a typo that also makes the real parameter "missing".
    for item in sorted(error.errors(), key=lambda e: e["type"] != "unexpected_keyword_argument"):
        param = str(item["loc"][0]) if item["loc"] else "?"
        where = param + "".join(f"[{p}]" for p in item["loc"][1:] if isinstance(p, int))
        if item["type"] == "unexpected_keyword_argument":
            close = difflib.get_close_matches(param, takes, n=1)
            text = (f"check {name!r} has no parameter {param!r}"
                    + (f" (did you mean {close[0]!r}?)" if close else "") + f"; it takes {', '.join(takes)}")
        elif item["type"] == "missing_argument":
            text = f"{param}: check {name!r} needs this parameter"
        else:
            text = f"{where}: {item['msg']}, got {item['input']!r}"
        if text not in problems.setdefault(param, []):
            problems[param].append(text)
    first = next(iter(problems))
    return ConfigError("; ".join(t for texts in problems.values() for t in texts), field=first)


@functools.cache
def _validated(factory: Callable[..., Check]) -> Callable[..., Check]:
    """`factory` with its parameters checked against its annotations; errors become `ConfigError`."""
    if getattr(factory, "validates_params", False):
        return factory
    strict = validate_call(config=_STRICT)(factory)

    @functools.wraps(factory)
    def build(*args: typing.Any, **kwargs: typing.Any) -> Check:
        try:
            return strict(*args, **kwargs)
        except ValidationError as error:
            raise _describe(factory.__name__, factory, error) from None
    build.validates_params = True  # type: ignore[attr-defined]
    return build


@_validated
def equals(expected: str, ignore_case: bool = False, strip: bool = True) -> Check:
    """The whole answer equals `expected` (after stripping whitespace, by default)."""

    def norm(text: str) -> str:
        text = text.strip() if strip else text
        return text.casefold() if ignore_case else text

    def check(answer: str, context: Context = None) -> CheckResult:
        passed = norm(answer) == norm(expected)
        verb = "equals" if passed else "differs from"
        return CheckResult("equals", passed, float(passed),
                           f"answer {_clip(answer)} {verb} expected {_clip(expected)}.")
    return check


@_validated
def contains(expected: str | Annotated[list[str], Field(min_length=1)], all: bool = True,
             ignore_case: bool = False, negation_aware: bool = True) -> Check:
    """The answer contains every (`all=True`) or any (`all=False`) of the expected strings.

    With `negation_aware` (default), an occurrence the answer does not assert does not count: denied
    in its clause ("X is not the …", "東京ではなく", "東京ではありません"; "東京ではないでしょうか" still
    affirms), attributed to others ("Xと思う人もいますが"), or one of a list of candidates ("It could
    be X, Y or Z"); turn it off when the expected text may itself stand in a negative sentence. The
    question (the context's prompt) tells an identity denied ("X is not a capital city") from a
    property ("X is not a quiet city"). Uncertain when the answer turns on a mention whose denial's
    scope cannot be told ("X does not …, but Y …"), or when it writes only another inflection of an
    English word (closes for closed). A kanji word also counts when the answer writes it in kana
    (東京: とうきょう), a katakana word ending in ー also without it (コンピュータ).
    """
    needles = [expected] if isinstance(expected, str) else list(expected)
    require_all = all
    flags = re.IGNORECASE if ignore_case else 0

    def check(answer: str, context: Context = None) -> CheckResult:
        question = CheckContext.of(context).prompt
        standing = {n: best_standing(answer, mention_spans(answer, n, flags), negation_aware, question) for n in needles}
        found = [n for n in needles if standing[n] == "asserted"]
        if negation_aware and len(needles) == 1:  # one thing asked: the answer's committed value decides
            spans = [span for span in mention_spans(answer, needles[0], flags)
                     if mention_standing(answer, *span, question) == "asserted"]
            folded = nfkc_folded(needles[0])
            reading = committed_reading(answer, spans, question,
                                        lambda text: re.search(re.escape(folded), text, flags) is not None)
            if reading is not None:
                return CheckResult("contains", reading[0], float(reading[0]), f"{reading[1]}.")
        if negation_aware and len(needles) == 1 and found:  # one thing asked: only the committed answer counts
            kept = [span for span in mention_spans(answer, needles[0], flags)
                    if mention_standing(answer, *span, question) == "asserted"]
            if why := why_uncommitted(answer, kept, question) or why_withheld(answer, kept, question):
                return CheckResult("contains", False, 0.0, f"{why}.")
            if classified := only_classified(answer, kept, question):
                return CheckResult.uncertain("contains", f"{classified}.", 0.0)
            if unsure := why_unsure(answer, kept, question):
                return CheckResult.uncertain("contains", f"{unsure}.", 0.0)
        repeated = [n for n in found if negation_aware and in_view_and_again(answer, mention_spans(answer, n, flags))]
        if repeated:
            return CheckResult.uncertain("contains", f"{', '.join(map(repr, repeated))} stands both in a view the answer "
                                                     "attributes to others and in its own words; which is its "
                                                     "claim cannot be told.", 0.0)
        unresolved = [n for n in needles if standing[n] == "unresolved"]
        missing = [n for n in needles if n not in found]
        passed = not missing if require_all else bool(found)
        score = len(found) / len(needles) if require_all else float(passed)
        forms = {n: form for n in missing if n not in unresolved and (form := other_form(answer, n))}
        if forms and (set(missing) <= set(forms) if require_all else not found):
            return CheckResult.uncertain("contains", "the answer writes another form of "
                                         + ", ".join(f"{n!r} ({f!r})" for n, f in forms.items())
                                         + "; whether that form counts cannot be told.", score)
        if unresolved and (set(missing) <= set(unresolved) if require_all else not found):
            return CheckResult.uncertain("contains", f"the scope of a denial near {', '.join(map(repr, unresolved))} "
                                                     "cannot be told (a denied clause, then a main clause with "
                                                     "another subject).", score)
        detail = f"; missing or denied {', '.join(map(repr, missing))}" if missing else ""
        need = "all" if require_all else "any"
        return CheckResult("contains", passed, score,
                           f"found {len(found)} of {len(needles)} expected strings (needs {need}){detail}.")
    return check


_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def _kanji_literals(pattern: str) -> list[str]:
    """The alternatives of a pattern such as 富士|Fuji that are plain words written with kanji."""
    words = pattern.split("|")
    if any(re.escape(word) != word for word in words):
        return []
    return [word for word in words if KANJI.search(word)]


@_validated
def regex(pattern: str, flags: Annotated[str, Field(pattern=r"^[imsx]*$")] = "",
          negation_aware: bool = True) -> Check:
    """`re.search(pattern)` finds a match; `flags` is letters from "imsx". With `negation_aware`
    (default), a match the answer does not assert (see `contains`) does not count, and one whose
    denial's scope cannot be told makes it uncertain. A pattern of plain
    words (富士|Fuji) also matches a kanji word written in kana (ふじさん), read by morphology."""
    try:
        compiled = re.compile(pattern, sum(_REGEX_FLAGS[f] for f in set(flags)))
    except re.error as error:
        raise ConfigError(f"pattern {pattern!r} does not compile: {error}", field="pattern") from None

    kanji_words = _kanji_literals(pattern)
    edges = latin_edges(pattern)  # \b also between a Latin word and kana or kanji ("答えはAです")
    edged = re.compile(edges, compiled.flags) if edges else None
    # plain words (Canberra|キャンベラ, \bTokyo\b) name an answer; character classes check a form
    names = all(re.fullmatch(r"(?:\\b)?[^\\\[\]().*+?{}^$]+(?:\\b)?", word) for word in pattern.split("|"))

    def check(answer: str, context: Context = None) -> CheckResult:
        question = CheckContext.of(context).prompt
        matches = (list(compiled.finditer(answer)) or list(compiled.finditer(latin_folded(answer)))
                   or list(compiled.finditer(nfkc_folded(answer)))
                   or (list(edged.finditer(answer)) if edged else []))
        standings = [best_standing(answer, [m.span()], negation_aware, question) for m in matches]
        asserted = [m for m, standing in zip(matches, standings, strict=True) if standing == "asserted"
                    and not (negation_aware and modifies_another_noun(answer, *m.span()))]
        kept = [m for m in asserted if not (negation_aware and possessive(answer, *m.span()))]
        reading = committed_reading(answer, [m.span() for m in kept] if names else [], question,
                                    lambda text: compiled.search(text) is not None) if negation_aware else None
        if reading is not None:
            return CheckResult("regex", reading[0], float(reading[0]), f"{reading[1]} for /{pattern}/.")
        if asserted and not kept:
            return CheckResult.uncertain("regex", f"found {_clip(asserted[0].group())} only as a possessive (of "
                                                  f"something else the answer names) for /{pattern}/.")
        unresolved = [m for m, standing in zip(matches, standings, strict=True) if standing == "unresolved"]
        why = (why_uncommitted(answer, [m.span() for m in kept], question, names)
               or why_withheld(answer, [m.span() for m in kept], question, names)) if negation_aware else None
        if why:
            return CheckResult("regex", False, 0.0, f"{why} for /{pattern}/.")
        if negation_aware and names and (classified := only_classified(answer, [m.span() for m in kept], question)):
            return CheckResult.uncertain("regex", f"{classified} for /{pattern}/.")
        if negation_aware and (unsure := why_unsure(answer, [m.span() for m in kept], question)):
            return CheckResult.uncertain("regex", f"{unsure} for /{pattern}/.")
        if kept and negation_aware and (declined := declines(answer)):
            return CheckResult.uncertain("regex", f"found {_clip(kept[0].group())}, but the answer says "
                                                  f"{declined!r}: whether it commits to it cannot be told.")
        if unresolved and not kept:
            return CheckResult.uncertain("regex", f"the scope of a denial near {_clip(unresolved[0].group())} cannot "
                                                  "be told (a denied clause, then a main clause with another "
                                                  f"subject) for /{pattern}/.")
        found = (f"found {_clip(kept[0].group())}" if kept else
                 f"found only denied {_clip(matches[0].group())}" if matches else "found no match")
        if not matches:
            spelled = [(word, span) for word in kanji_words for span in kana_spellings(answer, word)
                       if affirmed(answer, [span], negation_aware, question)]
            if spelled:
                word, (start, end) = spelled[0]
                return CheckResult("regex", True, 1.0, f"found {_clip(answer[start:end])}, the kana spelling "
                                                       f"of {word!r}, for /{pattern}/.")
        return CheckResult("regex", bool(kept), float(bool(kept)), f"{found} for /{pattern}/.")
    return check


@_validated
def number(expected: float, tolerance: Annotated[float, Field(ge=0)] = 0.0, unit: str | None = None,
           units: dict[str, Annotated[float, Field(gt=0)]] | None = None) -> Check:
    """The stated final answer (see `numbers.final_number`) is `expected` ± `tolerance`.

    With `unit`, numbers written with it win; `units` maps other units to their size in `unit`
    (unit: g, units: {kg: 1000} reads 1.5kg as 1500), so `expected` is always in `unit`.
    Kanji (三十六) and full-width (３６) numerals count.
    """
    if units and not unit:
        raise ConfigError("units converts into `unit`; give unit too, e.g. {unit: g, units: {kg: 1000}}",
                          field="units")
    table = {normalize(k): v for k, v in (units or {}).items()}

    def check(answer: str, context: Context = None) -> CheckResult:
        question = CheckContext.of(context).prompt
        reading = read_final(normalize(answer), normalize(unit) if unit else None, table, question)
        if reading is not None and reading.doubt:
            return CheckResult.uncertain("number", f"{reading.doubt}; expected {expected:g}.")
        if reading is None or reading.number is None:
            return CheckResult("number", False, 0.0, f"found no number, expected {expected:g}.")
        if reading.vague:
            return CheckResult("number", False, 0.0, f"{reading.vague}; expected {expected:g}.")
        found, how, unit_found = reading.number, reading.how, reading.unit_found
        passed = abs(found.value - expected) <= tolerance
        written = normalize(answer)[found.start:found.end]
        written = (f"{found.unit}{written}" if found.unit in _SYMBOLS else f"{written} {found.unit}"
                   ) if found.unit else written
        read = f" (read as {found.value:g} {unit})" if found.unit and found.unit != unit else ""
        unit_note = f" (no number carries the unit {unit!r})" if unit and not unit_found else ""
        verb = "matches" if passed else "is not"
        band = f" ± {tolerance:g}" if tolerance else ""
        return CheckResult("number", passed, float(passed),
                           f"final answer {written}"
                           f"{read} ({how}){unit_note} {verb} expected {expected:g}{band}.")
    return check


@_validated
def boolean(expected: bool) -> Check:
    """The answer's verdict (True/False, Yes/No, correct, はい/いいえ, 正しい/誤り, ..., also in quotes)
    is `expected`. Negation is read in its clause ("not true", "「いいえ」ではなく"), views attributed to
    others are left out ("「いいえ」と答える人もいますが"), an echo of the question's choice ("True or
    False") is no verdict, the last self-correction or answer marker wins. Verdict words that conflict
    without a conclusion ("Yes. … no") make it uncertain. Without a verdict word, a sentence that
    restates the question's statement (from the context's prompt) affirmed or denied is the verdict,
    so is one that says its unambiguous opposite ("closed" for open) or another kind of its family
    (mammals for fish), gives its one-of-a-kind predicate to another subject, or calls it a myth;
    else uncertain. A label the question defines ("reply T if … or F if …") is a verdict word for
    it. An answer that declines ("it depends", "the text does not say") with no verdict elsewhere,
    or answers "yes and no" without a conclusion after it, commits to no verdict: it fails; so does one
    to a comparison of two names that never compares them by the asked dimension (`never_compares`)."""

    def check(answer: str, context: Context = None) -> CheckResult:
        verdict, how = read_verdict(answer, CheckContext.of(context).prompt)
        declined = declines(answer) if how == "found no verdict word" else None
        if declined:  # no verdict, and the answer says it will not give one: a grader fails it
            return CheckResult("boolean", False, 0.0, f"no verdict: the answer declines to give one "
                                                      f"({declined!r}), expected {expected}.")
        missing = unaddressed(answer, CheckContext.of(context).prompt) if how == "found no verdict word" else None
        if missing:  # no verdict, and the answer is about other things than the claim: a grader fails it
            return CheckResult("boolean", False, 0.0, f"no verdict: the answer never names {missing!r}, which the "
                                                      f"question's claim is about, and talks of other things, expected {expected}.")
        dimension = never_compares(answer, CheckContext.of(context).prompt) if how == "found no verdict word" else None
        if dimension:  # a comparison asked, the answer names the things but never compares them by it
            return CheckResult("boolean", False, 0.0, f"no verdict: the answer never compares the question's two names by "
                                                      f"{dimension!r} and talks of other things, expected {expected}.")
        if how == "found no verdict word" and repeats_given(answer, CheckContext.of(context).prompt):
            return CheckResult("boolean", False, 0.0, f"no verdict: the answer only says again the question's given text, "
                                                      f"expected {expected}.")
        if how == BOTH_WAYS:  # "Yes and no." and no conclusion: it commits to neither, so a grader fails it
            return CheckResult("boolean", False, 0.0, f"no committed verdict: {how}, expected {expected}.")
        if verdict is None:
            return CheckResult.uncertain("boolean", f"{how}, expected {expected}.")
        passed = verdict == expected
        return CheckResult("boolean", passed, float(passed), f"{how}, expected {expected}.")
    return check


_CHINESE_WORDS = re.compile(r"[我你她们这那么是了吗呢吧很的在]")


def _simplified_only(char: str) -> bool:
    """A kanji outside JIS X 0208, such as 这 or 习: Chinese simplified script, not Japanese."""
    try:
        char.encode("shift_jis")
    except UnicodeEncodeError:
        return True
    return False


def _kanji_only(text: str) -> bool:
    """Five or more kanji, no kana, and nothing that tells: nothing only Chinese writes (a
    simplified-only character, a Chinese function character, a Chinese word or a word Japanese
    morphology does not know: `japanese.chinese_words`) or only Japanese writes (庁, 県, 込),
    and no reading as Japanese compound nouns (`japanese.kanji_compounds`)."""
    letters = "".join(c for c in text if unicodedata.category(c).startswith("L"))
    kanji = KANJI.findall(letters)
    return (len(kanji) >= 5 and len(kanji) == len(letters) and not any(map(_simplified_only, kanji))
            and not _CHINESE_WORDS.search(letters) and not _read_as_japanese(text, kanji)
            and not chinese_words(text))


def _read_as_japanese(text: str, kanji: list[str]) -> bool:
    """Kana-free text with a kanji form only Japanese writes, or that reads as Japanese compounds."""
    return any(map(japanese_form, kanji)) or kanji_compounds(text)


def japanese_share(text: str) -> float:
    """Share of Japanese script (kana incl. ー, kanji) among letters; other characters are neutral.

    Latin and other scripts count against, and so do simplified-only Chinese characters (这, 习).
    Japanese is told from Chinese by kana: a text without kana is taken to be Chinese, all its kanji
    counting against, when it has 5 or more kanji, a simplified-only one, or a Chinese function
    character (我, 是, 了, 吗, ...) or Chinese word (明天, 很多: `japanese.chinese_words`), unless it has nothing simplified-only and writes a kanji in a form
    only Japanese uses (庁, 県: `japanese.japanese_form`) or reads as Japanese compound nouns
    (東京都新宿区: `japanese.kanji_compounds`); shorter kana-free texts (東京, 富士山) stay Japanese.
    Returns 0.0 without letters.
    """
    letters = "".join(c for c in text if unicodedata.category(c).startswith("L"))
    kanji_chars = KANJI.findall(letters)
    kana, kanji = len(KANA_CHAR.findall(letters)), len(kanji_chars)
    simplified = sum(map(_simplified_only, kanji_chars))
    chinese = kana == 0 and kanji > 0 and (kanji >= 5 or simplified > 0
                                           or (kanji >= 3 and bool(_CHINESE_WORDS.search(letters)
                                                                   or chinese_words(text))))
    chinese = chinese and (simplified > 0 or not _read_as_japanese(text, kanji_chars))
    if not letters or chinese:
        return 0.0
    return (kana + kanji - simplified) / len(letters)


_LATIN_ASIDE = re.compile(rf"[(（][^()（）{CJK}]{{1,200}}[)）]|\"[^\"{CJK}]{{1,200}}\"|“[^”{CJK}]{{1,200}}”"
                          rf"|\A[^\n{CJK}]{{1,80}}[:：][ \t]*$"  # a short lead-in line ("Sure! Here it is:")
                          rf"|^(?:原文|英文|source|original)\s*[:：]\s*\n[^\n{CJK}]*$"  # the source on its own line
                          r"|^(?:原文|英文|source|original)\s*[:：][^\n]*$"
                          rf"|^>[^\n{CJK}]*$"  # a quoted block with no Japanese in it
                          r"|```.*?(?:```|\Z)|`[^`\n]+`|https?://\S+", re.IGNORECASE | re.MULTILINE | re.DOTALL)


# A word in Latin letters glossed by its Japanese spelling in brackets: "Pari (パリ)" writes one word twice;
# so does a term of up to four capitalised words, bold or not ("**Machine Learning**（機械学習）").
_GLOSSED = re.compile(r"(?:\*{1,2}|_)?(?:[A-Z][A-Za-z'-]*\s){0,3}[A-Za-z][A-Za-z'-]*(?:\*{1,2}|_)?\s*"
                      rf"(?=[(（][{JAPANESE}・ー]+[)）])")
# A term in Latin letters inside a Japanese sentence (LLMとは、Large Language Modelの略です): up to four
# words between Japanese text, or one word opening a line with Japanese particles right after it.
_LATIN_WORDS = r"[A-Za-z][A-Za-z0-9'&+.-]*(?:[ ][A-Za-z0-9][A-Za-z0-9'&+-]*){0,3}"
_TERM = re.compile(rf"(?<=[{JAPANESE}、「『（・])\s?{_LATIN_WORDS}(?=\s?[{JAPANESE}、・」』）])"
                   rf"|^[A-Za-z][A-Za-z0-9'&+.-]*(?=[{KANA}])", re.MULTILINE)


def _without_asides(answer: str) -> str:
    """The answer without a romanised gloss in brackets ("東京 (Tōkyō)"), a word or term glossed by its
    Japanese spelling ("Pari (パリ)"), a short lead-in line ("Sure! Here it is:"), a term in Latin letters that a Japanese sentence goes on after
    ("Large Language Modelの略"), a quoted source text ("原文: "It will rain.""), code (fenced or
    inline) and URLs, when Japanese text is left: they are not the answer's language."""
    rest = _TERM.sub(" ", _GLOSSED.sub(" ", _LATIN_ASIDE.sub(" ", answer)))
    return rest if KANA_CHAR.search(rest) or KANJI.search(rest) else answer


def _without_copied(answer: str, question: str) -> str:
    """The answer without Latin-script text it copies from the question (the source of a translation,
    "I have been studying Japanese. → 私は…"), when letters remain: copied text is not the answer's
    own language. An answer that is only a copy stays as written."""
    rest = answer
    for span in reversed(copied_from(answer, question)):
        rest = rest[:span.start] + " " + rest[span.end:]
    return rest if any(c.isalpha() for c in rest) else answer


@_validated
def japanese(min_share: Share = 0.5) -> Check:
    """At least `min_share` of the answer's letters are Japanese script (see `japanese_share`); a
    romanised gloss in brackets, a word glossed by its Japanese spelling, Latin-letter terms inside a
    Japanese sentence, a quoted source text, code and URLs are left out when Japanese text remains, and
    Latin-script text copied word for word from the question (3 words or more) when letters remain.
    Uncertain when the answer is five or more kanji with no kana and nothing only Chinese writes."""

    def check(answer: str, context: Context = None) -> CheckResult:
        text = _without_asides(_without_copied(answer, CheckContext.of(context).prompt))
        share = japanese_share(text)
        if _kanji_only(text):
            return CheckResult.uncertain("japanese", f"the answer is kanji only ({_clip(text, 30)}), without "
                                                     "kana, a Chinese-only or a Japanese-only character: Japanese or Chinese "
                                                     "cannot be told from the script.", share)
        passed = share >= min_share
        return CheckResult("japanese", passed, share,
                           f"Japanese script is {share:.0%} of the letters, "
                           f"expected at least {min_share:.0%}.")
    return check


@_validated
def degenerate(max_repeat_ratio: Share = 0.1, ngram: Annotated[int, Field(ge=2)] = 20) -> Check:
    """Passes when at most `max_repeat_ratio` of the answer repeats itself: lines or sentences said
    again word for word (a short one, under `ngram` characters, from its third time), or a phrase
    looping back to back. Characters, not words, so it works on Japanese without spaces."""

    def check(answer: str, context: Context = None) -> CheckResult:
        share, repeated, loops = repetitions(answer, ngram)
        found = [f"{len(repeated)} repeated lines or sentences, e.g. {_clip(repeated[0], 40)}"
                 ] if repeated else []
        if loops:
            unit, loop = loops[0].group(1), loops[0].group()
            found.append(f"a loop of {_clip(unit, 30)} x{len(loop) // len(unit)}")
        detail = f" ({'; '.join(found)})" if found else ""
        return CheckResult("degenerate", share <= max_repeat_ratio, 1.0 - share,
                           f"{share:.0%} of the text repeats itself{detail}, limit {max_repeat_ratio:.0%}.")
    return check


_MAX_GRADES = {"elyza": 5, "mtbench": 10}


@_validated
def judge(rubric: typing.Literal[SINGLE_RUBRICS] = "elyza",  # type: ignore[valid-type]
          aspect: Annotated[str, Field(min_length=1)] | None = None,
          threshold: Annotated[float, Field(ge=1)] | None = None) -> Check:
    """Marks the case for the local judge (`mistral-eval judge`); deferred, so never run during
    generation. `rubric`: elyza (1–5) or mtbench (1–10); `aspect`: what a good answer does, over the
    case's `meta.eval_aspect`; `threshold`: the grade counted as a pass when the report sets the
    judge against the checks (default 4 of 5, 7 of 10)."""
    top = _MAX_GRADES[rubric]
    if threshold is not None and threshold > top:
        raise ConfigError(f"threshold {threshold:g} is above the {rubric} rubric's top grade {top}",
                          field="threshold")

    def check(answer: str, context: Context = None) -> CheckResult:
        raise ConfigError("the judge check runs in `mistral-eval judge RUN`, not during generation")
    return check


CHECKS: dict[str, Callable[..., Check]] = {
    "equals": equals, "contains": contains, "regex": regex, "number": number, "boolean": boolean,
    "japanese": japanese, "degenerate": degenerate, "python": python, "judge": judge,
}
DEFERRED = frozenset({"judge"})
"""Check types that `make_check` validates but `run_checks` skips: a later stage runs them."""


def judge_spec(specs: typing.Sequence[dict[str, typing.Any]]) -> dict[str, typing.Any] | None:
    """The case's `judge` check spec (the first, with its defaults filled in), or None."""
    for spec in specs:
        if isinstance(spec, dict) and spec.get("type") == "judge":
            return {"rubric": "elyza", "aspect": None, "threshold": None,
                    **{k: v for k, v in spec.items() if k != "type"}}
    return None


_RUN_OPTIONS = ("allow_unisolated",)
"""Keyword arguments of check factories that the run sets and a suite file must not."""


def make_check(spec: dict[str, typing.Any], *, allow_unisolated: bool = False) -> Check:
    """Build a check from `{"type": name, **params}`; bad specs raise `ConfigError` with the field.
    `allow_unisolated` lets the python check run code without isolation (see sandbox.py)."""
    if not isinstance(spec, dict):
        raise ConfigError(f"a check is a mapping such as {{type: number, expected: 3}}, got {spec!r}")
    params = dict(spec)
    name = params.pop("type", None)
    if name not in CHECKS:
        raise ConfigError(f"unknown check type {name!r}; valid types: {', '.join(CHECKS)}", field="type")
    for option in _RUN_OPTIONS:
        if option in params:
            raise ConfigError(f"{option} is a run option (--allow-unisolated-code), not a check "
                              f"parameter; remove it from the suite file", field=option)
    options = {"allow_unisolated": allow_unisolated} if name == "python" else {}
    return _validated(CHECKS[name])(**params, **options)


def make_checks(specs: typing.Sequence[dict[str, typing.Any]], *, allow_unisolated: bool = False) -> list[Check]:
    """Build every check of a case; errors name the field as `checks[i].<param>`."""
    checks = []
    for i, spec in enumerate(specs):
        try:
            checks.append(make_check(spec, allow_unisolated=allow_unisolated))
        except ConfigError as error:
            field = f"checks[{i}]" + (f".{error.field}" if error.field else "")
            raise ConfigError(error.message, field=field) from None
    return checks


def run_checks(specs: typing.Sequence[dict[str, typing.Any]], answer: str, *, allow_unisolated: bool = False,
               context: Context = None) -> list[CheckResult]:
    """Build the checks of `specs` and run each on `answer`, the deferred types (`DEFERRED`) left
    out; a python check raises `SandboxUnavailableError` on a machine without isolation unless
    `allow_unisolated`. `context` (a `CheckContext`, or {"prompt": ...}) tells the checks the question."""
    now = [spec for spec in specs if not (isinstance(spec, dict) and spec.get("type") in DEFERRED)]
    return [check(answer, context) for check in make_checks(now, allow_unisolated=allow_unisolated)]
