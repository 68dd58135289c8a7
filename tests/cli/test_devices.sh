#!/bin/sh
# Stimulation and recording devices end to end: a model with every device
# on subsets runs; the spike file has uint32 node ids in chunked,
# shuffled and deflated datasets that h5py reads and that make Neo
# SpikeTrains (Neo has no SONATA reader: h5py reads, neo.SpikeTrain holds);
# the summary's statistics cover the recorded subset and window;
# the multimeter report has one dataset per variable with the subset's node
# ids and the window's times; a spike file written by one run drives a
# spike_generator (path relative to the model file) in another, and the
# driven neurons spike exactly one step after each input spike.
# usage: tests/cli/test_devices.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
set -e
cat > "$T/dev.yaml" <<'EOF'
simulation: {resolution: 0.1, duration: 300.0, seed: 5, threads: 2}
populations:
  E: {model: iaf_psc_exp, n: 120}
  I: {model: iaf_psc_delta, n: 40}
projections:
  EI: {source: E, target: I, rule: fixed_indegree, indegree: 20, weight: 0.5, delay: 1.5}
inputs:
  bg: {kind: poisson_generator, targets: [E, "I[0:20]"], rate: 8000.0, weight: 30.0, delay: 1.0}
  nz: {kind: noise_generator, targets: "E[60:120]", mean: 100.0, std: 50.0, dt: 1.0}
  st: {kind: step_current_generator, targets: [{population: I, neurons: [1, 3, 5]}],
       amplitude_times: [50.0, 100.0], amplitude_values: [200.0, 0.0]}
  ih: {kind: inhomogeneous_poisson_generator, targets: I, weight: 0.2,
       rate_times: [20.0, 120.0], rate_values: [5000.0, 0.0]}
  mip: {kind: mip_generator, targets: "E[0:50]", rate: 1000.0, p_copy: 0.3, weight: 20.0}
  sg: {kind: spike_generator, targets: "I[0:2]", weight: 5.0, trains: [[10.0, 20.0], [15.0]]}
recorders:
  sp: {kind: spike_recorder, populations: [E, "I[10:40]"], start: 50.0}
  mm: {kind: multimeter, populations: "E[0:9:4]", record_from: [V_m, I_syn_ex], interval: 1.0,
       start: 10.0, stop: 20.0, precision: float64}
  vm: {kind: voltmeter, populations: I, n: 2}
EOF
"$SF" run "$T/dev.yaml" --out "$T/out" --quiet > /dev/null
# replay: the E spikes drive a population R of 120 neurons, one to one,
# with a weight that makes each input spike a spike (delay one step)
mkdir -p "$T/replay"
cp "$T/out/spikes.h5" "$T/replay/in.h5"
cat > "$T/replay/model.yaml" <<'EOF'
simulation: {resolution: 0.1, duration: 300.0, seed: 1}
populations:
  R: {model: iaf_psc_delta, n: 120, params: {t_ref: 0.0, tau_m: 1.0}}
inputs:
  rp: {kind: spike_generator, targets: R, weight: 100.0, delay: 0.1,
       file: {path: in.h5, population: E}}
EOF
"$SF" run "$T/replay/model.yaml" --out "$T/replay/out" --quiet > /dev/null
/usr/bin/python3 - "$T" <<'PY'
import sys, h5py, numpy as np
T = sys.argv[1]
with h5py.File(T + "/out/spikes.h5", "r") as f:
    for p in ("E", "I"):
        g = f["spikes"][p]
        ids, ts = g["node_ids"], g["timestamps"]
        assert ids.dtype == np.uint32, ids.dtype
        assert ids.compression == "gzip" and ids.shuffle and ids.chunks, (ids.compression, ids.chunks)
        assert ts.compression == "gzip" and ts.shuffle, ts.compression
        t = ts[:]
        assert len(t) > 100 and t.min() > 50.0 - 1e-9, (p, len(t), t.min())   # start: 50
        assert np.all(np.diff(t) >= 0)
    i_ids = f["spikes/I/node_ids"][:]
    assert i_ids.min() >= 10, i_ids.min()                                     # I[10:40]
    e_t, e_id = f["spikes/E/timestamps"][:], f["spikes/E/node_ids"][:]
# the summary's statistics cover the recorded neurons (I[10:40]: 30) and the
# window (50, 300] ms
import json
q = json.load(open(T + "/out/summary.json"))["populations"]["I"]
assert abs(q["rate_Hz"] - len(i_ids) / (30 * 0.25)) < 1e-9 * q["rate_Hz"], (q["rate_Hz"], len(i_ids))
# Neo: SpikeTrains from the SONATA arrays (Neo itself reads NWB/NIX, not SONATA)
import neo, quantities as pq
trains = [neo.SpikeTrain(e_t[e_id == i] * pq.ms, t_stop=300.0 * pq.ms) for i in range(120)]
assert sum(len(s) for s in trains) == len(e_t)
with h5py.File(T + "/out/mm.h5", "r") as f:
    r = f["report/E"]
    assert set(r) == {"data", "data_I_syn_ex", "mapping"}, set(r)
    assert r["data"].dtype == np.float64 and r["data"].attrs["variable"] in (b"V_m", "V_m")
    assert r["data"].shape == (10, 3) and r["data_I_syn_ex"].shape == (10, 3)
    assert list(r["mapping/node_ids"][:]) == [0, 4, 8]
    t0, t1, dt = r["mapping/time"][:]
    assert abs(t0 - 11.0) < 1e-9 and abs(t1 - 21.0) < 1e-9 and abs(dt - 1.0) < 1e-9
with h5py.File(T + "/out/vm.h5", "r") as f:
    assert f["report/I/data"].shape == (3000, 2) and f["report/I/data"].dtype == np.float32
# the replay: every input spike at t (E neuron i) is a spike of R neuron i at
# t + 0.1 ms, except inputs arriving after the end of the run
with h5py.File(T + "/replay/out/spikes.h5", "r") as f:
    r_t, r_id = f["spikes/R/timestamps"][:], f["spikes/R/node_ids"][:]
want = sorted((round(t * 10) + 1, int(i)) for t, i in zip(e_t, e_id) if round(t * 10) + 1 <= 3000)
got = sorted((round(t * 10), int(i)) for t, i in zip(r_t, r_id))
assert got == want, (len(got), len(want), got[:5], want[:5])
PY
# a missing spike file is an error naming the key
sed 's/in.h5/missing.h5/' "$T/replay/model.yaml" > "$T/replay/bad.yaml"
if "$SF" run "$T/replay/bad.yaml" --out "$T/bad" --quiet > "$T/err" 2>&1; then
  echo "FAIL: a missing spike file was accepted"; exit 1
fi
grep -q "inputs.rp.file.path" "$T/err" && grep -q "cannot open spike file" "$T/err" || {
  echo "FAIL: message:"; cat "$T/err"; exit 1; }
echo ok
