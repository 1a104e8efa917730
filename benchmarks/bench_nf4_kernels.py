"""The fused 4-bit kernels (mistral_eval.engine.nf4.kernels) against bitsandbytes' own, per Mistral-7B
projection shape and row count, on the full-size random model's real NF4 layers; with --tune, a
sweep of tile configs per (rows, shape) whose winners are written as JSON for bench_generate.py
(--configs) and for nf4_kernels.TUNED.

    python benchmarks/bench_nf4_kernels.py --tune --out kernels.json

Each timed call uses the next of the 32 layers of that shape; 32 calls are captured in one CUDA
graph and replayed (as the engine runs them), so no host time is timed and the weights come from
device memory as in a decode step. Effective bandwidth
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

from mistral_eval.engine.nf4.kernels import FASTER, TUNED, Config, default_config, launch, matmul_4bit, packed_weight
from mistral_eval.model.checkpoints import build_random_mistral
from mistral_eval.model.loading import load_model

SHAPES = {"q/o 4096x4096": "self_attn.q_proj", "k/v 1024x4096": "self_attn.k_proj",
          "gate/up 14336x4096": "mlp.gate_proj", "down 4096x14336": "mlp.down_proj"}


def candidates(rows: int, n: int, k: int) -> list[Config]:
    """Tile configs to try, likeliest first (the sweep stops at its time budget): for one row the
    register-lookup GEMV, the table-gather GEMV and the tile kernel padded to 16 rows, for more
    the tile kernel."""
    configs = []
    if rows == 1:
        configs += prmt_candidates(n, k)
        tiles = -(-n // 16)
        split = 1 if tiles >= 2 * 132 else 4  # k/v: 64 tiles of 16 rows
        lookup = [(16, 512, 4, 1), (32, 512, 4, 1), (16, 1024, 4, 1), (32, 256, 4, 1),
                  (64, 256, 8, 1), (16, 512, 4, split), (32, 512, 8, 2 * split)]
        configs += [Config(bn, bk, s, w, kernel="lookup") for bn, bk, w, s in lookup]
        grid = [(16, 512, 4), (8, 1024, 4), (16, 1024, 4), (32, 256, 8)]
        configs += [Config(bn, bk, 1, w) for bn, bk, w in grid]
        if n <= 1024:  # too few rows to fill the card: split K too
            configs += [Config(bn, bk, s, w) for bn, bk, w in grid[:2] for s in (2, 4)]
    for bn, warps in ((64, 4), (128, 4), (128, 8), (256, 8)):
        tiles = -(-n // bn)
        fill = 1
        while tiles * fill < 4 * 132 and k // (64 * fill) >= 8 and fill < 16:
            fill *= 2
        configs += [Config(bn, 64, s, warps, 1, kernel="tile" if rows == 1 else "gemv")
                    for s in dict.fromkeys((fill, max(1, fill // 2), 1))]
    return [c for c in configs if k % c.block_k == 0]


def prmt_candidates(n: int, k: int) -> list[Config]:
    """One-row prmt GEMV configs (NOTES.md step 11), likeliest first by the offline SASS (sm_90,
    registers / instructions per code byte: prmt-shared n32 k512 128 / 10.6, prmt 168 / 11.5;
    n16 k512 72 / 11.5 and 96 / 12.9; n64 k512 255 / 10.0 and 10.9; n64 k256 = n32 k512), 4 warps,
    split-K until ~2 programs per multiprocessor of 132 (while each split keeps >= 2 steps)."""
    order = ((32, 512, "prmt-shared"), (32, 512, "prmt"), (16, 512, "prmt-shared"),
             (64, 512, "prmt-shared"), (16, 512, "prmt"), (64, 256, "prmt-shared"),
             (64, 512, "prmt"), (32, 256, "prmt-shared"))
    configs = []
    for bn, bk, kernel in order:
        split = 1
        while -(-n // bn) * split < 264 and k // (bk * split * 2) >= 2:
            split *= 2
        configs.append(Config(bn, bk, split, 4, 1, kernel=kernel))
    return configs


def resources(x, weight, config) -> dict:
    """The compiled main kernel's registers, spills and matrix instructions (PTX)."""
    kernel = launch(x, weight, config)[1]
    ptx = kernel.asm.get("ptx", "")
    return {"n_regs": getattr(kernel, "n_regs", None),
            "n_spills": getattr(kernel, "n_spills", None),
            "wgmma": ptx.count("wgmma.mma_async"), "mma_sync": ptx.count("mma.sync"),
            "shared": kernel.metadata.shared}


def _layers(lm, attr: str) -> list:
    out = []
    for layer in lm.model.model.layers:
        module = layer
        for part in attr.split("."):
            module = getattr(module, part)
        out.append(module)
    return out


