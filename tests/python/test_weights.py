"""Plastic weights in the Python package: Network.weights / Recording.weights
(sf_network_weights) and the weight recorders' logs (sf_recording_weights)
as numpy arrays, from a live run and from the folder `spikefield run`
wrote (sf.load, sf.load_weights), checked against what the C side wrote
independently (weights.h5 and wr.h5 read with h5py) and against each other:
every synapse's final weight is its last logged one, a synapse that was
never updated keeps its initial weight."""
import os
import subprocess

import h5py
import numpy as np
import pytest

import spikefield as sf

MODEL = """
simulation: {resolution: 0.1, duration: 400.0, seed: 3, threads: 2}
populations:
  P: {model: parrot_neuron, n: 30}
  Q: {model: parrot_neuron, n: 12, params: {tau_minus: 20.0}}
projections:
  PQ: {source: P, target: Q, rule: fixed_indegree, indegree: 10, multapses: false,
       weight: {distribution: uniform, low: 0.2, high: 0.8}, delay: 1.0,
       synapse: {model: stdp_synapse, lambda: 0.05, Wmax: 1.0}}
  QQ: {source: Q, target: Q, rule: fixed_indegree, indegree: 3, weight: 0.5, delay: 1.0}
inputs:
  pre: {kind: poisson_generator, targets: [P], rate: 40.0, weight: 1.0}
  post: {kind: poisson_generator, targets: [Q], rate: 30.0, weight: 1.0}
recorders:
  spikes: {kind: spike_recorder, populations: [P, Q]}
  wr: {kind: weight_recorder, projections: [PQ]}
"""


def by_synapse(w):
    o = np.lexsort((w.target, w.source))
    return w.source[o], w.target[o], w.weight[o], w.delay[o]


@pytest.fixture(scope="module")
def runs(cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("weights")
    path = d / "stdp.yaml"
    path.write_text(MODEL)
    out = d / "cli"
    subprocess.run([cli, "run", str(path), "--out", str(out), "--quiet"], check=True,
                   capture_output=True)
    m = sf.Model.load(str(path))
    net0 = m.build()                     # not run: the initial weights
    net = m.build(threads=1)
    rec = net.run(progress=False)
    return net0, net, rec, out


def test_final_weights_match_weights_h5(runs):
    net0, net, rec, out = runs
    w = rec.weights("PQ")
    assert isinstance(w, sf.Weights)
    assert w.weight.dtype == np.float64 and w.source.dtype == np.uint32
    assert w.weight.size == net.projection_synapses("PQ") == 12 * 10
    assert np.all((w.weight >= 0) & (w.weight <= 1.0))
    np.testing.assert_allclose(w.delay, 1.0)
    with h5py.File(out / "weights.h5", "r") as f:
        g = f["edges/PQ"]
        ref = sf.Weights("PQ", g["source_node_id"][()], g["target_node_id"][()],
                         g["weight"][()], g["delay"][()])
        assert "QQ" not in f["edges"]      # static: not written
    # the same learned weights (2 threads there, 1 here: bit-identical)
    for a, b in zip(by_synapse(w), by_synapse(ref)):
        np.testing.assert_array_equal(a, b)
    # and as sf.load / sf.load_weights read them
    for a, b in zip(by_synapse(sf.load(out).weights("PQ")), by_synapse(ref)):
        np.testing.assert_array_equal(a, b)
    assert set(sf.load_weights(out / "weights.h5")) == {"PQ"}
    # the weights moved (plastic), the static projection's did not
    w0 = by_synapse(net0.weights("PQ"))[2]
    assert np.abs(by_synapse(w)[2] - w0).max() > 1e-3
    np.testing.assert_allclose(net.weights("QQ").weight, 0.5)
    # a dense matrix with one entry per synapse (no multapses)
    M = w.matrix(30, 12)
    assert M.shape == (30, 12) and np.count_nonzero(M) == np.count_nonzero(w.weight)
    with pytest.raises(KeyError):
        rec.weights("XX")


def test_weight_log_matches_wr_h5_and_final_weights(runs):
    net0, net, rec, out = runs
    log = rec.weight_log("wr")
    assert isinstance(log, sf.WeightLog) and log.projection == "PQ"
    assert log.times.size > 1000
    # sorted by (time, source, target), on the grid, within the run
    key = np.lexsort((log.target, log.source, log.times))
    np.testing.assert_array_equal(key, np.arange(log.times.size))
    assert np.allclose(log.times / 0.1, np.round(log.times / 0.1), atol=1e-6)
    assert log.times.min() > 0 and log.times.max() <= 400.0
    with h5py.File(out / "wr.h5", "r") as f:
        g = f["weights/PQ"]
        np.testing.assert_allclose(log.times, g["timestamps"][()], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(log.source, g["source_node_id"][()])
        np.testing.assert_array_equal(log.target, g["target_node_id"][()])
        np.testing.assert_array_equal(log.weight, g["weight"][()])
    loaded = sf.load(out).weight_log("wr", "PQ")
    np.testing.assert_array_equal(loaded.weight, log.weight)
    # every synapse's final weight is its last logged one; one never updated
    # keeps its initial weight
    s, t, w, _ = by_synapse(rec.weights("PQ"))
    w0 = by_synapse(net0.weights("PQ"))[2]
    last = {}
    for a, b, x in zip(log.source, log.target, log.weight):
        last[(a, b)] = x
    for a, b, x, x0 in zip(s, t, w, w0):
        assert x == last.get((a, b), x0)
    with pytest.raises(KeyError):
        rec.weight_log("spikes")
