"""The runs viewer's index: every run, sweep and judgment found under a folder, each with its headline
figures (pass rate with n and its 95% Wilson interval, errors apart, model, quant, the formats used,
settings, date) and a link to its report; two runs picked → their paired comparison.

One page, rendered from `templates/viewer.html.j2` (autoescaped) with its own script allowed by hash
in the page's Content-Security-Policy, so the same index works served (`report.serve`, which renders
comparisons on demand) and as a static, self-contained `index.html` opened from file://.

Reads run directories through `analysis.summary`; knows nothing about HTTP or models.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from mistral_eval.analysis.stats import fmt_interval, fmt_pct
from mistral_eval.analysis.summary import GradeMean, RunResults, StatusRate, summarize_run
from mistral_eval.core.choices import MANIFEST_FILE, REPORT_FILE, RESULTS_FILE
from mistral_eval.core.errors import MistralEvalError
from mistral_eval.core.paths import write_text_atomic
from mistral_eval.report.render import render
from mistral_eval.runs.judgments import JUDGMENTS_DIR, JUDGMENTS_FILE, JudgmentStore

__all__ = ["COMPARISONS_DIR", "GENERATOR", "Found", "JudgmentEntry", "Problem", "RunEntry", "SweepEntry",
           "comparison_name", "default_index", "find", "render_viewer", "tree_state", "write_viewer"]

GENERATOR = "mistral-eval view"
"""The index page's `<meta name="generator">`: an index.html carrying it may be overwritten."""
COMPARISONS_DIR = "comparisons"
"""Where the static index looks for precomputed comparisons: DIR/comparisons/<a>__vs__<b>.html."""
_COMBINATION_FILE = "combination.json"
_SWEEP_INDEX = "index.html"


@dataclass(frozen=True)
class RunEntry:
    """A run directory and its aggregated results."""

    path: str
    """Relative to the folder searched (POSIX), the run's id in the page."""
    results: RunResults
    report: str | None
    """The report's path relative to the folder, when it has one."""
    sweep: str | None = None
    """The sweep the run belongs to (its folder's path), if any."""


@dataclass(frozen=True)
class SweepEntry:
    path: str
    combinations: int
    ok: int
    comparison: str | None
    """The sweep's comparison report, when written."""


@dataclass(frozen=True)
class JudgmentEntry:
    path: str
    label: str
    judge_model: str
    rubric: str
    run: str | None
    """The judged run's path (single-answer judges); None for a pairwise directory."""
    grades: list[GradeMean] = field(default_factory=list)
    report: str | None = None


@dataclass(frozen=True)
class Problem:
    """A folder that looks like a run or judge directory but cannot be read."""

    path: str
    message: str


@dataclass
class Found:
    """What `find` found under one folder."""

    root: Path
    runs: list[RunEntry] = field(default_factory=list)
    sweeps: list[SweepEntry] = field(default_factory=list)
    judgments: list[JudgmentEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    comparisons: list[str] = field(default_factory=list)
    """Precomputed comparison files in DIR/comparisons/ (names)."""


# ---------------------------------------------------------------------------------------------
# finding


def _folders(root: Path) -> Iterator[Path]:
    """Every folder under `root` (itself included), hidden ones and symlinked ones left out."""
    for directory, subdirs, _files in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and not (Path(directory) / d).is_symlink())
        yield Path(directory)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() or "."


def _is_sweep(path: Path) -> bool:
    return (path / _SWEEP_INDEX).is_file() and any((child / _COMBINATION_FILE).is_file()
                                                  for child in path.iterdir() if child.is_dir())


def _file_if(path: Path, root: Path) -> str | None:
    return _relative(path, root) if path.is_file() else None


