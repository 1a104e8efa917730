"""The Triton kernels behind mistral_eval.engine.nf4.kernels, over bitsandbytes' own 4-bit layout.

Layout (never re-quantized): codes two to a byte, high nibble = even element, the [N, K] weight
flattened row-major; one absmax per block of BLOCKSIZE elements (K a multiple of it, so a block
never crosses a row), stored fp32 or, nested, as a uint8 code into `code2` times a second-level
absmax per BLOCKSIZE2 blocks plus `offset`.

- `dequant_kernel`: the whole weight, bit-identical to bitsandbytes' dequantize_4bit.
- `gemv_kernel` (one row): fp32 FMAs; the absmax is factored out of each 64-element block
  (sum(lut[code] * x) * absmax), so there is one table load per code and one FMA per element.
- `gemv_lookup_kernel` (one row): the codes read as int32 words and looked up in registers
  (`_lookup`), each of the 8 outputs per word times its x values in fp32 FMAs, the sum per block
  times its fp32 absmax; no tl.dot, the next two steps' loads in flight.
- `gemv_prmt_kernel` (one row): each int32 word of 8 codes looked up and dotted with its 8 fp32
  x values in one inline-PTX program (byte permutes over 8 table words passed in as registers),
  times the block's absmax into an fp32 accumulator in the codes' own layout.
- `tile_kernel` (2-64 rows): each [BLOCK_N, BLOCK_K] weight tile is dequantized once in
  registers exactly as bitsandbytes does (fp32 code x fp32 absmax, rounded once) and feeds
  `tl.dot` as the left operand (swap-AB: the weight rows fill the MMA's M side, x's rows its N
  side), accumulating in fp32.
- `sum_kernel`: the split-K partials summed in a fixed order (deterministic).

Knows Triton and the layout; knows nothing about bitsandbytes' Python objects or models
(nf4_kernels.py builds the arguments and chooses configs). Defined only when Triton imports.
"""

from __future__ import annotations

try:
    import triton
    import triton.language as tl
    from triton.language.extra import libdevice
except ImportError:  # the CPU CI without the test extra, macOS, Windows
    triton = None

