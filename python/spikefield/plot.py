"""Figures of recordings and of theory against simulation (matplotlib).

Every function returns a matplotlib Figure and never calls plt.show(), so it
works in a notebook (the figure displays), in a script (``save``) and in
``spikefield plot OUTDIR`` (``folder``). A single-panel function takes
``ax=`` to draw into an existing Axes; a multi-panel one takes ``ax=`` as a
Figure or SubFigure to fill (or a sequence of Axes where stated).

Conventions, the same in every figure (docs/figures.md):
- a population has one colour everywhere, from its place in the model
  (``colors``); simulation is drawn in that colour, theory in black
  (solid; a second theory dashed), standard errors as shaded bands or error
  bars;
- axes carry the quantity and its unit, time in ms, frequency in Hz;
- log axes take their limits from the finite, positive values only (zeros,
  NaN and the f = 0 bin never set a limit), from robust percentiles of the
  noisy simulated curves and the whole predicted curve;
- layout is matplotlib's constrained layout, so labels do not overlap.
"""
import os

import matplotlib

if (not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("MPLBACKEND") and "ipykernel" not in __import__("sys").modules):
    matplotlib.use("Agg")   # no display: render to files only

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401
import numpy as np  # noqa: E402
from matplotlib.figure import Figure, SubFigure  # noqa: E402

_STYLE = {
    "font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 9,
    "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.spines.top": False,
    "axes.spines.right": False, "legend.frameon": False, "lines.linewidth": 1.4,
    "savefig.dpi": 200, "pdf.fonttype": 42, "ps.fonttype": 42,
    "axes.formatter.use_mathtext": True, "axes.formatter.limits": (-3, 4),
}
_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f"]
_THEORY = "black"

# readable names of the quantities of docs/predict-compare.md and the family pages
_NAMES = {
    "rate": "rate", "cv_isi": "CV of ISIs", "activity": "mean activity",
    "cov_pop": "population covariance $C(0)$", "cov_pair": "pair covariance",
    "corr_coef": "correlation coefficient", "mu": "mean input $\\mu$",
    "sigma": "input SD $\\sigma$", "density_threshold": "density at threshold",
    "density_threshold_diffusion": "density at threshold (diffusion)",
    "spectrum": "power spectrum $S$", "cross_spectrum": "cross-spectrum $|S|$",
    "spectrum_re": "spectrum Re $S$", "spectrum_re_band": "spectrum Re $S$ (band)",
    "cov_function": "covariance function", "density": "$V_m$ density",
    "density_diffusion": "$V_m$ density (diffusion)", "transfer": "transfer $|H|$",
}


# the y-axis word of a scalar panel (the title holds the full name)
_SHORT = {"rate": "rate", "cv_isi": "CV", "activity": "activity", "cov_pop": "$C(0)$",
          "cov_pair": "covariance", "corr_coef": "correlation", "density_threshold": "density",
          "density_threshold_diffusion": "density", "mu": "$\\mu$", "sigma": "$\\sigma$"}


def _unit(u):
    u = (u or "").strip()
    if u in ("", "1", "-"):
        return ""
    return u.replace("^2", "²").replace("^-1", "⁻¹")


def _label(what, unit):
    u = _unit(unit)
    return f"{what} ({u})" if u else what


def colors(names):
    """The colour of each population: a dict name -> colour, by model order."""
    return {n: _PALETTE[i % len(_PALETTE)] for i, n in enumerate(names)}


def _styled(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*a, **k):
        with plt.rc_context(_STYLE):
            return fn(*a, **k)
    return wrapper


def _figure(ax, size):
    """(figure or subfigure to draw into, its top-level Figure)."""
    if isinstance(ax, (Figure, SubFigure)):
        top = ax if isinstance(ax, Figure) else ax.figure
        while isinstance(top, SubFigure):
            top = top.figure
        return ax, top
    fig = plt.figure(figsize=size, layout="constrained")
    return fig, fig


def _parent(ax):
    f = ax.figure
    while isinstance(f, SubFigure):
        f = f.figure
    return f


# ---- recordings -----------------------------------------------------------------


def _recorded(rec, populations):
    names = list(rec.populations) + [p for p in rec.spikes if p not in rec.populations]
    names = [p for p in names if p in rec.spikes]
    if populations is not None:
        want = [populations] if isinstance(populations, str) else list(populations)
        bad = [p for p in want if p not in rec.populations and p not in rec.spikes]
        if bad:
            raise KeyError(f"no population {bad[0]!r} (populations: {', '.join(rec.populations)})")
        names = [p for p in names if p in want]
    return names


def _pop_colors(rec):
    return colors(list(rec.populations) + [p for p in rec.spikes if p not in rec.populations])


def _default_window(rec):
    """The first second of the analysis window (all of it when shorter)."""
    t0 = rec.t_analysis if rec.t_analysis < rec.t_stop else rec.t_start
    return t0, min(rec.t_stop, t0 + 1000.0)


def _nice_bin(want):
    for b in (0.5, 1, 2, 5, 10, 20, 50, 100):
        if b >= want:
            return float(b)
    return 100.0


def _event_word(rec, names):
    """What the recorded events are: binary neurons record their
    transitions (docs/binary.md), the others spikes."""
    pops = (rec.summary or {}).get("populations", {})
    models = {pops.get(p, {}).get("model") for p in names}
    return "transitions" if models == {"binary"} else "spikes"


