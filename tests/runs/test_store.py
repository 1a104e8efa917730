"""Tests for the run store: round trip, resume, refusal, torn lines, real kills and concurrent ranks."""

from __future__ import annotations

import errno
import fcntl
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from mistral_eval.analysis.frames import load_runs
from mistral_eval.core.errors import RunStoreError
from mistral_eval.runs.provenance import collect_versions, git_commit, make_manifest
from mistral_eval.runs.records import Manifest, Result, RunConfig, SuiteRef
from mistral_eval.runs.store import MANIFEST, RESULTS, RunStore

REPO = Path(__file__).resolve().parents[2]
SUITES = [{"name": "bilingual", "file": "suites/bilingual.yaml", "sha256": "ab" * 32}]


def manifest(suites=SUITES, extra=None, **changes) -> Manifest:
    options = dict(model="mistralai/Mistral-7B-Instruct-v0.1", revision="main", quant="nf4",
                   format="mistral", settings={"temperature": 0.1, "max_new_tokens": 64}, seed=0)
    options.update(changes)
    return make_manifest(RunConfig(**options), [SuiteRef(**s) for s in suites], **(extra or {}))


def record(key: str, passed: bool = True, answer: str = "りんごは3個です。", **changes) -> Result:
    suite, case_id = key.split("/")
    base = {"key": key, "suite": suite, "case_id": case_id, "language": "ja", "pair": None,
            "tags": ["arithmetic"], "format": None, "settings": {"temperature": 0.1},
            "messages": [{"role": "user", "content": "りんごはいくつ?"}], "prompt_text": "<s>[INST] ?",
            "prompt_tokens": 12, "answer": answer, "answer_tokens": 9, "finish_reason": "eos",
            "seconds": 0.5, "tokens_per_second": 18.0,
            "checks": [{"name": "number", "passed": passed, "score": float(passed), "reason": "found 3"}],
            "passed": passed, "japanese_share": 0.9, "rank": 0, "finished_at": "2026-11-27T03:30:00+00:00"}
    base.update(changes)
    return Result.model_validate(base)


def test_manifest_has_versions_and_a_stable_fingerprint():
    first, second = manifest(), manifest()
    assert set(first.versions) == {"python", "torch", "transformers", "bitsandbytes",
                                      "mistral_common", "mistral_eval", "fugashi", "unidic_lite"}
    assert first.fingerprint == second.fingerprint == first.computed_fingerprint()
    assert manifest(seed=1).fingerprint != first.fingerprint
    moved = manifest(suites=[{**SUITES[0], "file": "/elsewhere/bilingual.yaml"}])
    assert moved.fingerprint == first.fingerprint  # a moved suite file is the same suite
    assert first.started_at.endswith("+00:00")
    assert collect_versions()["python"] == ".".join(map(str, sys.version_info[:3]))
    # the Japanese analyser and its dictionary decide check verdicts, so a run records them too
    assert collect_versions()["unidic_lite"] == importlib.metadata.version("unidic-lite")
    assert collect_versions()["fugashi"] == importlib.metadata.version("fugashi")
    assert manifest(extra={"world_size": 2}).world_size == 2
    with pytest.raises(TypeError, match="seed"):
        manifest(extra={"seed": 3})


def test_git_commit_outside_a_repository_is_none(tmp_path):
    assert git_commit(tmp_path) is None


def test_round_trip(tmp_path):
    records = [record("bilingual/apples_ja"),
               record("bilingual/apples_en", answer="Line one\u2028still one record\n\"quoted\"",
                      language="en", passed=False)]
    with RunStore.open(tmp_path / "run", manifest()) as store:
        for item in records:
            store.append(item)
        store.write_json("timing.rank0.json", {"rank": 0, "seconds": 1.5, "cases": 2})
    reread = RunStore.read(tmp_path / "run")
    assert reread.records() == records
    assert reread.finished_keys() == {"bilingual/apples_ja", "bilingual/apples_en"}
    assert reread.manifest == Manifest.model_validate_json((tmp_path / "run" / MANIFEST).read_text(encoding="utf-8"))
    assert "りんご" in (tmp_path / "run" / RESULTS).read_text(encoding="utf-8")  # ensure_ascii=False
    assert json.loads((tmp_path / "run" / "timing.rank0.json").read_text())["cases"] == 2
    with pytest.raises(RunStoreError, match="read-only"):
        reread.append(record("bilingual/other"))


