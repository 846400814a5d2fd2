#!/usr/bin/env bash
# tapegrad vs LibTorch on the RNN training step (issue #5): builds both, runs them alternating,
# prints a markdown table of medians and ratios.
#
#   bench/compare.sh [--quick] [--reps N] [--configs "tiny medium large"]
#                    [--cells "lstm gru rnn_tanh"] [--threads "1 2"] [--build DIR]
#                    [--source DIR] [--table TSV]
#
# Configs: tiny (B=1,T=100,D=65,H=128), medium (B=32,T=64,D=64,H=256),
#          large (B=64,T=64,D=256,H=512).
# Per config, cell and thread count, one round runs these processes back to back:
#   tapegrad --impl autodiff, LibTorch, tapegrad --impl manual, LibTorch's second variant.
# With 1 thread LibTorch runs --impl fused and --impl cell (its LSTMCell/GRUCell loop). With 2
# threads it runs its two best 2-core settings from ../shared/bench/peers/RESULTS.md, "2d"
# (--threads 1 --blas-threads 2) and "2p" (OMP_WAIT_POLICY=PASSIVE --threads 2), both fused, and
# the table takes the faster; tapegrad runs --threads 2 (batch slices on two threads, see
# bench/rnn_bench.cpp; tiny, with a batch of 1, gives OpenBLAS the threads instead).
# Each process prints the median of its timed steps; a table cell is the median over --reps
# rounds. The machine is shared and noisy: only ratios from one run of this script, whose
# processes alternate side by side, are comparable. Raw lines go to DIR/compare.tsv.
# --build defaults to build-bench in the repository; --source builds tapegrad from another
# checkout (the peer is always ../shared/bench/peers next to this repository). --table prints
# the table of an earlier run's compare.tsv without building or running anything.
#
# Steps per process (timed/warm-up), as RESULTS.md: tiny 100/10, medium 30/3, large 8/2;
# --quick: tiny 30/5, medium 8/2, large 3/1, one round unless --reps is given.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
peers=$(cd "$root/../shared/bench/peers" && pwd)
build="$root/build-bench"
source_dir="$root"
quick=0 reps="" table="" configs="tiny medium large" cells="lstm gru" thread_counts="1 2"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --reps) reps=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    --cells) cells=$2; shift 2 ;;
    --threads) thread_counts=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --source) source_dir=$2; shift 2 ;;
    --table) table=$2; shift 2 ;;
    *) echo "compare.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ -n "$reps" ]] || reps=$((quick ? 1 : 3))

tsv="$build/compare.tsv"
if [[ -z "$table" ]]; then
echo "building tapegrad (Release) in $build and the LibTorch peer in $build/peers" >&2
cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" rnn_bench >/dev/null
cmake -S "$peers" -B "$build/peers" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build/peers" torch_rnn_bench >/dev/null
tg="$build/bench/rnn_bench" torch="$build/peers/torch_rnn_bench"

sizes() {  # config -> flags
  case "$1" in
    tiny) echo "--batch 1 --seq 100 --input 65 --hidden 128" ;;
    medium) echo "--batch 32 --seq 64 --input 64 --hidden 256" ;;
    large) echo "--batch 64 --seq 64 --input 256 --hidden 512" ;;
    *) echo "compare.sh: unknown config $1" >&2; exit 2 ;;
  esac
}
steps() {  # config -> flags
  local full=(100 10 30 3 8 2) fast=(30 5 8 2 3 1) i
  case "$1" in tiny) i=0 ;; medium) i=2 ;; large) i=4 ;; esac
  if ((quick)); then echo "--steps ${fast[i]} --warmup ${fast[i + 1]}"
  else echo "--steps ${full[i]} --warmup ${full[i + 1]}"; fi
}

echo -e "config\tcell\tthreads\tvariant\trep\tmedian_ms\tgflops\tkept_mib\trss_mib" >"$tsv"
# run <config> <cell> <threads> <variant> <rep> <env...> -- <command...>: appends one line.
run() {
  local config=$1 cell=$2 threads=$3 variant=$4 rep=$5
  shift 5
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  local out
  out=$(env "${envs[@]}" "$@" --cell "$cell" $(sizes "$config") $(steps "$config")) || {
    echo "compare.sh: failed: $*" >&2; exit 1; }
  local ms gf kept rss
  ms=$(awk '/^median_ms_per_step:/ {print $2}' <<<"$out")
  gf=$(awk '/^gflops_per_s:/ {print $2}' <<<"$out")
  kept=$(awk '/^(peak_tape_mib|manual_cache_mib):/ {print $2}' <<<"$out")
  rss=$(awk '/^peak_rss_mib:/ {print $2}' <<<"$out")
  echo -e "$config\t$cell\t$threads\t$variant\t$rep\t$ms\t$gf\t${kept:--}\t${rss:--}" >>"$tsv"
  echo "  $config $cell ${threads}T $variant: $ms ms" >&2
}

