from types import SimpleNamespace

import pytest
import torch

from mistral_eval import ConfigError, GenerationSettings, format_prompt, generate, load_model
from mistral_eval.engine import buffers as engine_buffers, decode as fast_engine

QUESTIONS = ["What is two plus three?", "日本の首都はどこですか？",
             "Write one short sentence about the sea, please, in plain English.", "Hi"]


def _prompts(lm, fmt="mistral"):
    return [format_prompt([{"role": "user", "content": q}], lm.tokenizer, fmt) for q in QUESTIONS]


def _same_answers(a, b):
    fields = ("text", "token_ids", "prompt_tokens", "answer_tokens", "finish_reason", "batch_size")
    return [tuple(getattr(x, f) for f in fields) for x in a] == \
        [tuple(getattr(y, f) for f in fields) for y in b]


@pytest.mark.parametrize("settings", [
    GenerationSettings(max_new_tokens=12),
    GenerationSettings(max_new_tokens=12, repetition_penalty=1.3),
])
def test_fast_greedy_equals_plain_batched_and_alone(tiny, settings):
    prompts = _prompts(tiny)
    plain = generate(tiny, prompts, settings, batch_size=4, engine="plain")
    fast = generate(tiny, prompts, settings, batch_size=4, engine="fast")
    alone = [generate(tiny, [p], settings, engine="fast")[0] for p in prompts]
    assert _same_answers(fast, plain)
    assert [a.token_ids for a in alone] == [a.token_ids for a in plain]


def test_fast_stops_at_eos_like_plain(tiny, monkeypatch):
    prompts = _prompts(tiny)
    settings = GenerationSettings(max_new_tokens=20)
    reference = generate(tiny, prompts, settings, engine="plain")
    stop = reference[0].token_ids[3]  # make a token the model emits early an end of sequence
    monkeypatch.setattr(tiny.model.generation_config, "eos_token_id", [2, stop])
    for s in (settings, settings.replace(min_new_tokens=8)):
        plain = generate(tiny, prompts, s, batch_size=4, engine="plain")
        fast = generate(tiny, prompts, s, batch_size=4, engine="fast")
        assert _same_answers(fast, plain)
        assert (plain[0].finish_reason == "eos") == (s.min_new_tokens == 0)
    first = generate(tiny, prompts, settings, engine="fast")[0]
    assert first.answer_tokens == reference[0].token_ids.index(stop) + 1
    assert stop not in first.token_ids


def test_fast_equals_plain_on_a_real_model(offline):
    # a trained model notices a wrong position, cache slot or visible padding at once; the tiny
    # random one barely uses attention
    questions = ["What is the capital of France?"] + QUESTIONS
    prompts = [format_prompt([{"role": "user", "content": q}], offline.tokenizer, "chat")
               for q in questions]
    settings = GenerationSettings(max_new_tokens=24)
    plain = generate(offline, prompts, settings, batch_size=len(prompts), engine="plain")
    fast = generate(offline, prompts, settings, batch_size=len(prompts), engine="fast")
    assert _same_answers(fast, plain)
    assert fast[0].finish_reason == "eos" and "Paris" in fast[0].text


def test_engine_goes_with_its_model(tiny_dir):
    import gc
    import weakref

    lm = load_model(tiny_dir, "fp32")
    generate(lm, _prompts(lm)[:1], GenerationSettings(max_new_tokens=2), engine="fast")
    model = weakref.ref(lm.model)
    lm.model = None
    gc.collect()
    assert model() is None


def test_sampling_is_reproducible_by_seed(tiny):
    prompts = _prompts(tiny)
    settings = GenerationSettings(max_new_tokens=10, do_sample=True, temperature=0.9, top_p=0.9,
                                  top_k=20, repetition_penalty=1.1, seed=7)
    first = generate(tiny, prompts, settings, engine="fast")
    again = generate(tiny, prompts, settings, engine="fast")
    other = generate(tiny, prompts, settings.replace(seed=8), engine="fast")
    assert [a.token_ids for a in first] == [a.token_ids for a in again]
    assert [a.token_ids for a in first] != [a.token_ids for a in other]


@pytest.mark.parametrize("narrow", [dict(top_k=1), dict(top_p=1e-6)])
def test_sampling_with_one_candidate_is_greedy(tiny, narrow):
    prompts = _prompts(tiny)
    greedy = generate(tiny, prompts, GenerationSettings(max_new_tokens=8), engine="plain")
    sampled = generate(tiny, prompts, GenerationSettings(max_new_tokens=8, do_sample=True,
                                                         temperature=1.5, **narrow), engine="fast")
    assert [a.token_ids for a in sampled] == [a.token_ids for a in greedy]