if triton is not None:

    @triton.jit
    def _absmax_load(absmax_ptr, absmax2_ptr, block, mask, NESTED: tl.constexpr,
                     BLOCKSIZE2: tl.constexpr):
        """What `_absmax` needs of the 4-bit blocks `block` from memory (issued early: prefetch)."""
        if NESTED:
            q = tl.load(absmax_ptr + block, mask=mask, other=0)
            second = tl.load(absmax2_ptr + block // BLOCKSIZE2, mask=mask, other=0.0)
        else:
            q = tl.load(absmax_ptr + block, mask=mask, other=0.0)
            second = q
        return q, second

    @triton.jit
    def _absmax(q, second, code2_ptr, offset_ptr, NESTED: tl.constexpr,
                INTERPRETED: tl.constexpr):
        """fp32 absmax: stored, or code2[q] * absmax2 + offset as bitsandbytes computes it (two
        roundings, never one fused multiply-add)."""
        if NESTED:
            scaled = tl.load(code2_ptr + q.to(tl.int32)) * second
            offset = tl.broadcast_to(tl.load(offset_ptr), scaled.shape)
            if INTERPRETED:  # numpy rounds each operation; libdevice has no interpreter version
                absmax = scaled + offset
            else:
                absmax = libdevice.add_rn(scaled, offset)
        else:
            absmax = q
        return absmax

    @triton.jit
    def _scales(absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, block, mask,
                NESTED: tl.constexpr, BLOCKSIZE2: tl.constexpr, INTERPRETED: tl.constexpr):
        """fp32 absmax of the 4-bit blocks `block`."""
        q, second = _absmax_load(absmax_ptr, absmax2_ptr, block, mask, NESTED, BLOCKSIZE2)
        return _absmax(q, second, code2_ptr, offset_ptr, NESTED, INTERPRETED)

    @triton.jit
    def round_to(value, DTYPE: tl.constexpr, INTERPRETED: tl.constexpr):
        """fp32 -> DTYPE, round to nearest even (the interpreter truncates to bf16: do it here)."""
        if INTERPRETED and DTYPE == tl.bfloat16:
            bits = value.to(tl.uint32, bitcast=True)
            bits = bits + 0x7FFF + ((bits >> 16) & 1)
            return (bits >> 16).to(tl.uint16).to(tl.bfloat16, bitcast=True)
        return value.to(DTYPE)

    @triton.jit
    def _dot(a, b, acc, INTERPRETED: tl.constexpr):
        """acc + a @ b; the interpreter multiplies bf16 as raw integers, so it gets fp32."""
        if INTERPRETED:
            return tl.dot(a.to(tl.float32), b.to(tl.float32), acc)
        return tl.dot(a, b, acc)

    @triton.jit
    def _gemv_loads(packed_ptr, x_words, absmax_ptr, absmax2_ptr, rows, n, n_mask, block, end, j,
                    HALF: tl.constexpr, BLOCKS: tl.constexpr, NESTED: tl.constexpr,
                    BLOCKSIZE2: tl.constexpr):
        """What one GEMV step reads for the 4-bit blocks `block`: codes, x pairs, absmax parts."""
        k_mask = block < end
        mask2 = n_mask[:, None] & k_mask[None, :]
        code = tl.load(packed_ptr + rows + block[None, :, None] * HALF, mask=mask2[:, :, None], other=0)
        xw = tl.load(x_words + block[:, None] * HALF + j[None, :], mask=k_mask[:, None], other=0)
        q, second = _absmax_load(absmax_ptr, absmax2_ptr, n[:, None] * BLOCKS + block[None, :], mask2,
                                 NESTED, BLOCKSIZE2)
        return code, xw, q, second

    @triton.jit
    def _tile_loads(x_ptr, absmax_ptr, absmax2_ptr, rows, n, n_mask, m, m_mask, stride_x, block, end, w,
                    kk, WORDS: tl.constexpr, BLOCKSIZE: tl.constexpr, BLOCKS: tl.constexpr,
                    NESTED: tl.constexpr, BLOCKSIZE2: tl.constexpr):
        """What one tile step reads for the 4-bit block `block` of every row: its codes as int32
        words [BN, WORDS], absmax parts [BN], and x^T [BLOCKSIZE, BM]."""
        code = tl.load(rows + block * WORDS, mask=n_mask[:, None] & (block + w * 0 < end)[None, :], other=0)
        q, second = _absmax_load(absmax_ptr, absmax2_ptr, n * BLOCKS + block,
                                 n_mask & ((block + n * 0) < end), NESTED, BLOCKSIZE2)
        xt = tl.load(x_ptr + m[None, :] * stride_x + (block * BLOCKSIZE + kk)[:, None],
                     mask=m_mask[None, :] & ((block + kk * 0) < end)[:, None], other=0.0)
        return code, q, second, xt

    @triton.jit
    def _lookup(words, lut_ptr, like, LOOKUP: tl.constexpr, INTERPRETED: tl.constexpr):
        """int32 words of 4 code bytes -> 8 tensors of table values in like's dtype (unscaled),
        output 2p + e for byte p, nibble e (0 high, 1 low) of each word: on the GPU by register
        permutes (nf4_lookup.lookup_asm, LOOKUP), in the interpreter from `lut_ptr` (the same
        values, rounded to the dtype, stored fp32)."""
        if INTERPRETED:
            dt = like.dtype
            return (tl.load(lut_ptr + ((words >> 4) & 15)).to(dt), tl.load(lut_ptr + (words & 15)).to(dt),
                    tl.load(lut_ptr + ((words >> 12) & 15)).to(dt), tl.load(lut_ptr + ((words >> 8) & 15)).to(dt),
                    tl.load(lut_ptr + ((words >> 20) & 15)).to(dt), tl.load(lut_ptr + ((words >> 16) & 15)).to(dt),
                    tl.load(lut_ptr + ((words >> 28) & 15)).to(dt), tl.load(lut_ptr + ((words >> 24) & 15)).to(dt))
        else:
            return tl.inline_asm_elementwise(LOOKUP, "=r,=r,=r,=r,=r,=r,=r,=r,r,r", [words],
                                             dtype=(like.dtype,) * 8, is_pure=True, pack=2)

    @triton.jit
    def _weights(v):
        """The 8 lookup outputs [BN, WORDS] -> [BN, 8 WORDS] in element order: output 2p + e of
        word i goes to column 8i + 2p + e, the element it holds (tl.join appends its new axis
        last, so the most significant bit of 2p + e is joined first)."""
        inner = tl.join(tl.join(tl.join(v[0], v[4]), tl.join(v[2], v[6])),
                        tl.join(tl.join(v[1], v[5]), tl.join(v[3], v[7])))  # [BN, WORDS, 2, 2, 2]
        return tl.reshape(inner, [v[0].shape[0], 8 * v[0].shape[1]])

    @triton.jit
    def dequant_kernel(packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr,
                        out_ptr, n_bytes, n_out, BLOCKSIZE: tl.constexpr,
                        BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BYTES: tl.constexpr,
                        INTERPRETED: tl.constexpr):
        idx = tl.program_id(0) * BYTES + tl.arange(0, BYTES)
        mask = idx < n_bytes
        code = tl.load(packed_ptr + idx, mask=mask, other=0).to(tl.int32)
        scale = _scales(absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, idx // (BLOCKSIZE // 2),
                        mask, NESTED, BLOCKSIZE2, INTERPRETED)
        hi = tl.load(lut_ptr + (code >> 4)) * scale
        lo = tl.load(lut_ptr + (code & 15)) * scale
        where = tl.join(2 * idx, 2 * idx + 1)  # [BYTES, 2]
        tl.store(out_ptr + where, round_to(tl.join(hi, lo), out_ptr.dtype.element_ty, INTERPRETED),
                 mask=where < n_out)

    @triton.jit
    def _pairs(xw, DTYPE: tl.constexpr):
        """Two 16-bit x values per int32 word (little-endian, even element low) -> fp32 pair."""
        if DTYPE == tl.bfloat16:  # bf16 -> fp32 is a shift
            even = (xw << 16).to(tl.float32, bitcast=True)
            odd = (xw & -65536).to(tl.float32, bitcast=True)
        else:
            even = (xw & 65535).to(tl.uint16).to(tl.float16, bitcast=True).to(tl.float32)
            odd = ((xw >> 16) & 65535).to(tl.uint16).to(tl.float16, bitcast=True).to(tl.float32)
        return even, odd

    @triton.jit
    def _gemv_span(N, BLOCKS: tl.constexpr, BLOCK_N: tl.constexpr, GROUPS: tl.constexpr,
                   SPLIT_K: tl.constexpr):
        """One-row kernels' program (n tile, k split): its rows, their mask, its first and
        end 4-bit block (whole steps of GROUPS blocks), and the block offsets of a step."""
        n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
        span = tl.cdiv(BLOCKS, SPLIT_K * GROUPS) * GROUPS
        start = tl.program_id(1) * span
        return n, n < N, start, tl.minimum(start + span, BLOCKS), tl.arange(0, GROUPS)

    @triton.jit
    def _gemv_store(acc, out_ptr, n, n_mask, N, SPLIT_K: tl.constexpr):
        """One-row kernels' end: the row sums of acc [BN, G] as the output, or fp32 partials."""
        total = tl.sum(acc, axis=1)
        if SPLIT_K == 1:
            tl.store(out_ptr + n, total.to(out_ptr.dtype.element_ty), mask=n_mask)
        else:
            tl.store(out_ptr + tl.program_id(1) * N + n, total, mask=n_mask)

    @triton.jit
    def gemv_kernel(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr,
                     out_ptr, N, K: tl.constexpr, BLOCKSIZE: tl.constexpr,
                     BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BLOCK_N: tl.constexpr,
                     GROUPS: tl.constexpr, SPLIT_K: tl.constexpr, INTERPRETED: tl.constexpr):
        """One row: out[n] = sum over blocks b of absmax[n, b] * sum_k lut[code[n, k]] x[k];
        program (n tile, k split), GROUPS blocks of every row per step; the next step's codes,
        x and absmax are loaded before this step's arithmetic (DRAM latency under the FMAs)."""
        HALF: tl.constexpr = BLOCKSIZE // 2
        BLOCKS: tl.constexpr = K // BLOCKSIZE  # per row
        n, n_mask, start, end, g = _gemv_span(N, BLOCKS, BLOCK_N, GROUPS, SPLIT_K)
        j = tl.arange(0, HALF)
        x_words = x_ptr.to(tl.pointer_type(tl.int32), bitcast=True)  # (even, odd) pairs
        rows = n[:, None, None] * (BLOCKS * HALF) + j[None, None, :]
        # everything a step reads from memory is loaded one step ahead (prefetch)
        code_next, xw_next, q_next, second_next = _gemv_loads(
            packed_ptr, x_words, absmax_ptr, absmax2_ptr, rows, n, n_mask, start + g, end, j,
            HALF, BLOCKS, NESTED, BLOCKSIZE2)
        acc = tl.zeros([BLOCK_N, GROUPS], dtype=tl.float32)
        for b0 in range(start, end, GROUPS):
            code, xw, q, second = code_next.to(tl.int32), xw_next, q_next, second_next
            code_next, xw_next, q_next, second_next = _gemv_loads(  # the next step's
                packed_ptr, x_words, absmax_ptr, absmax2_ptr, rows, n, n_mask, b0 + GROUPS + g, end,
                j, HALF, BLOCKS, NESTED, BLOCKSIZE2)
            even, odd = _pairs(xw, x_ptr.dtype.element_ty)
            part = (tl.sum(tl.load(lut_ptr + (code >> 4)) * even[None], axis=2)
                    + tl.sum(tl.load(lut_ptr + (code & 15)) * odd[None], axis=2))
            acc += part * _absmax(q, second, code2_ptr, offset_ptr, NESTED, INTERPRETED)
        _gemv_store(acc, out_ptr, n, n_mask, N, SPLIT_K)

    @triton.jit
    def _gemv_lookup_loads(rows, x_words, absmax_ptr, absmax2_ptr, n, n_mask, block, end, w,
                           WORDS: tl.constexpr, BLOCKS: tl.constexpr, NESTED: tl.constexpr,
                           BLOCKSIZE2: tl.constexpr):
        """What one lookup-GEMV step reads for the 4-bit blocks `block` [G] of every row: codes
        as int32 words [BN, G, WORDS], x as int32 pairs (4 tensors [G, WORDS]: pair p of word i
        holds elements 8i + 2p, 8i + 2p + 1), absmax parts [BN, G]."""
        k_mask = block < end
        mask2 = n_mask[:, None] & k_mask[None, :]
        code = tl.load(rows + block[None, :, None] * WORDS, mask=mask2[:, :, None], other=0)
        pairs = x_words + block[:, None] * (4 * WORDS) + 4 * w[None, :]
        x_mask = k_mask[:, None]
        x0 = tl.load(pairs, mask=x_mask, other=0)
        x1 = tl.load(pairs + 1, mask=x_mask, other=0)
        x2 = tl.load(pairs + 2, mask=x_mask, other=0)
        x3 = tl.load(pairs + 3, mask=x_mask, other=0)
        q, second = _absmax_load(absmax_ptr, absmax2_ptr, n[:, None] * BLOCKS + block[None, :], mask2,
                                 NESTED, BLOCKSIZE2)
        return code, x0, x1, x2, x3, q, second

    @triton.jit
    def _gemv_lookup_step(acc, code, x0, x1, x2, x3, q, second, code2_ptr, offset_ptr, lut_ptr,
                          DTYPE: tl.constexpr, NESTED: tl.constexpr, LOOKUP: tl.constexpr,
                          INTERPRETED: tl.constexpr):
        """acc [BN, G] + (sum over the block's codes of lut[code] x) * absmax."""
        v = _lookup(code, lut_ptr, tl.zeros([1], dtype=DTYPE), LOOKUP, INTERPRETED)  # like: the dtype
        e0, o0 = _pairs(x0, DTYPE)
        e1, o1 = _pairs(x1, DTYPE)
        e2, o2 = _pairs(x2, DTYPE)
        e3, o3 = _pairs(x3, DTYPE)
        part = v[0].to(tl.float32) * e0[None]
        part += v[1].to(tl.float32) * o0[None]
        part += v[2].to(tl.float32) * e1[None]
        part += v[3].to(tl.float32) * o1[None]
        part += v[4].to(tl.float32) * e2[None]
        part += v[5].to(tl.float32) * o2[None]
        part += v[6].to(tl.float32) * e3[None]
        part += v[7].to(tl.float32) * o3[None]
        scale = _absmax(q, second, code2_ptr, offset_ptr, NESTED, INTERPRETED)
        return acc + tl.sum(part, axis=2) * scale

    @triton.jit
    def gemv_lookup_kernel(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr,
                            lut_ptr, out_ptr, N, K: tl.constexpr, BLOCKSIZE: tl.constexpr,
                            BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BLOCK_N: tl.constexpr,
                            GROUPS: tl.constexpr, SPLIT_K: tl.constexpr, LOOKUP: tl.constexpr,
                            INTERPRETED: tl.constexpr):
        """One row, no tl.dot: program (n tile, k split) takes GROUPS blocks of every row per
        step, codes as int32 words looked up in registers (`_lookup`), each of the 8 outputs
        times its x values in fp32, summed per block and scaled by its fp32 absmax into acc
        [BN, G]; the loads of the next two steps are in flight during this one's arithmetic.
        (Triton puts the absmax in another layout than the block sums: acc goes through 512 B
        of shared memory per step at BN 16, GROUPS 8; benchmarks/NOTES.md, step 8.)"""
        WORDS: tl.constexpr = BLOCKSIZE // 8
        BLOCKS: tl.constexpr = K // BLOCKSIZE  # per row
        DTYPE: tl.constexpr = x_ptr.dtype.element_ty
        n, n_mask, start, end, g = _gemv_span(N, BLOCKS, BLOCK_N, GROUPS, SPLIT_K)
        w = tl.arange(0, WORDS)
        x_words = x_ptr.to(tl.pointer_type(tl.int32), bitcast=True)
        rows = (packed_ptr.to(tl.pointer_type(tl.int32), bitcast=True)
                + n[:, None, None] * (BLOCKS * WORDS) + w[None, None, :])
        ahead1 = _gemv_lookup_loads(rows, x_words, absmax_ptr, absmax2_ptr, n, n_mask, start + g, end,
                                    w, WORDS, BLOCKS, NESTED, BLOCKSIZE2)
        ahead2 = _gemv_lookup_loads(rows, x_words, absmax_ptr, absmax2_ptr, n, n_mask,
                                    start + GROUPS + g, end, w, WORDS, BLOCKS, NESTED, BLOCKSIZE2)
        acc = tl.zeros([BLOCK_N, GROUPS], dtype=tl.float32)
        for b0 in range(start, end, GROUPS):
            code, x0, x1, x2, x3, q, second = ahead1
            ahead1 = ahead2
            ahead2 = _gemv_lookup_loads(rows, x_words, absmax_ptr, absmax2_ptr, n, n_mask,
                                        b0 + 2 * GROUPS + g, end, w, WORDS, BLOCKS, NESTED, BLOCKSIZE2)
            acc = _gemv_lookup_step(acc, code, x0, x1, x2, x3, q, second, code2_ptr, offset_ptr,
                                    lut_ptr, DTYPE, NESTED, LOOKUP, INTERPRETED)
        _gemv_store(acc, out_ptr, n, n_mask, N, SPLIT_K)

    @triton.jit
    def _prmt_loads(rows, x_words, absmax_ptr, absmax2_ptr, n, block, end, w, WORDS: tl.constexpr,
                    BLOCKS: tl.constexpr, NESTED: tl.constexpr, BLOCKSIZE2: tl.constexpr,
                    WIDE: tl.constexpr):
        """What one prmt-GEMV step reads for the 4-bit blocks `block` [G]: codes as int32 words
        [BN, G, WORDS], x as 4 int32 pair tensors [G, WORDS], absmax parts: [BN, G, WORDS] (WIDE:
        the same block's absmax for each of its words, so Triton gives it the codes' layout and
        needs no shared memory, at the price of a decode per word) or [BN, G, 1] (Triton then
        converts the word sums to the absmax's layout through shared memory, with barriers).
        Codes and absmax unmasked (rows `n` clamped by the caller, blocks here); x masked to 0
        past `end`, which zeroes those blocks' products."""
        x_mask = (block < end)[:, None]
        safe = tl.minimum(block, BLOCKS - 1)
        code = tl.load(rows + safe[None, :, None] * WORDS)
        pairs = x_words + safe[:, None] * (4 * WORDS) + 4 * w[None, :]
        x0 = tl.load(pairs, mask=x_mask, other=0)
        x1 = tl.load(pairs + 1, mask=x_mask, other=0)
        x2 = tl.load(pairs + 2, mask=x_mask, other=0)
        x3 = tl.load(pairs + 3, mask=x_mask, other=0)
        where = n[:, None, None] * BLOCKS + safe[None, :, None]
        if WIDE:
            where = where + 0 * w[None, None, :]
        if NESTED:
            q = tl.load(absmax_ptr + where)
            second = tl.load(absmax2_ptr + where // BLOCKSIZE2)
        else:
            q = tl.load(absmax_ptr + where)
            second = q
        return code, x0, x1, x2, x3, q, second

    @triton.jit
    def _word_dot(code, x, table, lut_ptr, DOT: tl.constexpr, INTERPRETED: tl.constexpr):
        """sum over the 8 codes of each int32 word of lut[code] * x (x: 8 fp32 tensors, element
        order): on the GPU one inline-PTX program per word (nf4_lookup.word_dot_asm, DOT) with
        the 10 table words as register inputs; in the interpreter from `lut_ptr`."""
        if INTERPRETED:
            total = tl.load(lut_ptr + ((code >> 4) & 15)) * x[0]
            total += tl.load(lut_ptr + (code & 15)) * x[1]
            total += tl.load(lut_ptr + ((code >> 12) & 15)) * x[2]
            total += tl.load(lut_ptr + ((code >> 8) & 15)) * x[3]
            total += tl.load(lut_ptr + ((code >> 20) & 15)) * x[4]
            total += tl.load(lut_ptr + ((code >> 16) & 15)) * x[5]
            total += tl.load(lut_ptr + ((code >> 28) & 15)) * x[6]
            total += tl.load(lut_ptr + ((code >> 24) & 15)) * x[7]
            return total
        else:
            return tl.inline_asm_elementwise(
                DOT, "=f,r" + ",f" * 8 + ",r" * 10,
                [code, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], table[0], table[1], table[2],
                 table[3], table[4], table[5], table[6], table[7], table[8], table[9]],
                dtype=tl.float32, is_pure=True, pack=1)

    @triton.jit
    def gemv_prmt_kernel(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr,
                          lut_ptr, table_ptr, out_ptr, N, K: tl.constexpr, BLOCKSIZE: tl.constexpr,
                          BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BLOCK_N: tl.constexpr,
                          GROUPS: tl.constexpr, SPLIT_K: tl.constexpr, DOT: tl.constexpr,
                          WIDE: tl.constexpr, INTERPRETED: tl.constexpr):
        """One row: program (n tile, k split), GROUPS blocks of BLOCK_N rows per step. Each int32
        word of 8 codes is looked up and dotted with its 8 fp32 x values by one PTX program
        (`_word_dot`, ~38 instructions per word), its 10 table words kernel inputs loaded once
        (registers ptxas cannot rematerialize); the words' sums times their block's absmax
        accumulate in fp32 [BN, G, WORDS] (absmax per word or per block: `_prmt_loads`, WIDE),
        reduced once at the end.
        Rows past N are clamped to N - 1 (computed, not stored)."""
        WORDS: tl.constexpr = BLOCKSIZE // 8
        BLOCKS: tl.constexpr = K // BLOCKSIZE  # per row
        DTYPE: tl.constexpr = x_ptr.dtype.element_ty
        n, n_mask, start, end, g = _gemv_span(N, BLOCKS, BLOCK_N, GROUPS, SPLIT_K)
        safe_n = tl.minimum(n, N - 1)
        w = tl.arange(0, WORDS)
        x_words = x_ptr.to(tl.pointer_type(tl.int32), bitcast=True)
        rows = (packed_ptr.to(tl.pointer_type(tl.int32), bitcast=True)
                + safe_n[:, None, None] * (BLOCKS * WORDS) + w[None, None, :])
        table = (tl.load(table_ptr), tl.load(table_ptr + 1), tl.load(table_ptr + 2),
                 tl.load(table_ptr + 3), tl.load(table_ptr + 4), tl.load(table_ptr + 5),
                 tl.load(table_ptr + 6), tl.load(table_ptr + 7), tl.load(table_ptr + 8),
                 tl.load(table_ptr + 9))
        nxt = _prmt_loads(rows, x_words, absmax_ptr, absmax2_ptr, safe_n, start + g, end, w, WORDS,
                          BLOCKS, NESTED, BLOCKSIZE2, WIDE)
        acc = tl.zeros([BLOCK_N, GROUPS, WORDS], dtype=tl.float32)
        for b0 in range(start, end, GROUPS):
            code, x0, x1, x2, x3, q, second = nxt
            nxt = _prmt_loads(rows, x_words, absmax_ptr, absmax2_ptr, safe_n, b0 + GROUPS + g, end, w,
                              WORDS, BLOCKS, NESTED, BLOCKSIZE2, WIDE)
            e0, o0 = _pairs(x0, DTYPE)
            e1, o1 = _pairs(x1, DTYPE)
            e2, o2 = _pairs(x2, DTYPE)
            e3, o3 = _pairs(x3, DTYPE)
            x = (e0[None], o0[None], e1[None], o1[None], e2[None], o2[None], e3[None], o3[None])
            part = _word_dot(code, x, table, lut_ptr, DOT, INTERPRETED)
            acc += part * _absmax(q, second, code2_ptr, offset_ptr, NESTED, INTERPRETED)
        total = tl.sum(tl.sum(acc, axis=2), axis=1)
        if SPLIT_K == 1:
            tl.store(out_ptr + n, total.to(out_ptr.dtype.element_ty), mask=n_mask)
        else:
            tl.store(out_ptr + tl.program_id(1) * N + n, total, mask=n_mask)

    @triton.jit
    def _tile(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr, out_ptr,
              tile_n, M, N, stride_x, stride_out, K: tl.constexpr, BLOCKSIZE: tl.constexpr,
              BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BLOCK_M: tl.constexpr,
              BLOCK_N: tl.constexpr, SPLIT_K: tl.constexpr, LOOKUP: tl.constexpr,
              INTERPRETED: tl.constexpr):
        """One program of the tile kernels: rows tile_n * BLOCK_N.. of one weight against up to
        BLOCK_M rows of x (one, padded, too): acc[n, m] = sum over 4-bit blocks b of
        absmax[n, b] * sum_k lut[code[n, k]] x[m, k]. Per block, the codes are read as int32 words
        and looked up in registers into tl.dot's left operand [BN, BLOCKSIZE] (x^T the right one),
        and the block's fp32 absmax scales the product. The next block's codes, absmax and x are
        loaded before this one's arithmetic. Out: [M, stride_out] (columns from out_ptr), or
        fp32 partials [SPLIT_K, M, stride_out]."""
        WORDS: tl.constexpr = BLOCKSIZE // 8
        BLOCKS: tl.constexpr = K // BLOCKSIZE
        n = tile_n * BLOCK_N + tl.arange(0, BLOCK_N)
        m = tl.program_id(1) * BLOCK_M + tl.arange(0, BLOCK_M)
        n_mask, m_mask = n < N, m < M
        span = tl.cdiv(BLOCKS, SPLIT_K)
        start = tl.program_id(2) * span
        end = tl.minimum(start + span, BLOCKS)
        w = tl.arange(0, WORDS)
        kk = tl.arange(0, BLOCKSIZE)
        rows = (packed_ptr.to(tl.pointer_type(tl.int32), bitcast=True) + n[:, None] * (BLOCKS * WORDS)
                + w[None, :])
        nxt = _tile_loads(x_ptr, absmax_ptr, absmax2_ptr, rows, n, n_mask, m, m_mask, stride_x, start,
                          end, w, kk, WORDS, BLOCKSIZE, BLOCKS, NESTED, BLOCKSIZE2)
        acc = tl.zeros([BLOCK_N, BLOCK_M], dtype=tl.float32)
        for b in range(start, end):
            code, q, second, xt = nxt
            nxt = _tile_loads(x_ptr, absmax_ptr, absmax2_ptr, rows, n, n_mask, m, m_mask, stride_x, b + 1,
                              end, w, kk, WORDS, BLOCKSIZE, BLOCKS, NESTED, BLOCKSIZE2)
            weights = _weights(_lookup(code, lut_ptr, xt, LOOKUP, INTERPRETED))
            part = _dot(weights, xt, tl.zeros([BLOCK_N, BLOCK_M], dtype=tl.float32), INTERPRETED)
            acc += part * _absmax(q, second, code2_ptr, offset_ptr, NESTED, INTERPRETED)[:, None]
        where = m[None, :] * stride_out + n[:, None]
        mask = n_mask[:, None] & m_mask[None, :]
        if SPLIT_K == 1:
            tl.store(out_ptr + where, acc.to(out_ptr.dtype.element_ty), mask=mask)
        else:
            tl.store(out_ptr + tl.program_id(2) * M * stride_out + where, acc, mask=mask)

    @triton.jit(do_not_specialize=["M"])  # one compile for every row count
    def tile_kernel(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr,
                     out_ptr, M, N, stride_x, K: tl.constexpr, BLOCKSIZE: tl.constexpr,
                     BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BLOCK_M: tl.constexpr,
                     BLOCK_N: tl.constexpr, SPLIT_K: tl.constexpr, LOOKUP: tl.constexpr,
                     INTERPRETED: tl.constexpr):
        """One weight: program (n tile, m tile, split) runs `_tile`."""
        _tile(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr, out_ptr,
              tl.program_id(0), M, N, stride_x, N, K, BLOCKSIZE, BLOCKSIZE2, NESTED, BLOCK_M, BLOCK_N,
              SPLIT_K, LOOKUP, INTERPRETED)

    @triton.jit(do_not_specialize=["M"])  # one compile for every row count
    def group_kernel(x_ptr, packed0, absmax0, absmax20, offset0, packed1, absmax1, absmax21, offset1,
                      packed2, absmax2, absmax22, offset2, code2_ptr, lut_ptr, out_ptr, M, N0, N1, N2,
                      tiles0, tiles01, stride_x, stride_out, K: tl.constexpr,
                      BLOCKSIZE: tl.constexpr, BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr,
                      BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, SPLIT_K: tl.constexpr,
                      LOOKUP: tl.constexpr, GROUP: tl.constexpr, INTERPRETED: tl.constexpr):
        """Two or three weights of one input (q/k/v, gate/up) in one launch: n tiles 0..tiles0-1
        are weight 0's, then weight 1's, then weight 2's; their outputs side by side in one
        [M, stride_out] (or partials [SPLIT_K, M, stride_out])."""
        pid = tl.program_id(0)
        if pid < tiles0:
            _tile(x_ptr, packed0, absmax0, absmax20, code2_ptr, offset0, lut_ptr, out_ptr, pid, M, N0,
                  stride_x, stride_out, K, BLOCKSIZE, BLOCKSIZE2, NESTED, BLOCK_M, BLOCK_N, SPLIT_K,
                  LOOKUP, INTERPRETED)
        elif GROUP == 2 or pid < tiles01:
            _tile(x_ptr, packed1, absmax1, absmax21, code2_ptr, offset1, lut_ptr, out_ptr + N0,
                  pid - tiles0, M, N1, stride_x, stride_out, K, BLOCKSIZE, BLOCKSIZE2, NESTED, BLOCK_M,
                  BLOCK_N, SPLIT_K, LOOKUP, INTERPRETED)
        else:
            _tile(x_ptr, packed2, absmax2, absmax22, code2_ptr, offset2, lut_ptr, out_ptr + N0 + N1,
                  pid - tiles01, M, N2, stride_x, stride_out, K, BLOCKSIZE, BLOCKSIZE2, NESTED, BLOCK_M,
                  BLOCK_N, SPLIT_K, LOOKUP, INTERPRETED)

    @triton.jit(do_not_specialize=["size"])  # one compile for every row count
    def sum_kernel(partial_ptr, out_ptr, size, SPLIT_K: tl.constexpr, BLOCK: tl.constexpr):
        """out = sum of the SPLIT_K fp32 partials, in a fixed order (deterministic)."""
        idx = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = idx < size
        total = tl.zeros([BLOCK], dtype=tl.float32)
        for s in range(SPLIT_K):
            total += tl.load(partial_ptr + s * size + idx, mask=mask, other=0.0)
        tl.store(out_ptr + idx, total.to(out_ptr.dtype.element_ty), mask=mask)

    @triton.jit(do_not_specialize=["M"])  # one compile for every row count
    def silu_sum_kernel(partial_ptr, out_ptr, M, HALF_N, SPLIT_K: tl.constexpr, BLOCK: tl.constexpr,
                         INTERPRETED: tl.constexpr):
        """gate/up partials [SPLIT_K, M, 2 HALF_N] -> SiLU(gate) * up [M, HALF_N], rounded as
        transformers' MistralMLP rounds (gate, up and SiLU(gate) each to the dtype, then the
        product); the splits summed in a fixed order."""
        idx = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = idx < M * HALF_N
        row, col = idx // HALF_N, idx % HALF_N
        gate = tl.zeros([BLOCK], dtype=tl.float32)
        up = tl.zeros([BLOCK], dtype=tl.float32)
        for s in range(SPLIT_K):
            base = partial_ptr + s * M * 2 * HALF_N + row * 2 * HALF_N + col
            gate += tl.load(base, mask=mask, other=0.0)
            up += tl.load(base + HALF_N, mask=mask, other=0.0)
        DTYPE: tl.constexpr = out_ptr.dtype.element_ty
        gate = round_to(gate, DTYPE, INTERPRETED).to(tl.float32)
        up = round_to(up, DTYPE, INTERPRETED).to(tl.float32)
        act = round_to(gate / (1.0 + tl.exp(-gate)), DTYPE, INTERPRETED).to(tl.float32)
        tl.store(out_ptr + idx, round_to(act * up, DTYPE, INTERPRETED), mask=mask)
