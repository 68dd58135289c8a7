"""The binding against the CLI and the C library: a run from Python gives
bit-identical spikes, the same spikes.h5 data and the same summary as
`spikefield run` for the same model and seed; spike arrays are views of the
C arrays; progress callbacks are called; interruption (a stop from the
callback, a real SIGINT) keeps what was simulated and marks it; to_neo;
predict and compare against `spikefield predict --json`."""
import json
import os
import sys
import signal
import subprocess

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
import h5same  # noqa: E402  (tests/cli/h5same.py: the data of two HDF5 files)
import pytest

import spikefield as sf


def run_cli(cli, tmp_path, args):
    out = tmp_path / "cli"
    subprocess.run([cli, "run", *args, "--out", str(out), "--quiet"], check=True,
                   capture_output=True)
    return out


def cli_spikes(folder):
    with h5py.File(folder / "spikes.h5", "r") as f:
        return {p: (f["spikes"][p]["timestamps"][()], f["spikes"][p]["node_ids"][()])
                for p in f["spikes"]}


def strip_timing(s):
    # what depends on when and where a run was made: timing and provenance
    s = dict(s)
    s.pop("timing")
    s.pop("provenance")
    return s


def test_spikes_bit_identical_to_cli(cli, root, tmp_path, small_sets):
    model = os.path.join(root, "examples", "brunel.yaml")
    sets = small_sets + ["populations.E.params.V_th=19.5"]
    args = [model, "--seed", "7", "--threads", "2"]
    for s in sets:
        args += ["--set", s]
    ref = run_cli(cli, tmp_path, args)
    # the same overrides, one of them through m.set; one thread (the result
    # does not depend on the thread count)
    m = sf.Model.load(model, sets=small_sets)
    m.set("populations.E.params.V_th", 19.5)
    rec = m.build(threads=1, seed=7).run(progress=False)
    want = cli_spikes(ref)
    assert set(want) == set(rec.spikes) == {"E", "I"}
    for p, (t, i) in want.items():
        assert len(t) > 1000
        np.testing.assert_array_equal(rec.spikes[p][0], t)   # exact, not approximate
        np.testing.assert_array_equal(rec.spikes[p][1], i)
    # written from Python: the same data as the CLI's files (they differ in
    # the provenance attributes of the root: times, threads)
    out = tmp_path / "py"
    rec.write(out)
    for f in ("spikes.h5", "vm.h5"):
        assert h5same.main(str(out / f), str(ref / f)) is None, f
    a = json.load(open(out / "summary.json"))
    b = json.load(open(ref / "summary.json"))
    assert a["threads"] == 1 and b["threads"] == 2
    # the thread count and what depends on it (blocks: row offsets per synapse)
    a["threads"] = b["threads"] = a["network"]["bytes_per_synapse"] = None
    b["network"]["bytes_per_synapse"] = None
    assert strip_timing(a) == strip_timing(b)
    assert strip_timing(rec.summary) == strip_timing(json.load(open(out / "summary.json")))
    # provenance: the version, and the model as resolved with the override
    for s in (a, b):
        pv = s["provenance"]
        assert pv["spikefield"] == sf.__version__
        assert pv["model_resolved"]["populations"]["E"]["params"]["V_th"] == 19.5
        assert pv["model_resolved"]["populations"]["E"]["params"]["tau_m"] == 20.0  # a default written in
    assert "populations.E.params.V_th=19.5" in b["provenance"]["overrides"]


def test_arrays_are_views_of_the_recording(root, small_sets):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    rec = m.build(seed=2).run(progress=False)
    t, ids = rec.spikes["E"]
    assert ids.dtype == np.uint32 and not ids.flags.owndata and not ids.flags.writeable
    assert t.dtype == np.float64
    assert np.all(np.diff(t) >= 0)
    assert ids.max() < 1000 and t.max() <= 300.0 and t.min() >= 0.1
    tr = rec.trace("E", "V_m")
    assert tr.data.shape == (3000, 10) and tr.data.dtype == np.float32 and not tr.data.flags.owndata
    np.testing.assert_allclose(tr.times[:3], [0.1, 0.2, 0.3])
    assert tr.unit == "mV"
    # the views keep the C recording alive: after every other reference is
    # gone (and the memory would be freed), they still read the same values
    ids_copy, data_copy = ids.copy(), tr.data.copy()
    del m, rec, t
    import gc
    gc.collect()
    np.zeros(10_000_000).sum()   # allocations that would reuse freed memory
    np.testing.assert_array_equal(ids, ids_copy)
    np.testing.assert_array_equal(tr.data, data_copy)


