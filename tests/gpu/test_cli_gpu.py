"""The CLI on the GPU (issue 18): `mistral-eval run`, `judge`, `judge --pairwise` and `sweep` as a
user types them (a subprocess of `python -m mistral_eval`), on the random full-size Mistral-7B
checkpoint in NF4 with the DEFAULTS: no MISTRAL_EVAL_NF4_KERNELS / MISTRAL_EVAL_FUSED_OPS /
TRITON_INTERPRET in the commands' environment, default quant and format.

Cheap by design: one small suite (four cases, 8 new tokens), one `run` whose directory the judge
tests reuse (module fixture); the pairwise test's second run is made in this process on the
session's NF4 model (no second load). Each command loads the 7B checkpoint once (~15-25 s).

The suite's checks read no Japanese morphology (fugashi/unidic-lite are not on the GPU image):
regexes over ASCII with `negation_aware: false` and the `japanese` share check, so random-weight
output (any script) cannot reach `checks.japanese`. Random weights make the answers and grades
meaningless; what must hold is exit 0, no traceback, every case stored with a check verdict (no
error), every judgment graded with a valid grade (a Japanese case may be decided by the language
gate), both orders of every pair with a verdict, and the sweep's index and runs written.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mistral_eval.runs.judgments import JudgmentStore, judge_dirs
from mistral_eval.runs.store import RunStore
from mistral_eval.sweep.plan import STATUS

pytestmark = pytest.mark.gpu

ROOT = Path(__file__).resolve().parents[2]
SWITCHES = ("MISTRAL_EVAL_NF4_KERNELS", "MISTRAL_EVAL_FUSED_OPS", "TRITON_INTERPRET")
"""Left out of the commands' environment: each command runs with the library's defaults."""
NEW_TOKENS = "8"
JUDGE_TOKENS = "16"  # reasoning before the grade; the grade itself is read in one pass after it

SUITE = """\
suite: gpu_cli
description: Four short cases for the CLI on the GPU; checks that need no Japanese morphology.
version: 1
defaults:
  settings: {do_sample: false, max_new_tokens: 8}
cases:
  - id: add
    language: en
    prompt: What is 2 + 3? Answer with just the number.
    reference: "5"
    checks: [{type: regex, pattern: "\\\\b5\\\\b", negation_aware: false}]
  - id: capital
    language: en
    prompt: What is the capital of France? One word.
    checks: [{type: regex, pattern: "Paris", flags: i, negation_aware: false}]
  - id: colour
    language: en
    messages:
      - {role: user, content: Name a colour.}
      - {role: assistant, content: Blue.}
      - {role: user, content: Name another one.}
    checks: [{type: regex, pattern: "[a-z]", flags: i, negation_aware: false}]
  - id: greet_ja
    language: ja
    prompt: 短く挨拶してください。
    checks: [{type: japanese, min_share: 0.5}]
"""
CASES = 4
SWEEP_NEEDS = ("papermill", "nbconvert", "nbformat", "nbclient", "ipykernel", "jupyter_client")
"""What `mistral-eval sweep` imports (with their own needs: SWEEP_WHEELS)."""
SWEEP_WHEELS = (
    "papermill nbconvert nbformat nbclient ipykernel ipython jupyter-client jupyter-core traitlets tornado pyzmq "
    "comm debugpy matplotlib-inline nest-asyncio2 ipython-pygments-lexers jedi parso pexpect ptyprocess "
    "prompt-toolkit wcwidth stack-data asttokens executing pure-eval decorator platformdirs fastjsonschema "
    "jsonschema jsonschema-specifications referencing rpds-py entrypoints tenacity ansicolors mistune bleach "
    "tinycss2 webencodings defusedxml pandocfilters jupyterlab-pygments beautifulsoup4 soupsieve")
"""The pip names of the wheels to carry for the sweep test (benchmarks/NOTES.md, "Device recipe")."""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SWITCHES}


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """`mistral-eval ARGS` in a subprocess with the default switches; it must exit 0 with no traceback."""
    done = subprocess.run([sys.executable, "-m", "mistral_eval", *args], capture_output=True, text=True,
                          timeout=timeout, env=_env(), cwd=ROOT)
    shown = " ".join(args)
    print(f"\n$ mistral-eval {shown}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    assert done.returncode == 0, f"mistral-eval {shown} exited {done.returncode}:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def suite_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli-suite") / "gpu_cli.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cli_run(full_size_dir, suite_file, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`mistral-eval run` once for the module; the judge tests grade its directory."""
    out = tmp_path_factory.mktemp("cli-run") / "run"
    done = cli("run", "--model", full_size_dir, "--suite", str(suite_file), "--out", str(out),
               "--max-new-tokens", NEW_TOKENS)
    return out, done


