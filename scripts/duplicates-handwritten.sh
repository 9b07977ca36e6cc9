#!/usr/bin/env bash
# Repeated hand-written code, as issue #13 counts it: the pairs of places that share six or more
# same-shaped lines (the `duplicates` tool of the team's library), among the files git tracks at
# REV, with generated files (`@generated` on the first or second line) and the golden cases
# (tests/golden/, generated output by definition) left out.
#
#   scripts/duplicates-handwritten.sh [REV] [--most N] [-- PATH...]
#
# REV defaults to HEAD. PATHs narrow the count to files under them (e.g. crates/job-store). The
# first line of the output is the count; the rows after it name the pairs, most shared first.
set -euo pipefail

rev="HEAD"
most=8
paths=()
while (($#)); do
  case "$1" in
    --most) most="$2"; shift 2 ;;
    --) shift; paths=("$@"); break ;;
    *) rev="$1"; shift ;;
  esac
done

root="$(git rev-parse --show-toplevel)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$root" archive "$rev" -- "${paths[@]}" | tar -x -C "$tmp"
rm -rf "$tmp/tests/golden"
{ grep -rlZ --exclude-dir=node_modules '@generated' "$tmp" 2>/dev/null || true; } | while IFS= read -r -d '' file; do
  if head -2 "$file" | grep -q '@generated'; then rm -f "$file"; fi
done
duplicates --repo "$tmp" --most "$most" --seconds 300
