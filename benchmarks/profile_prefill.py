"""Where the time of one 64-token prompt's prefill goes (bench_generate's "prefill tok/s": a call
with max_new_tokens=1), on the full-size random NF4 model, per 4-bit matmul path (auto and
bitsandbytes): the call's wall time split into host phases (the forward swaps entered per call,
with their plans cached as since step 11 and rebuilt as before), the captured prefill graph's time,
and a torch.profiler trace of one call (top kernels, kernel time against wall time, host gaps
between kernels and the host ops before the largest ones).

    python benchmarks/profile_prefill.py --out prefill.json

Knows the engine's internals it times (Engine.generate's contexts, its prefill graphs); changes
nothing in them.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import time

import torch

from mistral_eval import GenerationSettings, generate, load_model
from mistral_eval.engine import fused_ops
from mistral_eval.engine.decode import engine_for
from mistral_eval.engine.nf4 import groups as nf4_groups, kernels as nf4_kernels
from mistral_eval.model.checkpoints import build_random_mistral


def _wall(fn, repeats: int) -> float:
    """Median seconds of fn() between two device synchronizations."""
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _contexts(engine, model):
    """Enter and leave what Engine.generate enters around every call (host work only)."""
    fused = engine.matmul == "triton-nf4"
    with (torch.inference_mode(), nf4_kernels.fused_4bit(model, fused),
          fused_ops.fused_step(model, engine.fused_ops),
          nf4_groups.grouped_projections(model, fused)):
        pass


def _kernel_trace(call) -> dict:
    """One call under torch.profiler: kernels sorted by start, their time, the gaps between them."""
    activities = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=activities) as prof:
        call()
        torch.cuda.synchronize()
    events = prof.events()
    kernels = sorted((e for e in events if e.device_type == torch.autograd.DeviceType.CUDA),
                     key=lambda e: e.time_range.start)
    host = sorted((e for e in events if e.device_type == torch.autograd.DeviceType.CPU),
                  key=lambda e: e.time_range.start)
    if not kernels:
        return {"kernels": 0}
    by_name = collections.defaultdict(lambda: [0, 0.0])
    for e in kernels:
        by_name[e.name][0] += 1
        by_name[e.name][1] += e.time_range.elapsed_us()
    gaps = []
    for before, after in zip(kernels, kernels[1:]):
        gap = after.time_range.start - before.time_range.end
        if gap > 0:
            gaps.append((gap, before.time_range.end, after.name))
    first_host = host[0].time_range.start if host else kernels[0].time_range.start
    last = max(e.time_range.end for e in kernels)
    largest = sorted(gaps, reverse=True)[:8]

    def host_before(t):  # the innermost host op running when the GPU went idle
        running = [e for e in host if e.time_range.start <= t <= e.time_range.end]
        return min(running, key=lambda e: e.time_range.elapsed_us()).name if running else "?"

    return {
        "kernels": len(kernels),
        "kernel_us": round(sum(t for _, t in by_name.values()), 1),
        "span_us": round(last - kernels[0].time_range.start, 1),
        "host_lead_us": round(kernels[0].time_range.start - first_host, 1),
        "wall_us": round(last - first_host, 1),
        "gaps_over_5us": sum(1 for g, _, _ in gaps if g > 5),
        "gap_us": round(sum(g for g, _, _ in gaps), 1),
        "largest_gaps": [[round(g, 1), after[:60], host_before(t)[:60]] for g, t, after in largest],
        "top": [[name[:90], count, round(total, 1)] for name, (count, total) in
                sorted(by_name.items(), key=lambda kv: -kv[1][1])[:15]],
        "host_top": [[e.key[:60], e.count, round(e.self_cpu_time_total, 1)] for e in
                     sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:12]],
    }


def profile_mode(lm, mode: str, tokens: int, repeats: int) -> dict:
    os.environ[nf4_kernels.OPT_IN_ENV] = mode
    engine = engine_for(lm.model)
    engine.release()
    engine.matmul = nf4_kernels.matmul_path(lm.model)
    rows = [[1] + [100 + j for j in range(tokens - 1)]]
    settings = GenerationSettings(max_new_tokens=1, min_new_tokens=1)
    eos = [lm.tokenizer.eos_token_id]
    pad = lm.tokenizer.pad_token_id if lm.tokenizer.pad_token_id is not None else eos[0]

    def pipeline_call():
        generate(lm, rows, settings, batch_size=1, engine="fast", progress=False)

    def engine_call():
        engine.generate(rows, settings, pad_id=pad, eos_ids=eos)

    captures = engine.prefill_captures
    first = _wall(engine_call, 1)  # eager prefill + capture of this width's graph
    out = {"mode": mode, "matmul": engine.matmul, "fused_ops": engine.fused_ops,
           "first_call_ms": round(first * 1e3, 2),
           "prefill_captures": engine.prefill_captures - captures}
    out["pipeline_call_ms"] = round(_wall(pipeline_call, repeats) * 1e3, 2)
    out["engine_call_ms"] = round(_wall(engine_call, repeats) * 1e3, 2)
    start = time.perf_counter()
    for _ in range(repeats):
        _contexts(engine, lm.model)
    out["contexts_ms"] = round((time.perf_counter() - start) / repeats * 1e3, 2)
    start = time.perf_counter()
    for _ in range(repeats):  # as before step 11: the swap plans rebuilt on every call
        nf4_kernels._SWITCH_PLANS.clear()
        fused_ops._TARGETS.clear()
        _contexts(engine, lm.model)
    out["contexts_replanned_ms"] = round((time.perf_counter() - start) / repeats * 1e3, 2)
    prompt = next(reversed(engine._current_prefills.widths.values()), None)
    if prompt is not None and prompt.graph is not None:
        out["graph_replay_ms"] = round(_wall(prompt.graph.replay, repeats) * 1e3, 2)
    out["prefill_tok_s"] = round(tokens / (out["pipeline_call_ms"] / 1e3))
    out["trace"] = _kernel_trace(engine_call)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=os.environ.get("MISTRAL_EVAL_7B_DIR",
                                                               "/tmp/mistral-7b-random"))
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--modes", default="auto,0", help="MISTRAL_EVAL_NF4_KERNELS values")
    parser.add_argument("--out", default="prefill.json")
    args = parser.parse_args()
    path = build_random_mistral(args.checkpoint, "7b", dtype=torch.bfloat16, device="cuda")
    lm = load_model(str(path), "nf4")
    results = []
    for mode in args.modes.split(","):
        result = profile_mode(lm, mode, args.tokens, args.repeats)
        trace = result.pop("trace")
        print(f"\n== {mode}: {json.dumps(result)}")
        print(f"trace: {trace.get('kernels')} kernels, {trace.get('kernel_us')} us of kernels in a "
              f"{trace.get('span_us')} us span; host lead {trace.get('host_lead_us')} us before the "
              f"first kernel; {trace.get('gaps_over_5us')} gaps > 5 us, {trace.get('gap_us')} us idle")
        for gap, after, host in trace.get("largest_gaps", []):
            print(f"  gap {gap} us before {after} (host in {host})")
        print("| kernel | count | us |\n|---|---|---|")
        for name, count, total in trace.get("top", []):
            print(f"| {name} | {count} | {total} |")
        print("host ops by self time (us):", trace.get("host_top"))
        results.append({**result, "trace": trace})
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
