"""Reading a yes/no verdict from an answer: verdict words (True/False, Yes/No, はい/いいえ, 正しい/誤り,
その通り, also in quotes; a whole-sentence reply: "Of course not.", "そうです。") with negation read in their clause, echoes of the question's choice and
views attributed to others left out, the last self-correction or the answer marker's own word
winning, conflicting verdicts reported as such; a soft denial ("そうとは言えません") or the question's
auxiliary ("It does.") read as a reply; a label the question defines ("reply T if … or F if …",
「正しければ「正」、誤りなら「誤」」: `labels`) read as a verdict when the answer opens with it; a word
after a conclusion marker ("in short", 結論として, 要するに: extract.CONCLUSION) settling a conflict; a
self-correction ("訂正します：…") read by the statement after it when it has no verdict word; without a
verdict word, the question's fact as stated (`restated`), sentences that decline to give a verdict
("not enough information to decide whether …") left out.

A verdict word said of another claim gives way to the answer's own: in an aside or a note, in a
conditional or hypothetical ("it would be true if …"), a premise ("…, which is true"), a concession
("it is true that …, but", "Although it sounds correct, …": extract.CONCESSIVE; others' view:
"正しいと思っている人も多いですが", "よく本当だと言われますが": extract.attributed), hedged as partial
("partly true"). Among conflicting words, the one
whose clause restates the question wins. Knows nothing about checks or expected values: it returns
what the answer says, or why it cannot tell.
"""

from __future__ import annotations

import re

from mistral_eval.checks.committed import option_pick
from mistral_eval.checks.comparison import comparison_verdict
from mistral_eval.checks.extract import (
    CONCESSIVE,
    CONCLUSION,
    after_correction,
    answer_markers,
    attributed,
    clause_of,
    sentences,
)
from mistral_eval.checks.japanese import tokens as ja_tokens
from mistral_eval.checks.labels import label_verdict
from mistral_eval.checks.negation import is_negated
from mistral_eval.checks.premise import premise_verdict
from mistral_eval.checks.restated import CONDITIONAL, asked_statement, fact_verdict, restates

__all__ = ["BOTH_WAYS", "declines", "read_verdict"]

BOTH_WAYS = "it answers both yes and no"
"""The reason `read_verdict` gives for "Yes and no." with no conclusion after it: a non-committal answer."""

_VERDICT = re.compile(
    r"(?<![A-Za-z])(?:true|false|correct|incorrect|wrong|untrue)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:yes|no)(?=\s*(?:[.,!:;。、！」』\"”'’*(（—–]|$))"
    r"|(?:(?<=は)|(?<![ぁ-ん]))はい(?=\s*(?:[、。,.!！」』\"”*]|です|でしょう|と|$))|いいえ|不正解|正しく(?:ない|ありません)|正しい|正解|誤り|間違(?:い|っ)?"
    r"|(?:その|おっしゃる|仰る)通り|本当(?=です(?!か)|だ(?!ろうか)|で(?:は|も)?(?:ありません|ない)(?!ですか|か)|じゃ(?!ないか)|である)|(?:^|(?<=[。！\n])|(?<=実際には)|(?<=実際には、)|(?<=実際は)|(?<=実際は、)|(?<=本当は)|(?<=本当は、))\s*(?:違います|ちがいます)",  # a reply that agrees, or one that opens by disagreeing
    re.IGNORECASE | re.MULTILINE)
