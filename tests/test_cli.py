import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mistral_eval import RunStore
from mistral_eval.cli import COMMANDS, build_parser, main


def test_suites_lists_builtins(capsys):
    assert main(["suites"]) == 0
    out = capsys.readouterr().out
    for name in ("article_ja", "article_en", "bilingual", "smoke"):
        assert name in out


def test_suites_check_good_and_bad(tmp_path, capsys):
    assert main(["suites", "--check", str(Path("prompts/smoke.yaml").resolve())]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("suite: bad\ndescription: x\nversion: 1\ncases:\n"
                   "  - id: one\n    language: en\n    prompt: hi\n    settings: {temprature: 0.2}\n")
    assert main(["suites", "--check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "'one'" in err and "temprature" in err


def test_run_then_report_then_compare(tiny_dir, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke",
              "--max-new-tokens", "4"]
    assert main([*common, "--format", "mistral", "--uncertain", "judge", "--out", str(a)]) == 0
    assert main([*common, "--format", "inst", "--out", str(b)]) == 0
    assert (a / "report.html").exists()
    records = RunStore.read(a).records()
    assert len(records) == 3 and all(r.settings["max_new_tokens"] == 4 for r in records)
    assert all(r.to_judge == (r.status == "uncertain") for r in records)
    html = tmp_path / "compare.html"
    assert main(["report", str(a), str(b), "--out", str(html)]) == 0
    assert html.exists() and "smoke/addition_en" in html.read_text("utf-8")


@pytest.mark.parametrize("argv, words", [
    (["--suite", "no_such_suite"], "no_such_suite"),
    (["--suite", "smoke", "--do-sample", "--temperature", "0"], "temperature"),
])
def test_bad_run_input_exits_2_with_a_message(tiny_dir, tmp_path, capsys, argv, words):
    code = main(["run", "--model", tiny_dir, "--quant", "fp32", "--out", str(tmp_path / "r"), *argv])
    assert code == 2
    assert words in capsys.readouterr().err


def test_unknown_preset_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--quant", "q3", "--suite", "smoke", "--out", "x"])
    assert exit_.value.code == 2
    assert "nf4" in capsys.readouterr().err


def test_a_missing_model_is_bad_input_and_exits_2(tmp_path, capsys):
    """issue 20 item 13: a missing model directory or an unknown hub id exited 1 (bad input is 2)."""
    missing = tmp_path / "missing-model"
    code = main(["run", "--model", str(missing), "--suite", "smoke", "--out", str(tmp_path / "r")])
    assert code == 2
    assert "no such directory" in (err := capsys.readouterr().err) and str(missing) in err
    code = main(["run", "--model", "nobody-here/no-such-model", "--suite", "smoke", "--out", str(tmp_path / "r")])
    assert code == 2  # HF_HUB_OFFLINE=1 (tests/conftest.py): not in the cache, refused at once
    assert "'nobody-here/no-such-model' is not in the local model cache" in capsys.readouterr().err
def test_unknown_model_exits_2_like_an_unknown_suite(tmp_path, capsys):
    """issue 21 item 9"""
    code = main(["run", "--model", str(tmp_path / "missing-model"), "--suite", "smoke",
                 "--out", str(tmp_path / "r")])
    assert code == 2
    assert "no such directory" in capsys.readouterr().err
    assert main(["run", "--model", "x", "--suite", "no_such_suite", "--out", str(tmp_path / "s")]) == 2


def test_commands_are_the_parsers():
    """The did-you-mean list of commands is the parser's."""
    parser = build_parser()
    subparsers = next(action for action in parser._actions if action.dest == "command")
    assert tuple(subparsers.choices) == COMMANDS


def test_misspelt_command_suggests_the_right_one(capsys):
    """issue 21 item 9"""
    assert main(["reprot", "runs/a"]) == 2
    assert "did you mean 'report'?" in capsys.readouterr().err


def test_misspelt_suite_suggests_the_right_one_without_importing_torch(tmp_path):
    """issue 21 item 9: the suite is checked before anything imports torch"""
    import subprocess
    import sys

    probe = ("import sys; from mistral_eval.cli import main\n"
             f"code = main(['run', '--model', 'smollm2-135m-instruct', '--suite', 'bilingal', '--out', {str(tmp_path / 'r')!r}])\n"
             "print(code, 'TORCH' if 'torch' in sys.modules else 'NO TORCH')")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip() == "2 NO TORCH", done.stdout + done.stderr
    assert "did you mean 'bilingual'?" in done.stderr.lower()


def test_forgotten_model_offline_fails_at_once_with_exit_2(tmp_path):
    """issue 21 item 9: without --model the default hub model is not cached and the hub (here an
    address that refuses connections) cannot be reached: exit 2 and a message, no download retries"""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_ENDPOINT": "http://127.0.0.1:9"}
    env.pop("HF_HUB_OFFLINE", None)
    done = subprocess.run([sys.executable, "-m", "mistral_eval", "run", "--suite", "smoke", "--out",
                           str(tmp_path / "r")], capture_output=True, text=True, timeout=120, env=env,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 2, done.stderr
    assert "--model was not given" in done.stderr and "cannot be reached" in done.stderr
    assert not (tmp_path / "r" / "manifest.json").exists()


def test_resume_with_other_settings_is_refused(tiny_dir, tmp_path, capsys):
    out = tmp_path / "r"
    base = ["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--out", str(out),
            "--no-report"]
    assert main([*base, "--max-new-tokens", "3"]) == 0
    before = (out / "results.jsonl").read_bytes()
    assert main([*base, "--max-new-tokens", "5"]) == 2  # the wrong --out for this run: bad input
    assert "max_new_tokens" in capsys.readouterr().err
    assert (out / "results.jsonl").read_bytes() == before


def test_help_suites_and_report_do_not_import_torch(tmp_path):
    """`--help`, `suites`, `report` and `compare` answer without loading torch (it costs seconds)."""
    import shutil
    import subprocess
    import sys

    for name in ("a", "b"):
        shutil.copytree(Path(__file__).parent / "fixtures" / "legacy_run", tmp_path / name)
    probe = ("import sys; from mistral_eval.cli import main\n"
             "for argv in (['suites'], ['suites', '--check', 'prompts/smoke.yaml'], ['report', 'nowhere'],\n"
             f"             ['compare', {str(tmp_path / 'a')!r}, {str(tmp_path / 'b')!r}]):\n"
             "    main(argv)\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print('TORCH' if 'torch' in sys.modules else 'NO TORCH')")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip().endswith("NO TORCH"), done.stdout + done.stderr


def test_version(capsys):
    import mistral_eval

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and mistral_eval.__version__ in capsys.readouterr().out


def test_fail_on_sets_the_exit_code(tiny_dir, tmp_path, capsys):
    """The tiny random model fails every check of the smoke suite: --fail-on fail exits 3, never exits 0."""
    base = ["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--max-new-tokens", "2",
            "--no-report"]
    assert main([*base, "--out", str(tmp_path / "a")]) == 0
    assert main([*base, "--out", str(tmp_path / "b"), "--fail-on", "fail"]) == 3
    assert main([*base, "--out", str(tmp_path / "c"), "--fail-on", "error"]) == 0  # failures, no errors
    assert main([*base, "--out", str(tmp_path / "d"), "--fail-on", "error", "--format", "article"]) == 3
    assert "1 error(s)" in capsys.readouterr().out


def test_fail_on_fail_still_exits_3_when_a_rerun_finds_the_failures_stored(tiny_dir, tmp_path, capsys):
    """issue 21 item 2"""
    base = ["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--max-new-tokens", "2",
            "--no-report", "--out", str(tmp_path / "a")]
    assert main([*base, "--fail-on", "fail"]) == 3
    assert main([*base, "--fail-on", "fail"]) == 3  # nothing new ran; the stored failures still count
    assert main([*base, "--fail-on", "error"]) == 0
    assert "0 case(s) run, 3 already done" in capsys.readouterr().out


def test_a_resume_with_everything_done_loads_no_model(tiny_dir, tmp_path, capsys):
    """issue 21 item 12: the second run finds every case stored, so it needs no model (removed here),
    and one process prints no "[rank 0]" prefix"""
    import shutil

    model = shutil.copytree(tiny_dir, tmp_path / "model")
    base = ["run", "--model", str(model), "--quant", "fp32", "--suite", "smoke", "--max-new-tokens", "2",
            "--out", str(tmp_path / "a")]
    assert main(base) == 0
    shutil.rmtree(model)
    model.mkdir()  # the directory is there, the checkpoint is not: loading it would fail
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "0 case(s) run, 3 already done" in out and "[rank" not in out


@pytest.mark.parametrize("kind", ["suite", "sweep"])
def test_suites_schema_prints_the_committed_json_schema(capsys, kind):
    committed = Path(__file__).parent.parent / "docs" / f"{kind}.schema.json"
    assert main(["suites", "--schema", kind]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(committed.read_text(encoding="utf-8")), (
        f"docs/{kind}.schema.json is stale: `mistral-eval suites --schema {kind} > docs/{kind}.schema.json`")


def test_suites_init_writes_a_starter_that_passes_check(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["suites", "--init", "my_suite"]) == 0
    assert "suites --check my_suite.yaml" in capsys.readouterr().out
    assert main(["suites", "--check", "my_suite.yaml"]) == 0
    assert "ok, suite 'my_suite', 4 case(s)" in capsys.readouterr().out
    assert main(["suites", "--init", "my_suite"]) == 2  # never overwrites
    assert "exists already" in capsys.readouterr().err


FILL_THEN_REPORT = """
import sys
from mistral_eval.cli import main
try:
    with open({filler!r}, "wb") as filler:
        while True:
            filler.write(b"x" * 4096)
            filler.flush()
except OSError:
    pass
print("exit", main(["report", {run!r}, "--out", {page!r}]))
"""


def test_a_full_disk_exits_2_naming_the_file(tmp_path):
    """issue 20 item 13: a full disk ended with exit 1 "No space left on device:" and no path."""
    if shutil.which("unshare") is None:
        pytest.fail("this test fills a private tmpfs made with util-linux's unshare (CI has it)")
    disk, run = tmp_path / "disk", tmp_path / "run"
    disk.mkdir()
    shutil.copytree(Path(__file__).parent / "fixtures" / "legacy_run", run)
    script = FILL_THEN_REPORT.format(filler=str(disk / "filler"), run=str(run), page=str(disk / "page.html"))
    shell = f'mount -t tmpfs -o size=256k none {disk} && exec {sys.executable} -c "$SCRIPT"'
    out = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", shell],
                         env={**os.environ, "SCRIPT": script, "PYTHONPATH": str(Path.cwd())},
                         capture_output=True, text=True, timeout=300)
    assert "exit 2" in out.stdout, (out.stdout, out.stderr[-2000:])
    assert f"No space left on device: {disk / 'page.html'}" in out.stderr, out.stderr[-2000:]
    assert "Traceback" not in out.stderr


def test_report_and_compare_never_write_over_a_runs_files(tmp_path, capsys):
    """issue 20 item 4: `report/compare --out RUN/results.jsonl` replaced the run's records with HTML, exit 0."""
    run, other = tmp_path / "run", tmp_path / "other"
    shutil.copytree(Path(__file__).parent / "fixtures" / "legacy_run", run)
    shutil.copytree(run, other)
    before = {name: (run / name).read_bytes() for name in ("results.jsonl", "manifest.json")}
    for argv in (["report", str(run), "--out", str(run / "results.jsonl")],
                 ["report", str(run), str(other), "--out", str(run / "manifest.json")],
                 ["compare", str(run), str(other), "--out", str(run / "results.jsonl")],
                 ["compare", str(run), str(other), "--out", str(other / "timing.rank0.json")]):
        assert main(argv) == 2, argv
        assert "would destroy the run" in capsys.readouterr().err
    assert {name: (run / name).read_bytes() for name in before} == before
    assert main(["report", str(run), "--out", str(run / "page.html")]) == 0


def test_a_run_directory_whose_name_is_not_utf8_is_reported(tmp_path, capsys):
    """issue 20 item 9: a non-UTF-8 run directory name crashed `report` with a UnicodeEncodeError."""
    run = Path(os.fsdecode(bytes(tmp_path) + b"/run-\xff\xfe"))
    shutil.copytree(Path(__file__).parent / "fixtures" / "legacy_run", run)
    assert main(["report", str(run)]) == 0
    page = (run / "report.html").read_text("utf-8")
    assert "run-\\udcff\\udcfe" in page  # the name's repr: the bytes stay visible, escaped
    assert "run-\\udcff" in capsys.readouterr().out
    assert main(["report", str(run), str(tmp_path / "nothing-\udcff")]) == 2
    assert "nothing-\\udcff" in capsys.readouterr().err


def test_a_busy_run_directory_is_refused_before_the_model_loads(tmp_path, capsys):
    """issue 20 item 12: a busy directory was refused only after the model loaded (20 s)."""
    from mistral_eval.runs.store import RunStore
    from tests.runs.test_store import manifest

    broken = tmp_path / "broken-model"  # a directory, but no model: loading it first would fail on the model
    broken.mkdir()
    with RunStore.open(tmp_path / "run", manifest()):
        code = main(["run", "--model", str(broken), "--suite", "smoke", "--out", str(tmp_path / "run")])
    assert code == 2
    assert "another process is writing to" in capsys.readouterr().err


@pytest.mark.parametrize("variable, value, words", [
    ("MISTRAL_EVAL_ENGINE", "bogus", "MISTRAL_EVAL_ENGINE='bogus' is not an engine"),
    ("MISTRAL_EVAL_CACHE", "FILE", "MISTRAL_EVAL_CACHE="),
    ("MISTRAL_EVAL_SANDBOX", "chroot", "MISTRAL_EVAL_SANDBOX='chroot' is not a sandbox mechanism"),
])
def test_a_bad_environment_variable_exits_2_naming_it(tmp_path, capsys, monkeypatch, tiny_dir, variable, value, words):
    """issue 20 item 13: MISTRAL_EVAL_ENGINE=bogus exited 0 with every case an error; MISTRAL_EVAL_CACHE
    pointing at a file exited 1 without naming the variable."""
    if value == "FILE":
        value = str(tmp_path / "a-file")
        Path(value).write_text("x")
    monkeypatch.setenv(variable, value)
    model = "smollm2-135m-instruct" if variable == "MISTRAL_EVAL_CACHE" else tiny_dir
    code = main(["run", "--model", model, "--quant", "fp32", "--suite", "smoke", "--out", str(tmp_path / "r"),
                 "--max-new-tokens", "2"])
    assert code == 2
    err = capsys.readouterr().err
    assert words in err and variable in err


def test_a_results_file_that_is_a_directory_and_a_tiny_temperature_exit_2(tiny_dir, tmp_path, capsys):
    """issue 20 item 13: results.jsonl a directory exited 1; --temperature 1e-320 made every case an error."""
    (tmp_path / "r" / "results.jsonl").mkdir(parents=True)
    code = main(["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--out", str(tmp_path / "r")])
    assert code == 2
    assert f"{tmp_path / 'r' / 'results.jsonl'} is a directory" in capsys.readouterr().err
    code = main(["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--out", str(tmp_path / "t"),
                 "--do-sample", "--temperature", "1e-320"])
    assert code == 2
    assert "temperature" in capsys.readouterr().err


def test_ctrl_c_ends_with_one_line_and_exit_130(tiny_dir, tmp_path, capsys):
    """issue 20 item 8: Ctrl-C during a run printed a traceback."""
    out = tmp_path / "r"

    def press_ctrl_c_once_running():
        while not (out / "manifest.json").exists() and not done.is_set():
            time.sleep(0.02)
        if not done.is_set():
            os.kill(os.getpid(), signal.SIGINT)  # Python raises KeyboardInterrupt in the main thread

    done = threading.Event()
    presser = threading.Thread(target=press_ctrl_c_once_running)
    presser.start()
    try:
        code = main(["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--out", str(out),
                     "--min-new-tokens", "4000", "--max-new-tokens", "4000", "--no-report"])
    finally:
        done.set()
        presser.join()
    assert code == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted; resume with the same command"
def test_judge_updates_the_runs_report_and_pairwise_prints_the_report_command(tiny_dir, tmp_path, capsys):
    """issue 21 item 6"""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from builders import ANSWERS, SUITE, write_run

    suite = tmp_path / "judged.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    runs = [write_run(tmp_path / name, suite, ANSWERS) for name in ("a", "b")]
    assert main(["report", str(runs[0])]) == 0
    before = (runs[0] / "report.html").read_text(encoding="utf-8")
    judge = ["--judge-model", tiny_dir, "--judge-quant", "fp32", "--max-new-tokens", "2"]
    assert main(["judge", str(runs[0]), "--rubric", "elyza", *judge]) == 0
    printed = capsys.readouterr().out
    assert f"report (with the judge's grades): {runs[0] / 'report.html'}" in printed
    after = (runs[0] / "report.html").read_text(encoding="utf-8")
    assert 'class="judge"' not in before and 'class="judge"' in after
    out = tmp_path / "pairs"
    assert main(["judge", "--pairwise", *map(str, runs), "--out", str(out), *judge]) == 0
    command = capsys.readouterr().out.split("to add it to the comparison report: ")[1].strip()
    assert command.startswith("mistral-eval report ")
    assert main(command.split()[1:]) == 0 and "Pairwise judge" in (out / "comparison.html").read_text("utf-8")


def test_suites_init_points_to_a_guide_that_exists(tmp_path, capsys, monkeypatch):
    """issue 21 item 11: from any directory (a wheel user has no docs/ folder), the starter and the
    message name the guide by a path that exists"""
    monkeypatch.chdir(tmp_path)
    assert main(["suites", "--init", "mine"]) == 0
    guide = Path(capsys.readouterr().out.split("(fields: ")[1].rstrip().removesuffix(")"))
    assert guide.is_absolute() and guide.is_file() and "## Checks" in guide.read_text(encoding="utf-8")
    assert f"described in {guide}." in (tmp_path / "mine.yaml").read_text(encoding="utf-8")
