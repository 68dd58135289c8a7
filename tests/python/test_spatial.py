"""Spatial recordings in Python (issue 14, docs/spatial.md): the positions
read from spikes.h5, the space-time raster and the (k, f) spectrum with the
predicted mode marked (spikefield.plot), on a real run of the paper's E-I
ring (figure_runs.py) and on synthetic spikes; the Python builder with the
spatial rules."""
import json
import os

import matplotlib
import numpy as np
import pytest

import spikefield as sf
from figure_runs import run
from test_plot import assert_no_overlap, assert_sane_limits, saved

plot = sf.plot


@pytest.fixture(autouse=True)
def _close():
    yield
    matplotlib.pyplot.close("all")


def test_positions_from_the_folder():
    rec = sf.load(run("senk2020_ring"))
    assert set(rec.positions) == {"E", "I"}
    assert rec.positions["E"].shape == (4000, 1) and rec.positions["I"].shape == (1000, 1)
    # grid layout: neuron i at (i + 1/2) L / n (docs/spatial.md)
    assert np.allclose(rec.positions["E"][:, 0], (np.arange(4000) + 0.5) / 4000, rtol=0,
                       atol=1e-15)
    assert rec.spaces["E"] == {"geometry": "ring", "extent": [1.0]}


def test_space_time_raster(tmp_path):
    rec = sf.load(run("senk2020_ring"))
    fig = plot.space_time(rec)
    axes = fig.axes
    assert len(axes) == 2 and axes[1].get_xlabel() == "time (ms)"
    assert axes[0].get_ylabel() == "E: x (mm)" and axes[0].get_ylim() == (0.0, 1.0)
    assert axes[0].get_xlim() == (100.0, 200.0)    # the first 100 ms of the analysis window
    # every spike of the window at (time, position of its neuron)
    t, i = rec.spikes["E"]
    m = (t >= 100) & (t <= 200)
    off = axes[0].collections[0].get_offsets()
    assert len(off) == np.count_nonzero(m)
    assert np.allclose(off[:, 0], t[m]) and np.allclose(off[:, 1], (i[m] + 0.5) / 4000)
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "space_time")


def _peak_reference(t, x, L, t0, t1, nx=64, dt=0.5, seg=256):
    """The test's own (k, f) peak: numpy histogram2d of the spikes per
    segment, the 2-D FFT with the sign of a plane wave exp(i(kx - wt)),
    power averaged over segments; (|k|, f) of the largest cell at f > 0."""
    n_seg = int((t1 - t0) / dt) // seg
    P = 0
    for s in range(n_seg):
        a = t0 + s * seg * dt
        m = (t >= a) & (t < a + seg * dt)
        H, _, _ = np.histogram2d(x[m], t[m], bins=[nx, seg], range=[[0, L], [a, a + seg * dt]])
        H -= H.mean()
        # sum_x sum_t H e^{+ikx} e^{-iwt}: a wave cos(kx - wt) at (+k, +w)
        F = np.fft.fft(np.conj(np.fft.fft(np.conj(H), axis=0)), axis=1)
        P = P + np.abs(F) ** 2
    P = P[:, 1:seg // 2 + 1]
    ik, jf = np.unravel_index(np.argmax(P), P.shape)
    k = 2 * np.pi * np.fft.fftfreq(nx, d=L / nx)[ik]
    return k, (jf + 1) / (seg * dt * 1e-3)


def test_wave_spectrum_marks_the_predicted_mode(tmp_path):
    out = run("senk2020_ring")
    rec = sf.load(out)
    cmp = sf.load_quantities(out)
    fig = plot.wave_spectrum(rec, cmp)
    ax = fig.axes[0]
    # the predicted mode from compare.json, read here without the package
    d = json.load(open(os.path.join(out, "compare.json")))
    q = {x["name"]: x for x in d["quantities"] if x["populations"] == ["E"]}
    k_star, f_star = q["wave_wavenumber"]["predicted"], q["wave_frequency"]["predicted"]
    lines = {ln.get_label().split(" (")[0]: ln for ln in ax.get_lines()}
    th = lines["predicted wave train"]
    assert np.allclose(th.get_xdata(), [-k_star, k_star]) and np.allclose(th.get_ydata(),
                                                                          [f_star, f_star])
    # the simulated peak is the test's own estimate, within 10 % of the theory
    # (the criterion; docs/spatial.md)
    t, i = rec.spikes["E"]
    x = rec.positions["E"][i.astype(np.int64), 0]
    k_ref, f_ref = _peak_reference(t, x, 1.0, 100.0, 400.0)
    sim = lines["simulation peak"]
    assert sim.get_xdata()[0] == pytest.approx(k_ref) and sim.get_ydata()[0] == pytest.approx(f_ref)
    assert abs(abs(k_ref) - k_star) <= 0.1 * k_star and abs(f_ref - f_star) <= 0.1 * f_star
    assert ax.get_xlabel() == "wavenumber $k_x$ (1/mm)" and ax.get_ylabel() == "frequency (Hz)"
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "wave_spectrum")


