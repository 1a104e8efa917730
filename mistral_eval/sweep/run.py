"""Sweeps: run a planned notebook under papermill for every combination, then index them.

The plan (`sweep_plan.py`) groups combinations by `model` and `quant`; the notebooks of a group run
one after another in one kernel, and the notebook loads its model with `load_shared`, so it loads
once per group. Each combination gets its own directory OUT/<sweep>/<combination>/: the executed
notebook, its HTML, the run directory's files (the notebook's `out` parameter points there) and
`combination.json`. A failed combination is recorded and the sweep goes on; at the end
`run_sweep` raises `SweepError` naming every failure. Knows nothing about models beyond the two
grouping parameters.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import quote

from mistral_eval.core.choices import REPORT_FILE
from mistral_eval.core.errors import SweepError, SweepFailure
from mistral_eval.core.paths import check_output_dir, write_text_atomic
from mistral_eval.runs.distributed import Rank, barrier, current_rank
from mistral_eval.runs.provenance import now
from mistral_eval.runs.store import MANIFEST
from mistral_eval.sweep.plan import (  # noqa: F401
    STATUS,
    Combination,
    SweepSpec,
    builtin_notebooks_dir,
    by_group,
    describe,
    jsonable,
    load_spec,
    plan,
    rank_share,
)

__all__ = ["Combination", "SweepSpec", "builtin_notebooks_dir", "describe", "load_spec", "plan",
           "run_sweep", "write_index"]

_RANK_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")
_ENGINE = "mistral-eval-shared-kernel"

# --- execution ------------------------------------------------------------------------------------

def _register_engine() -> None:
    """A papermill engine that runs in a kernel it is handed (and keeps alive), so the notebooks
    of a group share one kernel and the model it loaded."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class SharedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, *, km, kernel_start,
                                     execution_timeout=None, start_timeout=60, **kwargs):
            client = PapermillNotebookClient(nb_man, km=km, kernel_name=kernel_name,
                                             timeout=execution_timeout, startup_timeout=start_timeout)
            try:
                return client.execute(**kernel_start)  # used only when the kernel is not running yet
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(_ENGINE, SharedKernelEngine)


def _kernel_env(rank: Rank) -> dict[str, str]:
    """The sweep's environment minus the rank variables (a kernel is one whole process to the
    library), pinned to this rank's GPU when several ranks share a host."""
    env = {k: v for k, v in os.environ.items() if k not in _RANK_VARIABLES}
    device = rank.device
    if device and device.startswith("cuda:"):
        visible = [d for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d]
        index = int(device.split(":")[1])
        env["CUDA_VISIBLE_DEVICES"] = visible[index] if visible else str(index)
    return env


