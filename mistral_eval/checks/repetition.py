"""How much of an answer repeats itself: lines or sentences said again word for word, template loops
(the same sentence frame with one word changed), phrases looping back to back, and runs of one
character. Counts characters, so it works on Japanese; knows nothing about checks or thresholds.
"""

from __future__ import annotations

import difflib
import re

from mistral_eval.checks.japanese import tokens as ja_tokens
from mistral_eval.checks.scripts import JA_CHAR

__all__ = ["repetitions"]

_PIECES = re.compile(r"\n|(?<=[。！？!?])|(?<=\. )")
_LIST_MARK = re.compile(r"^(?:[-*•・]|\d{1,3}[.)．]|[（(]?\d{1,3}[)）])\s*")
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_LOOP = re.compile(r"(.{2,200}?)\1{2,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_STRUCTURE = re.compile(r"^\s*(?:\||#{1,6}\s)")  # a table row or a markdown heading
_CHAR_RUN = re.compile(r"([^\s\-=_*~#.…─━|])\1{9,}")  # not markdown rules, underlines or ellipses
_TEMPLATE_SIMILARITY = 0.75
_NEAR_COPY = 0.85
_TEMPLATE_COPIES = 3
_LIST_COPIES = 5
_WINDOW = 6
"""How many sentences back a copy's model may stand: a paragraph of up to six sentences looping."""


def _words(text: str) -> list[str]:
    """Content words: morphemes for Japanese (japanese.tokens), else lower-cased words."""
    if JA_CHAR.search(text):
        return [word for word, content in _tokens(text) if content]
    return re.findall(r"[a-z0-9]+", text.lower())


# English function words: articles, prepositions, auxiliaries, pronouns ("go for a walk" is two content words).
_FUNCTION_EN = frozenset("a an the to of for in on at by with from and or it is are was were be will can "
                         "you your my his her their our its this that".split())


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Every word and whether it is a content word: Japanese particles and auxiliaries (は, で, です)
    and English function words (a, to, is) are not, though they still hold a frame's slots apart
    (京都は寺で… has two)."""
    if JA_CHAR.search(text):
        return [(lemma, pos not in ("助詞", "助動詞")) for _, pos, lemma in ja_tokens(text) if pos != "補助記号"]
    return [(word, word not in _FUNCTION_EN) for word in re.findall(r"[a-z0-9]+", text.lower())]


def _frame(piece: str) -> str:
    """A sentence with its numbers masked: "Step 2: …" and "Step 3: …" are one frame."""
    return _NUMBER.sub("#", piece)


def _template_copy(piece: str, earlier: list[str], seen: set[str]) -> str | None:
    """How `piece` says an earlier sentence (one of the last `_WINDOW`) again in the same frame: "near"
    (a near copy), "changed" (one slot changed, or two when the second only repeats the sentence just
    before), or None. A counter is not a word ("Step 2: …"
    after "Step 1: …" says nothing new), but two numbers changed are a new row of data (7×3=21,
    7×4=28); and the changed word's place does not matter: a new subject ("Kyoto is a great city …")
    changes the frame no more than a new object."""
    words = _words(piece)
    if _STRUCTURE.match(piece) or all(w.isdigit() for w in words):
        return None  # tables and headings repeat their structure by design; "3 × 5 = 15" is data
    new = [w for w in words if w not in seen and not w.isdigit()]
    found = None
    said_just_before = set(_words(earlier[-1])) if earlier else set()
    for other in earlier:
        if sum(a != b for a, b in zip(_NUMBER.findall(piece), _NUMBER.findall(other))) > 1:
            continue
        similarity = difflib.SequenceMatcher(None, _frame(piece), _frame(other)).ratio()
        if similarity >= _NEAR_COPY:
            return "near"
        slots = _slots_changed(_tokens(piece), _tokens(other))
        # A second slot may only repeat a word of the sentence just before, the frame's subject in a
        # loop of sentence pairs ("Pandas is a library. Pandas handles tables. NumPy is a library. …").
        if ((len(new) <= 1 and similarity >= _TEMPLATE_SIMILARITY) or slots == 1
                or (slots == 2 and len(new) <= 1
                    and all(w in said_just_before or w in new for w in words if w not in _words(other)))):
            found = "changed"
    return found


def _slots_changed(tokens: list[tuple[str, bool]], other: list[tuple[str, bool]]) -> int | None:
    """How many slots of the same word frame differ ("Japan is beautiful." / "Japan is wonderful.":
    1; "京都は人気の都市です。" / "京都は歴史的な都市です。": 1; "It is important to drink water
    every day." / "… to get enough sleep every day.": 1): the frame keeps at least two words, and as
    many content words as change in it, at least one ("will be" is no frame); None when the
    sentences are not one frame. Numbers aside."""
    tokens, other = [t for t in tokens if not t[0].isdigit()], [t for t in other if not t[0].isdigit()]
    opcodes = difflib.SequenceMatcher(None, [w for w, _ in tokens], [w for w, _ in other], autojunk=False).get_opcodes()
    kept_words = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
    changes = [(sum(c for _, c in tokens[i1:i2]), sum(c for _, c in other[j1:j2]))
               for tag, i1, i2, j1, j2 in opcodes if tag != "equal"]
    changes = [size for size in changes if max(size)]  # a function word alone (a/the) changes no slot
    kept = sum(c for _, c in tokens) - sum(a for a, _ in changes)
    if not changes or kept_words < 2 or kept < max(1, sum(a for a, _ in changes), sum(b for _, b in changes)):
        return None  # the frame must say as much as what changes in it
    if any(min(size) == 0 for size in changes):
        return None  # a word added or dropped: a new sentence
    return len(changes)


def _templated(pieces: list[str], min_chars: int) -> list[str]:
    """Sentences said again in the same frame with a word changed ("Tokyo is a big city. Tokyo is
    a busy city. …", "Step 2: the total is 1100. Step 3: the total is 1100. …"): the copies in runs
    of back-to-back copies of `min_chars` / 2 characters or more (a quarter for Japanese, which says
    more per character): `_TEMPLATE_COPIES` near copies, or `_LIST_COPIES` when some change a word
    (four or five parallel items, "りんごが好きです。バナナが好きです。…", are a list). A sentence
    that adds two new words ("The capital of Spain is Madrid.") says something new, and a refrain
    said twice is no loop. A paragraph that loops (the same sentences, its subject changed) is a run
    too: one sentence in it that says something new does not break the run."""
    seen: set[str] = set()
    hows: list[str | None] = []
    for i, piece in enumerate(pieces):
        long_enough = len(piece) >= (min_chars // 4 if JA_CHAR.search(piece) else min_chars // 2)
        hows.append(_template_copy(piece, pieces[max(0, i - _WINDOW):i], seen) if long_enough else None)
        seen.update(_words(piece))
    runs: list[list[tuple[str, str]]] = [[]]
    for i, (piece, how) in enumerate(zip(pieces, hows)):
        if how:
            runs[-1].append((piece, how))
        elif len(runs[-1]) >= 2 and i + 1 < len(hows) and hows[i + 1]:
            continue  # one sentence of a looping paragraph that says something new keeps a run going
        elif runs[-1]:
            runs.append([])
    return [piece for run in runs if len(run) >= _TEMPLATE_COPIES
            and (len(run) >= _LIST_COPIES or all(how == "near" for _, how in run)) for piece, _ in run]


def _accreted(pieces: list[str], min_chars: int) -> list[str]:
    """The copies in runs of sentences that each say the one before again, word for word, and add a
    few words ("Plants use sunlight. Plants use sunlight to make food. Plants use sunlight to make
    food from water. …"): two such sentences in a row or more; the copied sentences count. Each
    sentence of `min_chars` / 2 characters or more (a quarter for Japanese)."""
    words = [_words(piece) for piece in pieces]  # a running sum (3 + 4 = 7. 3 + 4 + 5 = 12.) is working, not a loop
    extends = [bool(i and sum(not w.isdigit() for w in words[i - 1]) >= 3 and len(words[i]) > len(words[i - 1]) and words[i][:len(words[i - 1])] == words[i - 1]
                    and len(pieces[i - 1]) >= (min_chars // 4 if JA_CHAR.search(pieces[i - 1]) else min_chars // 2))
               for i in range(len(pieces))]
    copies: list[str] = []
    run: list[str] = []
    for i, extended in enumerate(extends + [False]):
        if extended:
            run.append(pieces[i - 1])
            continue
        if len(run) >= 2:
            copies += run
        run = []
    return copies


def _key(piece: str) -> str:
    return _LIST_MARK.sub("", " ".join(piece.split()))


def _refrains(text: str) -> set[str]:
    """The pieces of refrain lines: in a text of two or more stanzas (split by blank lines), a line
    said again only once per stanza, each time either in the block of said-again lines that opens or
    closes a stanza which also says something new (a line said once), or in a chorus (a stanza of
    nothing but said-again lines) whose copies stand apart, a stanza that says something new between
    each two. A poem's or song's refrain or chorus is its structure, not a loop; stanzas of nothing
    but the same lines again are. A single stanza of verse may interleave a refrain (`_interleaved`)."""
    stanzas = [[_key(line) for line in stanza.splitlines() if _key(line)] for stanza in re.split(r"\n\s*\n", text)]
    stanzas = [lines for lines in stanzas if lines]
    if len(stanzas) < 2:
        return _interleaved(stanzas[0]) if stanzas else set()
    said: dict[str, int] = {}
    for line in (line for lines in stanzas for line in lines):
        said[line] = said.get(line, 0) + 1
    new = [any(said[line] == 1 for line in lines) for lines in stanzas]
    refrains: set[str] = set()
    for line in {line for line, count in said.items() if count >= 2}:
        holding = [i for i, lines in enumerate(stanzas) if line in lines]
        if all(stanzas[i].count(line) == 1 and (_in_edge_block(stanzas[i], line, said) if new[i] else True)
               for i in holding) and _apart(holding, new):
            refrains.update(_key(piece) for piece in _PIECES.split(line))
    return refrains


_VERSE_LINE = 60
"""The longest line of a verse: a poem's or song's lines are short, prose runs on."""


def _interleaved(lines: list[str]) -> set[str]:
    """The pieces of refrain lines of a stanza of verse (short lines, four or more): a line said
    again with a line said only once between each two of its copies ("春が来た / 野に花が咲く /
    春が来た / 川の水がぬるむ / …"). Lines said again with nothing new between them, or blocks said
    again whole ("春が来た / 花が咲く / 春が来た / 花が咲く"), are no refrain."""
    if len(lines) < 4 or any(len(line) > _VERSE_LINE for line in lines):
        return set()
    said: dict[str, int] = {}
    for line in lines:
        said[line] = said.get(line, 0) + 1
    refrains: set[str] = set()
    for line in (line for line, count in said.items() if count >= 2):
        at = [i for i, x in enumerate(lines) if x == line]
        if all(any(said[x] == 1 for x in lines[a + 1:b]) for a, b in zip(at, at[1:])):
            refrains.update(_key(piece) for piece in _PIECES.split(line))
    return refrains


def _in_edge_block(lines: list[str], line: str, said: dict[str, int]) -> bool:
    """`line` is in the run of said-again lines that opens or closes the stanza."""
    at = lines.index(line)
    return all(said[x] >= 2 for x in lines[:at + 1]) or all(said[x] >= 2 for x in lines[at:])


def _apart(holding: list[int], new: list[bool]) -> bool:
    """Between each two stanzas that hold the line, one that says something new (the stanzas
    themselves may: a refrain closes verses that differ)."""
    return all(any(new[k] for k in range(a, b + 1)) for a, b in zip(holding, holding[1:]))


def repetitions(text: str, min_chars: int) -> tuple[float, list[str], list[re.Match[str]]]:
    """Share of characters that repeat a unit said before: a line or sentence (list marks ignored)
    said again word for word (not a refrain that closes or opens stanzas), counted from its 2nd time when it has `min_chars` characters or more,
    from its 3rd time when shorter; then, in what is left, the copies after the first in
    back-to-back loops of `min_chars` characters or more."""
    counts: dict[str, int] = {}
    kept: list[str] = []
    repeated: list[str] = []
    prose = _FENCED.sub(lambda m: " ".join(m.group().split()), text)
    refrains = _refrains(prose)
    for piece in _PIECES.split(prose):
        key = _key(piece)
        counts[key] = counts.get(key, 0) + (key not in refrains)
        wordy = sum(c.isalnum() for c in key) >= 2
        (repeated if wordy and counts[key] >= (2 if len(key) >= min_chars else 3) else kept).append(key)
    templated = _templated([k for k in kept if k], min_chars)
    repeated += templated + _accreted([k for k in kept if k and k not in templated], min_chars)
    rest = " ".join(k for k in kept if k and k not in templated)
    loops = [m for m in _LOOP.finditer(rest)
             if len(m.group()) - len(m.group(1)) >= min_chars and any(c.isalnum() for c in m.group(1))]
    runs = list(_CHAR_RUN.finditer(text))
    total = len(" ".join(text.split()))
    repeated_chars = (sum(map(len, repeated)) + sum(len(m.group()) - len(m.group(1)) for m in loops)
                      + sum(len(m.group()) - 1 for m in runs))
    return (min(1.0, repeated_chars / total) if total else 0.0), repeated, loops
