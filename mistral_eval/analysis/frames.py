"""Run and judge directories read into pandas DataFrames: `load_runs` (one row per result, with the
latest judge grade where a run was judged), `load_judgments` and `latest_per_key`.

Knows the stores' records; knows nothing about models or HTML.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_eval.runs.judgments import JUDGMENTS_DIR, JudgmentStore, judge_dirs
from mistral_eval.runs.records import Result
from mistral_eval.runs.store import RunStore, as_paths, run_names

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["latest_per_key", "load_judgments", "load_runs", "rubric_family"]


def _row(record: Result) -> dict[str, Any]:
    """A record as a DataFrame row: its fields, the error split in two, a column per check type."""
    row = record.model_dump(exclude={"error"})
    row["error_stage"] = record.error.stage if record.error else None
    row["error_message"] = record.error.message if record.error else None
    for name in dict.fromkeys(check.name for check in record.checks):
        verdicts = {check.verdict for check in record.checks if check.name == name}
        row[f"check_{name}"] = False if "fail" in verdicts else None if "uncertain" in verdicts else True
    return row


def load_runs(dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> pd.DataFrame:
    """One row per record of every run directory, with `run`, `run_dir`, `model`, `quant`, `format`,
    `status` (pass / fail / uncertain / error), `passed` (nullable: NA for errors and uncertain cases),
    `error_stage`, `error_message` and a nullable-bool column `check_<type>` per check type (all checks
    of that type passed; NA when one could not decide and none failed); where a run has `judgments/`,
    also `judge_grade` (the latest judge's expected grade), `judge_max`, `judge_rubric` (its rubric
    family: "elyza", "mtbench"; grades of different rubrics are on different scales), `judge_label`
    and `judge_rationale` (the judge's raw output, untrusted)."""
    import pandas as pd  # lazily: writers (ranks) need not pay for it

    paths = as_paths(dirs)
    rows = []
    for path, name in zip(paths, run_names(paths)):
        with RunStore.read(path) as store:
            manifest, records = store.manifest, store.records()
        for record in records:
            row = {"run": name, "run_dir": str(path), "model": manifest.model, "quant": manifest.quant,
                   "format": manifest.format, **_row(record)}
            if row["format"] is None:
                row["format"] = manifest.format
            rows.append(row)
    empty_columns = ["run", "run_dir", "model", "quant", "format", "key", "status", "passed"]
    frame = pd.DataFrame(rows, columns=None if rows else empty_columns)
    for column in [c for c in frame.columns if c.startswith("check_") or c == "passed"]:
        frame[column] = frame[column].astype("boolean")
    return _with_judgments(frame, paths)


def _with_judgments(frame: pd.DataFrame, paths: list[Path]) -> pd.DataFrame:
    """Add `judge_grade` (expected grade), `judge_max`, `judge_rubric`, `judge_label` and
    `judge_rationale` from the latest judgment of
    each key, where a run directory has `judgments/`; runs without one get no such columns."""
    judged = [path for path in paths if (path / JUDGMENTS_DIR).is_dir()]
    if not judged or frame.empty:
        return frame
    import pandas as pd

    parts = []
    for path in judged:
        latest = latest_per_key(load_judgments(path))
        parts.append(pd.DataFrame({"run_dir": str(path), "key": latest["case_key"],
                                   "judge_grade": latest["expected_grade"].astype(float),
                                   "judge_max": latest["max_grade"],
                                   "judge_rubric": latest["rubric"].map(rubric_family),
                                   "judge_label": latest["judge"], "judge_rationale": latest["rationale"]}))
    return frame.merge(pd.concat(parts, ignore_index=True), on=["run_dir", "key"], how="left")


def rubric_family(rubric: str) -> str:
    """A judgment's rubric file ("elyza_ja", "mtbench_en") as its family, the scale it grades on."""
    return str(rubric).rsplit("_", 1)[0] if str(rubric).endswith(("_ja", "_en")) else str(rubric)


def load_judgments(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Every judgment of a run directory (all its judges) or of a pairwise directory, one row each:
    the Judgment fields (error split into `error_stage`/`error_message`), `judge_model`, `run_dir`
    and `suite`."""
    import pandas as pd

    rows = []
    for directory in judge_dirs(path):
        with JudgmentStore.read(directory) as store:
            manifest, records = store.manifest, store.records()
        for record in records:
            row = record.model_dump(exclude={"error"})
            row.update(error_stage=record.error.stage if record.error else None,
                       error_message=record.error.message if record.error else None,
                       judge_model=manifest.judge_model, run_dir=str(path),
                       suite=record.case_key.split("/")[0])
            rows.append(row)
    columns = None if rows else ["judge", "key", "case_key", "suite", "rubric", "status", "grade",
                                 "expected_grade", "max_grade", "verdict", "rationale", "finished_at"]
    return pd.DataFrame(rows, columns=columns)


def latest_per_key(frame: pd.DataFrame) -> pd.DataFrame:
    """The latest single-answer judgment (any judge) of each result key, errors left out."""
    single = frame[frame["grade"].notna()] if "grade" in frame else frame.iloc[0:0]
    return single.sort_values("finished_at", kind="stable").groupby("case_key", sort=False).tail(1)
