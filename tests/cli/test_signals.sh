#!/bin/sh
# Signals at each phase of `spikefield run` (issue: nothing lost, nothing
# half-written). Every case ends with exit status 130 and either no output
# folder at all (signal during the build: nothing was simulated) or a
# complete output set (summary.json, spikes.h5, vm.h5 readable, no
# temporary folder): SIGINT, SIGTERM and SIGHUP during the simulation, and a
# second SIGINT while the outputs are written. (The interrupted set: the
# spikes end where summary.json says the run ended, traces match.)
# usage: tests/cli/test_signals.sh path/to/spikefield
SF=${1:-build/spikefield}
. "$(dirname "$0")/lib.sh"

cat > "$T/long.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 600000.0, seed: 5, threads: 2}
populations:
  E: {model: iaf_psc_delta, n: 2000, params: {E_L: 0, V_th: 20, V_reset: 10, tau_m: 20}}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 100, weight: 0.1, delay: 1.5}
inputs:
  bg: {kind: poisson_generator, targets: E, rate: 12000.0, weight: 0.2}
recorders:
  spikes: {kind: spike_recorder}
  vm: {kind: voltmeter, populations: E, n: 3, interval: 1.0}
YAML
# a network whose build takes seconds (4e8 synapses)
cat > "$T/big.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 100.0, seed: 5, threads: 2}
populations:
  E: {model: iaf_psc_delta, n: 200000}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 2000, weight: 0.01, delay: 1.5}
YAML

complete() { # folder: a complete, readable output set of an interrupted run
  /usr/bin/python3 - "$1" <<'PY'
import json, sys, h5py, numpy as np
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
assert s["interrupted"] is True, "summary does not say interrupted"
t_end = s["t_end_ms"]
assert 0 < t_end < 600000.0, t_end
with h5py.File(d + "/spikes.h5", "r") as f:
    ts = f["spikes/E/timestamps"][:]
    ids = f["spikes/E/node_ids"][:]
# the spikes end where the summary says the run ended, sorted by time
assert len(ts) == len(ids) == s["populations"]["E"]["spikes"] and len(ts) > 0
assert ts.max() <= t_end + 1e-9, (ts.max(), t_end)
assert np.all(np.diff(ts) >= 0)
with h5py.File(d + "/vm.h5", "r") as f:
    data = f["report/E/data"][:]
    t0, t1, dt = f["report/E/mapping/time"][:]
assert data.shape[1] == 3 and abs(t0 + dt * data.shape[0] - t1) < 1e-9
assert t1 - dt <= t_end + 1e-9  # time = [start, stop, step], stop exclusive
PY
}
no_temp() { ls -A "$T" | grep -q "part" && { echo "  temporary folder left: $(ls -A "$T")"; return 1; }; return 0; }

for sig in INT TERM HUP; do
  "$SF" run "$T/long.yaml" --out "$T/$sig" --quiet > /dev/null 2> "$T/$sig.err" &
  pid=$!
  sleep 1.5
  kill -$sig $pid
  wait $pid; rc=$?
  if [ $rc = 130 ] && complete "$T/$sig" && no_temp; then echo "ok   SIG$sig during the simulation"
  else fail "SIG$sig during the simulation: exit $rc $(cat "$T/$sig.err")"; fi
done

# twice: the first stops the simulation, the second arrives while writing
"$SF" run "$T/long.yaml" --out "$T/twice" --quiet > /dev/null 2> "$T/twice.err" &
pid=$!
sleep 1.5
kill -INT $pid; sleep 0.05; kill -INT $pid
wait $pid; rc=$?
if [ $rc = 130 ] && complete "$T/twice" && no_temp; then echo "ok   two SIGINTs"
else fail "two SIGINTs: exit $rc $(cat "$T/twice.err")"; fi

# during the build: nothing simulated, nothing written
"$SF" run "$T/big.yaml" --out "$T/build" > /dev/null 2> "$T/build.err" &
pid=$!
i=0; while ! grep -q building "$T/build.err" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
sleep 0.3
kill -INT $pid
wait $pid; rc=$?
if [ $rc = 130 ] && [ ! -e "$T/build" ] && no_temp && grep -q "nothing written" "$T/build.err"; then
  echo "ok   SIGINT during the build"
else fail "SIGINT during the build: exit $rc, $(ls "$T"), $(cat "$T/build.err")"; fi

[ "$fails" = 0 ]
