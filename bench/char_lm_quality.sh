#!/usr/bin/env bash
# The char_lm quality bar (issue #6): the PyTorch peer and tapegrad's char_lm on tiny
# Shakespeare with the peer's config (1-layer LSTM 256, seq 64, batch 32, Adam 2e-3, clip 5)
# and the same wall-clock training budget, one after the other so neither slows the other.
# Both train on batches of random windows from a zero state and validate on consecutive
# 64-char windows of the last 10%, each from a zero state (char_lm --batching random).
#
#   bench/char_lm_quality.sh [path/to/char_lm]        (default: build/examples/char_lm)
#
# Environment: SECONDS_BUDGET (120), SEED (1), DATA (../shared/data/tinyshakespeare.txt),
# PEER (../shared/bench/peers/char_lm_torch.py), PEER_THREADS ("--threads 1 --blas-threads 2",
# the peer's fastest setting in its RESULTS.md), CHAR_LM_THREADS (1), LOGS (a temp directory).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
char_lm="${1:-$root/build/examples/char_lm}"
budget="${SECONDS_BUDGET:-120}"
seed="${SEED:-1}"
data="${DATA:-$root/../shared/data/tinyshakespeare.txt}"
peer="${PEER:-$root/../shared/bench/peers/char_lm_torch.py}"
peer_threads="${PEER_THREADS:---threads 1 --blas-threads 2}"
char_lm_threads="${CHAR_LM_THREADS:-1}"
logs="${LOGS:-$(mktemp -d)}"
mkdir -p "$logs"
for f in "$char_lm" "$data" "$peer"; do
  [ -e "$f" ] || { echo "char_lm_quality: $f not found" >&2; exit 2; }
done

echo "== PyTorch peer ($budget s): $peer"
# shellcheck disable=SC2086
/usr/bin/python3 "$peer" --data "$data" --hidden 256 --layers 1 --seq 64 --batch 32 --lr 2e-3 \
  --clip 5 --seconds "$budget" $peer_threads --seed "$seed" 2>&1 | tee "$logs/peer.log"

echo "== tapegrad char_lm ($budget s): $char_lm"
"$char_lm" --text "$data" --cell lstm --hidden 256 --layers 1 --embed 64 --seq 64 --batch 32 \
  --lr 2e-3 --clip 5 --batching random --steps 0 --seconds "$budget" --threads "$char_lm_threads" \
  --seed "$seed" --sample 300 --prompt "ROMEO:" --log-every 10 \
  --save "$logs/char_lm.safetensors" 2>&1 | tee "$logs/char_lm.log"

peer_line="$(grep '^val_loss_nats:' "$logs/peer.log" | tail -1)"
ours_line="$(grep '^val_loss_nats:' "$logs/char_lm.log" | tail -1)"
echo
echo "== val loss (nats/char) after $budget s of training, seed $seed; logs in $logs"
printf '%-16s %s\n' "pytorch peer" "$peer_line" "tapegrad" "$ours_line"
