"""Generation speed on one GPU, all recipes in one run on one card: (a) the article's recipe (NF4
double quant, bf16 compute, device_map="auto", t=0.1 top_p=0.95 rp=1.1, one prompt at a time),
(b) plain transformers batched, (c) mistral_eval's fast engine at batches 1, 8, 32 and 64, with
bitsandbytes' 4-bit matmul and with the fused kernels (mistral_eval.engine.nf4.kernels), and on the
suite at its natural batch. benchmarks/compare_peer.py adds llama.cpp, run in the same call.

    python benchmarks/bench_generate.py --out bench.json

Builds the full Mistral-7B shape with random weights once (speed and memory do not depend on weight
values). Synthetic rows: a 64-token prompt and 128 new tokens (min_new_tokens pinned, since random
weights may emit EOS anywhere); prefill tokens/s = batch x prompt / time of one new token, decode
tokens/s = batch x 127 / (time of 128 - time of 1). The card's copy bandwidth, measured in the same
run, gives the decode floor: every weight byte and the KV cache read once per step. Prints markdown
tables; writes JSON with the card, versions and date.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from mistral_eval import GenerationSettings, format_prompt, generate, load_model
from mistral_eval.core.settings import ARTICLE_SETTINGS
from mistral_eval.engine.decode import engine_for
from mistral_eval.engine.nf4 import kernels as nf4_kernels
from mistral_eval.model.checkpoints import build_random_mistral
from mistral_eval.model.loading import LoadedModel, prepare_tokenizer
from mistral_eval.runs.provenance import collect_versions, git_commit, gpu_name
from mistral_eval.suites.files import resolve_suite

GiB = 2**30
ARTICLE_SAMPLING = dict(do_sample=True, temperature=ARTICLE_SETTINGS.temperature,
                        top_p=ARTICLE_SETTINGS.top_p,
                        repetition_penalty=ARTICLE_SETTINGS.repetition_penalty)


def _sync_time(fn) -> float:
    torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - start


def environment() -> dict:
    """Card, driver-side CUDA, package versions, commit and date (versions as in run manifests)."""
    return {"card": gpu_name(), "capability": torch.cuda.get_device_capability(),
            "cuda": torch.version.cuda, **collect_versions(), "git_commit": git_commit(),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def copy_bandwidth(gib: float = 1.0, repeats: int = 20) -> float:
    """Device-to-device copy, bytes read + written per second."""
    src = torch.empty(int(gib * GiB), dtype=torch.uint8, device="cuda").random_()
    dst = torch.empty_like(src)
    dst.copy_(src)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeats):
        dst.copy_(src)
    end.record()
    torch.cuda.synchronize()
    seconds = start.elapsed_time(end) / 1e3 / repeats
    del src, dst
    return 2 * gib * GiB / seconds


def synthetic_rows(tokenizer, batch: int, length: int) -> list[list[int]]:
    text = ("The quick brown fox jumps over the lazy dog while the orchestra tunes its strings. "
            "東京の空は青く、川の水は静かに流れている。") * 8
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return [[tokenizer.bos_token_id] + ids[i % 7:i % 7 + length - 1] for i in range(batch)]


def decode_floor(lm, batch: int, context: int, bandwidth: float) -> float:
    """Tokens/s if a decode step only read each weight byte and the KV cache once."""
    config = lm.model.config
    embedding = lm.model.get_input_embeddings().weight
    weights = lm.info.footprint_bytes - embedding.numel() * embedding.element_size()
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    kv = batch * context * config.num_hidden_layers * 2 * config.num_key_value_heads * head_dim * 2
    return batch / ((weights + kv) / bandwidth)


def measure_speed(name: str, run, lm, batch: int, args, bandwidth: float) -> dict:
    """run(rows, max_new_tokens) generates for `rows` with min_new_tokens = max_new_tokens."""
    rows = synthetic_rows(lm.tokenizer, batch, args.prompt_tokens)
    new = args.new_tokens
    repeats = args.repeats if name.startswith("fast") else 1
    # the engine captures its graph for this shape here; the others only warm kernels up
    warm = _sync_time(lambda: run(rows, new if name.startswith("fast") else 8))
    one = statistics.median(_sync_time(lambda: run(rows, 1)) for _ in range(repeats))
    _sync_time(lambda: run(rows, new))
    torch.cuda.reset_peak_memory_stats()
    full = statistics.median(_sync_time(lambda: run(rows, new)) for _ in range(repeats))
    decode = batch * (new - 1) / (full - one)
    floor = decode_floor(lm, batch, args.prompt_tokens + new // 2, bandwidth)
    row = {"recipe": name, "batch": batch, "prefill_tok_s": round(batch * args.prompt_tokens / one),
           "decode_tok_s": round(decode, 1),
           "ms_per_step": round(1e3 * (full - one) / (new - 1), 2),
           "floor_tok_s": round(floor), "of_floor": round(decode / floor, 3),
           "peak_gib": round(torch.cuda.max_memory_allocated() / GiB, 2),
           "warmup_s": round(warm, 2), "seconds_128": round(full, 3), "repeats": repeats}
    print(row, flush=True)
    return row


def suite_prompts(lm):
    cases = resolve_suite("bilingual").cases
    prompts = [format_prompt(list(c.messages), lm.tokenizer, "mistral") for c in cases]
    settings = [GenerationSettings().replace(**c.settings) for c in cases]
    return prompts, settings


def measure_suite(name: str, lm, engine: str, batch_size: int | None, sample: int | None,
                  suite_tokens: int | None, article: bool = False) -> dict:
    """Time the bilingual suite; with `sample`, every n-th case one at a time, scaled to the suite
    by seconds per generated token (`suite_tokens` = the suite's token count from a full run)."""
    prompts, settings = suite_prompts(lm)
    if article:
        settings = [ARTICLE_SETTINGS.replace(max_new_tokens=s.max_new_tokens) for s in settings]
    if sample:
        step = len(prompts) // sample
        prompts, settings = prompts[::step][:sample], settings[::step][:sample]
    torch.cuda.reset_peak_memory_stats()
    answers = []
    seconds = _sync_time(lambda: answers.extend(
        generate(lm, prompts, settings, batch_size=batch_size, engine=engine, progress=False)))
    tokens = sum(a.answer_tokens for a in answers)
    row = {"recipe": name, "batch": max(a.batch_size for a in answers), "cases": len(prompts),
           "tokens": tokens, "seconds": round(seconds, 2), "tok_s": round(tokens / seconds, 1),
           "peak_gib": round(torch.cuda.max_memory_allocated() / GiB, 2), "estimated": bool(sample)}
    if sample and suite_tokens:
        row.update(suite_seconds=round(seconds / tokens * suite_tokens, 1),
                   suite_tokens=suite_tokens)
    else:
        row.update(suite_seconds=row["seconds"], suite_tokens=tokens)
    print(row, flush=True)
    return row


class ArticleModel:
    """The article's loading and generate call, straight through transformers."""

    def __init__(self, path: str):
        from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                   bnb_4bit_use_double_quant=True,
                                   bnb_4bit_compute_dtype=torch.bfloat16)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path, quantization_config=quant,
                                                          device_map="auto")

    def run(self, rows: list[list[int]], new: int) -> None:
        for row in rows:  # one prompt at a time
            ids = torch.tensor([row], device=self.model.device)
            self.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                max_new_tokens=new, min_new_tokens=new,
                                pad_token_id=self.tokenizer.eos_token_id, **ARTICLE_SAMPLING)

    def loaded(self, info) -> LoadedModel:
        """As a LoadedModel, so the suite runs through the plain path with the article's model."""
        info = dataclasses.replace(info, footprint_bytes=int(self.model.get_memory_footprint()))
        return LoadedModel(model=self.model, tokenizer=prepare_tokenizer(self.tokenizer), info=info)


