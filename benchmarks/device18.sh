#!/usr/bin/env bash
# Issue 18 in one GPU call (~8 min): the cold/warm start rows (coldstart.sh), then `make gpu-test`
# with its key lines (device19.sh). SKIP_COLD=1 leaves the first out; COLD_S and TEST_S bound them.
# Run from the copy's root; wheels in .whl or ../.whl (NOTES.md, "Device recipe").
[ -z "$SKIP_COLD" ] && bash benchmarks/coldstart.sh
bash benchmarks/device19.sh
