"""Reading an answer that states the question's fact instead of giving a verdict word: the asked
statement (its "Statement:"/"Question:" line or last question), a clause that restates it affirmed or
denied (by the parity of its negations, a comparison's sides swapped), or says it with an unambiguous
opposite or another kind of its family ("closed" for open, mammals for fish: denied), a one-of-a-kind
predicate given to another subject ("The Atlantic is the largest ocean"), the asked slot filled with
another value of its kind ("The capital of Italy is Rome" for Paris; a number, a direction, a name
in an identity; never a comparison's standard), or the claim called a myth.
Knows nothing about verdict words, checks or expected values: it returns True/False, or None when
the answer does not say the asked fact.
"""

from __future__ import annotations

import re

from mistral_eval.checks.extract import FRONTED_ADVERBIAL, REASON_JA, attributed, clauses, sentences
from mistral_eval.checks.japanese import tokens as ja_tokens
from mistral_eval.checks.negation import is_negated
from mistral_eval.checks.scripts import CJK_CHAR, KATAKANA

__all__ = ["OPPOSITES", "asked_statement", "fact_verdict", "restates"]

CONDITIONAL = re.compile(r"^\W*(?:if|unless|had\s+it|were\s+it)\b|^\W*(?:もし|仮に|万一)", re.IGNORECASE)
"""A sentence or clause that opens a condition ("If …", もし…): what it says is not the answer's claim."""
_PARENS = re.compile(r"^\W*[(（]")
_STATEMENT = re.compile(r"(?:statement|主張|質問|question)\s*[:：]\s*(.+)", re.IGNORECASE)


def _sentence_of(text: str, start: int) -> str:
    return next((s.text for s in sentences(text) if s.start <= start < s.end), "")


# A question about a claim given apart from it: "次の文は正しいですか？「…」", "この主張は本当ですか？".
_ABOUT_A_CLAIM = re.compile(r"^\W*(?:次の|この|以下の)?(?:文|主張|記述|文章)(?:は|が)")


# Where the question places its claim, leading it: "In the dialogue below, …", 「下記のシナリオにおいて、…」.
_FRAME_PLACE = re.compile(r"^\s*(?:in|according\s+to|based\s+on)\s+the\s+(?:dialogue|conversation|text|passage|scenario|story|exchange)"
                          r"(?:\s+(?:below|above))?,\s*|^\s*(?:下記|以下|上記|次)の(?:シナリオ|会話|文章?|やり取り|やりとり)(?:において|では|で|によると)、",
                          re.IGNORECASE)
# The material a question quotes: a fenced block, or a line of dialogue ("Customer: …", 「ゲスト: …」).
_MATERIAL = re.compile(r"```.*?(?:```|\Z)|^[^\S\n]*[^\s:：]{1,20}(?:[^\S\n][^\s:：]{1,20}){0,2}[:：][^\n]*",
                       re.DOTALL | re.MULTILINE)


# An instruction framed as the system's, in parentheses on a line of its own: "(System: … Answer True or
# False.)", 「（システム: 下記のシナリオにおいて、…ですか？TrueかFalseで答えなさい。）」: its words are the question's
# own, not a line of the material (a speaker "システム").
_ROLE_FRAME = re.compile(r"^[^\S\n]*[(（]\s*(?:system|instructions?|システム|指示)\s*[:：]\s*([^\n]*?)\s*[)）][^\S\n]*$",
                         re.IGNORECASE | re.MULTILINE)


def _asked_sentences(question: str) -> list[str]:
    """The question's sentences that end in "?", those in the material it quotes left out when others ask."""
    def asking(text: str) -> list[str]:
        return [s.text for s in sentences(text) if s.text.rstrip().endswith(("?", "？"))]
    question = _ROLE_FRAME.sub(lambda m: m.group(1), question)
    return asking(_MATERIAL.sub("\n", question)) or asking(question)