def bench_fast(lm, args, bandwidth: float, result: dict) -> None:
    """The engine at each batch size, once per 4-bit matmul path (bitsandbytes' kernels, then
    the fused ones); the suite runs on the last path only."""
    def fast(rows, new):
        generate(lm, rows, GenerationSettings(max_new_tokens=new, min_new_tokens=new),
                 batch_size=len(rows), engine="fast", progress=False)

    engine = engine_for(lm.model)
    paths = args.matmul.replace("both", "bitsandbytes,triton-nf4").split(",")
    for path in paths:
        engine.release()
        # the engine's choice, and which cases the fused kernels take (0 none, 1 all, auto: FASTER)
        os.environ[nf4_kernels.OPT_IN_ENV] = {"bitsandbytes": "0", "triton-nf4": "1"}.get(path, path)
        engine.matmul = nf4_kernels.matmul_path(lm.model)
        for batch in (int(b) for b in args.batches.split(",")):
            result["speed"].append(measure_speed(f"fast engine ({path})", fast, lm, batch, args,
                                                 bandwidth))
            save(result, args.out)  # after every row: a timeout keeps what was measured
    if "suite" in args.skip:  # the suite's prompt format needs mistral-common installed
        return
    result["suite"].append(measure_suite(f"fast engine ({paths[-1]}), natural batch", lm, "fast",
                                         None, None, None))
    result["captured"] = engine.captured
    result["suite"].append(measure_suite(f"fast engine ({paths[-1]}), one at a time", lm, "fast",
                                         1, args.single_cases or None, _suite_tokens(result)))


