#!/bin/sh
# I/O fault injection: a small run (spikes, a voltmeter, the summary) is
# repeated with the n-th write / fclose / fsync / rename / H5Fclose failing
# (tests/cli/faultshim.c, preloaded), for every n up to the number of such
# calls the run makes. Each time: no crash (exit 1, not a signal), one clear
# message naming the file (in the output folder, not the temporary one)
# and the system's reason, and nothing left behind:
# no output folder, no temporary folder, no .part file; except when the very
# last step, renaming the complete set into place, fails: then the set stays
# in its temporary folder and the message says where. A run without a
# fault must then still succeed in the same place.
# usage: tests/cli/test_io_faults.sh path/to/spikefield
SF=${1:-build/spikefield}
. "$(dirname "$0")/lib.sh"
CC=${CC:-cc}
if ! $CC -shared -fPIC -O1 -o "$T/faultshim.so" "$(dirname "$0")/faultshim.c" -ldl; then
  echo "FAIL cannot build the shim"; exit 1
fi
# an ASan build wants its runtime first; the shim holds no instrumented code
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
cat > "$T/m.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 50.0, seed: 3}
populations:
  E: {model: iaf_psc_delta, n: 40, params: {V_th: 18.0}}
inputs:
  bg: {kind: poisson_generator, targets: E, rate: 20000.0, weight: 0.2}
recorders:
  spikes: {kind: spike_recorder}
  vm: {kind: voltmeter, populations: E, n: 2}
YAML

# how many calls a clean run makes
mkdir "$T/w"
SF_FAULT_COUNT="$T/count" LD_PRELOAD="$T/faultshim.so" "$SF" run "$T/m.yaml" --out "$T/w/out" -q \
  > /dev/null 2> "$T/err" || fail "clean run under the shim: $(cat "$T/err")"
[ -f "$T/w/out/spikes.h5" ] && [ -f "$T/w/out/vm.h5" ] && [ -f "$T/w/out/summary.json" ] ||
  fail "clean run wrote $(ls "$T/w/out" 2>&1)"
rm -rf "$T/w/out"
total=0
for func in write fclose fsync rename H5Fclose; do
  n=$(awk -v f=$func '$1 == f { s += $2 } END { print s + 0 }' "$T/count")
  [ "$func" = write ] && [ "$n" -lt 3 ] && fail "only $n write calls counted: the shim sees no HDF5 writes"
  i=1
  while [ "$i" -le "$n" ]; do
    SF_FAULT="$func:$i" LD_PRELOAD="$T/faultshim.so" "$SF" run "$T/m.yaml" --out "$T/w/out" -q \
      > /dev/null 2> "$T/err"
    rc=$?
    left=$(ls -A "$T/w")
    kept=$(sed -n 's/.*; they are in \(.*\)$/\1/p' "$T/err")
    if [ -n "$kept" ] && [ "$rc" = 1 ] && [ "$left" = "$(basename "$kept")" ] &&
       [ -f "$kept/spikes.h5" ] && [ -f "$kept/vm.h5" ] && [ -f "$kept/summary.json" ]; then
      # the last step, moving the complete set into place, failed: the set
      # is kept where the message says (nothing lost)
      echo "     $func:$i: $(cat "$T/err")"
    elif [ "$rc" = 0 ]; then
      # a failed call the program may legitimately not need (none expected)
      fail "$func:$i: exit 0 despite the fault"
    elif [ "$rc" -gt 1 ]; then
      fail "$func:$i: exit $rc: $(head -3 "$T/err")"
    elif [ -n "$left" ]; then
      fail "$func:$i: left $left"
    elif ! grep -q "^spikefield: .*\(No space left on device\|Input/output error\)" "$T/err"; then
      fail "$func:$i: message without the reason: $(cat "$T/err")"
    elif grep -q "part-" "$T/err" || ! grep -q "$T/w/out/" "$T/err"; then
      fail "$func:$i: the message names the temporary folder, not the output folder: $(cat "$T/err")"
    elif [ "$(grep -c . "$T/err")" -gt 3 ]; then
      fail "$func:$i: more than 3 lines: $(cat "$T/err")"
    fi
    rm -rf "$T/w/out" "$T/w"/.out.part-* "$T/w/.out.old"*
    total=$((total+1))
    i=$((i+1))
  done
  echo "     $func: $n calls, each failed in turn"
done
[ "$total" -gt 10 ] && ok "$total injected faults: exit 1, a message with the reason, nothing left" ||
  fail "only $total faults injected"
echo "     last message: $(cat "$T/err")"

"$SF" run "$T/m.yaml" --out "$T/w/out" -q > /dev/null 2> "$T/err" && [ -f "$T/w/out/summary.json" ] &&
  ok "a clean run afterwards" || fail "clean run afterwards: $(cat "$T/err")"

# --replace over that run: every rename failing in turn leaves the earlier
# outputs in place, untouched (or, when only the old set's removal is left,
# the new one in place); never neither
old=$(cat "$T/w/out/summary.json" | md5sum)
n=$(awk '$1 == "rename" { s += $2 } END { print s + 0 }' "$T/count")
i=1
while [ "$i" -le $((n + 1)) ]; do
  SF_FAULT="rename:$i" LD_PRELOAD="$T/faultshim.so" "$SF" run "$T/m.yaml" --out "$T/w/out" -q \
    --replace --set simulation.seed=4 > /dev/null 2> "$T/err"
  rc=$?
  kept=$(sed -n 's/.*; they are in \(.*\)$/\1/p; s/.*; the new outputs are in \(.*\)$/\1/p' "$T/err")
  now=$(cat "$T/w/out/summary.json" 2>/dev/null | md5sum)
  if [ "$rc" -gt 1 ]; then fail "--replace rename:$i: exit $rc"
  elif [ "$rc" = 1 ] && [ "$now" != "$old" ]; then fail "--replace rename:$i: the earlier outputs changed"
  elif [ "$rc" = 1 ] && [ "$(ls -A "$T/w" | grep -vc '^out$')" != "$([ -n "$kept" ] && echo 1 || echo 0)" ]; then
    fail "--replace rename:$i: left $(ls -A "$T/w") ($(cat "$T/err"))"
  elif [ "$rc" = 0 ] && [ "$now" = "$old" ]; then fail "--replace rename:$i: exit 0, old outputs"
  fi
  [ "$rc" = 0 ] && old=$now
  rm -rf "$T/w"/.out.part-* "$T/w/.out.old"*
  i=$((i+1))
done
ok "--replace with each of $n renames failing: the earlier outputs stay whole"
[ $fails = 0 ]
