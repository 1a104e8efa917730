"""Whether the answer asserts a mention (`polarity`: asserted, denied or unresolved), and the other
ways a mention is not the answer's claim: only asked (`asked`), a former state (`superseded`),
ranked below another (`ranked_below`).

Denied in its clause, English: a negation word before the span in its clause ("I don't think it is
X" too; "no" as a determiner denies its own noun: "no other planet … than X"), "X is not the …"
right after it (an identity denied; "X is not small" and "X is not a large city" say something about
X, unless the noun is the question's own), X the subject of a denied verb ("Water does not
contain caffeine") or judged wrong ("X is a common wrong guess", "Xは間違いです"); "not only X", a double negation and a hedged question ("Isn't it X?") affirm.
Japanese, read by morphology: the copula after the span (japanese.denies: …ではない, and
…ではないかと思います affirms), X's identity denied (japanese.denies_identity; "Xは首都ではなく、…"
with the question's own noun), or X's own predicate, the first verb or adjective after it, denied
(雨が降らない; 東京だとは思いません; …とは限らない only possible, not asserted). A denial in a concessive
clause defers to the main clause ("X doesn't …, but it is …", "Xは…ませんが、…です"): asserted when
the topic carries over, unresolved when the main clause has another subject. When the question's
own sentence is negated, a negation in the answer restates it; only a contrast denies.
Knows nothing about checks or expected values.
"""

from __future__ import annotations

import re
from typing import Literal

from mistral_eval.checks.extract import FORMERLY_JA, FRONTED_ADVERBIAL, clause_of, sentences
from mistral_eval.checks.japanese import denies, denies_identity, tokens as ja_tokens
from mistral_eval.checks.scripts import JA_CHAR

__all__ = ["Polarity", "asked", "is_negated", "polarity", "ranked_below", "superseded"]

Polarity = Literal["asserted", "denied", "unresolved"]

_BEFORE = re.compile(
    r"(?:\b(?:not|never|no)|n't)\s+(?:(?:be|is|are|was|the|a|an|exactly|quite|really|necessarily|longer|"
    r"entirely|completely|called|named|in|at|on)\s+)*$", re.IGNORECASE)
_CLAUSE_NEGATION = re.compile(r"\b(?:not|never|neither|nor)\b|\bno\b(?!\s*[,.!;:])|n't\b", re.IGNORECASE)
# "No other planet is larger than X": "no" as a determiner denies its own noun, not X.
_DETERMINER_NO = re.compile(r"no\s+(?!longer\b)[a-z]", re.IGNORECASE)
_NOT_ONLY = re.compile(r"\bnot\s+(?:only|just|merely)\b|\bno\s+doubt\b|\bno\s+(?:wonder|question)\b",
                       re.IGNORECASE)
# "X is not the capital" denies X as the answer; "X is not small" says something about X, and so
# does "X is not a large city" unless the noun is the question's own ("X is not a capital city").
_COPULA_NOT = re.compile(r"^\W{0,3}\s*(?:(?:is|was|are|were)\s*(?:not|n't)|isn't|wasn't|aren't)\s+"
                         r"(?:(?:the|called|named|correct|right|it|one\s+of)\b|(?P<indefinite>an?\s+(?P<noun>[^,.;:!?]{1,40})))",
                         re.IGNORECASE)
# "X is a common wrong guess", "Xは間違いです": the mention judged wrong.
_JUDGED_WRONG = re.compile(r"^[\s*\"”')]*(?:is|was|would\s+be)\s+(?:(?:a|an|the)\s+)?(?:common\s+|frequent\s+|popular\s+)?"
                           r"(?:wrong|incorrect|mistaken|mistake|error)\b"
                           r"|^[」』\"”*]*\s*(?:は|と(?:いう|言う)(?:の|答え)は)\s*(?:よくある)?(?:間違い|誤り|誤答|不正解)", re.IGNORECASE)