def test_resume_skips_finished_and_keeps_the_first_manifest(tmp_path):
    first = manifest()
    with RunStore.open(tmp_path, first) as store:
        store.append(record("bilingual/a"))
    later = manifest().model_copy(update={"started_at": "2030-01-01T00:00:00+00:00"})
    with RunStore.open(tmp_path, later) as store:
        assert store.finished_keys() == {"bilingual/a"}
        assert store.manifest.started_at == first.started_at
        store.append(record("bilingual/b"))
        assert [r.key for r in store.records()] == ["bilingual/a", "bilingual/b"]


def test_a_different_run_is_refused_with_the_differences(tmp_path):
    RunStore.open(tmp_path, manifest()).close()
    with pytest.raises(RunStoreError) as caught:
        RunStore.open(tmp_path, manifest(settings={"temperature": 0.7, "max_new_tokens": 64}, quant="int8"))
    message = str(caught.value)
    assert "settings.temperature: stored 0.1, now 0.7" in message
    assert "quant: stored 'nf4', now 'int8'" in message
    assert "max_new_tokens" not in message
    assert "--out" in message


def test_results_without_a_manifest_are_refused(tmp_path):
    (tmp_path / RESULTS).write_text(record("bilingual/a").to_json() + "\n")
    with pytest.raises(RunStoreError, match="no manifest.json"):
        RunStore.open(tmp_path, manifest())
    with pytest.raises(RunStoreError, match="not a run directory"):
        RunStore.read(tmp_path)


def test_torn_last_line_is_repaired_on_open(tmp_path):
    with RunStore.open(tmp_path, manifest()) as store:
        store.append(record("bilingual/a"))
    with open(tmp_path / RESULTS, "ab") as file:
        file.write(record("bilingual/b").to_json().encode()[:40])
    with pytest.warns(RuntimeWarning, match="torn"):
        assert [r.key for r in RunStore.read(tmp_path).records()] == ["bilingual/a"]
    with pytest.warns(RuntimeWarning, match="torn"):
        store = RunStore.open(tmp_path, manifest())
    with store:
        assert store.finished_keys() == {"bilingual/a"}
        store.append(record("bilingual/b"))
    lines = (tmp_path / RESULTS).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["bilingual/a", "bilingual/b"]


def test_a_damaged_middle_line_is_reported_with_its_number(tmp_path):
    RunStore.open(tmp_path, manifest()).close()
    (tmp_path / RESULTS).write_text(record("bilingual/a").to_json() + "\n{oops\n")
    with pytest.raises(RunStoreError, match="line 2 is damaged"):
        RunStore.read(tmp_path).records()


def test_duplicate_is_refused_also_across_open_stores(tmp_path):
    first = RunStore.open(tmp_path, manifest(), shared=True)
    second = RunStore.open(tmp_path, manifest(), shared=True)  # another rank, opened before the append
    first.append(record("bilingual/a"))
    with pytest.raises(RunStoreError, match="already finished"):
        first.append(record("bilingual/a"))
    with pytest.raises(RunStoreError, match="already finished"):
        second.append(record("bilingual/a"))
    assert len(RunStore.read(tmp_path).records()) == 1
    first.close()
    second.close()


def test_a_file_system_without_flock_still_works_with_a_warning(tmp_path, monkeypatch):
    def no_flock(fd, operation):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")
    monkeypatch.setattr(fcntl, "flock", no_flock)
    with pytest.warns(RuntimeWarning, match="does not support file locks"):
        store = RunStore.open(tmp_path, manifest())
    with store:
        store.append(record("bilingual/a"))
        assert store.finished_keys() == {"bilingual/a"}


def test_write_json_rejects_paths_and_reserved_names(tmp_path):
    with RunStore.open(tmp_path, manifest()) as store:
        for name in ("../x.json", MANIFEST, RESULTS, "sub/x.json"):
            with pytest.raises(RunStoreError):
                store.write_json(name, {})


CHILD = textwrap.dedent("""
    import json, sys
    ANSWER = "日本語の答え "
    from mistral_eval.core.errors import RunStoreError
    from mistral_eval.runs.records import Manifest, Result
    from mistral_eval.runs.store import RunStore
    directory, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = RunStore.open(directory, Manifest.model_validate_json(sys.argv[4]), shared=True)
    for i in range(count):
        key = f"{prefix}/case{i}"
        try:
            store.append(Result(key=key, suite=prefix, case_id=f"case{i}", language="ja", status="pass",
                                answer=ANSWER * 300 + key))
        except RunStoreError:
            print("dup", key, flush=True)
            continue
        print(key, flush=True)
""")