def _error(exc: BaseException, notebook: Path) -> dict:
    """What failed: the kind, the cell (its In [n] and source) and the error's name and value."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return {"kind": "error", "cell": exc.exec_count, "source": exc.source, "ename": exc.ename,
                "evalue": exc.evalue}
    try:  # the last cell that started is the one that was running when it stopped
        cells = nbformat.read(notebook, as_version=4).cells
        started = [c for c in cells if c.get("metadata", {}).get("papermill", {}).get("start_time")]
        count, source = started[-1].get("execution_count"), started[-1].source
    except (OSError, ValueError, IndexError):
        count, source = None, ""
    kind = ("timeout" if isinstance(exc, (CellTimeoutError, TimeoutError)) else
            "kernel died" if isinstance(exc, DeadKernelError) else "error")
    return {"kind": kind, "cell": count, "source": source, "ename": type(exc).__name__,
            "evalue": str(exc).strip().splitlines()[0] if str(exc).strip() else ""}


def _render_html(notebook: Path) -> str | None:
    from mistral_eval.sweep.notebook import export_html

    return export_html(notebook).name if notebook.is_file() else None


def _execute(spec: SweepSpec, combination: Combination, km, kernel_start: dict, rank: Rank) -> dict:
    import papermill

    combination.directory.mkdir(parents=True, exist_ok=True)
    notebook = combination.directory / "notebook.ipynb"
    start, error = time.perf_counter(), None
    try:
        papermill.execute_notebook(
            str(spec.notebook), str(notebook), parameters=combination.parameters,
            engine_name=_ENGINE, kernel_name=spec.kernel, progress_bar=False,
            execution_timeout=spec.timeout, km=km, kernel_start=kernel_start)
    except Exception as exc:  # noqa: BLE001 - any failure is this combination's, not the sweep's
        error = _error(exc, notebook)
    status = {"combination": combination.name, "group": combination.group,
              "parameters": jsonable(combination.parameters), "status": "failed" if error else "ok",
              "error": error, "seconds": round(time.perf_counter() - start, 1), "rank": rank.rank,
              "finished_at": now(),
              "notebook": notebook.name if notebook.is_file() else None}
    try:
        status["html"] = _render_html(notebook)
    except Exception as exc:  # noqa: BLE001 - a page that cannot render must not fail the sweep
        status["html"], status["html_error"] = None, f"{type(exc).__name__}: {exc}"
    write_text_atomic(combination.directory / STATUS, json.dumps(status, ensure_ascii=False, indent=2) + "\n")
    return status


def _run_group(spec: SweepSpec, combinations: list[Combination], rank: Rank) -> None:
    """Run a group's combinations in one kernel; after a timeout or a dead kernel, go on in a
    fresh one (which loads the model again, once). Kernels write their own stderr (start-up
    warnings, a crash's last words) to OUT/<sweep>/kernels.log."""
    km = None
    with open(spec.directory / "kernels.log", "a", encoding="utf-8") as log:
        start = {"env": _kernel_env(rank), "stdout": log, "stderr": log}
        try:
            for combination in combinations:
                km = _run_one(spec, combination, km, start, rank)
        finally:
            if km is not None:
                _stop(km)


def _run_one(spec: SweepSpec, combination: Combination, km, start: dict, rank: Rank):
    """Run one combination (unless finished) in `km`; return the kernel manager to go on with."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    if combination.finished:
        print(f"  {combination.name}: done earlier, skipped", flush=True)
        return km
    print(f"  {combination.name}: running", flush=True)
    km = km or AsyncKernelManager(kernel_name=spec.kernel)
    status = _execute(spec, combination, km, start, rank)
    error = status["error"]
    print(f"  {combination.name}: {status['status']} in {status['seconds']}s"
          + (f" — {error['kind']} at In [{error['cell']}]: {error['ename']}: {error['evalue']}"
             if error else ""), flush=True)
    if (error and error["kind"] != "error") or not run_sync(km.is_alive)():
        _stop(km)
        return None
    return km


def _stop(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        run_sync(km.shutdown_kernel)(now=True)
    except RuntimeError:  # no kernel was running: nothing to stop
        pass


# --- the index ------------------------------------------------------------------------------------

def _failure(combination: Combination, status: dict) -> str:
    """One line about a combination that is not ok, for the terminal and the index."""
    error = status.get("error") or {"kind": status.get("status", "not run")}
    return (f"{combination.name}: {error['kind']}" + (f" at In [{error.get('cell')}]: "
            f"{error.get('ename')}: {error.get('evalue')}" if "ename" in error else ""))


def _index_row(combination: Combination, status: dict):
    from mistral_eval.report.pages import IndexRow

    directory = combination.directory
    ok = status.get("status") == "ok"

    def link(target: str | None) -> str | None:
        return quote(f"{directory.name}/{target}") if target else None

    report = REPORT_FILE if (directory / REPORT_FILE).is_file() else None
    run = directory if (directory / MANIFEST).is_file() else None
    return IndexRow(combination.name, combination.varied, status.get("status", "not run"),
                    status.get("seconds"), run,
                    {"notebook": link(status.get("html")), ".ipynb": link(status.get("notebook")),
                     "run": quote(f"{directory.name}/") if run else None, "report": link(report)},
                    failure=None if ok else _failure(combination, status),
                    failure_source=(status.get("error") or {}).get("source", ""))


def write_index(spec: SweepSpec, combinations: list[Combination]) -> Path:
    """Write OUT/<sweep>/report.html (comparison of the finished runs) and index.html: one sortable
    row per combination (grid values, pass rate, errors, time, tokens/s, links) and the failures
    with their cell and error."""
    from mistral_eval.analysis.tables import summarize_runs
    from mistral_eval.report.pages import render_index, write_report

    statuses = {c.name: c.status() for c in combinations}
    runs = [c.directory for c in combinations
            if statuses[c.name].get("status") == "ok" and (c.directory / MANIFEST).is_file()]
    report = write_report(runs, spec.directory / REPORT_FILE,
                          title=f"sweep {spec.name}: comparison") if runs else None
    rows = [_index_row(c, statuses[c.name]) for c in combinations]
    failures = [row.failure for row in rows if row.failure]
    summary = (f"{len(combinations) - len(failures)} of {len(combinations)} combination(s) ok, "
               f"{len(failures)} failed or not run, in {len(by_group(combinations))} group(s)")
    links = [("Comparison report", REPORT_FILE)] if report else []
    description = f"{spec.description} (spec {spec.file or '–'}, notebook {spec.notebook})".strip()
    page = render_index(f"sweep {spec.name}", rows, summary=summary, description=description,
                        links=[*links, ("kernels.log", "kernels.log")],
                        note="" if report else "No finished run to compare.")
    index = spec.directory / "index.html"
    write_text_atomic(index, page)
    if runs:
        print(summarize_runs(runs))
    print(summary, *(f"  FAILED {line}" for line in failures), f"index: {index}",
          f"report: {report or '(none: no finished run)'}", sep="\n")
    return index



def run_sweep(spec_path: str | os.PathLike[str], *, dry_run: bool = False,
              out: str | os.PathLike[str] | None = None) -> Path | None:
    """Run (or with `dry_run`, describe) a sweep; returns the index page (None for a dry run or on
    ranks other than 0). Raises SweepError naming every combination that did not finish, after the
    index is written.

    Under torchrun/accelerate each rank runs its share of the groups; rank 0 writes the index
    and the comparison report once every rank is done.
    """
    spec = load_spec(spec_path, out=out)
    combinations, rank = plan(spec), current_rank()
    if dry_run:
        print(describe(spec, combinations, rank))
        return None
    check_output_dir(spec.directory, what=f"{spec.file}: out")
    _register_engine()
    spec.directory.mkdir(parents=True, exist_ok=True)
    for group, members in by_group(rank_share(combinations, rank)).items():
        prefix = f"[rank {rank.rank}] " if rank.world > 1 else ""  # one process: no rank to tell apart
        print(f"{prefix}group {group}: {len(members)} combination(s)", flush=True)
        _run_group(spec, members, rank)
    barrier(rank)
    index = write_index(spec, combinations) if rank.is_main else None
    failures = [SweepFailure.of(c) for c in combinations if not c.finished]
    if failures:
        raise SweepError(spec.name, failures)
    return index
