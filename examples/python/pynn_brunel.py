"""Brunel (2000) model A as a PyNN 0.10 script, run on spikefield.

    PYTHONPATH=python /usr/bin/python3 examples/python/pynn_brunel.py
    (after `make install`: python3 examples/python/pynn_brunel.py)

The import line is the only line that names the simulator: with `import
pyNN.nest as sim` the same script runs on NEST. pyNN.spikefield translates
the script into one spikefield model when run() is called; the connections
are drawn by spikefield's native builder in bulk.
"""
try:
    import pyNN.spikefield as sim
except ImportError:   # running from the source tree, before `make install`
    import os
    import pyNN
    pyNN.__path__.append(os.path.join(os.path.dirname(__file__), "..", "..", "python", "pyNN"))
    import pyNN.spikefield as sim
from pyNN.random import RandomDistribution

order = 250                     # NE = 1000, NI = 250
NE, NI = 4 * order, order
epsilon, g, eta = 0.1, 5.0, 2.0
CE, CI = int(epsilon * NE), int(epsilon * NI)
J, delay = 0.1, 1.5             # mV, ms
tau_m, theta, v_reset, tau_ref = 20.0, 20.0, 10.0, 2.0
nu_th = theta / (J * CE * tau_m)
p_rate = 1000.0 * eta * nu_th * CE     # Hz per neuron
simtime, dt = 1000.0, 0.1

sim.setup(timestep=dt, min_delay=dt, max_delay=10.0, threads=2, seed=1)
cell = sim.IF_curr_delta(tau_m=tau_m, cm=0.25, v_rest=0.0, v_reset=v_reset,
                         v_thresh=theta, tau_refrac=tau_ref)
E = sim.Population(NE, cell, label="E")
I = sim.Population(NI, cell, label="I")
for pop in (E, I):
    pop.initialize(v=RandomDistribution("uniform", (0.0, theta)))
    noise = sim.Population(pop.size, sim.SpikeSourcePoisson(rate=p_rate), label=f"noise_{pop.label}")
    sim.Projection(noise, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=J, delay=dt))
for pre, w, k in ((E, J, CE), (I, -g * J, CI)):
    for post in (E, I):
        sim.Projection(pre, post, sim.FixedNumberPreConnector(k), sim.StaticSynapse(weight=w, delay=delay),
                       receptor_type="excitatory" if w > 0 else "inhibitory")
E.record("spikes")
I.record("spikes")
E[0:5].record("v")
sim.run(simtime)

for pop in (E, I):
    seg = pop.get_data().segments[0]
    n = sum(len(st) for st in seg.spiketrains)
    print(f"{pop.label}: {pop.size} neurons, {n} spikes, {n / pop.size / simtime * 1000.0:.2f} Hz")
v = E.get_data().segments[0].analogsignals[0]
print(f"membrane potential of 5 neurons: {v.shape[0]} samples, mean {float(v.magnitude.mean()):.2f} mV")
sim.end()
