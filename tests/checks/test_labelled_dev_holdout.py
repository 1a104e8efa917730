"""Agreement of every check with the independently written labelled set (tests/fixtures/labelled/):
dev.yaml (checks were developed against it) and holdout.yaml (never tuned against; measured only).

Per file and check type: a confusion matrix over decided answers (TP/FP/FN/TN), the uncertain count,
agreement over decided answers and the uncertain rate, written to the terminal at the end of the
session (conftest's `pytest_terminal_summary`, so CI logs show it without -s). Entries marked
`uncertain_ok` count as correct when the check is uncertain. Floors: the levels reached on dev
(regression floors); holdout is printed, never asserted: a holdout that turned CI red would be studied to
make it green, and a studied holdout is spent (README.md, "Holdout discipline").
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
import yaml

from mistral_eval.checks.base import CheckContext
from mistral_eval.checks.registry import make_check

LABELLED = Path(__file__).resolve().parents[1] / "fixtures" / "labelled"
TYPES = ("boolean", "contains", "degenerate", "japanese", "number", "python", "regex")
# (min agreement over decided answers, max uncertain rate), as reached on dev; not tuned on holdout.
DEV_FLOORS = {"boolean": (1.00, 0.036), "contains": (0.98, 0.01), "degenerate": (1.00, 0.03),
              "japanese": (0.99, 0.03), "number": (0.99, 0.03), "python": (1.00, 0.03),
              "regex": (0.988, 0.01)}
TABLES: dict[str, str] = {}
"""File name -> its printed table (conftest prints these in the terminal summary)."""


def _measure(name: str) -> dict[str, Counter]:
    entries = yaml.safe_load((LABELLED / name).read_text(encoding="utf-8"))
    by_type: dict[str, Counter] = {t: Counter() for t in TYPES}
    for entry in entries:
        result = make_check(entry["check"])(entry["answer"], CheckContext(prompt=entry["question"]))
        counts = by_type[entry["check"]["type"]]
        counts["n"] += 1
        if result.verdict == "uncertain":
            counts["U"] += 1
            counts["U_ok"] += bool(entry.get("uncertain_ok"))
            continue
        said = result.verdict == "pass"
        counts[("T" if said == entry["passed"] else "F") + ("P" if said else "N")] += 1
    return by_type


def _rates(counts: Counter) -> tuple[float, float]:
    decided = counts["TP"] + counts["FP"] + counts["FN"] + counts["TN"]
    agreement = (counts["TP"] + counts["TN"]) / decided if decided else 0.0
    return agreement, (counts["U"] - counts["U_ok"]) / counts["n"] if counts["n"] else 0.0


def _table(name: str, by_type: dict[str, Counter]) -> str:
    lines = [f"labelled answers {name}: agreement over decided answers; uncertain (uncertain_ok "
             f"entries count as correct)",
             f"{'check':<11} {'n':>4} {'TP':>3} {'FP':>3} {'FN':>3} {'TN':>3} {'unc':>4}  agreement  uncertain"]
    for check, counts in by_type.items():
        agreement, uncertain = _rates(counts)
        lines.append(f"{check:<11} {counts['n']:>4} " + " ".join(f"{counts[k]:>3}" for k in ("TP", "FP", "FN", "TN"))
                     + f" {counts['U']:>4}  {agreement:9.1%}  {uncertain:9.1%}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=["dev.yaml", "holdout.yaml"])
def measured(request) -> tuple[str, dict[str, Counter]]:
    by_type = _measure(request.param)
    TABLES[request.param] = _table(request.param, by_type)
    return request.param, by_type


def test_every_check_type_is_labelled(measured):
    name, by_type = measured
    assert all(by_type[t]["n"] >= 20 for t in TYPES), name


@pytest.mark.parametrize("check_type", TYPES)
def test_agreement_holds_its_floor(measured, check_type):
    """dev: the levels reached, as regression floors. holdout: printed only (the twelfth reached the
    issue's goal, >= 95% / <= 5% uncertain per type, when measured once); held to counting every entry."""
    name, by_type = measured
    counts = by_type[check_type]
    assert sum(counts[k] for k in ("TP", "FP", "FN", "TN", "U")) == counts["n"]
    if name != "dev.yaml":
        return
    agreement, uncertain = _rates(counts)
    floor, most_uncertain = DEV_FLOORS[check_type]
    # as counts, so that a floor of 0.99 is not missed or met by float rounding
    decided = counts["TP"] + counts["FP"] + counts["FN"] + counts["TN"]
    agreed, doubted = counts["TP"] + counts["TN"], counts["U"] - counts["U_ok"]
    assert (agreed >= math.ceil(floor * decided - 1e-9)
            and doubted <= math.floor(most_uncertain * counts["n"] + 1e-9)), (
        f"{name} {check_type}: agreement {agreement:.1%} (floor {floor:.0%}), uncertain {uncertain:.1%} "
        f"(at most {most_uncertain:.0%})\n" + TABLES[name])
