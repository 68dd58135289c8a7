"""Projection of pyNN.spikefield: a connector becomes one connection rule of
the spikefield model, drawn by the native builder in bulk.

    AllToAllConnector          -> all_to_all
    OneToOneConnector          -> one_to_one
    FixedProbabilityConnector  -> pairwise_bernoulli (p)
    FixedNumberPreConnector    -> fixed_indegree (n; multapses = with_replacement)
    FixedNumberPostConnector   -> fixed_outdegree (n; multapses = with_replacement)
    FixedTotalNumberConnector  -> fixed_total_number (n; multapses = with_replacement)

allow_self_connections is `autapses`. Weights and delays: a value or a
RandomDistribution (normal, normal_clipped, uniform), weights scaled to the
target's unit (standardmodels.py). The connector's rng is not used:
spikefield draws every connection from its own counter-based streams keyed
by setup(seed=...), so the network does not depend on the threads.
"""
from pyNN import common, connectors
from pyNN.space import Space

from . import simulator
from .populations import Population
from .simulator import homogeneous, scale_distribution, unsupported
from .standardmodels import StaticSynapse

_RULES = {connectors.AllToAllConnector: ("all_to_all", None),
          connectors.OneToOneConnector: ("one_to_one", None),
          connectors.FixedProbabilityConnector: ("pairwise_bernoulli", "p"),
          connectors.FixedNumberPreConnector: ("fixed_indegree", "indegree"),
          connectors.FixedNumberPostConnector: ("fixed_outdegree", "outdegree"),
          connectors.FixedTotalNumberConnector: ("fixed_total_number", "number")}


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        for what, pop in (("source", self.pre), ("target", self.post)):
            if not isinstance(pop, Population):
                raise unsupported(f"a projection whose {what} is a {type(pop).__name__} "
                                  "(connect whole Populations)")
        if not self.post._is_neuron:
            raise unsupported("a projection onto a spike source")
        if type(self.synapse_type) is not StaticSynapse:
            raise unsupported(f"the synapse type {type(self.synapse_type).__name__} "
                              "(spikefield has StaticSynapse)")
        if type(connector) not in _RULES:
            raise unsupported(f"{type(connector).__name__} (spikefield has "
                              + ", ".join(c.__name__ for c in _RULES) + ")")
        if source is not None:
            raise unsupported("the source argument of Projection")
        self._sf_name = simulator.state.unique_name(self.label, "prj")
        if self.pre._is_source:
            for other in simulator.state.projections:
                if other.pre is self.pre:
                    raise unsupported(f"a second projection from the spike source {self.pre.label}"
                                      " (each spikefield input drives its targets once)")
        simulator.state.projections.append(self)
        simulator.state.changed()

    def __len__(self):
        if self.pre._is_source:
            return self.post.size if self.pre.celltype.sf_source == "poisson" else \
                self.pre.size * self.post.size
        return simulator.state.network().projection_synapses(self._sf_name)

    def set(self, **attributes):
        raise unsupported("Projection.set (weights and delays are set by the synapse type "
                          "before run)")

    def get(self, *args, **kwargs):
        raise unsupported("Projection.get (the connections are drawn inside spikefield)")

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, **params):
        raise AssertionError("pyNN.spikefield connects in bulk, never cell by cell")

    # ---- translation -------------------------------------------------------------
    def _values(self):
        ps = self.synapse_type.parameter_space
        scale = self.post.celltype.sf_weight_scale
        w = homogeneous(ps["weight"], f"the weights of {self.label}")
        d = ps["delay"]
        d = homogeneous(d, f"the delays of {self.label}") if d is not None else None
        if d is None:
            d = self.synapse_type._get_minimum_delay()
        return (scale_distribution(w, scale, f"the weights of {self.label}"),
                scale_distribution(d, 1.0, f"the delays of {self.label}"))

    def _add_to(self, m):
        rule, key = _RULES[type(self._connector)]
        c = self._connector
        weight, delay = self._values()
        if self.pre._is_source:
            return self._add_input(m, rule, weight, delay)
        keys = {}
        if key == "p":
            keys["p"] = c.p_connect
        elif key is not None:
            if not isinstance(c.n, (int, float)) or int(c.n) != c.n:
                raise unsupported(f"a random number of connections in {type(c).__name__}")
            keys[key] = int(c.n)
            keys["multapses"] = bool(c.with_replacement)
        if hasattr(c, "allow_self_connections"):
            if c.allow_self_connections == "NoMutual":
                raise unsupported("allow_self_connections='NoMutual'")
            if self.pre is self.post:
                keys["autapses"] = bool(c.allow_self_connections)
        m.connect(self.pre._sf_name, self.post._sf_name, rule=rule, weight=weight, delay=delay,
                  name=self._sf_name, **keys)

    def _add_input(self, m, rule, weight, delay):
        src = self.pre
        kind = src.celltype.sf_source
        if not isinstance(weight, float):
            raise unsupported(f"a RandomDistribution of weights from the spike source {src.label}")
        target = [self.post._sf_name]
        if kind == "poisson":
            if rule != "one_to_one":
                raise unsupported(f"{type(self._connector).__name__} from a SpikeSourcePoisson "
                                  "(each target neuron gets its own independent train: "
                                  "OneToOneConnector only)")
            rate = src._param("rate")
            start = src._param("start")
            dur = src._param("duration")
            keys = {"start": start} if start > 0 else {}
            if dur < 1e9:
                keys["stop"] = start + dur
            m.poisson(self._sf_name, target, rate, weight, **keys)
            return
        # SpikeSourceArray: every cell the same times (one Sequence)
        times = src._parameters["spike_times"]
        seqs = times.evaluate(simplify=True) if hasattr(times, "evaluate") else times
        import numpy as np
        if hasattr(seqs, "value"):
            seq = np.asarray(seqs.value, dtype=float)
        else:
            arr = [np.asarray(s.value, dtype=float) for s in np.atleast_1d(seqs)]
            if any(len(a) != len(arr[0]) or np.any(a != arr[0]) for a in arr):
                raise unsupported("a SpikeSourceArray whose cells have different spike times")
            seq = arr[0]
        if rule == "all_to_all":
            w = weight * src.size          # each target receives every cell's spike
        elif rule == "one_to_one" and src.size == 1:
            w = weight
        else:
            raise unsupported(f"{type(self._connector).__name__} from a SpikeSourceArray "
                              "(AllToAllConnector, or OneToOne of one cell)")
        if not isinstance(delay, float):
            raise unsupported(f"a RandomDistribution of delays from the spike source {src.label}")
        dt = simulator.state.dt
        grid = np.round(seq / dt) * dt
        m.spike_generator(self._sf_name, target, times=sorted(grid.tolist()), weight=w,
                          delay=delay)
