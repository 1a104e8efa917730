"""Judge calibration: the shipped labelled set (`calibration_sets/labelled.yaml`: questions, answers
written the way Mistral answers, a human verdict good/bad and the rubric to grade with, in ja and en)
and the agreement of a judge's grades with those labels (Cohen's κ with a bootstrap interval, TPR
and TNR with Wilson intervals), as the `Calibration` record the judge manifest keeps.

`judge.grading.calibrate_judge` grades the set with a model; this module knows nothing about models,
stores or HTML: it reads the set and counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from mistral_eval.analysis.judge_tables import default_threshold
from mistral_eval.analysis.stats import cohen_kappa, fmt_kappa, fmt_rate_interval, percentiles, wilson
from mistral_eval.core.errors import ConfigError
from mistral_eval.core.yamlfile import Where, parse_yaml, reject_unknown
from mistral_eval.judge.rubrics import SINGLE_RUBRICS
from mistral_eval.runs.provenance import now
from mistral_eval.runs.records import Calibration

__all__ = ["CALIBRATION_MIN_KAPPA", "CalibrationItem", "CalibrationSet", "calibration_status", "load_calibration_set",
           "measure"]

CALIBRATION_MIN_KAPPA = 0.6
"""Below this κ (Landis–Koch: "moderate" or worse) the report warns that the judge's grades are
below threshold: they agree with people too little to stand for them."""
_ITEM_FIELDS = ("id", "language", "rubric", "question", "answer", "verdict")


@dataclass(frozen=True)
class CalibrationItem:
    """One labelled answer: what was asked, what was answered, and the human verdict."""

    id: str
    language: str
    """"ja" or "en": the rubric language it is graded with."""
    rubric: str
    """"elyza" (1–5) or "mtbench" (1–10)."""
    question: str
    answer: str
    good: bool
    """The human verdict: True for "good", False for "bad"."""


@dataclass(frozen=True)
class CalibrationSet:
    name: str
    sha256: str
    items: tuple[CalibrationItem, ...]


def load_calibration_set(path: str | Path | None = None) -> CalibrationSet:
    """The labelled set shipped with mistral-eval (or the YAML file at `path`), validated."""
    if path is None:
        data = resources.files("mistral_eval.judge").joinpath("calibration_sets", "labelled.yaml").read_bytes()
        path = Path("mistral_eval/judge/calibration_sets/labelled.yaml")
    else:
        path = Path(path)
        data = path.read_bytes()
    raw = parse_yaml(data, path)
    where = Where(str(path))
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list) or not raw.get("set"):
        raise ConfigError("a calibration set is a mapping with `set` (its name) and `items` (a list)", file=str(path))
    reject_unknown(raw, ("set", "items"), where, "the calibration set")
    items = []
    for number, entry in enumerate(raw["items"]):
        items.append(_item(entry, path, where, number))
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"calibration item ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}",
                          file=str(path), field="id")
    return CalibrationSet(str(raw["set"]), hashlib.sha256(data).hexdigest(), tuple(items))


def _item(entry: object, path: Path, where: Where, number: int) -> CalibrationItem:
    if not isinstance(entry, dict):
        raise ConfigError(f"calibration item {number} is not a mapping", file=str(path))
    reject_unknown(entry, _ITEM_FIELDS, where, f"calibration item {number}")
    missing = [field for field in _ITEM_FIELDS if not isinstance(entry.get(field), str) or not entry[field].strip()]
    if missing:
        raise ConfigError(f"calibration item {entry.get('id', number)!r} lacks {', '.join(missing)}",
                          file=str(path), case=str(entry.get("id", number)), field=missing[0])
    if entry["rubric"] not in SINGLE_RUBRICS or entry["language"] not in ("ja", "en") \
            or entry["verdict"] not in ("good", "bad"):
        raise ConfigError(f"calibration item {entry['id']!r}: rubric must be one of {SINGLE_RUBRICS}, language "
                          "ja or en, verdict good or bad", file=str(path), case=entry["id"], field="verdict")
    return CalibrationItem(entry["id"], entry["language"], entry["rubric"], entry["question"].strip(),
                           entry["answer"].strip(), entry["verdict"] == "good")


def measure(calibration_set: CalibrationSet, grades: dict[str, tuple[float, int] | None],
            resamples: int = 2000, seed: int = 0) -> Calibration:
    """The agreement of the judge's `grades` (item id → (grade, top grade), None where it errored)
    with the set's labels: a grade ≥ 4 of 5 or 7 of 10 counts as "good"."""
    labels, passed, errors = [], [], 0
    for item in calibration_set.items:
        grade = grades.get(item.id)
        if grade is None:
            errors += 1
            continue
        labels.append(item.good)
        passed.append(grade[0] >= default_threshold(grade[1]))
    human, judge = np.array(labels, dtype=bool), np.array(passed, dtype=bool)
    kappa = cohen_kappa(list(human), list(judge)).kappa
    low, high = _kappa_interval(human, judge, resamples, seed)
    tpr = wilson(int((human & judge).sum()), int(human.sum()))
    tnr = wilson(int((~human & ~judge).sum()), int((~human).sum()))
    return Calibration(set_name=calibration_set.name, set_sha256=calibration_set.sha256, n=int(human.size),
                       good=int(human.sum()), true_positive=tpr.k, true_negative=tnr.k, kappa=kappa,
                       kappa_low=low, kappa_high=high, tpr=tpr.rate, tpr_low=tpr.low, tpr_high=tpr.high,
                       tnr=tnr.rate, tnr_low=tnr.low, tnr_high=tnr.high, errors=errors, finished_at=now())


