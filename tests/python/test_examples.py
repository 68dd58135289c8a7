"""The Python examples run as a user runs them (a fresh interpreter, from the
source tree): examples/python/brunel.py (needs the figures module
spikefield.plot) and examples/python/pynn_brunel.py."""
import os
import re
import subprocess
import sys

import pytest


def run(root, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "python"))
    return subprocess.run([sys.executable, *args], cwd=root, env=env, check=True,
                          capture_output=True, text=True).stdout


def test_brunel_example(root, tmp_path):
    pytest.importorskip("spikefield.plot")
    out = run(root, "examples/python/brunel.py", "--out", str(tmp_path))
    assert re.search(r"E rate\s+simulated\s+\d", out)
    for f in ("spikes.h5", "summary.json", "vm.h5", "raster.png", "raster.pdf", "rates.png"):
        assert (tmp_path / f).stat().st_size > 0, f


def test_pynn_brunel_example(root):
    out = run(root, "examples/python/pynn_brunel.py")
    rates = {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+): \d+ neurons, \d+ spikes, (\S+) Hz", out)}
    assert set(rates) == {"E", "I"} and all(1 < r < 500 for r in rates.values()), out