def bench_plain(lm, args, bandwidth: float, result: dict) -> None:
    def plain(rows, new):
        generate(lm, rows, GenerationSettings(max_new_tokens=new, min_new_tokens=new),
                 batch_size=len(rows), engine="plain", progress=False)

    for batch in (1, args.batch):
        result["speed"].append(measure_speed("plain transformers", plain, lm, batch, args,
                                             bandwidth))
    result["suite"].append(measure_suite("plain transformers", lm, "plain", 32, None,
                                         _suite_tokens(result)))


def bench_article(path: str, info, args, bandwidth: float, result: dict) -> None:
    article = ArticleModel(path)
    lm = article.loaded(info)
    result["speed"].insert(0, measure_speed("article recipe", article.run, lm, 1, args, bandwidth))
    result["suite"].insert(0, measure_suite("article recipe, one at a time", lm, "plain", 1,
                                            args.article_cases or None, _suite_tokens(result),
                                            article=True))
    free(lm)


def _suite_tokens(result: dict) -> int | None:
    """Tokens of the whole suite, from the first whole-suite run; scales the sampled runs."""
    return next((r["suite_tokens"] for r in result["suite"] if not r["estimated"]), None)


def save(result: dict, path: str) -> None:
    Path(path).write_text(json.dumps(result, indent=1, ensure_ascii=False))


def free(lm) -> None:
    lm.model = None
    gc.collect()
    torch.cuda.empty_cache()


def markdown(result: dict) -> str:
    env, lines = result["environment"], []
    lines.append(f"{env['card']}, torch {env['torch']} (CUDA {env['cuda']}), transformers "
                 f"{env['transformers']}, bitsandbytes {env['bitsandbytes']}, {env['date']}; "
                 f"copy bandwidth {result['copy_bandwidth_gbs']:.0f} GB/s")
    lines += ["", f"Synthetic: {result['args']['prompt_tokens']}-token prompt, "
              f"{result['args']['new_tokens']} new tokens, NF4", "",
              "| recipe | batch | decode tok/s | ms/step | of floor | prefill tok/s | peak GiB "
              "| warm-up s |", "|---|---|---|---|---|---|---|---|"]
    for r in result["speed"]:
        lines.append(f"| {r['recipe']} | {r['batch']} | {r['decode_tok_s']:,.1f} | "
                     f"{r['ms_per_step']} | {r['of_floor']:.1%} | {r['prefill_tok_s']:,} | "
                     f"{r['peak_gib']} | {r['warmup_s']} |")
    article = next((r["suite_seconds"] for r in result["suite"]
                    if r["recipe"].startswith("article")), None)
    lines += ["", "Bilingual suite (64 cases), NF4", "",
              "| recipe | batch | suite s | tokens | tok/s | vs article | peak GiB | how |",
              "|---|---|---|---|---|---|---|---|"]
    for r in result["suite"]:
        how = (f"{r['cases']} cases measured, scaled by s/token" if r["estimated"]
               else "whole suite measured")
        speedup = f"{article / r['suite_seconds']:.1f}x" if article else "-"
        lines.append(f"| {r['recipe']} | {r['batch']} | {r['suite_seconds']} | "
                     f"{r['suite_tokens']} | {r['tok_s']} | {speedup} | {r['peak_gib']} | {how} |")
    return "\n".join(lines)


