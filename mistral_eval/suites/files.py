"""Suite files: flat YAML → `Suite` of `Case`s, validated on load; ELYZA-tasks-100 and MT-Bench importers.

The file's shape and its validation live in `suite_models.py`; this module turns a validated file
into `Case`s (suite defaults merged in), writes suites back and imports other formats.

Knows nothing about models, prompt rendering or generation: a case is a conversation plus optional
generation overrides and check specs; the runner decides how to render and answer it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mistral_eval.core.choices import MAX_CASES_ENV, MAX_SUITE_CASES
from mistral_eval.core.errors import ConfigError
from mistral_eval.core.paths import read_input
from mistral_eval.core.yamlfile import clip, count_items, limit_from_env, parse_yaml
from mistral_eval.suites.schema import NAME, CaseSpec, SuiteDefaults, check_suite


@dataclass(frozen=True)
class Case:
    """One prompt of a suite: what to ask, how to generate, and how to check the answer."""

    id: str
    """Unique within its suite; `[a-z0-9_]+`."""
    suite: str
    """Name of the suite it belongs to (= the file stem)."""
    language: str
    """The case's language, "ja", "en" or another ISO code: the answer's, unless the task asks for another
    (a translation)."""
    messages: tuple[dict, ...]
    """The conversation; a system prompt is `messages[0]` with role "system"; the last turn is the user's."""
    format: str | None = None
    """Prompt format name (one of `prompts.FORMATS`); None leaves it to the run."""
    settings: dict = field(default_factory=dict)
    """Generation overrides, keys from `GenerationSettings` (suite defaults already merged in)."""
    checks: tuple[dict, ...] = ()
    """Check specs for `scoring.make_check`, e.g. `{"type": "number", "expected": 3}`."""
    tags: tuple[str, ...] = ()
    pair: str | None = None
    """Bilingual pairing key: the ja and en case of one task share it."""
    file: str | None = None
    """The file the case came from, for error messages."""
    reference: str | None = None
    """A reference answer (ELYZA-tasks-100 `output`, MT-Bench `reference`), for judges and reports."""
    meta: dict = field(default_factory=dict)
    """Free-form data carried into results (e.g. ELYZA `eval_aspect`, MT-Bench `category`)."""
    followups: tuple[str, ...] = ()
    """Later user turns: the runner appends the model's answer and the next followup, then generates
    again, one after another (MT-Bench's second turn needs the model's own first answer)."""

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.id}"


@dataclass(frozen=True)
class Suite:
    """A named, versioned list of cases read from one file."""

    name: str
    description: str
    version: int
    cases: tuple[Case, ...]
    file: str | None = None
    sha256: str | None = None
    """sha256 of the file's bytes: a run records it, and resuming refuses a changed suite."""


def builtin_suites_dir() -> Path:
    """The folder of built-in suites: `prompts/` of a source checkout, else the copy in the wheel."""
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "prompts"
    return checkout if checkout.is_dir() else package / "builtin_suites"


def suites_guide() -> Path:
    """The guide to suite files: `docs/suites.md` of a source checkout, else the copy in the wheel."""
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "docs" / "suites.md"
    return checkout if checkout.is_file() else package / "builtin_docs" / "suites.md"


def load_suite(path: str | Path) -> Suite:
    """Read and validate one suite file; errors name the file, the case and the field."""
    path = Path(path)
    data = read_input(path, what="suite file")
    _check_case_count(data, path)
    doc = parse_yaml(data, path)
    return _build_suite(doc, file=str(path), stem=path.stem, sha256=hashlib.sha256(data).hexdigest())


def _check_case_count(data: bytes, path: Path) -> None:
    """Refuse a file with more cases than the cap, counted from the YAML events before the file is
    built into objects (the cost of a suite grows with its cases, far beyond its bytes)."""
    cap = limit_from_env(MAX_CASES_ENV, MAX_SUITE_CASES)
    count = count_items(data, "cases", cap)
    if count is not None and count > cap:
        raise ConfigError(f"the suite has more than {cap:,} cases, the most one file may hold; split it into "
                          f"several suites, or raise the cap with {MAX_CASES_ENV}=N", file=str(path), field="cases")


