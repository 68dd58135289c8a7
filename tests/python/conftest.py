"""pytest set-up of the Python tests: the package from python/ (PYTHONPATH or
this file's tree), the C library from $SPIKEFIELD_LIB (tests/run_all.sh sets
both), the CLI next to it, and the PyNN backend python/pyNN/spikefield made
importable as pyNN.spikefield by extending the installed pyNN package's
__path__ (pyNN is a regular package, so a second pyNN folder on sys.path
would be ignored)."""
import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
os.environ.setdefault("SPIKEFIELD_LIB", os.path.join(ROOT, "build", "libspikefield.so"))

try:
    import pyNN
    _ours = os.path.join(ROOT, "python", "pyNN")
    if _ours not in pyNN.__path__:
        pyNN.__path__.append(_ours)
except ImportError:   # the PyNN tests skip themselves
    pass


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Path of the spikefield command built with the library under test."""
    p = os.path.join(os.path.dirname(os.path.abspath(os.environ["SPIKEFIELD_LIB"])), "spikefield")
    if not os.path.exists(p):
        p = os.path.join(ROOT, "build", "spikefield")
    return p


# a small Brunel network (examples/brunel.yaml at a tenth of the size and
# in-degree, 300 ms): about 0.2 s to build and run
SMALL = ["scale.neurons=0.1", "scale.indegree=0.1", "simulation.duration=300"]


@pytest.fixture
def small_sets():
    return list(SMALL)
