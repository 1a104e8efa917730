"""A folder of runs for the viewer's tests: two runs (one judged, one with an evil model name), a sweep of
two combinations, an unreadable run and a precomputed comparison."""

from __future__ import annotations

import json
from pathlib import Path

from builders import EVIL, judge_into, make_run, record

from mistral_eval.report.pages import write_report
from mistral_eval.report.viewer import comparison_name


def tree(tmp_path: Path) -> Path:
    """A folder with two runs (one judged, one with an evil model name), a sweep of two combinations,
    a broken run and a precomputed comparison."""
    root = tmp_path / "results"
    a = make_run(root / "nf4", [record("bilingual/apples_ja"), record("bilingual/pears_ja", "fail"),
                                record("bilingual/multi_en", "error", language="en", error=("format", "x"))])
    write_report(a, a / "report.html")
    judge_into(a, {"bilingual/apples_ja": (4.0, None)}, label="judge1")
    make_run(root / "int8", [record("smoke/hello", language="en", answer=EVIL)], quant="int8", model=EVIL)
    sweep = root / "sweeps" / "temps"
    for name, status in (("t-0.1", "ok"), ("t-0.7", "failed")):
        if status == "ok":
            make_run(sweep / name, [record("math/q0")])
        (sweep / name).mkdir(parents=True, exist_ok=True)
        (sweep / name / "combination.json").write_text(json.dumps({"status": status}))
    (sweep / "index.html").write_text("<html>the sweep's own index</html>")
    broken = root / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    (broken / "results.jsonl").write_text("")
    (root / "comparisons").mkdir()
    (root / "comparisons" / comparison_name("nf4", "int8")).write_text("<html>comparison</html>")
    return root
