"""Launch configs of the fused 4-bit kernels and the tables measured on an H100 that choose them:
`TUNED` (the fastest config per rows bucket and shape) and `FASTER` (whether it beat bitsandbytes'
own kernel, which `MISTRAL_EVAL_NF4_KERNELS=auto` follows). Written by hand from
benchmarks/bench_nf4_kernels.py --tune (NOTES.md says which run); knows nothing about Triton.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """Tile sizes of one launch: BLOCK_N weight rows per program, BLOCK_K elements of K per
    step (a multiple of the blocksize); SPLIT_K > 1 writes fp32 partials that a second kernel
    sums in a fixed order."""

    block_n: int
    block_k: int
    split_k: int = 1
    num_warps: int = 4
    num_stages: int = 3
    kernel: str = "gemv"
    """Which kernel takes one row (more rows always run the tile kernel): "gemv" (table gathers
    from memory), "lookup" (register lookup feeding fp32 FMAs, GROUPS = block_k // blocksize
    blocks per step), "prmt" (lookup and dot product of each word of 8 codes in one PTX program,
    the table in registers, the absmax decoded per word; NOTES.md step 11), "prmt-shared" (the
    same, the absmax per block, the word sums meeting it through shared memory) or "tile" (the
    tile kernel, the row padded to 16)."""

    def __post_init__(self) -> None:
        if self.kernel not in KERNELS:
            from mistral_eval.core.errors import ConfigError

            raise ConfigError(f"Config kernel {self.kernel!r}: use one of {', '.join(KERNELS)}",
                              field="kernel")


KERNELS = ("gemv", "lookup", "prmt", "prmt-shared", "tile")
"""Config.kernel's values: the one-row kernels."""


# Measured on an H100 80GB HBM3 (benchmarks/bench_nf4_kernels.py --tune, 2026-11-27, step 4: the
# tile kernel with the register lookup, each case timed by CUDA-graph replay of 32 calls; raw:
# benchmarks/results/h100-2026-11-27-step4/kernels.json; NOTES.md, step 4).
# (rows bucket, N, K) -> the fastest config tried: Config(block_n, block_k, split_k, warps, stages).
TUNED: dict[tuple[int, int, int], Config] = {
    (1, 4096, 4096): Config(16, 512, 1, 4, 3),
    (16, 4096, 4096): Config(128, 64, 8, 4, 1),
    (32, 4096, 4096): Config(128, 64, 8, 4, 1),
    (64, 4096, 4096): Config(128, 64, 8, 4, 1),
    (1, 1024, 4096): Config(8, 1024, 1, 4, 3),
    (16, 1024, 4096): Config(64, 64, 16, 4, 1),
    (32, 1024, 4096): Config(64, 64, 16, 4, 1),
    (64, 1024, 4096): Config(64, 128, 16, 4, 1),
    (1, 14336, 4096): Config(128, 64, 8, 4, 1, kernel="tile"),
    (16, 14336, 4096): Config(128, 64, 8, 4, 1),
    (32, 14336, 4096): Config(128, 64, 8, 4, 1),
    (64, 14336, 4096): Config(128, 64, 2, 4, 1),
    (1, 4096, 14336): Config(128, 64, 16, 4, 1, kernel="tile"),
    (16, 4096, 14336): Config(128, 64, 16, 4, 1),
    (32, 4096, 14336): Config(128, 64, 8, 4, 1),
    (64, 4096, 14336): Config(128, 64, 8, 4, 1),
}
# (rows bucket, N, K) -> whether that config beat bitsandbytes' own kernel, both timed the same
# way. One row: only k/v (bitsandbytes' gemv reads 0.8-1.07 TB/s on the large shapes, the fused
# kernels 0.67-0.92); 2-64 rows: the tile kernel everywhere, 1.6-3.5x.
FASTER: dict[tuple[int, int, int], bool] = {
    (1, 4096, 4096): False,
    (16, 4096, 4096): True,
    (32, 4096, 4096): True,
    (64, 4096, 4096): True,
    (1, 1024, 4096): True,
    (16, 1024, 4096): True,
    (32, 1024, 4096): True,
    (64, 1024, 4096): True,
    (1, 14336, 4096): False,
    (16, 14336, 4096): True,
    (32, 14336, 4096): True,
    (64, 14336, 4096): True,
    (1, 4096, 14336): False,
    (16, 4096, 14336): True,
    (32, 4096, 14336): True,
    (64, 4096, 14336): True,
}
