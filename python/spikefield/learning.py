"""sf.learning: the learning experiments of include/spikefield/learning.h
(docs/learning.md): a model file with a top-level `learning:` section is
trained and measured (run), has a theory (predict) and a comparison of the
two (compare), each as sf.Quantities, the same JSON path as sf.predict.

    m = sf.Model.load("examples/covariance_perceptron.yaml", sets=["learning.m=[20]"])
    est = sf.learning.run(m, threads=2)          # kind "estimate"
    cmp = sf.learning.compare(m, est)            # kind "comparison"
    d, p = sf.learning.dip_test(x)               # Hartigan's dip and its p-value

Invariant: every C list is owned by one Quantities (its _c, freed by the
garbage collector); the model is only read.
"""
import numpy as np

from . import _lib
from ._lib import ffi, lib
from .model import Model
from .theory import _quantities


def _model(model):
    if not isinstance(model, Model):
        raise TypeError(f"spikefield: needs an sf.Model, not {type(model).__name__}")
    if not lib.sf_model_is_learning(model._c()):
        raise ValueError(f"spikefield: model {model.name!r} has no `learning:` section")
    return model._c()


def is_learning(model):
    """True when model (sf.Model) is a learning experiment."""
    return isinstance(model, Model) and bool(lib.sf_model_is_learning(model._c()))


def task(model):
    """The task kind of a learning model, e.g. "origami"."""
    return _lib.text(lib.sf_learning_task(_model(model)))


def run(model, threads=None, progress=None):
    """Trains and measures (sf_learning_run): the estimates, the mean and SE
    over the instances. threads: None for the model's; progress(done, total,
    wall_s) is called after each finished instance."""
    cm = _model(model)
    ctx = _lib.Context()
    keep = []
    opt = ffi.new("sf_learning_options *")
    if threads is not None:
        if int(threads) < 1:
            raise ValueError("spikefield: threads must be >= 1")
        opt.threads = int(threads)
    if progress is not None:
        @ffi.callback("void(void *, int, int, double)")
        def cb(user, done, total, wall):
            progress(done, total, wall)
        keep.append(cb)
        opt.progress = cb
    out = ffi.new("sf_quantities **")
    ctx.check(lib.sf_learning_run(ctx.ptr, cm, opt, out, ffi.NULL))
    return _quantities(ctx, ffi.gc(out[0], lib.sf_quantities_destroy), cm)


def predict(model):
    """The theory of the experiment (sf_learning_predict)."""
    cm = _model(model)
    ctx = _lib.Context()
    out = ffi.new("sf_quantities **")
    ctx.check(lib.sf_learning_predict(ctx.ptr, cm, out))
    return _quantities(ctx, ffi.gc(out[0], lib.sf_quantities_destroy), cm)


def compare(model, est=None, pred=None):
    """Measured against predicted; est from run(model) (None: run here), pred
    from predict(model) (None: computed here)."""
    cm = _model(model)
    if est is None:
        est = run(model)
    for q, kind in ((est, "estimate"), (pred, "prediction")):
        if q is not None and (getattr(q, "_c", None) is None or q.kind != kind):
            raise TypeError(f"spikefield: expected the {kind} of sf.learning for this model")
    ctx = _lib.Context()
    out = ffi.new("sf_quantities **")
    ctx.check(lib.sf_learning_compare(ctx.ptr, cm, est._c, pred._c if pred is not None else ffi.NULL,
                                      out))
    return _quantities(ctx, ffi.gc(out[0], lib.sf_quantities_destroy), cm)


def dip_test(x, reps=1000, seed=1):
    """Hartigan's dip of the sample x and its p-value against reps uniform
    samples of the same size (reps 0: no p-value, NaN)."""
    a = np.ascontiguousarray(np.asarray(x, dtype=float).ravel())
    ctx = _lib.Context()
    d, p = ffi.new("double *"), ffi.new("double *")
    ctx.check(lib.sf_learning_dip_test(ctx.ptr, ffi.cast("double *", a.ctypes.data), a.size,
                                       int(reps), int(seed), d, p))
    return d[0], p[0]


def langevin_figure(cmp, what="dev_ens", ax=None):
    """The relative deviation (E - E^GP)/E^GP of a langevin estimate or
    comparison (what: "dev_ens", the ensemble's error, or "dev_mean", the
    ensemble-mean predictor's) against P, one curve per (eps, N) with the
    SE over instances, and 0 (the infinite-width GP) in black. Returns the
    matplotlib Figure (spikefield.plot's conventions)."""
    import re

    from . import plot as _plot

    if what not in ("dev_ens", "dev_mean"):
        raise ValueError(f"spikefield: what is 'dev_ens' or 'dev_mean', not {what!r}")
    curves = {}
    for q in cmp:
        m = re.fullmatch(re.escape(what) + r"\[eps=([^,]+),N=(\d+),P=(\d+)\]", q.name)
        if m:
            curves.setdefault((float(m.group(1)), int(m.group(2))), []).append(
                (int(m.group(3)), q.value, q.se if q.se is not None else np.nan))
    if not curves:
        raise ValueError(f"spikefield: no {what}[eps=..,N=..,P=..] in this list (a langevin run?)")

    @_plot._styled
    def draw(ax):
        if ax is None:
            fig = _plot.plt.figure(figsize=(4.6, 3.4), layout="constrained")
            ax = fig.add_subplot()
        for i, ((eps, N), pts) in enumerate(sorted(curves.items())):
            P, v, se = (np.array(c, dtype=float) for c in zip(*sorted(pts)))
            ax.errorbar(P, v, yerr=se, fmt="o-" if eps else "s--", ms=4, capsize=2,
                        color=_plot._PALETTE[i % len(_plot._PALETTE)], label=f"$\\epsilon$={eps:g}, N={N}")
        ax.axhline(0, color=_plot._THEORY, lw=1, label="GP (infinite width)")
        ax.set_xscale("log")
        ax.set_xlabel("training set size $P$")
        ax.set_ylabel(r"$(E - E^{\rm GP}) / E^{\rm GP}$" + (" (ensemble)" if what == "dev_ens" else " (mean)"))
        ax.legend(fontsize="small")
        return _plot._parent(ax)
    return draw(ax)