def count_compiles() -> list[dict]:
    """Every Triton compile call of this process from now on (the JIT calls triton.compiler.compile
    on an in-memory miss; a call under 0.1 s was an on-disk cache hit): kernel name and seconds."""
    import triton.compiler

    calls: list[dict] = []
    compile_before = triton.compiler.compile

    def timed(src, *args, **kwargs):
        began = time.perf_counter()
        try:
            return compile_before(src, *args, **kwargs)
        finally:
            calls.append({"kernel": getattr(getattr(src, "fn", None), "__name__", str(src)),
                          "s": round(time.perf_counter() - began, 3)})

    triton.compiler.compile = timed
    return calls


def _compiled(calls: list[dict]) -> dict:
    built = [c for c in calls if c["s"] >= 0.1]
    return {"jit_misses": len(calls), "compiled": len(built),
            "compile_s": round(sum(c["s"] for c in built), 2),
            "compiled_kernels": [f"{c['kernel']} {c['s']}" for c in built]}


def suite_once(path: str) -> None:
    """One fresh process's start: load (the kernels' warm-up starts inside, engine.warmup), then
    the suite at its natural batch (compiles and graph captures included); prints one JSON line
    with the compiles that happened during the suite and the warm-up workers' own times."""
    from mistral_eval.engine import warmup

    calls = count_compiles()
    start = time.perf_counter()
    lm = load_model(path, "nf4")
    loaded = time.perf_counter() - start
    load_calls = len(calls)
    ahead = warmup.LAST[-1] if warmup.LAST else None
    done_at_suite = ahead.done() if ahead else None
    row = measure_suite("fast engine, natural batch", lm, "fast", None, None, None)
    during = _compiled(calls[load_calls:])
    waited = time.perf_counter()
    while ahead and not ahead.done() and time.perf_counter() - waited < 90:
        time.sleep(0.2)  # let the workers finish, so the next run starts clean
    reports = ahead.reports() if ahead else []
    print(json.dumps({
        "load_s": round(loaded, 2), "suite_s": row["seconds"], "tokens": row["tokens"],
        "tok_s": row["tok_s"], **during,
        "warmup": "off or marker" if ahead is None else {
            "workers": len(ahead.processes), "done_at_suite_start": done_at_suite,
            "reported": len(reports),
            "since_spawn_s": max((r["since_spawn_s"] for r in reports), default=None),
            "compile_s": [r["seconds"] for r in reports],
            "errors": [ln for r in reports for ln in r["launches"] if ln["error"]][:4],
            "launches": sum(len(r["launches"]) for r in reports)},
        "captures": engine_for(lm.model).captures,
        "prefill_captures": engine_for(lm.model).prefill_captures,
        "capture_s": round(engine_for(lm.model).capture_seconds, 2),
        "matmul": engine_for(lm.model).matmul,
        "fused_ops": engine_for(lm.model).fused_ops}), flush=True)


