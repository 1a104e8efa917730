"""The committed answer: what an answer gives, for the slot its question asks, as its own definite
statement. An option letter picked, resolved to the option's text in the question ("The answer is
B." with "B) Dolphin": Dolphin); a clause that restates the question's predicate in either order
("The planet closest to the Sun is Venus", "Venus is known as the Red Planet", "Plants release carbon
dioxide during photosynthesis", "オーストラリアの首都はシドニーではないかと思います"), not denied, not
attributed to others, not an alternative for another reading, not a list of candidates under a hedge.
An answer that only hedges between candidates ("It could have been A, B, or C", "AかB、あるいはC…")
commits to nothing.

Knows nothing about checks or expected values: it returns spans of the answer (and an option's text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from mistral_eval.checks.asides import note_spans
from mistral_eval.checks.commitment import (
    about_another_time,
    is_rewrite,
    not_a_name,
    points_to_what_follows,
    withdrawn_before,
)
from mistral_eval.checks.extract import (
    CONCESSIVE,
    IRREGULAR_PAST,
    Span,
    after_correction,
    attributed,
    clauses,
    conditional,
    sentences,
)
from mistral_eval.checks.japanese import tokens
from mistral_eval.checks.scripts import HIRAGANA, KANA, UNIFIED

__all__ = ["Commitment", "commitment", "continues_slot", "hedged_candidates", "nfkc_folded", "option_pick"]


def nfkc_folded(text: str) -> str:
    """The text with each character that NFKC maps to one character replaced by it (H₂O: H2O,
    ＮａＣｌ: NaCl), one for one, so positions stay."""
    def fold(char: str) -> str:
        folded = unicodedata.normalize("NFKC", char)
        return folded if len(folded) == 1 else char
    return "".join(fold(c) for c in text)


@dataclass(frozen=True)
class Commitment:
    """What the answer commits to: `spans` of the answer (clauses that state the value) and, for an
    option letter, the option's text from the question; `said` names it for a reason."""

    spans: tuple[tuple[int, int], ...]
    option: str | None
    said: str


# Options listed in the question: "A) Shark", "(B) Dolphin", "C. Trout", "Ｄ：タコ".
_OPTION = re.compile(r"^\s*[(（]?([A-EＡ-Ｅ])[)）.．:：]\s*(\S.*?)\s*$", re.MULTILINE)
# Options on one line: "A) Mars  B) Jupiter  C) Saturn  D) Venus".
_INLINE_OPTION = re.compile(r"(?:^|(?<=[\s、,:：。]))[(（]?([A-EＡ-Ｅ])[)）．:：]\s*(\S.*?)(?=\s+[(（]?[A-EＡ-Ｅ][)）．:：]|\s*$)",
                            re.MULTILINE)
# The answer's pick of a letter: after a marker ("The answer is B.", "答えはBです", "The correct choice
# is C", "I'd go with C") or as the answer's opening ("C — the Pacific …", "**B**", "B)").
_PICK = re.compile(r"(?:\b(?:answer|choice|option)\s+(?:is|would\s+be|:)|\bgo\s+with|(?:答え|正解|解答|回答)\s*(?:は|[:：]))"
                   r"\s*[*_「(（]*([A-E])(?![A-Za-z])[*_」)）]*", re.IGNORECASE)
_LETTERED = re.compile(r"(?<![A-Za-z])[(（]?([A-E])[)）]")
_OPENING_PICK = re.compile(r"^[\s*_#>]*[(（]?([A-E])[)）]?[*_]*[ \t]*(?:[.)．:：—–-]|です|$|\n)")


def option_pick(answer: str, question: str) -> tuple[str, str] | None:
    """(letter, option text) when the question lists lettered options and the answer picks one
    letter, by a marker or as its opening; None otherwise or when it picks two."""
    options = {unicodedata.normalize("NFKC", m.group(1)).upper(): m.group(2) for m in _OPTION.finditer(question)}
    if len(options) < 2:
        options = {unicodedata.normalize("NFKC", m.group(1)).upper(): m.group(2)
                   for m in _INLINE_OPTION.finditer(question)}
    if len(options) < 2:
        return None
    picks = {m.group(1).upper() for m in _PICK.finditer(answer)}
    if not picks and (opening := _OPENING_PICK.match(answer)):
        # "A) 大阪ではなく、B) 東京です。": an opening letter set against another letter is no pick
        picks = {opening.group(1).upper()} | {m.group(1).upper() for m in _LETTERED.finditer(answer)
                                               if answer[m.end():].lstrip().startswith(options.get(m.group(1).upper(), "\0"))}
    if len(picks) != 1:
        return None
    letter = picks.pop()
    return (letter, options[letter]) if letter in options else None


