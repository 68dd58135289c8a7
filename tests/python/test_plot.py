"""The figures (spikefield.plot) rendered from real small runs of the
command (figure_runs.py) and from the Quantities of their compare.json:
files written, their size, what the artists show (the numbers the C side
wrote, axis labels with units, finite positive limits on log axes), no
overlapping text, and a few pixels."""
import json
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

import spikefield as sf
from figure_runs import ROOT, run

plot = sf.plot
E_BLUE = matplotlib.colors.to_rgb("#1f77b4")
I_RED = matplotlib.colors.to_rgb("#d62728")


@pytest.fixture(autouse=True)
def _close():
    yield
    matplotlib.pyplot.close("all")


def texts(fig):
    """Every text the figure draws, with its window extent: titles, axis
    labels, the tick labels inside the view, offsets, legends, figure
    titles."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    items = list(fig.texts)
    for f in [fig] + list(fig.subfigs):
        items += [t for t in (f._suptitle, f._supxlabel, f._supylabel) if t is not None]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        leg = ax.get_legend()
        if leg is not None:
            items += list(leg.get_texts())
        items += list(ax.texts)
        if not ax.axison:
            continue
        items += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label,
                  ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis._update_ticks():
                items += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    seen, out = set(), []
    for t in items:
        if id(t) not in seen and t.get_visible() and t.get_text().strip():
            seen.add(id(t))
            out.append((t.get_text(), t.get_window_extent(r)))
    return out


def assert_no_overlap(fig):
    """No two texts of the figure overlap (by more than 1 pixel)."""
    ts = texts(fig)
    for a in range(len(ts)):
        for b in range(a + 1, len(ts)):
            (sa, ba), (sb, bb) = ts[a], ts[b]
            ox = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
            oy = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
            assert not (ox > 1 and oy > 1), f"texts overlap: {sa!r} and {sb!r}"


def assert_sane_limits(fig):
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        for lim, scale in ((ax.get_xlim(), ax.get_xscale()), (ax.get_ylim(), ax.get_yscale())):
            assert np.all(np.isfinite(lim)), (ax.get_title(), lim)
            assert lim[0] < lim[1], (ax.get_title(), lim)
            if scale == "log":
                assert lim[0] > 0, (ax.get_title(), lim)


def saved(fig, tmp_path, name, min_kb=8):
    files = plot.save(fig, tmp_path / name)
    assert files == [str(tmp_path / f"{name}.png"), str(tmp_path / f"{name}.pdf")]
    for f in files:
        assert os.path.getsize(f) > min_kb * 1000, (f, os.path.getsize(f))
    assert open(files[0], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert open(files[1], "rb").read(5) == b"%PDF-"
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".part")]
    return files


def pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255.0


def near(img, rgb, tol=0.08):
    return np.all(np.abs(img - np.array(rgb)) < tol, axis=-1)


# ---- recordings -----------------------------------------------------------------


def test_raster_with_rate(tmp_path):
    rec = sf.load(run("brunel"))
    fig = plot.raster(rec)
    ax_r, ax_p = fig.axes
    assert [t.get_text() for t in ax_r.get_yticklabels()] == ["I", "E"]   # E on top
    assert len(ax_r.collections) == 2
    # the dots are the spikes of the first 200 neurons in the window 100..1100 ms
    t, i = rec.spikes["E"]
    m = (t >= 100) & (t <= 1100) & (i < 200)
    offs = [c.get_offsets() for c in ax_r.collections]
    assert sorted(len(o) for o in offs) == sorted(
        [np.count_nonzero(m), np.count_nonzero((rec.spikes["I"][0] >= 100) &
                                               (rec.spikes["I"][0] <= 1100) &
                                               (rec.spikes["I"][1] < 200))])
    assert ax_p.get_xlabel() == "time (ms)" and "rate (Hz)" in ax_p.get_ylabel()
    assert ax_r.get_xlim() == (100.0, 1100.0)
    assert len(ax_p.get_lines()) == 2
    # the population rate averages to the rate of the window (summary.json)
    y = ax_p.get_lines()[0].get_ydata()
    kE = np.count_nonzero((t >= 100) & (t < 1100))
    assert np.mean(y) == pytest.approx(kE / (1000 * 1.0), rel=0.02)
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    # pixels: E blue above I red in the raster
    img = pixels(fig)
    bb = ax_r.get_window_extent()
    top, bottom = int(img.shape[0] - bb.y1), int(img.shape[0] - bb.y0)
    sub = img[top:bottom, int(bb.x0):int(bb.x1)]
    blue = np.nonzero(near(sub, E_BLUE, 0.15))[0] / sub.shape[0]
    red = np.nonzero(near(sub, I_RED, 0.15))[0] / sub.shape[0]
    assert blue.size > 200 and red.size > 200
    # E (rows 210..409 of 420) above I (rows 0..199): fractions from the top
    assert np.all(blue < 0.52) and np.all(red > 0.48)
    assert 0.2 < np.median(blue) < 0.32 and 0.68 < np.median(red) < 0.8
    saved(fig, tmp_path, "raster")


def test_rates_show_the_summary(tmp_path):
    out = run("brunel")
    summ = json.load(open(os.path.join(out, "summary.json")))["populations"]
    fig = plot.rates(sf.load(out))
    a_r, a_c = fig.axes
    assert a_r.get_ylabel() == "rate (Hz)" and a_c.get_ylabel() == "CV of ISIs"
    heights = [p.get_height() for p in a_r.patches]
    assert heights == pytest.approx([summ["E"]["rate_Hz"], summ["I"]["rate_Hz"]])
    assert [p.get_height() for p in a_c.patches] == pytest.approx(
        [summ["E"]["cv_isi"], summ["I"]["cv_isi"]])
    # the bars have the population colours
    assert matplotlib.colors.to_rgb(a_r.patches[0].get_facecolor()) == pytest.approx(E_BLUE)
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "rates")


def test_rates_without_summary_from_spikes():
    rec = sf.load(run("brunel"))
    summ = rec.summary["populations"]
    rec.summary = {}
    fig = plot.rates(rec)
    # rates over neurons from the spikes: the C analysis' numbers to 1%
    assert [p.get_height() for p in fig.axes[0].patches] == pytest.approx(
        [summ["E"]["rate_Hz"], summ["I"]["rate_Hz"]], rel=0.01)
    assert [p.get_height() for p in fig.axes[1].patches] == pytest.approx(
        [summ["E"]["cv_isi"], summ["I"]["cv_isi"]], rel=0.03)


def test_isi_is_a_density(tmp_path):
    rec = sf.load(run("brunel"))
    fig = plot.isi(rec)
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 2 and axes[0].get_xlabel() == "ISI (ms)"
    assert axes[0].get_ylabel() == "density (1/s)"
    # the histogram up to the 99th percentile holds 99% of the ISIs
    st = [p for p in axes[0].patches][0]
    vals, edges = st.get_data().values, st.get_data().edges
    assert np.sum(vals * np.diff(edges)) / 1000 == pytest.approx(0.99, abs=0.005)
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "isi")


def test_traces(tmp_path):
    rec = sf.load(run("brunel"))
    fig = plot.traces(rec, max_traces=3)
    axes = fig.axes
    assert len(axes) == 3 and axes[-1].get_xlabel() == "time (ms)"
    tr = rec.trace("E")
    line = axes[1].get_lines()[0]
    m = (tr.times >= 100) & (tr.times <= 350)
    assert np.array_equal(line.get_ydata(), tr.data[m, 1])
    assert "(mV)" in fig._supylabel.get_text()
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "traces")
    # rate units: the recorded variable when V_m is not there
    fig = plot.traces(sf.load(run("ou_ei")))
    assert len(fig.axes) == 10 and "rate" in fig._supylabel.get_text()


def test_microcircuit_raster_and_rates(tmp_path):
    rec = sf.load(run("microcircuit"))
    fig = plot.raster(rec)
    names = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == names[::-1]
    assert len(fig.axes[1].get_legend().get_texts()) == 8
    assert_no_overlap(fig)
    saved(fig, tmp_path, "raster")
    fig = plot.rates(rec)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == names
    assert_no_overlap(fig)


# ---- theory against simulation ---------------------------------------------------


def test_compare_scalars(tmp_path):
    q = sf.load_quantities(run("brunel"))
    fig = plot.compare(q)
    shown = [a for a in fig.axes if a.get_visible()]
    # rate and CV; then any further scalars (the spectral peak frequency)
    a_rate, a_cv = shown[:2]
    assert all(a.get_ylabel() for a in shown[2:])
    assert a_rate.get_ylabel() == "rate (Hz)" and a_cv.get_ylabel() == "CV" and a_cv.get_title() == "CV of ISIs"
    labels = [t.get_text() for t in a_rate.get_xticklabels()]
    assert labels[0].startswith("E\nz = ") and labels[1].startswith("I\nz = ")
    r = q.find("rate", "E")
    assert labels[0] == f"E\nz = {r.z:+.1f}"
    # the black bars are the predictions, the dots the simulated values
    bars = [ln for ln in a_rate.get_lines() if ln.get_marker() == "_" and ln.get_markersize() > 20]
    assert [ln.get_ydata()[0] for ln in bars] == pytest.approx(
        [q.find("rate", p).predicted for p in "EI"])
    dots = [ln for ln in a_rate.get_lines() if ln.get_marker() == "o"]
    assert [ln.get_ydata()[0] for ln in dots] == pytest.approx(
        [q.find("rate", p).value for p in "EI"])
    assert a_rate.get_ylim()[0] == 0
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "compare")


def test_compare_pairs_binary():
    q = sf.load_quantities(run("binary_ei"))
    fig = plot.compare(q)
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert titles == ["mean activity", "population covariance $C(0)$", "pair covariance"]
    labels = [t.get_text().split("\n")[0] for t in fig.axes[1].get_xticklabels()]
    assert labels == ["E–E", "E–I", "E–X", "I–I", "I–X", "X–X"]
    assert_sane_limits(fig)
    assert_no_overlap(fig)


def test_spectra_log_axes(tmp_path):
    q = sf.load_quantities(run("brunel"))
    fig = plot.spectra(q)
    panels = [a for a in fig.axes if a.axison]
    panels.sort(key=lambda a: ["E", "E–I", "I"].index(a.get_title(loc="left")))
    assert [a.get_title(loc="left") for a in panels] == ["E", "E–I", "I"]
    for a in panels:
        assert a.get_xscale() == "log" and a.get_yscale() == "log"
        # the DC bin and zeros never set a limit: from the first positive frequency
        f = q.find("spectrum", "E").axis_values
        assert a.get_xlim()[0] == pytest.approx(f[f > 0].min())
    # the predicted curve (black) is the modulus of the predicted cross-spectrum
    x = q.find("cross_spectrum", "E", "I")
    black = [ln for ln in panels[1].get_lines() if ln.get_color() == "black"][0]
    ok = x.axis_values > 0
    assert np.allclose(black.get_ydata(), np.abs(x.predicted[ok]))
    # the SE band is drawn
    assert any(isinstance(c, matplotlib.collections.PolyCollection) for c in panels[0].collections)
    assert panels[1].get_xlabel() == "frequency (Hz)" and panels[0].get_ylabel() == "S (Hz)"
    assert panels[1].get_ylabel() == "|S| (Hz)"
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "spectra")
    # every panel holds ink: more than 2% of its pixels are not white
    img = pixels(fig)
    H = img.shape[0]
    for a in panels:
        bb = a.get_window_extent()
        sub = img[int(H - bb.y1):int(H - bb.y0), int(bb.x0):int(bb.x1)]
        assert np.mean(np.any(sub < 0.9, axis=-1)) > 0.02


def test_spectra_degenerate_values():
    """Zeros, NaN, negative values and the f = 0 bin never set a log limit."""
    f = np.arange(0, 200.0, 2.0)
    s = 1.0 / (1 + (f / 30) ** 2) + 0.01
    sim = s * (1 + 0.1 * np.sin(f))
    sim[[0, 5, 17]] = [1e9, 0.0, np.nan]          # DC bin huge, a zero, a NaN
    pred = s.copy()
    pred[3] = 0.0

    def listed(v):
        return [None if not np.isfinite(x) else float(x) for x in v]
    d = {"kind": "comparison", "family": "test", "quantities": [
        {"name": "spectrum", "populations": ["A"], "unit": "Hz", "axis": "frequency_Hz",
         "shape": [f.size, 1], "complex": False, "axis_values": list(f), "values": listed(sim),
         "se": listed(0.05 * s), "predicted": listed(pred)},
        {"name": "spectrum_re", "populations": ["A", "B"], "unit": "Hz", "axis": "frequency_Hz",
         "shape": [f.size, 1], "complex": False, "axis_values": list(f),
         "values": listed(-0.3 * s), "se": listed(0.05 * s), "predicted": listed(-0.3 * s)},
        {"name": "spectrum", "populations": ["B"], "unit": "Hz", "axis": "frequency_Hz",
         "shape": [f.size, 1], "complex": False, "axis_values": list(f),
         "values": [0.0] * f.size, "se": [None] * f.size, "predicted": listed(s)}]}
    q = sf.Quantities.from_dict(d)
    fig = plot.spectra(q)
    assert_sane_limits(fig)
    a, ab, b = [x for x in fig.axes if x.axison]
    lo, hi = a.get_ylim()
    assert a.get_yscale() == "log" and 1e-3 < lo < s.min() and s.max() < hi < 10
    assert a.get_xlim()[0] == 2.0
    assert ab.get_yscale() == "linear"              # a negative real part: linear y
    assert b.get_yscale() == "log" and b.get_ylim()[0] > 1e-4
    # a simulated spectrum without standard errors says so, and draws no band
    assert [t.get_text() for t in b.texts] == ["no standard error (simulate longer)"]
    assert not b.collections and a.collections


def test_covariance_functions(tmp_path):
    q = sf.load_quantities(run("hawkes_ei"))
    fig = plot.covariances(q)
    panels = [a for a in fig.axes if a.axison]
    assert len(panels) == 3
    assert all(a.get_xscale() == "linear" for a in panels)
    assert panels[-1].get_xlabel() == "time lag (ms)" and "(Hz²)" in panels[0].get_ylabel()
    c = q.find("cov_function", "E", "E")
    assert panels[0].get_xlim() == pytest.approx((c.axis_values.min(), c.axis_values.max()))
    black = [ln for ln in panels[0].get_lines() if ln.get_color() == "black"][0]
    assert np.allclose(black.get_ydata(), c.predicted)
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "covariances")


def test_pif_density(tmp_path):
    q = sf.load_quantities(run("pif_poisson"))
    fig = plot.pif_density(q)
    lin, log = fig.axes
    assert log.get_yscale() == "log" and lin.get_ylabel() == "density (1/mV)"
    assert lin.get_xlabel() == "membrane potential $V_m$ (mV)"
    labels = [t.get_text() for t in lin.get_legend().get_texts()]
    assert labels == ["simulation ± SE", "exact theory", "diffusion approximation"]
    exact = [ln for ln in lin.get_lines() if ln.get_label() == "exact theory"][0]
    assert np.allclose(exact.get_ydata(), q.find("density", "P").predicted)
    assert_sane_limits(fig)
    assert_no_overlap(fig)
    saved(fig, tmp_path, "pif_density")


def test_microcircuit_spectra_matrix():
    q = sf.load_quantities(run("microcircuit"))
    fig = plot.spectra(q)
    panels = [a for a in fig.axes if a.axison]
    assert len(panels) == 8 + 28                     # populations and pairs
    assert_sane_limits(fig)


def test_axes_argument():
    rec = sf.load(run("brunel"))
    fig, (a, b) = matplotlib.pyplot.subplots(1, 2)
    assert plot.raster(rec, ax=a) is fig and a.get_xlabel() == "time (ms)"
    assert plot.rates(rec, ax=fig.subfigures(1, 1)) is fig


# ---- folders ---------------------------------------------------------------------


def test_folder_writes_every_figure(tmp_path):
    files = plot.folder(run("brunel"), out=tmp_path / "f")
    names = [os.path.basename(f) for f in files]
    want = ["raster", "rates", "isi", "traces", "compare", "spectra"]
    assert names == [f"{n}.{e}" for n in want for e in ("png", "pdf")]
    assert all(os.path.getsize(f) > 10000 for f in files)
    files = plot.folder(run("ou_ei"), out=tmp_path / "o", formats=("png",))
    assert [os.path.basename(f) for f in files] == [
        "traces.png", "compare.png", "spectra.png", "covariances.png"]
    files = plot.folder(run("pif_poisson"), out=tmp_path / "p", formats=("png",))
    assert "pif_density.png" in [os.path.basename(f) for f in files]


def test_folder_errors(tmp_path):
    with pytest.raises(sf.SpikefieldError, match="no output folder"):
        plot.folder(tmp_path / "none")
    with pytest.raises(sf.SpikefieldError):
        plot.folder(tmp_path)


def test_python_m_spikefield_plot(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-m", "spikefield", "plot", run("brunel_run"), "--out",
                        str(tmp_path / "f")], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"figures (png, pdf) in {tmp_path / 'f'}/: raster, rates, isi, traces"
    r = subprocess.run([sys.executable, "-m", "spikefield", "plot", str(tmp_path / "none")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1 and r.stderr.startswith("spikefield plot: no output folder")


def test_the_overlap_check_sees_overlaps():
    fig = matplotlib.pyplot.figure()
    fig.text(0.5, 0.5, "spikes")
    fig.text(0.51, 0.5, "rates")
    with pytest.raises(AssertionError, match="texts overlap"):
        assert_no_overlap(fig)


def test_example_compare_microcircuit_figures(tmp_path):
    """examples/python/compare_microcircuit.py --from: the figures of a
    folder `spikefield compare` wrote (the simulating path needs the
    binding, tests/python/test_model.py)."""
    import shutil
    d = tmp_path / "mc"
    shutil.copytree(run("microcircuit"), d)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python",
                                                     "compare_microcircuit.py"), "--from", str(d)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "L23E" in r.stdout and "verdict" in r.stdout
    for f in ("raster", "rates", "compare", "spectra"):
        assert os.path.getsize(d / "figures" / f"{f}.png") > 10000
        assert os.path.getsize(d / "figures" / f"{f}.pdf") > 5000
