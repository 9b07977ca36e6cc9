#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) one after another, then minimises each corpus
# back into fuzz/corpus/<target>. A crash, hang or memory blow-up leaves its input in
# fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/ once fixed, so `cargo test`
# (crates/fuzz-checks/tests/regressions.rs) replays it forever.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     e.g. fuzz/run.sh 30            (the CI smoke)
#                                              fuzz/run.sh 600 record      (one target, 10 min)
#
# Bounds (a finding past them): inputs up to 64 KiB (-max_len), 2048 MiB of memory
# (-rss_limit_mb), and per input 2 s (-timeout), or 10 s for spec_file, which loads and generates
# every target from a spec under AddressSanitizer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(spec_file spec_edit record canonical master_spec)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in "${targets[@]}"; do
  echo "==> fuzz $target for ${seconds}s"
  work="$(mktemp -d)"
  cp -r "corpus/$target/." "$work/"
  timeout=2
  [ "$target" = spec_file ] && timeout=10
  cargo +nightly fuzz run "$target" "$work" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1
  if [ "${FUZZ_MINIMISE:-0}" = 1 ]; then
    cargo +nightly fuzz cmin "$target" "$work" -- -max_len=65536 >/dev/null
    rm -rf "corpus/$target" && mkdir -p "corpus/$target" && cp "$work"/* "corpus/$target/"
  fi
  rm -rf "$work"
done
