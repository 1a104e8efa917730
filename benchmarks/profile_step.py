"""Where one decode step's time goes: the engine's step run eagerly under torch.profiler on the
full-size random NF4 model; prints kernels per step, the GPU time they sum to, and the top kernels
(the step's wall time in a CUDA graph is bench_generate.py's ms/step: the difference is the gaps
between kernels).

    python benchmarks/profile_step.py --batch 8 --out profile.json
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os

import torch

from mistral_eval import GenerationSettings, generate, load_model
from mistral_eval.engine.decode import engine_for
from mistral_eval.engine.nf4 import kernels as nf4_kernels
from mistral_eval.model.checkpoints import build_random_mistral


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=os.environ.get("MISTRAL_EVAL_7B_DIR",
                                                               "/tmp/mistral-7b-random"))
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--out", default="profile.json")
    args = parser.parse_args()
    path = build_random_mistral(args.checkpoint, "7b", dtype=torch.bfloat16, device="cuda")
    lm = load_model(str(path), "nf4")
    engine = engine_for(lm.model)
    engine.use_graphs = False
    rows = [[1] + [100 + i + j for j in range(63)] for i in range(args.batch)]
    settings = GenerationSettings(max_new_tokens=8, min_new_tokens=8)
    generate(lm, rows, settings, batch_size=args.batch, engine="fast", progress=False)
    fused_ops = None
    with contextlib.suppress(ImportError):
        from mistral_eval.engine import fused_ops
    with contextlib.ExitStack() as stack:
        stack.enter_context(torch.inference_mode())
        stack.enter_context(nf4_kernels.fused_4bit(lm.model, engine.matmul == "triton-nf4"))
        if fused_ops is not None and getattr(engine, "fused_ops", False):
            stack.enter_context(fused_ops.fused_step(lm.model))
        engine._decode_one_token()  # warm
        torch.cuda.synchronize()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            for _ in range(args.steps):
                engine._decode_one_token()
            torch.cuda.synchronize()
    kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    by_name = collections.defaultdict(lambda: [0, 0.0])
    for e in kernels:
        by_name[e.name][0] += 1
        by_name[e.name][1] += e.device_time_total
    per_step_us = sum(t for _, t in by_name.values()) / args.steps
    top = sorted(by_name.items(), key=lambda kv: -kv[1][1])[:30]
    print(f"batch {args.batch}, matmul {engine.matmul}, fused ops "
          f"{getattr(engine, 'fused_ops', None)}: {len(kernels) / args.steps:.0f} kernels per "
          f"step, {per_step_us / 1e3:.2f} ms of kernel time per step")
    print("| kernel | per step | µs per step |\n|---|---|---|")
    for name, (count, total) in top:
        print(f"| {name[:90]} | {count / args.steps:.0f} | {total / args.steps:.1f} |")
    with open(args.out, "w") as f:
        json.dump({"batch": args.batch, "matmul": engine.matmul,
                   "kernels_per_step": len(kernels) / args.steps, "kernel_ms_per_step":
                   per_step_us / 1e3, "top": [[n, c / args.steps, t / args.steps]
                                              for n, (c, t) in top]}, f, indent=1)


if __name__ == "__main__":
    main()
