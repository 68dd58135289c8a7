#!/bin/sh
# A normal run: the outputs exist in SONATA layout, summary.json has the
# documented keys, --set overrides reach the model, and the spike trains are
# bit-identical for 1, 2 and 3 threads with the same seed (and differ for
# another seed).
# usage: tests/cli/test_run.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
set -e
M=examples/brunel.yaml
small="--set scale.neurons=0.2 --set scale.indegree=0.2 --set simulation.duration=300 --set analysis.start=50"
for th in 1 2 3; do
  "$SF" run $M --threads $th --out "$T/t$th" --quiet $small > /dev/null
done
"$SF" run $M --threads 2 --seed 77 --out "$T/s77" --quiet $small > /dev/null
"$SF" run $M --threads 2 --out "$T/vth" --quiet $small --set populations.E.params.V_th=18 > /dev/null
# the same data whatever the thread count (the files differ only in their
# provenance attributes: times, threads)
same() { /usr/bin/python3 "$(dirname "$0")/h5same.py" "$@"; }
same "$T/t1/spikes.h5" "$T/t2/spikes.h5"
same "$T/t1/spikes.h5" "$T/t3/spikes.h5"
same "$T/t1/vm.h5" "$T/t3/vm.h5"
if same "$T/t1/spikes.h5" "$T/s77/spikes.h5" 2>/dev/null; then echo "FAIL: seed has no effect"; exit 1; fi
/usr/bin/python3 - "$T" <<'PY'
import json, sys, h5py, numpy as np
T = sys.argv[1]
s = json.load(open(T + "/t2/summary.json"))
for k in ("seed", "threads", "interrupted"):
    assert k in s, k
assert s["threads"] == 2 and s["seed"] == 1 and s["interrupted"] is False
for p in ("E", "I"):
    q = s["populations"][p]
    for k in ("n", "rate_Hz", "cv_isi", "fano", "corr"):
        assert k in q, (p, k)
    assert q["n"] == {"E": 2000, "I": 500}[p]
    assert 1 < q["rate_Hz"] < 200, q
net = s["network"]
assert net["neurons"] == 2500
assert net["synapses"] == 2500 * (200 + 50), net          # fixed in-degree, scaled by 0.2
assert net["bytes_per_synapse"] <= 10
for k in ("build_s", "simulate_s", "real_time_factor"):
    assert s["timing"][k] > 0, k
with h5py.File(T + "/t2/spikes.h5", "r") as f:
    assert f["spikes/E"].attrs["sorting"] in (b"by_time", "by_time")
    ts = f["spikes/E/timestamps"][:]; ids = f["spikes/E/node_ids"][:]
    assert f["spikes/E/timestamps"].attrs["units"] in (b"ms", "ms")
    assert len(ts) == s["populations"]["E"]["spikes"] and ids.max() < 2000
    assert np.all(np.diff(ts) >= 0) and ts.min() > 0 and ts.max() <= 300
    # times lie on the 0.1 ms grid
    assert np.allclose(ts * 10, np.round(ts * 10), atol=1e-6)
with h5py.File(T + "/t2/vm.h5", "r") as f:
    d = f["report/E/data"]
    assert d.shape == (3000, 10) and d.attrs["units"] in (b"mV", "mV")
    assert list(f["report/E/mapping/time"][:]) == [0.1, 300.1, 0.1] or \
        np.allclose(f["report/E/mapping/time"][:], [0.1, 300.1, 0.1])
    v = d[:]
    assert v.max() < 20 + 1e-4 and v.min() > -60   # below threshold after reset
r_base = s["populations"]["E"]["rate_Hz"]
r_low = json.load(open(T + "/vth/summary.json"))["populations"]["E"]["rate_Hz"]
assert r_low > r_base, (r_low, r_base)       # a lower threshold raises the rate
print("ok: outputs, summary keys, --set, identical spikes for 1/2/3 threads")
PY