# A list of candidates under a hedge: "It could have been A, B, or C", "it might have been A or B",
# "AかB、あるいはCだったと思いますが", "はっきりとは覚えていません".
_HEDGED_LIST_EN = re.compile(r"\b(?:could|might|may)\s+(?:have\s+been|be)\b[^.;!?\n]*\bor\b", re.IGNORECASE)
_HEDGED_LIST_JA = re.compile(r"[^。\n]+か[^。\n]+(?:、?あるいは|、?または|、?もしくは)[^。\n]+(?:と思います|かもしれ|でしょう)"
                             r"|(?:はっきり|確か)(?:とは|には)?(?:覚えて|わかり|分かり)(?:いません|ません)")


def hedged_candidates(answer: str) -> bool:
    """The answer names candidates under a hedge instead of one value."""
    return bool(_HEDGED_LIST_EN.search(answer) or _HEDGED_LIST_JA.search(answer))


_STOP_EN = {"what", "which", "who", "whom", "whose", "where", "when", "how", "is", "are", "was", "were", "do", "does",
            "did", "the", "a", "an", "of", "in", "on", "at", "to", "by", "for", "from", "with", "as", "and", "or",
            "has", "have", "had", "be", "been", "this", "that", "these", "those", "its", "it", "their", "name", "one",
            "can", "you", "tell", "me", "please", "answer", "word"}
_HEAD_EN = re.compile(r"^\s*(?:(?:in|on|at|by|for|from|during)\s+)?(?:which|what)\s+(\w+)\s+(?:is|are|was|were|do|does|did|has|have)\b", re.IGNORECASE)
_WH_JA = {"どこ", "何", "なに", "誰", "だれ", "いつ", "どれ", "どの", "どちら", "何色", "いくつ"}
_CONTENT_JA = {"名詞", "動詞", "形容詞", "形状詞"}
_SUPERLATIVE_EN = re.compile(r"\b(?:\w{3,}est|most\s+\w+)\b", re.IGNORECASE)
_DENIED_EN = re.compile(r"\b(?:not|never|no)\b|n't\b", re.IGNORECASE)
_DENIED_JA = re.compile(r"(?:ではなく|じゃなく|ではありません|じゃありません|ではない(?!か)|じゃない(?!か)|ません|ない)(?=[。、.\s]|$)")
_HEDGED = re.compile(r"\b(?:if|unless|whether|perhaps)\b|[?？]|もし|なら(?:ば)?[、,]", re.IGNORECASE)


def _stem(word: str) -> str:
    """The word's first five letters, read from its base form: "fell" as "fall", "landed" as "land"."""
    word = word.casefold()
    word = IRREGULAR_PAST.get(word) or re.sub(r"(?<=\w{3})(?:ed|ing|es|s)$", "", word)
    return word[:5]


def _question_line(question: str) -> str:
    """The question's own sentence: the first line with a question mark, up to it ("…は何ですか？一言で答えて
    ください。": without the instruction after it), else the first line."""
    lines = [line for line in question.splitlines() if line.strip()]
    asking = next((line for line in lines if re.search(r"[?？]", line)), lines[0] if lines else "")
    return re.split(r"(?<=[?？])", asking)[0] if re.search(r"[?？]\s*\S", asking) else asking


def _predicate_en(line: str) -> set[str]:
    head = _HEAD_EN.match(line)
    skip = {head.group(1).casefold()} if head else set()
    return {_stem(w) for w in re.findall(r"[A-Za-z]+", line)
            if w.casefold() not in _STOP_EN and w.casefold() not in skip and len(w) > 2}


def _predicate_ja(line: str) -> set[str]:
    return {lemma for surface, pos, lemma in tokens(line) if pos in _CONTENT_JA and surface not in _WH_JA
            and lemma not in _WH_JA and not re.fullmatch(f"[{HIRAGANA}]{{1,2}}", surface)}


_KEY = re.compile(r"\b(?:\w{3,}est|most|least|first|last|second|third)\b|一番|最も|もっとも|最初|最後|[0-9０-９一二三]番目",
                  re.IGNORECASE)
_PRONOUN_SUBJECT = re.compile(r"^[\s*_]*(?:it|this|that|they|he|she|these|those|there)\b", re.IGNORECASE)
# A question for one value: a wh-word (what, which, who, where, when; 何, どれ, 誰, どこ, いつ), not "Name a …".
_WH = re.compile(r"\b(?:what|which|who|whom|where|when)\b|何|どれ|誰|だれ|どこ|いつ|どの", re.IGNORECASE)
_EXAMPLE = re.compile(r"\b(?:name|give|list)\s+(?:a|an|one|some|two|three|any)\b|\bexample|挙げ|例", re.IGNORECASE)