# "Water does not contain caffeine": the subject of a denied verb is denied with it.
_SUBJECT_OF_DENIED_VERB = re.compile(
    r"^[\s*\"”']*(?:(?:does|do|did|will|would|can|could|should|has|have|had)\s*(?:not\b|n't)|cannot\b|never\b"
    r"|(?:doesn|don|didn|won|can|couldn|shouldn|hasn|haven|hadn|wouldn)'t)", re.IGNORECASE)
_CONTRAST_THEN = re.compile(r"\b(?:but|yet|however|though|although|whereas)\b,?\s+(\w+)", re.IGNORECASE)
_PRONOUNS = {"it", "they", "he", "she", "this", "that", "its", "their"}
_CONCESSIVE = {"が", "けど", "けれど", "けれども", "ものの", "のに"}
# "Sydney? No — it is Canberra": a mention asked, then turned down.
_TURNED_DOWN = re.compile(r"^[\s*]*(?:no\b|nope\b|not\s+(?:quite|really|exactly)\b|wrong\b|incorrect\b"
                          r"|いいえ|いや|違い|ちがい)", re.IGNORECASE)
# "Kyoto used to be the capital, but today it is Tokyo": a former state, superseded by a present one.
_FORMER = re.compile(r"\b(?:used\s+to|formerly|was\s+once|once\s+was|former|previously|had\s+been|the\s+old)\b"
                     r"(?!\s+(?:known|called|named))|旧|" + FORMERLY_JA, re.IGNORECASE)
_PRESENT = re.compile(r"\b(?:today|now|currently|nowadays|at\s+present|these\s+days)\b|現在|今は|今日では|いまは|現代",
                      re.IGNORECASE)
_YES_OR_NO = re.compile(r"\byes\s+or\s+no\b|\btrue\s+or\s+false\b|はいかいいえ|「はい」か「いいえ」", re.IGNORECASE)
_RANKED_AFTER = re.compile(r"(?:\b(?:than|followed\s+by|ahead\s+of)\s+(?:the\s+)?(?:\w+\s+(?:and|,)\s+)?[*_]*"
                           r"|(?:次いで|に続いて|続いて)[、,]?\s*)$", re.IGNORECASE)
_ALTERNATIVES = re.compile(r"\bor\b|か、.*か[?？]|それとも|または", re.IGNORECASE)
_CONFIRMED = re.compile(r"^[\s*]*(?:yes\b|yeah\b|right\b|correct\b|exactly\b|indeed\b|はい|そう|その通り|正解)",
                        re.IGNORECASE)
# "Isn't it Tokyo?", "Wouldn't it be Tokyo?": a hedged guess that affirms.
_HEDGED_QUESTION = re.compile(r"^\W*(?:isn't|aren't|wasn't|wouldn't|couldn't|shouldn't|doesn't|don't)\b[^?]*\?",
                              re.IGNORECASE)


def _english_denied(text: str, start: int, end: int) -> bool:
    clause = clause_of(text, start, end)
    before = text[clause.start:start]
    if fronted := FRONTED_ADVERBIAL.match(before):  # "Since 91 is not …, yes, …": the negation is the fronted clause's
        before = before[fronted.end():]
    if _BEFORE.search(text[max(0, start - 40):start]) and not _NOT_ONLY.search(text[max(0, start - 20):start]):
        return True
    negations = [m for m in _CLAUSE_NEGATION.finditer(before)
                 if not (_NOT_ONLY.match(before, m.start()) or _DETERMINER_NO.match(before, m.start()))]
    return len(negations) % 2 == 1 and not _HEDGED_QUESTION.match(clause.text)


def _question_words(question: str) -> set[str]:
    """Content words of the question (lower-cased English words, Japanese nouns)."""
    english = {w.rstrip("s") for w in re.findall(r"[a-z]{3,}", question.lower())}
    return english | {lemma for _, pos, lemma in ja_tokens(question) if pos == "名詞"} if JA_CHAR.search(question) else english