@_styled
def raster(rec, populations=None, t_range=None, max_neurons=200, rate_bin=None, ax=None):
    """Spike raster (up to max_neurons per population, populations stacked
    top to bottom in model order) with the population rates below.

    ax: a Figure/SubFigure to fill, or a pair (raster Axes, rate Axes), or one
    Axes (raster only)."""
    names = _recorded(rec, populations)
    cols = _pop_colors(rec)
    t0, t1 = t_range if t_range is not None else _default_window(rec)
    if isinstance(ax, (list, tuple)):
        ax_r, ax_p = ax
        fig = _parent(ax_r)
    elif ax is not None and not isinstance(ax, (Figure, SubFigure)):
        ax_r, ax_p, fig = ax, None, _parent(ax)
    else:
        where, fig = _figure(ax, (7.0, 5.0))
        ax_r, ax_p = where.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    offset, ticks, labels, total = 0, [], [], 0
    for p in reversed(names):          # first population on top
        t, i = rec.spikes[p]
        n = rec.populations.get(p, int(i.max()) + 1 if i.size else 0)
        shown = min(n, max_neurons)
        m = (t >= t0) & (t <= t1) & (i < shown)
        ax_r.scatter(t[m], offset + i[m].astype(np.float64), s=1.5, marker=".", linewidths=0,
                     color=cols[p], rasterized=True)
        ticks.append(offset + shown / 2)
        labels.append(p)
        offset += shown + max(1, shown // 20)
        total += int(m.sum())
    ax_r.set_yticks(ticks, labels)
    ax_r.set_ylim(-1, max(offset, 1))
    ax_r.set_xlim(t0, t1)
    ax_r.tick_params(axis="y", length=0)
    ax_r.set_ylabel("neuron (population)" if max_neurons >= max(rec.populations.values() or [0])
                    else f"neuron (first {max_neurons} of each population)")
    what = _event_word(rec, names)
    ax_r.set_title(f"{rec.model_name}: {what}, {t0:g}–{t1:g} ms" +
                   (" (interrupted run)" if rec.interrupted else ""))
    if ax_p is None:
        ax_r.set_xlabel("time (ms)")
        return fig
    # population rates: bins (1 to 20 ms) holding ~5 spikes of a typical population
    if rate_bin is None:
        T = max(rec.t_stop - rec.t_start, 1e-9)
        per_ms = np.median([rec.spikes[p][0].size / T for p in names]) if names else 0.0
        rate_bin = min(_nice_bin(5.0 / per_ms), 20.0) if per_ms > 0 else 1.0
        rate_bin = max(rate_bin, 1.0)
    edges = np.arange(t0, t1 + 0.5 * rate_bin, rate_bin)
    if edges.size < 2:
        edges = np.array([t0, t1])
    for p in names:
        t = rec.spikes[p][0]
        counts, _ = np.histogram(t, edges)
        n = max(rec.populations.get(p, 1), 1)
        ax_p.plot(0.5 * (edges[1:] + edges[:-1]), counts / (n * np.diff(edges) * 1e-3),
                  color=cols[p], lw=1.0, label=p)
    ax_p.set_xlabel("time (ms)")
    ax_p.set_ylabel(f"{'rate' if what == 'spikes' else what} (Hz)\n{rate_bin:g} ms bins")
    ax_p.set_ylim(bottom=0)
    if len(names) > 1:       # beside the axes: never over the curves
        ax_p.legend(loc="upper left", bbox_to_anchor=(1.0, 1.05), fontsize=8, handlelength=1.0,
                    ncol=1 if len(names) <= 4 else 2, columnspacing=0.8, borderaxespad=0.2)
    return fig


def _spike_stats(rec, p):
    """(rate Hz, SE, CV, SE) over neurons from the spikes, in the analysis window."""
    t, i = rec.spikes[p]
    n = rec.populations.get(p, 0)
    T = (rec.t_stop - rec.t_analysis) * 1e-3
    if n <= 0 or T <= 0:
        return (np.nan,) * 4
    m = t >= rec.t_analysis
    r = np.bincount(i[m].astype(np.int64), minlength=n)[:n] / T
    cv = _cv_per_neuron(t[m], i[m])
    se_cv = np.std(cv, ddof=1) / np.sqrt(cv.size) if cv.size > 1 else np.nan
    return (r.mean(), r.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan,
            cv.mean() if cv.size else np.nan, se_cv)


def _isis(t, i):
    """ISIs of all neurons pooled, and the neuron of each."""
    o = np.lexsort((t, i))
    ts, ids = t[o], i[o]
    same = ids[1:] == ids[:-1]
    return np.diff(ts)[same], ids[1:][same]


def _cv_per_neuron(t, i):
    d, who = _isis(t, i)
    if d.size == 0:
        return np.array([])
    u, inv, cnt = np.unique(who, return_inverse=True, return_counts=True)
    s1 = np.bincount(inv, d)
    s2 = np.bincount(inv, d * d)
    ok = cnt >= 2
    mean = s1[ok] / cnt[ok]
    var = (s2[ok] - cnt[ok] * mean ** 2) / (cnt[ok] - 1)
    return np.sqrt(np.maximum(var, 0)) / mean


def _bars(ax, names, vals, ses, cols, ylabel, title):
    x = np.arange(len(names))
    ax.bar(x, vals, color=[cols[p] for p in names], width=0.65, alpha=0.85)
    ax.errorbar(x, vals, yerr=np.where(np.isfinite(ses), ses, 0), fmt="none", ecolor="black",
                capsize=3, lw=1.0)
    ax.set_xticks(x, names, rotation=45 if len(names) > 6 else 0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(bottom=0)


@_styled
def rates(rec, populations=None, ax=None):
    """Firing rate and CV of the ISIs per population, with standard errors
    (from the summary; from the spikes when it has none).

    ax: a Figure/SubFigure, or a pair of Axes (rates, CVs)."""
    names = _recorded(rec, populations)
    cols = _pop_colors(rec)
    if isinstance(ax, (list, tuple)):
        a_r, a_c = ax
        fig = _parent(a_r)
    else:
        where, fig = _figure(ax, (2 * (1.6 + 0.55 * len(names)), 3.2))
        a_r, a_c = where.subplots(1, 2)
    vals = {k: [] for k in ("r", "rse", "cv", "cvse")}
    summ = rec.summary.get("populations", {}) if rec.summary else {}
    for p in names:
        s = summ.get(p)
        if s is not None and "rate_Hz" in s:
            got = [s.get(k) for k in ("rate_Hz", "rate_sem_Hz", "cv_isi", "cv_isi_sem")]
            got = [np.nan if g is None else float(g) for g in got]
        else:
            got = _spike_stats(rec, p)
        for k, g in zip(vals, got):
            vals[k].append(g)
    _bars(a_r, names, np.array(vals["r"]), np.array(vals["rse"]), cols, "rate (Hz)",
          "firing rate (± SE over neurons)")
    _bars(a_c, names, np.array(vals["cv"]), np.array(vals["cvse"]), cols, "CV of ISIs",
          "irregularity (± SE)")
    a_c.axhline(1.0, color="0.5", lw=0.8, ls=":", zorder=0)
    a_c.annotate("Poisson", (1.0, 1.0), xycoords=("axes fraction", "data"), xytext=(-2, 2),
                 textcoords="offset points", ha="right", va="bottom", fontsize=8, color="0.4")
    finite = [v for v in vals["cv"] if np.isfinite(v)]
    a_c.set_ylim(0, max([1.15] + [1.15 * v for v in finite]))
    return fig


def _grid(n, max_cols=4):
    cols = min(n, max_cols)
    return (n + cols - 1) // cols, cols


@_styled
def isi(rec, populations=None, bins=60, ax=None):
    """ISI distribution per population (analysis window, all neurons pooled),
    with the exponential distribution of a Poisson process of the same rate."""
    names = [p for p in _recorded(rec, populations) if rec.spikes[p][0].size > 1]
    cols = _pop_colors(rec)
    nr, nc = _grid(max(len(names), 1))
    where, fig = _figure(ax, (min(2.8 * nc, 11.0) + 0.6, 2.4 * nr + 0.6))
    axes = np.atleast_1d(where.subplots(nr, nc, squeeze=False)).ravel()
    for a, p in zip(axes, names):
        t, i = rec.spikes[p]
        m = t >= rec.t_analysis
        d, _ = _isis(t[m], i[m])
        if d.size == 0:
            a.set_title(f"{p}: no ISIs")
            continue
        hi = np.percentile(d, 99)
        h, e = np.histogram(d, bins=bins, range=(0, hi), density=False)
        dens = 1e3 * h / (d.size * np.diff(e))      # per second: no 1e-3 offsets
        a.stairs(dens, e, color=cols[p], fill=True, alpha=0.35)
        a.stairs(dens, e, color=cols[p], lw=1.2)
        mean = d.mean()
        x = np.linspace(0, hi, 200)
        a.plot(x, 1e3 * np.exp(-x / mean) / mean, color="0.3", ls="--", lw=1.0,
               label="Poisson, same rate")
        cv = d.std() / mean
        a.set_title(f"{p}: mean {mean:.3g} ms, CV {cv:.2f}")
        a.set_xlim(0, hi)
        a.set_ylim(bottom=0)
        a.set_xlabel("ISI (ms)")
        a.set_ylabel("density (1/s)")
    for a in axes[len(names):]:
        a.set_visible(False)
    if names:
        axes[0].legend(loc="upper right")
    return fig


_VARIABLES = {"V_m": "$V_m$", "rate": "rate", "I_syn_ex": "$I_{syn,ex}$",
              "I_syn_in": "$I_{syn,in}$", "n": "state $n$"}


@_styled
def traces(rec, population=None, variable="V_m", max_traces=5, t_range=None, ax=None):
    """Sampled state variables: up to max_traces neurons of each (recorder,
    population), one thin panel per neuron on a common y axis, over
    t_range (default: the first 250 ms of the analysis window). A variable
    the recording lacks falls back to the recorded ones (e.g. the "rate" of
    rate units)."""
    sel = [tr for tr in rec.traces if population is None or tr.population == population]
    if population is not None and not sel:
        raise KeyError(f"no trace of population {population!r}")
    chosen = [tr for tr in sel if tr.variable == variable] or sel
    cols = _pop_colors(rec)
    if t_range is None:
        t0, t1 = _default_window(rec)
        t1 = min(t1, t0 + 250.0)
    else:
        t0, t1 = t_range
    rows = [(tr, j) for tr in chosen
            for j in range(min(max_traces, tr.data.shape[1] if tr.data.ndim == 2 else 0))]
    n = max(len(rows), 1)
    where, fig = _figure(ax, (7.0, 0.9 + 1.0 * n))
    axes = np.atleast_1d(where.subplots(n, 1, sharex=True, squeeze=False)).ravel()
    shared = {}
    for a, (tr, j) in zip(axes, rows):
        m = (tr.times >= t0) & (tr.times <= t1)
        key = (tr.variable, tr.unit)
        if key in shared:
            a.sharey(shared[key])
        else:
            shared[key] = a
        c = cols.get(tr.population, _PALETTE[0])
        a.plot(tr.times[m], tr.data[m, j], color=c, lw=0.9)
        nid = int(tr.node_ids[j]) if j < tr.node_ids.size else j
        a.text(1.0, 1.0, f"{tr.population} #{nid}", transform=a.transAxes, ha="right",
               va="top", fontsize=8, color=c)
        a.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))
    labels = {(tr.variable, tr.unit) for tr, _ in rows}
    if len(labels) == 1:
        v, u = labels.pop()
        where.supylabel(_label(_VARIABLES.get(v, v), u), fontsize=10)
    else:
        for a, (tr, _) in zip(axes, rows):
            a.set_ylabel(_label(_VARIABLES.get(tr.variable, tr.variable), tr.unit), fontsize=8)
    if rows:
        tr0 = rows[0][0]
        names = sorted({f"{tr.population} ({tr.recorder})" for tr, _ in rows})
        axes[0].set_title(f"{rec.model_name}: {', '.join(names)}, "
                          f"{min(max_traces, tr0.data.shape[1])} neuron(s) each", fontsize=10)
    axes[-1].set_xlabel("time (ms)")
    axes[-1].set_xlim(t0, t1)
    return fig