def test_progress_callback(root, small_sets):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    calls = []
    rec = m.build().run(progress=lambda t, T, w: calls.append((t, T, w)), progress_interval=0)
    assert len(calls) >= 1
    ts = [c[0] for c in calls]
    assert ts == sorted(ts) and ts[-1] == 300.0 and all(c[1] == 300.0 for c in calls)
    assert not rec.interrupted


def interrupted_run(root, small_sets, how):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"),
                      sets=small_sets + ["simulation.duration=1000"])
    full = m.build(seed=4).run(progress=False)
    net = m.build(seed=4)

    def cb(t, T, w):
        if t >= 100:
            if how == "stop":
                net.stop()
            else:
                os.kill(os.getpid(), signal.SIGINT)

    rec = net.run(progress=cb, progress_interval=0)
    return full, rec


@pytest.mark.parametrize("how", ["stop", "sigint"])
def test_interrupt_keeps_spikes(root, small_sets, tmp_path, how):
    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN when
    # the tests run in the background of a non-interactive shell
    full, rec = interrupted_run(root, small_sets, how)
    assert rec.interrupted and rec.summary["interrupted"] is True
    assert rec.stop_reason == "stopped"
    assert 100 <= rec.t_stop < 1000
    for p in ("E", "I"):
        t, i = rec.spikes[p]
        assert len(t) > 0 and t.max() <= rec.t_stop
        keep = full.spikes[p][0] <= rec.t_stop
        np.testing.assert_array_equal(t, full.spikes[p][0][keep])
        np.testing.assert_array_equal(i, full.spikes[p][1][keep])
    rec.write(tmp_path)
    s = json.load(open(tmp_path / "summary.json"))
    assert s["interrupted"] is True and s["t_end_ms"] == rec.t_stop
    # the handlers are back as they were (Ctrl-C raises KeyboardInterrupt again)
    assert signal.getsignal(signal.SIGINT) is before


def test_callback_error_stops_and_raises(root, small_sets):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)

    def cb(t, T, w):
        raise RuntimeError("from the callback")

    with pytest.raises(RuntimeError, match="from the callback"):
        m.build().run(progress=cb, progress_interval=0)


def test_run_once(root, small_sets):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    net = m.build()
    net.run(progress=False)
    with pytest.raises(sf.SpikefieldError, match="runs once"):
        net.run()


def test_run_duration(root, small_sets):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    a = m.build(seed=3).run(150.0, progress=False)
    b = m.build(seed=3).run(progress=False)
    assert a.t_stop == 150.0 and not a.interrupted
    keep = b.spikes["E"][0] <= 150.0
    np.testing.assert_array_equal(a.spikes["E"][1], b.spikes["E"][1][keep])


def test_to_neo(root, small_sets):
    import neo
    import quantities as pq
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    rec = m.build(seed=5).run(progress=False)
    block = rec.to_neo()
    assert isinstance(block, neo.Block) and len(block.segments) == 1
    seg = block.segments[0]
    trains = seg.spiketrains
    assert len(trains) == 1000 + 250
    e = [s for s in trains if s.annotations["population"] == "E"]
    assert len(e) == 1000 and [s.annotations["node_id"] for s in e] == list(range(1000))
    assert sum(len(s) for s in e) == len(rec.spikes["E"][0])
    t, ids = rec.spikes["E"]
    np.testing.assert_array_equal(e[17].times.rescale(pq.ms).magnitude, t[ids == 17])
    assert e[0].t_stop == 300.0 * pq.ms
    (sig,) = seg.analogsignals
    assert sig.shape == (3000, 10) and sig.units == pq.mV
    assert sig.annotations["population"] == "E"
    np.testing.assert_array_equal(sig.array_annotations["node_id"], np.arange(10))
    np.testing.assert_allclose(sig.sampling_period.rescale(pq.ms).magnitude, 0.1)


def test_predict_matches_cli(cli, root, small_sets):
    model = os.path.join(root, "examples", "brunel.yaml")
    args = [cli, "predict", model, "--json"]
    for s in small_sets:
        args += ["--set", s]
    want = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    m = sf.Model.load(model, sets=small_sets)
    pred = sf.predict(m)
    assert isinstance(pred, sf.Quantities) and pred.kind == "prediction"
    got = pred.to_dict()
    assert got["family"] == want["family"] == "lif_diffusion"
    assert [(q["name"], q["populations"]) for q in got["quantities"]] == \
        [(q["name"], q["populations"]) for q in want["quantities"]]
    for a, b in zip(got["quantities"], want["quantities"]):
        assert a.get("value") == b.get("value"), a["name"]
    r = pred.find("rate", "E")
    assert r.unit == "Hz" and 1 < r.value < 500


