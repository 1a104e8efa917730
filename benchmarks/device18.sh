#!/usr/bin/env bash
# Issue 18 in one GPU call (~8 min): the cold/warm start rows, then `make gpu-test` (every GPU test,
# the logit-equivalence grid and the judge under the four switch settings among them).
# Run from the copy's root; wheels in .whl or ../.whl (NOTES.md, "Device recipe").
set -o pipefail
source benchmarks/device_env.sh  # $out, the wheels, the environment, the card
python3 -c "import torch, triton, transformers; print(torch.__version__, triton.__version__, transformers.__version__)"
if [ -z "$SKIP_COLD" ]; then
  timeout ${COLD_S:-120} python3 benchmarks/bench_generate.py --cold-start --out "$out/cold.json" \
    2>&1 | tee "$out/cold.log" | grep -v "^{'run'" | tail -8
fi
PYTEST_ADDOPTS="-s -p no:cacheprovider" timeout ${TEST_S:-400} bash -c gpu_test > "$out/gpu-test.log" 2>&1
echo "gpu-test rc=$?"
grep -E "^(issue18|judge|one-token|batch-|longest|grid|fp16|planted|position shift)|passed|failed|FAIL|Error|error:|s call|s setup" "$out/gpu-test.log" | cut -c1-230 | tail -80