# ---- theory against simulation ---------------------------------------------------


def _theory_sim(cmp, q):
    """(theory, simulated, se) of a quantity, whatever the list's kind."""
    if cmp.kind == "prediction":
        return q.value, None, None
    if cmp.kind == "estimate":
        return None, q.value, q.se
    return q.predicted, q.value, q.se


def _fin(x):
    try:
        return x is not None and np.isfinite(x)
    except TypeError:
        return False


def _qpops(cmp):
    """Populations in the list's order (model order) and their colours."""
    order = []
    for q in cmp:
        for p in q.populations:
            if p not in order:
                order.append(p)
    return order, colors(order)


def _key_color(cols, key):
    """A population's colour; a pair of two populations mixes theirs."""
    if len(key) == 1 or key[0] == key[1]:
        return cols[key[0]]
    a, b = (matplotlib.colors.to_rgb(cols[p]) for p in key[:2])
    return tuple(0.5 * (x + y) for x, y in zip(a, b))


def _log_binned(x, v, se, per_decade=24):
    """Averages of a curve over log-spaced frequency bins (a display of a
    periodogram with thousands of bins): mean value and SE of the mean
    (bins of distinct frequencies are independent estimates), complex values
    averaged before any modulus. Bins narrower than the grid keep single
    points."""
    ok = np.isfinite(x) & (x > 0) & np.isfinite(v)
    x, v = x[ok], v[ok]
    se = se[ok] if se is not None else None
    if x.size < 2:
        return x, v, se
    n_bins = max(int(np.ceil(per_decade * np.log10(x.max() / x.min()))), 1)
    edges = np.logspace(np.log10(x.min()), np.log10(x.max()), n_bins + 1)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)
    cnt = np.bincount(idx, minlength=n_bins)
    keep = cnt > 0

    def mean(a):
        if np.iscomplexobj(a):
            return mean(a.real) + 1j * mean(a.imag)
        return np.bincount(idx, a, minlength=n_bins)[keep] / cnt[keep]

    def se_mean(a):
        if np.iscomplexobj(a):
            return se_mean(a.real) + 1j * se_mean(a.imag)
        return np.sqrt(np.bincount(idx, a * a, minlength=n_bins)[keep]) / cnt[keep]

    if se is None or not np.isfinite(se).any():
        return mean(x), mean(v), None          # no standard error (e.g. one segment)
    return mean(x), mean(v), se_mean(np.nan_to_num(se))


def _pair_label(pops):
    return "–".join(pops)


def _scalar_panels(cmp):
    panels = {}
    for q in cmp:
        if q.axis != "none" or q.is_complex or list(q.shape) != [1, 1] or not q.populations:
            continue
        th, sim, _ = _theory_sim(cmp, q)
        if not (_fin(th) or _fin(sim)):
            continue
        panels.setdefault(q.name, []).append(q)
    return panels


@_styled
def compare(cmp, ax=None):
    """Scalar quantities, theory against simulation: a panel per quantity,
    the simulated value ± SE as a dot in the population's colour, the
    prediction as a black bar; z = (simulated - predicted)/SE under each."""
    panels = _scalar_panels(cmp)
    _, cols = _qpops(cmp)
    nr, nc = _grid(max(len(panels), 1), 3)
    width = max(len(v) for v in panels.values()) if panels else 1
    where, fig = _figure(ax, (min(nc * max(3.0, 0.6 * width + 1.2), 14.0), 2.9 * nr + 0.4))
    axes = np.atleast_1d(where.subplots(nr, nc, squeeze=False)).ravel()
    for a, (name, qs) in zip(axes, panels.items()):
        x = np.arange(len(qs))
        labels, lo, hi = [], [], []
        for k, q in enumerate(qs):
            th, sim, se = _theory_sim(cmp, q)
            c = _key_color(cols, tuple(q.populations))
            if _fin(th):
                a.plot([k], [th], marker="_", ms=26, mew=2.5, color=_THEORY, ls="none",
                       label="theory" if k == 0 else None, zorder=3)
                lo.append(th)
                hi.append(th)
            if _fin(sim):
                e = se if _fin(se) else 0.0
                a.errorbar([k], [sim], yerr=[e], fmt="o", ms=6, color=c, ecolor=c, capsize=3,
                           zorder=4, label="simulation ± SE" if k == 0 else None)
                lo.append(sim - e)
                hi.append(sim + e)
            lab = _pair_label(q.populations)
            if cmp.kind == "comparison" and _fin(q.z):
                lab += f"\nz = {q.z:+.1f}"
            labels.append(lab)
        a.set_xticks(x, labels, rotation=0 if len(qs) <= 10 else 60,
                     fontsize=8 if len(qs) > 4 else 9)
        a.set_xlim(-0.6, len(qs) - 0.4)
        lo, hi = min(lo), max(hi)
        if lo >= 0 and (name in ("rate", "cv_isi", "activity") or lo < 0.5 * hi):
            a.set_ylim(0, 1.12 * hi if hi > 0 else 1.0)   # from zero: bars read as sizes
        else:
            pad = 0.12 * (hi - lo) if hi > lo else 0.1 * abs(hi) or 1.0
            a.set_ylim(lo - pad, hi + pad)
        if lo < 0 < hi:
            a.axhline(0, color="0.6", lw=0.7, zorder=0)
        a.set_ylabel(_label(_SHORT.get(name, _NAMES.get(name, name.replace("_", " "))),
                            qs[0].unit))
        a.set_title(_NAMES.get(name, name.replace("_", " ")))
    for a in axes[len(panels):]:
        a.set_visible(False)
    fam = f"{cmp.family}: " if cmp.family else ""
    # the key in the title: a legend inside a panel would cover points
    where.suptitle(f"{fam}theory (black bars) and simulation (dots ± SE)"
                   if cmp.kind == "comparison" else f"{fam}{cmp.kind}", fontsize=11)
    return fig


def _matrix_layout(keys, pops):
    """Cells for population keys: (a,) on the diagonal, (a, b) at row b,
    column a (lower triangle: the left column and the bottom row are full);
    a plain grid when there are no pairs."""
    pairs = any(len(k) == 2 and k[0] != k[1] for k in keys)
    if not pairs:
        nr, nc = _grid(len(keys))
        return nr, nc, {k: divmod(j, nc) for j, k in enumerate(keys)}, False
    used = [p for p in pops if any(p in k for k in keys)]
    idx = {p: j for j, p in enumerate(used)}
    cells = {}
    for k in keys:
        a, b = (k[0], k[0]) if len(k) == 1 else k
        ia, ib = sorted((idx[a], idx[b]))
        cells[k] = (ib, ia)
    return len(used), len(used), cells, True


