#!/usr/bin/env bash
# Issue 18's correctness part in one GPU call (~6 min): `make gpu-test` (every GPU test: the logit
# equivalence grid, the position test, the judge under the four switch settings, the CLI commands
# run / judge / judge --pairwise / sweep), then the key lines. No cold-start rows (device18.sh has them).
# Run from the copy's root; wheels in .whl or ../.whl (NOTES.md, "Device recipe"; the sweep test
# also needs the notebook wheels listed there, else it skips and says which).
set -o pipefail
source benchmarks/device_env.sh  # $out, the wheels, the environment, the card
python3 -c "import torch, triton, transformers; print(torch.__version__, triton.__version__, transformers.__version__)"
python3 - <<'PY'  # what the GPU tests import, present or not (the sweep's notebook stack; fugashi must not be needed)
import importlib.util
names = "bitsandbytes pydantic mistral_common jinja2 pandas matplotlib yaml papermill nbconvert nbformat nbclient ipykernel jupyter_client fugashi".split()
print("imports:", " ".join(f"{n}={'yes' if importlib.util.find_spec(n) else 'NO'}" for n in names))
PY
PYTEST_ADDOPTS="-s -rs -p no:cacheprovider" timeout ${TEST_S:-540} bash -c gpu_test > "$out/gpu-test.log" 2>&1
echo "gpu-test rc=$?"
grep -E "^(issue18|judge|one-token|batch-|long|grid|fp16|planted|position|after the|fp32 reference|fp16 model|\\$ mistral-eval|[0-9]+ case\\(s\\) run|[0-9]+ judgment|[0-9]+ of [0-9]+ combination)|passed|failed|FAIL|SKIPPED|Error|error:|Traceback|s call|s setup" \
  "$out/gpu-test.log" | cut -c1-230 | tail -120
