"""Agreement of every check type with hand-labelled answers (tests/fixtures/labelled_answers.yaml).

Runs each entry through the public `make_check(spec)`, prints a confusion matrix per check type and
every disagreement with the check's reason, and fails a check type under 95% agreement.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from mistral_eval.checks.registry import CHECKS, DEFERRED, make_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENTRIES = yaml.safe_load((FIXTURES / "labelled_answers.yaml").read_text(encoding="utf-8"))
MIN_AGREEMENT = 0.95
ENTRY_KEYS = {"id", "answer", "file", "check", "passed", "why"}


def _answer(entry: dict) -> str:
    if "file" in entry:
        return (FIXTURES / "article_answers" / entry["file"]).read_text(encoding="utf-8")
    return entry["answer"]


def _judge_all() -> dict[str, list[tuple[dict, bool, str]]]:
    """Check type -> [(entry, the check's verdict, its reason)]."""
    by_type: dict[str, list[tuple[dict, bool, str]]] = defaultdict(list)
    for entry in ENTRIES:
        result = make_check(entry["check"])(_answer(entry))
        by_type[entry["check"]["type"]].append((entry, result.passed, result.reason))
    return by_type


def _matrix(rows: list[tuple[dict, bool, str]]) -> tuple[dict[str, int], float]:
    counts = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for entry, verdict, _ in rows:
        counts[("T" if verdict == entry["passed"] else "F") + ("P" if verdict else "N")] += 1
    return counts, (counts["TP"] + counts["TN"]) / len(rows)


def _report(by_type: dict[str, list[tuple[dict, bool, str]]]) -> str:
    lines = [f"{'check':<11} {'n':>3} {'TP':>3} {'FP':>3} {'FN':>3} {'TN':>3}  agreement"]
    for name, rows in sorted(by_type.items()):
        counts, agreement = _matrix(rows)
        lines.append(f"{name:<11} {len(rows):>3} " + " ".join(f"{v:>3}" for v in counts.values())
                     + f"  {agreement:6.1%}")
    for name, rows in sorted(by_type.items()):
        for entry, verdict, reason in rows:
            if verdict != entry["passed"]:
                text = " ".join(_answer(entry).split())
                lines.append(f"  DISAGREE {entry['id']} ({name}): label {entry['passed']} "
                             f"({entry['why']}), check {verdict}: {reason}\n"
                             f"      spec {entry['check']}\n      answer {text[:160]!r}")
    return "\n".join(lines)


def test_the_fixture_is_well_formed():
    ids = [entry["id"] for entry in ENTRIES]
    assert len(ids) == len(set(ids)) >= 90
    for entry in ENTRIES:
        assert set(entry) <= ENTRY_KEYS and ("answer" in entry) != ("file" in entry), entry["id"]
        assert isinstance(entry["passed"], bool) and entry["why"], entry["id"]
        assert entry["check"]["type"] in CHECKS, entry["id"]
    for kind in ("number", "boolean", "japanese", "degenerate", "contains", "regex", "python"):
        labels = {e["passed"] for e in ENTRIES if e["check"]["type"] == kind}
        assert labels == {True, False}, f"{kind} needs right and wrong answers"


@pytest.fixture(scope="module")
def judged() -> dict[str, list[tuple[dict, bool, str]]]:
    by_type = _judge_all()
    print("\n" + _report(by_type))
    return by_type


# The python check is being rewritten (sandbox); its agreement is printed but held to the bar
# only once that work lands.
@pytest.mark.parametrize("check_type", sorted(set(CHECKS) - {"python"} - DEFERRED))  # judge: graded by a model
def test_each_check_agrees_with_the_labels(judged, check_type):
    rows = judged.get(check_type, [])
    if not rows:
        pytest.fail(f"no labelled answers for the check type {check_type!r}")
    _, agreement = _matrix(rows)
    assert agreement >= MIN_AGREEMENT, (
        f"{check_type} agrees with the labels on {agreement:.1%} (< {MIN_AGREEMENT:.0%}):\n"
        + _report({check_type: rows}))


def test_python_agreement_is_reported(judged):
    counts, agreement = _matrix(judged["python"])
    print(f"python agreement (judged by the current python check): {agreement:.1%} {counts}")
    assert sum(counts.values()) == len(judged["python"])