def test_out_of_memory_halves_the_batch_without_losing_or_repeating_cases(tiny, monkeypatch):
    real = fast_engine.generate_ids
    seen: list[int] = []

    def tight(model, rows, settings, **kwargs):
        if len(rows) > 1:
            raise torch.OutOfMemoryError("pretend the card is full")
        seen.append(len(rows))
        return real(model, rows, settings, **kwargs)

    monkeypatch.setattr(fast_engine, "generate_ids", tight)
    stored: dict[int, object] = {}

    def store(batch):
        assert not set(batch) & set(stored)
        stored.update(batch)

    prompts = _prompts(tiny)
    answers = generate(tiny, prompts, GenerationSettings(max_new_tokens=4), batch_size=4,
                       engine="fast", on_answers=store)
    assert sorted(stored) == [0, 1, 2, 3] and len(seen) == 4
    assert all(a.batch_size == 1 for a in answers)


def test_engine_switch(tiny, monkeypatch):
    with pytest.raises(ConfigError, match="unknown engine 'turbo'"):
        generate(tiny, _prompts(tiny), GenerationSettings(max_new_tokens=2), engine="turbo")
    monkeypatch.setenv("MISTRAL_EVAL_ENGINE", "fast")
    before = fast_engine.engine_for(tiny.model).calls
    generate(tiny, _prompts(tiny)[:1], GenerationSettings(max_new_tokens=2))
    assert fast_engine.engine_for(tiny.model).calls == before + 1
    monkeypatch.setenv("MISTRAL_EVAL_ENGINE", "auto")  # the CPU stays on the plain path
    generate(tiny, _prompts(tiny)[:1], GenerationSettings(max_new_tokens=2))
    assert fast_engine.engine_for(tiny.model).calls == before + 1


def test_unsupported_models_are_named():
    gpt2 = SimpleNamespace(config=SimpleNamespace(model_type="gpt2"))
    assert "gpt2" in fast_engine.unsupported_reason(gpt2)
    windowed = SimpleNamespace(config=SimpleNamespace(model_type="mistral", sliding_window=64))
    assert fast_engine.unsupported_reason(windowed, 32) is None
    assert "sliding window" in fast_engine.unsupported_reason(windowed, 65)


def test_recent_shapes_are_kept_and_come_back_with_their_buffers(tiny, monkeypatch):
    """A notebook alternating short and long prompts reuses each shape's buffers (and, on a GPU, its
    captured graph) instead of starting over; the answers are those of a fresh engine."""
    engine = fast_engine.Engine(tiny.model, use_graphs=False)
    settings = GenerationSettings(max_new_tokens=4)
    short, long = [[1, 2, 3]], [list(range(1, 200))]  # two cache-length buckets
    kwargs = dict(pad_id=tiny.tokenizer.pad_token_id, eos_ids=[2])
    first = engine.generate(short, settings, **kwargs)
    buffers = engine._buffers
    engine.generate(long, settings, **kwargs)
    assert engine._buffers is not buffers and len(engine._kept) == 1
    assert engine.generate(short, settings, **kwargs) == first and engine._buffers is buffers
    fresh = fast_engine.Engine(tiny.model, use_graphs=False)
    assert fresh.generate(long, settings, **kwargs) == engine.generate(long, settings, **kwargs)
    monkeypatch.setattr(fast_engine, "KEEP_SHAPES", 1)
    for length in (300, 420, 550):  # more shapes than kept: the least recently used go
        engine.generate([list(range(1, length))], settings, **kwargs)
    assert len(engine._kept) == 1
    engine.release()
    assert engine._buffers is None and not engine._kept


def _rows(*lengths: int, seed: int = 0) -> list[list[int]]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randint(3, 1000, (n,), generator=gen).tolist() for n in lengths]


def _hf_greedy(lm, rows, settings) -> list[list[int]]:
    """transformers' own generate on the rows left-padded to the longest (no further)."""
    pad, width = lm.tokenizer.pad_token_id, max(map(len, rows))
    ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows])
    mask = (torch.arange(width) >= torch.tensor([width - len(r) for r in rows])[:, None]).long()
    out = lm.model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                            max_new_tokens=settings.max_new_tokens,
                            min_new_tokens=settings.min_new_tokens,
                            repetition_penalty=settings.repetition_penalty, pad_token_id=pad)
    return out[:, width:].tolist()


