"""sf.load and sf.load_quantities on folders the spikefield command wrote
(figure_runs.py), checked against what the C side wrote independently:
the spike counts and rates of summary.json, the raw JSON, the model's
parameters (time grid, threshold); and every failure a clear
SpikefieldError naming the file."""
import json
import os
import shutil

import numpy as np
import pytest

import spikefield as sf
from figure_runs import run


def test_load_brunel_spikes_match_the_summary():
    out = run("brunel")
    rec = sf.load(out)
    summ = json.load(open(os.path.join(out, "summary.json")))
    assert rec.model_name == "brunel"
    assert list(rec.populations) == ["E", "I"]            # model order
    assert rec.populations == {"E": 1000, "I": 250}       # brunel.yaml at scale 0.1
    assert rec.t_stop == 1300.0 and rec.t_analysis == 100.0 and not rec.interrupted
    assert rec.resolution == pytest.approx(0.1)
    T = (rec.t_stop - rec.t_analysis) * 1e-3
    for p, n in rec.populations.items():
        t, i = rec.spikes[p]
        assert t.dtype == np.float64 and i.dtype == np.uint64
        assert t.size == summ["populations"][p]["spikes"]
        # the Recording invariant: sorted by time, then id
        assert np.all(np.diff(t) >= 0)
        same = np.diff(t) == 0
        assert np.all(np.diff(i.astype(np.int64))[same] > 0)
        assert i.max() < n and t.min() > 0 and t.max() <= rec.t_stop
        # spike times lie on the 0.1 ms grid of the model
        assert np.allclose(t / 0.1, np.round(t / 0.1), atol=1e-6)
        # the C analysis' rate over its window, the time stamps
        # t_analysis <= t < t_stop, exactly (the network at scale 0.1 is
        # synchronous: a step can hold tens of spikes, so a window one step
        # off is not "one spike" off)
        eps = 1e-6 * rec.resolution
        k = np.count_nonzero((t >= rec.t_analysis - eps) & (t < rec.t_stop - eps))
        assert abs(k / (n * T) - summ["populations"][p]["rate_Hz"]) <= 1e-9 * k / (n * T) + 1e-12


def test_load_brunel_voltmeter_trace():
    rec = sf.load(run("brunel"))
    tr = rec.trace("E", "V_m")
    assert tr.recorder == "vm" and tr.unit == "mV"
    # vm: 10 neurons every 0.1 ms over 1300 ms, first sample after one interval
    assert tr.data.shape == (13000, 10) and list(tr.node_ids) == list(range(10))
    assert tr.times[0] == pytest.approx(0.1) and np.allclose(np.diff(tr.times), 0.1)
    # iaf_psc_delta with V_th = 20 mV: never above threshold; some spikes reset to 10 mV
    assert tr.data.max() <= 20.0 + 1e-5 and np.isclose(tr.data, 10.0).any()
    with pytest.raises(KeyError):
        rec.trace("I")


def test_load_rate_units_without_spikes():
    rec = sf.load(run("ou_ei"))
    assert rec.spikes == {}
    assert sorted((t.recorder, t.population, t.variable) for t in rec.traces) == [
        ("rates_E", "E", "rate"), ("rates_I", "I", "rate")]
    assert rec.trace("E", "rate").data.shape == (2500, 400)


def test_load_quantities_compare_json():
    out = run("brunel")
    raw = json.load(open(os.path.join(out, "compare.json")))
    q = sf.load_quantities(os.path.join(out, "compare.json"))
    assert q.kind == "comparison" and q.family == "lif_diffusion"
    assert len(q) == len(raw["quantities"])
    r = q.find("rate", "E")
    rr = [x for x in raw["quantities"] if x["name"] == "rate" and x["populations"] == ["E"]][0]
    assert (r.value, r.se, r.predicted, r.verdict) == (rr["value"], rr["se"], rr["predicted"],
                                                     rr["verdict"])
    x = q.find("cross_spectrum", "E", "I")
    assert x.is_complex and np.iscomplexobj(x.value) and x.value.size == x.axis_values.size
    xr = [v for v in raw["quantities"] if v["name"] == "cross_spectrum"][0]["values"][3]
    assert x.value[3] == pytest.approx(complex(*xr))
    # a folder: its compare.json
    assert len(sf.load_quantities(out)) == len(q)


def test_missing_folder():
    with pytest.raises(sf.SpikefieldError, match="no output folder /nonexistent/x") as e:
        sf.load("/nonexistent/x")
    assert e.value.file == "/nonexistent/x"


def test_missing_and_broken_files(tmp_path):
    src = run("brunel_run")
    d = tmp_path / "r"
    shutil.copytree(src, d)
    os.unlink(d / "summary.json")
    with pytest.raises(sf.SpikefieldError, match="missing .*summary.json"):
        sf.load(d)
    shutil.copy(os.path.join(src, "summary.json"), d / "summary.json")
    os.unlink(d / "vm.h5")
    with pytest.raises(sf.SpikefieldError, match="missing .*vm.h5") as e:
        sf.load(d)
    assert e.value.file == str(d / "vm.h5")
    (d / "vm.h5").write_text("not HDF5")
    with pytest.raises(sf.SpikefieldError, match="vm.h5: not an HDF5 file"):
        sf.load(d)
    (d / "summary.json").write_text('{"populations": {"E": {"n": 3},\n  }')
    with pytest.raises(sf.SpikefieldError, match=r"summary.json:2:3: not valid JSON") as e:
        sf.load(d)
    assert (e.value.line, e.value.column) == (2, 3)


def test_half_written_folder(tmp_path):
    d = tmp_path / "r"
    shutil.copytree(run("brunel_run"), d)
    (d / ".spikes.h5.part").write_bytes(b"")
    with pytest.raises(sf.SpikefieldError, match=r"half-written: \.spikes\.h5\.part"):
        sf.load(d)
    (d / ".compare.json.part").write_bytes(b"")
    with pytest.raises(sf.SpikefieldError, match="compare.json is half-written"):
        sf.load_quantities(d)


def test_load_quantities_errors(tmp_path):
    with pytest.raises(sf.SpikefieldError, match="neither compare.json nor prediction.json"):
        sf.load_quantities(tmp_path)
    with pytest.raises(sf.SpikefieldError, match="missing"):
        sf.load_quantities(tmp_path / "compare.json")
    (tmp_path / "x.json").write_text('{"kind": "comparison"}')
    with pytest.raises(sf.SpikefieldError, match="not a quantity list"):
        sf.load_quantities(tmp_path / "x.json")
