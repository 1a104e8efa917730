"""The typed records of a run: what was asked (`RunConfig`), what ran it (`Manifest`) and what each case
gave (`Result`). Each is a pydantic model with a docstring per field and a JSON round trip; readers
also accept the untyped records written before schema 2.

The resume fingerprint is derived from `RunConfig.identity()`, so the fields that must match to
resume are written in one place. Knows nothing about models, files or HTML.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from mistral_eval.checks.base import Verdict
from mistral_eval.core.choices import (
    DEFAULT_FORMAT,
    DEFAULT_MODEL,
    DEFAULT_QUANT,
    DEFAULT_UNCERTAIN,
    FORMAT_CHOICES,
    QUANT_PRESETS,
    UNCERTAIN_POLICIES,
)
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.core.validation import StrictModel

__all__ = ["JUDGMENT_STATUSES", "SCHEMA_VERSION", "STAGES", "STATUSES", "CaseError", "Calibration", "CheckRecord",
           "JudgeManifest", "Judgment", "Manifest", "Result", "RunConfig", "RunRef", "SuiteRef",
           "canonical_settings", "case_status", "field_table", "fingerprint_of"]

SCHEMA_VERSION = 2
"""1: the untyped records of mistral-eval ≤ 0.1 (no `status`); 2: typed records with a status."""
STATUSES = ("pass", "fail", "uncertain", "error")
STAGES = ("format", "generate", "check", "judge")

Status = Literal["pass", "fail", "uncertain", "error"]
UncertainPolicy = Literal[UNCERTAIN_POLICIES]  # type: ignore[valid-type]
Stage = Literal["format", "generate", "check", "judge"]
Quant = Literal[QUANT_PRESETS]  # type: ignore[valid-type]
FormatChoice = Literal[FORMAT_CHOICES]  # type: ignore[valid-type]
_STORED = ConfigDict(extra="ignore", frozen=True, use_attribute_docstrings=True)
"""Stored records: fields a later version added are ignored by an earlier one, not refused."""


class RunConfig(StrictModel):
    """What the user asked for: the model, how it is loaded and prompted, and which cases run.

    The identity fields (model, revision, quant, format, settings, seed, repeats and the suites'
    content) decide whether a run directory can be resumed; the rest only choose what runs now.
    """

    model: str = DEFAULT_MODEL
    """Hub id, local checkpoint directory, or the offline default model's name."""
    quant: Quant = DEFAULT_QUANT
    """Quantization preset (`choices.QUANT_PRESETS`)."""
    format: FormatChoice = DEFAULT_FORMAT
    """Prompt format for every case, or "auto": each case's own, else the model's default."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """Generation settings forced on every case (names from `GenerationSettings`)."""
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    """Seed of every case that does not set its own."""
    suites: Annotated[tuple[str, ...], Field(strict=False)] = ()
    """Suite names or paths of suite files."""
    revision: str | None = None
    """Hub revision (branch, tag or commit) of the model."""
    repeats: Annotated[int, Field(ge=1, le=1000)] = 1
    """Times each case is generated, with seeds seed, seed+1, …; > 1 needs sampling to differ."""
    batch_size: Annotated[int, Field(ge=1, le=4096)] | None = None
    """Rows per batch; None lets the engine choose."""
    trust_remote_code: bool = False
    """Let the model's repository run its own Python code while loading (off unless asked)."""
    allow_unisolated_code: bool = False
    """Run the `python` check's model code even where no OS-level sandbox is available."""
    limit: Annotated[int, Field(ge=1)] | None = None
    """Run at most this many cases per suite (a first, small try)."""
    cases: Annotated[tuple[str, ...], Field(strict=False)] = ()
    """Only cases whose id or key matches one of these glob patterns."""
    tags: Annotated[tuple[str, ...], Field(strict=False)] = ()
    """Only cases carrying one of these tags."""
    uncertain: UncertainPolicy = DEFAULT_UNCERTAIN
    """What an uncertain check makes of its case: "review" (status uncertain, counted apart), "fail"
    (counted as a failure) or "judge" (uncertain, and marked for `mistral-eval judge` to grade)."""

    @field_validator("settings")
    @classmethod
    def _known_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        GenerationSettings().replace(**value)
        return dict(value)


