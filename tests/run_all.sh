#!/bin/sh
# Runs every test program and prints one closing line "N passed, N failed".
# usage: tests/run_all.sh BUILD_DIR ASAN_BUILD_DIR
B=${1:-build}; A=${2:-build-asan}
pass=0; fail=0; failed=""
run() { # name command...
  name=$1; shift
  if "$@" > "$B/test-$name.log" 2>&1; then pass=$((pass+1)); echo "PASS $name";
  else fail=$((fail+1)); failed="$failed $name"; echo "FAIL $name"; tail -30 "$B/test-$name.log"; fi
}
for t in "$B"/tests/test_*; do [ -x "$t" ] && run "$(basename "$t")" "$t"; done
for t in "$A"/tests/test_*; do [ -x "$t" ] && ASAN_OPTIONS=detect_leaks=1 run "asan-$(basename "$t")" "$t"; done
for t in tests/cli/test_*.sh; do [ -f "$t" ] && run "cli-$(basename "$t" .sh)" sh "$t" "$B/spikefield"; done
# the command's tests again with the ASan+UBSan build of the command (leaks
# included): all but those about the installed library and its symbols
for t in tests/cli/test_*.sh; do
  case "$(basename "$t")" in test_install.sh|test_symbols.sh|test_docs.sh) continue ;; esac
  [ -x "$A/spikefield" ] && ASAN_OPTIONS=detect_leaks=1 run "asan-cli-$(basename "$t" .sh)" sh "$t" "$A/spikefield"
done
if ls tests/python/test_*.py >/dev/null 2>&1; then
  run python env SPIKEFIELD_LIB="$B/libspikefield.so" PYTHONPATH=python /usr/bin/python3 -m pytest -q tests/python
fi
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
