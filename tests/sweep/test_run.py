"""Sweeps: spec validation, the plan, and real papermill runs (shared kernel per group, failures
isolated per combination, timeouts and dead kernels, a killed sweep resumed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import mistral_eval as me
from mistral_eval.cli import main
from mistral_eval.core.errors import ConfigError, SweepError
from mistral_eval.runs.distributed import Rank
from mistral_eval.sweep.run import STATUS, describe, load_spec, plan, rank_share, run_sweep


def _spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("OUT", str(tmp_path / "out")), encoding="utf-8")
    return path


OFFLINE_SMOKE = """\
notebook: evaluate
out: OUT
parameters:
  model: smollm2-135m-instruct
  quant: fp32
  suites: [smoke]
"""


@pytest.fixture
def probe(tmp_path):
    """A notebook that needs no model: it reports its kernel, then does what `action` says."""
    nb = new_notebook(cells=[
        new_code_cell('action = "ok"\nlabel = ""', metadata={"tags": ["parameters"]}),
        new_code_cell("import os, sys, time\n"
                      "print('kernel', os.getpid(), sys.executable, os.environ.get('RANK'))"),
        new_code_cell('if action == "raise":\n    raise ValueError(f"boom {label}")'),
        new_code_cell('if action == "sleep":\n    time.sleep(60)'),
        new_code_cell('if action == "die":\n    os._exit(1)'),
        new_code_cell('print("finished", action)'),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    return path


# --- the spec -------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, field, words", [
    ("notebook: evaluate\ngrids: {format: [chat]}\n", "grids", "did you mean 'grid'"),
    ("notebook: evaluate\nparameters: {tempreature: 0.1}\n", "parameters.tempreature",
     "has no parameter 'tempreature'; did you mean 'temperature'"),
    ("notebook: evaluate\ngrid: {formats: [chat, article]}\n", "grid.formats", "did you mean 'format'"),
    ("notebook: evaluate\ngrid: {format: chat}\n", "grid.format", "non-empty list"),
    ("notebook: evaluate\nparameters: {format: chat}\ngrid: {format: [raw]}\n", "grid.format",
     "set it in one place"),
    ("notebook: evaluate\nparameters: {out: x}\n", "parameters.out", "set by the sweep"),
    ("notebook: evaluate\ntimeout: 0\n", "timeout", ">= 1"),
    ("notebook: evaluate\nkernel: no-such-kernel\n", "kernel", "no Jupyter kernel named"),
    ("notebook: nowhere\n", "notebook", "no notebook at"),
    ("sweep: a/b\nnotebook: evaluate\n", "sweep", "folder name"),
    ("notebook: evaluate\nparameters: {a: 1, a: 2}\n", None, "appears twice"),
])
def test_spec_errors_name_the_file_and_the_field(tmp_path, body, field, words):
    path = _spec(tmp_path, body)
    with pytest.raises(me.ConfigError) as error:
        load_spec(path)
    assert error.value.file == str(path) and error.value.field == field
    assert words in str(error.value)


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path):
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), tmp_path / "plain.ipynb")
    path = _spec(tmp_path, f"notebook: {tmp_path / 'plain.ipynb'}\n")
    with pytest.raises(me.ConfigError, match="no cell tagged 'parameters'"):
        load_spec(path)


def test_the_cli_exits_2_on_a_bad_spec(tmp_path, capsys):
    path = _spec(tmp_path, "notebook: evaluate\nparameters: {temprature: 1}\n")
    assert main(["sweep", str(path)]) == 2
    assert f"{path}, field 'parameters.temprature'" in capsys.readouterr().err


# --- the plan -------------------------------------------------------------------------------------

def test_plan_and_dry_run(tmp_path, capsys):
    path = _spec(tmp_path, OFFLINE_SMOKE.replace("  quant: fp32\n", "") + """\
grid:
  quant: [fp32, bf16]
  format: [article, chat]
  temperature: [0.1, 0.7]
