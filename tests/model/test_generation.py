import logging
import warnings

import pytest

from mistral_eval import Answer, ConfigError, GenerationSettings, format_prompt, generate, stream

QUESTIONS = ["What is two plus three?", "日本の首都はどこですか？",
             "Write one short sentence about the sea, please, in plain English.", "Hi"]


def _prompts(lm, fmt="mistral"):
    return [format_prompt([{"role": "user", "content": q}], lm.tokenizer, fmt) for q in QUESTIONS]


def test_greedy_batched_equals_alone(tiny):
    settings = GenerationSettings(max_new_tokens=12)
    prompts = _prompts(tiny)
    batched = generate(tiny, prompts, settings, batch_size=4)
    alone = [generate(tiny, [p], settings)[0] for p in prompts]
    assert [a.token_ids for a in batched] == [a.token_ids for a in alone]
    assert {a.batch_size for a in batched} == {4}
    assert all(a.prompt_tokens == len(p) for a, p in zip(batched, prompts))


def test_same_seed_same_samples(tiny):
    settings = GenerationSettings(max_new_tokens=10, do_sample=True, temperature=0.9, seed=7)
    prompts = _prompts(tiny)
    first = generate(tiny, prompts, settings)
    again = generate(tiny, prompts, settings)
    other = generate(tiny, prompts, settings.replace(seed=8))
    assert [a.token_ids for a in first] == [a.token_ids for a in again]
    assert [a.token_ids for a in first] != [a.token_ids for a in other]


def test_answer_fields_and_finish_reasons(offline):
    prompts = [format_prompt([{"role": "user", "content": "What is the capital of France?"}],
                             offline.tokenizer, "chat")]
    [done] = generate(offline, prompts, GenerationSettings(max_new_tokens=40))
    [cut] = generate(offline, prompts, GenerationSettings(max_new_tokens=3))
    assert "Paris" in done.text
    assert done.finish_reason == "eos" and cut.finish_reason == "length"
    assert cut.answer_tokens == 3 and len(cut.token_ids) == 3
    assert done.answer_tokens == len(done.token_ids) + 1  # the EOS counts, but is not in the ids
    assert done.tokens_per_second > 0 and done.seconds > 0


def test_groups_by_settings_and_keeps_order(tiny):
    prompts = _prompts(tiny)
    short = GenerationSettings(max_new_tokens=2, min_new_tokens=2)
    long_ = GenerationSettings(max_new_tokens=6, min_new_tokens=6)
    answers = generate(tiny, prompts, [short, long_, short, long_])
    assert [a.answer_tokens for a in answers] == [2, 6, 2, 6]
    assert [a.batch_size for a in answers] == [2, 2, 2, 2]
    assert [a.prompt_tokens for a in answers] == [len(p) for p in prompts]


def test_no_padding_warnings(offline, caplog):
    prompts = [format_prompt([{"role": "user", "content": q}], offline.tokenizer, "chat")
               for q in QUESTIONS]
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        generate(offline, prompts, GenerationSettings(max_new_tokens=4, do_sample=True,
                                                      temperature=0.1, top_p=0.95,
                                                      repetition_penalty=1.1))
        generate(offline, prompts, GenerationSettings(max_new_tokens=4))
    text = " ".join([str(w.message) for w in caught] + [r.getMessage() for r in caplog.records])
    for phrase in ("attention mask", "pad token id", "pad_token", "Setting `pad_token_id`"):
        assert phrase not in text


def test_stream_shows_text_as_it_comes(offline):
    pieces: list[str] = []
    prompt = format_prompt([{"role": "user", "content": "What is the capital of France?"}],
                           offline.tokenizer, "chat")
    answer = stream(offline, prompt, GenerationSettings(max_new_tokens=20), on_text=pieces.append)
    assert len([p for p in pieces if p]) >= 2
    assert "".join(pieces).strip() == answer.text.strip()


@pytest.mark.parametrize("kwargs, field", [
    (dict(do_sample=True, temperature=0.0), "temperature"),
    (dict(max_new_tokens=0), "max_new_tokens"),
    (dict(top_p=1.5), "top_p"),
    (dict(max_new_tokens="10"), "max_new_tokens"),
    (dict(do_sample=1), "do_sample"),
])
def test_settings_validation(kwargs, field):
    with pytest.raises(ConfigError) as err:
        GenerationSettings(**kwargs)
    assert err.value.field == field


def test_unknown_setting_lists_valid_ones():
    with pytest.raises(ConfigError, match="temprature.*Allowed keys: max_new_tokens"):
        GenerationSettings().replace(temprature=0.3)


def test_public_generate_stays_the_function_after_submodules_load():
    import mistral_eval as me
    import mistral_eval.runs.runner  # noqa: F401  (imports the generation module)

    assert callable(me.generate) and me.generate.__module__ == "mistral_eval.model.generation"


def test_plain_strings_are_user_turns_in_the_models_default_format(offline):
    settings = GenerationSettings(max_new_tokens=4)
    formatted = format_prompt([{"role": "user", "content": "What is 2+2?"}], offline.tokenizer, "chat")
    [expected] = generate(offline, [formatted], settings)
    assert [a.token_ids for a in generate(offline, ["What is 2+2?"], settings)] == [expected.token_ids]
    [alone] = generate(offline, "What is 2+2?", settings)  # one string: a list of one answer
    assert alone.token_ids == expected.token_ids and alone.prompt_tokens == len(formatted)
    streamed = stream(offline, "What is 2+2?", settings, on_text=lambda text: None)
    assert streamed.token_ids == expected.token_ids


def test_answer_repr_is_short():
    answer = Answer(text="word " * 100, token_ids=tuple(range(5000)), prompt_tokens=9, answer_tokens=5000,
                    finish_reason="length", seconds=100.0, tokens_per_second=50.0)
    assert repr(answer) == f"Answer({('word ' * 12)[:59] + '…'!r}, 5000 tokens, length, 50.0 tokens/s)"


def test_a_cut_answer_does_not_end_in_a_replacement_character(tiny):
    """issue 21 item 12: the token limit can cut a character between its byte tokens"""
    from mistral_eval.model.generation import decode_answer

    ids = tiny.tokenizer.encode("りんご🍎", add_special_tokens=False)  # the apple: four byte tokens
    whole = tiny.tokenizer.decode(ids)
    cut = next(ids[:n] for n in range(len(ids), 0, -1) if tiny.tokenizer.decode(ids[:n]).endswith("\ufffd"))
    assert whole == "りんご🍎"
    text = decode_answer(tiny.tokenizer, cut, cut_short=True)
    assert text and not text.endswith("\ufffd") and whole.startswith(text)
    assert decode_answer(tiny.tokenizer, ids, cut_short=True) == whole