def _said_again(clause: str, line: str, ja: bool) -> set[str]:
    """The question's content words (lemmas, stems) that the clause says again."""
    if ja:
        return _predicate_ja(line) & {lemma for _, _, lemma in tokens(clause)}
    return _predicate_en(line) & {_stem(w) for w in re.findall(r"[A-Za-z]+", clause)}


def _restates(clause: str, line: str, ja: bool) -> bool:
    """The clause says the question's predicate again: (almost) all its content words, or its
    superlative with a copula ("the hardest natural substance is …"); a superlative or ordinal of
    the question ("first", "一番") is always among them."""
    keys = {k.casefold() for k in _KEY.findall(line)}
    if not keys <= {k.casefold() for k in _KEY.findall(clause)}:
        return False
    wanted = _predicate_ja(line) if ja else _predicate_en(line)
    covered = len(_said_again(clause, line, ja))
    if len(wanted) >= 2 and covered >= max(2, -(-3 * len(wanted) // 4)):
        return True
    best = _SUPERLATIVE_EN.search(line) if not ja else None
    return bool(best and re.search(rf"\b{re.escape(best.group())}\b[^.;!?\n]*\b(?:is|was|are|were)\b", clause,
                                   re.IGNORECASE))


def _names_a_value(clause: str, line: str, ja: bool) -> bool:
    """The clause names something beyond the question's words, as a subject or topic of its own (not
    "it is the largest planet", nor a Japanese clause without は or が: "表にまとめました")."""
    if ja:
        wanted = _predicate_ja(line)
        return bool(re.search(r"[はが]", clause)) and any(
            pos == "名詞" and lemma not in wanted and surface not in _WH_JA for surface, pos, lemma in tokens(clause))
    wanted = _predicate_en(line)
    rest = [w for w in re.findall(r"[A-Za-z0-9]+", clause) if w.casefold() not in _STOP_EN and _stem(w) not in wanted]
    return bool(rest) and not _PRONOUN_SUBJECT.match(clause)


# A date of the event itself ("discovered in 1928", "1928年に発見"): not another time.
_DATED = re.compile(r"\bin\s+\d{3,4}\b|\d{3,4}年に")


def _definite(clause: str, ja: bool) -> bool:
    """A clause that states something as the answer's own: not denied, not a question or condition,
    not attributed to others, not about another time, not a list of candidates under a hedge."""
    denied = _DENIED_JA.search(clause) if ja else _DENIED_EN.search(clause)
    return not (denied or _HEDGED.search(clause) or about_another_time(_DATED.sub("", clause)) or attributed(clause) or conditional(clause.lstrip(" ,;"))
                or hedged_candidates(clause))


def commitment(answer: str, question: str) -> Commitment | None:
    """What the answer commits to for the asked slot (see the module), or None: an option letter
    picked, else the clauses that restate the question's predicate definitely. Never for a
    translation or rewrite, whose answer is a whole text."""
    if not question or is_rewrite(question):
        return None
    if picked := option_pick(answer, question):
        letter, text = picked
        return Commitment((), f"{letter}) {text}", f"option {letter} ({text})")
    line = _question_line(question)
    if not _WH.search(line) or _EXAMPLE.search(line):
        return None
    ja = bool(re.search(f"[{KANA}{UNIFIED}]", line))
    cut = max(withdrawn_before(answer), _opening_correction(answer))
    notes = note_spans(answer)
    parts = [_main_part(answer, c) for c in clauses(answer) if c.start >= cut
             and not any(a <= c.start < b for a, b in notes)]
    found = [p for p in parts if _restates(p.text, line, ja) and _names_a_value(p.text, line, ja)
             and _definite(p.text, ja) and not _denied_next(answer, p)
             and not points_to_what_follows(answer, p.end, p.text)]
    if not found and not cut and not after_correction(answer) and (single := _single_opening(answer, ja)):
        found = [single]
    if not found:
        return None
    found = [_slot_part(p, line, ja) for p in found]
    said = " ".join(found[0].text.split())
    return Commitment(tuple((p.start, p.end) for p in found), None, said[:60])


def _opening_correction(answer: str) -> int:
    """Where the sentence that opens on the answer's last self-correction (extract.after_correction:
    "Actually, …", "Wait, …", "いや、正しくは…", "訂正します") begins; 0 when there is none or the
    word stands inside a clause ("the hardest is actually lonsdaleite")."""
    at = after_correction(answer)
    sentence = next((s for s in sentences(answer) if s.start <= at < s.end), None)
    if not at or sentence is None or not re.fullmatch(r"[\s*_#>-]*", answer[sentence.start:at]):
        return 0
    return sentence.start


# Where the main clause's statement ends: a subordinate or descriptive clause after a comma
# (", although …", ", which …", ", covering …") or a dash.
_SUBORDINATE = re.compile(r",\s*(?:although|though|even|which|who|whose|while|whereas|covering|making|as|because|since"
                          r"|with)\b|\s[—–]\s", re.IGNORECASE)


def _main_part(text: str, clause: Span) -> Span:
    """The clause without a concessive opening ("Although X is often cited, …") and without what a
    subordinate clause after it adds (", which is harder than X")."""
    start, body = clause.start, clause.text
    if CONCESSIVE.match(body) and "," in body:
        start += body.index(",") + 1
    end = clause.end
    if stop := _SUBORDINATE.search(text, start, end):
        end = stop.start()
    return Span(text[start:end], start, end)


# An answer that opens on one value as its whole first sentence, hedged or not: "I think it's
# Michelangelo.", "I believe it was Leonardo da Vinci.", "芥川龍之介だと思います。", "夏目漱石です。".
_SINGLE_EN = re.compile(r"[\s*_]*(?:(?:I\s+(?:think|believe|guess|suppose)\s+)?(?:(?:it|that)\s*(?:'s|\s+is|\s+was|\s+would\s+be)"
                        r"\s+)?)(?P<value>[A-Z][^.,;:!?\n]{0,60}?)[*_]*[.!]?[ \t]*(?=\n|$|(?<=[.!])\s)")
_SINGLE_JA = re.compile(r"[\s*_]*(?P<value>[^。、\n]{1,30}?)[*_]*(?:だと思います|だと思う|だと考えます|でしょう|です|だ)[。！]")
_ORDINARY_WORDS_EN = re.compile(r"\b(?:is|are|was|were|be|the|a|an|or|and|not|no|of|to|in|it|this|that|there|I|you)\b")


def _single_opening(answer: str, ja: bool) -> Span | None:
    """The answer's first sentence when it is only one value (a name or a noun, with an "I think it's"
    or "…だと思います" around it): the answer's own pick, hedged or not; not a list of candidates, a
    clause with a subject of its own, or a sentence that denies; never one a self-correction takes back."""
    if ja:
        match = _SINGLE_JA.match(answer)
        single = match is not None and all(pos != "助詞" or surface == "の" for surface, pos, _ in tokens(match["value"]))
    else:
        match = _SINGLE_EN.match(answer)
        single = match is not None and len(match["value"].split()) <= 6 and not _ORDINARY_WORDS_EN.search(match["value"])
    if match is None or not single or not_a_name(match["value"]) or not _definite(match.group(), ja):
        return None
    return Span(match.group(), match.start("value"), match.end())


# Where a second predicate is coordinated to the clause's: "plants absorb oxygen | and release carbon
# dioxide", "酸素を吸収し|、二酸化炭素を放出します".
_COORDINATED_EN = re.compile(r",?\s+(?:and|while|whereas|but)\s+", re.IGNORECASE)
_COORDINATED_JA = re.compile(r"、")


def _slot_part(part: Span, line: str, ja: bool) -> Span:
    """The clause up to a second predicate coordinated to it, when what comes before already says the
    question's predicate with a value and the second adds none of the question's words: that value, not what the second predicate's verb governs,
    fills the slot ("plants absorb oxygen from the air and release carbon dioxide": oxygen)."""
    for cut in (_COORDINATED_JA if ja else _COORDINATED_EN).finditer(part.text):
        before = part.text[:cut.start()]
        if (_restates(before, line, ja) and _names_a_value(before, line, ja)
                and _said_again(before, line, ja) >= _said_again(part.text, line, ja)):
            return Span(before, part.start, part.start + cut.start())
    return part


# A mention that goes on with the slot's value past the clause's cut, as a coordinated object:
# "plants absorb water | and carbon dioxide".
_CONTINUES = re.compile(r"[\s,]*(?:and|or)\s+(?:(?:the|a|an|some)\s+)?[*_]*", re.IGNORECASE)


def continues_slot(text: str, stop: int, start: int) -> bool:
    """The text from a committed span's end (`stop`) to a mention (`start`) only coordinates another
    object with the slot's value ("… and carbon dioxide"), no verb of its own."""
    return stop <= start and _CONTINUES.fullmatch(text, stop, start) is not None


def _denied_next(text: str, part: Span) -> bool:
    """The statement is taken back right after it: ", but not in Brazil itself"."""
    return bool(re.match(r"[\s,]*(?:but\s+)?not\b", text[part.end:part.end + 30], re.IGNORECASE))