def _curves(cmp, names, axis):
    out = {}
    for q in cmp:
        if q.axis == axis and q.name in names and q.axis_values is not None \
                and q.axis_values.size > 8:
            out.setdefault(tuple(q.populations), []).append(q)
    return out


def _shown(v):
    if v is None:
        return None
    v = np.asarray(v)
    return np.abs(v) if np.iscomplexobj(v) else v.astype(float)


def _shown_se(v, se):
    if se is None or v is None:
        return None
    v, se = np.asarray(v), np.asarray(se)
    if np.iscomplexobj(v):
        m = np.abs(v)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt((v.real * se.real) ** 2 + (v.imag * se.imag) ** 2) / m
    return se.astype(float)


def _robust_limits(sims, theories, log, lo_pct=1.0, hi_pct=99.5):
    """Axis limits from the finite (and, on a log axis, positive) values:
    percentiles of the simulated curves, the full range of the predictions."""
    lo, hi = [], []
    for v in sims:
        v = v[np.isfinite(v)]
        if log:
            v = v[v > 0]
        if v.size:
            lo.append(np.percentile(v, lo_pct))
            hi.append(np.percentile(v, hi_pct))
    for v in theories:
        v = v[np.isfinite(v)]
        if log:
            v = v[v > 0]
        if v.size:
            lo.append(np.percentile(v, 0.5) if log else v.min())
            hi.append(v.max())
    if not lo:
        return None
    lo, hi = min(lo), max(hi)
    if log:
        if hi <= lo:
            return lo / 3, hi * 3
        span = np.log10(hi) - np.log10(lo)
        span = min(span, 8.0)            # at most 8 decades
        lo = hi / 10 ** span
        return lo / 10 ** (0.08 * span + 0.05), hi * 10 ** (0.08 * span + 0.05)
    if hi <= lo:
        d = abs(hi) * 0.1 or 1.0
        return lo - d, hi + d
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad


def _curve_matrix(cmp, names, axis, xlabel, ylabel_of, logx, title, ax, band_names=(),
                  smooth=0):
    curves = _curves(cmp, names, axis)
    bands = {}
    for q in cmp:
        if q.name in band_names and q.axis == axis:
            bands[tuple(q.populations)] = q
    pops, cols = _qpops(cmp)
    keys = list(curves)
    if not keys:
        where, fig = _figure(ax, (5.0, 3.0))
        a = where.subplots()
        a.text(0.5, 0.5, "no such quantities in this list", ha="center", va="center",
               transform=a.transAxes, color="0.4")
        a.set_axis_off()
        return fig
    nr, nc, cells, tri = _matrix_layout(keys, pops)
    size = (min(2.6 * nc + 0.8, 16.0), min(2.1 * nr + 0.9, 16.0))
    where, fig = _figure(ax, size)
    gs = where.add_gridspec(nr, nc)
    axes, first = {}, None
    for k in keys:
        r, c = cells[k]
        a = where.add_subplot(gs[r, c], sharex=first)
        first = first or a
        axes[k] = a
    for k, qs in curves.items():
        a = axes[k]
        q0 = qs[0]
        x = np.asarray(q0.axis_values, dtype=float)
        ok_x = np.isfinite(x) & ((x > 0) if logx else True)
        th, sim, se = _theory_sim(cmp, q0)
        xs_sim = x
        if sim is not None and logx and smooth and x.size > 4 * smooth:
            xs_sim, sim, se = _log_binned(x, np.asarray(sim), None if se is None
                                          else np.asarray(se), smooth)
        ok_s = np.isfinite(xs_sim) & ((xs_sim > 0) if logx else True)
        th, sim_v, se_v = _shown(th), _shown(sim), _shown_se(sim, se)
        c = _key_color(cols, k)
        extra = [_shown(_theory_sim(cmp, q)[0]) for q in qs[1:]]
        sims = [sim_v[ok_s]] if sim_v is not None else []
        b = bands.get(k)
        if b is not None and b.value is not None:
            bv, bse = _shown(_theory_sim(cmp, b)[1]), _shown(_theory_sim(cmp, b)[2])
            if bv is not None:
                sims.append(bv + (np.nan_to_num(bse) if bse is not None else 0))
                sims.append(bv - (np.nan_to_num(bse) if bse is not None else 0))
        ths = [t[ok_x] for t in [th] + extra if t is not None]
        neg = any(np.nanmin(np.where(np.isfinite(v), v, np.inf)) < 0 for v in sims + ths
                  if np.isfinite(v).any())
        # log y for power (auto-spectra, moduli); a real cross part may change sign
        auto = len(k) == 1 or k[0] == k[1] or q0.is_complex
        logy = logx and not neg and auto
        lim = _robust_limits(sims, ths, logy, 0.0 if smooth else 1.0, 100.0 if smooth else 99.5)
        has_sim = sim_v is not None and np.isfinite(sim_v[ok_s]).any()
        if has_sim:
            if se_v is not None and np.isfinite(se_v).any():
                lo_b = sim_v - se_v
                if logy and lim is not None:
                    lo_b = np.maximum(lo_b, lim[0])
                a.fill_between(xs_sim[ok_s], lo_b[ok_s], (sim_v + se_v)[ok_s], color=c,
                               alpha=0.25, lw=0, label="simulation ± SE")
            a.plot(xs_sim[ok_s], sim_v[ok_s], color=c, lw=1.0, label="simulation")
            if se_v is None or not np.isfinite(se_v[ok_s]).any():
                a.text(0.03, 0.04, "no standard error (simulate longer)", transform=a.transAxes,
                       fontsize=7, color="0.4")
        elif sim is not None:
            a.text(0.5, 0.06, "no simulated estimate", transform=a.transAxes, ha="center",
                   fontsize=7, color="0.4")
        styles = ["-", "--", ":"]
        for j, (q, t) in enumerate(zip(qs, [th] + extra)):
            if t is not None and np.isfinite(t[ok_x]).any():
                a.plot(x[ok_x], t[ok_x], color=_THEORY, lw=1.3, ls=styles[j % 3],
                       label="theory" if j == 0 else _NAMES.get(q.name, q.name))
        if b is not None:
            bth, bsim, bse = _theory_sim(cmp, b)
            if bsim is not None and np.isfinite(bsim).any():
                a.errorbar(b.axis_values, bsim, yerr=np.where(np.isfinite(bse), bse, 0)
                           if bse is not None else None, fmt="o", ms=4, mfc="white", color=c,
                           capsize=2, lw=1.0, zorder=5, label="band average ± SE")
        if logx:
            a.set_xscale("log")
            xs = x[ok_x]
            a.set_xlim(xs.min(), xs.max())
        else:
            xs = x[ok_x]
            a.set_xlim(xs.min(), xs.max())
        if logy:
            a.set_yscale("log")
        elif lim is not None and lim[0] < 0 < lim[1]:
            a.axhline(0, color="0.6", lw=0.6, zorder=0)
        if lim is not None:
            a.set_ylim(*lim)
        a.set_title(_pair_label(k if len(k) == 1 or k[0] != k[1] else k[:1]), fontsize=9,
                    color=c, loc="left")
    # labels on the outer panels only
    for k, a in axes.items():
        r, cc = cells[k]
        bottom = all(cells[j][0] <= r for j in keys if cells[j][1] == cc) if tri else \
            not any(cells[j] == (r + 1, cc) for j in keys)
        if bottom:
            a.set_xlabel(xlabel)
        else:
            a.tick_params(labelbottom=False)
        if cc == 0:
            a.set_ylabel(ylabel_of(curves[k][0]))
    h, lab = axes[keys[0]].get_legend_handles_labels()
    legend_ax = axes[keys[0]]
    if tri and nc > 1:
        # the empty upper-right triangle holds the legend
        legend_ax = where.add_subplot(gs[0, nc - 1])
        legend_ax.set_axis_off()
        legend_ax.legend(h, lab, loc="upper right")
    else:
        legend_ax.legend(h, lab, loc="best", fontsize=8)
    fam = f"{cmp.family}: " if cmp.family else ""
    where.suptitle(f"{fam}{title}", fontsize=11)
    return fig


