"""One run's aggregated results, `RUN/summary.json`: pass rates with Wilson intervals per suite, check
type and language (errors counted apart), the judge's mean grades per rubric, and the run's
provenance. `RunResults` (pydantic) defines the file; its JSON Schema is `docs/summary.schema.json`.

Reads a run directory through the run and judgment stores; knows nothing about models or HTML.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mistral_eval.analysis.stats import bootstrap_mean, wilson
from mistral_eval.core.choices import SUMMARY_FILE
from mistral_eval.core.paths import write_text_atomic
from mistral_eval.runs.judgments import JudgmentStore, judge_dirs
from mistral_eval.runs.records import Judgment, Manifest, Result
from mistral_eval.runs.store import RunStore

__all__ = ["SUMMARY_SCHEMA_VERSION", "CheckRate", "GradeMean", "Provenance", "RunResults", "StatusRate",
           "read_summary", "schema_text", "summarize_run", "summary_schema", "write_summary"]

SUMMARY_SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class CheckRate(_Frozen):
    """k of n with its 95% Wilson interval (all None when n is 0)."""

    k: int
    """Passed."""
    n: int
    """Scored (pass or fail; errors never count here)."""
    rate: float | None
    """k / n."""
    low: float | None
    """Lower end of the 95% Wilson interval."""
    high: float | None
    """Upper end of the 95% Wilson interval."""


class StatusRate(CheckRate):
    """A pass rate over the scored cases of a group, with the group's errors counted apart."""

    cases: int
    """Every record of the group: n scored + errors."""
    errors: int
    """Records without a verdict (format, generate or check errors); not failures."""


class GradeMean(_Frozen):
    """One judge's (one rubric's) grades of a run: the mean expected grade with a bootstrap interval."""

    judge: str
    """The judge's label (`RUN/judgments/<label>/`)."""
    judge_model: str
    """The judge model, as asked for."""
    rubric: str
    """"elyza" (1–5), "mtbench" (1–10) or another rubric name."""
    max_grade: int | None
    """The rubric's top grade."""
    n: int
    """Answers graded (gated and errored ones apart)."""
    mean: float | None
    """Mean expected grade (the probability-weighted grade)."""
    low: float | None
    """Lower end of the 95% percentile-bootstrap interval of the mean."""
    high: float | None
    """Upper end of the 95% percentile-bootstrap interval of the mean."""
    gated: int
    """Answers given the lowest grade by the language gate, without the judge model."""
    errors: int
    """Judgments that ended in an error."""


class Provenance(_Frozen):
    """What ran the run: model, quantization, prompt format, settings, versions, commit and times."""

    model: str
    """The model as asked for: hub id, local directory or the offline model's name."""
    revision: str | None
    """Hub revision of the model."""
    quant: str
    """Quantization preset."""
    format: str
    """The format asked for ("auto" or a format name)."""
    formats_used: list[str]
    """The formats the cases were actually rendered in."""
    settings: dict[str, Any]
    """Generation settings forced on every case."""
    seed: int | None
    """Seed of every case that does not set its own."""
    repeats: int
    """Times each case was generated."""
    suites: list[dict[str, Any]]
    """Each suite's name, file and sha256."""
    versions: dict[str, str | None]
    """Python and package versions the run used."""
    gpu: str | None
    """Name of CUDA device 0, or None on the CPU."""
    git_commit: str | None
    """mistral-eval's commit, "-dirty" when its checkout had changes."""
    started_at: str | None
    """UTC time the run first started."""
    finished_at: str | None
    """UTC time its last stored record was written."""
    fingerprint: str
    """sha256 of the run's identity fields (the manifest's)."""


class RunResults(_Frozen):
    """`RUN/summary.json`: the aggregated results of one run directory."""

    schema_version: int = SUMMARY_SCHEMA_VERSION
    """1 now."""
    run: str
    """The run directory's name."""
    overall: StatusRate
    """Every record of the run."""
    suites: dict[str, StatusRate] = Field(default_factory=dict)
    """Per suite name."""
    languages: dict[str, StatusRate] = Field(default_factory=dict)
    """Per expected answer language ("ja", "en", ...)."""
    checks: dict[str, CheckRate] = Field(default_factory=dict)
    """Per check type: of the scored records that had such a check, how many passed it."""
    judges: list[GradeMean] = Field(default_factory=list)
    """Per judge and rubric of `RUN/judgments/`; empty when the run was not judged."""
    provenance: Provenance
    """What ran it: the manifest's fields, the formats actually used and the finish time."""