def test_wave_power_of_a_synthetic_wave():
    """An inhomogeneous Poisson process with rate r0 (1 + cos(k0 x - w0 t)),
    k0 = 2 pi 3 / L, f0 = 19 / 128 ms (148.4 Hz, on the grid of 256 bins of
    0.5 ms), travelling to +x: the power peaks at (+k0, f0)."""
    rng = np.random.default_rng(5)
    n, L, T, r0 = 2000, 2.0, 512.0, 40.0
    k0, f0 = 2 * np.pi * 3 / L, 19 * 1000.0 / 128
    x = rng.uniform(0, L, n)
    # thinning of a rate-2 r0 process per neuron
    cnt = rng.poisson(2 * r0 * T * 1e-3, n)
    ids = np.repeat(np.arange(n), cnt)
    ts = rng.uniform(0, T, ids.size)
    keep = rng.uniform(0, 2, ids.size) < 1 + np.cos(k0 * x[ids] - 2 * np.pi * f0 * ts * 1e-3)
    order = np.lexsort((ids[keep], ts[keep]))
    rec = sf.Recording(model_name="synthetic", resolution=0.1, t_start=0.0, t_stop=T,
                       t_analysis=0.0, populations={"A": n},
                       spikes={"A": (ts[keep][order], ids[keep][order].astype(np.uint64))},
                       positions={"A": x[:, None]}, spaces={"A": {"geometry": "ring",
                                                                  "extent": [L]}})
    k, f, P = plot.wave_power(rec, "A")
    assert k.size == 64 and f.size == 129 and P.shape == (64, 129)
    ik, jf = np.unravel_index(np.argmax(P[:, 1:]), P[:, 1:].shape)
    assert k[ik] == pytest.approx(k0) and f[jf + 1] == pytest.approx(f0)


def test_folder_writes_the_spatial_figures(tmp_path):
    files = plot.folder(run("senk2020_ring"), out=tmp_path)
    names = {os.path.basename(f) for f in files}
    assert {"space_time.png", "wave_spectrum.png", "space_time.pdf"} <= names


def test_space_time_needs_positions():
    rec = sf.Recording(model_name="x", resolution=0.1, t_start=0.0, t_stop=10.0, t_analysis=0.0,
                       populations={"A": 2}, spikes={"A": (np.array([1.0]), np.array([0],
                                                                                    np.uint64))})
    with pytest.raises(ValueError, match="no spatial population"):
        plot.space_time(rec)


