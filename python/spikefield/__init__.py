"""spikefield: simulate and predict statistical network models in Python.

A thin layer over the C library libspikefield (include/spikefield/*.h):

    import spikefield as sf
    m = sf.Model.load("examples/brunel.yaml", sets=["simulation.duration=500"])
    rec = m.build(threads=2, seed=1).run()
    times, ids = rec.spikes["E"]          # numpy arrays, ms and population-local ids
    cmp = sf.compare(m, rec)              # theory against the simulation
    fig = sf.plot.raster(rec)             # matplotlib (imported on first use)

docs/python.md documents the package, docs/figures.md the figures.
"""
from ._lib import lib as _c_lib, ffi as _ffi
from .errors import SpikefieldError
from .model import Model
from .network import Network
from .quantities import Quantities, Quantity
from .recording import Recording, Trace, WeightLog, Weights
from .theory import compare, predict

__version__ = _ffi.string(_c_lib.sf_version()).decode()

__all__ = ["Model", "Network", "Recording", "Trace", "WeightLog", "Weights", "Quantity",
           "Quantities", "SpikefieldError", "predict", "compare", "load", "load_quantities",
           "load_weights", "plot", "learning",
           "__version__"]


def __getattr__(name):
    # reading output folders and the figures come from io.py and plot.py,
    # imported on first use so that `import spikefield` needs neither h5py
    # nor matplotlib
    if name in ("load", "load_quantities", "load_weights"):
        from . import io
        return getattr(io, name)
    if name in ("plot", "learning"):
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'spikefield' has no attribute {name!r}")
