#!/usr/bin/env bash
# Runs the test suite and ends with one line "tests: N passed, N failed, N skipped", failing if any test failed.
# Without arguments the test files are split into ROOKERY_TEST_SHARDS shards (default: the number of CPUs, 1 to 4),
# each a bun process of its own with its own database (see test/support/context.ts), balanced greedily by file size.
# Arguments go to a single `bun test` as they are: `npm test -- test/api/statuses.test.ts`.
set -o pipefail
cd "$(dirname "$0")/.."
BUN="$(command -v bun || echo node_modules/.bin/bun)"
[ -x node_modules/.bin/bun ] && BUN=node_modules/.bin/bun
"$BUN" scripts/gen-migrations.ts --check || exit 1

count() { # $1 = pass|fail|skip, $2 = log: the number from bun's closing summary
  grep -E "^ *[0-9]+ $1\$" "$2" | tail -1 | awk '{print $1}'
}

shards=${ROOKERY_TEST_SHARDS:-$(nproc 2>/dev/null || echo 1)}
[[ "$shards" =~ ^[0-9]+$ ]] || { echo "ROOKERY_TEST_SHARDS must be a number, not \"$shards\"" >&2; exit 2; }
[ -n "${ROOKERY_TEST_SHARDS:-}" ] || { [ "$shards" -gt 4 ] && shards=4; }
[ "$shards" -lt 1 ] && shards=1

if [ "$#" -gt 0 ] || [ "$shards" -eq 1 ]; then
  log=$(mktemp)
  "$BUN" test --timeout 120000 "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  pass=$(count pass "$log"); fail=$(count fail "$log"); skip=$(count skip "$log")
  rm -f "$log"
  if [ "$rc" -ne 0 ] && [ "${fail:-0}" = "0" ]; then fail=1; fi
  echo "tests: ${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
  exit "$rc"
fi

# Largest file first onto the lightest shard.
mapfile -t files < <(find test -type f \( -name '*.test.*' -o -name '*_test.*' -o -name '*.spec.*' -o -name '*_spec.*' \) -printf '%s %p\n' | sort -rn)
[ "${#files[@]}" -lt "$shards" ] && shards=${#files[@]}
declare -a load lists
for ((i = 0; i < shards; i++)); do load[i]=0; lists[i]=''; done
for entry in "${files[@]}"; do
  size=${entry%% *}; path=${entry#* }
  lightest=0
  for ((i = 1; i < shards; i++)); do [ "${load[i]}" -lt "${load[lightest]}" ] && lightest=$i; done
  load[lightest]=$((load[lightest] + size))
  lists[lightest]+="./$path"$'\n'
done

dir=$(mktemp -d)
declare -A shard_of
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "running ${#files[@]} test files in $shards shards"
for ((i = 0; i < shards; i++)); do
  mapfile -t mine <<<"${lists[i]%$'\n'}"
  "$BUN" test --timeout 120000 "${mine[@]}" >"$dir/$i.log" 2>&1 &
  pids+=("$!")
  shard_of[$!]=$i
done

pass=0; fail=0; skip=0; status=0
for ((n = 0; n < shards; n++)); do
  wait -n -p done_pid "${pids[@]}"
  rc=$?
  i=${shard_of[$done_pid]}
  left=(); for pid in "${pids[@]}"; do [ "$pid" = "$done_pid" ] || left+=("$pid"); done; pids=("${left[@]}")
  p=$(count pass "$dir/$i.log"); f=$(count fail "$dir/$i.log"); s=$(count skip "$dir/$i.log")
  if [ "$rc" -ne 0 ] && [ "${f:-0}" = "0" ]; then f=1; fi
  [ "$rc" -ne 0 ] && status=1
  echo "== shard $((i + 1))/$shards (exit $rc: ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped)"
  cat "$dir/$i.log"
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
done
pids=()
echo "tests: $pass passed, $fail failed, $skip skipped"
exit "$status"
