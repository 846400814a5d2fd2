#!/usr/bin/env bash
# Installs everything tapegrad needs to build, test and benchmark on Debian 12.
# A no-op when the packages are already there. Run as root (or with sudo available).
set -euo pipefail
# clang-16 and libclang-rt-16-dev build and run the libFuzzer target (tests/fuzz); llvm-16
# gives llvm-symbolizer, which turns sanitizer and fuzzer stack traces into file:line. (Debian 12's
# clang-14 cannot compile std::source_location from GCC 12's libstdc++; clang 15 and later can.)
packages=(build-essential cmake ninja-build pkg-config
  libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev doctest-dev libfmt-dev
  libcli11-dev nlohmann-json3-dev
  clang-16 libclang-rt-16-dev llvm-16)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