def find(root: str | os.PathLike) -> Found:
    """Every run, sweep and judge directory under `root`; unreadable ones become `Problem`s. Each run is
    summarized once, however many judges it has."""
    root = Path(root)
    found = Found(root)
    sweeps: set[str] = set()
    summaries: dict[Path, RunResults] = {}
    for folder in _folders(root):
        relative = _relative(folder, root)
        try:
            if (folder / MANIFEST_FILE).is_file() and (folder / RESULTS_FILE).is_file():
                sweep = _relative(folder.parent, root) if _relative(folder.parent, root) in sweeps else None
                found.runs.append(RunEntry(relative, _summary(folder, summaries),
                                           _file_if(folder / REPORT_FILE, root), sweep))
            elif (folder / MANIFEST_FILE).is_file() and (folder / JUDGMENTS_FILE).exists():
                found.judgments.append(_judgment(folder, root, summaries))
            elif _is_sweep(folder):
                sweeps.add(relative)
                found.sweeps.append(_sweep(folder, root))
        except (MistralEvalError, OSError, ValueError) as exc:
            found.problems.append(Problem(relative, str(exc)))
    comparisons = root / COMPARISONS_DIR
    if comparisons.is_dir():
        found.comparisons = sorted(p.name for p in comparisons.glob("*.html") if p.is_file())
    return found


def _summary(run: Path, summaries: dict[Path, RunResults]) -> RunResults:
    """The run's summary, computed on its first use in one `find`."""
    if run not in summaries:
        summaries[run] = summarize_run(run)
    return summaries[run]