def test_prompt_width_and_cache_length_round_up():
    assert [fast_engine.padded_width([[1] * n]) for n in (1, 5, 16, 17, 32)] == [16] * 3 + [32] * 2
    assert fast_engine.padded_width([[1] * 5, [1] * 17]) == 32
    assert fast_engine.cache_length(32, 96) == 128 and fast_engine.cache_length(32, 97) == 256


@pytest.mark.parametrize("penalty", [1.0, 1.3])
def test_prompts_padded_to_the_width_step_keep_transformers_greedy_tokens(tiny, penalty):
    settings = GenerationSettings(max_new_tokens=8, min_new_tokens=8, repetition_penalty=penalty)
    engine = fast_engine.Engine(tiny.model, use_graphs=False)
    pad, kwargs = tiny.tokenizer.pad_token_id, dict(pad_id=tiny.tokenizer.pad_token_id, eos_ids=[2])
    rows = _rows(5, 16, 17)
    for row in rows:
        assert engine.generate([row], settings, **kwargs) == _hf_greedy(tiny, [row], settings)
    assert list(engine._prefills.widths) == [16, 32]  # 5 and 16 tokens share one width
    assert not engine._buffers.seen[0, pad]  # padding added past transformers' is not penalized
    assert engine.generate(rows, settings, **kwargs) == _hf_greedy(tiny, rows, settings)
    assert engine._buffers.seen[:, pad].tolist() == [True, True, False]


class _Replay:
    """A CUDA graph's stand-in on the CPU: a replay re-runs the recorded forward into its static
    output, reading the static inputs as they are then (as a graph's kernels would)."""

    def __init__(self, run):
        self.run, self.out, self.replays = run, run(), 0

    def replay(self):
        self.replays += 1
        self.out.copy_(self.run())


def _record_on_the_cpu(engine, run, warmups, what, prefills=None):
    graph = _Replay(run)
    return graph, graph.out


def test_prefill_is_recorded_once_per_shape_and_width_then_replayed(tiny, monkeypatch):
    monkeypatch.setattr(fast_engine.Engine, "_record", _record_on_the_cpu)
    engine = fast_engine.Engine(tiny.model, use_graphs=True)
    eager = fast_engine.Engine(tiny.model, use_graphs=False)
    settings = GenerationSettings(max_new_tokens=4)  # too short to capture the decode step
    kwargs = dict(pad_id=tiny.tokenizer.pad_token_id, eos_ids=[2])
    prompts = _rows(5, 17, 9)  # widths 16, 32, 16: the third replays the first one's graph
    first = [engine.generate([p], settings, **kwargs) for p in prompts]
    assert engine.prefill_captures == 2 and engine.captures == 0
    again = [engine.generate([p], settings, **kwargs) for p in prompts]
    assert engine.prefill_captures == 2
    assert [engine._prefills.widths[w].graph.replays for w in (16, 32)] == [3, 1]
    assert first == again == [eager.generate([p], settings, **kwargs) for p in prompts]

    batch = engine.generate(prompts[:2], settings, **kwargs)  # another shape, its own graphs
    assert engine.prefill_captures == 3 and batch == eager.generate(prompts[:2], settings, **kwargs)
    [kept] = engine._kept.values()
    assert kept.nbytes() > kept.buffers.nbytes()  # the LRU counts the prefill inputs too
    assert engine.generate([prompts[0]], settings, **kwargs) == first[0]
    assert engine.prefill_captures == 3  # the shape came back with its prefill graphs

    monkeypatch.setattr(engine_buffers, "KEEP_WIDTHS", 1)
    monkeypatch.setattr(engine_buffers, "PREFILL_GRAPH_TOKENS", 40)
    long = _rows(41)[0]  # width 48: over the limit, run eagerly and not kept
    assert engine.generate([long], settings, **kwargs) == eager.generate([long], settings, **kwargs)
    assert engine.prefill_captures == 3
    assert list(engine._prefills.widths) == [16]  # the most recently used width stays
    assert engine.generate([prompts[1]], settings, **kwargs) == first[1]
    assert list(engine._prefills.widths) == [32] and engine.prefill_captures == 4
    assert engine.generate([prompts[0]], settings, **kwargs) == first[0]
    assert engine.prefill_captures == 5  # 16 was dropped: captured again
