"""Ranks and the cost-balanced split: `shard` on toy items, then real 2-process runs (gloo, CPU) under
torchrun and accelerate launch, compared case for case with the single-process run."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from mistral_eval.core.errors import MistralEvalError
from mistral_eval.model.loading import load_model
from mistral_eval.pipeline import evaluate
from mistral_eval.runs.distributed import Rank, barrier, current_rank, shard, shard_cases


@dataclass(frozen=True)
class _Item:
    key: str
    cost: float


def _split(items: list[_Item], world: int) -> list[list[_Item]]:
    return shard(items, world, cost=lambda it: it.cost, key=lambda it: it.key)


def test_shard_gives_every_item_exactly_once_in_the_original_order():
    items = [_Item(f"case{i}", cost=(i * 37) % 11 + 1) for i in range(23)]
    parts = _split(items, 3)
    assert sorted(it.key for part in parts for it in part) == sorted(it.key for it in items)
    position = {it.key: i for i, it in enumerate(items)}
    for part in parts:
        assert [position[it.key] for it in part] == sorted(position[it.key] for it in part)


def test_shard_is_deterministic_whatever_the_input_order():
    items = [_Item(f"case{i}", cost=i % 4) for i in range(17)]  # many equal costs: ties by key
    first = _split(items, 4)
    assert _split(list(items), 4) == first
    shuffled = [_split(items[k:] + items[:k], 4) for k in (3, 11)]
    for parts in shuffled:
        assert [{it.key for it in p} for p in parts] == [{it.key for it in p} for p in first]


def test_shard_balances_expected_cost_not_count():
    items = [_Item("long", 100.0)] + [_Item(f"short{i}", 10.0) for i in range(10)]
    parts = _split(items, 2)
    assert sorted(sum(it.cost for it in p) for p in parts) == [100.0, 100.0]
    assert sorted(len(p) for p in parts) == [1, 10]


def test_shard_with_more_ranks_than_items_leaves_some_empty():
    parts = _split([_Item("a", 1.0), _Item("b", 2.0)], 4)
    assert sorted(len(p) for p in parts) == [0, 0, 1, 1]


def test_shard_cases_is_everything_for_one_rank_and_a_partition_for_several():
    items = [_Item(f"c{i}", float(i)) for i in range(7)]
    assert shard_cases(items, Rank(), cost=lambda it: it.cost) == items
    shares = [shard_cases(items, Rank(rank=r, world=3), cost=lambda it: it.cost) for r in range(3)]
    assert sorted(it.key for share in shares for it in share) == sorted(it.key for it in items)


def test_current_rank_reads_the_launcher_environment(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert current_rank() == Rank(0, 1, 0) and current_rank().device is None
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "1")
    rank = current_rank()
    assert (rank.rank, rank.world, rank.local_rank, rank.is_main) == (3, 4, 1, False)


def test_each_rank_takes_the_gpu_of_its_local_rank_sharing_when_there_are_fewer(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert [Rank(r, 4, r % 4).device for r in range(4)] == ["cuda:0", "cuda:1", "cuda:0", "cuda:1"]
    assert Rank(0, 1, 0).device is None  # one process: the loader's default
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert Rank(1, 2, 1).device == "cpu"


def test_barrier_is_a_no_op_for_one_process_and_explains_a_missing_master_address(monkeypatch):
    barrier(Rank())
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    monkeypatch.delenv("MASTER_PORT", raising=False)
    with pytest.raises(MistralEvalError, match="MASTER_ADDR and MASTER_PORT"):
        barrier(Rank(rank=1, world=2))


# ---------------------------------------------------------------------------------------------
# real processes: torchrun and accelerate launch, gloo on the CPU

_SUITE = """\
suite: spread
description: Cases of uneven cost, so ranks get uneven counts and a 2-rank run lasts seconds.
version: 1
defaults:
  settings: {do_sample: false, max_new_tokens: 24}
