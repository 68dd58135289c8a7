"""spikefield: simulate and analyse statistical network models from Python.

Minimal package face for the figures and the output-folder reader (the
binding's __init__.py replaces it at the merge, keeping these names).
"""
from .errors import SpikefieldError
from .recording import Recording, Trace
from .quantities import Quantity, Quantities
from .io import load, load_quantities


def __getattr__(name):
    # sf.plot is imported on first use, so that a missing matplotlib breaks
    # the figures only, not `import spikefield`
    if name == "plot":
        import importlib
        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'spikefield' has no attribute {name!r}")