def asked_statement(question: str) -> str:
    """The question's asked sentence: its "Statement:"/"Question:" line, else the one quoted claim
    that a question about "the sentence" asks of ("次の文は正しいですか？「…」"), else its last sentence
    ending in "?", else the whole question."""
    lines = [m.group(1) for m in _STATEMENT.finditer(question)]
    asked_sentences = [_FRAME_PLACE.sub("", s) for s in _asked_sentences(question)]
    # a quoted claim is a clause; a quoted word (「正しい」か「誤り」で答えて: the labels) is none
    quoted: list[str] = [q for q in re.findall(r"「([^「」\n]+)」", question) if len(ja_tokens(q)) >= 3]
    if not lines and asked_sentences and len(quoted) == 1 and _ABOUT_A_CLAIM.search(asked_sentences[-1]) \
            and quoted[0] not in asked_sentences[-1]:
        return quoted[0]  # 次の文は正しいですか？「ペンギンは空を飛ぶことができる。」: the quoted claim is asked
    return lines[-1] if lines else asked_sentences[-1] if asked_sentences else question




# Unambiguous opposites: saying one of a pair of a subject denies the other ("closed" = not open,
# 休み = 開いていない, "younger than" = not older than). English words as `_content` keeps them (a
# trailing "s" dropped), Japanese lemmas as unidic-lite gives them.
OPPOSITES: list[tuple[str, str]] = [("open", "closed"), ("alive", "dead"), ("possible", "impossible"), ("legal", "illegal"),
              ("older", "younger"), ("taller", "shorter"), ("longer", "shorter"), ("bigger", "smaller"),
              ("larger", "smaller"), ("heavier", "lighter"), ("faster", "slower"), ("higher", "lower"),
              ("hotter", "colder"), ("warmer", "colder"), ("visible", "invisible"), ("earlier", "later"),
              ("開く", "締まる"), ("開く", "休み"), ("開く", "休業"), ("開く", "休館"), ("開く", "閉館"), ("開く", "定休"),
              ("営業", "休み"), ("営業", "休業"), ("営業", "定休"),
              ("生きる", "死ぬ"), ("年上", "年下"), ("高い", "低い"), ("大きい", "小さい"), ("長い", "短い"),
              ("重い", "軽い"), ("早い", "遅い"), ("多い", "少ない"), ("高い", "安い"),
             ("cheaper", "expensive")]
# Kinds no thing is two of at once: "Whales are mammals" denies "Is a whale a fish?" (a tomato's
# fruit/vegetable is no such pair, nor city/country: Singapore is both).
_KINDS = [{"mammal", "fish", "bird", "reptile", "amphibian", "insect", "arachnid"}, {"planet", "star"},
          {"哺乳", "魚類", "鳥類", "爬虫", "両生", "昆虫"}, {"惑星", "恒星"}]


def _opposed(asked: list[str], said: list[str]) -> dict[str, str]:
    """Words of the clause that deny a word of the asked statement the clause does not say itself:
    its opposite, or another kind of the same family; each mapped to the asked word it denies."""
    return {b: a for a, b in _pairs() if a in asked and a not in said and b in said}


def _pairs() -> list[tuple[str, str]]:
    """Every (word, a word that denies it) from the opposites and kinds tables."""
    pairs = [(a, b) for a, b in OPPOSITES] + [(b, a) for a, b in OPPOSITES]
    return pairs + [(a, b) for kinds in _KINDS for a in kinds for b in kinds if a != b]


def _content(text: str, swaps: dict[str, str] | None = None) -> list[tuple[str, bool]]:
    """Content words (lemmas), each with whether a restatement must keep it: a Japanese predicate
    (verb, adjective); every English word (no part of speech is read). `swaps` replaces words (an
    opposite by the asked word it denies), a replaced word being a predicate."""
    swaps = swaps or {}
    if CJK_CHAR.search(text):
        return [(swaps.get(lemma, lemma), pos in ("動詞", "形容詞", "形状詞") or lemma in swaps)
                for _, pos, lemma in ja_tokens(text) if pos in ("名詞", "動詞", "形容詞", "形状詞", "副詞")
                and lemma not in ("出来る", "有る", "居る", "為る", "事", "訳", "無い", "言う", "思う")]
    stop = {"the", "a", "an", "is", "are", "was", "were", "do", "does", "did", "can", "could", "cannot",
            "not", "no", "yes", "it", "to", "of", "than", "have", "has", "had", "her", "his", "their",
            "on", "in", "at", "by", "for", "with", "from", "they", "he", "she", "we", "you", "i", "its"}
    return [(swaps.get(w.rstrip("s"), w.rstrip("s")), True) for w in re.findall(r"[a-z0-9]+", text.lower())
            if w not in stop and w != "n't"]