for ((rep = 0; rep < reps; ++rep)); do
  for config in $configs; do
    for cell in $cells; do
      for threads in $thread_counts; do
        if [[ $threads == 1 ]]; then
          run "$config" "$cell" 1 autodiff "$rep" -- "$tg" --impl autodiff --threads 1
          run "$config" "$cell" 1 torch_fused "$rep" -- "$torch" --impl fused --threads 1
          run "$config" "$cell" 1 manual "$rep" -- "$tg" --impl manual --threads 1
          run "$config" "$cell" 1 torch_cell "$rep" -- "$torch" --impl cell --threads 1
        else
          run "$config" "$cell" "$threads" autodiff "$rep" -- "$tg" --impl autodiff --threads "$threads"
          run "$config" "$cell" "$threads" torch_2d "$rep" -- \
            "$torch" --impl fused --threads 1 --blas-threads "$threads"
          run "$config" "$cell" "$threads" manual "$rep" -- "$tg" --impl manual --threads "$threads"
          run "$config" "$cell" "$threads" torch_2p "$rep" OMP_WAIT_POLICY=PASSIVE -- \
            "$torch" --impl fused --threads "$threads"
        fi
      done
    done
  done
done

fi
[[ -z "$table" ]] || tsv=$table
# The table: per config, cell and threads the median over rounds of each variant.
awk -F'\t' '
  NR == 1 { next }
  {
    key = $1 SUBSEP $2 SUBSEP $3
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    k = key SUBSEP $4
    ms[k, ++count[k]] = $6
    if ($5 > max_rep) max_rep = $5
    kept[k] = $8; rss[k] = $9
  }
  function median(k,   i, j, t, a, c) {
    c = count[k]
    if (!c) return ""
    for (i = 1; i <= c; ++i) a[i] = ms[k, i] + 0
    for (i = 1; i <= c; ++i) for (j = i + 1; j <= c; ++j) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
  }
  END {
    printf "%d round(s) of alternated processes; ms per training step (median over rounds).\n", max_rep + 1
    print "Ratios: 1 thread against LibTorch fused (the targets) and its cell loop; 2 threads against"
    print "the faster of its 2d and 2p settings.\n"
    print "| config | cell | threads | tapegrad autodiff | tapegrad manual | LibTorch fused / 2d | LibTorch cell / 2p | **autodiff / LibTorch** | autodiff / LibTorch cell | autodiff / manual | tape MiB | manual cache MiB | RSS MiB autodiff / manual |"
    print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; ++i) {
      split(order[i], f, SUBSEP)
      a = median(order[i] SUBSEP "autodiff"); m = median(order[i] SUBSEP "manual")
      if (f[3] == 1) { t1 = median(order[i] SUBSEP "torch_fused"); t2 = median(order[i] SUBSEP "torch_cell"); l1 = "fused"; l2 = "cell" }
      else { t1 = median(order[i] SUBSEP "torch_2d"); t2 = median(order[i] SUBSEP "torch_2p"); l1 = "2d"; l2 = "2p" }
      if (f[3] == 1) { best = t1; bl = "fused"; versus_cell = sprintf("%.2f", a / t2) }
      else { best = t1 < t2 ? t1 : t2; bl = t1 < t2 ? l1 : l2; versus_cell = "–" }
      printf "| %s | %s | %s | %.2f | %.2f | %.2f | %.2f | **%.2f** (%s) | %s | %.2f | %s | %s | %s / %s |\n", \
        f[1], f[2], f[3], a, m, t1, t2, a / best, bl, versus_cell, a / m, \
        kept[order[i] SUBSEP "autodiff"], kept[order[i] SUBSEP "manual"], \
        rss[order[i] SUBSEP "autodiff"], rss[order[i] SUBSEP "manual"]
    }
  }' "$tsv"