@_styled
def spectra(cmp, per_decade=24, ax=None):
    """Spectra of the population activities: simulated (population colour,
    shaded SE) against the prediction (black) on log-log axes, one panel per
    population (diagonal) and pair (below it); complex cross-spectra as
    their modulus; a real part that changes sign on a linear y axis.

    per_decade: the simulated spectrum is shown as its averages over
    log-spaced bins, this many per decade (0: every frequency bin)."""
    def ylabel(q):
        return _label("|S|" if q.is_complex else ("Re S" if q.name.endswith("_re") else "S"),
                      q.unit)
    return _curve_matrix(cmp, ("spectrum", "cross_spectrum", "spectrum_re"), "frequency_Hz",
                         "frequency (Hz)", ylabel, True, "spectra, theory and simulation", ax,
                         band_names=("spectrum_re_band",), smooth=per_decade)


@_styled
def covariances(cmp, ax=None):
    """Covariance functions of the population activities against the time
    lag (simulated with shaded SE, predicted in black), one panel per
    population pair; the zero-lag count covariances are in ``compare``."""
    return _curve_matrix(cmp, ("cov_function",), "lag_ms", "time lag (ms)", lambda q: _label("C(τ)", q.unit), False,
                         "covariance functions, theory and simulation", ax)


@_styled
def pif_density(cmp, ax=None):
    """Membrane-potential densities of PIF populations: the simulated
    histogram (± SE) against the exact density (Helias et al. 2010, solid)
    and the diffusion approximation (dashed), linear and logarithmic."""
    pops, cols = _qpops(cmp)
    dens = {tuple(q.populations): q for q in cmp if q.name == "density" and q.axis == "potential_mV"}
    diff = {tuple(q.populations): q for q in cmp if q.name == "density_diffusion"
            and q.axis == "potential_mV"}
    keys = list(dens) or list(diff)
    n = max(len(keys), 1)
    where, fig = _figure(ax, (8.0, 3.0 * n + 0.4))
    axes = where.subplots(n, 2, squeeze=False)
    for row, k in zip(axes, keys):
        q = dens.get(k) or diff.get(k)
        v = np.asarray(q.axis_values, dtype=float)
        th, sim, se = _theory_sim(cmp, q)
        c = cols[k[0]]
        width = abs(v[1] - v[0]) if v.size > 1 else 1.0
        theta = v.max() + width / 2
        for a, logy in zip(row, (False, True)):
            if sim is not None and np.isfinite(sim).any():
                s = np.asarray(sim, float)
                e = np.asarray(se, float) if se is not None else np.zeros_like(s)
                a.fill_between(v, np.maximum(s - e, 1e-12 if logy else -np.inf), s + e,
                               step="mid", color=c, alpha=0.3, lw=0)
                a.plot(v, s, drawstyle="steps-mid", color=c, lw=1.0, label="simulation ± SE")
            if th is not None:
                a.plot(v, th, color=_THEORY, lw=1.3, label="exact theory")
            qd = diff.get(k)
            if qd is not None and qd is not q:
                a.plot(v, _theory_sim(cmp, qd)[0], color=_THEORY, lw=1.3, ls="--",
                       label="diffusion approximation")
            a.axvline(theta, color="0.5", lw=0.8, ls=":")
            a.set_xlabel("membrane potential $V_m$ (mV)")
            a.set_xlim(v.min() - width / 2, theta + width)
            vals = [np.asarray(x, float) for x in (sim, th) if x is not None]
            lim = _robust_limits(vals[:1], vals[1:], logy, 0.0, 100.0)
            if logy:
                a.set_yscale("log")
                if lim:
                    a.set_ylim(*lim)
                a.set_title(f"{k[0]}: logarithmic", color=c, loc="left", fontsize=9)
            else:
                a.set_ylim(0, lim[1] if lim else None)
                a.set_title(f"{k[0]}: density of $V_m$", color=c, loc="left", fontsize=9)
                a.annotate("threshold", (theta, 1.0), xycoords=("data", "axes fraction"),
                           xytext=(-3, -3), textcoords="offset points", ha="right", va="top",
                           fontsize=8, color="0.4", rotation=90)
            a.set_ylabel(_label("density", q.unit))
        row[0].legend(loc="lower center", fontsize=8)
    fam = f"{cmp.family}: " if cmp.family else ""
    where.suptitle(f"{fam}membrane-potential density", fontsize=11)
    return fig


# ---- files -----------------------------------------------------------------------


_SDE_METHODS = (("one_loop", "one loop", "o-"), ("gaussian", "Gaussian self-consistent", "s--"),
                ("frg", "fRG", "^-."))


@_styled
def sde_errors(pred, noise, groups=None, cmp=None, ax=None):
    """The nonlinear SDE (issue 16, docs/fluctuations.md): |error| of the mean
    and of the variance of each approximation against the exact value, over
    the noise intensity D (log-log), one row per group of populations.

    pred: the sde family's prediction (sf.predict or prediction.json);
    noise: {population: D}; groups: {label: [populations]} (default: one
    group of all); cmp: the comparison (compare.json), whose simulated
    |mean - exact| and |variance - exact| are drawn as points with their
    SE (the simulation's own error, i.e. its noise floor)."""
    groups = groups or {"": sorted(noise, key=noise.get)}
    rows = list(groups.items())
    parent, fig = _figure(ax, (8.0, 2.8 * len(rows)))
    axs = parent.subplots(len(rows), 2, squeeze=False)
    for r, (label, pops) in enumerate(rows):
        pops = sorted(pops, key=lambda p: noise[p])
        D = np.array([noise[p] for p in pops])
        for c, what in enumerate(("mean", "variance")):
            a = axs[r, c]
            for m, mlabel, style in _SDE_METHODS:
                e = []
                for p in pops:
                    q = pred.find(f"{what}_error_{m}", p)
                    e.append(abs(float(q.value)) if q is not None else np.nan)
                e = np.array(e)
                ok = np.isfinite(e) & (e > 0)
                if ok.any():
                    a.loglog(D[ok], e[ok], style, color=_THEORY, label=mlabel, markersize=4,
                             alpha=0.5 + 0.25 * _SDE_METHODS.index((m, mlabel, style)))
            if cmp is not None:
                v, se = [], []
                for p in pops:
                    q = cmp.find(what, p)
                    if q is None:
                        v.append(np.nan)
                        se.append(np.nan)
                    else:
                        v.append(abs(float(q.value) - float(q.predicted)))
                        se.append(float(q.se))
                v, se = np.array(v), np.array(se)
                ok = np.isfinite(v) & (v > 0)
                if ok.any():
                    a.errorbar(D[ok], v[ok], yerr=se[ok], fmt="o", color=_PALETTE[0],
                               markersize=4, label="simulation - exact")
            a.set_xlabel("noise intensity $D$")
            a.set_ylabel(f"|error| of the {what}")
            if label:
                a.set_title(label)
            if r == 0 and c == 1:
                a.legend(loc="best")
    return fig


# ---- spatial recordings (docs/spatial.md) ---------------------------------------

def _spatial_pops(rec, populations):
    names = [p for p in _recorded(rec, populations) if p in rec.positions]
    if not names:
        raise ValueError("spikefield: no spatial population with recorded spikes and positions "
                         "(positions come from an output folder's spikes.h5: load the folder "
                         "with spikefield.load)")
    return names


