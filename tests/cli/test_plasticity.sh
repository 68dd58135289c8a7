#!/bin/sh
# Plasticity through the command: a run with a plastic projection writes
# weights.h5 (the final weights of its plastic projections, /edges/<projection>)
# and the weight
# recorder's file (/weights/<projection>); the final weight of every synapse
# is the last weight the recorder logged for it, and both files hold the
# same data for 1 and 3 threads (docs/plasticity.md).
# usage: tests/cli/test_plasticity.sh path/to/spikefield
SF=${1:-build/spikefield}
PY=/usr/bin/python3
. "$(dirname "$0")/lib.sh"
cat > "$T/p.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 300.0, seed: 9}
populations:
  P: {model: parrot_neuron, n: 30}
  N: {model: iaf_psc_delta, n: 20, params: {tau_minus: 25.0}}
projections:
  PN: {source: P, target: N, rule: fixed_indegree, indegree: 10, multapses: false,
       weight: {distribution: uniform, low: 1.0, high: 3.0}, delay: 1.0,
       synapse: {model: stdp_synapse, lambda: 0.05, Wmax: 5.0}}
  PN2: {source: P, target: N, rule: fixed_indegree, indegree: 5, multapses: false, weight: 1.0,
        synapse: tsodyks2_synapse}
inputs:
  drive: {kind: poisson_generator, targets: [P], rate: 40.0, weight: 1.0}
  bg: {kind: poisson_generator, targets: [N], rate: 9000.0, weight: 0.2}
recorders:
  spikes: {kind: spike_recorder}
  wr: {kind: weight_recorder, projections: [PN]}
YAML
out=$("$SF" run "$T/p.yaml" --out "$T/o1" -q --threads 1) || fail "run"
echo "$out" | grep -q "weights.h5" && echo "$out" | grep -q "wr.h5" && ok "outputs listed: $out" ||
    fail "outputs line: $out"
"$SF" run "$T/p.yaml" --out "$T/o3" -q --threads 3 > /dev/null || fail "run, 3 threads"
if $PY - "$T/o1" "$T/o3" <<'PYEOF'
import sys, h5py, numpy as np
a, b = sys.argv[1], sys.argv[2]
with h5py.File(a + "/weights.h5") as f, h5py.File(a + "/wr.h5") as g:
    e = f["edges/PN"]
    assert e.attrs["model"] in ("stdp_synapse", b"stdp_synapse")
    # tsodyks2: its weight is fixed (the spikes carry x u w)
    assert np.all(f["edges/PN2"]["weight"][:] == 1.0) and "PN2" not in g["weights"]
    s, t, w = e["source_node_id"][:], e["target_node_id"][:], e["weight"][:]
    assert len(w) == 200 and np.all(e["delay"][:] == 1.0)
    l = g["weights/PN"]
    ls, lt, lw, ts = l["source_node_id"][:], l["target_node_id"][:], l["weight"][:], l["timestamps"][:]
    assert len(lw) > 1000 and np.all(np.diff(ts) >= 0)
    last = {}
    for i in range(len(lw)):
        last[(ls[i], lt[i])] = lw[i]
    moved = 0
    for i in range(len(w)):
        if (s[i], t[i]) in last:
            assert last[(s[i], t[i])] == w[i], (s[i], t[i])
            moved += 1
    assert moved > 150, moved
def rows(d, grp, keys):
    with h5py.File(d) as f:
        x = f[grp]
        r = sorted(zip(*[x[k][:].tolist() for k in keys]))
    return r
for name, grp, keys in (("weights.h5", "edges/PN", ["target_node_id", "source_node_id", "weight"]),
                        ("wr.h5", "weights/PN", ["timestamps", "source_node_id", "target_node_id", "weight"])):
    assert rows(a + "/" + name, grp, keys) == rows(b + "/" + name, grp, keys), name
with h5py.File(a + "/wr.h5") as f, h5py.File(b + "/wr.h5") as g:
    for k in ("timestamps", "source_node_id", "target_node_id", "weight"):
        assert np.array_equal(f["weights/PN"][k][:], g["weights/PN"][k][:]), k
PYEOF
then ok "final weights are the last logged ones; same files for 1 and 3 threads"
else fail "weights.h5 / wr.h5 contents"
fi
cat > "$T/bad.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 10.0}
populations: {A: {model: iaf_psc_delta, n: 5}}
projections:
  AA: {source: A, target: A, rule: fixed_indegree, indegree: 2, weight: 1.0,
       synapse: {model: stdp_synapse, Wmax: 0}}
YAML
"$SF" run "$T/bad.yaml" --out "$T/ob" -q > /dev/null 2> "$T/err"; rc=$?
[ $rc != 0 ] && grep -q "Wmax" "$T/err" && ok "Wmax = 0 refused: $(cat "$T/err")" || fail "Wmax = 0: rc $rc"
[ $fails = 0 ] && echo "all plasticity tests passed" || exit 1
