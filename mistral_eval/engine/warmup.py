"""Compiling the engine's Triton kernels ahead, while the model loads (issue 18, cold start).

A fresh process used to pay ~10 s of compiles in its first suite (~11 kernels, 0.3-1.5 s each).
`start(shape)` is called as soon as a model's config is known, before its weights load: it spawns
background worker processes (`python -m mistral_eval.engine.warmup`) that run every launch the
engine will make for that shape -- through the same wrappers (nf4.kernels' matmul_4bit and
matmul_group, fused_ops' rms_norm, silu_mul and rotary), the same choices (`uses_fused`,
`default_config`, `runs_fused`) and tensors laid out as the model's (zero weights quantized by
bitsandbytes itself, views of one projection buffer), on the same card -- so Triton's own
specialization gives the same cache keys, and the compiled kernels land in Triton's on-disk cache.
The model's first launch is then a cache hit. Worker processes, not threads: a compile holds the
GIL through its Python front end, and a launch from another thread would break a graph capture.

Bounded by construction: the run never waits for the workers; a kernel they have not finished yet
is compiled by the run as before (at worst twice). A finished warm-up leaves one marker per
worker beside Triton's cache (`mistral_eval_warmup/`), so a later process with the same kernels,
versions, card and switches starts none. Off on the CPU, under TRITON_INTERPRET=1, without
Triton, below compute capability 8.0 and with MISTRAL_EVAL_WARMUP=0 (1: also 7.5+).

Knows the kernels' launch wrappers and Triton's cache directory; knows nothing about loading,
prompts, suites or the engine's buffers and graphs.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from mistral_eval.core.choices import switch_mode

__all__ = ["LAST", "ROW_BUCKETS", "WARMUP_ENV", "Launch", "ModelShape", "Warmup", "launches",
           "marker_dir", "run_part", "start", "switch_off"]

WARMUP_ENV = "MISTRAL_EVAL_WARMUP"
"""auto (default): compile ahead on CUDA cards of compute capability 8.0+; 1: also 7.5; 0: never."""
ROW_BUCKETS = (64, 16, 32, 1)
"""The fused matmuls' row buckets, in the order the workers compile them (batches of 33-64 rows
first: a suite's natural batch)."""
_SOURCES = ("nf4/triton_kernels.py", "nf4/kernels.py", "nf4/tables.py", "nf4/lookup.py",
            "nf4/groups.py", "fused_ops.py", "warmup.py")
"""The engine files that decide which kernels exist and how they are launched (the marker's key)."""


@dataclass(frozen=True)
class ModelShape:
    """What decides the engine's kernel variants: a Mistral/Llama-family model's sizes, its compute
    dtype and its 4-bit quant type (None: no bitsandbytes 4-bit layers, the fused ops only)."""

    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    dtype: str
    quant_type: str | None = "nf4"

    @classmethod
    def from_config(cls, config: Any, dtype: torch.dtype,
                    quant_type: str | None) -> ModelShape | None:
        """The shape of a transformers config (None when it lacks a Mistral-family field)."""
        try:
            heads = int(config.num_attention_heads)
            head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // heads)
            return cls(hidden=int(config.hidden_size), intermediate=int(config.intermediate_size),
                       heads=heads, kv_heads=int(getattr(config, "num_key_value_heads", heads)),
                       head_dim=head_dim, dtype=str(dtype).removeprefix("torch."),
                       quant_type=quant_type)
        except (AttributeError, TypeError, ValueError):
            return None

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)


@dataclass(frozen=True)
class Launch:
    """One kernel launch the engine makes for a shape, runnable on dummy tensors."""

    name: str
    run: Callable[[], object]


class _Weights:
    """Zero weights of each (N, K), quantized once by bitsandbytes as the model's Linear4bit are
    (double quantization, blocksize 64): the kernels' PackedWeight, laid out as a model's."""

    def __init__(self, shape: ModelShape, device: torch.device):
        self.shape, self.device = shape, device
        self.kept: dict[str, Any] = {}

    def __call__(self, name: str, n: int, k: int):
        if name not in self.kept:
            import bitsandbytes.functional as bnbf

            from mistral_eval.engine.nf4 import kernels as nf4_kernels

            zeros = torch.zeros(n, k, dtype=self.shape.torch_dtype, device=self.device)
            packed, state = bnbf.quantize_4bit(zeros, blocksize=64, compress_statistics=True,
                                               quant_type=self.shape.quant_type)
            self.kept[name] = nf4_kernels.packed_weight(packed, state)
        return self.kept[name]