def list_suites(dir: str | Path | None = None) -> list[Suite]:
    """Every `*.yaml` suite in `dir` (default: the built-in suites), sorted by name."""
    folder = Path(dir) if dir is not None else builtin_suites_dir()
    return [load_suite(p) for p in sorted(folder.glob("*.yaml"))]


def resolve_suite(name_or_path: str | Path) -> Suite:
    """A built-in suite by name (`bilingual`) or a suite file by path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or len(candidate.parts) > 1:
        return load_suite(candidate)
    builtin = builtin_suites_dir() / f"{name_or_path}.yaml"
    if builtin.is_file():
        return load_suite(builtin)
    if candidate.is_file():
        return load_suite(candidate)
    known = [p.stem for p in sorted(builtin_suites_dir().glob("*.yaml"))]
    close = difflib.get_close_matches(str(name_or_path), known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ConfigError(f"unknown suite {str(name_or_path)!r}.{hint} Built-in suites: {', '.join(known) or '(none)'}; "
                      "or give the path of a .yaml suite file.", field="suite")


_STARTER = """\
# A mistral-eval suite: one file, one suite. Every field and check is described in {guide}.
# Validate it with `mistral-eval suites --check {path}`; run it with
# `mistral-eval run --model smollm2-135m-instruct --quant fp32 --suite {path} --out runs/{name}`.

# The suite's name must equal the file name ({name}.yaml): runs and reports know the suite by it.
suite: {name}
description: What these cases measure, in one line.
# Raise the version when the cases change; runs record it (and the file's hash: a run does not
# resume on a changed file).
version: 1

# Optional: every case inherits these unless it sets its own.
defaults:
  language: en          # the language answers should be in (ISO code: en, ja, ...)
  settings:             # generation settings; a run's --max-new-tokens etc. win over these
    do_sample: false
    max_new_tokens: 64
  tags: [starter]
  # format: mistral     # chat | mistral | inst | article | raw; unset: the run's --format, else the model's
  # system: You are a helpful assistant.

cases:
  - id: addition        # unique in the suite: lowercase letters, digits, underscores
    prompt: What is 17 + 25? Answer with just the number.
    checks:             # every check must pass; no checks: the answer is only stored
      - {{type: number, expected: 42}}

  - id: capital_ja      # a Japanese case, paired with the English one below
    language: ja
    pair: capital       # cases sharing a pair are shown side by side in reports
    prompt: 日本の首都はどこですか？一言で答えてください。
    checks:
      - {{type: contains, expected: [東京, Tokyo], all: false}}
      - {{type: japanese, min_share: 0.5}}
  - id: capital_en
    pair: capital
    prompt: What is the capital of Japan? Answer in one word.
    checks:
      - {{type: regex, pattern: "\\\\bTokyo\\\\b", flags: i}}

  - id: remember        # a whole conversation instead of prompt; it ends with the user's turn
    messages:
      - role: user
        content: Remember the number 7.
      - role: assistant
        content: Okay, I will remember the number 7.
      - role: user
        content: Which number did I ask you to remember? Answer with just the number.
    settings: {{max_new_tokens: 16}}
    checks:
      - {{type: number, expected: 7}}
      - {{type: degenerate}}
    tags: [multi_turn]
"""


def write_starter(path: str | Path) -> Path:
    """Write a commented starter suite to `path` (`NAME`, `NAME.yaml` or `folder/NAME.yaml`; the
    suite is named after the file). Refuses to overwrite a file. Returns the file's path."""
    path = Path(path)
    if path.suffix not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    if not NAME.fullmatch(path.stem):
        raise ConfigError(f"{path.stem!r} cannot name a suite: use lowercase letters, digits and "
                          "underscores (the file name is the suite's name)", file=str(path), field="suite")
    if path.exists():
        raise ConfigError("the file exists already; choose another name or remove it", file=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_STARTER.format(name=path.stem, path=path, guide=suites_guide()), encoding="utf-8")
    return path


