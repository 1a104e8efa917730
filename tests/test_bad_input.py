"""Bad input files end in a one-line error naming the file (exit code 2 on the command line), never in
a traceback, quickly and with little memory, and change nothing on disk (issue 13).

Covers suite files through `mistral-eval suites --check` and the ELYZA / MT-Bench importers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from mistral_eval.cli import main
from mistral_eval.core.errors import ConfigError
from mistral_eval.suites.files import import_elyza, import_mtbench

REPO = Path(__file__).resolve().parent.parent
SUITE_HEAD = "suite: bad\ndescription: x\nversion: 1\ncases:\n"
CASE = "  - id: one\n    language: en\n    prompt: hi\n"


def _listing(root: Path) -> dict[str, object]:
    """Each path under `root` with its bytes (with size and mtime only for files over 1 MB)."""
    def state(p: Path) -> object:
        if not p.is_file():
            return None
        info = p.stat()
        return (info.st_size, info.st_mtime_ns) if info.st_size > 2**20 else p.read_bytes()
    return {str(p.relative_to(root)): state(p) for p in root.rglob("*") if not p.is_fifo()}


def billion_laughs_suite() -> str:
    """A suite whose one check expects 9**9 "lol"s once its aliases are expanded."""
    lines = ['x0: &x0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]" for i in range(1, 9)]
    anchors = "".join(f"      - {line}\n" for line in lines)
    return (SUITE_HEAD + CASE + "    meta:\n      laughs:\n" + anchors
            + "    checks:\n      - {type: contains, expected: *x8}\n")


SUITE_FILES = {
    # name: (bytes of bad.yaml, words the message must hold)
    "billion laughs": (billion_laughs_suite(), ["aliases expand to more than", "line"]),
    "unhashable key": (SUITE_HEAD + CASE + "    meta: {? [a, b] : 1}\n", ["line 8", "single value"]),
    "20,000 levels": (SUITE_HEAD + CASE + "    meta: {k: " + "[" * 20_000 + "]" * 20_000 + "}\n",
                      ["line 8", "deeper than 64 levels"]),
    "block nesting": (SUITE_HEAD + CASE + "    meta:\n      k:\n        " + "- " * 20_000 + "x\n",
                      ["line 10", "deeper than"]),
    "alias chain depth": (SUITE_HEAD + CASE + "    meta:\n      a0: &a0 " + "[" * 50 + "1" + "]" * 50 + "\n"
                          + "".join(f"      a{i}: &a{i} [[[[[[[[[[*a{i - 1}]]]]]]]]]]\n" for i in range(1, 3000)),
                          ["aliases expanded"]),
    "recursive alias": (SUITE_HEAD + CASE + "    meta: &m {self: *m}\n", ["recursive alias"]),
    "tab indentation": (SUITE_HEAD + CASE + "\tlanguage: ja\n", ["line 8", "'\\t'"]),
    "duplicate key": (SUITE_HEAD + CASE + "    prompt: again\n", ["line 8", "'prompt' appears twice"]),
    "bad date": (SUITE_HEAD + CASE + "    meta: {when: 2024-02-30}\n", ["line 8", "day is out of range"]),
    "python tag": (SUITE_HEAD + CASE + "    meta: !!python/object/apply:os.system [ls]\n", ["line 8"]),
    "non-UTF-8": ((SUITE_HEAD + CASE).encode() + b"    meta: {k: caf\xe9}\n", ["line 8", "not UTF-8"]),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ["line 1", "0x89 is not UTF-8"]),
    "UTF-16 without BOM": ((SUITE_HEAD + CASE).encode("utf-16-le"), ["U+0000 is not allowed", "text file"]),
    "NUL in text": (SUITE_HEAD + CASE + "    meta: {k: \x00}\n", ["line 8", "U+0000"]),
    "empty": (b"", ["a suite file is a mapping"]),
    "only a comment": (b"# nothing here\n", ["a suite file is a mapping"]),
    "a list": (b"- 1\n- 2\n", ["a suite file is a mapping"]),
    "merge value": (SUITE_HEAD + CASE + "    meta: {k: <<}\n", ["line 8", "merge key"]),
}


def _check_cli(path: Path, capsys) -> tuple[int, str]:
    before = _listing(path.parent)
    started = time.perf_counter()
    code = main(["suites", "--check", str(path)])
    assert time.perf_counter() - started < 10
    captured = capsys.readouterr()
    assert _listing(path.parent) == before, "--check changed a file"
    assert "Traceback" not in captured.err and (code == 0 or captured.out == "")
    return code, captured.err


@pytest.mark.parametrize("name", SUITE_FILES)
def test_bad_suite_files_exit_2_with_a_one_line_message(tmp_path, capsys, name):
    content, words = SUITE_FILES[name]
    path = tmp_path / "bad.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    tracemalloc.start()
    try:
        code, err = _check_cli(path, capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2, err
    assert err.startswith(f"mistral-eval: error: {path}: ") and err.count("\n") == 1 and len(err) < 400, err
    for word in words:
        assert word in err, err
    assert peak < 100 * 2**20


@pytest.mark.parametrize("make, words", [
    (lambda d: (d / "bad.yaml").mkdir(), "is a directory"),
    (lambda d: os.mkfifo(d / "bad.yaml"), "is a pipe"),
    (lambda d: (d / "bad.yaml").touch() or os.truncate(d / "bad.yaml", 2**30), "1,073,741,824 bytes"),
    (lambda d: (d / "bad.yaml").symlink_to("/dev/zero"), "is a device"),
    (lambda d: None, "No such file"),
], ids=["directory", "fifo", "sparse 1 GB", "/dev/zero", "missing"])
def test_suite_paths_that_are_not_small_files(tmp_path, capsys, make, words):
    make(tmp_path)
    path = tmp_path / "bad.yaml"
    code, err = _check_cli(path, capsys)
    assert code == 2 and str(path) in err and words in err and err.count("\n") == 1, err


def test_merge_keys_and_a_bom_are_fine_in_a_suite(tmp_path, capsys):
    path = tmp_path / "good.yaml"
    path.write_text("\ufeffsuite: good\ndescription: x\nversion: 1\n"
                    "defaults: {language: en, settings: &greedy {do_sample: false, max_new_tokens: 16}}\n"
                    "cases:\n  - {id: a, prompt: hi, settings: {<<: *greedy, max_new_tokens: 8}}\n"
                    "  - {id: b, prompt: ho, settings: *greedy}\n", encoding="utf-8")
    code, err = _check_cli(path, capsys)
    assert code == 0 and err == "", err


# VmHWM, not ru_maxrss: Linux carries the parent's (pytest's) peak into ru_maxrss across exec
_MEASURE = """
import re, sys
from mistral_eval.cli import main
codes = [main(["suites", "--check", path]) for path in sys.argv[1:]]
with open("/proc/self/status") as status:
    peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