def _english_identity_denied(text: str, end: int, question: str) -> bool:
    """"X is not the …" denies X as the answer; "X is not a/an N" only when N is the question's own
    words ("not a capital city" for "What is the capital city …"; "not a quiet city" is a property)."""
    copula = _COPULA_NOT.match(text[end:end + 60])
    if copula is None:
        return False
    if not copula.group("indefinite"):
        return True
    phrase = re.split(r"\b(?:although|though|but|and|because|since|which|that|who|in|of|for|with|like|"
                      r"compared|as|to|than)\b", copula.group("noun").lower())[0]
    words = [w.rstrip("s") for w in re.findall(r"[a-z]{3,}", phrase)]
    return bool(words) and all(w in _question_words(question) for w in words)


def _japanese_identity_denied(tail: str, question: str) -> bool:
    """"XはAではなく、…" with A the question's own nouns (首都 for 首都はどこですか): X is denied as the
    answer; "Xは大都市ではなく" (another noun) says something about X."""
    match = re.match(r"^[はも]([^、。\n]{1,15}?)(?:では|じゃ|でも)(?:なく|ない|なければ|ありません)", tail)
    if match is None or not question:
        return False
    nouns = [lemma for _, pos, lemma in ja_tokens(match.group(1)) if pos == "名詞"]
    return bool(nouns) and all(noun in _question_words(question) for noun in nouns)


def _topic_denied_in_main_clause(tail: str, question: str) -> bool:
    """"Xは日本最大の都市ですが、首都ではありません": the topic X of a sentence whose main clause, after
    a concessive one, denies an identity with the question's own nouns is denied; "X is the largest
    city, but it is not the capital" likewise, its subject carried by a pronoun."""
    if not question:
        return False
    japanese = re.match(r"^[はも][^。！？\n]*?(?:が|けど|けれど|けれども)、([^、。！？\n]{1,15}?)(?:では|じゃ|でも)(?:ありません|ない|なければ|なく)",
                        tail)
    if japanese:
        nouns = [lemma for _, pos, lemma in ja_tokens(japanese.group(1)) if pos == "名詞"]
        return bool(nouns) and all(noun in _question_words(question) for noun in nouns)
    english = re.match(r"^[^.!?\n]*?,?\s*\b(?:but|yet|however|though)\b,?\s+(?:it|this|that|they)\s+"
                       r"(?:is|was)\s*(?:not|n't)\s+(?:the\s+|an?\s+)?([^,.;:!?]{1,40})", tail, re.IGNORECASE)
    if english:
        words = [w.rstrip("s") for w in re.findall(r"[a-z]{3,}", english.group(1).lower())]
        return bool(words) and all(w in _question_words(question) for w in words)
    return False


def _main_clause_polarity(main: str) -> Polarity:
    """A denied predicate in a concessive clause (…ませんが、…) is subordinate: the topic carries into
    the main clause (asserted) unless that clause names a new subject before its predicate (雪が
    降ります: unresolved)."""
    for surface, pos, _ in ja_tokens(main):
        if pos in ("動詞", "形容詞", "助動詞", "補助記号"):
            return "asserted"
        if surface in ("が", "は"):
            return "unresolved"
    return "asserted"


def _first_predicate(words: list[tuple[str, str, str]], start: int) -> int | None:
    return next((i for i in range(start, len(words)) if words[i][1] in ("補助記号", "助動詞", "動詞", "形容詞")), None)