# A whole-sentence reply: "Absolutely.", "Of course not!", "Not at all.", "Not necessarily.", "You bet!",
# "もちろんです。", "ええ、そうです。", "そうではありません。", "そんなことはありません。", "必ずしもそうではありません。";
# a soft denial: "I wouldn't say so.", "そうとは言えません。", "そうとは限りません。"; the question's
# auxiliary as the whole reply: "It does.", "They can't."; a stated belief: "I don't think so.",
# "That is not the case.", "そうは思いません。", "違うと思います。"
_REPLY = re.compile(r"(?:^|(?<=[.!?。！？\n]))[\s*]*(?:(?:absolutely|definitely|certainly|of\s+course|yep|yeah)(?:\s+not)?|nope|not\s+at\s+all"
                    r"|not\s+(?:necessarily|really|quite|exactly)|no\s+way|you\s+bet|indeed|exactly|that(?:'s|\s+is)\s+right"
                    r"|(?:ええ|うん)(?:[、,]\s*そう(?:です|だ))?|もちろん(?:です)?|そう(?:です|だ)|そう(?:では|じゃ)(?:ありません|ない(?:です)?)"
                    r"|そんな(?:ことは|事は)(?:ありません|ない(?:です)?)"
                    r"|必ずしも(?:そう)?(?:では|じゃ)(?:ありません|ない(?:です)?)"
                    r"|I\s+(?:wouldn't|would\s+not)\s+say\s+so|(?:必ずしも)?そう(?:とは|は)(?:言え|いえ)(?:ません|ない(?:です)?)"
                    r"|I\s+(?:(?:don't|do\s+not)\s+)?(?:think|believe)\s+so|that(?:'s|\s+is)\s+(?:not\s+)?(?:the\s+case|right)"
                    r"|そう(?:は|だとは|とは)?思いません|そう(?:では|じゃ)?ない(?:と|とは)思います|そう(?:だ)?と?思います|違うと思います"
                    r"|(?:it|they|he|she)\s+(?:certainly\s+|indeed\s+|really\s+)?(?:(?:does|do|did|is|are|was|were|can|could|has|have)(?:n't|\s+not)?|can't|cannot)"
                    r"|そう(?:とは)?(?:限りません|限らない(?:です)?))[\s*]*(?=[.!。！]|$)",
                    re.IGNORECASE | re.MULTILINE)
_TRUE_WORDS = {"true", "yes", "correct", "はい", "正しい", "正解", "その通り", "おっしゃる通り", "仰る通り", "本当"}
_ECHO = re.compile(r"[「『\"]?(?:true|yes|はい|false|no|いいえ)[」』\"]?\s*(?:or|/|か|または|もしくは)\s*"
                   r"[「『\"]?(?:true|yes|はい|false|no|いいえ)[」』\"]?か?", re.IGNORECASE)
_SETTLES = CONCLUSION
# "Yes and no", 「はいでもあり、いいえでもあります」, 「はいとも言えるし、いいえとも言えます」: both verdicts said of the
# same claim at once, which is no verdict.
_BOTH = re.compile(r"\byes\s+and\s+no\b|\bboth\s+yes\s+and\s+no\b"
                   r"|(?:はい|いいえ)[」』]?(?:でも|とも)[^。\n]{0,10}?[、,]?\s*[「『]?(?:はい|いいえ)[」』]?(?:でも|とも)", re.IGNORECASE)

# A closing sentence that leaves the question open: "It depends.", "So it really depends.", "Both.",
# 「どちらとも言えます。」「一概には言えません。」; after both verdicts said, the answer commits to neither.
_UNDECIDED = re.compile(r"^[\s*_]*(?:(?:so|and|but|really|in\s+the\s+end|overall)[\s,]+)*(?:it\s+(?:(?:really|all)\s+)?depends"
                        r"|(?:it(?:'s|\s+is)\s+)?(?:both|either)(?:\s+(?:ways?|answers?|can\s+be\s+(?:true|right|said)))?"
                        r"|(?:it\s+)?(?:could|can)\s+go\s+either\s+way)\b(?![^.!?]*\b(?:but|however|though|although|usually|mostly)\b)[^.!?]*[.!?]?[\s*_]*$"
                        r"|^[\s*_]*(?:(?:なので|つまり|結局|だから)[、,]?)?(?:どちら(?:とも|でも)|一概に(?:は)?|両方(?:とも)?)"
                        r"[^。！？\n]{0,12}(?:言え(?:ます|る|ません|ない)|あり得(?:ます|る))(?:ね|よ)?[。！]?[\s*_]*$", re.IGNORECASE)


