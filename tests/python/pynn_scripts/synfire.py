"""A small synfire chain (Diesmann, Gewaltig & Aertsen 1999): n_groups
groups of IF_curr_exp neurons, each group projecting onto the next with a
fixed number of inputs per neuron; one stimulus spike (SpikeSourceArray)
into the first group starts a volley that travels down the chain. The
import line is the only line that names the simulator.

Leaves: first[k] (ms, the first spike of group k), count[k] (spikes of
group k), the volleys' arrival order.
"""
import numpy as np
import pyNN.spikefield as sim

n_groups, group_size, k_in = 6, 50, 20
w, delay, t_stim = 1.5, 2.0, 5.0           # nA, ms, ms
simtime = 60.0

sim.setup(timestep=0.1, min_delay=0.1)
params = {"tau_m": 10.0, "cm": 0.25, "v_rest": -70.0, "v_reset": -70.0, "v_thresh": -55.0,
          "tau_refrac": 2.0, "tau_syn_E": 0.5, "tau_syn_I": 0.5}
groups = [sim.Population(group_size, sim.IF_curr_exp(**params), label=f"g{k}")
          for k in range(n_groups)]
for pop in groups:
    pop.initialize(v=-70.0)
stim = sim.Population(1, sim.SpikeSourceArray(spike_times=[t_stim]), label="stim")
sim.Projection(stim, groups[0], sim.AllToAllConnector(), sim.StaticSynapse(weight=10.0, delay=1.0))
for a, b in zip(groups, groups[1:]):
    sim.Projection(a, b, sim.FixedNumberPreConnector(k_in), sim.StaticSynapse(weight=w, delay=delay))
for pop in groups:
    pop.record("spikes")
sim.run(simtime)

first, count = [], []
for pop in groups:
    trains = pop.get_data().segments[0].spiketrains
    times = np.concatenate([np.asarray(st) for st in trains]) if trains else np.array([])
    first.append(times.min() if times.size else np.inf)
    count.append(int(times.size))
sim.end()