@_styled
def space_time(rec, populations=None, t_range=None, axis=0, ax=None):
    """Space-time raster of the spatial populations: each spike at (time,
    position of its neuron along `axis`, mm), one panel per population
    stacked top to bottom in model order, in the population's colour.
    t_range: default the first 100 ms of the analysis window (a wave train
    of ~200 Hz shows as oblique stripes there).

    ax: a Figure/SubFigure to fill, or one Axes (one population), or a
    sequence of Axes (one per population)."""
    names = _spatial_pops(rec, populations)
    cols = _pop_colors(rec)
    if t_range is None:
        t0 = rec.t_analysis if rec.t_analysis < rec.t_stop else rec.t_start
        t_range = (t0, min(rec.t_stop, t0 + 100.0))
    t0, t1 = t_range
    if isinstance(ax, (list, tuple)):
        axes, fig = list(ax), _parent(ax[0])
    elif ax is not None and not isinstance(ax, (Figure, SubFigure)):
        axes, fig = [ax], _parent(ax)
    else:
        where, fig = _figure(ax, (7.0, 2.2 + 1.8 * len(names)))
        axes = np.atleast_1d(where.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0])
    if len(axes) != len(names):
        raise ValueError(f"spikefield: space_time needs {len(names)} Axes, got {len(axes)}")
    for a, p in zip(axes, names):
        t, i = rec.spikes[p]
        pos = rec.positions[p]
        m = (t >= t0) & (t <= t1)
        a.scatter(t[m], pos[i[m].astype(np.int64), axis], s=1.5, marker=".", linewidths=0,
                  color=cols[p], rasterized=True, label=p)
        L = rec.spaces.get(p, {}).get("extent", [None, None])[axis]
        a.set_ylim(0, L if L else max(float(pos[:, axis].max()), 1e-9))
        a.set_xlim(t0, t1)
        a.set_ylabel(f"{p}: {'xy'[axis]} (mm)")
    axes[-1].set_xlabel("time (ms)")
    axes[0].set_title(f"{rec.model_name}: spikes in space, {t0:g}–{t1:g} ms" +
                      (" (interrupted run)" if rec.interrupted else ""))
    return fig


def _wave_cells(rec, population, axes, n_space, bin_ms, seg, t_range):
    """Segment-averaged |F|^2 of the mean-removed counts of `population` in
    n_space bins along each of `axes` and bins of bin_ms (as
    src/theory/spatial/wave.c): P[k_axes..., f], with the wavenumbers (1/mm,
    ascending, one array per axis) and f (Hz)."""
    t, i = rec.spikes[population]
    ext = rec.spaces.get(population, {}).get("extent", [])
    allpos = rec.positions[population]
    pos = [allpos[:, a] for a in axes]
    Ls = [(ext[a] if a < len(ext) and ext[a] else float(x.max())) for a, x in zip(axes, pos)]
    if t_range is None:
        t_range = (rec.t_analysis if rec.t_analysis < rec.t_stop else rec.t_start, rec.t_stop)
    t0, t1 = t_range
    n_t = int(np.floor((t1 - t0) / bin_ms + 1e-9))
    n_seg = n_t // seg
    if n_seg < 1:
        raise ValueError(f"spikefield: the window {t0:g}–{t1:g} ms is shorter than one segment "
                         f"({seg} bins of {bin_ms:g} ms)")
    m = (t >= t0) & (t < t0 + n_seg * seg * bin_ms)
    ti = np.floor((t[m] - t0) / bin_ms).astype(np.int64)
    idx = i[m].astype(np.int64)
    xi = [np.clip(np.floor(x[idx] / L * n_space).astype(np.int64), 0, n_space - 1)
          for x, L in zip(pos, Ls)]
    d = len(axes)
    C = np.zeros((n_space,) * d + (n_seg * seg,))
    np.add.at(C, tuple(xi) + (ti,), 1.0)
    C = C.reshape((n_space,) * d + (n_seg, seg))
    C = np.moveaxis(C, d, 0)                      # [segment, space..., time]
    C = C - C.mean(axis=tuple(range(1, d + 2)), keepdims=True)
    # rfft over time, then over space with e^{+ik.r}, so that cos(k.r - wt)
    # peaks at (+k, f)
    F = np.fft.rfft(C, axis=-1)
    for ax_ in range(1, d + 1):
        F = np.fft.ifft(F, axis=ax_) * n_space
    P = np.mean(np.abs(F) ** 2, axis=0)
    ks = []
    for ax_, L in enumerate(Ls):
        k = 2 * np.pi * np.fft.fftfreq(n_space, d=L / n_space)
        order = np.argsort(k, kind="stable")
        P = np.take(P, order, axis=ax_)
        ks.append(k[order])
    f = np.fft.rfftfreq(seg, d=bin_ms * 1e-3)
    return ks, f, P


def wave_power(rec, population, axis=0, bin_ms=0.5, n_space=64, seg=256, t_range=None):
    """The (k, f) power spectrum of a spatial population's spikes: counts
    in n_space bins along `axis` and bins of bin_ms, the mean-removed
    counts of segments of seg bins transformed in space and time and
    |.|^2 averaged over the segments of the window (default the analysis
    window), as src/theory/spatial/wave.c does. Returns (k, f, P): k (1/mm,
    n_space values ascending; positive k is a wave travelling to larger
    positions), f (Hz, seg // 2 + 1 values from 0) and P[k, f]. On a torus
    this is the spectrum along one axis (the other summed over); the full
    one is wave_power_2d."""
    (k,), f, P = _wave_cells(rec, population, (axis,), n_space, bin_ms, seg, t_range)
    return k, f, P


def wave_power_2d(rec, population, bin_ms=0.5, n_space=32, seg=256, t_range=None):
    """The (kx, ky, f) power spectrum of a population on a torus (or sheet),
    as sf_wave_spectrum_2d computes it for `compare` (n_space bins along
    each dimension, there half the n_x of the ring's analysis): counts in
    n_space x n_space cells and bins of bin_ms, mean-removed per segment of
    seg bins, transformed in space (e^{+ik.r}) and time, |.|^2 averaged
    over the segments. Returns (kx, ky, f, P) with P[kx, ky, f]; a plane
    wave cos(k.r - wt) peaks at (+k, f)."""
    if rec.positions[population].shape[1] < 2:
        raise ValueError(f"spikefield: wave_power_2d needs a 2-D space; {population} lies on "
                         "a ring (use wave_power)")
    (kx, ky), f, P = _wave_cells(rec, population, (0, 1), n_space, bin_ms, seg, t_range)
    return kx, ky, f, P


def wave_peak_2d(kx, ky, f, P):
    """The largest cell of a (kx, ky, f) spectrum with f > 0: a dict of kx,
    ky, k = |(kx, ky)| (1/mm), f (Hz), the velocity 2 pi f / k (mm/s, None at
    k = 0) and the direction angle (rad, of the wave vector)."""
    ix, iy, jf = np.unravel_index(np.argmax(P[:, :, 1:]), P[:, :, 1:].shape)
    k = float(np.hypot(kx[ix], ky[iy]))
    fr = float(f[jf + 1])
    return {"kx": float(kx[ix]), "ky": float(ky[iy]), "k": k, "f": fr,
            "velocity": 2 * np.pi * fr / k if k > 0 else None,
            "angle": float(np.arctan2(ky[iy], kx[ix]))}


def _mode_value(q):
    if q is None:
        return None
    v = q.predicted if q.predicted is not None else q.value
    try:
        v = float(np.asarray(v).ravel()[0])
    except (TypeError, ValueError, IndexError):
        return None
    return v if np.isfinite(v) else None


def predicted_mode(theory, population=None):
    """(k*, f*, what) of a spatial prediction or comparison (Quantities):
    the wave train's wave_wavenumber / wave_frequency of the population
    (the LIF-continued root), else the leading root (leading_wavenumber
    with lif_frequency, else leading_frequency); None if the theory has
    no spatial mode."""
    pops = [population] if population else []
    k = _mode_value(theory.find("wave_wavenumber", *pops))
    f = _mode_value(theory.find("wave_frequency", *pops))
    if k is not None and f is not None:
        return k, f, "predicted wave train"
    k = _mode_value(theory.find("leading_wavenumber"))
    f = _mode_value(theory.find("lif_frequency"))
    if f is None:
        f = _mode_value(theory.find("leading_frequency"))
    if k is None or f is None:
        return None
    return k, f, "predicted leading mode"


