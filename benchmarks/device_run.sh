#!/usr/bin/env bash
# One GPU-machine session in stages (run from the repository root, wheels in ../.whl or .whl,
# llama.cpp source and scripts in ../.peer or .peer; see NOTES.md, "Device recipe"):
#   bash benchmarks/device_run.sh tests   # install, start the llama.cpp build, GPU tests, sweep
#   bash benchmarks/device_run.sh bench   # bench_generate with the sweep's configs, llama.cpp, table
# Each stage redoes what a fresh machine lacks (/tmp goes with the machine).
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
if [ ! -x /tmp/lcpp/llama.cpp/build/bin/llama-bench ] && ! pgrep -f "peer/build.sh" >/dev/null; then
  (cd "$peer" && setsid nohup bash .peer/build.sh >/tmp/lcpp_build.log 2>&1 &)
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"

if [ "$stage" = tests ] || [ "$stage" = all ]; then
  timeout 260 python3 -m pytest -m gpu tests/gpu/test_fused_4bit.py ${FULL:+tests/gpu/test_full_size.py} \
    -s -q -p no:cacheprovider 2>&1 | tee "$out/pytest.log"
  timeout 280 python3 benchmarks/bench_nf4_kernels.py --tune --budget-s ${BUDGET:-180} \
    --rows ${ROWS:-1,8,32,64} --out /tmp/kernels.json 2>&1 | tee "$out/kernels.log"
  cp /tmp/kernels.json "$out/" 2>/dev/null
fi

if [ "$stage" = bench ] || [ "$stage" = all ]; then
  configs=$( [ -f /tmp/kernels.json ] && echo "--configs /tmp/kernels.json" )
  timeout ${BENCH_S:-330} python3 benchmarks/bench_generate.py --skip ${SKIP:-article,plain} $configs \
    --out "$out/bench.json" 2>&1 | tee "$out/bench.log"
  while pgrep -f "peer/build.sh" >/dev/null; do sleep 5; done
  tail -2 /tmp/lcpp_build.log
  (cd "$peer" && timeout 240 bash .peer/bench.sh) 2>&1 | tail -40
  python3 benchmarks/compare_peer.py "$out/bench.json" "$out" --out "$out/compare.json"
fi