def spawn(directory: Path, prefix: str, count: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    arguments = [str(directory), prefix, str(count), manifest().model_dump_json()]
    return subprocess.Popen([sys.executable, "-c", CHILD, *arguments], stdout=subprocess.PIPE, text=True,
                            env=env)


def assert_intact(directory: Path) -> list[Result]:
    raw = (directory / RESULTS).read_bytes()
    assert raw == b"" or raw.endswith(b"\n")
    records = [Result.model_validate_json(line) for line in raw.decode("utf-8").split("\n")[:-1]]
    keys = [r.key for r in records]
    assert len(keys) == len(set(keys)), "duplicate records"
    assert all(r.answer == "日本語の答え " * 300 + r.key for r in records)
    return records


def test_a_killed_writer_loses_no_finished_record(tmp_path):
    child = spawn(tmp_path, "kill", 100_000)
    printed = [child.stdout.readline().strip() for _ in range(30)]
    child.send_signal(signal.SIGKILL)
    printed += child.stdout.read().split()
    child.wait()
    assert child.returncode == -signal.SIGKILL
    store = RunStore.open(tmp_path, manifest())  # repairs a torn line if the kill left one
    records = assert_intact(tmp_path)
    keys = {r.key for r in records}
    assert set(printed) <= keys
    assert len(keys) - len(printed) in (0, 1)  # at most the one appended but not yet printed
    store.append(record("kill/after"))
    store.close()
    assert {r.key for r in RunStore.read(tmp_path).records()} == keys | {"kill/after"}


def test_two_processes_append_concurrently(tmp_path):
    children = [spawn(tmp_path, f"rank{rank}", 150) for rank in (0, 1)]
    outputs = [child.communicate()[0].split() for child in children]
    assert [child.returncode for child in children] == [0, 0]
    records = assert_intact(tmp_path)
    assert {r.key for r in records} == {f"rank{rank}/case{i}" for rank in (0, 1) for i in range(150)}
    assert all(len(output) == 150 for output in outputs)


def test_two_processes_racing_on_the_same_keys_write_each_once(tmp_path):
    children = [spawn(tmp_path, "same", 100) for _ in range(2)]
    outputs = [child.communicate()[0].splitlines() for child in children]
    records = assert_intact(tmp_path)
    assert sorted(r.key for r in records) == sorted(f"same/case{i}" for i in range(100))
    written = [line for output in outputs for line in output if not line.startswith("dup")]
    assert sorted(written) == sorted(r.key for r in records)


def test_load_runs_columns(tmp_path):
    with RunStore.open(tmp_path / "nf4", manifest()) as store:
        store.append(record("bilingual/a", checks=[
            {"name": "number", "passed": True, "score": 1.0, "reason": ""},
            {"name": "contains", "passed": True, "score": 1.0, "reason": ""},
            {"name": "contains", "passed": False, "score": 0.0, "reason": ""}], passed=False))
        store.append(record("bilingual/b", format="inst"))
    with RunStore.open(tmp_path / "int8", manifest(quant="int8")) as store:
        store.append(record("bilingual/a", checks=[]))
    RunStore.open(tmp_path / "empty", manifest(quant="fp16")).close()

    frame = load_runs([tmp_path / "nf4", tmp_path / "int8", tmp_path / "empty"])
    assert len(frame) == 3
    assert {"run", "model", "quant", "format", "key", "answer", "passed", "tokens_per_second",
            "check_number", "check_contains"} <= set(frame.columns)
    assert frame["run"].tolist() == ["nf4", "nf4", "int8"]
    assert frame["quant"].tolist() == ["nf4", "nf4", "int8"]
    assert frame["format"].tolist() == ["mistral", "inst", "mistral"]  # the record's own format wins
    assert frame["check_contains"].isna().tolist() == [False, True, True]
    assert not frame["check_contains"].iloc[0]  # one of two "contains" checks failed
    assert frame["check_number"].iloc[0] and frame["check_number"].isna().iloc[2]
    assert str(frame["check_number"].dtype) == "boolean"
    assert load_runs(tmp_path / "empty").empty



@pytest.mark.parametrize("content", ["[]", "null", '"a string"', '{"model": 3}'])
def test_a_manifest_of_the_wrong_shape_is_a_clear_error(tmp_path, content):
    (tmp_path / MANIFEST).write_text(content)
    with pytest.raises(RunStoreError, match="not a (valid )?run manifest"):
        RunStore.read(tmp_path)
    with pytest.raises(RunStoreError, match="not a (valid )?run manifest"):
        RunStore.open(tmp_path, manifest())


def test_a_duplicated_line_is_dropped_on_load_with_a_warning(tmp_path):
    with RunStore.open(tmp_path, manifest()) as store:
        store.append(record("bilingual/a"))
        store.append(record("bilingual/b"))
    line = (tmp_path / RESULTS).read_text(encoding="utf-8").splitlines()[0]
    with open(tmp_path / RESULTS, "a", encoding="utf-8") as file:
        file.write(line.replace("りんご", "みかん") + "\n")
    with pytest.warns(RuntimeWarning, match="duplicate"):
        records = RunStore.read(tmp_path).records()
    assert [r.key for r in records] == ["bilingual/a", "bilingual/b"] and "りんご" in records[0].answer


def test_result_json_round_trip_and_legacy_records():
    result = record("bilingual/a", passed=False)
    assert Result.model_validate_json(result.to_json()) == result
    assert result.status == "fail" and result.passed is False and result.schema_version == 1
    errored = Result(key="s/x", suite="s", case_id="x", language="en", status="error",
                     error={"stage": "generate", "message": "out of memory"})
    again = Result.model_validate_json(errored.to_json())
    assert again == errored and again.passed is None and again.error.stage == "generate"


def test_a_second_writer_is_refused_while_the_first_holds_the_directory(tmp_path):
    first = RunStore.open(tmp_path, manifest())
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RunStoreError, match="another process is writing"):
        RunStore.open(tmp_path, manifest())
    with pytest.raises(RunStoreError, match="another process is writing"):
        RunStore.open(tmp_path, manifest(), shared=True)  # a launch's rank is refused too
    first.append(record("bilingual/a"))
    first.close()
    with RunStore.open(tmp_path, manifest()) as again:  # once the first is done, it resumes
        assert again.finished_keys() == {"bilingual/a"}
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_symlinked_results_file_or_lock_is_never_followed(tmp_path):
    """issue 20 item 3: `run` truncated a symlinked results.jsonl's target; a symlinked .lock made a file outside."""
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    run = tmp_path / "run"
    run.mkdir()
    (run / RESULTS).symlink_to(outside)
    with pytest.raises(RunStoreError, match="results.jsonl is a symbolic link"):
        RunStore.open(run, manifest())
    with pytest.raises(RunStoreError, match="results.jsonl is a symbolic link"):
        RunStore.read(run) if (run / MANIFEST).exists() else RunStore.open(run, manifest())
    assert outside.read_text() == "precious\n"
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / ".lock").symlink_to(tmp_path / "made-outside")
    with pytest.raises(RunStoreError, match=".lock is a symbolic link"):
        RunStore.open(locked, manifest())
    assert not (tmp_path / "made-outside").exists()


