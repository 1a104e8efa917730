"""Data-parallel speed-up on one multi-GPU host: the bilingual suite on 1 rank, then on N ranks
(`torchrun --nproc-per-node N`), each rank a whole NF4 model on its own GPU.

    python benchmarks/bench_multi_gpu.py --out multi_gpu.json

Builds the full Mistral-7B shape with random weights once (speed does not depend on weight values).
Greedy, with min_new_tokens = max_new_tokens, since random weights emit EOS anywhere: every case
then costs the same and the split is even. Each run is one `mistral_eval run` command, timed end
to end (start, model load, generation, the barrier, no report); the run phase is the slowest
rank's `timing.rank*.json` (generation only). Checks that the N-rank run stored every case once,
from every rank. Prints a markdown table; writes JSON with the card, versions and date.

The batch size is fixed (default 8) so that a rank runs several batches: data parallelism halves
the number of batches, and a suite that fits one batch on one GPU (64 cases at the engine's
default of 64) gains little from a second GPU, decoding being bound by reading the weights.
On the GPU machine, with wheels for the packages it lacks under /tmp/site:

    PYTHONPATH=/tmp/site python3 benchmarks/bench_multi_gpu.py --out $OUT/multi_gpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout: mistral_eval need not be installed

from mistral_eval.model.checkpoints import build_random_mistral  # noqa: E402
from mistral_eval.runs.provenance import collect_versions, git_commit, gpu_name  # noqa: E402
from mistral_eval.runs.store import RunStore


def environment() -> dict:
    """Cards, driver-side CUDA, package versions, engine, commit and date."""
    return {"card": gpu_name(), "cards": torch.cuda.device_count(), "cuda": torch.version.cuda,
            **collect_versions(), "engine": os.environ.get("MISTRAL_EVAL_ENGINE", "auto"),
            "git_commit": git_commit(ROOT),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def run_suite(ranks: int, checkpoint: str, out: Path, args: argparse.Namespace) -> dict:
    """One `mistral_eval run` on `ranks` processes, timed from launch to exit."""
    shutil.rmtree(out, ignore_errors=True)
    launcher = [sys.executable] if ranks == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        "--nproc-per-node", str(ranks)]
    command = [*launcher, "-m", "mistral_eval", "run", "--model", checkpoint, "--quant", "nf4",
               "--suite", args.suite, "--out", str(out), "--batch-size", str(args.batch_size),
               "--no-do-sample", "--min-new-tokens", str(args.new_tokens),
               "--max-new-tokens", str(args.new_tokens), "--no-report"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])), "TQDM_DISABLE": "1"}
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    print(proc.stdout, proc.stderr[-3000:] if proc.returncode else "", sep="", flush=True)
    if proc.returncode:
        raise SystemExit(f"{ranks}-rank run failed (exit {proc.returncode}): {' '.join(command)}")
    records = RunStore.read(out).records()  # answers may hold U+2028: never str.splitlines()
    keys = [r["key"] for r in records]
    if len(keys) != len(set(keys)) or {r["rank"] for r in records} != set(range(ranks)):
        raise SystemExit(f"{ranks}-rank run: duplicated keys or a rank with no results")
    timings = sorted((json.loads(p.read_text()) for p in out.glob("timing.rank*.json")),
                     key=lambda t: t["rank"])
    run_phase = max(t["seconds"] for t in timings)
    return {"ranks": ranks, "wall_s": round(wall, 1), "run_phase_s": round(run_phase, 1),
            "overhead_s": round(wall - run_phase, 1), "cases": len(records),
            "answer_tokens": sum(r["answer_tokens"] for r in records),
            "per_rank": [{k: t.get(k) for k in ("rank", "seconds", "cases", "cost")}
                         for t in timings],
            "answers": {r["key"]: r["answer"] for r in records}}


def markdown(result: dict) -> str:
    env, args, runs = result["environment"], result["args"], result["runs"]
    lines = [f"{env['cards']}× {env['card']}, torch {env['torch']} (CUDA {env['cuda']}), "
             f"transformers {env['transformers']}, bitsandbytes {env['bitsandbytes']}, "
             f"engine {env['engine']}, {env['date']}",
             "", f"Suite {args['suite']}, NF4, greedy, {args['new_tokens']} new tokens per case "
             f"(forced), batch size {args['batch_size']} per rank", "",
             "| ranks | wall s | speed-up | run phase s | speed-up | start+load s | tokens/s "
             "| per-rank s (cases) |", "|---|---|---|---|---|---|---|---|"]
    one = runs[0]
    for r in runs:
        per_rank = ", ".join(f"{t['seconds']:.1f} ({t['cases']})" for t in r["per_rank"])
        lines.append(f"| {r['ranks']} | {r['wall_s']} | {one['wall_s'] / r['wall_s']:.2f}× | "
                     f"{r['run_phase_s']} | {one['run_phase_s'] / r['run_phase_s']:.2f}× | "
                     f"{r['overhead_s']} | {r['answer_tokens'] / r['wall_s']:,.0f} | {per_rank} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default=os.environ.get("MISTRAL_EVAL_7B_DIR",
                                                               "/tmp/mistral-7b-random"))
    parser.add_argument("--runs-dir", default="/tmp/bench-multi-gpu",
                        help="where the run directories go")
    parser.add_argument("--out", default="multi_gpu.json", help="JSON file to write")
    parser.add_argument("--suite", default="bilingual")
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--ranks", type=int, default=torch.cuda.device_count(),
                        help="ranks of the data-parallel run (default: every visible GPU)")
    args = parser.parse_args()
    if not torch.cuda.is_available() or args.ranks < 2:
        raise SystemExit("needs a host with at least 2 CUDA GPUs")

    checkpoint = str(build_random_mistral(args.checkpoint, "7b", dtype=torch.bfloat16,
                                          device="cuda"))
    torch.cuda.empty_cache()
    result = {"environment": environment(), "args": vars(args), "runs": []}
    out = Path(args.out)
    for ranks in (1, args.ranks):
        result["runs"].append(run_suite(ranks, checkpoint, Path(args.runs_dir) / f"ranks{ranks}",
                                        args))
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    one, many = (r.pop("answers") for r in result["runs"])
    result["same_answers"] = sum(one[k] == many.get(k) for k in one)  # batches differ, so may vary
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(markdown(result))
    print(f"\nanswers equal to the 1-rank run: {result['same_answers']} of {len(one)}")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"} | {
        "speedup_wall": round(result["runs"][0]["wall_s"] / result["runs"][1]["wall_s"], 2),
        "speedup_run_phase": round(result["runs"][0]["run_phase_s"]
                                   / result["runs"][1]["run_phase_s"], 2)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
