"""Small real runs of the spikefield command for the figure and reader
tests: each example model made small and short with --set, run once per
test session into a temporary folder (removed at exit).

The command is $SPIKEFIELD_CLI, else the spikefield next to
$SPIKEFIELD_LIB (what tests/run_all.sh sets), else build/spikefield.
"""
import atexit
import functools
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_TMP = tempfile.mkdtemp(prefix="sf-figures-")
atexit.register(shutil.rmtree, _TMP, True)

# example -> (command, --set overrides): seconds each on 2 cores
RUNS = {
    "brunel": ("compare", "brunel", ["scale.neurons=0.1", "simulation.duration=1300",
                                     "analysis.start=100"]),
    "microcircuit": ("compare", "microcircuit", ["scale.neurons=0.02", "simulation.duration=700"]),
    "binary_ei": ("compare", "binary_ei", ["scale.neurons=0.25", "simulation.duration=2500"]),
    "hawkes_ei": ("compare", "hawkes_ei", ["scale.neurons=0.25", "simulation.duration=2500"]),
    "pif_poisson": ("compare", "pif_poisson", ["populations.P.n=200", "recorders.vm.n=200",
                                               "simulation.duration=1500"]),
    "ou_ei": ("compare", "ou_ei", ["simulation.duration=2500"]),
    "brunel_run": ("run", "brunel", ["scale.neurons=0.1", "simulation.duration=400"]),
    # the paper's E-I ring (issue 14): a wave train, 400 ms (about 3 s)
    "senk2020_ring": ("compare", "senk2020_ring", ["simulation.duration=400",
                                                   "analysis.start=100"]),
}


def cli():
    if os.environ.get("SPIKEFIELD_CLI"):
        return os.environ["SPIKEFIELD_CLI"]
    lib = os.environ.get("SPIKEFIELD_LIB")
    if lib:
        cand = os.path.join(os.path.dirname(os.path.abspath(lib)), "spikefield")
        if os.path.exists(cand):
            return cand
    return os.path.join(ROOT, "build", "spikefield")


@functools.lru_cache(maxsize=None)
def run(name):
    """The output folder of RUNS[name], made on first use."""
    cmd, model, sets = RUNS[name]
    out = os.path.join(_TMP, name)
    args = [cli(), cmd, os.path.join(ROOT, "examples", model + ".yaml"), "--out", out, "--quiet"]
    for s in sets:
        args += ["--set", s]
    env = dict(os.environ, SPIKEFIELD_PYTHON="/nonexistent")   # no figures from the command
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
    return out