def _rate(k: int, n: int) -> dict[str, Any]:
    rate = wilson(k, n)
    return {"k": rate.k, "n": rate.n, "rate": rate.rate, "low": rate.low, "high": rate.high}


def _status_rate(records: Iterable[Result]) -> StatusRate:
    statuses = [record.status for record in records]
    passed, errors = statuses.count("pass"), statuses.count("error")
    return StatusRate(**_rate(passed, len(statuses) - errors), cases=len(statuses), errors=errors)


def _grouped(records: list[Result], key: Callable[[Result], str]) -> dict[str, StatusRate]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    return {name: _status_rate(groups[name]) for name in sorted(groups)}


def _check_rates(records: list[Result]) -> dict[str, CheckRate]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        if record.status == "error":
            continue
        verdicts: dict[str, bool] = {}
        for check in record.checks:
            verdicts[check.name] = verdicts.get(check.name, True) and check.passed
        for name, passed in verdicts.items():
            counts[name][0] += int(passed)
            counts[name][1] += 1
    return {name: CheckRate(**_rate(*counts[name])) for name in sorted(counts)}


def _judge_means(path: Path) -> list[GradeMean]:
    means = []
    for directory in judge_dirs(path):
        with JudgmentStore.read(directory) as store:
            manifest, records = store.manifest, store.records()
        by_rubric: dict[str, list[Judgment]] = defaultdict(list)
        for record in records:
            by_rubric[record.rubric].append(record)
        for rubric in sorted(by_rubric):
            means.append(_grade_mean(manifest.label, manifest.judge_model, rubric, by_rubric[rubric]))
    return means


def _grade_mean(label: str, judge_model: str, rubric: str, records: list[Judgment]) -> GradeMean:
    latest = {record.case_key: record for record in sorted(records, key=lambda r: r.finished_at or "")}
    graded = [r.expected_grade for r in latest.values() if r.status == "graded" and r.expected_grade is not None]
    mean = bootstrap_mean(graded)
    tops = [r.max_grade for r in latest.values() if r.max_grade is not None]
    return GradeMean(judge=label, judge_model=judge_model, rubric=rubric, max_grade=max(tops) if tops else None,
                     n=mean.n, mean=mean.mean, low=mean.low, high=mean.high,
                     gated=sum(r.status == "gated" for r in latest.values()),
                     errors=sum(r.status == "error" for r in latest.values()))


def _provenance(manifest: Manifest, records: list[Result]) -> Provenance:
    finished = [record.finished_at for record in records if record.finished_at]
    return Provenance(model=manifest.model, revision=manifest.revision, quant=manifest.quant,
                      format=manifest.format,
                      formats_used=sorted({record.format for record in records if record.format}),
                      settings=manifest.settings, seed=manifest.seed, repeats=manifest.repeats,
                      suites=[suite.model_dump(mode="json") for suite in manifest.suites],
                      versions=manifest.versions, gpu=manifest.gpu, git_commit=manifest.git_commit,
                      started_at=manifest.started_at, finished_at=max(finished) if finished else None,
                      fingerprint=manifest.fingerprint)


def summarize_run(run_dir: str | os.PathLike[str]) -> RunResults:
    """The aggregated results of one run directory (and of its judgments, if any)."""
    path = Path(run_dir)
    with RunStore.read(path) as store:
        manifest, records = store.manifest, store.records()
    return RunResults(run=path.resolve().name, overall=_status_rate(records),
                      suites=_grouped(records, lambda r: r.suite),
                      languages=_grouped(records, lambda r: r.language),
                      checks=_check_rates(records), judges=_judge_means(path),
                      provenance=_provenance(manifest, records))


def write_summary(run_dir: str | os.PathLike[str]) -> Path:
    """(Re)write `RUN/summary.json` from the run directory as it stands; returns its path."""
    summary = summarize_run(run_dir)
    return write_text_atomic(Path(run_dir) / SUMMARY_FILE, summary.model_dump_json(indent=2) + "\n")


def read_summary(run_dir: str | os.PathLike[str]) -> RunResults | None:
    """`RUN/summary.json` as written, or None when the run has none (or an unreadable one)."""
    try:
        return RunResults.model_validate_json((Path(run_dir) / SUMMARY_FILE).read_bytes())
    except (OSError, ValueError):
        return None


def summary_schema() -> dict[str, Any]:
    """The JSON Schema of `summary.json` (committed as `docs/summary.schema.json`)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **RunResults.model_json_schema()}


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(summary_schema(), indent=2, ensure_ascii=False) + "\n"
