"""Suite files: flat YAML → `Suite` of `Case`s, validated on load; ELYZA-tasks-100 and MT-Bench importers.

Knows nothing about models, prompt rendering or generation: a case is a conversation plus optional
generation overrides and check specs; the runner decides how to render and answer it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .prompts import FORMATS, validate_messages
from .scoring import make_checks
from .settings import GenerationSettings
from .yamlfile import Where, parse_yaml, reject_unknown

_TOP_KEYS = ("suite", "description", "version", "defaults", "cases")
_DEFAULT_KEYS = ("language", "format", "system", "settings", "tags")
_CASE_KEYS = ("id", "language", "prompt", "system", "messages", "format", "settings", "checks", "tags",
              "pair", "reference", "meta", "followups")
_NAME = re.compile(r"[a-z0-9_]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]+)*")

@dataclass(frozen=True)
class Case:
    """One prompt of a suite: what to ask, how to generate, and how to check the answer."""

    id: str
    """Unique within its suite; `[a-z0-9_]+`."""
    suite: str
    """Name of the suite it belongs to (= the file stem)."""
    language: str
    """Language the answer is expected in: "ja", "en" or another ISO code."""
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
    checkout = Path(__file__).resolve().parent.parent / "prompts"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "builtin_suites"


def load_suite(path: str | Path) -> Suite:
    """Read and validate one suite file; errors name the file, the case and the field."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read the suite file: {e.strerror}", file=str(path)) from None
    doc = parse_yaml(data, path)
    return _build_suite(doc, file=str(path), stem=path.stem, sha256=hashlib.sha256(data).hexdigest())


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
    names = ", ".join(p.stem for p in sorted(builtin_suites_dir().glob("*.yaml"))) or "(none)"
    raise ConfigError(f"unknown suite {str(name_or_path)!r}. Built-in suites: {names}; "
                      "or give the path of a .yaml suite file.", field="suite")