def _standard(text: str) -> str | None:
    """The standard of a comparison: what follows "than" (English) or precedes より (Japanese)."""
    if CJK_CHAR.search(text):
        words = ja_tokens(text)
        return next((words[i - 1][2] for i in range(1, len(words)) if words[i][0] == "より"), None)
    match = re.search(r"\bthan\s+(?:the\s+)?([a-z0-9]+)", text.lower())
    return match.group(1).rstrip("s") if match else None


# A conjunction left at a clause's end ("It is closed today, but"): not part of what it says.
_JOINER_END = re.compile(r"[\s,]*\b(?:but|and|so|however|yet|though|although)[\s,]*$", re.IGNORECASE)
# Where the answer read it, leading its clause: "Based on the text, …", "According to the passage, …",
# "The text says that …", "文によると、…": not part of what it says.
_SOURCE = re.compile(r"^\W*(?:(?:based\s+on|according\s+to|as\s+(?:stated|mentioned|given)\s+in)\s+(?:the\s+)?"
                     r"(?:text|passage|information|statement)\b[^,]{0,20},\s*"
                     r"|the\s+(?:text|passage)\s+(?:says|states|tells\s+us)(?:\s+that)?[:\s]+)"
                     r"|^\W*(?:文|本文|文章)(?:によると|によれば|では|には)、", re.IGNORECASE)
_FILLERS = {"", "t", "isn", "aren", "wasn", "weren", "doesn", "don", "didn", "won", "hasn", "haven", "definitely",
            "certainly", "indeed", "actually", "really", "much", "far", "still", "also", "clearly", "surely"}


def _topic(text: str) -> str | None:
    """A Japanese sentence's topic or subject: the noun (lemma) right before its first は or が (a
    suffix passed over: 太平-洋)."""
    words = ja_tokens(text)
    for i in range(1, len(words)):
        if words[i][0] in ("は", "が") and words[i][1] == "助詞":
            j = i - 1 if words[i - 1][1] != "接尾辞" or i < 2 else i - 2
            return words[j][2] if words[j][1] == "名詞" else None
    return None