def _bench(fn, calls: int = 32, replays: int = 20) -> float:
    """Seconds per call: `calls` calls (each on the next layer) captured in one CUDA graph, the
    graph replayed (median of `replays`); no host time inside, weights from device memory (32
    layers of a shape are more than the L2)."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(calls):  # warm-up: compiles, bitsandbytes' lazy state
            fn()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(calls):
            fn()
    graph.replay()
    times = []
    for _ in range(replays):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3 / calls)
    return sorted(times)[len(times) // 2]


def measure(lm, rows_list, tune: bool, budget_s: float,
            kernels: tuple[str, ...] = ()) -> tuple[list[dict], dict, dict]:
    """Per shape and rows: bitsandbytes, the default config, and (tune) the candidates, only those
    of `kernels` when given; each config checked against dequantize_4bit + matmul first."""
    rows_out, tuned, faster = [], {}, {}
    case_budget = budget_s / (len(SHAPES) * len(rows_list))
    for label, attr in SHAPES.items():
        layers = _layers(lm, attr)
        weights = [packed_weight(m.weight, m.weight.quant_state) for m in layers]
        n, k = weights[0].out_features, weights[0].in_features
        import bitsandbytes.functional as bnbf

        reference_w = bnbf.dequantize_4bit(layers[0].weight.data,
                                           layers[0].weight.quant_state).float()
        for rows in rows_list:
            start = time.perf_counter()
            xs = [torch.randn(rows, k, dtype=torch.bfloat16, device="cuda") for _ in layers]
            reference = xs[0].float() @ reference_w.T
            turn = itertools.cycle(range(len(layers)))

            def bnb_call():
                i = next(turn)
                layers[i](xs[i])

            def fused(config):
                def call():
                    i = next(turn)
                    matmul_4bit(xs[i], weights[i], config)
                return call

            def error(config) -> float:
                out = matmul_4bit(xs[0], weights[0], config).float()
                return float((out - reference).norm() / reference.norm())

            moved = weights[0].bytes + 2 * rows * (n + k)
            bnb_s = _bench(bnb_call)
            best, best_s, tried, errors = None, float("inf"), 0, {}
            configs = [default_config(rows, n, k)] + (candidates(rows, n, k) if tune else [])
            if kernels:
                configs = configs[:1] + [c for c in configs[1:] if c.kernel in kernels]
            for config in dict.fromkeys(configs):
                if best is not None and time.perf_counter() - start > case_budget:
                    break
                try:
                    err = error(config)
                    if not err < 8e-3:
                        errors[str(config)] = err
                        print(f"WRONG {config}: rel error {err:.2e}", flush=True)
                        continue
                    seconds = _bench(fused(config))
                except Exception as exc:  # a config the compiler refuses (resources)
                    print(f"skip {config}: {type(exc).__name__}: {str(exc)[:200]}", flush=True)
                    continue
                tried += 1
                print(f"  {label} rows {rows} {config}: {seconds * 1e6:.1f} us "
                      f"(bnb {bnb_s * 1e6:.1f})", flush=True)
                if seconds < best_s:
                    best, best_s = config, seconds
            if best is None:
                continue
            bucket = 1 if rows == 1 else max(16, 1 << (rows - 1).bit_length())
            tuned[f"{bucket},{n},{k}"] = best.__dict__
            faster[f"{bucket},{n},{k}"] = best_s < bnb_s
            row = {"shape": label, "rows": rows, "bnb_us": round(bnb_s * 1e6, 1),
                   "bnb_gbs": round(moved / bnb_s / 1e9), "fused_us": round(best_s * 1e6, 1),
                   "fused_gbs": round(moved / best_s / 1e9), "speedup": round(bnb_s / best_s, 2),
                   "config": best.__dict__, "configs_tried": tried, "wrong": errors,
                   "rel_error": round(error(best), 5), **resources(xs[0], weights[0], best)}
            print(row, flush=True)
            rows_out.append(row)
    return rows_out, tuned, faster


def markdown(rows: list[dict]) -> str:
    lines = ["| shape | rows | bitsandbytes µs | GB/s | fused µs | GB/s | speed-up | config "
             "| regs | spills | wgmma |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r["config"]
        lines.append(f"| {r['shape']} | {r['rows']} | {r['bnb_us']} | {r['bnb_gbs']:,} | "
                     f"{r['fused_us']} | {r['fused_gbs']:,} | {r['speedup']}x | "
                     f"n{c['block_n']} k{c['block_k']} split{c['split_k']} w{c['num_warps']} "
                     f"s{c['num_stages']} | {r['n_regs']} | {r['n_spills']} | {r['wgmma']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default=os.environ.get("MISTRAL_EVAL_7B_DIR",
                                                               "/tmp/mistral-7b-random"))
    parser.add_argument("--out", default="kernels.json")
    parser.add_argument("--rows", default="1,8,32,64")
    parser.add_argument("--tune", action="store_true", help="sweep tile configs per shape")
    parser.add_argument("--budget-s", type=float, default=240, help="stop the sweep after this")
    parser.add_argument("--kernels", default="", help="comma-separated Config.kernel values: try "
                        "only these candidates (the default config is always timed)")
    args = parser.parse_args()
    path = build_random_mistral(args.checkpoint, "7b", dtype=torch.bfloat16, device="cuda")
    lm = load_model(str(path), "nf4")
    rows, tuned, faster = measure(lm, [int(r) for r in args.rows.split(",")], args.tune,
                                  args.budget_s, tuple(k for k in args.kernels.split(",") if k))
    Path(args.out).write_text(json.dumps({"kernels": rows, "tuned": tuned, "faster": faster},
                                         indent=1))
    print()
    print(markdown(rows))
    print("\nTUNED = {" + ", ".join(
        f"({key}): Config({c['block_n']}, {c['block_k']}, {c['split_k']}, {c['num_warps']}, "
        f"{c['num_stages']}" + (f", kernel={c['kernel']!r})" if c["kernel"] != "gemv" else ")")
        for key, c in tuned.items()) + "}")
    print("FASTER = {" + ", ".join(f"({key}): {v}" for key, v in faster.items()) + "}")


def load_configs(path: str) -> int:
    """Put a sweep's winners into nf4_kernels.TUNED and FASTER; returns how many."""
    data = json.loads(Path(path).read_text())
    for key, config in data["tuned"].items():
        bucket, n, k = (int(v) for v in key.split(","))
        if "tile" in config:  # sweeps before Config.kernel
            config = dict(config, kernel="tile" if config.pop("tile") else "gemv")
        TUNED[(bucket, n, k)] = Config(**config)
        FASTER[(bucket, n, k)] = bool(data.get("faster", {}).get(key, False))
    return len(data["tuned"])


if __name__ == "__main__":
    main()
