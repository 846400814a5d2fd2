#!/usr/bin/env bash
# The README's demo: installs what is missing (scripts/setup.sh), builds tapegrad in Release, and
# trains the character-level language model on its embedded corpus of public-domain verse for
# at most DEMO_SECONDS (default 90) seconds on 2 cores, then prints samples at two temperatures.
#
#   scripts/demo.sh
#
# Outputs go to build/demo/: the checkpoint char_lm.safetensors (loadable in PyTorch) and the
# loss curve char_lm_loss.svg.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
seconds="${DEMO_SECONDS:-90}"

"$root/scripts/setup.sh"
# Only the build type is set, so a build directory shared with scripts/test.sh keeps its options.
generator=()
[ -f "$build/CMakeCache.txt" ] || generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target char_lm -j 2
out="$build/demo"
mkdir -p "$out"

"$build/examples/char_lm" --cell lstm --hidden 256 --embed 64 --seq 64 --batch 32 \
  --threads 2 --seconds "$seconds" --steps 0 --save "$out/char_lm.safetensors" --sample 400 \
  --temperature 0.8
# The trained model again, sampled more conservatively from a prompt (no further training).
"$build/examples/char_lm" --resume "$out/char_lm.safetensors" --steps 1 --seconds 0 \
  --sample 300 --prompt "The " --temperature 0.5 --plot "$out/resumed_loss.svg" | sed -n '/^--- sample/,/^---$/p'
echo "checkpoint: $out/char_lm.safetensors   loss curve: $out/char_lm_loss.svg"