# A verdict offered as a second reading: 「いいえとも言えます」「はいとも考えられます」, "you could also say yes",
# "one can also answer no": said with the other verdict, the answer goes both ways. 「いいえとは言えません」 denies.
_ALSO_AFTER = re.compile(r"^[」』\"”*]*\s*とも(?:言え|いえ|考えられ|取れ)(?:ます|る)", re.IGNORECASE)
_ALSO_BEFORE = re.compile(r"\b(?:could|can|may|might)\s+(?:just\s+as\s+well\s+|equally\s+)?also\s+(?:say|answer|argue|be\s+said)"
                          r"(?:\s+(?:that\s+)?(?:it(?:'s|\s+is)\s+)?)?[\s*_\"“]*$", re.IGNORECASE)


def _also_other(text: str, asked: str) -> bool:
    """Whether one verdict is offered as a second reading ("…, so you could also say yes",
    「ですので、いいえとも言えます」) while the answer gives the other: both ways, no verdict."""
    found = _verdicts(text, asked)
    also = {value for match, value, _ in found
            if _ALSO_AFTER.match(text[match.end():]) or _ALSO_BEFORE.search(text[max(0, match.start() - 60):match.start()])}
    return bool(also) and {value for _, value, _ in found} == {True, False}


def _undecided_close(text: str) -> bool:
    """Whether the answer ends on a sentence that leaves the question open ("It depends.",
    「どちらとも言えます。」) after saying both verdicts: it commits to neither."""
    last = [s for s in sentences(text) if s.text.strip()]
    if not last or not _UNDECIDED.match(last[-1].text):
        return False
    said = {value for _, value, _ in _verdicts(text[:last[-1].start])}
    return said == {True, False}


_DIRECT = re.compile(r"[\s*_:：=\-「『\"“'(（]*")
# A verdict word said of another claim: a hypothetical ("saying so would be false", "it would be
# incorrect to say …", "correct only if …"), a concession ("it is true that …, but"), a premise
# ("…, which is true") or a note after the answer ("Note: …", "※…").
_HYPOTHETICAL_BEFORE = re.compile(r"\b(?:would|could|might)\s+(?:\w+\s+)?(?:not\s+)?(?:be|have\s+been)\s+(?:\w+\s+)?[*_]*$"
                                  r"|\bwhich\s+(?:is|are|was|were)\s+(?:also\s+)?[*_]*$", re.IGNORECASE)
# …correct only if …; it is true that …, but …; 確かに正しいですが、…: a condition or a concession.
_HYPOTHETICAL_AFTER = re.compile(r"^[\s,*_\"”')]{0,4}(?:to\s+(?:say|claim|answer|conclude)\b|(?:only\s+)?(?:if|when|unless)\b"
                                 r"|that\b[^.!?。\n]*,\s*(?:but|yet|however)\b)"
                                 r"|^[」』\"”*]*\s*(?:です|だ|ではある|ですけれど)?(?:が|けど|けれども?)、", re.IGNORECASE)
_NOTE = re.compile(r"^\W*(?:note|n\.b\.|p\.s\.|remark|caveat)\b|^\s*(?:[*_]*\s*)?(?:※|注[:：意]|補足|備考)",
                   re.IGNORECASE)
_PARTIAL = re.compile(r"\b(?:partly|partially|somewhat|half|technically|in\s+a\s+(?:sense|way)|to\s+some\s+extent)\s+"
                      r"(?:\w+\s+)?$|(?:ある意味|一部|部分的に|半分)(?:では|は)?\s*$", re.IGNORECASE)
_PARENS = re.compile(r"[(（][^()（）\n]*[)）]")
# 「いいえ」と答えるのは誤り: a verdict mentioned, then judged; the two read as one.
_JUDGED_MENTION = re.compile(r"^[」』\"”*]*\s*と(?:答える|答えた|言う|いう|する|した)(?:の|こと)(?:は|が|も)\s*$")


def _aside(text: str, start: int) -> bool:
    """Whether `start` lies in a parenthetical aside (of any length on one line), in a note's
    sentence or in a conditional one ("If it had not moved, it would be true", "もし…なら「はい」")."""
    if any(m.start() <= start < m.end() for m in _PARENS.finditer(text)):
        return True
    sentence = next((s for s in sentences(text) if s.start <= start < s.end), None)
    return sentence is not None and bool(_NOTE.match(sentence.text) or CONDITIONAL.match(sentence.text))


