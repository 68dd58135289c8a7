"""sf.predict and sf.compare: the theory of a model and its comparison with
a simulation, as sf.Quantities.

Both go through the one JSON form of the C library (sf_quantities_json,
docs/predict-compare.md) and Quantities.from_dict, the same path that reads
a compare.json from an output folder, so there is one marshaller.

    pred = sf.predict(m)                  # kind "prediction"
    rec = m.build(seed=1).run()
    cmp = sf.compare(m, rec, pred)        # kind "comparison"
    cmp.find("rate", "E").verdict
"""
import json
import numbers

from . import _lib
from ._lib import ffi, lib
from .errors import SpikefieldError
from .quantities import Quantities


def _quantities(ctx, cq, cmodel):
    out = ffi.new("char **")
    ctx.check(lib.sf_quantities_json(ctx.ptr, cq, cmodel, out))
    q = Quantities.from_dict(json.loads(_lib.take_string(out)))
    q._c = cq            # the C list (needs no model), for sf.compare(m, rec, pred)
    return q


def predict(model, freq=None):
    """The theory's predictions for model (sf.Model): rates, CVs, spectra at
    freq (Hz, a list; default none), covariances, as the family that
    describes the model defines them. Raises SpikefieldError when no theory
    family accepts the model."""
    from .model import Model
    if not isinstance(model, Model):
        raise TypeError(f"spikefield: predict needs an sf.Model, not {type(model).__name__}")
    ctx = _lib.Context()
    cmodel = model._c()
    opts = ffi.NULL
    keep = None
    if freq is not None:
        f = [float(x) for x in ([freq] if isinstance(freq, numbers.Real) else freq)]
        keep = ffi.new("double[]", f)
        opts = ffi.new("sf_predict_options *", {"freq": keep, "n_freq": len(f)})
    out = ffi.new("sf_quantities **")
    ctx.check(lib.sf_predict(ctx.ptr, cmodel, opts, out))
    del keep
    return _quantities(ctx, ffi.gc(out[0], lib.sf_quantities_destroy), cmodel)


def compare(model, rec, pred=None):
    """Compares the recording rec (from model.build(...).run()) with the
    prediction pred (from sf.predict(model); None: computed here)."""
    from .model import Model
    from .recording import Recording
    if not isinstance(model, Model):
        raise TypeError(f"spikefield: compare needs an sf.Model, not {type(model).__name__}")
    if not isinstance(rec, Recording):
        raise TypeError(f"spikefield: compare needs an sf.Recording, not {type(rec).__name__}")
    run = rec._owner
    if run is None or not hasattr(run, "crec"):
        raise SpikefieldError("spikefield: compare needs a recording of Network.run; a recording "
                              "read from a folder carries its comparison in compare.json "
                              "(sf.load_quantities)", "SF_ERR_ARG")
    if run.network.model is not model:
        raise ValueError("spikefield: rec was not simulated from this model "
                         f"({run.network.model.name!r}, not {model.name!r})")
    cpred = ffi.NULL
    if pred is not None:
        cpred = getattr(pred, "_c", None)
        if cpred is None or getattr(pred, "kind", None) != "prediction":
            raise TypeError("spikefield: pred must be the result of sf.predict(model)")
    ctx = _lib.Context()
    out = ffi.new("sf_quantities **")
    ctx.check(lib.sf_compare(ctx.ptr, run.cmodel, run.crec, cpred, out))
    return _quantities(ctx, ffi.gc(out[0], lib.sf_quantities_destroy), run.cmodel)