def restates(statement: str, sentence: str, context: str = "", swaps: dict[str, str] | None = None) -> bool | None:
    """Whether `sentence` (a clause) restates `statement` (see `fact_verdict`): None when it does
    not, else whether it swaps the sides of a comparison. An English clause that leaves its subject
    to a pronoun ("but they cannot fly") needs the asked subject in its `context` sentence. `swaps`:
    the clause's words read as the asked words they deny (see `_opposed`)."""
    asked_words, said_words = _content(statement), _content(sentence, swaps)
    asked, said = [w for w, _ in asked_words], [w for w, _ in said_words]
    shared_asked = [w for w in asked if w in said]
    if CJK_CHAR.search(statement):
        topics = _topic(statement), _topic(sentence)
        another_subject = None not in topics and topics[1] not in asked and topics[0] not in said  # 翔は for 健は
        kept = (all(w in said for w, needed in asked_words if needed)  # the predicate (開く, 持つ) is restated
                and len(shared_asked) >= 0.75 * len(asked) and not another_subject)
    else:  # English: only trailing words may be dropped (an adjunct: "to school", "on Saturday")
        kept = shared_asked == asked[:len(shared_asked)] and len(shared_asked) >= max(2, -(-2 * len(asked) // 3))
        if kept and len(shared_asked) < len(asked):  # dropped, not replaced: "open on weekdays" for "open on Saturday"
            last = max(i for i, w in enumerate(said) if w in asked)
            kept = all(w in asked for w in said[last + 1:])
        # nothing but asked words between the first and the last: "Pluto is a dwarf planet", "Whales
        # are often mistaken for fish" say another thing (a contraction's piece or a certainty or
        # degree adverb aside: "Ken isn't really taller than Sho"; an opposite is read apart: "fish, not mammals")
        at = [i for i, w in enumerate(said) if w in asked]
        others = _FILLERS | {b for a, b in _pairs() if a in asked}
        kept = kept and all(w in asked or w in others for w in said[at[0]:at[-1] + 1] if at)
    shared_said = [w for w in said if w in asked]
    standards = _standard(statement), _standard(sentence)
    swapped = (None not in standards and standards[0] != standards[1] and standards[1] in asked
               and sorted(shared_said) == sorted(shared_asked))
    # a comparison's standard is an argument, not an adjunct: "Emi is older than Kaito" does not
    # restate "Is Emi older than Nana?"
    same_standard = standards[0] is None or standards[0] == standards[1] or swapped
    restates = (bool(asked) and kept and same_standard
                and (shared_said == shared_asked or swapped))
    # 開いていません, "they cannot fly": the subject left out; a lone word only if it is the predicate
    english_subject = bool(asked) and asked[0] in [w for w, _ in _content(context or sentence)]
    lone_predicate = len(said) == 1 and (said_words[0][1] if CJK_CHAR.search(statement)
                                         else bool(asked) and said[0] == asked[-1] and english_subject)
    elliptical = bool(said) and all(word in asked for word in said) and (len(said) >= 2 or lone_predicate)
    return swapped if restates or elliptical else None


def fact_verdict(answer: str, question: str) -> bool | None:
    """Without a verdict word: a clause of the answer's first three sentences (the first that does)
    restates the question's statement (its content words, in the same order; or only words of the
    question, the subject left out) affirmed or denied, read by the parity of its negations. A comparison restated with its two
    sides swapped (翔の方が健より高い for 健は翔より高いか) reads the other way. A Japanese restatement
    must keep the predicate and most other words (一番 may become 最も); an English one its content
    words but trailing ones (an adjunct: "to school"; no part of speech is read). A clause that says
    the asked fact with an opposite ("closed" for open, 哺乳類 for 魚類) and nothing else denies it; when
    that and a restatement disagree ("Whales are often mistaken for fish, but they are mammals"), None.
    None when it says something else, such as another predicate."""
    statement = asked_statement(question)
    answer = re.sub(r"\*\*|__", "", answer)  # markdown emphasis: "**Closed on Sundays.** It opens …"
    answer = re.sub(r"\s*[(（][^()（）\n]*[)）]", "", answer)  # a parenthetical aside: "東京タワー（333m）は…"
    opening = answer[:sentences(answer)[2].end] if len(sentences(answer)) > 3 else answer
    if _other_holder(opening, statement) is False or _other_value(opening, statement) is False:
        return False
    asked = [w for w, _ in _content(statement)]
    parts = [(_without_other_contrast(_JOINER_END.sub("", _SOURCE.sub("", c.text)), asked), _sentence_of(opening, c.start))
             for c in clauses(opening)]
    parts += [(text[reason.end():], context) for text, context in parts  # 「…ので、時間通りには到着していません」: the main clause
              if (reason := REASON_JA.match(text) or FRONTED_ADVERBIAL.match(text))]
    # a clause that reports others' view ("Many people believe that …") is not the answer's own
    parts = [(text, context) for text, context in parts if not attributed(text)]
    restating = [(text, swapped) for text, context in parts
                 if (swapped := restates(statement, text, context)) is not None]
    # "Dolphins look like fish", "birds that cannot fly" say more than the opposite: not read
    opposing = [(text, swapped) for text, context in parts
                if (swaps := _opposed(asked, [w for w, _ in _content(text)]))
                and all(w in asked for w, _ in _content(text, swaps))
                and (swapped := restates(statement, text, context, swaps)) is not None]
    readings = {_read_restatement(*restating[0], asked, False) if restating else None,
                _read_restatement(*opposing[0], asked, True) if opposing else None} - {None}
    if not restating and not opposing:
        return _rejected_premise(opening) if _rejected_premise(opening) is not None else _contrasted_out(opening, statement)
    return readings.pop() if len(readings) == 1 else None


def _read_restatement(clause: str, swapped: bool, asked: list[str], denied: bool) -> bool | None:
    """What a clause restating the asked fact says: the parity of its negations, the other way for
    swapped sides or for an opposite (`denied`); a clause with both the asked word and its opposite
    is read by which one is denied; a denied other kind ("The Moon is not a star") says nothing."""
    said = [w for w, _ in _content(clause)]
    both = [(a, b) for a, b in _pairs() if a in asked and a in said and b in said]
    if not denied and both:
        return _one_side_denied(clause, *both[0])
    if CJK_CHAR.search(clause):
        negations = sum(lemma in ("ない", "無い", "ず", "ぬ") and pos in ("助動詞", "形容詞")
                        for _, pos, lemma in ja_tokens(clause))
    else:
        negations = len(re.findall(r"\b(?:not|never|cannot|no)\b|n't", clause, re.IGNORECASE))
    if denied and negations % 2 and any(w in kind for kind in _KINDS for w in said):
        return None
    return ((negations % 2 == 0) != swapped) != denied


def _spans_of(text: str, word: str) -> list[tuple[int, int]]:
    """Where a content word (as `_content` keeps it: a lemma, or an English word less its "s") is said."""
    if CJK_CHAR.search(text):
        found, at = [], 0
        for surface, _, lemma in ja_tokens(text):
            at = text.find(surface, at)
            if lemma == word:
                found.append((at, at + len(surface)))
            at += len(surface)
        return found
    return [m.span() for m in re.finditer(rf"\b{re.escape(word)}(?:s|es)?\b", text, re.IGNORECASE)]


def _one_side_denied(clause: str, asked: str, opposite: str) -> bool | None:
    """A clause that says both the asked word and its opposite ("Whales are mammals, not fish",
    "Penguins are birds, not mammals", "Bats are mammals, although they fly like birds"): False when
    only the asked word is denied, True when only its opposite is, else None (no side is denied)."""
    def denied(word: str) -> bool | None:
        readings = {is_negated(clause, *span) for span in _spans_of(clause, word)}
        return readings.pop() if len(readings) == 1 else None
    sides = denied(asked), denied(opposite)
    return {(True, False): False, (False, True): True}.get((sides[0] is True, sides[1] is True)) \
        if None not in sides else None


# A one-of-a-kind predicate (a superlative, "the first", "the only"; 最も, 一番, 唯一): "Is the Pacific the
# largest ocean?" answered "The Atlantic is the largest ocean": said of another subject, so not of the asked one.
# The answer's subject is a name ("The Atlantic Ocean", "Lake Ikeda"), not "Many people think the Atlantic".
_UNIQUE_EN = re.compile(r"^\W*(?:is\s+it\s+true\s+that\s+)?(?:(?:is|was)\s+(?P<s1>.+?)"
                        r"|(?P<s2>(?:the\s+)?(?-i:[A-Z0-9][\w'-]*)(?:\s+(?-i:[A-Z0-9][\w'-]*))*)\s+(?:is|was))\s+"
                        r"(?P<pred>the\s+(?:\w+est|most\s+\w+|first|only)\b[^?.!,;]*)", re.IGNORECASE)
_UNIQUE_JA = re.compile(r"^\W*(?P<s1>[^、。はが]+?)[はが](?P<pred>[^、。？?]*(?:最も|一番|唯一|最初)[^、。？?]*?)(?:です|だ|でした)")
_PRONOUNS = {"it", "this", "that", "they", "he", "she", "which", "what", "who", "there", "それ", "これ", "彼", "彼女"}


def _unique_claim(text: str) -> tuple[str, str] | None:
    """The subject and one-of-a-kind predicate of "X is the largest Y" / "XはYで最も大きいZです"."""
    match = (_UNIQUE_JA if CJK_CHAR.search(text) else _UNIQUE_EN).match(text)
    if not match:
        return None
    return (match.group("s1") or match.groupdict().get("s2") or "").strip(), match.group("pred")


def _predicate(text: str) -> list[str]:
    """A one-of-a-kind predicate's content words, 一番 read as 最も."""
    return ["最も" if w == "一番" else w for w, _ in _content(text)]


def _other_holder(opening: str, statement: str) -> bool | None:
    """False when a clause of the opening, the answer's own (not a view of others, not a condition),
    gives the asked one-of-a-kind predicate, word for word and unqualified ("when measured from its
    base" is a qualifier), to another subject (each has a content word the other lacks: "the Atlantic
    Ocean" for "the Pacific Ocean"; not a pronoun); else None."""
    asked = _unique_claim(statement.strip())
    if asked is None:
        return None
    asked_subject, asked_predicate = {w for w, _ in _content(asked[0])}, _predicate(asked[1])
    for clause in clauses(opening):
        said = _unique_claim(clause.text.strip())
        if (said is None or not said[0] or said[0].lower() in _PRONOUNS or attributed(clause.text)
                or CONDITIONAL.match(clause.text) or _PARENS.search(clause.text)):
            continue
        said_subject = {w for w, _ in _content(said[0])}
        if said_subject - asked_subject and asked_subject - said_subject and _predicate(said[1]) == asked_predicate:
            return False
    return None


# "This is a popular myth.", "That's a common misconception.", "それはよくある誤解です。": the answer
# calls the asked claim a myth, so the claim is false.
_MYTH = re.compile(r"^[\s*_]*(?:(?:actually|in\s+fact|well|sadly|unfortunately),?\s+)?(?:this|that|it)(?:'s|\s+is)\s+(?:just\s+|only\s+|actually\s+)?(?:an?\s+)?"
                   r"(?:(?:very|really|quite|such\s+a)\s+)?(?:(?:common|popular|widespread|persistent|old|widely\s+held)\s+)?(?:myth|misconception|misunderstanding|urban\s+legend)"
                   r"[\s*_]*[.!;:,]"
                   r"|^[\s*_]*(?:これ|それ)は(?:(?:とても|非常に|ごく)?(?:よくある|よく知られた|広く信じられている))?(?:俗説|迷信|誤解|都市伝説)(?:です|だ)[\s*_]*[。！]",
                   re.IGNORECASE)


def _rejected_premise(opening: str) -> bool | None:
    """False when a sentence of the opening, or a clause after a contrast ("Many believe …, but this is
    a myth"), calls the asked claim a myth or misconception."""
    pieces = [s.text for s in sentences(opening)] + [_JOINER_START.sub("", c.text) for c in clauses(opening)]
    return False if any(_MYTH.match(piece) for piece in pieces) else None


# A clause opening with a contrast ("…, but this is a myth"): the contrast word is not part of what it says.
_JOINER_START = re.compile(r"^[\s,]*(?:but|yet|however|though)\b[\s,]*|^[\s、]*(?:しかし|でも|ですが|けれども?)[、\s]*",
                           re.IGNORECASE)


# A contrastive negation at a sentence's end: "…for the photoelectric effect, not for relativity",
# "… rather than X", "… instead of X"; Japanese "XではなくY…" (X: the nouns right before ではなく).
_NOT_THIS_EN = re.compile(r"^(?P<main>.+?)(?:,|\s[—–-])\s*(?:not|rather\s+than|instead\s+of)\s+(?P<phrase>[^,;:.!?]+)[.!?]?\s*$",
                          re.IGNORECASE)
_NOT_THIS_JA = re.compile(r"(?:では|じゃ)(?:なく|なくて)、?")


def _contrast_split(sentence: str) -> tuple[str, str] | None:
    """(what the sentence says, the phrase it contrastively denies), or None without such a negation."""
    if CJK_CHAR.search(sentence):
        match = _NOT_THIS_JA.search(sentence)
        if not match:
            return None
        before = ja_tokens(sentence[:match.start()])
        cut = len(before)
        while cut and before[cut - 1][1] in ("名詞", "接尾辞", "接頭辞"):
            cut -= 1
        phrase = "".join(w for w, _, _ in before[cut:])
        return ("".join(w for w, _, _ in before[:cut]) + sentence[match.end():], phrase) if phrase else None
    found = _NOT_THIS_EN.match(sentence.strip())
    return (found.group("main"), found.group("phrase")) if found else None


def _contrasted_out(opening: str, statement: str) -> bool | None:
    """False when a sentence of the opening (the answer's own, not a condition) says the asked fact
    with the asked phrase contrastively denied and replaced ("Einstein won the Nobel Prize for the
    photoelectric effect, not for relativity" for "…for his theory of relativity?", "鯨は魚ではなく哺乳類です"):
    every word of the denied phrase is the question's and none is in the rest, and the rest keeps the
    question's first other word (its subject) and at least half of its other words. Else None."""
    asked = [w for w, _ in _content(statement)]
    for sentence in sentences(opening):
        split = _contrast_split(sentence.text)
        if split is None or attributed(sentence.text) or CONDITIONAL.match(sentence.text):
            continue
        main, phrase = [w for w, _ in _content(split[0])], [w for w, _ in _content(split[1])]
        rest = [w for w in asked if w not in phrase]
        if (phrase and rest and all(w in asked and w not in main for w in phrase)
                and rest[0] in main and 2 * sum(w in main for w in rest) >= len(rest)):
            return False
    return None


def _without_other_contrast(clause: str, asked: list[str]) -> str:
    """The clause less a contrastive negation of something the question does not ask ("Tokyo is the
    capital of Japan, not Kyoto", "健は東京ではなく大阪で生まれた" for 大阪): that "not" denies the other thing,
    not the clause. A denied phrase of the question's own words is kept (read by `_contrasted_out` and
    `_one_side_denied`)."""
    split = _contrast_split(clause)
    if split is None:
        return clause
    phrase = [w for w, _ in _content(split[1])]
    return split[0] if phrase and not any(w in asked for w in phrase) else clause


# The asked slot filled with another value: "Is Paris the capital of Italy?" answered "The capital of Italy
# is Rome", "Does water boil at 50 °C?" answered "Water boils at 100 °C", "…rises in the west?" answered
# "The Sun rises in the east". Only values of one closed kind are read: numbers, compass directions,
# names (capitalised English words, katakana words).
_DIRECTIONS = {"east", "west", "north", "south", "東", "西", "南", "北"}
_FRAME = re.compile(r"^\W*is\s+it\s+(?:true|correct|the\s+case)\s+that\s+", re.IGNORECASE)
_COPULA_QUESTION = re.compile(r"^\W*(?:is|are|was|were)\s", re.IGNORECASE)
_COPULA_JA = re.compile(r"(?:です|だ|である)か?[？?。]?\s*$")


def _value_kind(word: str, source: str) -> str | None:
    """The kind of value a content word is, as `source` writes it: a number, a direction or a name."""
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return "number"
    if word in _DIRECTIONS:
        return "direction"
    if re.fullmatch(rf"[{KATAKANA}]{{2,}}", word.split("-")[0]):  # unidic's lemma: "パリ-Paris"
        return "name"
    capitalised = word[:1].upper() + word[1:]
    named = [m for m in re.finditer(rf"\b{re.escape(capitalised)}s?\b", source) if source[:m.start()].strip()]
    return "name" if word.isascii() and named else None


def _pieces(opening: str) -> list[str]:
    """The answer's own clauses, each further split at "and" (English): "The Sun rises in the east and
    sets in the west" says two things. Views of others, conditions and questions are left out."""
    found: list[str] = []
    for clause in clauses(opening):
        if attributed(clause.text) or CONDITIONAL.match(clause.text) or clause.text.rstrip().endswith(("?", "？")):
            continue
        found += re.split(r"\s+and\s+", clause.text) if clause.text.isascii() else [clause.text]
    return found


def _negated_piece(piece: str) -> bool:
    if CJK_CHAR.search(piece):
        return any(lemma in ("ない", "無い", "ず", "ぬ") and pos in ("助動詞", "形容詞") for _, pos, lemma in ja_tokens(piece))
    return bool(re.search(r"\b(?:not|never|no|cannot)\b|n't", piece, re.IGNORECASE))


def _other_value(opening: str, statement: str) -> bool | None:
    """False when a piece of the opening (the answer's own, not negated) says the asked statement
    word for word, in its order (or a copula question's subject moved to the end: "The capital of
    Italy is Rome" for "Is Paris the capital of Italy?"), with one asked value replaced by another of
    its kind (a name only in an identity, never a comparison's standard), and no piece says the
    asked value with the rest of the statement; else None."""
    statement = _FRAME.sub("", statement)
    if _standard(statement) is not None:
        return None  # a comparison's standard is no single-valued slot: "Emi is older than Kaito" for "… than Nana?"
    asked = [w for w, _ in _content(statement)]
    identity = bool(_COPULA_QUESTION.match(statement) or _COPULA_JA.search(statement))
    pieces = _pieces(opening)
    for piece in pieces:
        said = [w for w, _ in _content(piece)]
        missing, new = [w for w in asked if w not in said], [w for w in said if w not in asked]
        if len(missing) != 1 or len(new) != 1 or len(asked) < 3 or _negated_piece(piece):
            continue
        (old,), (value,) = missing, new
        kind = _value_kind(old, statement)
        if kind is None or kind != _value_kind(value, piece) or (kind == "name" and not identity):
            continue  # a name is one value only of an identity: "Ken likes Maria" does not deny "Does Ken like Anna?"
        restored = [old if w == value else w for w in said]
        inverted = _COPULA_QUESTION.match(statement) and restored == asked[1:] + asked[:1]
        repeated = any(old in words and all(w in words for w in asked)
                       for words in ([w for w, _ in _content(p)] for p in pieces))
        if (restored == asked or inverted) and not repeated:
            return False
    return None
