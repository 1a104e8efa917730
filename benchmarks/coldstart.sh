#!/usr/bin/env bash
# Issue 18's cold start in one GPU call (~2.5 min): the bilingual suite in three fresh processes
# (bench_generate.py --cold-start): empty Triton cache with the kernels compiled ahead during the
# load (engine.warmup), the cache it filled, and another empty cache with MISTRAL_EVAL_WARMUP=0.
# Run from the copy's root; wheels in .whl or ../.whl (NOTES.md, "Device recipe").
set -o pipefail
source benchmarks/device_env.sh  # $out, the wheels, the environment, the card
python3 -c "import torch, triton, transformers; print(torch.__version__, triton.__version__, transformers.__version__)"
timeout ${COLD_S:-200} python3 benchmarks/bench_generate.py --cold-start --out "$out/cold.json" \
  2>&1 | tee "$out/cold.log" | grep -v "^{'recipe'" | cut -c1-1500 | tail -20
echo "rc=$?"
for f in /tmp/triton-cache-*/mistral_eval_warmup/*.log; do  # a worker's own errors, if any
  [ -s "$f" ] && { echo "== $f"; tail -5 "$f"; }
done
if [ -n "$TEST" ]; then  # optional (~1 min more): the GPU test of the warm-up's cache hits
  timeout 120 python3 -m pytest -q -m gpu -p no:cacheprovider tests/gpu/test_warmup_gpu.py 2>&1 | tail -4
fi
exit 0
