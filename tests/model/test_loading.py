import sys

import pytest
import torch

from mistral_eval import ConfigError, MissingDependencyError, ModelLoadError, load_model
from mistral_eval.model.loading import QUANT_PRESETS, offline_model_dir, quantization_config


def test_tiny_loads_with_left_padding_and_pad_token(tiny):
    assert tiny.tokenizer.padding_side == "left"
    assert tiny.tokenizer.pad_token == "<unk>"
    assert tiny.model.generation_config.pad_token_id == 0
    info = tiny.info
    assert (info.quant, info.dtype, info.device, info.model_type) == ("fp32", "float32", "cpu", "mistral")
    assert info.parameters > 0 and info.footprint_bytes > 0 and info.load_seconds >= 0


def test_nf4_on_cpu_gives_4bit_layers_and_smaller_footprint(tiny_dir):
    import bitsandbytes as bnb

    nf4 = load_model(tiny_dir, "nf4")
    bf16 = load_model(tiny_dir, "bf16")
    proj = nf4.model.model.layers[0].self_attn.q_proj
    assert isinstance(proj, bnb.nn.Linear4bit)
    assert proj.weight.quant_type == "nf4"
    assert proj.weight.quant_state.nested  # double quantization
    assert nf4.info.dtype == "bfloat16"
    assert nf4.info.footprint_bytes < bf16.info.footprint_bytes
    # the 4-bit model still generates through the real bitsandbytes CPU kernels
    out = nf4.model.generate(torch.tensor([[1, 733, 16289, 28793]]),
                             attention_mask=torch.ones(1, 4, dtype=torch.long),
                             max_new_tokens=3, do_sample=False)
    assert out.shape == (1, 7)


def test_int8_preset_gives_8bit_layers(tiny_dir):
    import bitsandbytes as bnb

    lm = load_model(tiny_dir, "int8")
    assert isinstance(lm.model.model.layers[0].mlp.up_proj, bnb.nn.Linear8bitLt)


def test_unknown_preset_lists_valid_ones(tiny_dir):
    with pytest.raises(ConfigError) as err:
        load_model(tiny_dir, "q3")
    assert all(p in str(err.value) for p in QUANT_PRESETS)
    assert err.value.field == "quant"


def test_unreachable_hub_model_says_what_to_do(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError) as err:
        load_model("mistralai/Mistral-7B-Instruct-v0.1", "nf4")
    message = str(err.value)
    assert "HF_TOKEN" in message and "local directory" in message


def test_missing_local_directory(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(str(tmp_path / "nope"), "fp32")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_gpu_asked_for_without_gpu(tiny_dir):
    with pytest.raises(ModelLoadError, match="no CUDA GPU"):
        load_model(tiny_dir, "nf4", device="cuda")


def test_missing_bitsandbytes_names_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "bitsandbytes", None)
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "bitsandbytes" else real(name, *a))
    with pytest.raises(MissingDependencyError) as err:
        quantization_config("nf4")
    assert "pip install" in str(err.value) and "bitsandbytes" in str(err.value)


def test_no_remote_code_by_default(tiny_dir):
    import inspect

    assert inspect.signature(load_model).parameters["trust_remote_code"].default is False


def test_offline_model_is_converted_once(offline):
    path = offline_model_dir()
    assert (path / "config.json").exists()
    assert offline.info.model_type == "llama"
    assert offline.tokenizer.chat_template


def test_gated_model_message_says_accept_licence_and_log_in():
    from mistral_eval.model.loading import _load_error

    # the OSError transformers raises for a gated repository without access
    cause = OSError("You are trying to access a gated repo.\nMake sure to have access to it at "
                    "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.1.\n401 Client Error.")
    message = str(_load_error("mistralai/Mistral-7B-Instruct-v0.1", cause))
    assert "gated" in message and "licence" in message and "HF_TOKEN" in message


def test_an_uncached_hub_id_fails_fast_offline_with_a_suggestion(monkeypatch, tmp_path):
    import time

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    start = time.perf_counter()
    with pytest.raises(ModelLoadError) as error:
        load_model("HuggingFaceTB/SmolLM2-135M-Instruc", "fp32")
    assert time.perf_counter() - start < 5
    assert "not in the local model cache" in str(error.value) and "smollm2-135m-instruct" in str(error.value)


def test_the_bitsandbytes_cpu_kernel_notice_is_silenced_and_nothing_else(tmp_path):
    """issue 21 item 10: bitsandbytes' "Failed to load CPU gemm_4bit_forward from kernels-community"
    line (logged when it is imported) is dropped once the loader is imported; its other warnings pass."""
    import subprocess
    import sys

    probe = ("import logging\nimport mistral_eval.model.loading\nimport bitsandbytes\n"
             "log = logging.getLogger('bitsandbytes.backends.cpu.ops')\n"
             "log.warning('Failed to load CPU gemm_4bit_forward from kernels-community: %s. Please ...', 'x')\n"
             "log.warning('another bitsandbytes warning')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "gemm_4bit_forward" not in done.stderr and "another bitsandbytes warning" in done.stderr
