# Sourced by the device scripts (device18.sh, diag18.sh, table18.sh) at the copy's root on the GPU
# machine: $out for what comes back, the carried wheels (.whl, or ../.whl beside a .gpuwork copy)
# installed into /tmp/site, the environment every GPU call uses, and the card's name.
out=${OUT:-/tmp/out}; mkdir -p "$out"
whl=$( [ -d .whl ] && echo .whl || echo ../.whl )
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site "$whl"/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD MISTRAL_EVAL_7B_DIR=/tmp/m7b HF_HUB_OFFLINE=1 TQDM_DISABLE=1 \
  PYTHONUNBUFFERED=1 TRITON_INTERPRET=0
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
