"""Sweep specs and their plans: a validated sweep file and the combinations of its parameter grid.

A spec names the notebook, base parameters and a grid. Combinations that share the `model` and
`quant` parameters form a group (they run in one kernel, so the model loads once per group). Every
parameter and grid value is checked before anything runs: names against the notebook's parameters
cell, and the values the library knows (quant, format, generation settings, suites) against its
choices. Knows nothing about running notebooks; `sweep.py` executes a plan.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from mistral_eval.core.choices import FORMAT_CHOICES, QUANT_PRESETS, REPORT_FILE
from mistral_eval.core.errors import ConfigError
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.core.validation import Problems, StrictModel, clip, unknown_key_message
from mistral_eval.core.yamlfile import parse_yaml
from mistral_eval.runs.distributed import Rank, current_rank, shard

__all__ = ["STATUS", "Combination", "SweepFile", "SweepSpec", "builtin_notebooks_dir", "describe",
           "load_spec", "plan"]

STATUS = "combination.json"
_GROUP_BY = ("model", "quant")
_OUT = "out"
"""The notebook parameter the sweep sets to the combination's directory, when the notebook has it."""
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"


class SweepFile(StrictModel):
    """A sweep file as written: run `notebook` once per combination of `grid`."""

    notebook: str = Field(min_length=1)
    """A built-in notebook's name (evaluate, compare, chat) or the path of an .ipynb file."""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Notebook parameters given to every combination."""
    grid: dict[str, Any] = Field(default_factory=dict)
    """Parameter → non-empty list of values; the combinations are their product, in file order."""
    sweep: str | None = None
    """Name of the sweep (default: the file's stem); outputs go to OUT/<sweep>/."""
    description: str = ""
    out: str = "out"
    """Output directory; each sweep writes OUT/<sweep>/<combination>/."""
    timeout: int | None = None
    """Seconds one cell may run (>= 1); null: no limit."""
    kernel: str = "python3"
    """Jupyter kernel name."""

    @field_validator("sweep")
    @classmethod
    def _folder_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(_NAME, value):
            raise ValueError(f"must be a folder name (letters, digits, _ . -), got {clip(value)}")
        return value

    @field_validator("timeout")
    @classmethod
    def _seconds(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"must be a number of seconds >= 1 (or null), got {value!r}")
        return value

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
        return status.get("status") == "ok" and status.get("parameters") == jsonable(self.parameters)


# --- the spec -------------------------------------------------------------------------------------

def builtin_notebooks_dir() -> Path:
    """`notebooks/` of a source checkout, else the copy in the wheel."""
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "notebooks"
    return checkout if checkout.is_dir() else package / "builtin_notebooks"


def _notebook_path(value: str) -> Path:
    path = Path(value) if value.endswith(".ipynb") else builtin_notebooks_dir() / f"{value}.ipynb"
    if not path.is_file():
        raise ConfigError(f"no notebook at {path}; give a built-in notebook's name (evaluate, compare, "
                          f"chat) or the path of an .ipynb file", field="notebook")
    return path


def _notebook_parameters(notebook: Path) -> dict[str, dict]:
    import papermill
    from papermill.exceptions import PapermillException

    try:
        known = papermill.inspect_notebook(str(notebook))
    except (PapermillException, ValueError, OSError, KeyError, TypeError) as exc:
        raise ConfigError(f"{notebook} cannot be read as a notebook ({type(exc).__name__}: "
                          f"{clip(str(exc), 120)})", field="notebook") from None
    if not known:
        raise ConfigError(f"{notebook} has no cell tagged 'parameters', so nothing can be set",
                          field="notebook")
    return known


def _check_value(name: str, value: Any) -> str | None:
    """Why the library would refuse `value` for the notebook parameter `name`, or None."""
    if value is None:
        return None
    if name == "quant" and value not in QUANT_PRESETS:
        return f"must be one of {', '.join(QUANT_PRESETS)}, got {clip(value)}"
    if name == "format" and value not in FORMAT_CHOICES:
        return f"must be one of {', '.join(FORMAT_CHOICES)}, got {clip(value)}"
    if name in GenerationSettings.field_names():
        try:
            GenerationSettings().replace(**{name: value})
        except ConfigError as exc:
            return exc.message
    if name == "suites":
        from mistral_eval.suites.files import resolve_suite

        for suite in [value] if isinstance(value, str) else value if isinstance(value, list) else [None]:
            if not isinstance(suite, str):
                return f"must be a suite name or a list of them, got {clip(value)}"
            try:
                resolve_suite(suite)
            except ConfigError as exc:
                return exc.message
    return None


def _check_parameters(problems: Problems, values: dict, known: dict, at: str, notebook: Path,
                      grid: bool) -> None:
    for name, value in values.items():
        if name == _OUT and _OUT in known:
            problems.add((at, name), f"{_OUT!r} is set by the sweep (each combination's own directory); "
                                     f"set the top-level 'out' instead")
        elif name not in known:
            hint = unknown_key_message(name, list(known)).split(";", 1)[-1].split(" Allowed keys")[0]
            hint = f";{hint}" if "did you mean" in hint else "."
            problems.add((at, name), f"{notebook} has no parameter {name!r}{hint} "
                                     f"Its parameters: {', '.join(known)}")
            continue
        if grid and (not isinstance(value, list) or not value):
            problems.add((at, name), f"must be a non-empty list of values, got {clip(value)}")
            continue
        for index, item in enumerate(value if grid else [value]):
            why = _check_value(name, item)
            if why:
                problems.add((at, name, index) if grid else (at, name), why)


def _check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except (NoSuchKernel, TypeError, ValueError):
        names = ", ".join(sorted(KernelSpecManager().find_kernel_specs()))
        raise ConfigError(f"no Jupyter kernel named {kernel!r}; installed: {names}", field="kernel") from None


def load_spec(path: str | os.PathLike[str], *, out: str | os.PathLike[str] | None = None) -> SweepSpec:
    """Read and validate a sweep file; every problem is reported at once, naming the file and field.
    Relative paths in it (notebook, out) are relative to the current directory, as on the command line."""
    path = Path(path)
    try:
        doc = parse_yaml(path.read_bytes(), path)
    except OSError as e:
        raise ConfigError(f"cannot read the sweep file: {e.strerror}", file=str(path)) from None
    problems = Problems(str(path))
    if not isinstance(doc, dict):
        problems.add((), "a sweep file is a mapping with the keys notebook, parameters, grid "
                         "(and optionally sweep, description, out, timeout, kernel)")
        problems.raise_if_any()
    spec = problems.validate(SweepFile, doc)
    problems.raise_if_any()
    assert spec is not None
    try:
        notebook = _notebook_path(spec.notebook)
        known = _notebook_parameters(notebook)
        _check_kernel(spec.kernel)
    except ConfigError as exc:
        raise ConfigError(exc.message, file=str(path), field=exc.field) from None
    _check_parameters(problems, spec.parameters, known, "parameters", notebook, grid=False)
    _check_parameters(problems, spec.grid, known, "grid", notebook, grid=True)
    for key in spec.grid:
        if key in spec.parameters:
            problems.add(("grid", key), "is also set in parameters; set it in one place")
    problems.raise_if_any()
    return SweepSpec(name=spec.sweep or path.stem, notebook=notebook, parameters=spec.parameters,
                     grid=spec.grid, out=Path(out or spec.out or "out"), timeout=spec.timeout,
                     kernel=spec.kernel, description=spec.description, file=str(path),
                     notebook_parameters=tuple(known))


# --- the plan -------------------------------------------------------------------------------------

def jsonable(value: Any) -> Any:
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
    combinations: list[Combination] = []
    taken: set[str] = set()
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


def by_group(combinations: list[Combination]) -> dict[str, list[Combination]]:
    groups: dict[str, list[Combination]] = {}
    for combination in combinations:
        groups.setdefault(combination.group, []).append(combination)
    return groups


def rank_share(combinations: list[Combination], rank: Rank) -> list[Combination]:
    """This rank's combinations: whole groups when there are enough to go round, else single
    combinations (still one model load per group per rank). Every rank computes the same split."""
    if rank.world == 1:
        return combinations
    groups = by_group(combinations)
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
    groups = by_group(combinations)
    lines = [f"sweep {spec.name} ({spec.file}): notebook {spec.notebook}, {len(combinations)} "
             f"combination(s) in {len(groups)} group(s); each group runs in one kernel and loads "
             f"its model once" + (f"; {rank.world} ranks" if rank.world > 1 else "")]
    width = max((len(c.name) for c in combinations), default=0)
    for r in range(rank.world):
        mine = rank_share(combinations, Rank(r, rank.world, r))
        for group, members in by_group(mine).items():
            lines.append(f"{f'rank {r}, ' if rank.world > 1 else ''}group {group}:")
            for c in members:
                varied = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in c.varied.items())
                state = "done (skipped)" if c.finished else "to run"
                lines.append(f"  {c.name:<{width}}  {varied or '(base parameters)'}  {state}")
    lines += [f"outputs: {spec.directory}/<combination>/ (notebook.ipynb, notebook.html, {STATUS}, "
              f"the run directory's files)", f"         {spec.directory / 'index.html'}, "
              f"{spec.directory / REPORT_FILE} (comparison of the finished runs)"]
    return "\n".join(lines)