def write_suite(suite: Suite, path: str | Path) -> Path:
    """Write `suite` as a flat YAML suite file (into a folder: `<name>.yaml`); returns the file's path."""
    path = Path(path)
    if path.is_dir():
        path = path / f"{suite.name}.yaml"
    if path.stem != suite.name:
        raise ConfigError(f"a suite file is named after its suite: write it as {suite.name}.yaml",
                          file=str(path), field="suite")
    doc = {"suite": suite.name, "description": suite.description, "version": suite.version,
           "cases": [_case_to_yaml(case) for case in suite.cases]}
    path.write_text(yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 16),
                    encoding="utf-8")
    return path


def import_elyza(path: str | Path, name: str = "elyza_tasks_100") -> Suite:
    """ELYZA-tasks-100 JSONL (`input`, `output`, `eval_aspect`) → a Japanese suite.

    `output` becomes the case's `reference` and `eval_aspect` goes into `meta`; grading against them
    needs a judge, so the cases carry only the checks every answer must pass.
    """
    records, data = _read_jsonl(path, {"input": str, "output": str, "eval_aspect": str})
    cases = [{"id": f"task_{n:03d}", "language": "ja", "prompt": r["input"], "reference": r["output"],
              "meta": {"eval_aspect": r["eval_aspect"]}, "tags": ["elyza"],
              "checks": [{"type": "japanese"}, {"type": "degenerate"}]}
             for n, (_, r) in enumerate(records, start=1)]
    doc = {"suite": name, "description": f"ELYZA-tasks-100, imported from {Path(path).name}",
           "version": 1, "cases": cases}
    return _build_suite(doc, file=str(path), stem=name, sha256=hashlib.sha256(data).hexdigest())


def import_mtbench(path: str | Path, name: str = "mt_bench", language: str = "en") -> Suite:
    """MT-Bench `question.jsonl` (`question_id`, `category`, `turns`) → one case per question.

    The first turn is the case's prompt and the later turns its `followups`, which the runner asks one
    after another, each after the model's previous answer.
    """
    records, data = _read_jsonl(path, {"question_id": (int, str), "category": str, "turns": list})
    cases = []
    for line, r in records:
        turns, references = r["turns"], _references(r, line, path)
        if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise ConfigError(f"line {line}: `turns` must be a non-empty list of non-empty strings",
                              file=str(path), field="turns")
        case = {"id": "q" + re.sub(r"[^a-z0-9_]", "_", str(r["question_id"]).lower()),
                "language": language, "prompt": turns[0], "tags": ["mt_bench", r["category"]],
                "meta": {"question_id": r["question_id"], "category": r["category"]},
                "checks": [{"type": "degenerate"}]}
        if turns[1:]:
            case["followups"] = turns[1:]
        if references:
            case["reference"] = references[0]
            case["meta"]["references"] = references
        cases.append(case)
    doc = {"suite": name, "description": f"MT-Bench questions, imported from {Path(path).name}",
           "version": 1, "cases": cases}
    return _build_suite(doc, file=str(path), stem=name, sha256=hashlib.sha256(data).hexdigest())


# --- reading --------------------------------------------------------------------------------------