@_styled
def wave_spectrum(rec, theory=None, population=None, axis=None, f_max=None, ax=None, **power):
    """The (k, f) power spectrum of a spatial population (wave_power; log
    scale, relative to its median) with the simulated peak (f > 0) marked
    by a cross and, when theory (the Quantities of a spatial prediction or
    comparison) is given, the predicted mode (+-k*, f*) by open circles (the
    theory does not pick a direction). population: default the first
    spatial one. f_max: default min(f Nyquist, 2.5 f*). On a 2-D space with
    axis None: the full spectrum (wave_power_2d) in two panels,
    _wave_spectrum_2d; axis 0 or 1: along that axis only."""
    names = _spatial_pops(rec, [population] if population else None)
    p = names[0]
    mode = predicted_mode(theory, p) if theory is not None else None
    if axis is None:
        if rec.positions[p].shape[1] >= 2:
            return _wave_spectrum_2d(rec, p, mode, f_max, ax, **power)
        axis = 0
    k, f, P = wave_power(rec, p, axis=axis, **power)
    where, fig = (None, _parent(ax)) if ax is not None and not isinstance(
        ax, (Figure, SubFigure)) else _figure(ax, (6.0, 4.2))
    a = ax if where is None else where.subplots()
    ref = np.median(P[:, 1:][P[:, 1:] > 0]) if np.any(P[:, 1:] > 0) else 1.0
    with np.errstate(divide="ignore"):
        img = np.log10(np.maximum(P, 1e-300) / ref)
    dk, df = k[1] - k[0], f[1] - f[0]
    mesh = a.pcolormesh(np.append(k - dk / 2, k[-1] + dk / 2), np.append(f - df / 2, f[-1] + df / 2),
                        img.T, cmap="viridis", shading="flat", rasterized=True,
                        vmin=np.percentile(img[:, 1:], 5), vmax=img[:, 1:].max())
    fig.colorbar(mesh, ax=a, label="log$_{10}$ power / median")
    ik, jf = np.unravel_index(np.argmax(P[:, 1:]), P[:, 1:].shape)
    a.plot([k[ik]], [f[jf + 1]], "+", color="#ff7f0e", ms=12, mew=2,
           label=f"simulation peak ({k[ik]:.3g} /mm, {f[jf + 1]:.3g} Hz)")
    if mode is not None:
        ks, fs, what = mode
        a.plot([-ks, ks], [fs, fs], "o", mfc="none", mec=_THEORY, ms=14, mew=1.6,
               label=f"{what} ({ks:.3g} /mm, {fs:.3g} Hz)")
    top = f_max if f_max is not None else min(f[-1], 2.5 * mode[1]) if mode else f[-1]
    a.set_ylim(0, top)
    a.set_xlabel(f"wavenumber $k_{'xy'[axis]}$ (1/mm)")
    a.set_ylabel("frequency (Hz)")
    a.set_title(f"{rec.model_name}: (k, f) power of {p}")
    a.legend(loc="upper left", bbox_to_anchor=(0.0, -0.18), fontsize=8, ncol=1)
    return fig


def _log_power(P):
    pos = P[..., 1:][P[..., 1:] > 0]
    ref = np.median(pos) if pos.size else 1.0
    with np.errstate(divide="ignore"):
        return np.log10(np.maximum(P, 1e-300) / ref)


def _edges(v):
    d = v[1] - v[0]
    return np.append(v - d / 2, v[-1] + d / 2)


def _wave_spectrum_2d(rec, p, mode, f_max, ax, **power):
    """wave_spectrum on a torus: left the power over (kx, ky) at the peak's
    frequency (cross: the peak; dashed circle: |k| = k* of the theory);
    right the power averaged over rings of |k| (width of one wavenumber
    step) against f, with the peak (|k|, f) and the predicted (k*, f*)."""
    kx, ky, f, P = wave_power_2d(rec, p, **power)
    pk = wave_peak_2d(kx, ky, f, P)
    where, fig = (None, _parent(ax)) if ax is not None and not isinstance(
        ax, (Figure, SubFigure)) else _figure(ax, (10.5, 4.6))
    if where is None:
        raise ValueError("spikefield: the 2-D wave_spectrum needs a Figure or SubFigure (two "
                         "panels); pass axis=0 or 1 for one Axes")
    a, b = where.subplots(1, 2)
    jf = int(np.argmin(np.abs(f - pk["f"])))
    sl = P[:, :, jf]
    pos = P[:, :, 1:][P[:, :, 1:] > 0]
    ref = np.median(pos) if pos.size else 1.0
    with np.errstate(divide="ignore"):
        img = np.log10(np.maximum(sl, 1e-300) / ref)
    m1 = a.pcolormesh(_edges(kx), _edges(ky), img.T, cmap="viridis", shading="flat",
                      rasterized=True)
    fig.colorbar(m1, ax=a, label="log$_{10}$ power / median")
    a.plot([pk["kx"]], [pk["ky"]], "+", color="#ff7f0e", ms=12, mew=2,
           label=f"simulation peak ({pk['k']:.3g} /mm, {pk['f']:.3g} Hz)")
    if mode is not None:
        ks, fs, what = mode
        th = np.linspace(0, 2 * np.pi, 181)
        a.plot(ks * np.cos(th), ks * np.sin(th), "--", color=_THEORY, lw=1.2,
               label=f"{what}: |k| = {ks:.3g} /mm")
    a.set_aspect("equal")
    a.set_xlabel("wavenumber $k_x$ (1/mm)")
    a.set_ylabel("wavenumber $k_y$ (1/mm)")
    a.set_title(f"(k$_x$, k$_y$) at {f[jf]:.3g} Hz")
    a.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=8)
    # rings of |k|: bin width the smaller wavenumber step
    dk = min(kx[1] - kx[0], ky[1] - ky[0])
    kk = np.hypot(kx[:, None], ky[None, :])
    ring = np.rint(kk / dk).astype(np.int64)
    nr = int(ring.max()) + 1
    cnt = np.bincount(ring.ravel(), minlength=nr).astype(float)
    R = np.stack([np.bincount(ring.ravel(), weights=P[:, :, j].ravel(), minlength=nr)
                  for j in range(f.size)], axis=1)
    R = R[cnt > 0] / cnt[cnt > 0][:, None]
    kr = np.arange(nr)[cnt > 0] * dk
    rimg = _log_power(R)
    m2 = b.pcolormesh(_edges(kr) if kr.size > 1 else np.array([-dk / 2, dk / 2]), _edges(f),
                      rimg.T, cmap="viridis", shading="flat", rasterized=True,
                      vmin=np.percentile(rimg[:, 1:], 5), vmax=rimg[:, 1:].max())
    fig.colorbar(m2, ax=b, label="log$_{10}$ ring power / median")
    b.plot([np.rint(pk["k"] / dk) * dk], [pk["f"]], "+", color="#ff7f0e", ms=12, mew=2,
           label="simulation peak")
    if mode is not None:
        b.plot([mode[0]], [mode[1]], "o", mfc="none", mec=_THEORY, ms=14, mew=1.6,
               label=f"{mode[2]} ({mode[0]:.3g} /mm, {mode[1]:.3g} Hz)")
    top = f_max if f_max is not None else min(f[-1], 2.5 * mode[1]) if mode else f[-1]
    b.set_ylim(0, top)
    b.set_xlabel("wavenumber |k| (1/mm)")
    b.set_ylabel("frequency (Hz)")
    b.set_title("ring average over directions")
    b.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=8)
    where.suptitle(f"{rec.model_name}: (k, f) power of {p}")
    return fig


def save(fig, stem, formats=("png", "pdf"), dpi=200):
    """Writes stem.png and stem.pdf (each to a temporary name, renamed when
    complete); returns the paths."""
    stem = os.fspath(stem)
    d = os.path.dirname(stem)
    if d:
        os.makedirs(d, exist_ok=True)
    out = []
    for ext in formats:
        path = f"{stem}.{ext}"
        tmp = os.path.join(d, f".{os.path.basename(path)}.part")
        try:
            fig.savefig(tmp, format=ext, dpi=dpi)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        out.append(path)
    return out


def _has_curves(cmp, names, axis):
    return bool(_curves(cmp, names, axis))


