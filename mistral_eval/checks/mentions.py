"""Whether an answer asserts a mention of an expected string or pattern, as `contains` and `regex`
read it: where it writes the string (kana spellings, long-vowel variants, Latin letters without
accents), whether each mention is asserted, denied or unresolved (negation, attribution, questions,
former states, rankings, candidates), another inflection of an English word, a mention in a view of
others said again, and why asserted mentions are not the committed answer (commitment.py).

Knows nothing about check specs or results: it returns spans, standings and reasons.
"""

from __future__ import annotations

import re
import typing
import unicodedata

from mistral_eval.checks.asides import note_spans
from mistral_eval.checks.base import clip_text as _clip
from mistral_eval.checks.commitment import (
    asked_noun,
    asks_for_one,
    echoes_the_alternatives,
    in_candidate_list,
    is_rewrite,
    listed_options,
    marked_span,
    ranked_other_than_first,
    set_against_what_came_before,
    stated_answers,
    weighed_then_dropped,
    withdrawn_before,
)
from mistral_eval.checks.committed import commitment, continues_slot, hedged_candidates, nfkc_folded
from mistral_eval.checks.extract import (
    FORMERLY_JA,
    after_correction,
    answer_markers,
    attributed,
    clause_of,
    compared,
    comparison_standard,
    conditional,
    content_terms,
    in_parentheses,
    refuses,
    sentences,
    table_rows,
)
from mistral_eval.checks.japanese import kana_spellings
from mistral_eval.checks.negation import Polarity, asked, polarity, ranked_below, superseded
from mistral_eval.checks.scripts import KANJI
from mistral_eval.checks.slots import premise_denied, swapped_name

__all__ = ["affirmed", "best_standing", "committed_reading", "in_view_and_again", "latin_edges", "latin_folded", "mention_spans", "mention_standing",
           "only_classified", "other_form", "why_uncommitted", "why_unsure",
           "why_withheld"]


_CANDIDATES = re.compile(r"\b(?:could|might|may)\s+be\b.*\bor\b|\beither\b.*\bor\b|\bone\s+of\b"
                         r"|(?:の)?(?:どれか|いずれか|どちらか)(?:です|だ|でしょう|一つ)|以下のいずれか"
                         r"|かもしれ(?:ません|ない)(?:し|が|けど)、.*かもしれ", re.IGNORECASE)


def mention_standing(answer: str, start: int, end: int, question: str = "") -> Polarity:
    """Whether the answer asserts a mention: "denied" when negated in its clause (read with the
    question: "X is not a capital city"), attributed to others ("many think A, but B"), only asked
    ("Sydney? No — …", "Is it Sydney or Canberra?"), one of a list of candidates ("It could be A, B or C"),
    in an alternative for another reading ("If you mean …, it would be X"), ranked second or lower
    ("X is the second largest"), the question's alternatives said again ("Between X and Y, …") or one
    of two weighed before the other is picked ("東京と京都で迷いますが、京都だと思います"), or, for a
    translation or rewrite, in a note beside it; "unresolved" when the scope of a denial cannot be told (negation.polarity)."""
    if is_rewrite(question) and any(a <= start < b for a, b in note_spans(answer)):
        return "denied"  # a gloss beside a translation ("(「毎朝」 means "every morning")") is not the translation
    clause = clause_of(answer, start, end).text
    sentence_end = re.search(r"[。\n]|\.(?:\s|$)", answer[end:])
    sentence = answer[max(0, answer.rfind("\n", 0, start)):end + (sentence_end.end() if sentence_end else len(answer))]
    if (attributed(clause) or superseded(answer, start, end) or ranked_below(answer, start, end, question)
            or (asks_for_one(question) and not is_rewrite(question) and compared(answer, start, end))
            or (not is_rewrite(question) and comparison_standard(answer, start, end))
            or (_CANDIDATES.search(sentence) and not _member_of(answer, end, sentence))
            or (not is_rewrite(question) and (asked(answer, start, end)
                                               or _not_the_pick(answer, start, end, question, clause)))):
        return "denied"
    if _named_then_denied(clause, answer[end:end + len(sentence)], answer[start:end]):
        return "denied"
    if not is_rewrite(question) and _former_topic(answer, start, end, question):
        return "denied"
    denial = _DENIES_A_CLAIM.search(answer, end, end + len(sentence))
    if denial and _DENIES_A_CLAIM.search(sentence) and _claim_is_asked(answer, start, denial, question):
        # Which part of the denied claim names the mention cannot be told, unless the answer goes on
        # to state another value as what is asked ("…正しくありません。一番高いのはK2です。").
        named = answer[start:end].lower()
        later = [x for x in (stated_answers(answer, question) if question else []) if x[0] > start]
        return "denied" if later and all(named not in value.lower() for _, _, value in later) else "unresolved"
    return polarity(answer, start, end, question)


