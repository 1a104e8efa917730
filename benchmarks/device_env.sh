# Sourced by the device scripts (device18.sh, device19.sh, diag18.sh, table18.sh, coldstart.sh,
# device_gemv.sh) at the copy's root on the GPU machine: $out for what comes back, the carried wheels
# (.whl, or ../.whl beside a .gpuwork copy) installed into /tmp/site, the environment every GPU call
# uses, the card's name, and gpu_test (`make gpu-test`, or its two commands where there is no make).
out=${OUT:-/tmp/out}; mkdir -p "$out"
whl=$( [ -d .whl ] && echo .whl || echo ../.whl )
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site "$whl"/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD MISTRAL_EVAL_7B_DIR=/tmp/m7b HF_HUB_OFFLINE=1 TQDM_DISABLE=1 \
  PYTHONUNBUFFERED=1 TRITON_INTERPRET=0
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
gpu_test() {  # `make gpu-test`, or its two commands where the image has no make
  if command -v make >/dev/null; then make gpu-test PY=python3; else
    python3 -m pytest -q -m gpu --durations=12 tests/gpu; python3 -m pytest -q tests/engine/test_fused_ops.py; fi
}
export -f gpu_test
