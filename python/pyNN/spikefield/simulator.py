"""The state of a pyNN.spikefield simulation: what the script declared
(populations, projections, current sources, recordings), translated into ONE
spikefield model by the builder (spikefield.Model) when run() is first
called, and the recording of that run.

Invariant: nothing is simulated cell by cell or connected pair by pair here.
A Projection is one rule of the model (fixed_indegree, pairwise_bernoulli,
...), whose connections the native builder draws in bulk; run(t) simulates
[0, t] of that one model. A second run() extends the same simulation: the
model is built and simulated again up to the new end time, which repeats
the earlier part bit for bit (counter-based random streams keyed by the
seed), so continuing and restarting agree exactly.
"""
import math
import re

from pyNN import common

import spikefield as sf

name = "spikefield"


class ID(int, common.IDMixin):
    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


def unsupported(what):
    """NotImplementedError naming a PyNN feature spikefield does not have."""
    return NotImplementedError(f"pyNN.spikefield: {what} is not supported by spikefield")


class State(common.control.BaseState):

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = "auto"
        self.max_delay = "auto"
        self.threads = 1
        self.seed = 1
        self.clear()

    def clear(self):
        self.recorders = set([])
        self.id_counter = 0
        self.segment_counter = -1
        self.populations = []      # in creation order
        self.projections = []
        self.current_sources = []  # (source, population)
        self.names = set()
        self.recording = None      # sf.Recording of the last run
        self.network_cache = None  # (model version, sf.Network) for len(projection)
        self.version = 0           # bumped by every change of the network
        self.ran_version = None
        self.reset()

    def reset(self):
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1
        self.recording = None
        self.ran_version = None

    def changed(self):
        self.version += 1

    def unique_name(self, label, prefix):
        base = re.sub(r"\W", "_", label or "") or prefix
        if not re.match(r"[A-Za-z_]", base):
            base = prefix + "_" + base
        name, i = base, 2
        while name in self.names:
            name, i = f"{base}_{i}", i + 1
        self.names.add(name)
        return name

    # ---- translation into one spikefield model ------------------------------------
    def model(self, duration):
        m = sf.Model(name="pynn", resolution=self.dt, duration=duration, seed=self.seed,
                     threads=self.threads)
        m.set("analysis.start", 0.0)
        for p in self.populations:
            p._add_to(m)
        for prj in self.projections:
            prj._add_to(m)
        for i, (source, pop) in enumerate(self.current_sources):
            source._add_to(m, f"dc{i}", pop)
        spiking = [p._sf_name for p in self.populations
                   if p._is_neuron and p.recorder.recorded.get("spikes")]
        for p in self.populations:
            if p._is_source and p.recorder.recorded.get("spikes"):
                raise unsupported(f"recording the spikes of a {p.celltype.__class__.__name__} "
                                  f"({p.label}): spike sources are inputs in spikefield")
        if spiking:
            m.record_spikes("spikes", spiking)
        for p in self.populations:
            if p._is_neuron:
                p.recorder._add_voltmeter(m)
        if not spiking and not any(p._is_neuron and p.recorder.recorded.get("v")
                                   for p in self.populations):
            m.record_spikes("spikes", [p._sf_name for p in self.populations if p._is_neuron][:1])
        return m

    def network(self):
        """The built network (for connection counts before or after a run)."""
        if self.network_cache is None or self.network_cache[0] != self.version:
            self.network_cache = (self.version, self.model(max(self.t, self.dt)).build())
        return self.network_cache[1]

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        steps = int(round(tstop / self.dt))
        duration = steps * self.dt
        if self.ran_version is not None and self.ran_version != self.version:
            raise unsupported("changing the network (populations, projections, parameters, "
                              "recording) between two run() calls")
        if steps > 0:
            net = self.model(duration).build()
            self.recording = net.run(progress=False)
            self.ran_version = self.version
            if self.recording.interrupted:
                raise KeyboardInterrupt("pyNN.spikefield: the simulation was interrupted at "
                                        f"t = {self.recording.t_stop} ms")
        self.t = duration
        self.running = True


state = State()


def scale_distribution(value, scale, what):
    """A PyNN value or RandomDistribution (in PyNN units) as a spikefield
    value or distribution dict, multiplied by scale."""
    from pyNN.random import RandomDistribution
    if isinstance(value, RandomDistribution):
        p = value.parameters
        if value.name == "normal":
            return {"distribution": "normal", "mean": p["mu"] * scale, "std": p["sigma"] * scale}
        if value.name == "normal_clipped":
            lo, hi = sorted((p["low"] * scale, p["high"] * scale))
            d = {"distribution": "normal", "mean": p["mu"] * scale, "std": p["sigma"] * scale}
            if math.isfinite(lo):
                d["min"] = lo
            if math.isfinite(hi):
                d["max"] = hi
            return d
        if value.name == "uniform":
            lo, hi = sorted((p["low"] * scale, p["high"] * scale))
            return {"distribution": "uniform", "low": lo, "high": hi}
        raise unsupported(f"RandomDistribution('{value.name}') for {what} (spikefield draws "
                          "normal, normal_clipped and uniform)")
    return float(value) * scale


def homogeneous(lazy, what):
    """The one value (or RandomDistribution) of a PyNN lazyarray that holds
    the same value for every cell or connection; NotImplementedError else."""
    import numpy as np
    from pyNN.random import RandomDistribution
    v = lazy.base_value if hasattr(lazy, "base_value") else lazy
    if isinstance(v, RandomDistribution):
        if getattr(lazy, "operations", None):
            raise unsupported(f"arithmetic on a RandomDistribution for {what}")
        return v
    if callable(v):
        raise unsupported(f"a function of the cell index for {what}")
    if hasattr(lazy, "evaluate"):
        if lazy.shape is None:   # a synapse's value: no shape of its own
            import copy
            lazy = copy.deepcopy(lazy)
            lazy.shape = (1,)
        v = lazy.evaluate(simplify=True)
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return float(a)
    if a.size and np.all(a == a.flat[0]):
        return float(a.flat[0])
    raise unsupported(f"different values per cell or connection for {what} (spikefield "
                      "parameters are per population; use a RandomDistribution)")
