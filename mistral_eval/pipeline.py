"""`evaluate()`: the whole job in one call: load the model, run the suites, then write `summary.json`
and the report.

It sits above the run store and the pages (which `runs.runner` must not import); the CLI and the
notebooks call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mistral_eval.analysis.summary import write_summary
from mistral_eval.checks.sandbox import forced_mechanism
from mistral_eval.core.choices import REPORT_FILE
from mistral_eval.core.errors import ConfigError
from mistral_eval.model.generation import engine_from_env
from mistral_eval.model.loading import LoadedModel
from mistral_eval.report.pages import write_report
from mistral_eval.runs.distributed import barrier, current_rank
from mistral_eval.runs.records import RunConfig
from mistral_eval.runs.runner import RunSummary, finished_run, load_for_rank, make_config, run, stored_totals
from mistral_eval.runs.store import RunStore
from mistral_eval.suites.files import Suite, resolve_suite

__all__ = ["evaluate"]


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
    if rank.world > 1:  # the other ranks' cases are stored now
        summary = RunSummary(**{**vars(summary), "totals": stored_totals(out, resolved, config)})
    if rank.is_main:
        write_summary(out)
    if report and rank.is_main:
        summary = RunSummary(**{**vars(summary), "report": write_report([out], Path(out) / REPORT_FILE)})
    return summary
