"""Sweeps: run a notebook under papermill for every combination of a parameter grid, then index them.

A spec names the notebook, base parameters and a grid. Combinations that share the `model` and
`quant` parameters form a group; the notebooks of a group run one after another in one kernel,
and the notebook loads its model with `load_shared`, so it loads once per group. Each combination
gets its own directory OUT/<sweep>/<combination>/: the executed notebook, its HTML, the run
directory's files (the notebook's `out` parameter points there) and `combination.json`.
Knows nothing about models beyond those two parameter names.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .distributed import Rank, barrier, current_rank, shard
from .errors import ConfigError
from .report import html_tag, html_table
from .results import MANIFEST, write_atomic
from .yamlfile import Where, parse_yaml, reject_unknown

__all__ = ["Combination", "SweepSpec", "builtin_notebooks_dir", "describe", "load_spec", "plan",
           "run_sweep", "write_index"]

STATUS = "combination.json"
_SPEC_KEYS = ("sweep", "description", "notebook", "out", "timeout", "kernel", "parameters", "grid")
_GROUP_BY = ("model", "quant")
_OUT = "out"
"""The notebook parameter the sweep sets to the combination's directory, when the notebook has it."""
_RANK_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")
_ENGINE = "mistral-eval-shared-kernel"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep file."""

    name: str
    """`sweep:` (default: the file's stem); outputs go to OUT/<name>/."""
    notebook: Path
    parameters: dict
    """Base parameters, given to every combination."""
    grid: dict
    """Parameter → list of values; the combinations are the product, in file order."""
    out: Path = Path("out")
    timeout: int | None = None
    """Seconds one cell may run (papermill's execution_timeout); None: no limit."""
    kernel: str = "python3"
    description: str = ""
    file: str | None = None
    notebook_parameters: tuple[str, ...] = ()
    """The names in the notebook's parameters cell."""

    @property
    def directory(self) -> Path:
        return self.out / self.name


@dataclass(frozen=True)
class Combination:
    """One point of the grid: the notebook's parameters and where its outputs go."""

    name: str
    varied: dict
    """This combination's grid values."""
    parameters: dict
    """Everything passed to the notebook: base, then grid values, then `out`."""
    group: str
    """The (model, quantization) it shares a kernel with, e.g. 'model=x quant=nf4'."""
    directory: Path

    def status(self) -> dict:
        """The stored `combination.json`, or {} when it has not run (or was killed running)."""
        try:
            return json.loads((self.directory / STATUS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    @property
    def finished(self) -> bool:
        """Ran to the end with these very parameters (so a rerun skips it)."""
        status = self.status()
        return status.get("status") == "ok" and status.get("parameters") == _jsonable(self.parameters)


# --- the spec -------------------------------------------------------------------------------------

def builtin_notebooks_dir() -> Path:
    """`notebooks/` of a source checkout, else the copy in the wheel."""
    checkout = Path(__file__).resolve().parent.parent / "notebooks"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "builtin_notebooks"


def _notebook_path(value: Any, where: Where) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise where.error("notebook", f"must be a notebook name (evaluate, compare, chat) or a path "
                                      f"to an .ipynb file, got {value!r}")
    path = Path(value) if value.endswith(".ipynb") else builtin_notebooks_dir() / f"{value}.ipynb"
    if not path.is_file():
        raise where.error("notebook", f"no notebook at {path}")
    return path


def _check_names(values: dict, known: dict, where: Where, at: str, notebook: Path) -> None:
    for name in values:
        if name == _OUT and _OUT in known:
            raise where.error(f"{at}.{name}", f"{_OUT!r} is set by the sweep (each combination's own "
                                              f"directory); set the top-level 'out' instead")
        if name not in known:
            close = difflib.get_close_matches(str(name), list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise where.error(f"{at}.{name}", f"{notebook} has no parameter {name!r}{hint} "
                                              f"Its parameters: {', '.join(known)}")


def load_spec(path: str | os.PathLike, *, out: str | os.PathLike | None = None) -> SweepSpec:
    """Read and validate a sweep file; errors name the file and the field. Relative paths in it
    (notebook, out) are relative to the current directory, as on the command line."""
    path = Path(path)
    where = Where(str(path))
    try:
        doc = parse_yaml(path.read_bytes(), path)
    except OSError as e:
        raise ConfigError(f"cannot read the sweep file: {e.strerror}", file=str(path)) from None
    if not isinstance(doc, dict):
        raise where.error(None, "a sweep file is a mapping with the keys notebook, parameters, grid "
                                "(and optionally sweep, description, out, timeout, kernel)")
    reject_unknown(doc, _SPEC_KEYS, where, "")
    name = doc.get("sweep", path.stem)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise where.error("sweep", f"must be a folder name (letters, digits, _ . -), got {name!r}")
    notebook = _notebook_path(doc.get("notebook"), where)
    import papermill

    known = papermill.inspect_notebook(str(notebook))
    if not known:
        raise where.error("notebook", f"{notebook} has no cell tagged 'parameters', so nothing can be set")
    parameters, grid = doc.get("parameters") or {}, doc.get("grid") or {}
    for field, value in (("parameters", parameters), ("grid", grid)):
        if not isinstance(value, dict):
            raise where.error(field, "must be a mapping of notebook parameters")
        _check_names(value, known, where, field, notebook)
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise where.error(f"grid.{key}", f"must be a non-empty list of values, got {values!r}")
        if key in parameters:
            raise where.error(f"grid.{key}", "is also set in parameters; set it in one place")
    timeout = doc.get("timeout")
    if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1):
        raise where.error("timeout", f"must be a number of seconds >= 1 (or null), got {timeout!r}")
    kernel = doc.get("kernel", "python3")
    _check_kernel(kernel, where)
    for field in ("description", "out"):
        if not isinstance(doc.get(field, ""), str):
            raise where.error(field, f"must be a string, got {doc[field]!r}")
    return SweepSpec(name=name, notebook=notebook, parameters=parameters, grid=grid,
                     out=Path(out or doc.get("out") or "out"), timeout=timeout, kernel=kernel,
                     description=doc.get("description", ""), file=str(path),
                     notebook_parameters=tuple(known))


def _check_kernel(kernel: Any, where: Where) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except (NoSuchKernel, TypeError, ValueError):
        names = ", ".join(sorted(KernelSpecManager().find_kernel_specs()))
        raise where.error("kernel", f"no Jupyter kernel named {kernel!r}; installed: {names}") from None


# --- the plan -------------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _slug(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(_slug(v) for v in value)
    text = str(value) if isinstance(value, (str, int, float)) else json.dumps(value, sort_keys=True)
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-") or "x"


def _name(varied: dict, taken: set[str]) -> str:
    name = "_".join(f"{key}-{_slug(value)}" for key, value in varied.items()) or "base"
    digest = hashlib.sha1(json.dumps(varied, sort_keys=True, default=str).encode()).hexdigest()[:8]
    if len(name) > 100 or name in taken:
        name = f"{name[:80]}-{digest}"
    return name


def plan(spec: SweepSpec) -> list[Combination]:
    """Every combination of the grid, in file order, each with its directory and group."""
    combinations, taken = [], set()
    for values in itertools.product(*spec.grid.values()):
        varied = dict(zip(spec.grid, values))
        name = _name(varied, taken)
        taken.add(name)
        parameters = {**spec.parameters, **varied}
        directory = spec.directory / name
        if _OUT in spec.notebook_parameters:
            parameters[_OUT] = str(directory)
        group = " ".join(f"{key}={parameters[key]}" for key in _GROUP_BY if key in parameters)
        combinations.append(Combination(name, varied, parameters, group or "all", directory))
    return combinations


def _groups(combinations: list[Combination]) -> dict[str, list[Combination]]:
    groups: dict[str, list[Combination]] = {}
    for combination in combinations:
        groups.setdefault(combination.group, []).append(combination)
    return groups


def _share(combinations: list[Combination], rank: Rank) -> list[Combination]:
    """This rank's combinations: whole groups when there are enough to go round, else single
    combinations (still one model load per group per rank). Every rank computes the same split."""
    if rank.world == 1:
        return combinations
    groups = _groups(combinations)
    if len(groups) >= rank.world:
        parts = shard(list(groups), rank.world, lambda g: len(groups[g]), key=str)[rank.rank]
        mine = {c.name for g in parts for c in groups[g]}
    else:
        mine = {c.name for c in shard(combinations, rank.world, lambda c: 1.0,
                                      key=lambda c: c.name)[rank.rank]}
    return [c for c in combinations if c.name in mine]


def describe(spec: SweepSpec, combinations: list[Combination], rank: Rank | None = None) -> str:
    """The plan in words: combinations by group (and rank), what is done, and the outputs."""
    rank = rank or current_rank()
    groups = _groups(combinations)
    lines = [f"sweep {spec.name} ({spec.file}): notebook {spec.notebook}, {len(combinations)} "
             f"combination(s) in {len(groups)} group(s); each group runs in one kernel and loads "
             f"its model once" + (f"; {rank.world} ranks" if rank.world > 1 else "")]
    width = max((len(c.name) for c in combinations), default=0)
    for r in range(rank.world):
        mine = _share(combinations, Rank(r, rank.world, r))
        for group, members in _groups(mine).items():
            lines.append(f"{f'rank {r}, ' if rank.world > 1 else ''}group {group}:")
            for c in members:
                varied = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in c.varied.items())
                state = "done (skipped)" if c.finished else "to run"
                lines.append(f"  {c.name:<{width}}  {varied or '(base parameters)'}  {state}")
    lines += [f"outputs: {spec.directory}/<combination>/ (notebook.ipynb, notebook.html, {STATUS}, "
              f"the run directory's files)", f"         {spec.directory / 'index.html'}, "
              f"{spec.directory / 'report.html'} (comparison of the finished runs)"]
    return "\n".join(lines)


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
    from .notebook import export_html

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
              "parameters": _jsonable(combination.parameters), "status": "failed" if error else "ok",
              "error": error, "seconds": round(time.perf_counter() - start, 1), "rank": rank.rank,
              "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "notebook": notebook.name if notebook.is_file() else None}
    try:
        status["html"] = _render_html(notebook)
    except Exception as exc:  # noqa: BLE001 - a page that cannot render must not fail the sweep
        status["html"], status["html_error"] = None, f"{type(exc).__name__}: {exc}"
    write_atomic(combination.directory / STATUS, json.dumps(status, ensure_ascii=False, indent=2) + "\n")
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

def _link(directory: Path, target: str | None, label: str) -> Any:
    return html_tag("a", label, href=quote(f"{directory.name}/{target}")) if target else "–"


def _failure(combination: Combination, status: dict) -> tuple[str, Any]:
    """One line for the terminal and one block for the index about a combination that is not ok."""
    error = status.get("error") or {"kind": status.get("status", "not run")}
    line = (f"{combination.name}: {error['kind']}" + (f" at In [{error.get('cell')}]: "
            f"{error.get('ename')}: {error.get('evalue')}" if "ename" in error else ""))
    return line, html_tag("div", html_tag("h3", line), html_tag("pre", error.get("source", "")))


def write_index(spec: SweepSpec, combinations: list[Combination]) -> Path:
    """Write OUT/<sweep>/report.html (comparison of the finished runs) and index.html, which links
    every executed notebook and lists the failures with their cell and error."""
    from .report import REPORT_CSS, write_report

    statuses = {c.name: c.status() for c in combinations}
    runs = [c.directory for c in combinations
            if statuses[c.name].get("status") == "ok" and (c.directory / MANIFEST).is_file()]
    report = write_report(runs, spec.directory / "report.html",
                          title=f"sweep {spec.name}: comparison") if runs else None
    rows = [[c.name, c.group, json.dumps(c.varied, ensure_ascii=False),
             statuses[c.name].get("status", "not run"), statuses[c.name].get("seconds", "–"),
             _link(c.directory, statuses[c.name].get("html"), "page"),
             _link(c.directory, statuses[c.name].get("notebook"), ".ipynb"),
             _link(c.directory, "report.html" if (c.directory / "report.html").is_file() else None,
                   "report")] for c in combinations]
    failures = [_failure(c, statuses[c.name]) for c in combinations
                if statuses[c.name].get("status") != "ok"]
    summary = (f"{len(combinations) - len(failures)} of {len(combinations)} combination(s) ok, "
               f"{len(failures)} failed or not run, in {len(_groups(combinations))} group(s)")
    body = [html_tag("h1", f"sweep {spec.name}"), html_tag("p", spec.description),
            html_tag("p", f"spec {spec.file}, notebook {spec.notebook}. ", summary, ". ",
                 html_tag("a", "Comparison report", href="report.html") if report
                 else "No finished run to compare", ". Kernels' own output: ",
                 html_tag("a", "kernels.log", href="kernels.log"), "."),
            html_table(["combination", "group", "grid values", "status", "seconds", "notebook", "",
                    "run report"], rows)]
    if failures:
        body += [html_tag("h2", f"Failures ({len(failures)})"), *(block for _, block in failures)]
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f'{html_tag("title", f"sweep {spec.name}")}<style>{REPORT_CSS}</style></head>\n'
            f'<body>\n{"".join(body)}\n</body>\n</html>\n')
    index = spec.directory / "index.html"
    write_atomic(index, page)
    print(summary, *(f"  FAILED {line}" for line, _ in failures), f"index: {index}",
          f"report: {report or '(none: no finished run)'}", sep="\n")
    return index


def run_sweep(spec_path: str | os.PathLike, *, dry_run: bool = False,
              out: str | os.PathLike | None = None) -> int:
    """Run (or with `dry_run`, describe) a sweep; 0 when every combination finished, else 1.

    Under torchrun/accelerate each rank runs its share of the groups; rank 0 writes the index
    and the comparison report once every rank is done.
    """
    spec = load_spec(spec_path, out=out)
    combinations, rank = plan(spec), current_rank()
    if dry_run:
        print(describe(spec, combinations, rank))
        return 0
    _register_engine()
    spec.directory.mkdir(parents=True, exist_ok=True)
    for group, members in _groups(_share(combinations, rank)).items():
        print(f"[rank {rank.rank}] group {group}: {len(members)} combination(s)", flush=True)
        _run_group(spec, members, rank)
    barrier(rank)
    if rank.is_main:
        write_index(spec, combinations)
    return 0 if all(c.finished for c in combinations) else 1
