import pytest
from mistral_common.protocol.instruct.messages import AssistantMessage, SystemMessage, UserMessage
from mistral_common.protocol.instruct.request import ChatCompletionRequest

from mistral_eval import ConfigError, audit_format, audit_ids, format_prompt, load_tokenizer
from mistral_eval.model.prompts import merge_system, mistral_version, reference_ids

CONDIMENT = [
    {"role": "user", "content": "What is your favourite condiment?"},
    {"role": "assistant", "content": "Well, I'm quite partial to a good squeeze of fresh lemon juice. It adds just the right amount of zesty flavour to whatever I'm cooking up in the kitchen!"},
    {"role": "user", "content": "Do you have mayonnaise recipes?"},
]
# The ids the article printed for CONDIMENT through the 2023 chat template.
ARTICLE_IDS = [
    1, 28792, 16289, 28793, 1824, 349, 574, 16020, 2076, 2487, 28804, 733, 28748, 16289, 28793,
    6824, 28725, 315, 28742, 28719, 3448, 10473, 298, 264, 1179, 11322, 19961, 302, 6138, 23598,
    18342, 28723, 661, 13633, 776, 272, 1103, 3558, 302, 686, 16944, 15637, 423, 298, 5681, 315,
    28742, 28719, 13198, 582, 297, 272, 6132, 28808, 700, 28713, 28767, 733, 16289, 28793, 2378,
    368, 506, 993, 7136, 864, 21116, 28804, 733, 28748, 16289, 28793,
]
JAPANESE = [{"role": "system", "content": "下記の質問に日本語で答えてください。"},
            {"role": "user", "content": "りんごが5つあります。2つ取り除くと何個残りますか？"}]


KINDS = {"system": SystemMessage, "user": UserMessage, "assistant": AssistantMessage}


@pytest.fixture(scope="module")
def tok(tiny_dir):
    return load_tokenizer(tiny_dir)


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "Hello there"}],
    CONDIMENT,
    [{"role": "system", "content": "Be brief."}, *CONDIMENT],
    JAPANESE,
    [*JAPANESE, {"role": "assistant", "content": "3個です。"}, {"role": "user", "content": "本当に？"}],
], ids=["single", "multi", "system", "japanese", "japanese-multi"])
def test_mistral_format_equals_mistral_common(tok, messages):
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    expected = MistralTokenizer.v1().encode_chat_completion(ChatCompletionRequest(
        messages=[KINDS[m["role"]](content=m["content"]) for m in messages])).tokens
    prompt = format_prompt(messages, tok, "mistral")
    assert list(prompt.ids) == expected
    assert prompt.text.startswith("<s>")


def test_mistral_format_v3_equals_mistral_common(tmp_path):
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    from mistral_eval.model.checkpoints import build_random_mistral

    tok_v3 = load_tokenizer(str(build_random_mistral(tmp_path / "v3", "tiny", version="v3")))
    messages = [*JAPANESE, {"role": "assistant", "content": "3個です。"},
                {"role": "user", "content": "Why?"}]
    assert mistral_version(tok_v3) == "v3"
    expected = MistralTokenizer.v3().encode_chat_completion(ChatCompletionRequest(
        messages=[KINDS[m["role"]](content=m["content"]) for m in messages])).tokens
    assert list(format_prompt(messages, tok_v3, "mistral").ids) == expected
    assert "下記の質問" in format_prompt(messages, tok_v3, "mistral").text.split("[/INST]")[-2]


def test_audit_reproduces_the_article_differences(tok):
    audit = audit_ids(ARTICLE_IDS, reference_ids(CONDIMENT, "v1"), tok)
    found = [(d.candidate_ids, d.reference_ids) for d in audit.differences]
    assert found == [((28792,), (733,)), ((6824,), (4673,)), ((700, 28713, 28767), (2,))]
    assert audit.differences[2].candidate_pieces == ("</", "s", ">")
    assert audit.differences[0].position == 1


def test_audit_of_the_2023_template_finds_inst_and_well(tok):
    audit = audit_format(CONDIMENT, tok, "chat")
    pairs = [(d.candidate_ids, d.reference_ids) for d in audit.differences]
    assert ((28792,), (733,)) in pairs and ((6824,), (4673,)) in pairs
    assert not audit_format(CONDIMENT, tok, "mistral").differences


def test_system_is_merged_not_dropped_when_the_template_has_no_system_role(tok):
    prompt = format_prompt([{"role": "system", "content": "Answer in Japanese."},
                            {"role": "user", "content": "Hi"}], tok, "chat")
    assert "Answer in Japanese.\n\nHi" in prompt.text


def test_merge_system_follows_reference_versions():
    msgs = [{"role": "system", "content": "S"}, *CONDIMENT]
    assert merge_system(msgs, "v1")[0]["content"].startswith("S\n\n")
    assert merge_system(msgs, "v3")[2]["content"].startswith("S\n\n")


def test_article_format_puts_question_after_inst(tok):
    prompt = format_prompt(JAPANESE, tok, "article")
    assert prompt.text == ("<s>[INST]下記の質問に日本語で答えてください。[/INST]"
                           "りんごが5つあります。2つ取り除くと何個残りますか？</s>")
    assert prompt.ids[0] == 1 and prompt.ids[-1] == 2


def test_inst_and_raw(tok):
    inst = format_prompt(CONDIMENT, tok, "inst")
    assert inst.text.startswith("<s>[INST] What is your favourite condiment? [/INST]Well")
    assert "</s> [INST] Do you have" in inst.text
    raw = format_prompt([{"role": "user", "content": "USER: hi\nASSISTANT:"}], tok, "raw")
    assert raw.text == "USER: hi\nASSISTANT:" and raw.ids[0] != 1


def test_chat_on_a_non_mistral_model(offline):
    prompt = format_prompt([{"role": "user", "content": "Hi"}], offline.tokenizer, "chat")
    assert prompt.text.rstrip().endswith("<|im_start|>assistant")
    with pytest.raises(ConfigError, match="Mistral tokenizer"):
        format_prompt([{"role": "user", "content": "Hi"}], offline.tokenizer, "mistral")


def test_versions(tok):
    assert mistral_version("mistralai/Mistral-7B-Instruct-v0.3") == "v3"
    assert mistral_version("mistralai/Mistral-7B-Instruct-v0.2") == "v1"
    assert mistral_version("HuggingFaceTB/SmolLM2-135M-Instruct") is None
    assert mistral_version(tok) == "v1"


@pytest.mark.parametrize("messages, field", [
    ([], "messages"),
    ([{"role": "bot", "content": "x"}], "messages[0].role"),
    ([{"role": "user", "content": "a"}, {"role": "system", "content": "b"}], "messages[1].role"),
    ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "messages"),
    ([{"role": "user", "content": 3}], "messages[0].content"),
])
def test_bad_conversations(tok, messages, field):
    with pytest.raises(ConfigError) as err:
        format_prompt(messages, tok, "chat")
    assert err.value.field == field


def test_unknown_format_lists_formats(tok):
    with pytest.raises(ConfigError, match="chat, mistral, inst, article, raw"):
        format_prompt(JAPANESE, tok, "alpaca")


def test_audit_refuses_a_tokenizer_that_is_not_mistrals(offline):
    with pytest.raises(ConfigError, match="not a Mistral v1 or v3 tokenizer") as caught:
        audit_format([{"role": "user", "content": "Hi"}], offline.tokenizer, "chat")
    assert caught.value.field == "tokenizer" and "version=" in str(caught.value)