def test_builder_spatial_rules():
    """The spatial rules through the Python builder: their count keys
    (_COUNT_KEYS), the profile and speed keys, population spaces."""
    N, K = 600, 25
    m = sf.Model("ring", resolution=0.1, duration=50.0, seed=3)
    m.population("E", "iaf_psc_exp", N, space={"geometry": "ring", "extent": 1.0})
    m.population("F", "iaf_psc_exp", 300, space={"geometry": "ring", "extent": 1.0,
                                                 "layout": "random"})
    m.connect("E", "E", rule="spatial_fixed_indegree", indegree=K, weight=10.0, delay=1.0,
              profile={"kind": "gaussian", "width": 0.05}, speed=0.5)
    m.connect("E", "F", rule="spatial_fixed_outdegree", outdegree=4, weight=10.0, delay=1.0,
              profile={"kind": "boxcar", "width": 0.1})
    m.connect("F", "E", rule="spatial_pairwise_bernoulli", p=0.5, weight=-10.0, delay=1.0,
              profile={"kind": "exponential", "width": 0.05})
    m.poisson("ext", ["E", "F"], 8000.0, 87.8)
    m.record_spikes()
    assert m.projections["EE"] == ("E", "E", "spatial_fixed_indegree")
    net = m.build()
    assert net.projection_synapses("EE") == N * K
    assert net.projection_synapses("EF") == N * 4
    assert 0 < net.projection_synapses("FE") < 300 * N   # (its law: test_spatial_network)
    rec = net.run()
    assert rec.spikes["E"][0].size > 0
    with pytest.raises(TypeError, match="needs indegree"):
        sf.Model("x").connect("E", "E", rule="spatial_fixed_indegree", weight=1.0)


def _plane_wave_2d(seed=7):
    """An inhomogeneous Poisson process on a 2 mm x 1 mm torus with rate
    r0 (1 + cos(k0 . r - w0 t)), k0 = (2 pi 3 / Lx, -2 pi 2 / Ly), f0 on the
    grid of 256 bins of 0.5 ms (19 / 128 ms^-1, 148.4 Hz)."""
    rng = np.random.default_rng(seed)
    n, Lx, Ly, T, r0 = 4000, 2.0, 1.0, 512.0, 40.0
    k0 = (2 * np.pi * 3 / Lx, -2 * np.pi * 2 / Ly)
    f0 = 19 * 1000.0 / 128
    xy = np.column_stack([rng.uniform(0, Lx, n), rng.uniform(0, Ly, n)])
    cnt = rng.poisson(2 * r0 * T * 1e-3, n)
    ids = np.repeat(np.arange(n), cnt)
    ts = rng.uniform(0, T, ids.size)
    phase = k0[0] * xy[ids, 0] + k0[1] * xy[ids, 1] - 2 * np.pi * f0 * ts * 1e-3
    keep = rng.uniform(0, 2, ids.size) < 1 + np.cos(phase)
    order = np.lexsort((ids[keep], ts[keep]))
    rec = sf.Recording(model_name="synthetic", resolution=0.1, t_start=0.0, t_stop=T,
                       t_analysis=0.0, populations={"A": n},
                       spikes={"A": (ts[keep][order], ids[keep][order].astype(np.uint64))},
                       positions={"A": xy}, spaces={"A": {"geometry": "torus",
                                                          "extent": [Lx, Ly]}})
    return rec, k0, f0, (Lx, Ly)


