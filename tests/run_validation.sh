#!/bin/sh
# Long statistical validations (simulation against theory), `make validate`.
# Prints one closing line "N passed, N failed".
B=${1:-build}
pass=0; fail=0; failed=""
for t in "$B"/tests/val_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  start=$(date +%s)
  if "$t" > "$B/validate-$name.log" 2>&1; then pass=$((pass+1)); echo "PASS $name ($(( $(date +%s) - start )) s)";
  else fail=$((fail+1)); failed="$failed $name"; echo "FAIL $name"; tail -40 "$B/validate-$name.log"; fi
done
for t in tests/validation/val_*.sh; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .sh)
  if sh "$t" "$B/spikefield" > "$B/validate-$name.log" 2>&1; then pass=$((pass+1)); echo "PASS $name";
  else fail=$((fail+1)); failed="$failed $name"; echo "FAIL $name"; tail -40 "$B/validate-$name.log"; fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
