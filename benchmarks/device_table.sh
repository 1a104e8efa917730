#!/usr/bin/env bash
# The issue-12 table in ONE GPU-machine call (~9 min): llama.cpp built in the background while the
# new paths' GPU tests and the engine bench run, then llama.cpp's bench on the same checkpoint and
# the comparison. Carry: .whlf (wheels: a slim bitsandbytes with only its CUDA 13 and CPU
# libraries, pydantic, mistral-common and their needs; NOTES.md "Device recipe") and .peer.
#   bash benchmarks/device_table.sh
set -o pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
  ${WHEELS:-.whlf}/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD MISTRAL_EVAL_7B_DIR=/tmp/m7b HF_HUB_OFFLINE=1 TQDM_DISABLE=1 \
  PYTHONUNBUFFERED=1 TRITON_INTERPRET=0
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
(setsid nohup bash .peer/build.sh >/tmp/lcpp_build.log 2>&1 &)
# the fused step ops on the GPU; if they fail, the bench runs without them (and says so)
timeout 100 python3 -m pytest -q -p no:cacheprovider tests/engine/test_fused_ops.py 2>&1 \
  | tee "$out/pytest_ops.log" | tail -2 || { echo "FUSED OPS FAILED: bench with MISTRAL_EVAL_FUSED_OPS=0";
  export MISTRAL_EVAL_FUSED_OPS=0; }
timeout 110 python3 -m pytest -m gpu -q -s -p no:cacheprovider tests/gpu/test_full_size.py \
  -k "sent_again or fused_kernels" 2>&1 | tee "$out/pytest_full.log" \
  | grep -E "identical|prefill of|passed|failed|Error" | head -12
timeout ${BENCH_S:-170} python3 benchmarks/bench_generate.py --skip article,plain,suite \
  --matmul bitsandbytes,auto --batches 1,8,32,64 --out "$out/bench.json" 2>&1 \
  | tee "$out/bench.log" | grep -v "^{"
while pgrep -f "peer/build.sh" >/dev/null; do sleep 5; done
tail -1 /tmp/lcpp_build.log
timeout 200 bash .peer/bench.sh > "$out/peer.log" 2>&1; tail -2 "$out/peer.log"
python3 benchmarks/compare_peer.py "$out/bench.json" "$out" --out "$out/compare.json"