def folder(outdir, out=None, formats=("png", "pdf")):
    """Every figure the data of an output folder allows, written into
    out (default outdir/figures): raster, rates, isi, traces from a run
    (and space_time, wave_spectrum of spatial populations, the predicted
    mode marked from compare.json);
    compare, spectra, covariances, pif_density from compare.json (or
    prediction.json); for a learning experiment's compare.json the
    learning_curve, capacity or bimodal_{dip,tuning,bimodal} figures.
    Returns the list of files written."""
    from .errors import SpikefieldError
    from .io import load, load_quantities
    outdir = os.fspath(outdir)
    out = os.fspath(out) if out is not None else os.path.join(outdir, "figures")
    has_run = os.path.exists(os.path.join(outdir, "summary.json"))
    has_q = any(os.path.exists(os.path.join(outdir, f)) for f in ("compare.json",
                                                                   "prediction.json"))
    if not os.path.isdir(outdir) or not (has_run or has_q):
        load(outdir)      # raises the precise error (missing folder, half-written, ...)
        raise SpikefieldError(f"{outdir} holds no spikefield results", file=outdir)
    figs = []
    if has_run:
        rec = load(outdir)
        if any(t.size for t, _ in rec.spikes.values()):
            figs += [("raster", raster(rec)), ("rates", rates(rec))]
            if any(t.size > 1 for t, _ in rec.spikes.values()):
                figs.append(("isi", isi(rec)))
        if rec.traces:
            figs.append(("traces", traces(rec, max_traces=3)))
        spatial = [p for p in rec.positions if p in rec.spikes and rec.spikes[p][0].size]
        if spatial:
            figs.append(("space_time", space_time(rec)))
            theory = None
            if has_q:
                theory = load_quantities(outdir)
                theory = theory if predicted_mode(theory, spatial[0]) else None
            try:
                figs.append(("wave_spectrum", wave_spectrum(rec, theory, spatial[0])))
            except ValueError:     # a window shorter than one segment
                pass
    cmp = load_quantities(outdir) if has_q else None
    if cmp is not None and getattr(cmp, "family", "") in _LEARNING:
        figs += _LEARNING[cmp.family](cmp)
    elif cmp is not None:
        if _scalar_panels(cmp):
            figs.append(("compare", compare(cmp)))
        if _has_curves(cmp, ("spectrum", "cross_spectrum", "spectrum_re"), "frequency_Hz"):
            figs.append(("spectra", spectra(cmp)))
        if _has_curves(cmp, ("cov_function",), "lag_ms"):
            figs.append(("covariances", covariances(cmp)))
        if any(q.axis == "potential_mV" for q in cmp):
            figs.append(("pif_density", pif_density(cmp)))
    written = []
    for name, fig in figs:
        try:
            written += save(fig, os.path.join(out, name), formats)
        finally:
            plt.close(fig)
    return written


# ---- learning experiments (docs/learning.md) ----------------------------------------

def _bracketed(q, stem):
    """{key: value} of a quantity named stem[k1=v1,k2=v2], None otherwise."""
    import re
    m = re.fullmatch(re.escape(stem) + r"\[(.*)\]", q.name)
    if not m:
        return None
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split(","))}


@_styled
def learning_curve(cmp, ax=None):
    """E_g against P of a learning_curve comparison (sf.learning.compare):
    the measurement (mean and SE over instances) in colour, the
    self-consistent theory in black, on log axes."""
    if ax is None:
        fig = plt.figure(figsize=(4.2, 3.2), layout="constrained")
        ax = fig.add_subplot()
    pts = sorted((_bracketed(q, "E_g")["P"], q) for q in cmp if _bracketed(q, "E_g"))
    if not pts:
        raise ValueError("spikefield: no E_g[P=...] in this list (a learning_curve comparison?)")
    P = np.array([p for p, _ in pts])
    v = np.array([q.value for _, q in pts])
    se = np.array([q.se if q.se is not None else np.nan for _, q in pts])
    ax.errorbar(P, v, yerr=se, fmt="o", color=_PALETTE[0], ms=4, capsize=2, label="kernel regression")
    pr = np.array([getattr(q, "predicted", np.nan) for _, q in pts], dtype=float)
    if np.isfinite(pr).any():
        ax.plot(P, pr, "-", color=_THEORY, label="theory")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training set size $P$")
    ax.set_ylabel("generalisation error $E_g$")
    ax.legend()
    return _parent(ax)


@_styled
def capacity(cmps, ax=None):
    """Pattern capacity p*/m against m of covariance_perceptron comparisons
    (one or a list, e.g. one per m): the covariance perceptron and the
    classical perceptron measured (mean and SE), their theories in black
    (replica-symmetric dashed: an overestimate where replica symmetry is
    broken)."""
    if ax is None:
        fig = plt.figure(figsize=(4.2, 3.2), layout="constrained")
        ax = fig.add_subplot()
    if not isinstance(cmps, (list, tuple)):
        cmps = [cmps]
    rows = {"capacity_cov": [], "capacity_mean": []}
    for c in cmps:
        for q in c:
            for stem in rows:
                k = _bracketed(q, stem)
                if k:
                    rows[stem].append((k["m"], q))
    if not rows["capacity_cov"]:
        raise ValueError("spikefield: no capacity_cov[m=...] (a covariance_perceptron comparison?)")
    for (stem, label), col, ls in ((("capacity_cov", "covariance perceptron"), _PALETTE[0], "--"),
                                   (("capacity_mean", "mean perceptron"), _PALETTE[1], "-")):
        pts = sorted(rows[stem], key=lambda t: t[0])
        if not pts:
            continue
        m = np.array([p for p, _ in pts])
        ax.errorbar(m, [q.value for _, q in pts], yerr=[q.se or 0 for _, q in pts], fmt="o",
                    color=col, ms=4, capsize=2, label=label)
        pr = np.array([getattr(q, "predicted", np.nan) for _, q in pts], dtype=float)
        if np.isfinite(pr).any():
            ax.plot(m, pr, ls, color=_THEORY,
                    label="replica-symmetric" if stem == "capacity_cov" else "Cover / Gardner")
    ax.set_xscale("log")
    ax.set_xlabel("inputs $m$")
    ax.set_ylabel("capacity $p^*/m$")
    ax.set_ylim(bottom=0)
    ax.legend()
    return _parent(ax)


@_styled
def bimodality(est, measure="dip", ax=None):
    """Fraction of bimodal hidden units per layer against the training epoch
    of an origami estimate (sf.learning.run or .compare): measure "dip"
    (Hartigan's dip test of the pre-activation), "tuning" (tuning curves on
    hand features) or "bimodal" (Sarle's coefficient); mean and SE over
    instances, one colour per layer."""
    if ax is None:
        fig = plt.figure(figsize=(4.2, 3.2), layout="constrained")
        ax = fig.add_subplot()
    layers = {}
    for q in est:
        k = _bracketed(q, f"{measure}_fraction")
        if k:
            layers.setdefault(int(k["layer"]), []).append((k["epoch"], q.value, q.se or 0))
    if not layers:
        raise ValueError(f"spikefield: no {measure}_fraction[...] (an origami estimate?)")
    for i, (l, pts) in enumerate(sorted(layers.items())):
        pts.sort()
        e = np.array([p[0] for p in pts])
        v = np.array([p[1] for p in pts])
        s = np.array([p[2] for p in pts])
        ax.plot(e, v, "o-", color=_PALETTE[i % len(_PALETTE)], ms=4, label=f"layer {l}")
        ax.fill_between(e, v - s, v + s, color=_PALETTE[i % len(_PALETTE)], alpha=0.25, lw=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel({"dip": "fraction bimodal (dip test)", "tuning": "fraction with bimodal tuning",
                   "bimodal": "fraction bimodal (Sarle)"}.get(measure, "fraction bimodal"))
    ax.set_ylim(0, 1)
    ax.legend()
    return _parent(ax)


# the figures folder() draws for a learning experiment's compare.json
_LEARNING = {
    "learning_curve": lambda c: [("learning_curve", learning_curve(c))],
    "covariance_perceptron": lambda c: [("capacity", capacity(c))],
    "origami": lambda c: [(f"bimodal_{w}", bimodality(c, w)) for w in ("dip", "tuning", "bimodal")],
}
