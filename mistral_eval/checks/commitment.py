"""Which mentions an answer commits to, when the question asks for one thing: what a withdrawing
self-correction takes back ("富士山です。…訂正します。…北岳です", "Correction: …"), what the answer's
own marker names ("So the answer is **C**"), the answer's own statement of what is asked ("首都は
シドニーです。", "The capital of Australia is Sydney.", a bare first "京都です。"), a mention that is only
one item of a list of candidates ("木星、土星、天王星、海王星があります"), one ranked second or lower
("the second largest"), the question's alternatives said again ("Between X and Y"), one that only
modifies another noun ("Ganymede, the moon of Jupiter, …") or a possessive ("Jupiter's moons"). A
translation or rewrite asks for a whole text, not one thing.

Works on the answer text and the question with a few language-neutral rules; knows nothing about
checks, expected values, patterns or negation.
"""

from __future__ import annotations

import re

from mistral_eval.checks.asked import echo_of_the_question
from mistral_eval.checks.extract import answer_markers, attributed, clause_of, clauses, in_parentheses, sentences
from mistral_eval.checks.scripts import CJK_CHAR, HIRAGANA, IDEOGRAPHS, KATAKANA, UNIFIED

__all__ = ["about_another_time", "asked_noun", "asks_for_one", "echoes_the_alternatives", "in_candidate_list", "is_rewrite", "listed_options", "marked_span",
           "modifies_another_noun", "not_a_name", "points_to_what_follows", "possessive", "ranked_other_than_first", "set_against_what_came_before",
           "stated_answers", "weighed_then_dropped", "withdrawn_before"]

# A self-correction that takes back what came before (not "actually", which often only adds).
_WITHDRAWS = re.compile(
    r"\b(?:correction|oops|let\s+me\s+correct|(?:(?:need|have)\s+to|must|should)\s+correct\s+myself|on\s+second\s+thought"
    r"|I\s+(?:made|have\s+made)\s+(?:a|an)\s+"
    r"(?:mistake|error)|I\s+was\s+wrong|scratch\s+that|wait,\s+no)\b"
    r"|\bwait,?\s+(?:actually|sorry)\b"
    r"|訂正|間違えました|失礼しました|と言いたいところですが|いや、(?:違|正しくは|待って)", re.IGNORECASE)
# A sentence that opens by judging what came before wrong ("Hmm, actually I think that is wrong: …",
# "いや、それは間違いです。"); mid-sentence ("Sydney is often guessed, but that is wrong") it judges its own clause.
_JUDGES_PREVIOUS = re.compile(
    r"^[\s*_]*(?:(?:hmm+|oh|wait|no|well|actually|sorry|I\s+think|on\s+reflection)[\s,.!…]*)*"
    r"(?:that|this|my\s+(?:first\s+|previous\s+|above\s+)?answer)\s+(?:is|was|'s)\s+(?:wrong|incorrect|not\s+(?:right|correct))\b"
    r"|^[\s*_]*(?:いや、|あ、|すみません、)?(?:それ|これ|今の答え|先ほどの答え|上の答え)は(?:間違い|誤り|正しくありません)", re.IGNORECASE)
# "オーストラリアの首都はどこですか": the topic of a Japanese where/who/when question.
_ASKED_WH_JA = re.compile(r"(?:([^\s、。？?！!をにがはでと「」]{1,10})の)?([^\s、。？?！!のをにがはでと「」]{1,10})は"
                          r"[^。？?\n]{0,8}?(?:どこ|誰|だれ|いつ|何|なに|どれ|どの)")
# "What is the capital of Australia?", "Which city is the capital of Australia?": the asked noun.
_ASKED_WH_EN = re.compile(r"\b(?:what|which\s+\w+|who)\s+(?:is|was|are|were)\s+the\s+((?:\w+est\s+|most\s+\w+\s+)?[a-z]+)"
                          r"(?:\s+(?:of|in|on)\s+[^?]+)?\s*\?", re.IGNORECASE)
