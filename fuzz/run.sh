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
# (-rss_limit_mb), and per input 2 s (-timeout), or 10 s for the spec targets: under
# AddressSanitizer loading the whole real spec takes about 1.4 s and generating from it about 5 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(spec_file spec_edit record canonical master_spec cli_detect)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in "${targets[@]}"; do
  echo "==> fuzz $target for ${seconds}s"
  work="$(mktemp -d)"
  cp -r "corpus/$target/." "$work/"
  timeout=2
  case "$target" in spec_*) timeout=10 ;; esac
  cargo +nightly fuzz run "$target" "$work" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1
  if [ "${FUZZ_MINIMISE:-0}" = 1 ]; then
    cargo +nightly fuzz cmin "$target" "$work" -- -max_len=65536 >/dev/null
    rm -rf "corpus/$target" && mkdir -p "corpus/$target" && cp "$work"/* "corpus/$target/"
  fi
  rm -rf "$work"
done
