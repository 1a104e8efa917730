"""Compile the fused 4-bit kernels for sm_90 on a machine without a GPU and count SASS instructions
of the main loop (Triton bundles ptxas and cuobjdump): a kernel's cost read before device time.

    python benchmarks/sass_offline.py --kernel tile --block-n 64 --block-m 16 --warps 4
    python benchmarks/sass_offline.py --kernel lookup --block-n 16 --groups 8 --warps 4
    python benchmarks/sass_offline.py --kernel gemv --block-n 16 --groups 8 --warps 4
    python benchmarks/sass_offline.py --kernel prmt --block-n 64 --groups 8 --warps 4

Reported per code byte per thread: the loop's instructions over the code bytes one thread takes per
iteration (tile: BLOCK_N rows x one 64-element block; lookup, prmt and gemv: BLOCK_N rows x GROUPS blocks).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import tempfile

os.environ.pop("TRITON_INTERPRET", None)

import torch  # noqa: E402
import triton  # noqa: E402
from triton.backends.compiler import GPUTarget  # noqa: E402
from triton.compiler import ASTSource  # noqa: E402

from mistral_eval.engine.nf4 import triton_kernels as _k  # noqa: E402
from mistral_eval.engine.nf4.lookup import lookup_asm, word_dot_asm  # noqa: E402

NF4 = torch.tensor([-1.0, -0.6961928, -0.5250731, -0.3949175, -0.2844414, -0.1847734, -0.0910500,
                    0.0, 0.0795803, 0.1609302, 0.2461123, 0.3379152, 0.4407098, 0.5626170,
                    0.7229568, 1.0])


def _pointers(args) -> dict:
    return {"x_ptr": "*bf16", "packed_ptr": "*u8", "absmax_ptr": "*u8", "absmax2_ptr": "*fp32",
            "code2_ptr": "*fp32", "offset_ptr": "*fp32", "lut_ptr": "*fp32",
            "out_ptr": "*bf16" if args.split == 1 else "*fp32"}


def _compile(fn, sig: dict, consts: dict, divisible: list[int], args):
    sig = {**sig, **{name: "constexpr" for name in consts}}
    attrs = {(i,): [["tt.divisibility", 16]] for i in divisible}
    src = ASTSource(fn=fn, signature=sig, constexprs=consts, attrs=attrs)
    return triton.compile(src, target=GPUTarget("cuda", 90, 32),
                          options={"num_warps": args.warps, "num_stages": args.stages})


def compile_kernel(args):
    """The kernel as a launch specializes it: 16-byte aligned pointers, N (and stride_x) multiples
    of 16; nested NF4 absmax, blocksize 64, bf16."""
    ptrs = _pointers(args)
    common = dict(K=args.k, BLOCKSIZE=64, BLOCKSIZE2=256, NESTED=True, BLOCK_N=args.block_n,
                  SPLIT_K=args.split)
    lookup = lookup_asm(NF4, torch.bfloat16)
    if args.kernel == "tile":
        consts = dict(common, BLOCK_M=args.block_m, LOOKUP=lookup, INTERPRETED=False)
        return _compile(_k.tile_kernel, {**ptrs, "M": "i32", "N": "i32", "stride_x": "i32"},
                        consts, [*range(len(ptrs)), len(ptrs) + 1, len(ptrs) + 2], args)
    consts = dict(common, GROUPS=args.groups, INTERPRETED=False)
    fn = _k.gemv_kernel
    if args.kernel == "lookup":
        consts["LOOKUP"] = lookup
        fn = _k.gemv_lookup_kernel
    if args.kernel in ("prmt", "prmt-shared"):
        consts["DOT"] = word_dot_asm(torch.bfloat16)
        consts["WIDE"] = args.kernel == "prmt"
        ptrs = {**ptrs, "table_ptr": "*i32"}
        ptrs["out_ptr"] = ptrs.pop("out_ptr")  # keep the kernel's argument order
        fn = _k.gemv_prmt_kernel
    return _compile(fn, {**ptrs, "N": "i32"}, consts, [*range(len(ptrs)), len(ptrs)], args)


def _cuobjdump(cubin: bytes, flag: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(cubin)
        f.flush()
        tool = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin",
                            "cuobjdump")
        return subprocess.run([tool, flag, f.name], capture_output=True, text=True).stdout


def sass(cubin: bytes) -> str:
    return _cuobjdump(cubin, "-sass")


def registers(cubin: bytes) -> str:
    """Registers per thread (cuobjdump's resource usage; the offline metadata lacks them)."""
    found = re.search(r"REG:(\d+)", _cuobjdump(cubin, "-res-usage"))
    return found.group(1) if found else "?"


def loop_counts(text: str) -> collections.Counter:
    """Opcode counts of the longest loop (a branch back to an earlier address)."""
    rows = [(int(a, 16), body) for a, body in re.findall(r"/\*([0-9a-f]{4,})\*/\s+([^;]*);", text)]
    best = (0, -1)
    for i, (addr, body) in enumerate(rows):
        jump = re.search(r"BRA\s+(?:`\()?0x([0-9a-f]+)", body)
        if jump and int(jump.group(1), 16) < addr:
            start = next(k for k, (a, _) in enumerate(rows) if a >= int(jump.group(1), 16))
            if i - start > best[1] - best[0]:
                best = (start, i)
    ops = collections.Counter()
    for _, body in rows[best[0]:best[1] + 1]:
        op = re.match(r"(?:@!?U?P\w+\s+)?([A-Z0-9_]+)", body.strip())
        if op:
            ops[op.group(1)] += 1
    return ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", choices=("tile", "lookup", "prmt", "prmt-shared", "gemv"),
                        default="tile", help="tile: tile_kernel; lookup: gemv_lookup_kernel; prmt(-shared): "
                        "gemv_prmt_kernel, absmax per word (per block); gemv: gemv_kernel")
    parser.add_argument("--groups", type=int, default=8, help="64-element blocks per step (GEMVs)")
    parser.add_argument("--block-n", type=int, default=64)
    parser.add_argument("--block-m", type=int, default=16)
    parser.add_argument("--warps", type=int, default=4)
    parser.add_argument("--stages", type=int, default=1)
    parser.add_argument("--split", type=int, default=1)
    parser.add_argument("--k", type=int, default=4096)
    parser.add_argument("--dump", help="write the SASS here")
    args = parser.parse_args()
    compiled = compile_kernel(args)
    meta = compiled.metadata
    text = sass(compiled.asm["cubin"])
    if args.dump:
        open(args.dump, "w").write(text)
    ops = loop_counts(text)
    total = sum(ops.values())
    blocks = 1 if args.kernel == "tile" else args.groups
    per_byte = total / (args.block_n * 32 * blocks / (args.warps * 32))
    print(f"{args.kernel} n{args.block_n} groups {blocks} w{args.warps}: registers "
          f"{registers(compiled.asm['cubin'])}, shared {meta.shared} B; main loop {total} "
          f"instructions per thread per step ({per_byte:.1f} per code byte per thread): "
          f"{dict(ops.most_common(14))}")


if __name__ == "__main__":
    main()