# The named value after the statement's phrase: a Japanese name (katakana, kanji, Latin; no kana
# phrase) closed by the copula at the clause's end ("首都はシドニーです。"), an English capitalised name
# ("the capital of Australia is Sydney").
_NAMED_JA = re.compile(rf"\s*[「『*]*([{KATAKANA}{IDEOGRAPHS}A-Za-z0-9ー\-.]{{1,15}}?)[」』*]*\s*(?:です|だ|である)[。！!]?\s*$")
_NAMED_EN = re.compile(r"\s+[*_]*(?:the\s+city\s+of\s+)?([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)[*_]*\s*(?:[.!;]?\s*$"
                       r"|,\s*(?:its|the|a|an|which|who)\s[^,;:]*[.!]?\s*$)")
# A statement is the answer's own when it opens its sentence (the main clause), after at most a
# connective: not "People often assume the capital is Sydney".
_OPENS = re.compile(r"^[\s*#>\-]*(?:(?:so|therefore|thus|hence|in\s+fact|actually|yes|no|finally|answer|つまり|なので|よって"
                    r"|したがって|結論として|はい|いいえ|答え)[\s,、:：.*]*)*$", re.IGNORECASE)
# A statement about another time ("Before 1927, the capital was Melbourne", "かつての首都は…"): not the answer.
_ANOTHER_TIME = re.compile(r"\b(?:before|until|till|formerly|once|used\s+to|previously|in\s+the\s+past|in\s+\d{3,4})\b"
                           # a past state that lasted: "Kyoto was the capital for over a thousand years"
                           r"|\b(?:was|were)\b[^.;:!?\n]*\bfor\s+(?:(?:over|more\s+than|about|nearly|almost|some)\s+)?"
                           r"(?:a|an|\w+)\s+(?:\w+\s+)?(?:years?|decades?|centuries|century)\b"
                           r"|以前|かつて|昔|当時|\d+年(?:まで|以前|当時|に)", re.IGNORECASE)
# "The answer is as follows", "答えは以下の通り": a marker that points elsewhere names nothing itself.
# "The answer is clear", "答えは上記の通り": nor does one that only judges the answer.
_POINTS_ELSEWHERE = re.compile(r"\b(?:as\s+follows|below|above|the\s+following|clear|simple|obvious|straightforward"
                               r"|therefore|thus)\b|以下|上記|次の(?:通り|とおり)|明らか|簡単", re.IGNORECASE)
# A sentence that points to what follows (a list, a table) instead of naming a value: "… is shown in
# the first row:", "… is the first one in this list:", "…は次の通りです", "…は以下の表の1行目です".
_POINTS_TO_WHAT_FOLLOWS = re.compile(r"\b(?:as\s+follows|below|the\s+following|(?:this|that|the)\s+(?:list|table)|(?:first|top)"
                                     r"\s+(?:row|item|entry|line))\b|以下|下記|次の(?:通り|とおり|表|一覧)|[0-9０-９一]行目|表の",
                                     re.IGNORECASE)
_ONE_ASKED = re.compile(
    r"\bone\s+word\b|\bin\s+a\s+word\b|\bthe\s+letter\b|\bthe\s+(?:\w+est|most\s+\w+)\b|\bwhich\s+(?:one|\w+\s+is)\b"
    r"|一言|一語|一番|最も|もっとも|記号で|どれ(?:です)?か", re.IGNORECASE)
# Items of an enumeration: proper names or short kanji/katakana nouns, three or more.
_EN_ITEM = r"(?:the\s+)?[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?"
_EN_LIST = re.compile(rf"{_EN_ITEM}(?:\s*,\s*{_EN_ITEM}){{1,}}\s*,?\s+(?:and|or)\s+{_EN_ITEM}"
                      rf"|{_EN_ITEM}(?:\s*,\s*{_EN_ITEM}){{2,}}")
