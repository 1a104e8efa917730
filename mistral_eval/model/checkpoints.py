"""Random-weight Mistral checkpoints around Mistral's real tokenizer, for offline tests and GPU
benchmarks: speed and memory do not depend on weight values, and no weights can be downloaded.

Knows about transformers' MistralConfig and the tokenizer files in the mistral-common wheel;
knows nothing about loading presets or generation.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch

__all__ = ["MISTRAL_V01_CHAT_TEMPLATE_2023", "SHAPES", "build_random_mistral", "reference_tokenizer_file"]

SHAPES: dict[str, dict] = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096),
    "small": dict(hidden_size=256, intermediate_size=512, num_hidden_layers=4,
                  num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=4096),
    "7b": {},  # MistralConfig's defaults are Mistral-7B-v0.1's shape (7.24 B parameters)
}

MISTRAL_V01_CHAT_TEMPLATE_2023 = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}"
    "{% endif %}{% endfor %}"
)
"""Mistral-7B-Instruct-v0.1's chat template as it shipped in 2023, the one the article used."""

_TOKENIZER_FILES = {"v1": "tokenizer.model.v1", "v3": "mistral_instruct_tokenizer_240323.model.v3"}


def reference_tokenizer_file(version: str = "v1") -> Path:
    """Mistral's sentencepiece model as shipped inside the mistral-common wheel."""
    import mistral_common

    return Path(mistral_common.__file__).parent / "data" / _TOKENIZER_FILES[version]


def _write_tokenizer(out: Path, version: str, chat_template: str) -> None:
    from transformers import AutoTokenizer

    staging = out / "_sentencepiece"
    staging.mkdir(parents=True, exist_ok=True)
    shutil.copy(reference_tokenizer_file(version), staging / "tokenizer.model")
    (staging / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>",
        "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False, "legacy": False,
    }))
    tokenizer = AutoTokenizer.from_pretrained(staging)
    tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(out)
    shutil.copy(staging / "tokenizer.model", out / "tokenizer.model")
    shutil.rmtree(staging)


def build_random_mistral(out: str | os.PathLike[str], shape: str = "tiny", *, version: str = "v1",
                         dtype: torch.dtype = torch.float32, device: str = "cpu", seed: int = 0,
                         chat_template: str = MISTRAL_V01_CHAT_TEMPLATE_2023) -> Path:
    """Save a random-weight MistralForCausalLM of `shape` with the real tokenizer to `out`."""
    from transformers import MistralConfig, MistralForCausalLM

    out = Path(out)
    if (out / "config.json").exists() and (out / "tokenizer_config.json").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    vocab = {"v1": 32000, "v3": 32768}[version]
    config = MistralConfig(vocab_size=vocab, bos_token_id=1, eos_token_id=2, **SHAPES[shape])
    torch.manual_seed(seed)
    with torch.device(device):
        model = MistralForCausalLM(config).to(dtype)  # type: ignore[arg-type]  # transformers' @wraps(Module.to)
    if shape != "7b":
        with torch.no_grad():  # sharper logits so greedy answers are not near-ties
            model.lm_head.weight.mul_(8.0)
    model.generation_config.pad_token_id = 0
    model.save_pretrained(out)
    _write_tokenizer(out, version, chat_template)
    return out