def test_wave_power_2d_of_a_plane_wave():
    """The (kx, ky, f) spectrum of a synthetic plane wave peaks at (k0, f0);
    its cells equal a direct DFT written here (sums of e^{i(k.r_bin - w
    t_bin)} over the spikes, no FFT); its ky = 0 row is the spectrum along x
    (counts summed over y)."""
    rec, k0, f0, (Lx, Ly) = _plane_wave_2d()
    kx, ky, f, P = plot.wave_power_2d(rec, "A")
    assert kx.size == 32 and ky.size == 32 and f.size == 129 and P.shape == (32, 32, 129)
    pk = plot.wave_peak_2d(kx, ky, f, P)
    assert pk["kx"] == pytest.approx(k0[0]) and pk["ky"] == pytest.approx(k0[1])
    assert pk["f"] == pytest.approx(f0) and pk["k"] == pytest.approx(np.hypot(*k0))
    assert pk["velocity"] == pytest.approx(2 * np.pi * f0 / np.hypot(*k0))
    # direct DFT of the binned spikes at the peak and at two other cells
    t, i = rec.spikes["A"]
    xy = rec.positions["A"][i.astype(np.int64)]
    n, dt, seg = 32, 0.5, 256
    bx = np.minimum((xy[:, 0] / Lx * n).astype(np.int64), n - 1)
    by = np.minimum((xy[:, 1] / Ly * n).astype(np.int64), n - 1)
    bt = np.floor(t / dt).astype(np.int64)
    for mx, my, j in [(3, -2, 19), (-5, 7, 40), (0, 1, 3)]:
        ref = 0.0
        for s in range(4):  # 512 ms: four segments of 256 bins of 0.5 ms
            m = (bt >= s * seg) & (bt < (s + 1) * seg)
            z = np.exp(2j * np.pi * (mx * bx[m] / n + my * by[m] / n - j * (bt[m] - s * seg) / seg))
            ref += abs(z.sum()) ** 2 / 4
        ix = int(np.argmin(np.abs(kx - 2 * np.pi * mx / Lx)))
        iy = int(np.argmin(np.abs(ky - 2 * np.pi * my / Ly)))
        assert P[ix, iy, j] == pytest.approx(ref, rel=1e-9)
    k1, f1, P1 = plot.wave_power(rec, "A", axis=0, n_space=32)
    assert np.allclose(k1, kx) and np.allclose(P1, P[:, int(np.argmin(np.abs(ky))), :],
                                                rtol=1e-9, atol=1e-9 * P.max())


def test_wave_spectrum_2d_panels(tmp_path):
    """On a torus wave_spectrum draws the (kx, ky) map at the peak frequency
    and the ring average over |k| against f, the peak and the predicted
    mode marked in both."""
    rec, k0, f0, _ = _plane_wave_2d()

    class Q:  # the two quantities predicted_mode reads
        def __init__(self, v):
            self.predicted, self.value = v, v

    class Theory:
        def find(self, name, *pops):
            return {"wave_wavenumber": Q(float(np.hypot(*k0))),
                    "wave_frequency": Q(f0)}.get(name)

    fig = plot.wave_spectrum(rec, Theory())
    a, b = fig.axes[0], fig.axes[1]     # then the two colour bars
    assert a.get_xlabel() == "wavenumber $k_x$ (1/mm)" and a.get_ylabel() == "wavenumber $k_y$ (1/mm)"
    assert b.get_xlabel() == "wavenumber |k| (1/mm)" and b.get_ylabel() == "frequency (Hz)"
    la = {ln.get_label().split(" (")[0].split(":")[0]: ln for ln in a.get_lines()}
    assert la["simulation peak"].get_xdata()[0] == pytest.approx(k0[0])
    assert la["simulation peak"].get_ydata()[0] == pytest.approx(k0[1])
    circ = la["predicted wave train"]
    assert np.allclose(np.hypot(circ.get_xdata(), circ.get_ydata()), np.hypot(*k0))
    lb = {ln.get_label().split(" (")[0]: ln for ln in b.get_lines()}
    assert lb["predicted wave train"].get_ydata()[0] == pytest.approx(f0)
    # the ring peak lies within half a ring (pi / Ly) of |k0|
    assert abs(lb["simulation peak"].get_xdata()[0] - np.hypot(*k0)) <= np.pi / 1.0 / 2 + 1e-12
    assert lb["simulation peak"].get_ydata()[0] == pytest.approx(f0)
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "wave_spectrum_2d")
    with pytest.raises(ValueError, match="2-D space"):
        ring = sf.Recording(model_name="r", resolution=0.1, t_start=0.0, t_stop=200.0,
                            t_analysis=0.0, populations={"A": 1},
                            spikes={"A": (np.array([1.0]), np.array([0], dtype=np.uint64))},
                            positions={"A": np.array([[0.5]])},
                            spaces={"A": {"geometry": "ring", "extent": [1.0]}})
        plot.wave_power_2d(ring, "A")