_JA_ITEM = rf"[{KATAKANA}{IDEOGRAPHS}A-Za-z0-9ー]{{1,10}}"
_JA_LIST = re.compile(rf"{_JA_ITEM}(?:\s*[、,，]\s*{_JA_ITEM}){{2,}}")
# ", the moon of Jupiter,": a mention inside an appositive that names another noun by it.
# Not "the city of X", "the island of X": there "of" introduces the name itself.
_OF_BEFORE = re.compile(r",\s*(?:the|a|an)\s+(?:\w+\s+)?(?!(?:city|town|village|island|state|province|kingdom|republic"
                        r"|county|prefecture|port|name)\s)\w+\s+of\s+(?:the\s+)?[*_]*$", re.IGNORECASE)


_REWRITE = re.compile(r"\btranslat|\brewrite\b|\bparaphrase\b|\bsummari[sz]e\b|翻訳|訳して|訳す|書き換え|要約", re.IGNORECASE)


def about_another_time(text: str) -> bool:
    """A statement about another time ("Before 1927, …", "かつての…"), not what is asked now."""
    return bool(_ANOTHER_TIME.search(text))


def points_to_what_follows(text: str, end: int, clause: str) -> bool:
    """The clause (ending at `end` in `text`) only points to what follows: it ends in a colon that
    closes its line ("The highest mountain is shown in the first row:" before a table) or says "as
    follows", "below", "in this list", "次の通り", "以下の表": it names no value itself."""
    return bool(re.match(r"[ \t*_]*[:：][ \t*_]*(?:\n|$)", text[end:]) or _POINTS_TO_WHAT_FOLLOWS.search(clause))


def is_rewrite(question: str) -> bool:
    """A question that asks to translate, rewrite or summarise a text: its answer is a whole text, in
    which a correction or a note may change one word and keep the rest."""
    return bool(_REWRITE.search(question))


def asks_for_one(question: str) -> bool:
    """A question that asks for one thing: "in one word", "the letter", a superlative ("the largest",
    "一番", "最も"), "which one is"."""
    return bool(_ONE_ASKED.search(question))


def withdrawn_before(text: str) -> int:
    """Where the text after the last withdrawing self-correction ("Correction:", "I made a mistake",
    "訂正します", "…と言いたいところですが", a sentence that opens by judging what came before wrong: "Hmm,
    that is wrong", "いや、それは間違いです") begins; 0 when there is none. What comes before it is taken
    back."""
    ends = [m.end() for m in _WITHDRAWS.finditer(text)]
    ends += [s.start + m.end() for s in sentences(text) if (m := _JUDGES_PREVIOUS.match(s.text)) and s.start > 0]
    return max(ends, default=0)


def marked_span(text: str) -> tuple[int, int] | None:
    """The span the answer's own last marker names ("So the answer is **C**.", "答えは北岳です"): from
    the marker to the end of its sentence, when that names something short (at most 8 words or 20
    characters) rather than pointing elsewhere ("as follows", "以下"). Markers in views attributed to
    others or in asides are not the answer's own. None without one."""
    asides = in_parentheses(text)
    own = [m for m in answer_markers(text) if not attributed(clause_of(text, *m.span()).text)
           and not any(a.start <= m.start() < a.end for a in asides)]
    if not own:
        return None
    marker = own[-1]
    sentence = next((s for s in sentences(text) if s.start <= marker.end() <= s.end), None)
    end = sentence.end if sentence else len(text)
    named = text[marker.end():end].strip(" \t*_:：.。!！")
    # "the answer is **C) Saturn**, because …": the reason after the name does not lengthen it
    head = _REASON.split(named, maxsplit=1)[0]
    short = len(head.split()) <= 8 if head.isascii() else len(head) <= 20
    if not named or not short or _POINTS_ELSEWHERE.search(named):
        return None
    return marker.start(), end


_REASON = re.compile(r",?\s+(?:because|since)\s|,\s*(?:as|which)\s|、?なぜなら", re.IGNORECASE)