""")
    spec = load_spec(path)
    combinations = plan(spec)
    assert len(combinations) == 8 and len({c.directory for c in combinations}) == 8
    first = combinations[0]
    assert first.name == "quant-fp32_format-article_temperature-0.1"
    assert first.parameters == {"model": "smollm2-135m-instruct", "suites": ["smoke"],
                                "quant": "fp32", "format": "article", "temperature": 0.1,
                                "out": str(tmp_path / "out" / "spec" / first.name)}
    assert {c.group for c in combinations} == {"model=smollm2-135m-instruct quant=fp32",
                                               "model=smollm2-135m-instruct quant=bf16"}

    assert run_sweep(path, dry_run=True) is None
    printed = capsys.readouterr().out
    assert "8 combination(s) in 2 group(s)" in printed
    assert printed.count("group model=smollm2-135m-instruct quant=") == 2
    assert printed.count("to run") == 8 and str(tmp_path / "out" / "spec" / "index.html") in printed
    assert not (tmp_path / "out").exists()


def test_ranks_split_groups_deterministically(tmp_path):
    path = _spec(tmp_path, OFFLINE_SMOKE.replace("  quant: fp32\n", "") +
                 "grid:\n  quant: [fp32, bf16, fp16]\n  format: [article, chat]\n")
    combinations = plan(load_spec(path))
    for world in (2, 3, 4):
        shares = [rank_share(combinations, Rank(r, world, r)) for r in range(world)]
        names = [c.name for share in shares for c in share]
        assert sorted(names) == sorted(c.name for c in combinations)  # each runs exactly once
        assert shares == [rank_share(combinations, Rank(r, world, r)) for r in range(world)]
        if world <= 3:  # enough groups: each group stays on one rank (one model load)
            assert all(len({c.group for c in s}) == len(s) // 2 for s in shares)
    printed = describe(load_spec(path), combinations, Rank(0, 2, 0))
    assert "rank 0, group" in printed and "rank 1, group" in printed


# --- real executions ------------------------------------------------------------------------------

def _status(directory: Path) -> dict:
    return json.loads((directory / STATUS).read_text(encoding="utf-8"))


def test_a_failing_combination_is_recorded_and_the_group_goes_on(tmp_path, capsys):
    # batch_size is the notebook's own parameter, checked only when the run starts
    path = _spec(tmp_path, OFFLINE_SMOKE + "grid:\n  batch_size: [-1, 4]\n", "fails.yaml")
    with pytest.raises(SweepError) as failed:
        run_sweep(path)
    assert [f.combination for f in failed.value.failures] == ["batch_size-1"]
    sweep = tmp_path / "out" / "fails"
    bad, good = _status(sweep / "batch_size-1"), _status(sweep / "batch_size-4")
    assert bad["status"] == "failed" and bad["error"]["kind"] == "error"
    assert bad["error"]["ename"] == "ConfigError" and "batch_size" in bad["error"]["evalue"]
    assert "me.evaluate(" in bad["error"]["source"]
    assert good["status"] == "ok" and good["error"] is None

    run = sweep / "batch_size-4"
    assert len(me.RunStore.read(run).records()) == 3
    executed = nbformat.read(run / "notebook.ipynb", as_version=4)
    loaded = [o.text for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and "me.load_shared" in c.source]
    assert "already loaded in this kernel" in "".join(loaded)  # one model load for the group
    for name in ("batch_size-1", "batch_size-4"):
        assert "<html" in (sweep / name / "notebook.html").read_text(encoding="utf-8")

    index = (sweep / "index.html").read_text(encoding="utf-8")
    assert "1 of 2 combination(s) ok, 1 failed" in index and "Failures (1)" in index
    assert 'href="batch_size-4/notebook.html"' in index
    assert 'href="batch_size-1/notebook.html"' in index and "ConfigError" in index
    report = (sweep / "report.html").read_text(encoding="utf-8")
    assert "batch_size-4" in report and "batch_size-1" not in report
    assert "batch_size-1: failed" in capsys.readouterr().out


def test_timeouts_and_dead_kernels_fail_one_combination_each(tmp_path, probe):
    path = _spec(tmp_path, f"""\
sweep: probe
notebook: {probe}
out: OUT
timeout: 3
grid:
  action: [first, raise, sleep, die, last]