# "X is one of the …", or "X, one of Jupiter's moons, is …": an appositive that says what kind of thing X is.
_MEMBER_OF = re.compile(r"[*_]*\s+(?:is|was)\s+(?:also\s+)?one\s+of\s+(?:the|its|our)\b"
                        r"|[*_]*\s*,\s*one\s+of\s+[^,.;:!?\n]{1,60},", re.IGNORECASE)


def _member_of(answer: str, end: int, sentence: str) -> bool:
    """The mention is the subject of "X is one of the …" ("Red is one of the three primary colours"):
    the answer asserts it as a member, it does not list candidates, when "one of" is the sentence's
    only sign of candidates."""
    member = _MEMBER_OF.match(answer, end)
    return member is not None and not _CANDIDATES.search(sentence.replace(member.group(), " ", 1))


# The mention as the topic of a sentence about a former time: "京都はかつての都でした", "Kyoto was
# formerly the capital", "Bonn used to be the capital".
_FORMER_JA = re.compile(rf"\s*は[^。\n]*?(?:{FORMERLY_JA})[^。\n]*?(?:でした|だった|であった|ました)[。！]?")
_FORMER_EN = re.compile(r"\s+(?:was\s+(?:formerly|once|previously|originally)\b|used\s+to\s+be\b)", re.IGNORECASE)
_PAST_ASKED = re.compile(FORMERLY_JA + r"|\b(?:was|were|did|formerly|once|used\s+to|before|until)\b",
                         re.IGNORECASE)


def _former_topic(answer: str, start: int, end: int, question: str) -> bool:
    """The mention opens a clause that says what it was at a former time ("ちなみに、京都はかつての都
    でした", "Kyoto was formerly the capital"), for a question about the present: a former state,
    not the answer."""
    return not _PAST_ASKED.search(question) and bool(_FORMER_JA.match(answer, end) or _FORMER_EN.match(answer, end))