def test_a_fifo_or_a_directory_in_place_of_a_file_is_refused_at_once(tmp_path):
    """issue 20 items 6 and 13: report hung on a FIFO named results.jsonl, run exited 1 without a path;
    results.jsonl as a directory exited 1."""
    with RunStore.open(tmp_path / "run", manifest()) as store:
        store.append(record("bilingual/one"))
    (tmp_path / "run" / RESULTS).unlink()
    os.mkfifo(tmp_path / "run" / RESULTS)
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            RunStore.read(tmp_path / "run")
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)  # before the fix: open() blocked forever
    reader.start()
    reader.join(60)
    assert outcome, "RunStore.read blocked on a FIFO named results.jsonl"
    assert isinstance(outcome[0], RunStoreError)
    assert "run/results.jsonl is a pipe (FIFO), not a regular file" in str(outcome[0])
    with pytest.raises(RunStoreError, match=r"results.jsonl is a pipe \(FIFO\)"):
        RunStore.open(tmp_path / "run", manifest())
    (tmp_path / "run" / RESULTS).unlink()
    (tmp_path / "run" / RESULTS).mkdir()
    with pytest.raises(RunStoreError, match="results.jsonl is a directory, not a file"):
        RunStore.open(tmp_path / "run", manifest())
    (tmp_path / "run" / RESULTS).rmdir()
    (tmp_path / "run" / MANIFEST).unlink()
    os.mkfifo(tmp_path / "run" / MANIFEST)
    with pytest.raises(RunStoreError, match=r"manifest.json is a pipe \(FIFO\)"):
        RunStore.read(tmp_path / "run")


def test_a_busy_directory_is_refused_without_holding_it(tmp_path):
    """issue 20 item 12: the busy check that runs before a model loads."""
    RunStore.check_not_busy(tmp_path / "missing")
    with RunStore.open(tmp_path / "run", manifest()):
        with pytest.raises(RunStoreError, match="another process is writing"):
            RunStore.check_not_busy(tmp_path / "run")
    RunStore.check_not_busy(tmp_path / "run")
    with RunStore.open(tmp_path / "run", manifest()):
        pass

