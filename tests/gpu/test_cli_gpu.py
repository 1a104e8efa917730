"""The CLI on the GPU (issue 18): `mistral-eval run`, `judge`, `judge --pairwise` and `sweep` as a
user types them (a subprocess of `python -m mistral_eval`), on the random full-size Mistral-7B
checkpoint in NF4 with the DEFAULTS: no MISTRAL_EVAL_NF4_KERNELS / MISTRAL_EVAL_FUSED_OPS /
TRITON_INTERPRET in the commands' environment, default quant and format.

Cheap by design: one small suite (four cases, 8 new tokens), one `run` whose directory the judge
tests reuse (module fixture); the pairwise test's second run is made in this process on the
session's NF4 model (no second load). Each command loads the 7B checkpoint once (~15-25 s), so
they overlap: the sweep starts first, in the background, beside `run`; then `judge` and `judge
--pairwise` run side by side (the GPU has room for four 4 GiB models).

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
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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
SWEEP_WHEELS = ROOT / "benchmarks" / "sweep_wheels.txt"
"""The wheels to carry for the sweep test (pinned pip names; how to fetch them is in its header)."""


def sweep_wheels() -> str:
    """The pip names in SWEEP_WHEELS, for the skip reason."""
    lines = SWEEP_WHEELS.read_text(encoding="utf-8").splitlines()
    return " ".join(line.split("==")[0] for line in lines if line and not line.startswith("#"))


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SWITCHES}


@dataclass
class Job:
    """One `mistral-eval` command started in the background, its output going to `log`."""

    args: tuple[str, ...]
    log: Path
    process: subprocess.Popen

    @classmethod
    def start(cls, *args: str, log: Path) -> Job:
        with log.open("wb") as sink:
            process = subprocess.Popen([sys.executable, "-m", "mistral_eval", *args], stdout=sink,
                                       stderr=subprocess.STDOUT, env=_env(), cwd=ROOT,
                                       start_new_session=True)  # its own group: a sweep's kernel goes with it
        return cls(args, log, process)

    def finish(self, timeout: int = 300) -> str:
        """Its output, once it has exited 0 with no traceback (else the test fails, showing it)."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            code = None
        output = self.log.read_text(encoding="utf-8", errors="replace")
        shown = " ".join(self.args)
        print(f"\n$ mistral-eval {shown}\n{output[-3000:]}")
        assert code == 0, f"mistral-eval {shown} exited {code} (None: still running after {timeout} s):\n{output[-3000:]}"
        assert "Traceback" not in output, output[-3000:]
        return output

    def stop(self) -> None:
        """End the command and whatever it started (a sweep's kernel), if still running."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def cli(*args: str, log: Path, timeout: int = 300) -> str:
    """`mistral-eval ARGS` with the default switches; it must exit 0 with no traceback."""
    return Job.start(*args, log=log).finish(timeout)


def sweep_missing() -> list[str]:
    """The modules `mistral-eval sweep` needs that this machine lacks."""
    return [name for name in SWEEP_NEEDS if importlib.util.find_spec(name) is None]


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli-gpu")


@pytest.fixture(scope="module")
def suite_file(work) -> Path:
    path = work / "gpu_cli.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sweep_job(full_size_dir, suite_file, work) -> Iterator[Job | None]:
    """`mistral-eval sweep` started first, in the background (it loads the model in its own kernel
    while the other commands run); None where the notebook stack is missing."""
    if sweep_missing():
        yield None
        return
    spec = work / "gpu_sweep.yaml"
    spec.write_text(json.dumps({
        "sweep": "gpu_sweep", "notebook": "evaluate", "out": str(work / "sweeps"), "timeout": 300,
        "parameters": {"model": full_size_dir, "suites": [str(suite_file)], "max_new_tokens": int(NEW_TOKENS)},
        "grid": {"format": ["mistral", "inst"]}}), encoding="utf-8")  # JSON is YAML
    job = Job.start("sweep", str(spec), log=work / "sweep.log")
    yield job
    job.stop()


@pytest.fixture(scope="module")
def cli_run(full_size_dir, suite_file, sweep_job, work) -> tuple[Path, str]:
    """`mistral-eval run` once for the module (beside the sweep); the judge tests grade its directory."""
    out = work / "run"
    printed = cli("run", "--model", full_size_dir, "--suite", str(suite_file), "--out", str(out),
                  "--max-new-tokens", NEW_TOKENS, log=work / "run.log")
    return out, printed


@pytest.fixture(scope="module")
def judged(cli_run, full_size_dir, nf4, suite_file, work) -> dict[str, tuple[Path, str]]:
    """`judge` on the run and `judge --pairwise` on a copy of it against a second run, side by side.
    The second run is made by the library on the session's model (no second load), in another
    prompt format so that its answers differ; the copy keeps the pairwise judge off the directory
    the single judge writes into."""
    from mistral_eval.pipeline import evaluate

    run, _ = cli_run
    first, other = work / "pairwise" / "run", work / "pairwise" / "other"
    shutil.copytree(run, first)
    evaluate(full_size_dir, [suite_file], other, lm=nf4, quant="nf4", format="inst",
             overrides={"max_new_tokens": int(NEW_TOKENS)}, report=False)
    options = ["--judge-model", full_size_dir, "--max-new-tokens", JUDGE_TOKENS]
    pairs = work / "pairwise" / "pairs"
    jobs = {"single": (run, Job.start("judge", str(run), "--rubric", "elyza", *options, log=work / "judge.log")),
            "pairwise": (pairs, Job.start("judge", "--pairwise", str(first), str(other), "--out", str(pairs),
                                          *options, log=work / "pairwise.log"))}
    try:
        return {name: (path, job.finish()) for name, (path, job) in jobs.items()}
    finally:
        for _, job in jobs.values():
            job.stop()


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
    out, printed = cli_run
    _assert_run(out)
    assert f"{CASES} case(s) run, 0 already done" in printed and "0 error(s)" in printed
    assert (out / "report.html").is_file() and (out / "summary.json").is_file()


def _allowed(judgment) -> tuple[str, ...]:
    """A Japanese case may be decided by the language gate (random weights write any script)."""
    return ("graded", "gated") if judgment.case_key.endswith("_ja") else ("graded",)


def test_judge(judged):
    out, printed = judged["single"]
    assert "0 error(s)" in printed and "report (with the judge's grades)" in printed
    (directory,) = judge_dirs(out)
    with JudgmentStore.read(directory) as store:
        records = store.records()
    assert len(records) == CASES
    for judgment in records:
        assert judgment.status in _allowed(judgment), (judgment.key, judgment.status, judgment.error)
        assert judgment.grade is not None and 1 <= judgment.grade <= 5, (judgment.key, judgment.grade)
        assert set(judgment.distribution) == {str(g) for g in range(1, 6)}, judgment.distribution
        assert sum(judgment.distribution.values()) == pytest.approx(1, abs=1e-3)
    assert any(j.status == "graded" for j in records)
    assert 'class="judge"' in (out / "report.html").read_text(encoding="utf-8")


def test_judge_pairwise(judged):
    pairs, printed = judged["pairwise"]
    assert "0 error(s)" in printed and "to add it to the comparison report: mistral-eval report" in printed
    with JudgmentStore.read(pairs) as store:
        records = store.records()
    assert len(records) == 2 * CASES, [j.key for j in records]  # every case in both orders
    for judgment in records:
        assert judgment.status in _allowed(judgment), (judgment.key, judgment.status, judgment.error)
        assert judgment.verdict in ("A", "B", "C"), (judgment.key, judgment.verdict)
        assert sum(judgment.distribution.values()) == pytest.approx(1, abs=1e-3)
    assert len({(j.case_key, j.first) for j in records}) == 2 * CASES  # each case shown once with each run first


def test_sweep(sweep_job, work):
    """Two combinations in one (model, quant) group: one kernel, one model load."""
    if sweep_job is None:
        pytest.skip(f"the sweep needs {', '.join(sweep_missing())}, not installed here: carry these wheels "
                    f"({SWEEP_WHEELS.relative_to(ROOT)}, beside NOTES.md's): {sweep_wheels()}")
    printed = sweep_job.finish(timeout=420)
    assert "2 of 2 combination(s) ok" in printed
    sweep = work / "sweeps" / "gpu_sweep"
    index = (sweep / "index.html").read_text(encoding="utf-8")
    assert "2 of 2 combination(s) ok" in index, index[:2000]
    runs = sorted(p.parent for p in sweep.glob("*/manifest.json"))
    assert len(runs) == 2, runs
    for run in runs:
        _assert_run(run)
        status = json.loads((run / STATUS).read_text(encoding="utf-8"))
        assert status["status"] == "ok" and status["error"] is None, status
    assert (sweep / "report.html").is_file()