def canonical_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Overrides as stored: floats where the field is a float (1 and 1.0 are one setting)."""
    typed = GenerationSettings().replace(**settings).as_dict()
    return {name: typed[name] for name in settings}


def fingerprint_of(identity: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of a run's identity."""
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SuiteRef(BaseModel):
    """A suite as a run records it."""

    model_config = _STORED
    name: str
    """The suite's name."""
    file: str | None = None
    """The file it was read from (informative: a moved file is the same suite)."""
    sha256: str | None = None
    """sha256 of the suite file's bytes; a changed file cannot resume the run."""


class Manifest(BaseModel):
    """`manifest.json`: the run's identity, where it ran, and its fingerprint."""

    model_config = _STORED
    schema_version: int = 1
    """1 for manifests written before typed records, 2 now."""
    model: str
    """The model as asked for: hub id, local directory or the offline model's name."""
    revision: str | None = None
    """Hub revision of the model."""
    quant: str
    """Quantization preset."""
    format: str
    """Prompt format of the run ("auto" or a format name)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """Generation settings forced on every case."""
    seed: int | None = 0
    """Seed of every case that does not set its own."""
    suites: list[SuiteRef] = Field(default_factory=list)
    """The suites run, with their files' sha256."""
    repeats: int = 1
    """Times each case is generated."""
    versions: dict[str, str | None] = Field(default_factory=dict)
    """Python and package versions the run used."""
    gpu: str | None = None
    """Name of CUDA device 0, or None on the CPU."""
    git_commit: str | None = None
    """mistral-eval's commit, "-dirty" when its checkout had changes."""
    started_at: str | None = None
    """UTC time the run first started (a resume keeps it)."""
    fingerprint: str = ""
    """sha256 of the identity fields; a run directory resumes only with the same one."""
    model_info: dict[str, Any] | None = None
    """What `load_model` reported: quant, dtype, device, parameters, footprint, load time."""
    world_size: int = 1
    """Processes (ranks) of the launch that started the run."""
    isolation: str | None = None
    """How model-written code was isolated: the mechanism and the per-check limits (e.g. "bwrap; seccomp; 64 processes per check (own uid)"), "unisolated", or None (no code check)."""

    def identity(self) -> dict[str, Any]:
        """The fields that must match to resume; `repeats` only when not 1, so runs written
        before repeats existed keep their fingerprint."""
        identity: dict[str, Any] = {
            "model": self.model, "revision": self.revision, "quant": self.quant, "format": self.format,
            "settings": self.settings, "seed": self.seed,
            "suites": sorted([s.name, s.sha256] for s in self.suites)}
        if self.repeats != 1:
            identity["repeats"] = self.repeats
        return identity

    def computed_fingerprint(self) -> str:
        return fingerprint_of(self.identity())

    def differences(self, other: Manifest) -> list[str]:
        """Human lines naming each identity field that differs, down to settings keys."""
        mine, theirs = self.identity(), other.identity()
        mine["suites"] = dict(map(tuple, mine["suites"]))
        theirs["suites"] = dict(map(tuple, theirs["suites"]))
        return _difference_lines(mine, theirs)


