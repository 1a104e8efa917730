"""The full Mistral-7B shape (random weights) on the GPU: loading presets, the bilingual suite end
to end, and greedy answers that do not depend on batching or on the generation engine.

Random weights give near-uniform logits (the top two of 32,000 are ~0.2 standard deviations apart),
so two correct but numerically different paths (bitsandbytes' batch-1 gemv against its batched
dequantize + GEMM, another bf16 rounding order) flip near-ties and then run apart. So every token
of every answer is checked against a reference forward pass of the whole sequence: it must be the
reference's argmax up to bf16 noise (within TIE standard deviations of the logits). A bug (wrong
position, mask or cache slot) picks tokens several standard deviations below the argmax. Identical
answers are counted and printed.
"""

from __future__ import annotations

import gc
import time

import pytest
import torch

from mistral_eval import GenerationSettings, format_prompt, generate, load_model
from mistral_eval.engine.decode import engine_for
from mistral_eval.runs.store import RunStore
from mistral_eval.suites.files import resolve_suite

pytestmark = pytest.mark.gpu

GiB = 2**30
LINEARS_PER_LAYER = 7  # q, k, v, o, gate, up, down
TIE = 0.5  # bf16 noise, in standard deviations of the logits (first run: at most 0.27)


def free(lm) -> None:
    """Give a loaded model's GPU memory back before the next one loads."""
    lm.model = None
    gc.collect()
    torch.cuda.empty_cache()


