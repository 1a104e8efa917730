"""The fused 4-bit kernels (mistral_eval.nf4_kernels) against bitsandbytes' own, per Mistral-7B
projection shape and row count, on the full-size random model's real NF4 layers; with --tune, a
sweep of tile configs per (rows, shape) whose winners are written as JSON for bench_generate.py
(--configs) and for nf4_kernels.TUNED.

    python benchmarks/bench_nf4_kernels.py --tune --out kernels.json

Each timed call uses the next of the 32 layers of that shape and triton's do_bench flushes L2
before each call, so the weights come from device memory as in a decode step. Effective bandwidth
= (4-bit codes + absmax + x + out bytes) / median time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from pathlib import Path

import torch

from mistral_eval.checkpoints import build_random_mistral
from mistral_eval.model import load_model
from mistral_eval.nf4_kernels import TUNED, Config, default_config, matmul_4bit, packed_weight

SHAPES = {"q/o 4096x4096": "self_attn.q_proj", "k/v 1024x4096": "self_attn.k_proj",
          "gate/up 14336x4096": "mlp.gate_proj", "down 4096x14336": "mlp.down_proj"}


def candidates(rows: int, k: int) -> list[Config]:
    if rows == 1:
        grid = itertools.product((8, 16, 32, 64), (512, 1024), (1, 2, 4), (4, 8))
    else:
        # block_n 32 at 64 rows hit an illegal address once (H100, triton 3.x): not swept there
        grid = itertools.product((32, 64, 128) if rows < 64 else (64, 128), (128, 256),
                                 (1, 2, 4, 8), (4,))
    return [Config(n, bk, sk, w) for n, bk, sk, w in grid if k % (bk * sk) == 0]


def _layers(lm, attr: str) -> list:
    out = []
    for layer in lm.model.model.layers:
        module = layer
        for part in attr.split("."):
            module = getattr(module, part)
        out.append(module)
    return out


def _bench(fn) -> float:
    import triton.testing

    return triton.testing.do_bench(fn, warmup=10, rep=40, return_mode="median") / 1e3


def measure(lm, rows_list, tune: bool, budget_s: float) -> tuple[list[dict], dict]:
    rows_out, tuned, start = [], {}, time.perf_counter()
    for label, attr in SHAPES.items():
        layers = _layers(lm, attr)
        weights = [packed_weight(m.weight, m.weight.quant_state) for m in layers]
        n, k = weights[0].out_features, weights[0].in_features
        for rows in rows_list:
            xs = [torch.randn(rows, k, dtype=torch.bfloat16, device="cuda") for _ in layers]
            turn = itertools.cycle(range(len(layers)))

            def bnb_call():
                i = next(turn)
                layers[i](xs[i])

            def fused(config):
                def call():
                    i = next(turn)
                    matmul_4bit(xs[i], weights[i], config)
                return call

            moved = weights[0].bytes + 2 * rows * (n + k)
            bnb_s = _bench(bnb_call)
            best = default_config(rows, n, k)
            best_s = _bench(fused(best))
            tried = 1
            if tune:
                for config in candidates(rows, k):
                    if time.perf_counter() - start > budget_s:
                        break
                    try:
                        seconds = _bench(fused(config))
                    except Exception as exc:  # a config the compiler refuses (resources)
                        print(f"skip {config}: {type(exc).__name__}", flush=True)
                        continue
                    tried += 1
                    if seconds < best_s:
                        best, best_s = config, seconds
                tuned[f"{1 if rows == 1 else max(16, 1 << (rows - 1).bit_length())},{n},{k}"] = (
                    best.__dict__)
            row = {"shape": label, "rows": rows, "bnb_us": round(bnb_s * 1e6, 1),
                   "bnb_gbs": round(moved / bnb_s / 1e9), "fused_us": round(best_s * 1e6, 1),
                   "fused_gbs": round(moved / best_s / 1e9), "speedup": round(bnb_s / best_s, 2),
                   "config": best.__dict__, "configs_tried": tried}
            print(row, flush=True)
            rows_out.append(row)
    return rows_out, tuned


def markdown(rows: list[dict]) -> str:
    lines = ["| shape | rows | bitsandbytes µs | GB/s | fused µs | GB/s | speed-up | config |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r["config"]
        lines.append(f"| {r['shape']} | {r['rows']} | {r['bnb_us']} | {r['bnb_gbs']:,} | "
                     f"{r['fused_us']} | {r['fused_gbs']:,} | {r['speedup']}x | "
                     f"n{c['block_n']} k{c['block_k']} split{c['split_k']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default=os.environ.get("MISTRAL_EVAL_7B_DIR",
                                                               "/tmp/mistral-7b-random"))
    parser.add_argument("--out", default="kernels.json")
    parser.add_argument("--rows", default="1,8,32,64")
    parser.add_argument("--tune", action="store_true", help="sweep tile configs per shape")
    parser.add_argument("--budget-s", type=float, default=240, help="stop the sweep after this")
    args = parser.parse_args()
    path = build_random_mistral(args.checkpoint, "7b", dtype=torch.bfloat16, device="cuda")
    lm = load_model(str(path), "nf4")
    rows, tuned = measure(lm, [int(r) for r in args.rows.split(",")], args.tune, args.budget_s)
    Path(args.out).write_text(json.dumps({"kernels": rows, "tuned": tuned}, indent=1))
    print()
    print(markdown(rows))
    print("\nTUNED = {" + ", ".join(
        f"({key}): Config({c['block_n']}, {c['block_k']}, {c['split_k']}, {c['num_warps']})"
        for key, c in tuned.items()) + "}")


def load_configs(path: str) -> int:
    """Put a sweep's winners into nf4_kernels.TUNED; returns how many."""
    tuned = json.loads(Path(path).read_text())["tuned"]
    for key, config in tuned.items():
        bucket, n, k = (int(v) for v in key.split(","))
        TUNED[(bucket, n, k)] = Config(**config)
    return len(tuned)


if __name__ == "__main__":
    main()
