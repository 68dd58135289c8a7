"""Brunel (2000) model A (sparse E-I network of delta-synapse LIF neurons,
g = 5, eta = 2, asynchronous irregular state), as a plain PyNN 0.10 script
after PyNN's examples/brunel.py: the import line is the only line that
names the simulator. Small (order = 100: 400 + 100 neurons, C_E = 40) so
that the test runs in about a second.

Leaves in its globals: rates {label: Hz over [t_analysis, simtime)} and the
Neo segments of E and I.
"""
import pyNN.spikefield as sim
from pyNN.random import RandomDistribution

order = 100
NE, NI = 4 * order, 1 * order
epsilon = 0.1
CE, CI = int(epsilon * NE), int(epsilon * NI)
g, eta = 5.0, 2.0
J = 0.1                       # mV, excitatory PSP amplitude
delay = 1.5                   # ms
tau_m, theta, v_reset, tau_ref = 20.0, 20.0, 10.0, 2.0
nu_th = theta / (J * CE * tau_m)          # 1/ms: external rate that alone reaches threshold
p_rate = 1000.0 * eta * nu_th * CE        # Hz of Poisson input per neuron
simtime, t_analysis = 600.0, 100.0
dt = 0.1

sim.setup(timestep=dt, min_delay=dt, max_delay=10.0)
cell = sim.IF_curr_delta(tau_m=tau_m, cm=0.25, v_rest=0.0, v_reset=v_reset,
                         v_thresh=theta, tau_refrac=tau_ref, i_offset=0.0)
E = sim.Population(NE, cell, label="E")
I = sim.Population(NI, cell, label="I")
for pop in (E, I):
    pop.initialize(v=RandomDistribution("uniform", (0.0, theta)))
ext_E = sim.Population(NE, sim.SpikeSourcePoisson(rate=p_rate), label="ext_E")
ext_I = sim.Population(NI, sim.SpikeSourcePoisson(rate=p_rate), label="ext_I")

exc = sim.StaticSynapse(weight=J, delay=delay)
inh = sim.StaticSynapse(weight=-g * J, delay=delay)
ext = sim.StaticSynapse(weight=J, delay=dt)
sim.Projection(ext_E, E, sim.OneToOneConnector(), ext, receptor_type="excitatory")
sim.Projection(ext_I, I, sim.OneToOneConnector(), ext, receptor_type="excitatory")
sim.Projection(E, E, sim.FixedNumberPreConnector(CE), exc, receptor_type="excitatory")
sim.Projection(E, I, sim.FixedNumberPreConnector(CE), exc, receptor_type="excitatory")
sim.Projection(I, E, sim.FixedNumberPreConnector(CI), inh, receptor_type="inhibitory")
sim.Projection(I, I, sim.FixedNumberPreConnector(CI), inh, receptor_type="inhibitory")

E.record("spikes")
I.record("spikes")
E[0:5].record("v")
sim.run(simtime)

segments = {p.label: p.get_data().segments[0] for p in (E, I)}
rates = {}
for label, seg in segments.items():
    n = sum(((st > t_analysis) & (st <= simtime)).sum() for st in seg.spiketrains)
    rates[label] = n / (len(seg.spiketrains) * (simtime - t_analysis) / 1000.0)
sim.end()
