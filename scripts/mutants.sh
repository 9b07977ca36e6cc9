#!/usr/bin/env bash
# Mutation testing (cargo-mutants) of one area, in place, with the tests that judge it:
#
#   scripts/mutants.sh checks        the store's commit checks      (crates/job-store/src/checks.rs)
#   scripts/mutants.sh capability    the capability module          (crates/job-store/src/capability.rs)
#   scripts/mutants.sh transition    the transition path            (crates/job-store/src/store/transition.rs, runs.rs)
#   scripts/mutants.sh canonical     the canonical crate            (crates/canonical/src, its own tests)
#   scripts/mutants.sh cli           the CLI's verdict logic        (the library of crates/cli: reading,
#                                    type detection, violations, exit status, hashing; judged by its
#                                    unit tests and tests/cli.rs, which runs the binary)
#   scripts/mutants.sh lifecycle     the generated lifecycle table  (crates/job-model/src/generated/lifecycle.rs,
#                                    judged by the model crate's tests, lifecycle_table.rs among them)
#   scripts/mutants.sh validators [K/N]  the generated rule validators (crates/job-model/src/generated/validate.rs
#                                    and the hand-written crates/job-model/src/validation.rs, judged by
#                                    the rules corpus, tests/tests/rules.rs, and the model crate's tests);
#                                    K/N runs shard K of N (0-based; --shard K/N --sharding round-robin, so
#                                    a shard is every Nth mutant, spread over the whole file): about 614
#                                    mutants, 6 s each on an idle machine, 90 minutes in all
#
# Options after the area (and K/N) go to cargo-mutants: `--in-diff FILE` mutates only the lines a
# diff touches (how a change is measured after a whole run), `--re REGEX` only matching mutants,
# `--list` lists them without running anything.
#
# The generated files are mutated where they are, in the tree being tested: that is the code
# that ships (the generator's templates are strings in crates/codegen, which cargo-mutants cannot
# mutate as code, and the goldens test the generator, not the model). Because the generated
# files and the sources are shared with whoever else works in this checkout, run the areas in
# a private worktree of a commit:
#   git worktree add --detach /tmp/mutants HEAD && /tmp/mutants/scripts/mutants.sh canonical
#
# The Postgres half of the store tests is left out (HANDSHAKE_TEST_POSTGRES_URL unset outside CI)
# except for the transition path: the checks are the same code on both backends, and it halves
# the time per mutant. Results land
# in mutants.out/ (missed.txt lists the survivors). In place means the working tree is mutated
# while it runs: commit first, and do not build anything else meanwhile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked
store_tests=(--test enforcement --test behaviour --test invariants)
area="${1:-checks}"
[ "$#" -gt 0 ] && shift
case "$area" in
  checks) args=(--file crates/job-store/src/checks.rs --package handshake-job-store -- "${store_tests[@]}") ;;
  capability) args=(--file crates/job-store/src/capability.rs --package handshake-job-store -- --lib "${store_tests[@]}") ;;
  # The transition path keeps Postgres when HANDSHAKE_TEST_POSTGRES_URL is set: a lost race
  # (a unique violation turned into VersionConflict) happens only there, SQLite writers queue.
  transition) postgres=keep
    args=(--file crates/job-store/src/store/transition.rs --file crates/job-store/src/store/runs.rs --package handshake-job-store
      -- "${store_tests[@]}" --test relay --test faults --test claim --test lifecycle) ;;
  canonical) args=(--package handshake-canonical) ;;
  cli)
    args=(--package handshake-cli)
    for file in validate exit input registry violation hash; do
      args+=(--file "crates/cli/src/$file.rs")
    done
    args+=(-- --lib --test cli) ;;
  lifecycle) args=(--package handshake-job-model --file crates/job-model/src/generated/lifecycle.rs) ;;
  validators)
    args=(--package handshake-job-model --test-package handshake-job-model --test-package handshake-conformance
      --file crates/job-model/src/generated/validate.rs --file crates/job-model/src/validation.rs)
    # K/N (0-based K) takes every Nth mutant from the Kth: a sample spread over the whole file.
    if [[ "${1:-}" =~ ^[0-9]+/[0-9]+$ ]]; then args+=(--shard "$1" --sharding round-robin); shift; fi
    # cargo-mutants tests the baseline with the mutated package only, where `--test rules` (a
    # target of the conformance package) does not exist; so no baseline: the timeouts are set
    # here instead (a mutant rebuilds in ~10 s and its tests run in ~1 s on this machine).
    args+=(--baseline=skip --timeout 120 --build-timeout 600)
    # The judging targets go to every cargo call (-C), not only to `cargo test` (after `--`): the
    # build step is `cargo test --no-run` of both packages, which otherwise links every test
    # binary of the conformance package per mutant (26 s instead of a few).
    for target in --lib --test=rules --test=model --test=job_outputs --test=profiles; do
      args+=("--cargo-arg=$target")
    done ;;
  *) echo "usage: scripts/mutants.sh checks|capability|transition|canonical|cli|lifecycle|validators [K/N] [cargo-mutants options]" >&2; exit 2 ;;
esac
# Anything after the area (and K/N) goes to cargo-mutants before the test arguments, e.g.
# `--in-diff changes.diff` to mutate only the lines a change touched, or `--re NAME`.
extra=("$@")
if [ "${#extra[@]}" -gt 0 ]; then
  for index in "${!args[@]}"; do
    if [ "${args[$index]}" = "--" ]; then
      args=("${args[@]:0:$index}" "${extra[@]}" "${args[@]:$index}")
      break
    fi
  done
  [[ " ${args[*]} " == *" ${extra[0]} "* ]] || args+=("${extra[@]}")
fi
if [ "${postgres:-}" = keep ]; then
  env -u CI cargo mutants --in-place --no-shuffle "${args[@]}"
else
  env -u HANDSHAKE_TEST_POSTGRES_URL -u CI cargo mutants --in-place --no-shuffle "${args[@]}"
fi