def _predicate_polarity(rest: str) -> Polarity | None:
    """The polarity the mention's own predicate gives it: the first verb or adjective after it,
    denied an odd number of times (雨が降らない) or said only to be possible (降らないとは限らない:
    neither is asserted) → denied; a hedged question (降るのではないか) affirms; a denial in a
    concessive clause defers to the main clause. None when a copula comes first (雨でしょう:
    `denies` reads it) or no predicate does."""
    words = ja_tokens(rest)
    first = _first_predicate(words, 0)
    if first is not None and words[first][2] in ("だ", "です") and words[first + 1:first + 2] and words[first + 1][0] == "と":
        first = _first_predicate(words, first + 2)  # 東京だとは思いません: the quoting verb is the predicate
    if first is None or words[first][1] not in ("動詞", "形容詞"):
        return None
    negations = 0
    for j, (surface, pos, lemma) in enumerate(words[first + 1:], start=first + 1):
        if negations % 2 and surface in _CONCESSIVE and pos == "助詞":
            return _main_clause_polarity("".join(s for s, _, _ in words[j + 1:]).lstrip("、, "))
        if pos == "補助記号" or (pos == "名詞" and lemma not in ("事", "訳", "筈", "様")):
            break
        if lemma == "限る":
            return "denied"
        if pos == "動詞" and lemma not in ("居る", "為る", "仕舞う", "有る", "出来る", "くれる", "貰う", "思う", "言う"):
            break
        if _is_japanese_negator(surface, pos, lemma):
            negations += 1
            if any(s in ("か", "かな", "かしら") for s, _, _ in words[j + 1:j + 5]):
                return "asserted"
    return "denied" if negations % 2 else None


def _subject_polarity(rest: str) -> Polarity | None:
    """"Water does not contain caffeine": the subject of a denied verb is denied with it, unless the
    sentence goes on with a contrast; then the main clause decides: "…, but it is the largest" (a
    pronoun: the same subject) asserts, another subject leaves it unresolved."""
    if not _SUBJECT_OF_DENIED_VERB.match(rest):
        return None
    contrast = _CONTRAST_THEN.search(rest)
    if contrast is None:
        return "denied"
    return "asserted" if contrast.group(1).lower() in _PRONOUNS else "unresolved"


def superseded(text: str, start: int, end: int) -> bool:
    """A mention of a former state that the answer then sets against the present ("Kyoto used to be
    the capital, but today …", "かつての首都は京都でしたが、現在は…"): a former marker near it in its
    clause, a present marker after it."""
    clause = clause_of(text, start, end)
    near = text[max(clause.start, start - 40):min(clause.end, end + 40)]
    return bool(_FORMER.search(near)) and bool(_PRESENT.search(text, end))


def ranked_below(text: str, start: int, end: int, question: str = "") -> bool:
    """A mention ranked below another in its sentence: the standard of a comparison ("larger than
    X", "Xより大きい") or one listed after the answer ("…, followed by X", "次いでX"): not the answer.
    Not when the question itself quotes a text (a translation keeps its comparisons) or compares,
    nor under a negation ("No other planet is larger than X", "Xより大きい惑星はない": X is the top)."""
    if re.search(r"[\"“「『]|\bthan\b|より", question):
        return False
    sentence = next((s for s in sentences(text) if s.start <= start < s.end), None)
    whole = sentence.text if sentence else text
    if re.search(r"\b(?:no|not|none|nothing|never)\b|n't\b", whole, re.IGNORECASE) or any(
            _is_japanese_negator(*word) for word in ja_tokens(whole)):
        return False
    before = text[sentence.start if sentence else 0:start]
    return bool(_RANKED_AFTER.search(before) or re.match(r"^[」』\"”*]*\s*[^\s、。！？!?]{0,2}?より", text[end:end + 8]))


def asked(text: str, start: int, end: int) -> bool:
    """A mention only asked about: in an alternative question ("Is it Sydney or Canberra?",
    "シドニーですか、キャンベラですか？"), in a question that the answer then turns down ("Sydney? No —
    it is Canberra", "シドニー？いいえ、…"), or in a question that only echoes it ("Sydney? The capital is Canberra.": a bare
    mention asked, then not confirmed): not asserted. A question that is the answer's last sentence,
    or one confirmed next ("Tokyo? Yes."), stays a tentative answer."""
    sentence = next((s for s in sentences(text) if s.start <= start < s.end), None)
    if sentence is None or not sentence.text.rstrip().endswith(("?", "？")):
        return False
    following = text[sentence.end:]
    if _ALTERNATIVES.search(sentence.text) or _TURNED_DOWN.match(following):
        return True
    bare = len(re.findall(r"\w+", sentence.text)) <= 2 and not JA_CHAR.search(sentence.text[:-1].replace(text[start:end], ""))
    return bare and bool(following.strip()) and not _CONFIRMED.match(following)