print(codes, peak_kb * 1024)
"""


def test_yaml_bombs_stay_under_1_gb_and_10_s_in_a_real_process(tmp_path):
    paths = []
    for name in ("billion laughs", "20,000 levels", "alias chain depth"):
        paths.append(tmp_path / f"{len(paths)}.yaml")
        paths[-1].write_text(SUITE_FILES[name][0], encoding="utf-8")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _MEASURE, *map(str, paths)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert time.perf_counter() - started < 10 + 5  # + the interpreter's start and imports
    codes, max_rss = result.stdout.rsplit(" ", 1)
    assert codes == "[2, 2, 2]" and int(max_rss) < 2**30, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("mistral-eval: error:") == 3


# --- importers -----------------------------------------------------------------------------------

ELYZA = '{"input": "in", "output": "out", "eval_aspect": "aspect"}\n'
MTBENCH = '{"question_id": 1, "category": "math", "turns": ["one", "two"]}\n'


def _import_error(importer, tmp_path: Path, content: str | bytes) -> ConfigError:
    path = tmp_path / "data.jsonl"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    before = _listing(tmp_path)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ConfigError) as error:
            importer(path)
        assert time.perf_counter() - started < 10 and tracemalloc.get_traced_memory()[1] < 200 * 2**20
    finally:
        tracemalloc.stop()
    assert _listing(tmp_path) == before
    assert error.value.file == str(path) and "\n" not in str(error.value) and len(str(error.value)) < 400
    return error.value


@pytest.mark.parametrize("importer, good", [(import_elyza, ELYZA), (import_mtbench, MTBENCH)],
                         ids=["elyza", "mtbench"])
@pytest.mark.parametrize("bad, words", [
    (b'{"input": "caf\xe9"}\n', ["line 2", "not UTF-8", "0xe9"]),
    ('{"input": ' + "[" * 100_000 + "]" * 100_000 + "}\n", ["line 2", "too deeply"]),
    ('{"question_id": ' + "9" * 5000 + "}\n", ["line 2", "cannot be read"]),
    ('["a", "list"]\n', ["line 2", "not an object"]),
    ("{not json}\n", ["line 2", "not valid JSON"]),
    ("\x00\x01\x02\n", ["line 2", "not valid JSON"]),
], ids=["non-UTF-8", "deep JSON", "5000-digit int", "list", "not JSON", "binary"])
def test_importers_name_the_file_and_line(tmp_path, importer, good, bad, words):
    error = _import_error(importer, tmp_path, good.encode() + (bad.encode() if isinstance(bad, str) else bad))
    for word in words:
        assert word in error.message, error.message


@pytest.mark.parametrize("reference", [5, "abc", [1, "x"], {"a": "b"}, ["ok", None]])
def test_mtbench_reference_must_be_a_list_of_strings(tmp_path, reference):
    record = {"question_id": 7, "category": "math", "turns": ["one"], "reference": reference}
    error = _import_error(import_mtbench, tmp_path, MTBENCH + json.dumps(record) + "\n")
    assert error.field == "reference" and "line 2" in error.message
    assert "must be a list of strings" in error.message


def test_mtbench_reference_null_or_empty_means_none(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question_id": 1, "category": "c", "turns": ["t"], "reference": null}\n'
                    '{"question_id": 2, "category": "c", "turns": ["t"], "reference": []}\n', encoding="utf-8")
    assert [case.reference for case in import_mtbench(path).cases] == [None, None]


def test_a_bom_is_accepted_by_the_importers(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + ELYZA.encode())
    assert import_elyza(path).cases[0].reference == "out"


@pytest.mark.parametrize("importer", [import_elyza, import_mtbench], ids=["elyza", "mtbench"])
@pytest.mark.parametrize("make, words", [
    (lambda d: (d / "data.jsonl").mkdir(), "is a directory"),
    (lambda d: os.mkfifo(d / "data.jsonl"), "is a pipe"),
    (lambda d: (d / "data.jsonl").write_bytes(b""), "no records"),
], ids=["directory", "fifo", "empty"])
def test_importer_paths_that_are_not_files(tmp_path, importer, make, words):
    make(tmp_path)
    with pytest.raises(ConfigError) as error:
        importer(tmp_path / "data.jsonl")
    assert error.value.file == str(tmp_path / "data.jsonl") and words in error.value.message


# --- command lines: output paths, settings and numbers, run directories -------------------------------

def _cli(argv: list[str], capsys) -> tuple[int, str]:
    start = time.perf_counter()
    code = main(argv)
    assert time.perf_counter() - start < 10
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _run_args(out: str, *extra: str) -> list[str]:
    return ["run", "--model", "smollm2-135m-instruct", "--quant", "fp32", "--suite", "smoke",
            "--out", out, *extra]


@pytest.fixture
def stored_run(tmp_path):
    """A run directory with a manifest and one result, to prove bad commands change nothing in it."""
    from mistral_eval.runs.provenance import make_manifest
    from mistral_eval.runs.records import Result, RunConfig, SuiteRef
    from mistral_eval.runs.store import RunStore

    directory = tmp_path / "run"
    manifest = make_manifest(RunConfig(model="m", quant="fp32"), [SuiteRef(name="s", sha256="0" * 64)])
    with RunStore.open(directory, manifest) as store:
        store.append(Result(key="s/a", suite="s", case_id="a", language="en", status="pass"))
    return directory


OUTPUT_PATHS = {
    # name: (the --out value, relative to tmp_path unless absolute; words in the message)
    "a file": ("run/results.jsonl", ["is a file"]),
    "below a file": ("run/results.jsonl/deeper", ["which is a file"]),
    "empty": ("", ["empty"]),
    "under /proc": ("/proc/self/x", ["/proc"]),
}


@pytest.mark.parametrize("name", OUTPUT_PATHS)
def test_run_refuses_a_bad_out_before_loading_anything(tmp_path, stored_run, capsys, name):
    value, words = OUTPUT_PATHS[name]
    out = value if value.startswith("/") or not value else str(tmp_path / value)
    before = _listing(tmp_path)
    code, err = _cli(_run_args(out), capsys)
    assert code == 2 and "--out" in err and all(w in err for w in words), err
    assert _listing(tmp_path) == before


def test_report_refuses_a_directory_as_out_and_leaves_no_temporary_file(tmp_path, stored_run, capsys):
    (tmp_path / "dir").mkdir()
    before = _listing(tmp_path)
    code, err = _cli(["report", str(stored_run), "--out", str(tmp_path / "dir")], capsys)
    assert code == 2 and "--out" in err and "directory" in err
    assert _listing(tmp_path) == before


def test_report_tells_a_missing_directory_from_an_empty_one(tmp_path, capsys):
    code, missing = _cli(["report", str(tmp_path / "nope")], capsys)
    assert code == 2 and "no such directory" in missing
    (tmp_path / "empty").mkdir()
    code, empty = _cli(["report", str(tmp_path / "empty")], capsys)
    assert code == 2 and "is empty" in empty


SETTINGS = {
    "temperature inf": (["--temperature", "inf"], "temperature", "finite"),
    "temperature nan": (["--temperature", "nan"], "temperature", "finite"),
    "temperature 0": (["--temperature", "0"], "temperature", "greater than 0"),
    "repetition_penalty inf": (["--repetition-penalty", "inf"], "repetition_penalty", "finite"),
    "batch size -1": (["--batch-size", "-1"], "batch_size", "greater than or equal to 1"),
    "batch size 0": (["--batch-size", "0"], "batch_size", "greater than or equal to 1"),
    "seed beyond 2**64": (["--seed", str(2**70)], "seed", "less than or equal"),
    "max_new_tokens 1e9": (["--max-new-tokens", "1000000000"], "max_new_tokens", "less than or equal"),
    "limit 0": (["--limit", "0"], "limit", "greater than or equal to 1"),
}


@pytest.mark.parametrize("name", SETTINGS)
def test_run_refuses_settings_that_cannot_work(tmp_path, capsys, name):
    extra, field, words = SETTINGS[name]
    code, err = _cli(_run_args(str(tmp_path / "out"), *extra), capsys)
    assert code == 2 and field in err and words in err, err
    assert not (tmp_path / "out").exists()


NUMBERS_IN_SUITES = {
    "max_new_tokens 1e9": ("    settings: {max_new_tokens: 1000000000}\n", "cases[0].settings.max_new_tokens"),
    "temperature .inf": ("    settings: {temperature: .inf}\n", "cases[0].settings.temperature"),
    "tolerance -1": ("    checks: [{type: number, expected: 3, tolerance: -1}]\n", "cases[0].checks[0].tolerance"),
    "python timeout .inf": ("    checks: [{type: python, tests: ['assert f() == 1'], timeout: .inf}]\n",
                            "cases[0].checks[0].timeout"),
    "python timeout .nan": ("    checks: [{type: python, tests: ['assert f() == 1'], timeout: .nan}]\n",
                            "cases[0].checks[0].timeout"),
    "python memory beyond the machine": (
        "    checks: [{type: python, tests: ['assert f() == 1'], memory_mb: 100000000}]\n",
        "cases[0].checks[0].memory_mb"),
}


@pytest.mark.parametrize("name", NUMBERS_IN_SUITES)
def test_suite_numbers_are_checked_at_check_time(tmp_path, capsys, name):
    body, field = NUMBERS_IN_SUITES[name]
    path = tmp_path / "bad.yaml"
    path.write_text(SUITE_HEAD + CASE + body, encoding="utf-8")
    code, err = _cli(["suites", "--check", str(path)], capsys)
    assert code == 2 and str(path) in err and field in err, err


@pytest.mark.parametrize("content", ["[]", "null", '"text"'])
def test_a_manifest_of_the_wrong_shape_is_exit_2_with_a_message(stored_run, capsys, content):
    (stored_run / "manifest.json").write_text(content)
    before = _listing(stored_run)
    code, err = _cli(["report", str(stored_run)], capsys)
    assert code == 2 and "not a run manifest" in err
    assert _listing(stored_run) == before