def _read_jsonl(path: str | Path, required: dict[str, type | tuple]) -> tuple[list[tuple[int, dict]], bytes]:
    """The JSON object on each non-blank line, with its line number, checked for `required` keys."""
    data = read_input(path, what="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bad = data.count(b"\n", 0, e.start) + 1
        raise ConfigError(f"line {bad} is not UTF-8 (byte {data[e.start]:#04x}); save the file as UTF-8",
                          file=str(path)) from None
    records = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"line {n} is not valid JSON: {e.msg}", file=str(path)) from None
        except RecursionError:
            raise ConfigError(f"line {n} nests lists or objects too deeply to read", file=str(path)) from None
        except ValueError as e:  # e.g. an integer of more than 4300 digits
            raise ConfigError(f"line {n} cannot be read: {clip(str(e), 120)}", file=str(path)) from None
        if not isinstance(record, dict):
            raise ConfigError(f"line {n} is a JSON {type(record).__name__}, not an object", file=str(path))
        for key, kind in required.items():
            if key not in record:
                raise ConfigError(f"line {n} has no {key!r}", file=str(path), field=key)
            if not isinstance(record[key], kind) or isinstance(record[key], bool):
                raise ConfigError(f"line {n}: {key!r} has the wrong type ({type(record[key]).__name__})",
                                  file=str(path), field=key)
        records.append((n, record))
    if not records:
        raise ConfigError("the file holds no records", file=str(path))
    return records, data


def _references(record: dict, line: int, path: str | Path) -> list[str]:
    """MT-Bench's optional `reference`: one reference answer per turn."""
    references = record.get("reference")
    if references is None:
        return []
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        raise ConfigError(f"line {line}: `reference` must be a list of strings (one answer per turn), "
                          f"got {clip(references)}", file=str(path), field="reference")
    return references


# --- building -------------------------------------------------------------------------------------

def _build_suite(doc: Any, *, file: str, stem: str, sha256: str) -> Suite:
    """Validate a parsed suite file (every problem in one ConfigError) and build its cases."""
    spec = check_suite(doc, file=file, stem=stem)
    cases = tuple(_build_case(case, spec.defaults, spec.suite, file) for case in spec.cases)
    return Suite(spec.suite, spec.description, spec.version, cases, file, sha256)


def _build_case(case: CaseSpec, defaults: SuiteDefaults, suite: str, file: str) -> Case:
    """A validated case with the suite defaults merged in."""
    language = case.language or defaults.language
    assert language is not None  # check_suite refused a case without one
    return Case(
        id=case.id, suite=suite, language=language, messages=_conversation(case, defaults),
        format=case.format or defaults.format,
        settings={**defaults.settings.given(), **case.settings.given()},
        checks=tuple(dict(check) for check in case.checks),
        tags=tuple(dict.fromkeys([*defaults.tags, *case.tags])),
        pair=case.pair, file=file, reference=case.reference, meta=dict(case.meta),
        followups=tuple(case.followups),
    )


def _conversation(case: CaseSpec, defaults: SuiteDefaults) -> tuple[dict, ...]:
    """`prompt` (+ `system`, else defaults.system) or a full `messages` list, as one conversation."""
    if case.messages is not None:
        return tuple(message.model_dump() for message in case.messages)
    assert case.prompt is not None  # check_suite refused a case with neither
    system = case.system or defaults.system
    return ((({"role": "system", "content": system},) if system else ())
            + ({"role": "user", "content": case.prompt},))


# --- writing --------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as `|` blocks so prompts read as they are sent."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def _case_to_yaml(case: Case) -> dict:
    doc: dict[str, Any] = {"id": case.id, "language": case.language}
    roles = [m["role"] for m in case.messages]
    if roles in (["user"], ["system", "user"]):
        if roles[0] == "system":
            doc["system"] = case.messages[0]["content"]
        doc["prompt"] = case.messages[-1]["content"]
    else:
        doc["messages"] = [dict(m) for m in case.messages]
    optional = {"format": case.format, "settings": case.settings, "checks": [dict(c) for c in case.checks],
                "tags": list(case.tags), "pair": case.pair, "reference": case.reference,
                "meta": case.meta, "followups": list(case.followups)}
    doc.update({key: value for key, value in optional.items() if value not in (None, {}, [])})
    return doc
