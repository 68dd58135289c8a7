"""pyNN.spikefield: the PyNN 0.10 API on spikefield.

    import pyNN.spikefield as sim        # the only change from another backend
    sim.setup(timestep=0.1, threads=2, seed=1)
    E = sim.Population(800, sim.IF_curr_exp(tau_m=20.0))
    ...
    sim.run(1000.0)
    data = E.get_data().segments[0]      # Neo

The script's network becomes one spikefield model (populations, connection
rules, inputs, recorders) when run() is first called, built and connected by
the native builder in bulk. What spikefield cannot express raises
NotImplementedError naming the feature. docs/python.md lists what maps.
"""
import logging

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.connectors import (AllToAllConnector, FixedNumberPostConnector,  # noqa: F401
                             FixedNumberPreConnector, FixedProbabilityConnector,
                             FixedTotalNumberConnector, OneToOneConnector)
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401

from . import simulator
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .projections import Projection
from .standardmodels import (DCSource, IF_curr_delta, IF_curr_exp,  # noqa: F401
                             SpikeSourceArray, SpikeSourcePoisson, StaticSynapse,
                             list_standard_models)

logger = logging.getLogger("PyNN")


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, threads=1, seed=1,
          **extra_params):
    """Starts a new network: timestep (ms), min_delay (ms or "auto"),
    threads (OpenMP threads; results do not depend on them), seed (of every
    random stream: connections, initial values, Poisson input)."""
    if "rng_seed" in extra_params:
        seed = extra_params.pop("rng_seed")
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    simulator.state.clear()
    simulator.state.dt = timestep
    simulator.state.min_delay = min_delay
    simulator.state.max_delay = max_delay
    simulator.state.threads = int(threads)
    simulator.state.seed = int(seed)
    return rank()


def end(compatible_output=True):
    """Writes the data of record(..., to_file=...) and frees the network."""
    for (population, variables, filename) in simulator.state.write_on_end:
        from neo.io import get_io
        population.write_data(get_io(filename), variables)
    simulator.state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)
create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)
record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)
