#!/usr/bin/env bash
# Runs bun test and ends with one line "tests: N passed, N failed, N skipped", keeping bun's exit code.
set -o pipefail
cd "$(dirname "$0")/.."
BUN="$(command -v bun || echo node_modules/.bin/bun)"
[ -x node_modules/.bin/bun ] && BUN=node_modules/.bin/bun
"$BUN" scripts/gen-migrations.ts --check || exit 1
log=$(mktemp)
"$BUN" test --timeout 120000 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -E '^ *[0-9]+ pass$' "$log" | tail -1 | awk '{print $1}')
fail=$(grep -E '^ *[0-9]+ fail$' "$log" | tail -1 | awk '{print $1}')
skip=$(grep -E '^ *[0-9]+ skip$' "$log" | tail -1 | awk '{print $1}')
rm -f "$log"
if [ "$rc" -ne 0 ] && [ "${fail:-0}" = "0" ]; then fail=1; fi
echo "tests: ${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
exit "$rc"