def _verdicts(text: str, asked: str = "") -> list[tuple[re.Match[str], bool, bool]]:
    """The verdict words the answer asserts, each with what it reads (negation and attribution
    read) and whether it is the answer's own (False for a word said of another claim: in an aside or
    a note, a hypothetical, a premise, or one hedged as partial: "partly true"). A mentioned verdict
    that is then judged ("「いいえ」と答えるのは誤り") reads as one verdict, at the judging word. A word
    that is the asked sentence's own predicate ("Is it incorrect to say …?") restates it: affirmed it
    answers yes, denied no ("it is not incorrect": no)."""
    found: list[tuple[re.Match[str], bool, bool]] = []
    question_form = asked.rstrip().endswith(("?", "？")) and not re.search(r"[「『\"“]", asked)
    asked_words = [m.group().lower() for m in _VERDICT.finditer(_ECHO.sub(" ", asked))] if question_form else []
    predicates = set(asked_words) if len(asked_words) == 1 else set()  # 正しいですか、誤りですか: a choice
    for match in _VERDICT.finditer(text):
        if attributed(clause_of(text, *match.span()).text) or _attributive(text, match):
            continue
        word = match.group().lower()
        value = (word in _TRUE_WORDS or word in predicates) != is_negated(text, *match.span())
        if found and _JUDGED_MENTION.match(text[found[-1][0].end():match.start()]):
            mentioned = found.pop()
            value = mentioned[1] == value
        clause_start = clause_of(text, *match.span()).start
        own = not (_aside(text, match.start()) or _conceded(text, match)
                   or _HYPOTHETICAL_BEFORE.search(text[clause_start:match.start()])
                   or _PARTIAL.search(text[max(clause_start, match.start() - 25):match.start()])
                   or _HYPOTHETICAL_AFTER.match(text[match.end():]))
        found.append((match, value, own))
    for reply in _REPLY.finditer(text):
        if not any(m.start() <= reply.start() < m.end() or reply.start() <= m.start() < reply.end() for m, _, _ in found):
            found.append((reply, not re.search(r"\bnot?\b|n't|nope|ない|ません|違う", reply.group(), re.IGNORECASE), True))
    return sorted(found, key=lambda v: v[0].start())


# After a view attributed to others, a contrast that sets the answer against it: "Some say "yes", but …",
# 「「はい」と思う人もいますが、実際には…」.
_AGAINST = re.compile(r"^[^.!?。！？\n]*?(?:\b(?:but|however|yet)\b|(?:が|けど|けれど(?:も)?)、|実際(?:に)?は|実は)",
                      re.IGNORECASE)


def _rejected_views(text: str) -> list[tuple[str, bool]]:
    """Verdict words in a view attributed to others that the answer then sets itself against in the
    same sentence ('Many cooks would say "no", but botanically it is a fruit'), each with the verdict
    the answer thereby gives: the opposite. A contrast that only declines ("…, but I cannot say") gives none."""
    rejected = []
    for match in _VERDICT.finditer(text):
        if not attributed(clause_of(text, *match.span()).text):
            continue
        against = _AGAINST.match(text[match.end():])
        if against is None:
            continue
        rest = text[match.end() + against.end():]
        if declines(rest[:next((i for i, c in enumerate(rest) if c in ".!?。！？\n"), len(rest))]):
            continue
        said = (match.group().lower() in _TRUE_WORDS) != is_negated(text, *match.span())
        rejected.append((match.group(), not said))
    return rejected


def _conceded(text: str, match: re.Match[str]) -> bool:
    """A verdict word in a clause that opens by conceding and is followed by its main clause in the
    same sentence ("Although it sounds correct, the saying is false"): an aside, not the verdict."""
    sentence = next((s for s in sentences(text) if s.start <= match.start() < s.end), None)
    return (sentence is not None and bool(CONCESSIVE.match(text[sentence.start:match.start()]))
            and "," in text[match.end():sentence.end])