def cold_start(args) -> None:
    """The bilingual suite in fresh processes: with an empty TRITON_CACHE_DIR (a new Colab session
    or a fresh machine) and the kernels compiled ahead during the load (engine.warmup, the
    default), then with the cache it filled (every later session), then with another empty
    cache and MISTRAL_EVAL_WARMUP=0 (the cold start before the warm-up)."""
    import subprocess
    import sys
    import tempfile

    path = str(build_random_mistral(args.checkpoint, "7b", dtype=torch.bfloat16, device="cuda"))
    result = {"environment": environment(), "cold_start": []}
    cache = tempfile.mkdtemp(prefix="triton-cache-")
    runs = (("cold", cache, "auto"), ("warm", cache, "auto"),
            ("cold, no warm-up", tempfile.mkdtemp(prefix="triton-cache-"), "0"))
    for run, folder, mode in runs:
        env = {**os.environ, "TRITON_CACHE_DIR": folder, "MISTRAL_EVAL_WARMUP": mode}
        start = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--suite-once", "--checkpoint", path],
                              env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{\"load_s\"")]
        if done.returncode or not lines:
            print(done.stdout[-2000:], done.stderr[-4000:])
            raise SystemExit(f"{run} run failed ({done.returncode})")
        row = {"run": run, "process_s": round(wall, 2), **json.loads(lines[-1])}
        result["cold_start"].append(row)
        print(row, flush=True)
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print("\n| start | Triton cache | suite s (compiles + captures + generation) | kernels compiled "
          "in the suite (s) | warm-up: workers, s from spawn, compile s each | model load s | "
          "process s | tokens | graph captures (s) |\n|---|---|---|---|---|---|---|---|---|")
    for r in result["cold_start"]:
        w = r["warmup"]
        ahead = w if isinstance(w, str) else (f"{w['workers']}, {w['since_spawn_s']}, "
                                              f"{w['compile_s']}, done at suite: "
                                              f"{w['done_at_suite_start']}")
        print(f"| {r['run']} | {'filled' if r['run'] == 'warm' else 'empty'} | {r['suite_s']} | "
              f"{r['compiled']} ({r['compile_s']}) | {ahead} | {r['load_s']} | {r['process_s']} "
              f"| {r['tokens']} | {r['captures']} + {r['prefill_captures']} ({r['capture_s']}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default=os.environ.get("MISTRAL_EVAL_7B_DIR",
                                                               "/tmp/mistral-7b-random"))
    parser.add_argument("--out", default="bench.json", help="JSON file to write")
    parser.add_argument("--prompt-tokens", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the fast rows")
    parser.add_argument("--article-cases", type=int, default=3,
                        help="suite cases the article's recipe runs (0 = the whole suite)")
    parser.add_argument("--single-cases", type=int, default=8,
                        help="suite cases the engine runs one at a time (0 = the whole suite)")
    parser.add_argument("--skip", default="", help="comma-separated: article, plain, fast, suite")
    parser.add_argument("--batches", default="1,8,32,64", help="batch sizes of the fast rows")
    parser.add_argument("--matmul", default="bitsandbytes,auto",
                        help="4-bit matmuls of the fast rows, comma-separated: bitsandbytes, "
                             "triton-nf4 (fused everywhere), auto (fused where FASTER says); "
                             "both = bitsandbytes,triton-nf4; default: bitsandbytes,auto")
    parser.add_argument("--configs", help="kernel configs from bench_nf4_kernels.py --tune")
    parser.add_argument("--cold-start", action="store_true",
                        help="only the cold/warm start rows: the suite in fresh processes, first "
                             "with an empty Triton cache, then with the cache it filled")
    parser.add_argument("--suite-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if args.suite_once:
        return suite_once(args.checkpoint)
    if args.cold_start:
        return cold_start(args)

    path = str(build_random_mistral(args.checkpoint, "7b", dtype=torch.bfloat16, device="cuda"))
    result = {"environment": environment(), "args": vars(args), "speed": [], "suite": [],
              "copy_bandwidth_gbs": copy_bandwidth() / 1e9}
    bandwidth = result["copy_bandwidth_gbs"] * 1e9
    print(result, flush=True)
    out = Path(args.out)
    if args.configs:
        from bench_nf4_kernels import load_configs  # beside this script

        result["configs_loaded"] = load_configs(args.configs)
    lm = load_model(path, "nf4")
    result["model"] = lm.info.as_dict()
    for name, bench in (("fast", bench_fast), ("plain", bench_plain)):
        if name not in skip:
            try:
                bench(lm, args, bandwidth, result)
            finally:  # keep what was measured when a later row fails or the run is cut off
                out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    info = lm.info
    free(lm)
    if "article" not in skip:
        try:
            bench_article(path, info, args, bandwidth, result)
        finally:
            out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print()
    print(markdown(result))


if __name__ == "__main__":
    main()
