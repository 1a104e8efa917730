"""Judge rubrics: the verbatim text files under `mistral_eval/rubrics/`, their allowed grades, and the
judge prompt built from a rubric, a question and one or two answers.

A rubric file has sections, each opened by a line `=== name ===`: `prompt` (the judge prompt, with
`{question}`, `{answer}` or `{answer_a}`/`{answer_b}`, `{reference_section}`, `{aspect_section}`),
`reference` and `aspect` (inserted only when the case has a reference answer or its own aspect) and
`grade` (the prefix of the judge's last line, e.g. "評価:"). Placeholders are filled in one pass, so
an answer that contains "{question}" stays as written. Knows nothing about models or run files.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from mistral_eval.core.choices import SINGLE_RUBRICS
from mistral_eval.core.errors import ConfigError

__all__ = ["RUBRICS", "SINGLE_RUBRICS", "Rubric", "load_rubric", "rubric_language"]

"""Rubrics that grade one answer: ELYZA-tasks-100 style 1–5, MT-Bench style 1–10."""
RUBRICS = (*SINGLE_RUBRICS, "pairwise")
_GRADES = {"elyza": tuple(str(g) for g in range(1, 6)),
           "mtbench": tuple(str(g) for g in range(1, 11)),
           "pairwise": ("A", "B", "C")}
_SECTION = re.compile(r"^=== ([a-z_]+) ===$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{(question|answer|answer_a|answer_b|reference_section|aspect_section|"
                          r"reference|aspect)\}")


@dataclass(frozen=True)
class Rubric:
    """One rubric file: its family, language, text and the grades a judge may give."""

    family: str
    """"elyza", "mtbench" or "pairwise"."""
    language: str
    """"ja" or "en": the language the rubric is written in."""
    text: str
    """The whole file, as shipped."""
    sections: dict[str, str]
    grades: tuple[str, ...]
    """Allowed grades as text: "1".."5", "1".."10", or "A", "B", "C" (C: a tie) for pairwise."""

    @property
    def name(self) -> str:
        return f"{self.family}_{self.language}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def grade_prefix(self) -> str:
        """The start of the judge's last line, e.g. "Grade:"; the grade is read right after it."""
        return self.sections["grade"].strip()

    @property
    def max_grade(self) -> int | None:
        return None if self.family == "pairwise" else len(self.grades)

    def render(self, *, question: str, answer: str = "", answer_b: str | None = None,
               reference: str | None = None, aspect: str | None = None) -> str:
        """The judge prompt. Pairwise rubrics take `answer` as answer A and `answer_b` as answer B."""
        optional = {"reference": reference, "aspect": aspect}
        values = {f"{name}_section": _fill(self.sections[name], {name: value}) if value else ""
                  for name, value in optional.items()}
        values.update(question=question, answer=answer, answer_a=answer, answer_b=answer_b or "")
        return _fill(self.sections["prompt"], values).strip() + "\n"


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def rubric_language(case_language: str) -> str:
    """Japanese cases get the Japanese rubric; every other language the English one."""
    return "ja" if case_language.split("-")[0] == "ja" else "en"


@functools.cache
def load_rubric(family: str, language: str = "en") -> Rubric:
    """The rubric `family` ("elyza", "mtbench", "pairwise") in `language` ("ja" or "en")."""
    if family not in RUBRICS:
        raise ConfigError(f"unknown rubric {family!r}; valid rubrics: {', '.join(RUBRICS)}", field="rubric")
    if language not in ("ja", "en"):
        raise ConfigError(f"rubrics exist in 'ja' and 'en', not {language!r}", field="language")
    text = resources.files("mistral_eval.judge").joinpath("rubric_texts", f"{family}_{language}.txt").read_text("utf-8")
    parts = _SECTION.split(text)
    sections = {name: body.removeprefix("\n").rstrip("\n") for name, body in zip(parts[1::2], parts[2::2])}
    missing = {"prompt", "reference", "aspect", "grade"} - set(sections)
    if missing:
        raise ConfigError(f"rubric file {family}_{language}.txt lacks section(s) {', '.join(sorted(missing))}; "
                          "reinstall mistral-eval", field="rubric")
    return Rubric(family, language, text, sections, _GRADES[family])