def _attributive(text: str, match: re.Match[str]) -> bool:
    """A verdict adjective that modifies a noun in subject or object position ("The correct arrival
    time was 10:15", "took the wrong route", "正しい到着時刻は…"): it names a thing, not the verdict.
    A predicate noun ("This is a false statement", "正しい主張です") still judges."""
    word = match.group()
    if word.isascii():
        before, after = text[max(0, match.start() - 30):match.start()], text[match.end():match.end() + 20]
        return bool(re.search(r"\b(?:the|a|an|its|their|his|her|my|your)\s+$", before, re.IGNORECASE)
                    and not re.search(r"\b(?:is|was|are|were|be)\s+(?:the|a|an)\s+$", before, re.IGNORECASE)
                    and re.match(r"\s+[a-z]", after) and not re.match(r"\s+(?:answer|response)\b", after, re.IGNORECASE))
    if word not in ("正しい", "間違っ", "間違い"):
        return False
    words = ja_tokens(text[match.end():match.end() + 20])
    nouns = 0
    for surface, pos, _ in words:
        if pos == "名詞":
            nouns += 1
            continue
        return nouns > 0 and surface in ("は", "が", "を", "に", "の", "で", "も")
    return False


def _own_marker(text: str) -> re.Match[str] | None:
    """The last answer marker that is not in a view attributed to others ("a myth that the answer is
    yes") nor in an aside ("(one could say the answer is no)")."""
    markers = [m for m in answer_markers(text)
               if not (attributed(clause_of(text, *m.span()).text) or _aside(text, m.start()))]
    return markers[-1] if markers else None


def _verdict_of(text: str, asked: str = "") -> tuple[bool | None, str]:
    """The answer's verdict and how it was read; None with the reason when none can be trusted.
    Conflicting verdict words: the one whose clause restates the asked fact wins ("Yes, spiders
    have eight legs. … So no, a spider is not an insect"); else the last after a conclusion."""
    if _undecided_close(text) or _also_other(text, asked):
        return None, BOTH_WAYS
    both = _BOTH.search(text)
    if both:
        settled = _SETTLES.search(text, both.end())  # "Yes and no. … So, strictly, no.": the conclusion counts
        if not settled or not _verdicts(text[settled.start():], asked):
            return None, BOTH_WAYS
    cut = after_correction(text)
    marker = _own_marker(text)
    start = max(cut, marker.start() if marker else 0)
    every = _verdicts(text, asked)
    found = [v for v in every if v[0].start() >= start]
    if every and not found and cut > 0 and cut >= start and asked:
        corrected = fact_verdict(text[cut:], asked)  # "いいえ。訂正します：51は素数です。": the corrected statement
        if corrected is not None:
            return corrected, f"after the self-correction, the answer states the question's fact as {corrected}"
    found = found or every
    if not found:
        rejected = _rejected_views(text)
        if rejected and len({value for _, value in rejected}) == 1:
            word, value = rejected[-1]
            return value, f"others' verdict {word!r} is set against by the answer (\"…, but …\"), which reads {value}"
        return None, "found no verdict word"
    if marker and marker.start() >= cut:
        lead = _DIRECT.match(text, marker.end())
        direct = [v for v in found if lead and v[0].start() == lead.end()]
        if direct:
            return direct[0][1], f"verdict word {direct[0][0].group()!r} after the answer marker reads {direct[0][1]}"
    found = [v for v in found if v[2]] or found  # words said of other claims count only when alone
    values = {value for _, value, _ in found}
    if len(values) == 1:
        return found[-1][1], f"verdict word {found[-1][0].group()!r} reads {found[-1][1]}"
    on_topic = [v for v in found if asked and restates(asked, clause_of(text, *v[0].span()).text) is not None]
    if on_topic and len({value for _, value, _ in on_topic}) == 1 and len(on_topic) < len(found):
        return on_topic[-1][1], (f"verdict word {on_topic[-1][0].group()!r}, in the clause that restates "
                                 f"the question, reads {on_topic[-1][1]}")
    last = found[-1][0]
    sentence_start = max(text.rfind(c, 0, last.start()) for c in "。.!?\n")
    if _SETTLES.search(text, max(0, sentence_start), last.start()) or start:
        return found[-1][1], f"last verdict word {last.group()!r}, after a conclusion, reads {found[-1][1]}"
    return None, f"verdict words conflict ({', '.join(repr(m.group()) for m, _, _ in found)})"


