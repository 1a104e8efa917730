"""`evaluate()`: the whole job in one call: load the model, run the suites, then write `summary.json`
and the report; `judge_run()`: grade a run with a judge, then the same; `refresh_run()`: the one place
that rewrites a run's `summary.json` and `report.html` together, so neither is left stale.

It sits above the run store, the judge and the pages (which `runs.runner` and `judge.grading` must not
import); the CLI and the notebooks call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mistral_eval.analysis.summary import write_summary
from mistral_eval.checks.sandbox import forced_mechanism
from mistral_eval.core.choices import REPORT_FILE
from mistral_eval.core.errors import ConfigError
from mistral_eval.judge import grading
from mistral_eval.model.generation import engine_from_env
from mistral_eval.model.loading import LoadedModel
from mistral_eval.report.pages import write_report
from mistral_eval.runs.distributed import barrier, current_rank
from mistral_eval.runs.records import RunConfig
from mistral_eval.runs.runner import RunSummary, finished_run, load_for_rank, make_config, run, stored_totals
from mistral_eval.runs.store import RunStore
from mistral_eval.suites.files import Suite, resolve_suite

__all__ = ["evaluate", "judge_run", "refresh_run"]


def refresh_run(run_dir: str | Path, *, report: bool = True) -> Path | None:
    """Rewrite `RUN/summary.json` and (unless `report=False`) `RUN/report.html` from what the run
    directory holds now (its results and judgments); the report's path, or None without one."""
    write_summary(run_dir)
    return write_report([run_dir], Path(run_dir) / REPORT_FILE) if report else None


def judge_run(lm: LoadedModel, run_dir: str | Path, *, report: bool = True, **options: Any) -> grading.JudgeSummary:
    """`judge.grading.judge_run` (same options: rubric, judge_format, settings, batch_size, label,
    progress, calibrate), then `refresh_run`: the run's summary and report show the judge's grades."""
    done = grading.judge_run(lm, run_dir, **options)
    refresh_run(run_dir, report=report)
    return done


def evaluate(model: str | RunConfig, suites: Iterable[str | Path | Suite] | None = None,
             out: str | Path | None = None, *, lm: LoadedModel | None = None, progress: bool | None = None,
             report: bool = True, **options: Any) -> RunSummary:
    """Load the model (unless `lm` is given, or `out` already holds every selected case of this run),
    run the suites, and, once every rank is done, write the run's `summary.json` (rank 0) and its
    report (rank 0, unless `report=False`).

    `model` is a model name with keyword options (quant, format, overrides, seed, ...) or a whole
    `RunConfig`; `suites` are names, paths or Suite objects (default: the config's).
    """
    if out is None:
        raise ConfigError("no run directory given", field="out")
    config = model if isinstance(model, RunConfig) else None
    suites = [suites] if isinstance(suites, (str, Path, Suite)) else suites  # one suite, alone
    suite_list = list(suites if suites is not None else (config.suites if config else ()))
    if not suite_list:
        raise ConfigError("no suite given; name at least one (see `mistral-eval suites`)", field="suite")
    named = {} if config else {"model": model}
    config = make_config(config, **named, suites=[s.name if isinstance(s, Suite) else s for s in suite_list],
                         **options)
    resolved = [s if isinstance(s, Suite) else resolve_suite(s) for s in suite_list]
    rank = current_rank()
    engine_from_env()  # these refuse at once, not after the model loads
    forced_mechanism()
    RunStore.check_not_busy(out, shared=rank.world > 1)
    done = finished_run(config, resolved, out) if lm is None else None  # nothing to do: load no model
    if done is not None:
        summary = RunSummary(**{**vars(done), "rank": rank.rank, "world": rank.world})
    else:
        lm = lm or load_for_rank(config, rank)
        summary = run(lm, resolved, out, config.model_copy(update={"model": lm.info.name, "quant": lm.info.quant}),
                      progress=progress, rank=rank)
    barrier(rank)
    if not summary.totals:  # one rank of several ran its share: every rank's cases are stored now
        summary = RunSummary(**{**vars(summary), "totals": stored_totals(out, resolved, config)})
    if rank.is_main:
        summary = RunSummary(**{**vars(summary), "report": refresh_run(out, report=report)})
    return summary