def _prompts(lm, count: int = 8):
    cases = resolve_suite("bilingual").cases
    return [format_prompt(list(c.messages), lm.tokenizer, "mistral")
            for c in cases[::len(cases) // count][:count]]


def _full_ids(answer, eos: int) -> list[int]:
    return list(answer.token_ids) + ([eos] if answer.finish_reason == "eos" else [])


def _greedy_gap(lm, prompt, answer) -> float:
    """Largest (argmax logit - chosen logit) / std over the answer, teacher-forced at once."""
    chosen = _full_ids(answer, lm.tokenizer.eos_token_id)
    ids = torch.tensor([list(prompt.ids) + chosen], device=lm.device)
    with torch.inference_mode():
        logits = lm.model(ids).logits[0, len(prompt.ids) - 1:-1].float()  # [answer, vocab]
    picked = logits.gather(1, torch.tensor(chosen, device=lm.device)[:, None])[:, 0]
    return float(((logits.max(-1).values - picked) / logits.std(-1)).max())


def _assert_greedy_and_count(lm, prompts, answers, others, what: str) -> None:
    """Both sets of answers are greedy under the reference; print how many are identical."""
    eos = lm.tokenizer.eos_token_id
    first = [next((i for i, (s, t) in enumerate(zip(_full_ids(a, eos), _full_ids(b, eos)))
                   if s != t), None) for a, b in zip(answers, others)]
    gaps = [round(_greedy_gap(lm, p, a), 3) for p, a in zip(prompts + prompts, answers + others)]
    print(f"\n{what}: {first.count(None)}/{len(prompts)} identical; first differences at tokens "
          f"{[k for k in first if k is not None]}; largest gap to the reference argmax per answer "
          f"(logit std): {gaps}")
    assert max(gaps) < TIE, gaps


def test_nf4_has_4bit_layers_and_a_3_9_gib_footprint(nf4):
    import bitsandbytes as bnb

    layers = nf4.model.config.num_hidden_layers
    four_bit = [m for m in nf4.model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(four_bit) == layers * LINEARS_PER_LAYER
    assert all(m.weight.quant_type == "nf4" and m.weight.quant_state.nested for m in four_bit)
    assert {m.compute_dtype for m in four_bit} == {torch.bfloat16}
    assert not isinstance(nf4.model.lm_head, bnb.nn.Linear4bit)
    footprint = nf4.info.footprint_bytes / GiB
    print(f"\nnf4: {nf4.info}; allocated {nf4.allocated_at_load / GiB:.2f} GiB at load, "
          f"{torch.cuda.memory_allocated() / GiB:.2f} GiB now")
    assert 3.7 < footprint < 4.1
    assert nf4.allocated_at_load / GiB < 4.5


def test_int8_has_8bit_layers(full_size_dir):
    import bitsandbytes as bnb

    lm = load_model(full_size_dir, "int8")
    try:
        eight_bit = [m for m in lm.model.modules() if isinstance(m, bnb.nn.Linear8bitLt)]
        assert len(eight_bit) == lm.model.config.num_hidden_layers * LINEARS_PER_LAYER
        print(f"\nint8: {lm.info}")
        assert 6.8 < lm.info.footprint_bytes / GiB < 7.3
        [answer] = generate(lm, _prompts(lm, 1), GenerationSettings(max_new_tokens=8,
                                                                      min_new_tokens=8),
                            progress=False)  # 'auto' keeps int8 on the plain path
        assert answer.answer_tokens == 8
    finally:
        free(lm)


def test_bf16_footprint_and_fast_equals_plain(full_size_dir):
    lm = load_model(full_size_dir, "bf16")
    try:
        print(f"\nbf16: {lm.info}")
        assert 13.3 < lm.info.footprint_bytes / GiB < 13.7
        prompts, settings = _prompts(lm, 4), GenerationSettings(max_new_tokens=24)
        fast = generate(lm, prompts, settings, engine="fast", progress=False)
        plain = generate(lm, prompts, settings, engine="plain", progress=False)
        _assert_greedy_and_count(lm, prompts, fast, plain, "bf16 fast vs plain, batch 4")
    finally:
        free(lm)


def test_bilingual_suite_end_to_end(nf4, tmp_path):
    from mistral_eval.runs.runner import run

    suite = resolve_suite("bilingual")
    start = time.perf_counter()
    summary = run(nf4, [suite], tmp_path / "run", progress=False)
    seconds = time.perf_counter() - start
    records = RunStore.read(tmp_path / "run").records()
    tokens = sum(r.answer_tokens for r in records)
    print(f"\nbilingual: {len(records)} cases, {tokens} tokens in {seconds:.1f} s "
          f"({tokens / seconds:.0f} tokens/s), graphs: {engine_for(nf4.model).captured}, "
          f"peak {torch.cuda.max_memory_allocated() / GiB:.2f} GiB")
    assert summary.ran == len(suite.cases) == len(records) == len({r.key for r in records})
    assert all(r.finish_reason in ("eos", "length") for r in records)
    assert engine_for(nf4.model).calls > 0  # 'auto' chose the fast engine on the GPU
    assert engine_for(nf4.model).captured


def test_greedy_answers_same_alone_and_batched(nf4):
    prompts, settings = _prompts(nf4), GenerationSettings(max_new_tokens=32)
    batched = generate(nf4, prompts, settings, batch_size=len(prompts), progress=False)
    alone = [generate(nf4, [p], settings, progress=False)[0] for p in prompts]
    assert {a.batch_size for a in batched} == {len(prompts)}
    _assert_greedy_and_count(nf4, prompts, batched, alone, "nf4 fast, batch 8 vs alone")


def test_fast_greedy_equals_plain(nf4):
    prompts, settings = _prompts(nf4), GenerationSettings(max_new_tokens=32)
    fast = generate(nf4, prompts, settings, batch_size=len(prompts), engine="fast", progress=False)
    plain = generate(nf4, prompts, settings, batch_size=len(prompts), engine="plain",
                     progress=False)
    _assert_greedy_and_count(nf4, prompts, fast, plain, "nf4 fast vs plain, batch 8")
    fast1 = [generate(nf4, [p], settings, engine="fast", progress=False)[0] for p in prompts[:3]]
    plain1 = [generate(nf4, [p], settings, engine="plain", progress=False)[0] for p in prompts[:3]]
    _assert_greedy_and_count(nf4, prompts[:3], fast1, plain1, "nf4 fast vs plain, alone")
    # for scale: transformers itself, batch 8 against alone
    _assert_greedy_and_count(nf4, prompts[:3], plain[:3], plain1, "nf4 plain, batch 8 vs alone")


def test_sampling_is_reproducible_by_seed_on_the_gpu(nf4):
    prompts = _prompts(nf4, 4)
    settings = GenerationSettings(max_new_tokens=24, do_sample=True, temperature=0.7, top_p=0.95,
                                  repetition_penalty=1.1, seed=3)
    first = generate(nf4, prompts, settings, engine="fast", progress=False)
    again = generate(nf4, prompts, settings, engine="fast", progress=False)
    assert [a.token_ids for a in first] == [a.token_ids for a in again]


def test_one_prompt_at_a_time_replays_kept_graphs(nf4):
    """A notebook sending prompts one by one with two prompt lengths captures each shape once, then
    replays: 6 calls, 2 captures, and the later calls run at decode speed."""
    engine = engine_for(nf4.model)
    engine.release()  # start with no kept shape
    short, long = _prompts(nf4, 2)[0], format_prompt([{"role": "user", "content": "word " * 150}],
                                                     nf4.tokenizer, "mistral")
    settings = GenerationSettings(max_new_tokens=32, min_new_tokens=32)
    before = engine.captures
    seconds = []
    for prompt in (short, long) * 3:
        start = time.perf_counter()
        generate(nf4, [prompt], settings, engine="fast")
        seconds.append(time.perf_counter() - start)
    print(f"\none at a time: {[round(s, 3) for s in seconds]} s per call; "
          f"{engine.captures - before} capture(s)")
    assert engine.captures - before == 2
    assert max(seconds[2:]) < min(seconds[:2])  # no capture in the later calls


def test_one_prompt_sent_again_replays_its_prefill(nf4):
    """A prompt sent 3 times captures its prefill once (with the decode step, in the first call);
    the later calls replay both, pick the first call's tokens, and prefill faster than eagerly."""
    engine = engine_for(nf4.model)
    engine.release()
    [prompt] = _prompts(nf4, 1)
    settings = GenerationSettings(max_new_tokens=16, min_new_tokens=16)
    before = engine.prefill_captures
    answers, seconds = [], []
    for _ in range(3):
        start = time.perf_counter()
        answers.append(generate(nf4, [prompt], settings, engine="fast", progress=False)[0])
        seconds.append(time.perf_counter() - start)
    assert engine.prefill_captures - before == 1
    assert answers[1].token_ids == answers[2].token_ids == answers[0].token_ids
    assert max(seconds[1:]) < seconds[0]
    eager = generate(nf4, [prompt], settings, engine="plain", progress=False)
    _assert_greedy_and_count(nf4, [prompt], answers[:1], eager, "prefill graph vs plain, alone")

    # the prefill alone (one new token), replayed against an eager engine on the same shapes
    from mistral_eval.engine.decode import Engine

    rows, one = [list(prompt.ids)], settings.replace(max_new_tokens=1, min_new_tokens=1)
    kwargs = dict(pad_id=nf4.tokenizer.pad_token_id, eos_ids=[nf4.tokenizer.eos_token_id])

    def best_of_5(e) -> float:
        e.generate(rows, one, **kwargs)  # the shape's first call (captures, for `engine`)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            e.generate(rows, one, **kwargs)  # .tolist() waits for the GPU
            times.append(time.perf_counter() - start)
        return min(times)

    replayed, eagerly = best_of_5(engine), best_of_5(Engine(nf4.model, use_graphs=False))
    pool = engine._prefills.pool_bytes / 2**20
    print(f"\nprefill of {len(prompt.ids)} tokens: calls {[round(s, 3) for s in seconds]} s; "
          f"replayed {replayed * 1e3:.1f} ms, eager {eagerly * 1e3:.1f} ms "
          f"({len(prompt.ids) / replayed:.0f} vs {len(prompt.ids) / eagerly:.0f} tokens/s); "
          f"prefill pool {pool:.0f} MiB")
    assert replayed < eagerly


def test_fused_kernels_greedy_alone_and_batched(nf4, monkeypatch):
    """The Triton NF4 kernels (MISTRAL_EVAL_NF4_KERNELS=1) keep every answer greedy under the
    reference forward (bitsandbytes' own path), batch 8 and one prompt at a time."""
    from mistral_eval.engine import decode as engine_module
    from mistral_eval.engine.nf4.kernels import OPT_IN_ENV

    monkeypatch.setenv(OPT_IN_ENV, "1")
    default = engine_module._ENGINES.pop(nf4.model, None)
    try:
        assert engine_for(nf4.model).matmul == "triton-nf4"
        prompts, settings = _prompts(nf4), GenerationSettings(max_new_tokens=32)
        batched = generate(nf4, prompts, settings, batch_size=len(prompts), engine="fast",
                           progress=False)
        alone = [generate(nf4, [p], settings, engine="fast", progress=False)[0]
                 for p in prompts[:4]]
        _assert_greedy_and_count(nf4, prompts[:4], batched[:4], alone, "fused, batch 8 vs alone")
        _assert_greedy_and_count(nf4, prompts, batched, batched, "fused, batch 8")
    finally:
        engine_module._ENGINES.pop(nf4.model).release()
        if default is not None:
            engine_module._ENGINES[nf4.model] = default
