#!/usr/bin/env bash
# The batch 1/8/32/64 + prefill table against llama.cpp in ONE GPU call (~9 min), from the copy's
# root (.gpuwork) with wheels in ../.whl and llama.cpp's source + scripts in ../.peer (NOTES.md,
# "Device recipe"); also the footprint test measured at load (issue 18's test-order fix).
set -o pipefail
source benchmarks/device_env.sh  # $out, the wheels, the environment, the card
[ -e .peer ] || ln -s ../.peer .peer
(setsid nohup bash .peer/build.sh >/tmp/lcpp_build.log 2>&1 &)
timeout 100 python3 -m pytest -m gpu -q -s -p no:cacheprovider tests/gpu/test_full_size.py \
  -k "footprint or sent_again" 2>&1 | tee "$out/pytest_full.log" | grep -E "nf4:|passed|failed|Error" | head -8
timeout ${BENCH_S:-190} python3 benchmarks/bench_generate.py --skip article,plain,suite \
  --matmul bitsandbytes,auto --batches 1,8,32,64 --out "$out/bench.json" 2>&1 \
  | tee "$out/bench.log" | grep -v "^{"
while pgrep -f "peer/build.sh" >/dev/null; do sleep 5; done
tail -1 /tmp/lcpp_build.log
timeout 210 bash .peer/bench.sh > "$out/peer.log" 2>&1; tail -2 "$out/peer.log"
python3 benchmarks/compare_peer.py "$out/bench.json" "$out" --out "$out/compare.json"
