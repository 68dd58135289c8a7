#!/bin/sh
# Ctrl-C (SIGINT) during a run stops it cleanly: exit status 130, spikes.h5
# and summary.json complete and readable, summary says interrupted, and the
# spikes end where the summary says the run ended.
# usage: tests/cli/test_interrupt.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat > "$T/long.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 600000.0, seed: 5, threads: 2}
populations:
  E: {model: iaf_psc_delta, n: 2000, params: {E_L: 0, V_th: 20, V_reset: 10, tau_m: 20}}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 100, weight: 0.1, delay: 1.5}
inputs:
  bg: {kind: poisson, targets: E, rate: 12000.0, weight: 0.2}
recorders:
  spikes: {kind: spikes}
  vm: {kind: voltmeter, populations: E, n: 3, interval: 1.0}
YAML
"$SF" run "$T/long.yaml" --out "$T/out" --quiet > "$T/stdout" 2> "$T/stderr" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
fail=0
[ $rc = 130 ] || { echo "FAIL: exit status $rc, expected 130"; cat "$T/stderr"; fail=1; }
[ -z "$(ls -A "$T/out" | grep part)" ] || { echo "FAIL: temporary files left: $(ls -A "$T/out")"; fail=1; }
/usr/bin/python3 - "$T/out" <<'PY' || fail=1
import json, sys, h5py, numpy as np
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
assert s["interrupted"] is True, "summary does not say interrupted"
t_end = s["t_end_ms"]
assert 0 < t_end < 600000.0, t_end
with h5py.File(d + "/spikes.h5", "r") as f:
    ts = f["spikes/E/timestamps"][:]
    ids = f["spikes/E/node_ids"][:]
assert len(ts) == len(ids) == s["populations"]["E"]["spikes"]
assert len(ts) > 0 and ts.max() <= t_end + 1e-9, (ts.max(), t_end)
assert np.all(np.diff(ts) >= 0)
with h5py.File(d + "/vm.h5", "r") as f:
    data = f["report/E/data"][:]
    t0, t1, dt = f["report/E/mapping/time"][:]
assert data.shape[1] == 3 and abs(t0 + dt * data.shape[0] - t1) < 1e-9
assert t1 - dt <= t_end + 1e-9  # time = [start, stop, step], stop exclusive
print("ok: interrupted at %.1f ms with %d spikes, %d trace samples" % (t_end, len(ts), data.shape[0]))
PY
[ $fail = 0 ]