""")
    with pytest.raises(SweepError) as failed:
        run_sweep(path)
    assert {f.combination for f in failed.value.failures} == {"action-raise", "action-sleep", "action-die"}
    sweep = tmp_path / "out" / "probe"
    status = {a: _status(sweep / f"action-{a}") for a in ("first", "raise", "sleep", "die", "last")}
    assert [s["status"] for s in status.values()] == ["ok", "failed", "failed", "failed", "ok"]
    assert status["raise"]["error"]["ename"] == "ValueError"
    assert status["sleep"]["error"]["kind"] == "timeout"
    assert "time.sleep(60)" in status["sleep"]["error"]["source"]
    assert status["die"]["error"]["kind"] == "kernel died"
    assert "os._exit(1)" in status["die"]["error"]["source"]

    def kernel(action):
        nb = nbformat.read(sweep / f"action-{action}" / "notebook.ipynb", as_version=4)
        return next(o.text.split() for c in nb.cells if c.cell_type == "code" for o in c.outputs
                    if o.output_type == "stream" and o.text.startswith("kernel "))

    pids = {action: kernel(action)[1] for action in status}
    # an exception leaves the kernel to the next combination; a timeout or a death does not
    assert pids["first"] == pids["raise"] == pids["sleep"]
    assert len({pids["sleep"], pids["die"], pids["last"]}) == 3
    assert kernel("first")[2] == sys.executable  # the `python3` kernel runs this interpreter
    index = (sweep / "index.html").read_text(encoding="utf-8")
    assert "Failures (3)" in index and "No finished run to compare" in index


def test_a_killed_sweep_resumes_without_redoing_anything(tmp_path):
    """Killed while the second combination is half done (one case per batch, so each case is
    stored as it finishes): the rerun skips the first combination and the stored cases."""
    path = _spec(tmp_path, "sweep: resume\n" + OFFLINE_SMOKE +
                 "  batch_size: 1\ngrid:\n  max_new_tokens: [4, 24]\n")
    sweep = tmp_path / "out" / "resume"
    done, half = sweep / "max_new_tokens-4", sweep / "max_new_tokens-24"
    command = [sys.executable, "-m", "mistral_eval", "sweep", str(path)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    deadline = time.monotonic() + 300
    while not ((half / "results.jsonl").exists() and (half / "results.jsonl").read_bytes()):
        assert first.poll() is None and time.monotonic() < deadline, first.stdout.read().decode()
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    time.sleep(2)  # the orphaned kernel notices its parent is gone within a second and exits
    assert _status(done)["status"] == "ok" and not (half / STATUS).exists()
    kept = {f: (done / f).read_bytes() for f in ("notebook.ipynb", STATUS, "results.jsonl")}
    before = (half / "results.jsonl").read_text(encoding="utf-8")
    stored = before.count("\n")
    assert 1 <= stored < 3

    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "max_new_tokens-4: done earlier, skipped" in second.stdout
    assert "[rank" not in second.stdout  # issue 21 item 12: one process, no rank prefix
    assert kept == {f: (done / f).read_bytes() for f in kept}  # not run again
    assert (half / "results.jsonl").read_text(encoding="utf-8").startswith(before)
    executed = nbformat.read(half / "notebook.ipynb", as_version=4)
    summary = next(o.data["text/plain"] for c in executed.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "execute_result"
                   and "already done" in o.data["text/plain"])
    assert f"{3 - stored} case(s) run, {stored} already done" in summary  # the stored cases were not redone
    for run in (done, half):
        assert _status(run)["status"] == "ok"
        keys = [r.key for r in me.RunStore.read(run).records()]
        assert sorted(keys) == ["smoke/addition_en", "smoke/capital_ja", "smoke/followup_en"]
    assert "2 of 2 combination(s) ok" in (sweep / "index.html").read_text(encoding="utf-8")


def test_ranks_share_the_combinations_and_rank_0_writes_the_index(tmp_path, probe):
    path = _spec(tmp_path, f"sweep: ranks\nnotebook: {probe}\nout: OUT\ngrid:\n  label: [a, b, c, d]\n")
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
              "-m", "mistral_eval", "sweep", str(path)]
    done = subprocess.run(launch, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    sweep = tmp_path / "out" / "ranks"
    status = [_status(sweep / f"label-{label}") for label in "abcd"]
    assert sorted(s["rank"] for s in status) == [0, 0, 1, 1]
    executed = nbformat.read(sweep / "label-c" / "notebook.ipynb", as_version=4)
    kernel_line = next(o.text for c in executed.cells if c.cell_type == "code" for o in c.outputs
                       if o.output_type == "stream" and o.text.startswith("kernel "))
    assert kernel_line.split()[-1] == "None"  # the kernel runs as one whole process, no rank
    assert done.stdout.count("index: ") == 1
    assert "4 of 4 combination(s) ok" in (sweep / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("grid, field, words", [
    ("  max_new_tokens: [4, 0]\n", "grid.max_new_tokens[1]", "greater than or equal to 1"),
    ("  format: [chat, alpaca]\n", "grid.format[1]", "must be one of"),
    ("  quant: [nf5]\n", "grid.quant[0]", "must be one of"),
    ("  suites: [[smoke], [nosuchsuite]]\n", "grid.suites[1]", "unknown suite"),
])
def test_grid_values_the_library_would_refuse_are_refused_before_running(tmp_path, grid, field, words):
    spec = OFFLINE_SMOKE.replace("  quant: fp32\n", "") if "quant" in grid else OFFLINE_SMOKE
    path = _spec(tmp_path, spec + "grid:\n" + grid, "bad.yaml")
    with pytest.raises(ConfigError) as error:
        load_spec(path)
    assert error.value.file == str(path) and error.value.field == field and words in error.value.message
    assert main(["sweep", str(path)]) == 2 and not (tmp_path / "out").exists()


def test_a_notebook_that_is_not_json_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    path = _spec(tmp_path, f"notebook: {broken}\n", "nb.yaml")
    with pytest.raises(ConfigError, match="cannot be read as a notebook") as error:
        load_spec(path)
    assert error.value.field == "notebook"
