#!/usr/bin/env bash
# Issue 18 diagnosis, one GPU call (~6 min): run from the copy's root, wheels in ../.whl or .whl.
set -o pipefail
source benchmarks/device_env.sh  # $out, the wheels, the environment, the card
timeout 170 python3 -X faulthandler benchmarks/diag18.py ops > "$out/ops.log" 2>&1
grep -v COMPILE "$out/ops.log" | grep -v "argmax True" | tail -60
for s in "0 0" "0 auto" "1 0" "1 auto"; do
  set -- $s
  MISTRAL_EVAL_FUSED_OPS=$1 MISTRAL_EVAL_NF4_KERNELS=$2 DUMP_S=${DUMP_S:-55} timeout 75 \
    python3 -X faulthandler benchmarks/diag18.py judge > "$out/judge_$1_$2.log" 2>&1
  echo "== judge fused_ops=$1 nf4=$2 rc=$?"
  grep -E "RAISED|error [^N]|JUDGE DONE|Timeout|File .*(triton|mistral_eval)" "$out/judge_$1_$2.log" | head -25
  grep -c "COMPILE start" "$out/judge_$1_$2.log"
done