def _difference_lines(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """One line per identity field that differs (a dict field: per key), stored vs now."""
    lines = []
    for field in sorted(set(mine) | set(theirs)):
        old, new = mine.get(field, "<absent>"), theirs.get(field, "<absent>")
        if isinstance(old, dict) and isinstance(new, dict):
            lines += [f"{field}.{key}: stored {old.get(key, '<absent>')!r}, now {new.get(key, '<absent>')!r}"
                      for key in sorted(set(old) | set(new)) if old.get(key, "<absent>") != new.get(key, "<absent>")]
        elif old != new:
            lines.append(f"{field}: stored {old!r}, now {new!r}")
    return lines


class CheckRecord(BaseModel):
    """One check's verdict on one answer, as stored."""

    model_config = _STORED
    name: str
    """Check type, e.g. "number"."""
    passed: bool
    """Whether the answer passed this check (False for an uncertain verdict)."""
    score: float
    """0..1; partial credit where the check has it."""
    reason: str
    """One human sentence: what was found vs what was expected."""
    verdict: Verdict = None  # type: ignore[assignment]
    """"pass", "fail" or "uncertain"; records written before it had none and read as `passed` says."""

    @model_validator(mode="after")
    def _verdict_from_passed(self) -> CheckRecord:
        if self.verdict is None:  # the rule of checks.base.CheckResult, for records written before verdicts
            object.__setattr__(self, "verdict", "pass" if self.passed else "fail")
        return self


def case_status(verdicts: list[str], policy: str = DEFAULT_UNCERTAIN) -> Status:
    """A case's status from its checks' verdicts: "fail" when one failed, else "uncertain" when one
    could not decide (or "fail" under the policy "fail"), else "pass"."""
    if "fail" in verdicts:
        return "fail"
    if "uncertain" in verdicts:
        return "fail" if policy == "fail" else "uncertain"
    return "pass"


class CaseError(BaseModel):
    """Why a case has no verdict: the stage that failed and its message."""

    model_config = _STORED
    stage: Stage
    """"format" (the prompt could not be built), "generate", "check" or "judge"."""
    message: str
    """What went wrong, in words."""


class Result(BaseModel):
    """One finished case: one line of `results.jsonl`."""

    model_config = _STORED
    schema_version: int = SCHEMA_VERSION
    """1 for records written before typed records (read and converted), 2 now."""
    key: str
    """`suite/case_id` (with `#rN` for repeat N > 0): unique in a run."""
    suite: str
    """The suite's name."""
    case_id: str
    """The case's id within its suite."""
    language: str
    """The language the answer is expected in ("ja", "en", ...)."""
    pair: str | None = None
    """Bilingual pairing key: the ja and en case of one task share it."""
    tags: list[str] = Field(default_factory=list)
    """The case's tags."""
    format: str | None = None
    """The prompt format the case was rendered in."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """The case's effective generation settings."""
    messages: list[dict[str, str]] = Field(default_factory=list)
    """The conversation sent ({role, content} each), before follow-ups."""
    followups: list[str] = Field(default_factory=list)
    """Later user turns, each asked after the model's previous answer."""
    prompt_text: str | None = None
    """The formatted prompt the model saw; None when it could not be built."""
    prompt_tokens: int = 0
    """Tokens of the (last) prompt."""
    answer: str = ""
    """The final answer (after the last follow-up for multi-turn cases)."""
    turns: list[str] = Field(default_factory=list)
    """Every answer, one per user turn."""
    answer_tokens: int = 0
    """Tokens generated for the final answer."""
    finish_reason: str | None = None
    """"eos", "length", or None when nothing was generated."""
    seconds: float = 0.0
    """Wall time of the batch that generated it (shared by the batch's rows)."""
    tokens_per_second: float = 0.0
    """Answer tokens over the batch's seconds."""
    batch_size: int = 0
    """Rows in the batch that generated it."""
    checks: list[CheckRecord] = Field(default_factory=list)
    """Each check's verdict; empty for errors."""
    status: Status
    """"pass" (every check passed), "fail" (a check failed), "uncertain" (a check could not decide and
    none failed: needs review) or "error" (no verdict: see `error`)."""
    error: CaseError | None = None
    """The stage and message of an error; None for a verdict."""
    japanese_share: float = 0.0
    """Share of Japanese script among the answer's letters."""
    rank: int = 0
    """The process (rank) that ran it."""
    repeat: int = 0
    """Which repeat of the case this is (0-based)."""
    finished_at: str | None = None
    """UTC time it was stored (ISO 8601)."""
    to_judge: bool = False
    """An uncertain case the run (`--uncertain judge`) left for `mistral-eval judge` to grade."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool | None:
        """True/False for a verdict, None for an error or an uncertain case (they are neither)."""
        return None if self.status in ("error", "uncertain") else self.status == "pass"

    @model_validator(mode="before")
    @classmethod
    def _from_schema_1(cls, data: Any) -> Any:
        """Records written before schema 2 have `passed` and an error string, no `status`."""
        if not isinstance(data, dict) or "status" in data:
            return data
        data = {k: v for k, v in data.items() if k != "passed"}
        error = data.get("error")
        if isinstance(error, str) and error:
            data["error"] = {"stage": "format", "message": error}
            data["status"] = "error"
        else:
            data["error"] = None
            passed = all(check.get("passed") for check in data.get("checks") or [])
            data["status"] = "pass" if passed else "fail"
        if data.get("finish_reason") == "error":
            data["finish_reason"] = None
        data["schema_version"] = 1
        return data

    def to_json(self) -> str:
        """One line of `results.jsonl` (UTF-8 text, no ASCII escapes)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# judgments: a local model's grades of a finished run (see judge.py)

JUDGMENT_STATUSES = ("graded", "gated", "error")
JudgmentStatus = Literal["graded", "gated", "error"]


class RunRef(BaseModel):
    """A judged run as a judge manifest records it."""

    model_config = _STORED
    name: str
    """The run's label (its directory name)."""
    path: str
    fingerprint: str
    """The run's own fingerprint: judging a different run into the same directory is refused."""


class Calibration(BaseModel):
    """How a judge agreed with human labels on the shipped calibration set (`judge --calibrate`):
    a grade at or above the rubric's pass threshold (4 of 5, 7 of 10) counts as "good"."""

    model_config = _STORED
    set_name: str
    """The labelled set, e.g. "calibration-v1"."""
    set_sha256: str
    """sha256 of the set file, so a changed set is not mistaken for the same one."""
    n: int
    """Items graded (errors left out)."""
    good: int
    """Items the humans labelled good."""
    true_positive: int
    """Good items the judge passed."""
    true_negative: int
    """Bad items the judge failed."""
    kappa: float | None
    """Cohen's κ between the judge's pass/fail and the labels; None when undefined."""
    kappa_low: float | None = None
    """Lower end of κ's 95% percentile bootstrap interval over items."""
    kappa_high: float | None = None
    tpr: float | None = None
    """True-positive rate: good items passed / good items (Wilson 95% interval below)."""
    tpr_low: float | None = None
    tpr_high: float | None = None
    tnr: float | None = None
    """True-negative rate: bad items failed / bad items."""
    tnr_low: float | None = None
    tnr_high: float | None = None
    errors: int = 0
    """Items the judge could not grade."""
    finished_at: str | None = None


class JudgeManifest(BaseModel):
    """`judgments/<label>/manifest.json` (or a pairwise `--out` directory's): who judged, how."""

    model_config = _STORED
    schema_version: int = SCHEMA_VERSION
    label: str
    """The judge's label: the directory name under `RUN/judgments/`."""
    judge_model: str
    revision: str | None = None
    quant: str
    format: str
    """The prompt format the judge prompts were rendered in."""
    rubric: str
    """"elyza", "mtbench", "pairwise", or "cases" (each case's own judge check)."""
    rubric_sha256: dict[str, str] = Field(default_factory=dict)
    """sha256 of each rubric file's text used ("elyza_ja", "elyza_en", ...)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """The judge's generation settings for its reasoning."""
    runs: list[RunRef] = Field(default_factory=list)
    """The judged run (one), or the runs compared (pairwise)."""
    versions: dict[str, str | None] = Field(default_factory=dict)
    gpu: str | None = None
    git_commit: str | None = None
    started_at: str | None = None
    model_info: dict[str, Any] | None = None
    fingerprint: str = ""
    calibration: Calibration | None = None
    """The judge's agreement with the labelled calibration set, when `--calibrate` measured it; not
    part of the identity (calibrating later does not stop a resume). Absent in older manifests."""

    def identity(self) -> dict[str, Any]:
        """The fields that must match to resume judging into the same directory."""
        return {"label": self.label, "judge_model": self.judge_model, "revision": self.revision,
                "quant": self.quant, "format": self.format, "rubric": self.rubric,
                "rubric_sha256": self.rubric_sha256, "settings": self.settings,
                "runs": self._run_identity()}

    def _run_identity(self) -> Any:
        """Pairwise: each run's label (judgment keys hold it) and fingerprint. One judged run: its
        fingerprint only, so a run directory that is moved or renamed keeps its judge."""
        if self.rubric == "pairwise":
            return {run.name: run.fingerprint for run in self.runs}
        return sorted(run.fingerprint for run in self.runs)

    def computed_fingerprint(self) -> str:
        return fingerprint_of(self.identity())

    def differences(self, other: JudgeManifest) -> list[str]:
        return _difference_lines(self.identity(), other.identity())


class Judgment(BaseModel):
    """One judge's verdict on one answer (or, pairwise, on two answers in one order): one line of
    `judgments.jsonl`."""

    model_config = _STORED
    schema_version: int = SCHEMA_VERSION
    key: str
    """The result's key; pairwise: `suite/case|first|second` (first is shown as answer A)."""
    case_key: str
    """The result's key (`suite/case_id`, with `#rN` for a repeat)."""
    judge: str
    """The judge's label."""
    rubric: str
    """Rubric file used, e.g. "elyza_ja", "mtbench_en", "pairwise_en"."""
    status: JudgmentStatus
    """"graded" (the model graded it), "gated" (decided without the model, see `reason`) or "error"."""
    grade: int | None = None
    """The most likely grade in 1..max_grade; None for pairwise records and errors."""
    expected_grade: float | None = None
    """Probability-weighted grade, in [1, max_grade]."""
    max_grade: int | None = None
    verdict: str | None = None
    """Pairwise: "A" (first better), "B" (second better) or "C" (tie), the most likely one."""
    first: str | None = None
    """Pairwise: the run shown as answer A."""
    second: str | None = None
    """Pairwise: the run shown as answer B."""
    distribution: dict[str, float] = Field(default_factory=dict)
    """Probability of each allowed grade (or verdict) at the grade position; sums to 1."""
    rationale: str = ""
    """The judge's raw output (untrusted text: escape it before showing it)."""
    prompt_text: str | None = None
    """The judge prompt as the judge saw it."""
    aspect: str | None = None
    """The case's own grading aspect (ELYZA `eval_aspect`), when it has one."""
    reason: str | None = None
    """Why a gated record got its grade without the model (e.g. the language gate)."""
    threshold: float | None = None
    """The grade counted as a pass against the checks, from the case's judge spec; None: the default."""
    error: CaseError | None = None
    finished_at: str | None = None

    def to_json(self) -> str:
        """One line of `judgments.jsonl`."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False)


def field_table(model: type[BaseModel]) -> str:
    """A Markdown table of a model's fields (name, type, default, description), for docs/DESIGN.md."""
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        annotation = info.annotation
        shown = annotation.__name__ if isinstance(annotation, type) and not get_origin(annotation) else str(annotation)
        kind = shown.replace("typing.", "").replace("mistral_eval.runs.records.", "")
        default = "required" if info.is_required() else (
            "(empty)" if info.default_factory is not None else f"`{info.default!r}`")
        meaning = " ".join((info.description or "").split()).replace("|", "\\|")
        rows.append(f"| `{name}` | `{kind}` | {default} | {meaning} |")
    for name, computed in model.model_computed_fields.items():
        meaning = " ".join((computed.description or "").split())
        rows.append(f"| `{name}` | computed | – | {meaning} |")
    return "\n".join(rows)
