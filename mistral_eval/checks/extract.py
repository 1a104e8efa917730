"""The structure of an answer that a grader reads before judging it: sentences and clauses, the
final-answer span (after the last self-correction, an answer marker or bold text), quoted text,
parenthetical asides, conditional alternatives ("if you meant …") and views attributed to others
("many think A, but B").

Works on plain text with a few language-neutral rules (English and Japanese markers); knows nothing
about checks, expected values, numbers or morphology.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mistral_eval.checks.scripts import KATAKANA, UNIFIED

__all__ = ["CONCESSIVE", "CONCLUSION", "FORMERLY_JA", "FRONTED_ADVERBIAL", "IRREGULAR_PAST", "REASON_JA", "Span",
           "after_correction", "answer_marker", "conditional_on_asked", "answer_markers",
           "attributed", "clause_of", "clauses", "compared", "comparison_standard", "content_terms", "conditional", "contrasted",
           "copied_from", "in_parentheses", "withdrawn",
           "quoted_spans", "refuses", "sentences", "table_rows"]

# English verbs whose past tense is not stem + -ed, past (and participle) -> base form: "fell" is
# "fall", so "The Berlin Wall fell in 1989" says the question's "did the Berlin Wall fall" again.
IRREGULAR_PAST = {"fell": "fall", "fallen": "fall", "sank": "sink", "sunk": "sink", "won": "win", "began": "begin",
                  "begun": "begin", "wrote": "write", "written": "write", "ran": "run", "rose": "rise",
                  "risen": "rise", "became": "become", "came": "come", "took": "take", "taken": "take",
                  "gave": "give", "given": "give", "found": "find", "made": "make", "built": "build", "led": "lead",
                  "broke": "break", "broken": "break", "drew": "draw", "drawn": "draw", "flew": "fly",
                  "flown": "fly", "grew": "grow", "grown": "grow", "knew": "know", "known": "know", "saw": "see",
                  "seen": "see", "sang": "sing", "sung": "sing", "spoke": "speak", "spoken": "speak",
                  "struck": "strike", "threw": "throw", "thrown": "throw", "froze": "freeze", "frozen": "freeze",
                  "held": "hold", "lost": "lose", "sold": "sell", "taught": "teach", "thought": "think",
                  "brought": "bring", "bought": "buy", "fought": "fight", "caught": "catch", "stood": "stand",
                  "met": "meet", "sent": "send", "spent": "spend", "told": "tell", "wore": "wear", "ate": "eat",
                  "eaten": "eat", "drank": "drink", "swam": "swim", "hid": "hide", "shot": "shoot", "bore": "bear",
                  "born": "bear", "went": "go", "gone": "go", "did": "do", "done": "do", "had": "have"}

_SENTENCE = re.compile(r"[^。！？!?\n]+?(?:[。！？!?]+|\.(?=\s|$)|\n|$)|[^。！？!?\n]+", re.DOTALL)
_CLAUSE_BREAK = re.compile(r"[;；:：—–]|\s-\s|,\s*(?:but|however|while|whereas|and|so)\b|\b(?:but|however)\b"
                           r"|(?:が|けど|けれど|けれども|ですが|ますが)、|、(?:しかし|でも|ただ)|ではなく、?",
                           re.IGNORECASE)
_CORRECTION = re.compile(
    r"\b(?:wait|actually|correction|oops|sorry|let me (?:re-?check|recalculate|correct)|"
    r"on second thought|I made (?:a|an) (?:mistake|error))\b"
    r"|訂正|いや、|失礼しました|間違えました|計算し直|やり直|正しくは|実は|と言いたいところ(?:です)?が",
    re.IGNORECASE)
_MARKER = re.compile(
    r"\b(?:(?:the\s+)?(?:final\s+)?answer\s*(?:is|would\s+be|will\s+be|[:=])|in\s+conclusion|so\s+the\s+answer)"
    r"|(?:答え|正解|解答|結論|回答)\s*(?:は|が|[:=：])|(?:^|\n)\s*(?:\*\*)?(?:answer|答え)(?:\*\*)?\s*[:：]",
    re.IGNORECASE)
_PARENS = re.compile(r"[(（][^()（）\n]{0,80}[)）]")
_QUOTES = re.compile(r"「[^「」\n]*」|『[^『』\n]*』|\"[^\"\n]*\"|“[^“”\n]*”")
_CONDITIONAL = re.compile(r"^\s*(?:\*\*)?(?:if\s+(?:you|we|the\s+question)\s+(?:meant|mean|instead)|if\s+instead"
                          r"|もし|仮に)", re.IGNORECASE)
_ATTRIBUTED = re.compile(
    r"(?:(?:と|そう)(?:思う|思って(?:い)?る|考える|考えて(?:い)?る|信じる|信じて(?:い)?る|答える|訳す|言う|いう|する|書く|呼ぶ|選ぶ)人(?:も|が|は)"
    r"(?:多い|少ない|います|いる|おり|いない|いません)|と(?:誤解|勘違い)され"
    r"|と思われがち|と(?:言われ|いわれ)ることも|と(?:よく)?(?:言われ|いわれ)(?:ます|ています|ている|る)?(?:が|けど|けれど))"
    r"|(?:多くの|一部の|大半の|ほとんどの)(?:人|方)々?(?:は|が)[^。、\n]{0,30}?(?:と|って)(?:言い|言って|言う|思い|思って|思う|考え|信じ|答え)"
    r"|\b(?:many|some|most)\s+(?:people\s+)?(?:\w+ly\s+)?(?:think|believe|say|assume|guess|answer|call)"
    r"|\b(?:it\s+is\s+)?(?:often|commonly|widely)\s+(?:thought|believed|mistaken|assumed|said|claimed)"
    r"|\bcommon\s+(?:mistake|misconception)"
    r"|\b(?:a\s+)?(?:popular|common|widespread)\s+(?:myth|belief)|\bit\s+is\s+a\s+myth\b|\bcontrary\s+to\s+popular"
    r"|\b(?:many|some|most|other)\s+(?!(?:will|would|might|may)\b)\w+\s+(?:say|claim|suggest|state|answer|pick|choose|call)\b"
    r"|\baccording\s+to\s+some\b"
    # "Some people will tell you …", "Many cooks would say …", "People often say …"
    r"|\b(?:many|some|most|other)\s+(?:\w+\s+)?(?:will|would|might|may|often|usually)\s+(?:tell\s+you|say|think|answer|claim)\b"
    r"|\bpeople\s+(?:often|commonly|usually|sometimes|will|would|might|may)\s+(?:tell\s+you|say|think|believe|claim)\b"
    r"|と(?:いう|言う)(?:のは)?(?:よくある)?(?:誤解|俗説|迷信)", re.IGNORECASE)


CONCLUSION = re.compile(r"\b(?:so|therefore|thus|actually|in\s+fact|final(?:ly)?|in\s+(?:short|sum|conclusion)|to\s+sum\s+up"
                        r"|all\s+in\s+all|in\s+the\s+end)\b"
                        r"|やはり|なので|つまり|結局|したがって|よって|正しくは|結論として|要するに|まとめると", re.IGNORECASE)
"""A word that concludes ("so", "in short", "in conclusion", つまり, 結論として, 要するに): what follows it
in its sentence is the answer's conclusion."""
CONCESSIVE = re.compile(r"^\W*(?:although|though|even\s+though|while|whilst|granted|admittedly)\b", re.IGNORECASE)
"""A clause that opens by conceding ("Although it sounds correct, …"): an aside before the main clause."""
FRONTED_ADVERBIAL = re.compile(r"^\W*(?:since|because|as|although|though|even\s+though|while|whilst|given\s+that)\b[^.!?;:\n]*,", re.IGNORECASE)
"""A causal or concessive clause fronted before its main clause and closed by a comma ("Since 91 is not
divisible by 2, 3 or 5, yes, …"): what it says (a negation too) belongs to it, not to the main clause. Not a
condition: "if he had not eaten any, he would have 8" is counterfactual, its main clause not asserted."""
REASON_JA = re.compile(r"^[^。！？\n]*?(?:ので|から|ため(?:に)?)、")
"""A Japanese reason clause opening a sentence (「…したので、」「…だから、」「…ため、」): what follows is the main
clause, which carries the sentence's claim."""
FORMERLY_JA = "かつて|以前|昔|もともと|元々"
"""Japanese words that place a statement in a former time (alternatives, to embed in a pattern)."""


