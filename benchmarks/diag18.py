"""Issue 18 diagnosis on the GPU (one call): which fused op or kernel is wrong on left-padded long
prompts, and what the judge's runs compile or raise under each switch setting.

    python3 benchmarks/diag18.py ops          # engine prefill/decode logits vs reference, per-op checks
    python3 benchmarks/diag18.py judge        # the GPU judge test's work, with compile log and errors

Prints compile events (kernel, seconds) from a wrapper around triton.compiler.compile.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import time
from pathlib import Path

import torch

T0 = time.perf_counter()


def log(*args):
    print(f"[{time.perf_counter() - T0:7.1f}s]", *args, flush=True)


def compile_log():
    import triton
    import triton.compiler as tc

    original = tc.compile

    def compile(src, *args, **kwargs):
        start = time.perf_counter()
        name = getattr(getattr(src, "fn", None), "__name__", type(src).__name__)
        consts = getattr(src, "constants", None)
        log(f"COMPILE start {name} {str(consts)[:160]}")
        try:
            return original(src, *args, **kwargs)
        finally:
            log(f"COMPILE done {name} {time.perf_counter() - start:.1f}s")

    tc.compile = compile
    if hasattr(tc, "compiler"):
        tc.compiler.compile = compile
    log("triton", triton.__version__)


def ulps(a, b):
    def ordered(t):
        bits = t.contiguous().view(torch.int16).int()
        return torch.where(bits < 0, -(bits & 0x7FFF), bits)
    return (ordered(a) - ordered(b)).abs()


def op_checks():

    from mistral_eval.engine import fused_ops

    worst = {}

    def note(name, d, info):
        n, best = worst.get(name, (0, (-1, "")))
        worst[name] = (n + 1, max(best, (d, info), key=lambda t: t[0]))

    rms, silu, rot = fused_ops.rms_norm, fused_ops.silu_mul, fused_ops.rotary

    def rms_norm(x, w, eps):
        out = rms(x, w, eps)
        xf = x.float()
        ref = w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)
        u = ulps(out, ref.to(out.dtype))
        note("rms_norm", int(u.max()), f"{tuple(x.shape)} {x.stride()} rows>1ulp "
             f"{int((u.reshape(-1, x.shape[-1]).amax(-1) > 1).sum())}")
        return out

    def silu_mul(g, u_):
        out = silu(g, u_)
        ref = torch.nn.functional.silu(g) * u_
        u = ulps(out, ref)
        note("silu_mul", int(u.max()), f"{tuple(g.shape)} {g.stride()}")
        return out

    def rotary(q, k, cos, sin):
        qo, ko = rot(q, k, cos, sin)
        qr, kr = _rope(q, k, cos, sin)
        uq, uk = ulps(qo, qr), ulps(ko, kr)
        per_b = [int(max(uq[b].max(), uk[b].max())) for b in range(q.shape[0])]
        note("rotary", max(per_b), f"q{tuple(q.shape)} {q.stride()} k{k.stride()} cos{tuple(cos.shape)}"
             f" {cos.stride()} per-batch-row max ulps {per_b[:8]}")
        return qo, ko

    fused_ops.rms_norm, fused_ops.silu_mul, fused_ops.rotary = rms_norm, silu_mul, rotary
    return worst


def _rope(q, k, cos, sin):
    def rot_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), -1)
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return q * cos + rot_half(q) * sin, k * cos + rot_half(k) * sin


def load():
    from mistral_eval.model.checkpoints import build_random_mistral
    from mistral_eval.model.loading import load_model

    if os.environ.get("DIAG_TINY"):  # a CPU smoke test of this script
        path = build_random_mistral("/tmp/diag-tiny", "tiny")
        return load_model(str(path), "bf16")
    path = build_random_mistral(os.environ.get("MISTRAL_EVAL_7B_DIR", "/tmp/m7b"), "7b",
                                dtype=torch.bfloat16, device="cuda")
    log("checkpoint", path)
    lm = load_model(str(path), "nf4")
    log("loaded", lm.info)
    return lm


def ops():
    compile_log()
    worst = op_checks()
    lm = load()
    model = lm.model
    from mistral_eval.core.settings import GenerationSettings
    from mistral_eval.engine.decode import Engine

    g = torch.Generator().manual_seed(0)
    lengths = [int(v) for v in os.environ.get("LENGTHS", "1500,900,400,100").split(",")]
    rows = [[1] + torch.randint(3, 32000, (n - 1,), generator=g).tolist() for n in lengths]
    settings = GenerationSettings(max_new_tokens=3, min_new_tokens=3, do_sample=False)
    for fused_env, nf4_env in (("0", "0"), ("1", "0"), ("0", "auto"), ("1", "auto")):
        os.environ["MISTRAL_EVAL_FUSED_OPS"], os.environ["MISTRAL_EVAL_NF4_KERNELS"] = fused_env, nf4_env
        worst.clear()
        engine = Engine(model)
        got = []
        advance = engine._advance
        engine._advance = lambda logits, got=got, advance=advance: (got.append(logits.clone()), advance(logits))[1]
        start = time.perf_counter()
        out = engine.generate(rows, settings, pad_id=0, eos_ids=[2])
        log(f"fused_ops={fused_env} nf4={nf4_env} matmul={engine.matmul} fused={engine.fused_ops}"
            f" generate {time.perf_counter() - start:.1f}s")
        with torch.inference_mode():
            for i, row in enumerate(rows):
                ids = torch.tensor([row + out[i][:2]], device=model.device)
                ref = model(ids).logits[0, len(row) - 1:].float()  # [3, V]
                for step in range(3):
                    r, o = ref[step], got[step][i]
                    d = (o - r).abs().max() / r.std()
                    kl = torch.nn.functional.kl_div(o.log_softmax(-1), r.log_softmax(-1),
                                                    log_target=True, reduction="sum")
                    log(f"  row {i} len {len(row)} step {step}: max|d|/std {float(d):.3f} "
                        f"KL {float(kl):.2e} argmax {int(o.argmax()) == int(r.argmax())}")
        for name, (n, (d, info)) in worst.items():
            log(f"  op {name}: {n} calls, worst {d} ulps at {info}")
        del engine
        torch.cuda.empty_cache()


def judge():
    faulthandler.dump_traceback_later(int(os.environ.get("DUMP_S", "60")), exit=True)
    compile_log()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from builders import ANSWERS, SUITE, write_run

    from mistral_eval.core.settings import GenerationSettings
    from mistral_eval.judge.grading import judge_pairwise, judge_run
    from mistral_eval.model import generation
    from mistral_eval.runs.judgments import JudgmentStore

    lm = load()
    before = generation._generate_batch

    def generate_batch(lm, rows, settings, engine="plain"):
        start = time.perf_counter()
        log(f"generate {engine} rows {[len(r) for r in rows]}")
        try:
            return before(lm, rows, settings, engine)
        except Exception as exc:
            import traceback
            log("RAISED", type(exc).__name__, str(exc)[:500])
            traceback.print_exc()
            raise
        finally:
            log(f"generate done {time.perf_counter() - start:.1f}s")

    generation._generate_batch = generate_batch
    tmp = Path("/tmp/judge18") / os.environ.get("MISTRAL_EVAL_FUSED_OPS", "") / os.environ.get(
        "MISTRAL_EVAL_NF4_KERNELS", "")
    tmp.mkdir(parents=True, exist_ok=True)
    suite_file = tmp / "judged.yaml"
    suite_file.write_text(SUITE, encoding="utf-8")
    run = write_run(tmp / "run", suite_file, ANSWERS)
    settings = GenerationSettings(max_new_tokens=64)
    for rubric in ("elyza", "mtbench"):
        summary = judge_run(lm, run, rubric=rubric, settings=settings, batch_size=4)
        for j in JudgmentStore.read(summary.out).records():
            log(f"  {rubric} {j.key} status {j.status} grade {j.grade} error {j.error} "
                f"dist {list(j.distribution.values())[:4]}")
    other = write_run(tmp / "other", suite_file, {**ANSWERS, "sum": "It is 6."})
    summary = judge_pairwise(lm, [run, other], tmp / "pairs", settings=settings)
    for j in JudgmentStore.read(summary.out).records():
        log(f"  pair {j.key} verdict {j.verdict} error {j.error}")
    log("JUDGE DONE")


if __name__ == "__main__":
    {"ops": ops, "judge": judge}[sys.argv[1]]()