# A mention others often name ("X is often named", "Xがよく挙げられますが"), then a contrast that denies.
_OFTEN_NAMED = re.compile(r"\b(?:often|commonly|widely|frequently)\s+(?:named|cited|mentioned|guessed|listed|given)\b"
                          r"|(?:よく|しばしば)(?:名前が)?挙げられ", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(?:but|however|yet)\b|(?:が|けど|けれど|けれども)、|しかし", re.IGNORECASE)
_DENIAL = re.compile(r"\b(?:not|never)\b|n't\b|(?:ありません|ではない|じゃない|ません|ない)(?=[。、\s]|$)", re.IGNORECASE)


def _named_then_denied(clause: str, rest: str, named: str) -> bool:
    """A mention in a clause that says others often name it, then, in the same sentence, a contrast
    that says it again with a denial: "Mandarin is often named, but the answer is not Mandarin".
    Without that it is the answer's own hedge ("The Nile is commonly cited as the longest, though
    …") or a denial of something else ("X is often cited as the best, but it is not cheap")."""
    sentence_end = re.search(r"[。！？!?\n]|\.(?:\s|$)", rest)
    rest = rest[:sentence_end.start()] if sentence_end else rest
    contrast = _CONTRAST.search(rest)
    return bool(_OFTEN_NAMED.search(clause) and contrast and named.lower() in rest[contrast.end():].lower()
                and _DENIAL.search(rest, contrast.start()))


_CLAIM_BREAK = re.compile(r",\s*(?:and|but)\b|\b(?:but|however)\b|(?:が|けど|けれど|けれども)、", re.IGNORECASE)


def _claim_is_asked(answer: str, start: int, denial: re.Match[str], question: str) -> bool:
    """The denied claim is about what the question asks: its text (the clause of "the idea that …",
    "…という説"; for "that is not true", all of the sentence before it) names the asked noun."""
    noun = asked_noun(question) if question else None
    if noun is None:
        return True
    breaks = [b.end() for b in _CLAIM_BREAK.finditer(answer, start, denial.start())]
    pointing = re.match(r"(?:this|that)\b", denial.group(), re.IGNORECASE)
    claim = answer[start if pointing or not breaks else breaks[-1]:denial.end()]
    return noun.lower() in claim.lower()


# A predicate that denies a claim, reported in the same sentence: "…, but that is not true",
# "…という説は正しくありません". The claim's subject may be the mention or another noun.
_DENIES_A_CLAIM = re.compile(
    r"(?:という|との|とする)(?:説|考え|主張|話|見方|の|こと)(?:は|も)[^。\n]{0,12}?(?:正しくありません|正しくない|誤り|間違い"
    r"|事実ではありません|事実ではない|違います)"
    r"|\b(?:this|that|the)(?:\s+(?:claim|idea|belief|notion|statement|view))?\s+(?:is\s+not|isn't)\s+(?:true|correct|right"
    r"|accurate)\b|\b(?:this|that|the)(?:\s+(?:claim|idea|belief|notion|statement|view))?\s+(?:is\s+(?:wrong|false|incorrect|a\s+myth)"
    r"|does\s+not\s+hold|doesn't\s+hold)\b"
    r"|\b(?:claim|idea|belief|notion|view)\s+that\b[^.;!?\n]{0,80}?\s(?:is|was)\s+(?:not\s+(?:true|correct|right|accurate)"
    r"|wrong|false|incorrect|a\s+myth)\b", re.IGNORECASE)


def _not_the_pick(answer: str, start: int, end: int, question: str, clause: str) -> bool:
    """For a question (not a translation, which keeps its source's questions, conditions, ranks and pairs): a
    mention in an alternative for another reading, ranked second or lower, one of the question's
    alternatives said again, or one of two weighed before the other is picked."""
    return (conditional(clause.lstrip(" ,;"), question) or ranked_other_than_first(answer, start, end, question)
            or echoes_the_alternatives(answer, start, end, question) or weighed_then_dropped(answer, start, end))


def best_standing(answer: str, spans: typing.Iterable[tuple[int, int]], negation_aware: bool,
                 question: str = "") -> Polarity | None:
    """The best standing of any of the mentions (asserted, else unresolved, else denied); None
    without a mention."""
    standings = {"asserted" if not negation_aware else mention_standing(answer, start, end, question)
                 for start, end in spans}
    return next((s for s in ("asserted", "unresolved", "denied") if s in standings), None)


def affirmed(answer: str, spans: typing.Iterable[tuple[int, int]], negation_aware: bool,
              question: str = "") -> bool:
    return best_standing(answer, spans, negation_aware, question) == "asserted"


# What introduces the answer's own claim after a view of others: "正しくは", "in fact", "the correct answer".
_OWN_CLAIM = re.compile(r"正しくは|正解は|実際(?:に)?は|本当は|\b(?:in\s+fact|actually|in\s+reality|the\s+correct\s+\w+\s+is)\b",
                        re.IGNORECASE)


def in_view_and_again(answer: str, spans: list[tuple[int, int]]) -> bool:
    """"Plants are often said to absorb carbon dioxide, but …, and release carbon dioxide": a mention
    in a view attributed to others, said again elsewhere, but not as the answer's own claim ("正しくは…",
    "in fact …", an answer marker)."""
    viewed = [span for span in spans if attributed(clause_of(answer, *span).text)]
    if not viewed or len(viewed) == len(spans):
        return False
    claim = _OWN_CLAIM.search(answer, viewed[0][1]) or next(
        (m for m in answer_markers(answer) if m.start() >= viewed[0][1]), None)
    return claim is None or not any(span[0] >= claim.start() for span in spans if span not in viewed)


def mention_spans(answer: str, needle: str, flags: int) -> list[tuple[int, int]]:
    """Where the answer writes `needle`; for a kanji word not written as such, where it is in kana;
    a katakana word ending in the long-vowel mark also without it (コンピューター, コンピュータ: one word,
    two spelling conventions)."""
    spans = [m.span() for m in re.finditer(re.escape(needle), answer, flags)]
    if not spans and re.fullmatch(r"[ァ-ヺー]{2,}ー", needle):
        spans = [m.span() for m in re.finditer(re.escape(needle[:-1]) + r"(?![ァ-ヺー])", answer)]
    if not spans and (nfkc_folded(needle) != needle or nfkc_folded(answer) != answer):  # H₂O, ＮａＣｌ
        spans = [m.span() for m in re.finditer(re.escape(nfkc_folded(needle)), nfkc_folded(answer), flags)]
    return spans or (kana_spellings(answer, needle) if KANJI.search(needle) else [])


_INFLECTION = re.compile(r"(?:ing|ed|es|e|s|d)$")


def _stem(word: str) -> str:
    word = word.lower()
    return _INFLECTION.sub("", word) if len(word) > 4 else word


def _topic_of_its_sentence(answer: str, start: int, end: int) -> bool:
    """The mention opens its sentence as its topic or subject ("金は柔らかい金属です。", "Saturn is
    the second largest."): the sentence says something of it, not that it is what is asked."""
    sentence = next((s for s in sentences(answer) if s.start <= start < s.end), None)
    return (sentence is not None and not answer[sentence.start:start].strip(" *_#>-\n")
            and re.match(r"\s*(?:は|が)|\s+(?:is|was|are|were|has|had)\b", answer[end:]) is not None)


def other_form(answer: str, needle: str) -> str | None:
    """An English word of the answer that is another inflection of `needle` (closes, closing for
    closed): whether the check wants that very form, the check cannot tell."""
    if not re.fullmatch(r"[A-Za-z]{4,}", needle):
        return None
    return next((w for w in re.findall(r"[A-Za-z]+", answer) if w.lower() != needle.lower()
                 and _stem(w) == _stem(needle)), None)


_WORD_EDGE = re.compile(r"\\b")
_LATIN_EDGE = r"(?:(?<![A-Za-z0-9_])(?=[A-Za-z0-9_])|(?<=[A-Za-z0-9_])(?![A-Za-z0-9_]))"


def latin_edges(pattern: str) -> str | None:
    """The pattern with each word boundary `\\b` read as a boundary of Latin letters and digits, so
    that a Latin word between kana or kanji ("答えはAです", "首都はOttawaです") has edges, as a reader
    sees them; None when the pattern has no `\\b`."""
    return _WORD_EDGE.sub(lambda _: _LATIN_EDGE, pattern) if _WORD_EDGE.search(pattern) else None


def latin_folded(text: str) -> str:
    """The text with the accents and macrons of Latin letters taken off (Tōkyō: Tokyo, café: cafe),
    one letter for one, so positions stay; other scripts (kana with their voicing marks) unchanged."""
    def fold(char: str) -> str:
        base = unicodedata.normalize("NFD", char)[0]
        return base if char.isalpha() and ord(char) < 0x250 and base.isascii() else char
    return "".join(fold(c) for c in text)


def why_uncommitted(answer: str, kept: list[tuple[int, int]], question: str, names: bool = True) -> str | None:
    """Why the asserted mentions (spans) are not the answer's committed one, or None: all of them
    taken back by a later self-correction, all before the answer marker's span that names something
    else, all outside the answer's statements of what is asked ("首都はシドニーです。", "最も硬いのは
    ダイヤモンドです。") that name something else and come first, are set against what came before
    ("…, but the largest is Neptune") or follow sentences that only say something of the mention as
    their topic ("金は柔らかい金属です。最も硬いのはダイヤモンドです。"), or (for a question that asks for one thing) each only an item of a list of
    candidates. Statements count only when the expected text `names` the answer (a word, not a form
    such as a date pattern: "The date is Friday" may precede "2024-03-15"). Never for a translation
    or rewrite: its answer is a whole text, where a correction
    or a note may change one word and keep the rest."""
    if not kept or is_rewrite(question):
        return None
    first = _clip(answer[kept[0][0]:kept[0][1]])
    cut = withdrawn_before(answer)
    if cut and all(start < cut for start, _ in kept):
        return f"found {first} only before a self-correction that takes it back"
    span = marked_span(answer)
    if span and all(start < span[0] for start, _ in kept):
        return f"found {first}, but the answer marker names {_clip(answer[span[0]:span[1]].strip())}"
    stated = [x for x in stated_answers(answer, question) if x[0] >= max(cut, after_correction(answer))] if names else []
    leading = [x for x in stated if x[0] < kept[0][0] or set_against_what_came_before(answer, x[0])
               or all(_topic_of_its_sentence(answer, *mention) for mention in kept)]
    if leading and not any(begin <= start < end for start, _ in kept for begin, end, _ in stated):
        return f"found {first}, but the answer states {_clip(leading[-1][2])} as what is asked"
    if asks_for_one(question) and all(in_candidate_list(answer, *mention) for mention in kept):
        return f"found {first} only as one of a list of candidates, none chosen"
    return None


# A mention as the subject of a sentence that only classifies it: "Ottawa is a city in Ontario.",
# "オタワはオンタリオ州の都市です。"
_CLASSIFIED_EN = re.compile(r"\s+(?:is|was)\s+(?:a|an|one)\b[^.;!?\n]*[.!]?\s*$", re.IGNORECASE)
_CLASSIFIED_JA = re.compile(r"\s*は[^。、\n]{1,20}?(?:です|だ|である)[。！!]?\s*$")


def only_classified(answer: str, spans: list[tuple[int, int]], question: str) -> str | None:
    """Why the mentions (spans) do not answer what the question asks, or None: each opens a sentence,
    not the answer's first, that only says what kind of thing it is ("Toronto is the largest city.
    Ottawa is a city in Ontario.", "…。オタワはオンタリオ州の都市です。") and never names the asked
    noun (capital, 首都); the answer opened on something else and may have answered another
    question. The check cannot tell whether a grader reads it as the answer."""
    noun = asked_noun(question)
    if not spans or not noun or is_rewrite(question):
        return None
    first = next(iter(sentences(answer)), None)
    for start, end in spans:
        sentence = next((s for s in sentences(answer) if s.start <= start < s.end), None)
        if sentence is None or sentence == first or noun.lower() in sentence.text.lower():
            return None  # an answer that opens on the mention ("Jupiter is a gas giant.") names it first
        before, after = answer[sentence.start:start], answer[end:sentence.end]
        shape = _CLASSIFIED_JA if re.match(r"\s*は", after) else _CLASSIFIED_EN
        if not re.fullmatch(r"[\s*_#>-]*(?:the\s+)?", before, re.IGNORECASE) or not shape.match(after):
            return None
    return (f"found {_clip(answer[spans[0][0]:spans[0][1]])} only as the subject of a sentence that says what kind "
            f"of thing it is, never as the asked {noun!r}")


# A mention only said to exist as well: "キャンベラという都市もあります", "There is also a city called Canberra".
_ALSO_EXISTS_JA = re.compile(r"\s*(?:という|って)[^。、\n]{0,8}?も(?:あります|ある|存在します|存在する)")
_ALSO_EXISTS_EN = re.compile(r"\bthere\s+(?:is|are)\s+also\s+(?:a|an|the)?\s*(?:\w+\s+){0,2}(?:called|named)\s+$",
                             re.IGNORECASE)
# A hedge that withholds the claim of the mention's clause: "東京が首都であるとは言い切れません",
# "it cannot be said for certain that Tokyo is the capital".
_WITHHELD_JA = re.compile(r"とは(?:言い切れ|断言でき|断定でき|限り)(?:ません|ない)|かどうかは(?:分かり|わかり|不明)")
_WITHHELD_EN = re.compile(r"\b(?:cannot|can't|can\s+not)\s+(?:be\s+)?(?:say|said|claim|claimed|state|stated)\s+(?:for\s+"
                          r"(?:certain|sure)\s+)?(?:with\s+certainty\s+)?that\b|\bit\s+is\s+(?:not|un)(?:\s+)?(?:certain|clear)"
                          r"\s+(?:that|whether)\b", re.IGNORECASE)


# The marker's span names one option letter: "the answer is **A**.", "答えはBです。"
# "the answer is (a) Helium.", "答えはA) サメです。": the letter and the option's own text.
_LETTER_PICK = re.compile(r"(?:is|は|：|:)\s*[*_「(（]*(?:[A-E]|[(（][a-e][)）])[*_」)）]*\s*(?:[^\s.。,、!！]{1,20}[*_]*\s*)?"
                          r"(?:です|だ)?[.。!！]?\s*$")


def _its_sentence(answer: str, start: int) -> tuple[int, int]:
    sentence = next((s for s in sentences(answer) if s.start <= start < s.end), None)
    return (sentence.start, sentence.end) if sentence else (0, len(answer))


def why_withheld(answer: str, spans: list[tuple[int, int]], question: str, names: bool = True) -> str | None:
    """Why asserted mentions (spans) are not given as the answer, or None: every one is the value of
    another noun while a later clause of its sentence says what the asked noun is ("人口が最も多い都市は
    ローマで、首都はミラノです"; only when the expected text `names` the answer), or said only after
    the answer's marker picks an option letter ("the answer is **A**. (Carbon dioxide is …)"), or
    only said to exist as well ("キャンベラという都市もあります", "There is also a city called Canberra";
    for a question that asks what one noun is, not "Name a city") or sits in a sentence whose hedge withholds its claim ("東京が首都であるとは言い切れません", "it is not certain that
    Tokyo is …"). Never for a translation or rewrite, whose source may say so."""
    if not spans or is_rewrite(question):
        return None
    first = _clip(answer[spans[0][0]:spans[0][1]])
    noun = asked_noun(question) if names else None
    if noun and all(_asked_noun_follows(answer, start, end, noun) for start, end in spans):
        return f"found {first}, but a later clause of its sentence says what the asked {noun!r} is"
    span = marked_span(answer)
    if span and _LETTER_PICK.search(answer[span[0]:span[1]]) and all(start >= span[1] for start, _ in spans):
        return f"found {first} only after the answer picks {_clip(answer[span[0]:span[1]].strip())}"
    if span and (other := _names_another_option(answer, span, spans, question)):
        return f"found {first} only after the answer marker names another of the question's options, {other!r}"

    def hedged(start: int, end: int) -> bool:
        begin, stop = _its_sentence(answer, start)
        return bool(_WITHHELD_JA.search(answer, end, stop) or _WITHHELD_EN.search(answer, begin, start))

    def also_exists(start: int, end: int) -> bool:
        begin, _ = _its_sentence(answer, start)
        return bool(asked_noun(question)) and bool(_ALSO_EXISTS_JA.match(answer, end)
                                                   or _ALSO_EXISTS_EN.search(answer[begin:start]))

    if refuses(answer) and all(in_candidate_list(answer, *span) for span in spans):
        return f"found {first} only as one of a list of candidates in an answer that refuses to answer"
    if all(hedged(*span) or also_exists(*span) for span in spans):
        return f"found {first} only where the answer withholds its claim or says only that it exists too"
    swaps = [swapped_name(answer, *span, question) for span in spans]
    if all(swap and premise_denied(answer, swap[0], span[0]) for swap, span in zip(swaps, spans, strict=True)):
        theirs, ours = swaps[0] or ("", "")
        return f"found {first} said of {ours!r} in the question's place of {theirs!r}, whose premise the answer denies"
    if names and (other := _stated_beside_notes(answer, spans, question)):
        return f"found {first} only in a note; the answer's main statement gives {_clip(other)}"
    return None


def _names_another_option(answer: str, span: tuple[int, int], spans: list[tuple[int, int]], question: str) -> str | None:
    """The option (of those the question lists without letters: "サメ、イルカ、マグロ") that the marker's
    span names when every mention comes after the span and is not that option; None otherwise."""
    named = answer[span[0]:span[1]].casefold()
    if not all(start >= span[1] for start, _ in spans):
        return None
    mentioned = {answer[start:end].casefold() for start, end in spans}
    picked = [o for o in listed_options(question) if o.casefold() in named
              and not any(m in o.casefold() or o.casefold() in m for m in mentioned)]
    return picked[0] if len(picked) == 1 else None


def _in_notes(answer: str, spans: list[tuple[int, int]]) -> bool:
    """Every mention lies in a note ("Note: …", "※…") and the answer says something outside its notes."""
    notes = note_spans(answer)
    main = _outside_notes(answer, notes)
    return bool(notes) and all(any(a <= start < b for a, b in notes) for start, _ in spans) and bool(
        re.search(r"\w", main))


def _note_answers_the_asked_case(answer: str, spans: list[tuple[int, int]], question: str) -> bool:
    """Each mention's note names, before it, a case the question asks for and the main statement does
    not ("Water boils at 100°C. Note: in Fahrenheit, this is 212°F." for a question in Fahrenheit;
    "注：華氏に換算すると212°Fです。"): the note answers what is asked."""
    notes = note_spans(answer)
    main = _outside_notes(answer, notes).casefold()
    asked = question.casefold()

    def answers(start: int) -> bool:
        note = next((a for a, b in notes if a <= start < b), None)
        words = content_terms(answer[note:start]) if note is not None else []
        return any(w.casefold() in asked and w.casefold() not in main for w in words)

    return bool(notes) and all(answers(start) for start, _ in spans)


def _outside_notes(answer: str, notes: list[tuple[int, int]]) -> str:
    """The answer with its notes blanked out, positions kept."""
    chars = list(answer)
    for a, b in notes:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _stated_beside_notes(answer: str, spans: list[tuple[int, int]], question: str) -> str | None:
    """What the answer's main statement gives when every mention lies in a note: a table's data row
    or a statement of what is asked ("首都はシドニーです。"), outside the notes; None when the
    mentions are not all in notes or the main part states nothing."""
    if not _in_notes(answer, spans):
        return None
    main = _outside_notes(answer, note_spans(answer))
    rows = table_rows(main)
    stated = stated_answers(main, question)
    noun = asked_noun(question)
    return (rows[0].text.strip() if rows else stated[0][2] if stated
            else next((s.text.strip() for s in sentences(main) if noun and noun.lower() in s.text.lower()), None))


# A parenthetical aside that is a statement of its own: "(Silver, by contrast, is Ag.)", "（銀はAgです。）"
_ASIDE_CLAIM = re.compile(r"\s(?:is|are|was|were)\s|は[^。）)]*?(?:です|だ|である)", re.IGNORECASE)


def why_unsure(answer: str, spans: list[tuple[int, int]], question: str) -> str | None:
    """Why asserted mentions (spans) may not be the answer's claim, so that the check abstains, or
    None: all come after the answer marker's span, which does not name them ("the answer is **A**.
    (Carbon dioxide is …)"): a note after the committed answer; or all lie in parenthetical asides
    that make a statement of their own ("Au. (Silver, by contrast, is Ag.)"), not the answer's main
    line. Never for a translation or rewrite."""
    if not spans or is_rewrite(question):
        return None
    first = _clip(answer[spans[0][0]:spans[0][1]])
    span = marked_span(answer)
    if span and all(start >= span[1] for start, _ in spans):
        return f"found {first} only after the answer marker's span, which names {_clip(answer[span[0]:span[1]].strip())}"
    asides = [a for a in in_parentheses(answer) if a.start > 0 and _ASIDE_CLAIM.search(a.text)]
    if asides and all(any(a.start < start < a.end for a in asides) for start, _ in spans):
        return f"found {first} only in a parenthetical aside that says something of its own"
    if _in_notes(answer, spans) and not _note_answers_the_asked_case(answer, spans, question):
        return f"found {first} only in a note beside the answer's main statement"
    return None


def _asked_noun_follows(answer: str, start: int, end: int, noun: str) -> bool:
    """A later clause of the mention's sentence opens on the asked noun as its topic and does not
    name the mention: "…都市はローマで、首都はミラノです", "Rome is the largest city, and the capital is
    Milan": the mention is the value of another noun."""
    _, stop = _its_sentence(answer, start)
    named = answer[start:end].lower()
    later = re.search(rf"(?:[、,]\s*(?:and\s+|but\s+|while\s+)?(?:the\s+|its\s+)?){re.escape(noun)}(?:は|\s+is\b)(.*)",
                      answer[end:stop], re.IGNORECASE)
    return later is not None and named not in later.group(1).lower() and not _DENIAL.search(later.group(1))


def committed_reading(answer: str, kept: list[tuple[int, int]], question: str,
                      names_in: typing.Callable[[str], bool]) -> tuple[bool, str] | None:
    """The verdict the answer's committed value gives (committed.py), or None to read the mentions
    as before. An option letter picked: pass iff the expected text (`names_in`) is in the option's
    text. Clauses that state the asked value: when asserted mentions (`kept`) exist and none lies in
    them, fail naming what it commits to, even when the mention stands elsewhere (a comparison, a
    description, "often confused with"). No commitment but candidates under a hedge ("It could have
    been A, B, or C"): fail, it does not commit."""
    committed = commitment(answer, question)
    if committed is not None and committed.option is not None:
        picked = names_in(nfkc_folded(committed.option))
        return picked, f"the answer picks {committed.said}"
    if not kept:
        return None
    first = _clip(answer[kept[0][0]:kept[0][1]])
    if committed is None:
        if hedged_candidates(answer) and not is_rewrite(question):
            return False, f"found {first} only among candidates the answer hedges between; it does not commit"
        return None
    if any(begin <= start < stop or continues_slot(answer, stop, start) for start, _ in kept
           for begin, stop in committed.spans):
        return None
    return False, f"found {first}, but the answer commits to {committed.said!r} for what is asked"