def in_candidate_list(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is one item of an enumeration of three or more names ("Jupiter,
    Saturn, Uranus and Neptune", "木星、土星、天王星、海王星").
    """
    sentence = next((s for s in sentences(text) if s.start <= start < s.end), None)
    if sentence is None:
        return False
    for pattern in (_EN_LIST, _JA_LIST):
        for match in pattern.finditer(sentence.text):
            if sentence.start + match.start() <= start and end <= sentence.start + match.end():
                return True
    return False


def modifies_another_noun(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` only modifies another noun in an appositive (", the moon of Jupiter,"):
    the answer names that noun, not the mention."""
    return bool(_OF_BEFORE.search(text[max(0, start - 40):start])) and bool(re.match(r"[*_]*\s*,", text[end:end + 4]))


def possessive(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is a possessive ("Jupiter's moons"): it names what it owns, not
    itself. Not the contraction of "is" ("Jupiter's the largest", "it's not")."""
    return bool(re.match(r"['’]s\s+(?!(?:the|a|an|not|also|still|definitely|clearly|actually|really|indeed|one|it)\b)[a-z]",
                         text[end:end + 20]))


def asked_noun(question: str) -> str | None:
    """The noun a where/what/which question asks for ("What is the capital of Canada?": capital,
    "カナダの首都はどこですか": 首都), or None."""
    asked = [x.text for x in sentences(question) if x.text.rstrip().endswith(("?", "？"))] or [question]
    if match := _ASKED_WH_JA.search(asked[-1]):
        return match.group(2)
    if match := _ASKED_WH_EN.search(asked[-1]):
        return match.group(1).split()[-1]
    return None


def _statement_phrase(question: str) -> re.Pattern[str] | None:
    """The phrase with which an answer states what the question asks: the asked noun as topic, its
    owner optional ("(オーストラリアの)首都は"), "the capital (of Australia) is"; else the numbers'
    reading of it (asked.echo_of_the_question)."""
    asked = [x.text for x in sentences(question) if x.text.rstrip().endswith(("?", "？"))] or [question]
    if match := _ASKED_WH_JA.search(asked[-1]):
        owner = rf"(?:{re.escape(match.group(1))}の)?" if match.group(1) else ""
        # The superlative that picks the asked noun, nominalised ("一番高い山は": "一番高いのは").
        best = _SUPERLATIVE_JA.search(asked[-1])
        nominal = rf"|{re.escape(best.group())}の(?:は|が)" if best else ""
        return re.compile(owner + re.escape(match.group(2)) + r"(?:は|が)" + nominal)
    if match := _ASKED_WH_EN.search(asked[-1]):
        words = match.group(1).split()  # "largest planet": after a superlative the noun may be left out
        head = (rf"{re.escape(' '.join(words[:-1]))}(?:\s+{re.escape(words[-1])})?" if len(words) > 1
                else re.escape(words[0]))
        return re.compile(rf"\bthe\s+{head}(?:\s+(?:of|in|on)\s+[^,.;:!?]{{1,40}}?)?\s+(?:one\s+)?(?:is|was)\b",
                          re.IGNORECASE)
    return echo_of_the_question(question)


_SUPERLATIVE_JA = re.compile(f"(?:一番|最も|もっとも)[{HIRAGANA}{UNIFIED}]{{1,4}}?(?:い|な)(?=[^{HIRAGANA}]|の)")


# A bare answer as the first sentence, the topic left out ("京都です。", "Kyoto."): not a reply word.
_BARE_JA = re.compile(rf"^[\s*#>]*[「『*]*([{KATAKANA}{IDEOGRAPHS}A-Za-z0-9ー]{{1,15}})[」』*]*\s*(?:です|だ|でしょう)?[。！!]?\s*$")
_BARE_EN = re.compile(r"^[\s*#>]*(?:the\s+)?[*_]*([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2})[*_]*\s*[.!]?\s*$")
_NOT_A_NAME = re.compile(r"^(?:yes|no|sure|okay|ok|well|certainly|absolutely|hello|hi|great|thanks|answer|note|correct|"
                         r"true|false|了解|結論|回答|答え|正解|承知|以下|解説|説明)$", re.IGNORECASE)


def not_a_name(word: str) -> bool:
    """A bare first word that names no answer: a reply word ("Sure", "了解"), or a short Latin word
    before a period that may be an abbreviation or a letter ("Mt. Fuji", "B. Mars …")."""
    word = word.strip()
    return bool(_NOT_A_NAME.match(word)) or (word.isascii() and len(word) < 4)


def _bare_answer(text: str) -> tuple[int, int, str] | None:
    first = next(iter(sentences(text)), None)
    if first is None:
        return None
    named = _BARE_JA.match(first.text) if CJK_CHAR.search(first.text) else _BARE_EN.match(first.text)
    if named is None or not_a_name(named.group(1)):
        return None
    return first.start, first.end, named.group(1)


def _opens_with(before: str, question: str) -> bool:
    """What comes before a statement's phrase keeps it the answer's own main clause: at most a
    connective, or the question's own words said again ("『吾輩は猫である』の作者は", "日本で一番長い川は")."""
    words = before.strip(" \t\n*#>")
    return bool(_OPENS.match(before)) or (len(words) >= 2 and words in question)


def stated_answers(text: str, question: str) -> list[tuple[int, int, str]]:
    """The answer's own statements of what the question asks, each naming one value ("首都はシドニー
    です。", "The capital of Australia is Sydney."; for a question that asks for one thing, also a
    bare name as the first sentence: "京都です。", "Kyoto."): (start, end, the value) of each. Only
    a main clause that opens with it, in the question's tense, not about another time ("Before 1927,
    …", "かつての…") nor in a view attributed to others; a negated or hedged one names nothing."""
    bare = _bare_answer(text) if asks_for_one(question) else None
    found = [bare] if bare else []
    phrase = _statement_phrase(question)
    if phrase is None:
        return found
    tense = re.search(r"\b(is|was|are|were)\b", question, re.IGNORECASE)
    for sentence in clauses(text):
        echo = phrase.search(sentence.text)
        if (echo is None or attributed(sentence.text) or not _opens_with(sentence.text[:echo.start()], question)
                or _ANOTHER_TIME.search(sentence.text)
                or (tense and re.search(r"\b(?:is|was|are|were)\b", echo.group(), re.IGNORECASE)
                    and not echo.group().lower().endswith(tense.group(1).lower()))):
            continue
        rest = sentence.text[echo.end():]
        named = _NAMED_JA.match(rest) if CJK_CHAR.search(rest) else _NAMED_EN.match(rest)
        if named:
            found.append((sentence.start, sentence.end, named.group(1)))
    return found


# An ordinal rank other than the first ("second largest", "comes third", "2番目に大きい", "次いで"),
# not of a position ("the fifth planet from the Sun"): before a superlative or after a verb of ranking.
_ORDINAL_WORD = r"(?:second|third|fourth|fifth|2nd|3rd|4th|5th)"
_ORDINAL = re.compile(rf"\b{_ORDINAL_WORD}[\s-]+(?:\w+est|most\s+\w+|biggest)\b"
                      rf"|\b(?:comes?|came|ranks?|ranked|finish(?:es|ed)?|places?|placed)\s+{_ORDINAL_WORD}\b|\brunner-up\b"
                      r"|(?:[2-9２-９二三四五六七八九]|[1-9１-９]\d)番目に(?:大き|高|長|多|小さ|低|短|少な|重|広|深|古|新|速|遠|近)"
                      r"|次いで|に次ぐ|[2-9２-９二三四五]位", re.IGNORECASE)


# "…, followed a few minutes later by X": X comes after the first.
_FOLLOWED_BY = re.compile(r"\bfollowed\b[^.;!?\n]{0,40}?\bby\s+(?:the\s+)?[*_]*(?-i:[A-Z][\w.'-]*\s+){0,3}$",
                          re.IGNORECASE)
_ASKS_FIRST = re.compile(r"\bfirst\b|最初|初めて|一番目", re.IGNORECASE)


def ranked_other_than_first(text: str, start: int, end: int, question: str) -> bool:
    """Whether the clause of `text[start:end]` ranks it second or lower ("Saturn is the second largest",
    "Saturn comes second", "土星は2番目に大きい") when the question asks for no such rank, or names
    it as what followed the first ("…, followed minutes later by Aldrin") when the question asks for
    the first."""
    clause = clause_of(text, start, end).text
    if _ASKS_FIRST.search(question) and _FOLLOWED_BY.search(text[max(0, start - 60):start]):
        return True
    return bool(_ORDINAL.search(clause)) and not _ORDINAL.search(question)


# The options a question lists without letters: "Which of these is a mammal? Shark, dolphin, tuna",
# "次のうち哺乳類はどれですか？ サメ、イルカ、マグロ".
_LISTED = re.compile(r"[?？:：]\s*([^\n?？]+?)\s*[.。]?\s*$", re.MULTILINE)


def listed_options(question: str) -> list[str]:
    """The options the question lists after its question mark or colon, separated by 、 or commas
    (two or more, each short); [] when it lists none."""
    for match in _LISTED.finditer(question):
        items = [i.strip(" *_「」\"'") for i in re.split(r"\s*(?:[、,，]|\bor\b|\band\b)\s*", match.group(1))]
        items = [i for i in items if i]
        if len(items) >= 2 and all(len(i) <= 20 for i in items):
            return items
    return []


def echoes_the_alternatives(text: str, start: int, end: int, question: str) -> bool:
    """Whether `text[start:end]` is one of the question's own alternatives said again together
    ("Between Jupiter and Saturn, …", "木星と土星のうち、…" for "Jupiter or Saturn?"): an echo, not a pick."""
    offered = re.search(r"([\w・ー]+)\s*(?:,\s*)?(?:\bor\b|か、?|それとも|または)\s*([\w・ー]+)", question)
    if offered is None:
        return False
    names = {offered.group(1).lower(), offered.group(2).lower().rstrip("か")}
    if text[start:end].lower() not in names:
        return False
    around = text[max(0, start - 60):end + 60].lower()
    together = re.search(r"(?:between\s+)?([\w・ー]+)\s+(?:and|or)\s+([\w・ー]+)|([\w・ー]+?)(?:と|か)([\w・ー]+?)(?:の(?:うち|中で|どちら)|では)",
                         around)
    return together is not None and {g for g in together.groups() if g} == names


def set_against_what_came_before(text: str, start: int) -> bool:
    """Whether the clause at `start` opens with a contrast ("…, but the largest is Neptune",
    "…が、一番大きいのは…"): it is set against what came before."""
    return bool(re.search(r"(?:\b(?:but|however|yet|whereas)|しかし|でも|ですが|が|けど|けれど)[\s,、]*$", text[max(0, start - 14):start],
                          re.IGNORECASE))


_PAIR = re.compile(r"([\w・ー]+)\s+(?:and|or)\s+([\w・ー]+)|([^\s、。と]+?)(?:と|か)([^\s、。と]+?)(?:で|の|か|\s|[、,?？])")


def weighed_then_dropped(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is one of two names weighed in a clause ("between Tokyo and Kyoto,
    but …", "東京と京都で迷いますが、…") whose next clause, set against it, names only the other: the
    other is the pick."""
    found = [c for c in clauses(text) if c.start <= start < c.end]
    if not found:
        return False
    clause = found[0]
    following = next((c for c in clauses(text) if c.start >= clause.end), None)
    if following is None or not (re.search(r"(?:\bbut|が、|けど、|けれど、|[?？])\s*$", clause.text)
                                 or set_against_what_came_before(text, following.start)):
        return False
    mention = text[start:end]
    for pair in _PAIR.finditer(clause.text):
        names = [g for g in pair.groups() if g]
        if mention in names:
            other = names[1 - names.index(mention)]
            return other in following.text and mention not in following.text
    return False
