#!/usr/bin/env bash
# Mutation testing (cargo-mutants) of one area, in place, with the tests that judge it:
#
#   scripts/mutants.sh checks        the store's commit checks      (crates/job-store/src/checks.rs)
#   scripts/mutants.sh capability    the capability module          (crates/job-store/src/capability.rs)
#   scripts/mutants.sh transition    the transition path            (crates/job-store/src/store/transition.rs, runs.rs)
#   scripts/mutants.sh canonical     the canonical crate
#   scripts/mutants.sh cli           the CLI's verdict logic        (crates/cli/src/validate.rs)
#
# The Postgres half of the store tests is left out (HANDSHAKE_TEST_POSTGRES_URL unset outside CI):
# the checks are the same code on both backends, and it halves the time per mutant. Results land
# in mutants.out/ (missed.txt lists the survivors). In place means the working tree is mutated
# while it runs: commit first, and do not build anything else meanwhile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked
store_tests=(--test enforcement --test behaviour --test invariants)
case "${1:-checks}" in
  checks) args=(--file crates/job-store/src/checks.rs --package handshake-job-store -- "${store_tests[@]}") ;;
  capability) args=(--file crates/job-store/src/capability.rs --package handshake-job-store -- --lib "${store_tests[@]}") ;;
  transition) args=(--file crates/job-store/src/store/transition.rs --file crates/job-store/src/store/runs.rs --package handshake-job-store -- "${store_tests[@]}" --test relay --test faults) ;;
  canonical) args=(--package handshake-canonical) ;;
  cli) args=(--file crates/cli/src/validate.rs --package handshake-cli) ;;
  *) echo "usage: scripts/mutants.sh checks|capability|transition|canonical|cli" >&2; exit 2 ;;
esac
env -u HANDSHAKE_TEST_POSTGRES_URL -u CI cargo mutants --in-place --no-shuffle "${args[@]}"