def test_compare(root, small_sets):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"),
                      sets=small_sets + ["analysis.start=100"])
    rec = m.build(seed=1).run(progress=False)
    pred = sf.predict(m, freq=[10.0, 100.0])
    cmp = sf.compare(m, rec, pred)
    assert cmp.kind == "comparison" and cmp.family == "lif_diffusion"
    q = cmp.find("rate", "E")
    assert q.verdict in ("agree", "agree within theory accuracy", "differ", "n/a")
    # the simulated value is the summary's rate, the predicted one the prediction's
    assert q.value == pytest.approx(rec.summary["populations"]["E"]["rate_Hz"], rel=1e-9)
    assert q.predicted == pytest.approx(pred.find("rate", "E").value, rel=1e-9)
    assert q.se > 0 and q.z == pytest.approx((q.value - q.predicted) / q.se, rel=1e-6)
    assert cmp.to_dict()["kind"] == "comparison"
    with pytest.raises(TypeError):
        sf.compare(m, rec, pred={"kind": "prediction"})
    with pytest.raises(TypeError):
        sf.compare("brunel.yaml", rec)
    other = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    with pytest.raises(ValueError, match="not simulated from this model"):
        sf.compare(other, rec)


def test_readme_example(root, tmp_path, monkeypatch):
    # the README's Python example, as it stands (output folder moved to tmp)
    text = open(os.path.join(root, "README.md")).read()
    start = text.index("```python\nimport spikefield") + len("```python\n")
    code = text[start:text.index("```", start)].replace("out/py_brunel", str(tmp_path / "py"))
    try:
        import spikefield.plot  # noqa: F401  (py-plot's module; the last line needs it)
    except ImportError:
        code = "\n".join(line for line in code.splitlines() if "sf.plot" not in line)
    monkeypatch.chdir(root)
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "py" / "spikes.h5").exists() and (tmp_path / "py" / "summary.json").exists()


@pytest.mark.parametrize("first", ["model", "network"])
def test_handles_destroy_dependents_first(first):
    # a collected cycle finalizes its objects in any order: the model is
    # still destroyed after the network and the recording that read it
    from spikefield._lib import Handle
    order = []
    m = Handle("model", order.append)
    n = Handle("network", order.append, [m])
    r = Handle("recording", order.append, [m])
    for h in ([m, n, r] if first == "model" else [n, r, m]):
        h.__del__()
    assert order[-1] == "model" and sorted(order[:2]) == ["network", "recording"]
    del m, n, r                 # the real finalization destroys nothing twice
    assert len(order) == 3


def test_cycle_of_c_objects_collected(root, small_sets):
    # model, network and recording in one reference cycle, collected by gc
    import gc
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    net = m.build()
    rec = net.run(progress=False)
    m.cycle = (m, net, rec)
    del m, net, rec
    gc.collect()


def test_spool_dir_same_spikes_and_traces(root, small_sets, tmp_path):
    # spooled to unlinked files (bounded memory): the same arrays as in
    # memory, nothing left in the folder; a missing folder is a clear error
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    mem = m.build(seed=3).run(progress=False)
    disk = m.build(seed=3).run(progress=False, spool_dir=tmp_path)
    assert mem.spikes.keys() == disk.spikes.keys() and mem.spikes
    for p in mem.spikes:
        np.testing.assert_array_equal(mem.spikes[p][0], disk.spikes[p][0])
        np.testing.assert_array_equal(mem.spikes[p][1], disk.spikes[p][1])
    assert len(mem.traces) == len(disk.traces) > 0
    for a, b in zip(mem.traces, disk.traces):
        np.testing.assert_array_equal(a.data, b.data)
    assert disk.stop_reason == "" and not disk.interrupted
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(sf.SpikefieldError, match="spooled to disk.*No such file or directory"):
        m.build(seed=3).run(progress=False, spool_dir=tmp_path / "missing")


def test_write_is_an_output_set(root, small_sets, tmp_path):
    # as `spikefield run --out`: all files at once, an earlier run's set
    # replaced only with replace=True, other files never touched
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=small_sets)
    rec = m.build(seed=3).run(progress=False)
    out = tmp_path / "o"
    rec.write(out)
    assert sorted(p.name for p in out.iterdir()) == ["spikes.h5", "summary.json", "vm.h5"]
    with pytest.raises(sf.SpikefieldError, match="outputs of an earlier run; pass replace=True"):
        rec.write(out)
    assert rec.write(out, replace=True) == str(out)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    with pytest.raises(sf.SpikefieldError, match="not spikefield outputs"):
        rec.write(mine, replace=True)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "o"]   # no temporary folder
