#!/bin/sh
# Memory and disk limits: a network larger than the address-space limit
# (ulimit -v) is refused before anything is built; a run whose spike spool
# cannot grow (a file-size limit, as a full disk) stops early, writes what
# was simulated, says why and exits 1; the spooled spikes are exactly the
# in-memory ones (the Python test compares them); the command leaves no
# spool file behind.
# usage: tests/cli/test_memory.sh path/to/spikefield
SF=${1:-build/spikefield}
. "$(dirname "$0")/lib.sh"
M=$(dirname "$0")/../../examples/microcircuit.yaml

# ASan reserves terabytes of address space: no address-space limit there
if ldd "$SF" 2>/dev/null | grep -q libasan; then
  echo "     (ASan build: the address-space limit case is skipped)"
else
  prlimit --as=1500000000 "$SF" run "$M" --out "$T/mc" -q --set simulation.duration=200 \
    > /dev/null 2> "$T/err"; rc=$?
  if [ $rc = 1 ] && grep -q "needs an estimated .* GiB but only 1\.[0-9]* GiB of memory are available" "$T/err" &&
     [ ! -e "$T/mc" ] && [ -z "$(ls -A "$T")" -o "$(ls -A "$T")" = err ]; then
    ok "address-space limit: $(cat "$T/err")"
  else fail "address-space limit: exit $rc $(cat "$T/err"); left $(ls -A "$T")"; fi
fi

# 1000 neurons at about 490 Hz for 5 s: 2.4e6 spikes, 29 MB of spool; the
# file-size limit stops the steps spool at 8 MiB
cat > "$T/busy.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 5000.0, seed: 1}
populations:
  E: {model: iaf_psc_delta, n: 1000, params: {I_e: 20000.0, t_ref: 2.0}}
recorders:
  spikes: {kind: spike_recorder}
YAML
prlimit --fsize=8388608 "$SF" run "$T/busy.yaml" --out "$T/out" -q > /dev/null 2> "$T/err"; rc=$?
t=$(sed -n 's/^spikefield: the run stopped at t = \([0-9.]*\) ms of 5000.0 ms: no room for more spikes while recording the spikes of E (.*spooled to disk): File too large; the outputs hold what was simulated$/\1/p' "$T/err")
if [ $rc = 1 ] && [ -n "$t" ] && [ -f "$T/out/spikes.h5" ] && [ -f "$T/out/summary.json" ]; then
  ok "spool limit: $(cat "$T/err")"
else fail "spool limit: exit $rc $(cat "$T/err"); $(ls -A "$T/out" 2>&1)"; fi
/usr/bin/python3 - "$T/out" "$t" <<'PY' || fail "the outputs of the stopped run"
import json, sys, h5py
d, t = sys.argv[1], float(sys.argv[2])
s = json.load(open(d + "/summary.json"))
assert s["interrupted"] is True and abs(s["t_end_ms"] - t) < 0.05, (s["interrupted"], s["t_end_ms"], t)
with h5py.File(d + "/spikes.h5") as f:
    ts = f["spikes/E/timestamps"][()]
assert len(ts) > 100000 and ts.max() <= t + 1e-9, (len(ts), ts.max(), t)
print("     %d spikes up to t = %.1f ms written" % (len(ts), ts.max()))
PY
ls -A "$T/out" | grep -q spool && fail "a spool file was left: $(ls -A "$T/out")"
[ $fails = 0 ]