@dataclass(frozen=True)
class Span:
    """A piece of the answer: its text and where it starts and ends."""

    text: str
    start: int
    end: int


def sentences(text: str) -> list[Span]:
    """Sentences and lines, split at 。！？!? or a period before space, and at line breaks."""
    return [Span(m.group(), m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def clauses(text: str) -> list[Span]:
    """Clauses: sentences further split at ; : and contrasting conjunctions (but, however, が、, ではなく)."""
    found = []
    for sentence in sentences(text):
        start = sentence.start
        for brk in _CLAUSE_BREAK.finditer(sentence.text):
            end = sentence.start + brk.end()
            if text[start:end].strip():
                found.append(Span(text[start:end], start, end))
            start = end
        if text[start:sentence.end].strip():
            found.append(Span(text[start:sentence.end], start, sentence.end))
    return found


def clause_of(text: str, start: int, end: int) -> Span:
    """The clause holding `text[start:end]` (the whole text when none does)."""
    for clause in clauses(text):
        if clause.start <= start < clause.end:
            return Span(text[clause.start:max(end, clause.end)], clause.start, max(end, clause.end))
    return Span(text, 0, len(text))


def after_correction(text: str) -> int:
    """Where the text after the last self-correction ("wait", "actually", "訂正", "いや、正しくは")
    begins, at the start of its sentence; 0 when there is none."""
    last = None
    for match in _CORRECTION.finditer(text):
        last = match
    if last is None:
        return 0
    return last.start()


def answer_marker(text: str) -> re.Match[str] | None:
    """The last answer marker ("the answer is", "答えは", "結論:", "Answer:"), if any."""
    last = None
    for match in _MARKER.finditer(text):
        last = match
    return last


# An answer marker that gives others' view, not the answer's own: "The intuitive answer is …", "You might
# think the answer is …" (the adjective or the hearer's thought right before it).
_OTHERS_MARKER = re.compile(r"(?:\b(?:intuitive|obvious|common|tempting|naive|na\u00efve|usual|instinctive|popular|quick)"
                            r"\s+|\b(?:might|may|would|could)\s+(?:think|assume|guess|say)\s+(?:that\s+)?(?:the\s+)?)$",
                            re.IGNORECASE)
# The value just given is rejected: "…, but that's wrong", "Hmm, but that's not right", "それは間違いです".
_REJECTS = re.compile(r"(?:^|[,.;:!?。、]\s*)(?:(?:hmm|well|however|but|no)[,.]?\s+)*(?:that(?:'s|\s+is)\s+"
                      r"(?:not\s+(?:right|correct|true|the\s+case)|wrong|incorrect)\b"
                      r"|(?:しかし|でも)?、?(?:それは|これは)(?:間違い|誤り|正しくありません|正しくない))", re.IGNORECASE)


def withdrawn(text: str, marker: re.Match[str]) -> bool:
    """An answer marker that is not the answer's own commitment: others' view ("The intuitive answer
    is 10 cents") or a value rejected right after, in the rest of its sentence or the next one opening
    ("…, but that's wrong", "Hmm, but that's not right", "それは間違いです")."""
    if _OTHERS_MARKER.search(text[max(0, marker.start() - 40):marker.start()]):
        return True
    ends = [m.end() for m in re.finditer(r"[。！？!?\n]|\.(?!\d)", text[marker.end():])][:2]
    stop = marker.end() + (ends[-1] if ends else len(text) - marker.end())
    return bool(_REJECTS.search(text, marker.end(), stop))


def answer_markers(text: str) -> list[re.Match[str]]:
    """Every answer marker, in order (a caller may leave out those in views attributed to others)."""
    return list(_MARKER.finditer(text))


def in_parentheses(text: str) -> list[Span]:
    """Parenthetical asides: (…) and （…）."""
    return [Span(m.group(), m.start(), m.end()) for m in _PARENS.finditer(text)]


def quoted_spans(text: str) -> list[Span]:
    """Quoted text: 「…」, 『…』, "…", “…” (the quotes included)."""
    return [Span(m.group(), m.start(), m.end()) for m in _QUOTES.finditer(text)]


def conditional(sentence: str, question: str = "") -> bool:
    """A sentence that gives an alternative for another reading of the question ("If you meant …",
    "もし…という意味でしたら"). Not when its condition names the question's own case ("If you mean
    Fahrenheit, …" for a question in degrees Fahrenheit): then it answers what is asked."""
    return _CONDITIONAL.match(sentence) is not None and not conditional_on_asked(sentence, question)


def conditional_on_asked(sentence: str, question: str) -> bool:
    """A conditional sentence whose condition names only the question's own case ("If you meant
    minutes, it would be 180 minutes." for a question in minutes): it gives the asked value, but
    as a reading the answer does not commit to."""
    opening = _CONDITIONAL.match(sentence)
    if opening is None or not question:
        return False
    condition = re.split(r"[,、，]", sentence[opening.end():], maxsplit=1)[0]
    words = content_terms(condition)
    return bool(words) and all(w.casefold() in question.casefold() for w in words)


_TERM = re.compile(rf"[A-Za-z]{{4,}}|[{KATAKANA}{UNIFIED}]{{2,}}")


def content_terms(text: str) -> list[str]:
    """The words of `text` that can name a case: English words of 4+ letters, runs of 2+ katakana or
    kanji ("If you meant minutes", "華氏に換算すると": minutes, 華氏, 換算)."""
    return _TERM.findall(text)


def compared(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is the term a comparison sets beside something else ("The Nile, by
    comparison, …", "compared with the Nile", "ナイル川と比べても…"): described beside another, not
    said to be what was asked."""
    after = re.match(r"[*_]*\s*,?\s*(?:by|in)\s+(?:comparison|contrast)\b|[" + KATAKANA + UNIFIED + r"]{0,2}\s*(?:と|に)(?:比べ|比較し)", text[end:end + 20],
                     re.IGNORECASE)
    before = re.search(r"\b(?:compared\s+(?:with|to)|unlike)\s+(?:the\s+)?[*_]*$", text[max(0, start - 30):start],
                       re.IGNORECASE)
    return bool(after or before)


# The standard of a comparison: "harder than diamond", "東京ほどではありませんが", "中国よりも多い".
_STANDARD_BEFORE = re.compile(r"\bthan\s+(?:the\s+|that\s+of\s+)?[*_]*$", re.IGNORECASE)
_STANDARD_AFTER = re.compile(r"[*_」』]*(?:より(?:も)?|ほど(?:では|で|じゃ|には|は)?(?:ない|ありません|なく))")


def comparison_standard(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is the standard a comparison measures against ("X is harder than
    diamond", "東京ほどではありませんが", "中国よりも多い"): named as the measure, not as the answer."""
    clause = clause_of(text, start, end).text
    if re.search(r"\bno\s+other\b|\bno\s+[a-z]+\s+(?:is|are|was|were)\b|\bnothing\b|\bnone\b|より[^。、\n]*(?:ありません|ない|存在しません)", clause, re.IGNORECASE):
        return False  # "No other planet is larger than Jupiter": the standard is the answer
    return bool(_STANDARD_BEFORE.search(text[max(0, start - 20):start]) or _STANDARD_AFTER.match(text, end))


# An answer that refuses to answer from its own knowledge: "I don't have access to up-to-date
# information", "I can't verify", "please verify with an official source", "確認できません".
_REFUSES = re.compile(r"\bI\s+(?:don't|do\s+not)\s+have\s+access\b|\b(?:can't|cannot|can\s+not|am\s+unable\s+to)\s+verify\b"
                      r"|\bplease\s+(?:verify|double-check|check)\b[^.\n]{0,30}\bofficial\b"
                      r"|確認(?:でき|出来)(?:ません|ない)|(?:公式|最新)の(?:情報|資料)で(?:ご)?確認", re.IGNORECASE)


def refuses(text: str) -> bool:
    """The answer says it cannot answer from its own knowledge and sends the reader elsewhere."""
    return bool(_REFUSES.search(text))


def attributed(clause: str) -> bool:
    """A clause that reports what others think ("many think A", "Aと思う人もいますが"): not the
    answer's own claim."""
    return bool(_ATTRIBUTED.search(clause))


# Two statements contrasted in one sentence: "A regular year has 365 days, while a leap year has 366."
_CONTRAST = re.compile(r",\s*(?:while|whereas|but)\s+(?=(?:a|an|the)\s)|;\s+(?=(?:a|an|the)\s)|(?<=です)が、|(?<=ます)が、",
                       re.IGNORECASE)


def contrasted(text: str) -> list[Span]:
    """Sentences, each further split where it contrasts two statements (", while a …", "…ですが、")."""
    pieces = []
    for sentence in sentences(text):
        start = sentence.start
        for brk in _CONTRAST.finditer(sentence.text):
            pieces.append(Span(text[start:sentence.start + brk.end()], start, sentence.start + brk.end()))
            start = sentence.start + brk.end()
        pieces.append(Span(text[start:sentence.end], start, sentence.end))
    return pieces


_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.MULTILINE)
_RULE_ROW = re.compile(r"^[ \t]*\|[\s:|-]*\|[ \t]*$")


def table_rows(text: str) -> list[Span]:
    """The data rows of markdown tables: rows below a header and its rule row (|---|---|)."""
    rows = list(_TABLE_ROW.finditer(text))
    data: list[Span] = []
    for i, row in enumerate(rows):
        header_above = any(_RULE_ROW.match(r.group()) for r in rows[max(0, i - 1):i]) or (
            data and data[-1].end + 1 >= row.start())
        if header_above and not _RULE_ROW.match(row.group()):
            data.append(Span(row.group(), row.start(), row.end()))
    return data


_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")


def _joined(words: list[str]) -> str:
    return " " + " ".join(words) + " "


def copied_from(text: str, source: str, min_words: int = 3) -> list[Span]:
    """Runs of at least `min_words` Latin-script words that `text` copies word for word, in order, from
    `source` (case, spacing and punctuation aside): the text of a translation request said again, a
    question restated. A run stops at any letter of another script between its words."""
    source_words = _joined([w.casefold() for w in _LATIN_WORD.findall(source)])
    words = list(_LATIN_WORD.finditer(text))
    spans: list[Span] = []
    i = 0
    while i < len(words):
        j = i + 1
        while (j < len(words) and not any(c.isalpha() for c in text[words[j - 1].end():words[j].start()])
               and _joined([w.group().casefold() for w in words[i:j + 1]]) in source_words):
            j += 1
        if j - i >= min_words and _joined([w.group().casefold() for w in words[i:j]]) in source_words:
            start, end = words[i].start(), words[j - 1].end()
            spans.append(Span(text[start:end], start, end))
            i = j
        else:
            i += 1
    return spans