def _negated_source(question: str) -> bool:
    """Whether the question's own sentence (its quoted source text when it quotes one) is negated
    ("Translate: "I don't drink coffee."", "Which planet has no moons?")."""
    quoted = re.findall(r"[\"“「『]([^\"”」』\n]+)[\"”」』]", question)
    source = " ".join(quoted) if quoted else _YES_OR_NO.sub(" ", question)
    if JA_CHAR.search(source):
        return any(_is_japanese_negator(*word) for word in ja_tokens(source))
    return bool(re.search(r"\b(?:not|never|no|none|neither)\b|n't\b", source, re.IGNORECASE))


def _is_japanese_negator(surface: str, pos: str, lemma: str) -> bool:
    return (pos in ("助動詞", "形容詞") and (lemma in ("ない", "無い", "ず", "ぬ") or surface in ("ない", "なく", "なかっ", "ん"))
            and lemma != "ます")


def _contrasted(text: str, start: int, end: int) -> bool:
    """A mention set against another: "Xではなく(て)Y", "not X but Y", "Y, not X"."""
    if re.match(r"^[」』\"”*]*\s*(?:では|じゃ)なく(?:て)?(?:[、,]|\s*[^\s。．.!?！？])", text[end:end + 12]):
        return True
    before = text[max(0, start - 12):start]
    rest = text[end:end + 80]
    return bool(re.search(r"(?:,|—|-)\s*not\s+$", before, re.IGNORECASE)
                or (re.search(r"\bnot\s+$", before, re.IGNORECASE) and re.search(r"\bbut\b|\binstead\b", rest, re.IGNORECASE)))


def polarity(text: str, start: int, end: int, question: str = "") -> Polarity:
    """Whether `text[start:end]` is asserted, denied in its clause (see the module docstring), or
    left unresolved (a denied predicate in a concessive clause whose main clause has another
    subject). With the `question`, an identity with the question's own noun counts as denied ("X is
    not a capital city", "Xは首都ではなく、…"); and when the question's own sentence is negated
    ("Translate: "I don't drink coffee.""), a negation in the answer restates it: only a mention set
    against another ("Xではなく…", "not X but Y") is denied."""
    if _JUDGED_WRONG.match(text[end:end + 50]):
        return "denied"
    if question and _negated_source(question):
        return "denied" if _contrasted(text, start, end) else "asserted"
    after = text[end:end + 40]
    sentence = next((s for s in sentences(text) if s.start <= start < s.end), None)
    rest = text[end:sentence.end if sentence else len(text)]
    found: Polarity | None = None
    # a Latin name in Japanese text is often set off by spaces ("Toronto ではありません"): read on past them
    if JA_CHAR.match(after.lstrip("」』\"”* \u3000")[:1] or " ") or JA_CHAR.search(text[start:end]):
        clause_end = clause_of(text, start, end).end
        word = text[start:end].rstrip("」』\"”*")
        tail = text[end:max(clause_end, end + 1) + 12].lstrip("」』\"”* \u3000")
        if (denies(word + tail, skip=len(word)) or denies_identity(word + tail, skip=len(word))
                or _japanese_identity_denied(tail, question)):
            return "denied"
        found = _predicate_polarity(rest.lstrip("」』\"”*"))
    if _topic_denied_in_main_clause(rest.lstrip("」』\"”*"), question):
        return "denied"
    found = found or _subject_polarity(rest)
    if found == "denied" or _english_identity_denied(text, end, question) or _english_denied(text, start, end):
        return "denied"
    return found or "asserted"


def is_negated(text: str, start: int, end: int, question: str = "") -> bool:
    """True when `text[start:end]` is denied in its clause (`polarity` says "denied")."""
    return polarity(text, start, end, question) == "denied"