def _assert_run(out: Path) -> None:
    with RunStore.read(out) as store:
        manifest, records = store.manifest, store.records()
    assert manifest.quant == "nf4" and manifest.gpu, manifest
    assert len(records) == CASES, [r.key for r in records]
    for result in records:
        assert result.status in ("pass", "fail", "uncertain"), (result.key, result.status, result.error)
        assert result.checks and result.answer_tokens > 0, (result.key, result.checks, result.answer_tokens)
        assert result.answer_tokens <= int(NEW_TOKENS), (result.key, result.answer_tokens)


def test_run(cli_run):
    out, done = cli_run
    _assert_run(out)
    assert f"{CASES} case(s) run, 0 already done" in done.stdout and "0 error(s)" in done.stdout
    assert (out / "report.html").is_file() and (out / "summary.json").is_file()


def _judge_options(full_size_dir: str) -> list[str]:
    return ["--judge-model", full_size_dir, "--max-new-tokens", JUDGE_TOKENS]


def test_judge(cli_run, full_size_dir):
    out, _ = cli_run
    done = cli("judge", str(out), "--rubric", "elyza", *_judge_options(full_size_dir))
    assert "0 error(s)" in done.stdout and "report (with the judge's grades)" in done.stdout
    (directory,) = judge_dirs(out)
    with JudgmentStore.read(directory) as store:
        records = store.records()
    assert len(records) == CASES
    for judgment in records:
        allowed = ("graded", "gated") if judgment.case_key.endswith("_ja") else ("graded",)
        assert judgment.status in allowed, (judgment.key, judgment.status, judgment.error)
        assert judgment.grade is not None and 1 <= judgment.grade <= 5, (judgment.key, judgment.grade)
        assert set(judgment.distribution) == {str(g) for g in range(1, 6)}, judgment.distribution
        assert sum(judgment.distribution.values()) == pytest.approx(1, abs=1e-3)
    assert any(j.status == "graded" for j in records)
    assert 'class="judge"' in (out / "report.html").read_text(encoding="utf-8")


def test_judge_pairwise(cli_run, full_size_dir, nf4, suite_file, tmp_path):
    """The second run is made by the library on the session's model (no second load), in another
    prompt format so that its answers differ."""
    from mistral_eval.pipeline import evaluate

    out, _ = cli_run
    other = tmp_path / "other"
    evaluate(full_size_dir, [suite_file], other, lm=nf4, quant="nf4", format="inst",
             overrides={"max_new_tokens": int(NEW_TOKENS)}, report=False)
    _assert_run(other)
    pairs = tmp_path / "pairs"
    done = cli("judge", "--pairwise", str(out), str(other), "--out", str(pairs), *_judge_options(full_size_dir))
    assert "0 error(s)" in done.stdout and "to add it to the comparison report: mistral-eval report" in done.stdout
    with JudgmentStore.read(pairs) as store:
        records = store.records()
    assert len(records) == 2 * CASES, [j.key for j in records]  # every case in both orders
    for judgment in records:
        allowed = ("graded", "gated") if judgment.case_key.endswith("_ja") else ("graded",)
        assert judgment.status in allowed, (judgment.key, judgment.status, judgment.error)
        assert judgment.verdict in ("A", "B", "C"), (judgment.key, judgment.verdict)
        assert sum(judgment.distribution.values()) == pytest.approx(1, abs=1e-3)
    orders = {(j.case_key, j.first) for j in records}
    assert len(orders) == 2 * CASES  # each case shown once with each run first


def sweep_missing() -> list[str]:
    """The modules `mistral-eval sweep` needs that this machine lacks."""
    return [name for name in SWEEP_NEEDS if importlib.util.find_spec(name) is None]


def test_sweep(full_size_dir, suite_file, tmp_path):
    """Two combinations in one (model, quant) group: one kernel, one model load."""
    missing = sweep_missing()
    if missing:
        pytest.skip(f"the sweep needs {', '.join(missing)}, not installed here: carry these wheels (pip names): "
                    f"{SWEEP_WHEELS}")
    spec = tmp_path / "gpu_sweep.yaml"
    spec.write_text(json.dumps({
        "sweep": "gpu_sweep", "notebook": "evaluate", "out": str(tmp_path / "sweeps"), "timeout": 300,
        "parameters": {"model": full_size_dir, "suites": [str(suite_file)], "max_new_tokens": int(NEW_TOKENS)},
        "grid": {"format": ["mistral", "inst"]}}), encoding="utf-8")  # JSON is YAML
    cli("sweep", str(spec), timeout=420)
    sweep = tmp_path / "sweeps" / "gpu_sweep"
    index = (sweep / "index.html").read_text(encoding="utf-8")
    assert "2 of 2 combination(s) ok" in index, index[:2000]
    runs = sorted(p.parent for p in sweep.glob("*/manifest.json"))
    assert len(runs) == 2, runs
    for run in runs:
        _assert_run(run)
        status = json.loads((run / STATUS).read_text(encoding="utf-8"))
        assert status["status"] == "ok" and status["error"] is None, status
    assert (sweep / "report.html").is_file()