def tree_state(root: str | os.PathLike) -> tuple:
    """What `find(root)` depends on, cheaply: every folder it walks and each file there, with its
    size and mtime. Equal states give equal answers; a run, judgment or file added, removed or
    rewritten changes it."""
    root = Path(root)
    state = []
    for folder in _folders(root):
        try:
            with os.scandir(folder) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    stat = entry.stat(follow_symlinks=False)
                    state.append((_relative(folder, root), entry.name, stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:  # removed (or an atomic write's temporary file renamed) meanwhile
            state.append((_relative(folder, root), "", -1, -1))
    return tuple(state)


def _sweep(folder: Path, root: Path) -> SweepEntry:
    statuses = [json.loads((child / _COMBINATION_FILE).read_text(encoding="utf-8")).get("status")
                for child in sorted(folder.iterdir()) if (child / _COMBINATION_FILE).is_file()]
    return SweepEntry(_relative(folder, root), len(statuses), statuses.count("ok"),
                      _file_if(folder / REPORT_FILE, root))


def _judgment(folder: Path, root: Path, summaries: dict[Path, RunResults]) -> JudgmentEntry:
    with JudgmentStore.read(folder) as store:
        manifest = store.manifest
    single = folder.parent.name == JUDGMENTS_DIR
    run = folder.parent.parent if single else None
    grades = [g for g in _summary(run, summaries).judges if g.judge == manifest.label] if run else []
    report = (run / REPORT_FILE) if run else (folder / REPORT_FILE)
    return JudgmentEntry(_relative(folder, root), manifest.label, manifest.judge_model, manifest.rubric,
                         _relative(run, root) if run else None, grades, _file_if(report, root))


# ---------------------------------------------------------------------------------------------
# rendering


def comparison_name(first: str, second: str) -> str:
    """The file name of a precomputed comparison of two runs (their paths relative to the folder);
    the page's script computes the same name."""
    def slug(path: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]", "_", path)
    return f"{slug(first)}__vs__{slug(second)}.html"


def _rate(rate: StatusRate) -> dict:
    interval = "" if rate.low is None or rate.high is None else fmt_interval(rate.low, rate.high)
    return {"rate": fmt_pct(rate.rate), "sort": -1 if rate.rate is None else rate.rate, "interval": interval,
            "counts": f"{rate.k}/{rate.n} scored", "errors": rate.errors, "cases": rate.cases}


def _grade(grade: GradeMean) -> str:
    if grade.mean is None:
        return f"{grade.judge}: – (n=0)"
    top = f" of {grade.max_grade}" if grade.max_grade else ""
    return f"{grade.judge} ({grade.rubric}): {grade.mean:.2f}{top} [{grade.low:.2f}–{grade.high:.2f}] n={grade.n}"


def _settings(settings: dict) -> str:
    return ", ".join(f"{name}={value}" for name, value in sorted(settings.items())) or "each case's own"


def _href(target: str | None, root: Path, base: Path) -> str | None:
    """`target` (relative to `root`) as a URL relative to the page's folder `base`."""
    if target is None:
        return None
    return quote(Path(os.path.relpath(root / target, base)).as_posix())


def _run_row(entry: RunEntry, root: Path, base: Path) -> dict:
    results, provenance = entry.results, entry.results.provenance
    date = (provenance.finished_at or provenance.started_at or "")[:16].replace("T", " ")
    suites = list(results.suites)
    search = " ".join([entry.path, provenance.model, provenance.quant, *provenance.formats_used, *suites,
                       _settings(provenance.settings)]).lower()
    return {"path": entry.path, "name": Path(entry.path).name if entry.path != "." else root.resolve().name,
            "report": _href(entry.report, root, base), "overall": _rate(results.overall),
            "suites": [(name, _rate(rate)) for name, rate in results.suites.items()],
            "model": provenance.model, "quant": provenance.quant,
            "formats": ", ".join(provenance.formats_used) or provenance.format,
            "settings": _settings(provenance.settings), "date": date, "sweep": entry.sweep or "",
            "judges": [_grade(grade) for grade in results.judges], "search": search,
            "command": f"mistral-eval report {entry.path}"}


def _choices(rows: list[dict], key: str) -> list[str]:
    return sorted({value for row in rows for value in ([row[key]] if isinstance(row[key], str) else row[key])
                   if value})


def _script() -> tuple[Markup, str]:
    text = resources.files("mistral_eval.report").joinpath("templates", "viewer.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"sha256-{digest}"


def render_viewer(found: Found, *, base: Path | None = None, serving: bool = False) -> str:
    """The index page of `found`; links relative to `base` (the page's folder; default the root).
    `serving`: comparisons are rendered on demand at /compare; else precomputed ones are linked, and
    the command that writes one is shown."""
    root = found.root
    base = base or root
    runs = sorted((_run_row(entry, root, base) for entry in found.runs), key=lambda r: r["date"], reverse=True)
    for row in runs:
        row["suite_names"] = [name for name, _ in row["suites"]]
    script, script_hash = _script()
    comparisons = {name: _href(f"{COMPARISONS_DIR}/{name}", root, base) for name in found.comparisons}
    return render("viewer.html.j2", title=f"runs under {root.resolve().name}", runs=runs,
                  sweeps=[{"path": s.path, "combinations": s.combinations, "ok": s.ok,
                           "index": _href(f"{s.path}/{_SWEEP_INDEX}", root, base),
                           "comparison": _href(s.comparison, root, base)} for s in found.sweeps],
                  judgments=[{"path": j.path, "label": j.label, "judge_model": j.judge_model, "rubric": j.rubric,
                              "run": j.run, "grades": [_grade(g) for g in j.grades],
                              "report": _href(j.report, root, base)} for j in found.judgments],
                  problems=found.problems, filters=[("model", _choices(runs, "model")),
                                                    ("quant", _choices(runs, "quant")),
                                                    ("suite", _choices(runs, "suite_names")),
                                                    ("sweep", _choices(runs, "sweep"))],
                  config={"serving": serving, "comparisons": comparisons, "dir": COMPARISONS_DIR,
                          "root": str(root)},
                  generator=GENERATOR, viewer_script=script, viewer_hash=script_hash)


def default_index(root: Path) -> Path:
    """DIR/index.html, unless that file is someone else's (a sweep's index): then DIR/runs.html."""
    index = root / "index.html"
    if index.is_file() and f'content="{GENERATOR}"' not in index.read_text(encoding="utf-8", errors="replace"):
        return root / "runs.html"
    return index


def write_viewer(root: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Write the static index of everything under `root` to `out` (default: `default_index(root)`)."""
    root = Path(root)
    path = Path(out) if out is not None else default_index(root)
    page = render_viewer(find(root), base=path.resolve().parent if out is not None else root)
    return write_text_atomic(path, page)