def _fused_op_launches(shape: ModelShape, device: torch.device) -> list[Launch]:
    """RMSNorm, SiLU * up and rotary as the swapped-in Mistral forwards launch them (each compiles
    once per dtype: rows, lengths and tokens are grid dimensions or unspecialized)."""
    from mistral_eval.engine import fused_ops

    dt, found = shape.torch_dtype, []
    if fused_ops.runs_fused("rms_norm", (shape.hidden, dt)):
        def norm() -> object:
            x = torch.zeros(2, 3, shape.hidden, dtype=dt, device=device)
            return fused_ops.rms_norm(x, torch.ones(shape.hidden, dtype=dt, device=device), 1e-5)
        found.append(Launch("rms_norm", norm))
    if fused_ops.runs_fused("silu_mul", (shape.intermediate, dt)):
        def silu() -> object:
            gate = torch.zeros(2, 3, shape.intermediate, dtype=dt, device=device)
            return fused_ops.silu_mul(gate, torch.zeros_like(gate))
        found.append(Launch("silu_mul", silu))
    if fused_ops.runs_fused("rotary", (shape.heads, shape.kv_heads, shape.head_dim, dt)):
        def rotary() -> object:  # q and k: views of one q/k/v projection output, as in decoding
            batch, seq, d = 2, 3, shape.head_dim
            q_n, kv_n = shape.heads * d, shape.kv_heads * d
            qkv = torch.zeros(batch, seq, q_n + 2 * kv_n, dtype=dt, device=device)
            q, k, _ = qkv.split([q_n, kv_n, kv_n], dim=-1)
            q = q.view(batch, seq, shape.heads, d).transpose(1, 2)
            k = k.view(batch, seq, shape.kv_heads, d).transpose(1, 2)
            cos = torch.zeros(batch, seq, d, dtype=dt, device=device)
            return fused_ops.rotary(q, k, cos, torch.zeros_like(cos))
        found.append(Launch("rotary", rotary))
    return found


def _matmul_launches(shape: ModelShape, rows: int, weights: _Weights,
                     device: torch.device) -> list[Launch]:
    """One decoder layer's 4-bit matmuls at `rows` rows, as fused_4bit and grouped_projections
    run them: q/k/v and gate/up in one launch each where the group takes the rows, else each
    projection alone where `uses_fused` says so; o and down alone."""
    from mistral_eval.engine.nf4 import kernels as nf4_kernels

    h, inter, dt = shape.hidden, shape.intermediate, shape.torch_dtype
    q_n, kv_n = shape.heads * shape.head_dim, shape.kv_heads * shape.head_dim
    fused = nf4_kernels.uses_fused

    def x(k: int) -> torch.Tensor:
        return torch.zeros(rows, 1, k, dtype=dt, device=device)

    def alone(name: str, n: int, k: int) -> Launch:
        return Launch(f"{name} {rows} rows",
                      lambda: nf4_kernels.matmul_4bit(x(k), weights(name, n, k)))

    def group(name: str, parts: tuple, silu: bool = False) -> Launch:
        return Launch(f"{name} group {rows} rows", lambda: nf4_kernels.matmul_group(
            x(h), [weights(*part) for part in parts], silu=silu))

    def each(parts: tuple) -> list[Launch]:
        """One launch per (N, K) the fused kernels take alone (k and v: one kernel variant)."""
        shapes: set = set()
        kept = []
        for name, n, k in parts:
            if fused(rows, n, k) and (n, k) not in shapes:
                shapes.add((n, k))
                kept.append(alone(name, n, k))
        return kept

    qkv = (("q", q_n, h), ("k", kv_n, h), ("v", kv_n, h))
    gate_up = (("gate", inter, h), ("up", inter, h))
    found = [group("qkv", qkv)] if fused(rows, q_n, h) else each(qkv)
    found += [group("gate_up", gate_up, silu=True)] if fused(rows, inter, h) else each(gate_up)
    return found + each((("o", h, q_n), ("down", h, inter)))


def launches(shape: ModelShape, device: torch.device | str) -> list[Launch]:
    """Every launch the engine makes for `shape` under the current switches, in compile order:
    the fused ops, then each row bucket's matmuls (ROW_BUCKETS). Nothing runs until called."""
    device = torch.device(device)
    found = _fused_op_launches(shape, device)
    if shape.quant_type in ("nf4", "fp4"):
        weights = _Weights(shape, device)
        for rows in ROW_BUCKETS:
            found += _matmul_launches(shape, rows, weights, device)
    return found


# ---------------------------------------------------------------------------------------------
# Workers


def _mode() -> str:
    return switch_mode(WARMUP_ENV, "compile the kernels ahead on cards of compute capability 8.0+",
                       "also 7.5", "never: the first suite compiles them")


def switch_off() -> bool:
    """Whether MISTRAL_EVAL_WARMUP=0 turns compiling ahead off."""
    return _mode() == "0"


def marker_dir() -> Path:
    """Where finished warm-ups leave their markers and logs: beside Triton's cache."""
    import triton

    knobs = getattr(triton, "knobs", None)
    cache = (knobs.cache.dir if knobs is not None else os.environ.get("TRITON_CACHE_DIR")
             or os.path.join(os.path.expanduser("~"), ".triton", "cache"))
    return Path(cache) / "mistral_eval_warmup"


