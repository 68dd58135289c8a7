"""A Vogels-Abbott (2005) benchmark network in its current-based form (CUBA,
as in PyNN's examples/VAbenchmarks.py and Brette et al. 2007, benchmark 2):
80 % excitatory, 20 % inhibitory IF_curr_exp neurons with v_rest above
threshold, random connections with probability p, exponential synaptic
currents (tau_syn_E = 5 ms, tau_syn_I = 10 ms). Scaled from 4000 to 1000
neurons with p raised from 0.02 to 0.08, so every neuron keeps its 64
excitatory and 16 inhibitory inputs on average. The import line is the only
line that names the simulator.

Leaves: rates {label: Hz over [t_analysis, simtime)}, segments.
"""
import pyNN.spikefield as sim
from pyNN.random import RandomDistribution

n_cells, r_ei, p_conn = 1000, 4.0, 0.08
n_exc = int(r_ei * n_cells / (1 + r_ei))
n_inh = n_cells - n_exc
dt, delay = 0.1, 0.2
simtime, t_analysis = 500.0, 100.0
cell_params = {"tau_m": 20.0, "tau_syn_E": 5.0, "tau_syn_I": 10.0, "v_rest": -49.0,
               "v_thresh": -50.0, "v_reset": -60.0, "cm": 0.2, "tau_refrac": 5.0,
               "i_offset": 0.0}
E_rev_exc, E_rev_inh, v_mean = 0.0, -80.0, -60.0
Gexc, Ginh = 0.27, 4.5                      # nS
w_exc = 1e-3 * Gexc * (E_rev_exc - v_mean)  # nA
w_inh = 1e-3 * Ginh * (E_rev_inh - v_mean)  # nA (negative: inhibitory current)

sim.setup(timestep=dt, min_delay=delay, max_delay=delay)
exc = sim.Population(n_exc, sim.IF_curr_exp(**cell_params), label="exc")
inh = sim.Population(n_inh, sim.IF_curr_exp(**cell_params), label="inh")
uniform = RandomDistribution("uniform", low=cell_params["v_reset"], high=cell_params["v_thresh"])
exc.initialize(v=uniform)
inh.initialize(v=uniform)

connector = sim.FixedProbabilityConnector(p_conn)
for post in (exc, inh):
    sim.Projection(exc, post, connector, sim.StaticSynapse(weight=w_exc, delay=delay),
                   receptor_type="excitatory")
    sim.Projection(inh, post, connector, sim.StaticSynapse(weight=w_inh, delay=delay),
                   receptor_type="inhibitory")

exc.record("spikes")
inh.record("spikes")
sim.run(simtime)

segments = {p.label: p.get_data().segments[0] for p in (exc, inh)}
rates = {}
for label, seg in segments.items():
    n = sum(((st > t_analysis) & (st <= simtime)).sum() for st in seg.spiketrains)
    rates[label] = n / (len(seg.spiketrains) * (simtime - t_analysis) / 1000.0)
sim.end()