# A sentence that opens by correcting what came before: "But actually, …", "In fact, however, …",
# 「しかし、実際には…」「でも本当は…」. After an opening verdict word, the statement it makes is the answer.
_ACTUALLY = re.compile(r"(?:^|(?<=[.!?。！？\n]))[\s*]*(?:(?:but|however|yet)[\s,]+(?:actually|in\s+(?:fact|reality))"
                       r"|(?:しかし|でも|ですが|けれども?)[、,]?\s*(?:実際(?:に)?は|本当は|実は))[、,]?",
                       re.IGNORECASE | re.MULTILINE)


def read_verdict(answer: str, question: str = "") -> tuple[bool | None, str]:
    """What the answer says (True/False) and how it was read; None with the reason when it cannot
    be told (verdict words that conflict, or none and no restatement of the question's fact)."""
    text = _ECHO.sub(lambda m: " " * len(m.group()), answer)
    verdict, how = _verdict_of(text, asked_statement(question) if question else "")
    if verdict is not None and question and (actually := _ACTUALLY.search(text)) and not _verdicts(text[actually.start():]):
        corrected = fact_verdict(text[actually.start():], question)
        if corrected is None:
            return None, f"{how}, but a later sentence corrects it ({actually.group().strip()!r}) in words that cannot be read"
        if corrected != verdict:
            return corrected, f"the later correction ({actually.group().strip()!r}) states the question's fact as {corrected}"
    if verdict is None and how == "found no verdict word" and (labelled := label_verdict(answer, question)):
        return labelled[0], f"the answer gives the question's own label {labelled[1]!r}, which reads {labelled[0]}"
    if verdict is None and how == "found no verdict word" and (chosen := _chosen_option(answer, question)) is not None:
        return chosen, f"the answer picks the option that reads {chosen}"
    if verdict is None and how == "found no verdict word":
        verdict = fact_verdict(_without_declines(answer), question)
        how = (f"no verdict word; the answer states the question's fact as {verdict}"
               if verdict is not None else how)
    if verdict is None and how == "found no verdict word" and question:
        verdict = comparison_verdict(_without_declines(answer), question)
        how = (f"no verdict word; the answer compares the question's two names, which reads {verdict}"
               if verdict is not None else how)
    if verdict is None and how == "found no verdict word" and question:
        verdict = premise_verdict(_without_declines(answer), asked_statement(question))
        how = (f"no verdict word; the answer rejects the question's premise or names who did it, which reads {verdict}"
               if verdict is not None else how)
    return verdict, how


def _chosen_option(answer: str, question: str) -> bool | None:
    """A question that offers the verdicts as lettered options ("A) True B) False") answered by a
    letter ("B", "**A**", "Answer: B", "The answer is B. …"): the verdict of that option
    (committed.option_pick reads the options and the pick, as for contains and regex)."""
    picked = option_pick(answer, question)
    if picked is None:
        return None
    word = _OPTION_VERDICT.match(picked[1].strip(" *_「」\"'"))
    return word.group(1).lower() in _TRUE_WORDS if word else None


_OPTION_VERDICT = re.compile(r"(true|false|yes|no|correct|incorrect|はい|いいえ|正しい|誤り)(?![A-Za-z])", re.IGNORECASE)