def _digest(shape: ModelShape, parts: int, capability: tuple[int, int]) -> str:
    """The marker's key: everything that changes which kernels compile, or their cache keys."""
    import triton

    here = Path(__file__).parent
    text = json.dumps([asdict(shape), parts, capability, triton.__version__, torch.__version__,
                       sorted((k, v) for k, v in os.environ.items()
                              if k.startswith(("MISTRAL_EVAL_", "TRITON_")))])
    digest = hashlib.sha256(text.encode())
    for name in _SOURCES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:20]


@dataclass
class Warmup:
    """Worker processes compiling one shape's kernels ahead; nothing waits for them."""

    shape: ModelShape
    digest: str
    processes: list[subprocess.Popen]
    started: float

    def done(self) -> bool:
        return all(p.poll() is not None for p in self.processes)

    def reports(self) -> list[dict]:
        """The finished workers' reports: part, seconds, and per launch its name and seconds."""
        found = []
        for i in range(len(self.processes)):
            path = marker_dir() / f"{self.digest}.part{i}of{len(self.processes)}.json"
            if path.exists():
                found.append(json.loads(path.read_text()))
        return found


LAST: list[Warmup] = []
"""The warm-ups this process started (the benchmarks read their reports)."""


def _workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _wanted(device: torch.device) -> bool:
    from mistral_eval.engine.nf4.triton_kernels import triton

    mode = _mode()
    if (mode == "0" or triton is None or os.environ.get("TRITON_INTERPRET") == "1"
            or device.type != "cuda" or not torch.cuda.is_available()):
        return False
    return torch.cuda.get_device_capability(device) >= ((7, 5) if mode == "1" else (8, 0))


def start(shape: ModelShape | None, device: torch.device | str = "cuda") -> Warmup | None:
    """Spawn the workers that compile `shape`'s kernels into Triton's cache (None when it is off
    here, no fused kernel takes the shape, or a marker says the cache holds them). Returns at
    once."""
    device = torch.device(device)
    if shape is None or not _wanted(device):
        return None
    index = device.index if device.index is not None else torch.cuda.current_device()
    planned = len(launches(shape, device))  # lazy: no tensors yet
    if not planned:  # a shape no fused kernel takes under the current switches
        return None
    parts = min(_workers(), planned)
    digest = _digest(shape, parts, torch.cuda.get_device_capability(index))
    folder = marker_dir()
    if all((folder / f"{digest}.part{i}of{parts}.json").exists() for i in range(parts)):
        return None
    try:
        return _spawn(shape, f"cuda:{index}", parts, digest, folder)
    except OSError:  # a cache folder that cannot be written: the run compiles as before
        return None


def _spawn(shape: ModelShape, device: str, parts: int, digest: str, folder: Path) -> Warmup:
    folder.mkdir(parents=True, exist_ok=True)
    # the workers import this very package (the same kernel sources: the same cache keys)
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    processes = []
    for part in range(parts):
        with open(folder / f"{digest}.part{part}of{parts}.log", "w") as log:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "mistral_eval.engine.warmup", json.dumps(asdict(shape)),
                 device, str(part), str(parts), digest, repr(time.time())],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True))
    warmup = Warmup(shape, digest, processes, time.perf_counter())
    LAST.append(warmup)
    return warmup


def run_part(shape: ModelShape, device: torch.device | str, part: int, parts: int) -> dict:
    """Run this worker's share of the launches (every parts-th, from `part`); a launch that
    raises is reported and skipped (the run then meets the same failure and falls back)."""
    start_time = time.perf_counter()
    rows = []
    for launch in launches(shape, device)[part::parts]:
        began = time.perf_counter()
        try:
            launch.run()
            error = None
        except Exception as exc:  # noqa: BLE001 - the run's own guard handles a broken kernel
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
        rows.append({"name": launch.name, "seconds": round(time.perf_counter() - began, 3),
                     "error": error})
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)
    return {"part": part, "parts": parts, "seconds": round(time.perf_counter() - start_time, 3),
            "launches": rows}


def main(argv: list[str]) -> None:
    """Worker: SHAPE_JSON DEVICE PART PARTS DIGEST SPAWNED -> the report as the marker (with
    since_spawn_s: from the parent's spawn, imports included, to the last compile)."""
    shape_json, device_name, part, parts, digest, spawned = argv
    if hasattr(os, "nice"):
        os.nice(5)  # the model load in the parent comes first
    shape = ModelShape(**json.loads(shape_json))
    device = torch.device(device_name)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    with torch.inference_mode():
        report = run_part(shape, device, int(part), int(parts))
    report["since_spawn_s"] = round(time.time() - float(spawned), 3)
    from mistral_eval.core.paths import write_text_atomic

    folder = marker_dir()
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / f"{digest}.part{part}of{parts}.json", json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