def _kappa_interval(human: np.ndarray, judge: np.ndarray, resamples: int,
                    seed: int) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of κ over items (resamples where κ is undefined left out)."""
    if human.size < 3:
        return None, None
    draws = np.random.default_rng(seed).integers(0, human.size, (resamples, human.size))
    h, j = human[draws], judge[draws]
    observed = (h == j).mean(axis=1)
    ph, pj = h.mean(axis=1), j.mean(axis=1)
    expected = ph * pj + (1 - ph) * (1 - pj)
    defined = expected < 1
    if not defined.any():
        return None, None
    kappas = (observed[defined] - expected[defined]) / (1 - expected[defined])
    low, high = percentiles(kappas, 0.95)
    return low, high


def calibration_status(calibration: Calibration | None) -> tuple[str, str]:
    """("ok" | "below" | "uncalibrated", text) for a judge's calibration, as the report shows it."""
    if calibration is None:
        return "uncalibrated", ("uncalibrated: this judge's agreement with human labels was never measured "
                                "(`mistral-eval judge RUN --calibrate`); read its grades with care")
    kappa = "–" if calibration.kappa is None else fmt_kappa(calibration.kappa)
    bounds = ("" if calibration.kappa_low is None or calibration.kappa_high is None
              else f" [{fmt_kappa(calibration.kappa_low)}–{fmt_kappa(calibration.kappa_high)}]")
    bad = calibration.n - calibration.good
    text = (f"calibration ({calibration.set_name}, n={calibration.n}): κ {kappa}{bounds}, "
            f"TPR {fmt_rate_interval(calibration.tpr, calibration.tpr_low, calibration.tpr_high, digits=0)} "
            f"({calibration.true_positive}/{calibration.good}), "
            f"TNR {fmt_rate_interval(calibration.tnr, calibration.tnr_low, calibration.tnr_high, digits=0)} "
            f"({calibration.true_negative}/{bad})")
    if calibration.kappa is None or calibration.kappa < CALIBRATION_MIN_KAPPA:
        return "below", f"below threshold (κ < {CALIBRATION_MIN_KAPPA}): its grades mean little; {text}"
    return "ok", text