# "The text does not give enough information", "It depends on …", "I cannot say", "判断できません":
# the answer declines to commit to either verdict.
_DECLINES = re.compile(
    r"(?:\bnot|n't)\s+(?:give|provide|contain|include|have)\s+(?:enough|sufficient)\s+information\b"
    # "I can't provide medical or food safety advice", 「医療に関する助言はできません」: a refusal to advise
    r"|\b(?:cannot|can't|can\s+not|unable\s+to|not\s+able\s+to)\s+(?:give|provide|offer)\s+(?:you\s+)?(?:any\s+)?(?:[\w-]+\s+){0,4}advice\b"
    r"|(?:助言|アドバイス)(?:は|を|を(?:する|行う|提供する)ことは)?(?:でき|出来|いたしかね)(?:ません|ない)"
    r"|\b(?:not\s+enough|insufficient)\s+information\b|\bit\s+depends\b"
    r"|\b(?:cannot|can't|can\s+not|unable\s+to)\s+(?:be\s+)?(?:say|tell|determine|determined|know|answer|confirm)\b"
    # "I can't give a definitive answer", "I'd rather not give a yes or no", 「お答えできません」: a refusal
    r"|\b(?:cannot|can't|can\s+not|unable\s+to|not\s+able\s+to)\s+(?:give|provide|offer)\s+(?:you\s+)?(?:a\s+)?"
    r"(?:definitive|definite|clear|certain|straight)\s+answer\b|\b(?:I'd|I\s+would)\s+rather\s+not\s+(?:give|answer|say)\b"
    r"|お?答え(?:でき|出来|られ)(?:ません|ない)"
    r"|\bthere\s+is\s+no\s+way\s+to\s+(?:know|tell)\b|\bI\s+(?:don't|do\s+not)\s+know\b"
    r"|(?:判断|断言|回答|特定)(?:することは|は)?(?:でき|出来)(?:ません|ない)|情報が(?:足りません|不足|ありません|ない)"
    r"|(?:によります|次第です)|分かりません|わかりません"
    # "the text does not say", "not stated", "記載がありません": the text is said to leave it open
    r"|\b(?:does\s+not|doesn't)\s+(?:say|mention|state|specify)\b|\bnot\s+(?:stated|mentioned|specified)\b"
    r"|記載が(?:ありません|ない)|(?:書かれて|記載されて|述べられて)(?:いません|いない)"
    # a polite refusal: 「確定的なことを申し上げることはできません」「確定的なことは言えません」, "I don't have access
    # to information about …", "I am not in a position to make definitive statements"; a referral instead of an
    # answer: 「専門家や図鑑でご確認ください」, "Please consult an expert"
    r"|申し上げる(?:こと)?(?:は|が)?(?:でき|出来)(?:ません|ない)|確定的な(?:こと|回答|答え)(?:は|を|が)?(?:言え|申し上げられ|お答えでき)(?:ません|ない)"
    r"|(?:専門家|図鑑|資料|文献|公式|教科書|医師|辞典|百科事典)[^。！\n]{0,15}(?:で|に|を)(?:ご確認|ご相談|お確かめ)(?:ください|下さい)"
    r"|\bI\s+(?:don't|do\s+not)\s+have\s+access\s+to\s+(?:any\s+)?(?:information|data|details)\b"
    r"|\bnot\s+in\s+a\s+position\s+to\s+(?:make|give|say|offer|provide)\b|\bplease\s+consult\b", re.IGNORECASE)


def _without_declines(answer: str) -> str:
    """The answer less the sentences (or the parts of one between semicolons) that decline to give a
    verdict: "not enough information to decide whether Anna likes apples" names the asked fact without
    stating it; "The text does not mention a leash; Tom owns a dog" keeps its second part."""
    parts = [(s.start + m.start(), s.start + m.end()) for s in sentences(answer) for m in re.finditer(r"[^;；]+[;；]?", s.text)]
    for start, end in reversed(parts):
        if declines(answer[start:end]):
            answer = answer[:start] + answer[end:]
    return answer


def declines(answer: str) -> str | None:
    """The phrase with which an answer declines to give a verdict ("the text does not give enough
    information", "it depends", "判断できません"), or None."""
    for match in _DECLINES.finditer(answer):
        rest = answer[match.end():]
        sentence_rest = rest[:next((i for i, c in enumerate(rest) if c in ".!?。！？\n"), len(rest))]
        if not re.search(r"\b(?:but|however|though|so|therefore|thus)\b|(?:が|けど|けれど(?:も)?|ので|から)、",
                         sentence_rest, re.IGNORECASE):
            return match.group()  # not "I cannot say for sure, but it is closed", "…not stated, so it is closed": they answer
    return None
