#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang + ASan/UBSan) and runs
# each for SECONDS (default 60) from its seed corpus. A crash fails the run
# and leaves the input in build-fuzz/artifacts/.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzz_frame_decoder
work=build-fuzz/corpus-frame
mkdir -p "$work" build-fuzz/artifacts
# New inputs go to the scratch corpus; the committed seeds stay as they are.
build-fuzz/bin/fuzz_frame_decoder -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1 \
  "$work" tests/fuzz/corpus/frame
