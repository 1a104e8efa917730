#!/usr/bin/env bash
# Issue 18, the one-row prmt GEMV (NOTES.md step 11) in ONE GPU call (<= 4 min), from the copy's root
# (.gpuwork, wheels in ../.whl or .whl; NOTES.md "Device recipe"):
#   1. the one-row sweep restricted to the prmt candidates (bench_nf4_kernels.py --tune --rows 1
#      --kernels prmt,prmt-shared): per shape bitsandbytes, the current default config, then the
#      candidates, each checked against dequantize_4bit + matmul on the model's layer (rel. error
#      < 8e-3, else "WRONG") before it is timed by CUDA-graph replay of 32 calls (builds /tmp/m7b);
#   2. the prmt GPU tests (PTX against its numpy emulation; bf16/fp16 on the model's layers);
#   3. the one-prompt prefill profile (auto and bitsandbytes): host phases, graph time, kernels, gaps.
# What it prints and what to do with it: benchmarks/GEMV_READY.md.
set -o pipefail
source benchmarks/device_env.sh  # $out, the wheels, the environment, the card
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
timeout ${BENCH_S:-120} python3 benchmarks/bench_nf4_kernels.py --tune --rows 1 \
  --kernels prmt,prmt-shared --budget-s ${SWEEP_S:-60} --out "$out/gemv-kernels.json" 2>&1 \
  | tee "$out/gemv-kernels.log" | grep -E " rows 1 |WRONG|skip|^\||'shape'" | cut -c1-260
echo "sweep rc=${PIPESTATUS[0]}"
PYTEST_ADDOPTS="-s -p no:cacheprovider" timeout ${TEST_S:-55} python3 -m pytest -q -m gpu \
  tests/gpu/test_fused_4bit.py -k "prmt or register_lookup_ptx" > "$out/gemv-tests.log" 2>&1
echo "tests rc=$?"
grep -E "^prmt |passed|failed|Error|assert" "$out/gemv-tests.log" | cut -c1-200 | tail -24
timeout ${PROFILE_S:-55} python3 benchmarks/profile_prefill.py --out "$out/prefill.json" 2>&1 \
  | tee "$out/prefill.log" | grep -v "Warning\|warn" | tail -80
echo "profile rc=${PIPESTATUS[0]}"
