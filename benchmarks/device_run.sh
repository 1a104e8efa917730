#!/usr/bin/env bash
# One GPU-machine call (run from the repository root, wheels in ../.whl or .whl, llama.cpp source
# and scripts in ../.peer or .peer; see NOTES.md, "Device recipe"):
#   bash benchmarks/device_run.sh final   # llama.cpp build in the background; engine bnb vs fused
#                                         # (JSON after every row), llama.cpp bench, comparison
#                                         # table, then the GPU kernel tests: ~9 minutes
#   bash benchmarks/device_run.sh sweep   # kernel tests + config sweep (bench_nf4_kernels --tune)
# /tmp goes with the machine: each call redoes what a fresh one lacks.
set -o pipefail
stage=$1
out=${OUT:-/tmp/out}; mkdir -p "$out"
root=$PWD; extra=$(cd .. && pwd)
whl=$( [ -d .whl ] && echo .whl || echo "$extra/.whl" )
peer=$( [ -d .peer ] && echo "$PWD" || echo "$extra" )
export PYTHONPATH=/tmp/site:$root:$extra/.whl/mc:$root/.whl/mc MISTRAL_EVAL_7B_DIR=/tmp/m7b HF_HUB_OFFLINE=1 TQDM_DISABLE=1 \
  PYTHONUNBUFFERED=1
[ -d /tmp/site/bitsandbytes ] || python3 -m pip install -q --no-index --no-deps --no-compile \
  --no-cache-dir --target /tmp/site "$whl"/*.whl || exit 1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"

if [ "$stage" = sweep ]; then
  timeout 170 python3 -m pytest -m gpu tests/gpu/test_fused_4bit.py -q -p no:cacheprovider 2>&1 \
    | tee "$out/pytest.log" | tail -5
  timeout 330 python3 benchmarks/bench_nf4_kernels.py --tune --budget-s ${BUDGET:-210} \
    --out "$out/kernels.json" 2>&1 | tee "$out/kernels.log" | grep -v "^{'shape'"
fi

if [ "$stage" = final ]; then
  (cd "$peer" && setsid nohup bash .peer/build.sh >/tmp/lcpp_build.log 2>&1 &)
  timeout ${BENCH_S:-220} python3 benchmarks/bench_generate.py --skip article,plain,suite \
    --batches 1,8,32,64 --out "$out/bench.json" 2>&1 | tee "$out/bench.log" | grep -v "^{"
  while pgrep -f "peer/build.sh" >/dev/null; do sleep 5; done
  tail -2 /tmp/lcpp_build.log
  (cd "$peer" && timeout 200 bash .peer/bench.sh) > "$out/peer.log" 2>&1; tail -3 "$out/peer.log"
  python3 benchmarks/compare_peer.py "$out/bench.json" "$out" --out "$out/compare.json"
  timeout ${TEST_S:-90} python3 -m pytest -m gpu tests/gpu/test_fused_4bit.py -q -p no:cacheprovider \
    2>&1 | tee "$out/pytest.log" | tail -3
fi