_STARTER = """\
# A mistral-eval suite: one file, one suite. Every field and check is described in docs/suites.md.
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
    if not _NAME.fullmatch(path.stem):
        raise ConfigError(f"{path.stem!r} cannot name a suite: use lowercase letters, digits and "
                          "underscores (the file name is the suite's name)", file=str(path), field="suite")
    if path.exists():
        raise ConfigError("the file exists already; choose another name or remove it", file=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_STARTER.format(name=path.stem, path=path), encoding="utf-8")
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
             for n, r in enumerate(records, start=1)]
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
    for n, r in enumerate(records, start=1):
        turns, references = r["turns"], r.get("reference") or []
        if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise ConfigError(f"record {n}: `turns` must be a non-empty list of non-empty strings",
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

def _read_jsonl(path: str | Path, required: dict[str, type | tuple]) -> tuple[list[dict], bytes]:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read the file: {e.strerror}", file=str(path)) from None
    records = []
    for n, line in enumerate(data.decode("utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"line {n} is not valid JSON: {e.msg}", file=str(path)) from None
        for key, kind in required.items():
            if not isinstance(record, dict) or key not in record:
                raise ConfigError(f"line {n} has no {key!r}", file=str(path), field=key)
            if not isinstance(record[key], kind) or isinstance(record[key], bool):
                raise ConfigError(f"line {n}: {key!r} has the wrong type ({type(record[key]).__name__})",
                                  file=str(path), field=key)
        records.append(record)
    if not records:
        raise ConfigError("the file holds no records", file=str(path))
    return records, data


# --- validation -----------------------------------------------------------------------------------

def _build_suite(doc: Any, *, file: str, stem: str, sha256: str) -> Suite:
    where = Where(file)
    if not isinstance(doc, dict):
        raise where.error(None, "a suite file is a mapping with the keys suite, description, version and "
                                "cases (and optionally defaults)")
    reject_unknown(doc, _TOP_KEYS, where, "")
    for key in ("suite", "description", "version", "cases"):
        if key not in doc:
            raise where.error(key, f"missing required key {key!r}")
    name = _name(doc["suite"], where, "suite")
    if name != stem:
        raise where.error("suite", f"the suite name {name!r} must equal the file name {stem!r}: runs and "
                                   "reports know a suite by its name and `--suite NAME` finds a suite by "
                                   f"its file name, so the two must agree. Rename the file to {name}.yaml, "
                                   f"or set `suite: {stem}`")
    description = _text(doc["description"], where, "description")
    version = doc["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise where.error("version", f"must be an integer >= 1, got {version!r}")
    defaults = _defaults(doc.get("defaults", {}), where)
    raw_cases = doc["cases"]
    if not isinstance(raw_cases, list) or not raw_cases:
        raise where.error("cases", "must be a non-empty list of cases")
    cases: list[Case] = []
    first_index: dict[str, int] = {}
    for i, raw in enumerate(raw_cases):
        case = _build_case(raw, i, defaults, name, file)
        if case.id in first_index:
            raise Where(file, case.id).error(
                f"cases[{i}].id", f"duplicate case id, first used by cases[{first_index[case.id]}]")
        first_index[case.id] = i
        cases.append(case)
    return Suite(name, description, version, tuple(cases), file, sha256)


def _defaults(raw: Any, where: Where) -> dict:
    if not isinstance(raw, dict):
        raise where.error("defaults", "must be a mapping")
    reject_unknown(raw, _DEFAULT_KEYS, where, "defaults")
    return {"language": _language(raw["language"], where, "defaults.language") if "language" in raw else None,
            "format": _format(raw["format"], where, "defaults.format") if "format" in raw else None,
            "system": _text(raw["system"], where, "defaults.system") if "system" in raw else None,
            "settings": _settings(raw.get("settings", {}), where, "defaults.settings"),
            "tags": _tags(raw.get("tags", []), where, "defaults.tags")}


def _build_case(raw: Any, i: int, defaults: dict, suite: str, file: str) -> Case:
    at = f"cases[{i}]"
    case_id = raw.get("id") if isinstance(raw, dict) else None
    where = Where(file, case_id if isinstance(case_id, str) else None)
    if not isinstance(raw, dict):
        raise where.error(at, "a case is a mapping with at least id, language and prompt or messages")
    reject_unknown(raw, _CASE_KEYS, where, at)
    if "id" not in raw:
        raise where.error(f"{at}.id", "missing required key 'id'")
    case_id = _name(raw["id"], where, f"{at}.id")
    if "language" in raw:
        language = _language(raw["language"], where, f"{at}.language")
    elif defaults["language"]:
        language = defaults["language"]
    else:
        raise where.error(f"{at}.language", "missing: set it on the case or in defaults.language")
    return Case(
        id=case_id, suite=suite, language=language, messages=_conversation(raw, defaults, where, at),
        format=_format(raw["format"], where, f"{at}.format") if "format" in raw else defaults["format"],
        settings={**defaults["settings"], **_settings(raw.get("settings", {}), where, f"{at}.settings")},
        checks=_checks(raw.get("checks", []), where, f"{at}.checks"),
        tags=tuple(dict.fromkeys(defaults["tags"] + _tags(raw.get("tags", []), where, f"{at}.tags"))),
        pair=_name(raw["pair"], where, f"{at}.pair") if "pair" in raw else None,
        file=file,
        reference=_text(raw["reference"], where, f"{at}.reference") if "reference" in raw else None,
        meta=_meta(raw.get("meta", {}), where, f"{at}.meta"),
        followups=tuple(_text(t, where, f"{at}.followups[{j}]")
                        for j, t in enumerate(_list(raw.get("followups", []), where, f"{at}.followups"))),
    )


def _conversation(raw: dict, defaults: dict, where: Where, at: str) -> tuple[dict, ...]:
    """`prompt` (+ `system`, else defaults.system) or a full `messages` list, as one conversation."""
    if "prompt" in raw and "messages" in raw:
        raise where.error(f"{at}.messages", "give either `prompt` or `messages`, not both")
    if "messages" in raw:
        if "system" in raw:
            raise where.error(f"{at}.system", "with `messages`, put the system prompt in messages[0]")
        return _messages(raw["messages"], where, f"{at}.messages")
    if "prompt" not in raw:
        raise where.error(f"{at}.prompt", "a case needs either `prompt` or `messages`")
    prompt = _text(raw["prompt"], where, f"{at}.prompt")
    system = _text(raw["system"], where, f"{at}.system") if "system" in raw else defaults["system"]
    return ((({"role": "system", "content": system},) if system else ())
            + ({"role": "user", "content": prompt},))


def _messages(raw: Any, where: Where, at: str) -> tuple[dict, ...]:
    for j, message in enumerate(_list(raw, where, at)):
        if isinstance(message, dict):
            reject_unknown(message, ("role", "content"), where, f"{at}[{j}]")
    try:
        messages = validate_messages(raw, where=at)
    except ConfigError as e:
        raise where.error(e.field, e.message) from None
    for j, message in enumerate(messages):
        if not message["content"].strip():
            raise where.error(f"{at}[{j}].content", "must not be empty")
    return tuple(messages)


def _checks(raw: Any, where: Where, at: str) -> tuple[dict, ...]:
    """Validate check specs with scoring's own factories; `at` ends in ".checks"."""
    specs = _list(raw, where, at)
    try:
        make_checks(specs)
    except ConfigError as e:
        raise where.error(f"{at.removesuffix('checks')}{e.field}", e.message) from None
    return tuple(dict(spec) for spec in specs)


def _settings(raw: Any, where: Where, at: str) -> dict:
    if not isinstance(raw, dict):
        raise where.error(at, "must be a mapping of generation settings")
    reject_unknown(raw, GenerationSettings.field_names(), where, at)
    try:
        typed = GenerationSettings().replace(**raw).as_dict()
    except ConfigError as exc:
        raise where.error(f"{at}.{exc.field}", exc.message) from None
    return {name: typed[name] for name in raw}


def _text(value: Any, where: Where, at: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(at, f"must be a non-empty string, got {value!r}")
    return value


def _name(value: Any, where: Where, at: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise where.error(at, f"must be lowercase letters, digits and underscores, got {value!r}")
    return value


def _language(value: Any, where: Where, at: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise where.error(at, f"must be an ISO language code such as 'ja' or 'en', got {value!r}")
    return value


def _format(value: Any, where: Where, at: str) -> str:
    if value not in FORMATS:
        raise where.error(at, f"must be one of {', '.join(FORMATS)}, got {value!r}")
    return value


def _tags(value: Any, where: Where, at: str) -> tuple[str, ...]:
    return tuple(_text(tag, where, f"{at}[{j}]") for j, tag in enumerate(_list(value, where, at)))


def _meta(value: Any, where: Where, at: str) -> dict:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise where.error(at, "must be a mapping with string keys")
    return dict(value)


def _list(value: Any, where: Where, at: str) -> list:
    if not isinstance(value, list):
        raise where.error(at, f"must be a list, got {type(value).__name__}")
    return value


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