cases:
"""
_PROMPTS = ["What is 2 + 3? Answer with just the number.", "日本の首都はどこですか？",
            "Name three colours of the rainbow.", "りんごを3個買って2個食べました。残りは何個？",
            "Write one sentence about the sea, then one about mountains, then one about rivers."]


def _suite_text() -> str:
    lines = [_SUITE]
    for i in range(20):
        lines.append(f"  - id: case{i:02d}\n    language: {'ja' if i % 2 else 'en'}\n"
                     f"    prompt: {json.dumps(_PROMPTS[i % len(_PROMPTS)], ensure_ascii=False)}\n"
                     f"    settings: {{max_new_tokens: {(16, 32, 48, 64)[i % 4]}}}\n"
                     f"    checks: [{{type: regex, pattern: \"[0-9]\"}}]\n")
    lines.append("  - id: followup\n    language: en\n    prompt: Remember the number 7.\n"
                 "    followups: ['Which number did I ask you to remember?']\n"
                 "    checks: [{type: number, expected: 7}]\n")
    return "".join(lines)


_COMPARED = ("answer", "answer_tokens", "finish_reason", "turns", "prompt_text", "checks", "passed")
_BATCH = "2"  # small batches: results land one by one, so a kill finds a half-done run


@pytest.fixture(scope="module")
def suite_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("suite") / "spread.yaml"
    path.write_text(_suite_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cpu_tiny(tiny, tiny_dir):
    return tiny if tiny.info.device == "cpu" else load_model(tiny_dir, "fp32", device="cpu")


def _evaluate_in_process(lm, suite_file: Path, out: Path):
    """One process, on one thread like each rank (torchrun sets OMP_NUM_THREADS=1): the same
    numerics, and no thread contention on a small CI machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return evaluate(lm.info.name, [suite_file], out, quant="fp32", batch_size=int(_BATCH),
                        lm=lm, progress=False)
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def reference(cpu_tiny, suite_file, tmp_path_factory) -> dict[str, dict]:
    """The single-process run, by key."""
    out = tmp_path_factory.mktemp("single")
    _evaluate_in_process(cpu_tiny, suite_file, out)
    return {r["key"]: r for r in _records(out)}


def _records(out: Path) -> list[dict]:
    """The complete lines of results.jsonl (a rank may be writing the next one)."""
    path = out / "results.jsonl"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    # split on "\n" only: answers may hold U+2028, which str.splitlines() would split on
    return [json.loads(line) for line in text[:text.rfind("\n") + 1].split("\n") if line.strip()]


def _assert_same_as(reference: dict[str, dict], records: list[dict]) -> None:
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)), "a case was stored twice"
    assert sorted(keys) == sorted(reference)
    for record in records:
        expected = reference[record["key"]]
        assert {f: record[f] for f in _COMPARED} == {f: expected[f] for f in _COMPARED}, record["key"]


def _run_args(tiny_dir: str, suite_file: Path, out: Path, *extra: str) -> list[str]:
    return ["-m", "mistral_eval", "run", "--model", tiny_dir, "--quant", "fp32",
            "--suite", str(suite_file), "--out", str(out), "--batch-size", _BATCH, *extra]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    return {**env, "HF_HUB_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1",
            "TQDM_DISABLE": "1"}


def _torchrun(nproc: int) -> list[str]:
    # --standalone picks a free port, so concurrent test sessions do not collide on 29500
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc-per-node", str(nproc)]


def _check(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-4000:]}"


def test_torchrun_two_ranks_equal_the_single_process_run(reference, tiny_dir, suite_file, tmp_path):
    out = tmp_path / "two"
    proc = subprocess.run([*_torchrun(2), *_run_args(tiny_dir, suite_file, out)], env=_env(),
                          capture_output=True, text=True, timeout=300)
    _check(proc)
    records = _records(out)
    _assert_same_as(reference, records)
    assert {r["rank"] for r in records} == {0, 1}
    timings = [json.loads((out / f"timing.rank{r}.json").read_text()) for r in (0, 1)]
    assert [(t["rank"], t["world"]) for t in timings] == [(0, 2), (1, 2)]
    assert sum(t["cases"] for t in timings) == len(reference)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Per-rank timing" in report and proc.stdout.count("report:") == 1


@pytest.mark.skipif(importlib.util.find_spec("accelerate") is None, reason="needs accelerate")
def test_accelerate_launch_two_ranks_equal_the_single_process_run(reference, tiny_dir, suite_file,
                                                                   tmp_path):
    out = tmp_path / "accelerate"
    with socket.socket() as s:  # a free port for the rendezvous
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # --multi_gpu is accelerate's torchrun launcher; on a CPU-only host it starts gloo CPU ranks
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
              "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
              "--dynamo_backend", "no", "--main_process_port", str(port)]
    proc = subprocess.run([*launch, *_run_args(tiny_dir, suite_file, out, "--no-report")],
                          env=_env(), capture_output=True, text=True, timeout=300)
    _check(proc)
    records = _records(out)
    _assert_same_as(reference, records)
    assert {r["rank"] for r in records} == {0, 1}
    assert not (out / "report.html").exists()


def test_a_killed_two_rank_run_resumes_with_one_process(reference, cpu_tiny, tiny_dir, suite_file,
                                                       tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "killed"
    proc = subprocess.Popen([*_torchrun(2), *_run_args(tiny_dir, suite_file, out, "--no-report")],
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(_records(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        # torchrun starts each rank in a session of its own, so killing its group spares them
        ranks = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        os.killpg(proc.pid, signal.SIGKILL)
        for rank in ranks:
            rank.kill()
        proc.wait()
        psutil.wait_procs(ranks, timeout=30)
    done = len({r["key"] for r in _records(out)})
    assert 2 <= done < len(reference), f"the kill came too late to test resume ({done} done)"

    summary = _evaluate_in_process(cpu_tiny, suite_file, out)
    assert (summary.ran, summary.skipped) == (len(reference) - done, done)
    _assert_same_as(reference, _records(out))
