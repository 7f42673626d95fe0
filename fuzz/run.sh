#!/usr/bin/env bash
# Fuzz the readers: `bash fuzz/run.sh [SECONDS|RUNS=N] [TARGET…]` (all targets when none named).
#   bash fuzz/run.sh 5            # 5 seconds a target (what CI runs)
#   bash fuzz/run.sh RUNS=10000000 npy
# New inputs go to fuzz/work/<target>/ (not committed); crashes to fuzz/artifacts/<target>/.
# Needs cargo-fuzz (scripts/bootstrap.sh installs it). Builds on the stable toolchain: no
# sanitizer (the readers are safe Rust), with debug assertions (integer overflow is a crash).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PATH="$HOME/.cargo/bin:$PATH"
limit=${1:-5}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
case "$limit" in
  RUNS=*) budget=(-runs="${limit#RUNS=}") ;;
  # A fixed seed: the short runs in CI try the same inputs each time.
  *) budget=(-max_total_time="$limit" -seed=1) ;;
esac
flags=(-O -s none --debug-assertions)
cargo fuzz build "${flags[@]}"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "work/$t"
  export VECSCAPE_FUZZ_UPSTREAM="$PWD/artifacts/upstream/$t"
  echo "=== fuzz $t (${limit})"
  cargo fuzz run "${flags[@]}" "$t" "work/$t" "corpus/$t" -- \
    "${budget[@]}" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 2>&1 |
    grep -E '^(stat::|Done|INFO: (Running|Loaded|seed corpus))|ERROR|panicked|upstream panic|Test unit written|SUMMARY' || true
  if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
    echo "fuzz $t: crashes in fuzz/artifacts/$t" >&2
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
