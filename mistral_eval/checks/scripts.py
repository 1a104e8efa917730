"""Script classes of Japanese text, for regular expressions: kana, kanji and the spans the checks
test for "is there Japanese (or CJK) here". One place for them, so that every check reads a
character the same way.

The ranges are regex character-class bodies (embed them in `[...]`) and compiled one-character
patterns. Knows nothing about words, morphology (see `japanese`) or checks.
"""

from __future__ import annotations

import re

__all__ = ["CJK", "CJK_CHAR", "HIRAGANA", "IDEOGRAPHS", "JAPANESE", "JA_CHAR", "KANA", "KANA_CHAR", "KANJI",
           "KANJI_BLOCKS", "KATAKANA", "UNIFIED", "WIDE_KANA"]

HIRAGANA = "\u3040-\u309f"
"""The hiragana block."""
KATAKANA = "\u30a0-\u30ff"
"""The katakana block (ー and ・ included)."""
KANA = "\u3040-\u30ff"
"""Hiragana and katakana."""
WIDE_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
"""Kana with the small katakana extension and half-width katakana."""
UNIFIED = "\u4e00-\u9fff"
"""The CJK unified ideographs block alone (the common kanji)."""
IDEOGRAPHS = "\u3400-\u9fff"
"""CJK ideographs: extension A through the unified block."""
JAPANESE = KANA + IDEOGRAPHS
"""Kana or a CJK ideograph: a character of Japanese text."""
CJK = "\u3040-\u9fff"
"""Everything from hiragana to the last unified ideograph (kana, CJK symbols, ideographs): "is this
text Japanese (or Chinese) rather than Latin"."""
KANJI_BLOCKS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""CJK ideographs without the Yijing symbols between the blocks, with the compatibility ideographs."""

KANJI = re.compile(rf"[{KANJI_BLOCKS}々〆]")
"""One kanji (CJK ideographs, compatibility ideographs, 々 and 〆)."""
JA_CHAR = re.compile(f"[{JAPANESE}]")
"""One character of Japanese text (kana or ideograph)."""
KANA_CHAR = re.compile(f"[{WIDE_KANA}]")
"""One kana, half-width ones included."""
CJK_CHAR = re.compile(f"[{CJK}]")
"""One character between hiragana and the last unified ideograph."""
