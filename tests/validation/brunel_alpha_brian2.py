"""Cross-check of examples/brunel_alpha.yaml (NEST's brunel_alpha_nest.py)
with Brian2 (Debian python3-brian, cpp_standalone): the same network, drawn
independently, integrated by Brian2's exact linear solver.

    /usr/bin/python3 tests/validation/brunel_alpha_brian2.py [outdir]

prints the mean rates of E and I over 0..1000 ms (all neurons). Not part of
`make test` (a few minutes); the numbers are quoted in docs/neurons-nest.md.

Model (NEST iaf_psc_alpha, tau_syn_ex = tau_syn_in): dv/dt = -v/tau_m + I/C_m,
dI/dt = -I/tau_s + x, dx/dt = -x/tau_s, a spike of weight w adds w e/tau_s
to x (so I peaks at w); v is clamped at V_reset = 0 for t_ref after a spike.
External drive: PoissonInput of C_E = 1000 sources at nu_ex each, weight J_ex.
Connections: fixed in-degree with multapses and autapses (NEST's defaults).
"""
import sys
import numpy as np
import brian2 as b2
from brian2 import ms, mV, pA, pF, Hz

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/brunel_alpha_brian2"
b2.set_device("cpp_standalone", directory=out)
b2.defaultclock.dt = 0.1 * ms

NE, NI, CE, CI = 10000, 2500, 1000, 250
tau_m, C_m, tau_s, theta, t_ref = 20.0 * ms, 250.0 * pF, 0.5 * ms, 20.0 * mV, 2.0 * ms
J_ex = 20.68015524367846 * pA            # 0.1 mV PSP peak (examples/brunel_alpha.yaml)
J_in = -5.0 * J_ex
nu_ex = 17789.007714721884 / CE * Hz     # per external source

eqs = """
dv/dt = -v/tau_m + I/C_m : volt (unless refractory)
dI/dt = -I/tau_s + x : amp
dx/dt = -x/tau_s : amp/second
"""
G = b2.NeuronGroup(NE + NI, eqs, threshold="v >= theta", reset="v = 0*mV",
                   refractory=t_ref, method="exact")
G.v = 0 * mV
kick = np.e / tau_s
P = b2.PoissonInput(G, "x", N=CE, rate=nu_ex, weight="J_ex*kick")
rng = np.random.default_rng(1)
N = NE + NI
pre_e = rng.integers(0, NE, size=(N, CE)).ravel()
post_e = np.repeat(np.arange(N), CE)
pre_i = NE + rng.integers(0, NI, size=(N, CI)).ravel()
post_i = np.repeat(np.arange(N), CI)
Se = b2.Synapses(G, G, on_pre="x_post += J_ex*kick", delay=1.5 * ms)
Se.connect(i=pre_e, j=post_e)
Si = b2.Synapses(G, G, on_pre="x_post += J_in*kick", delay=1.5 * ms)
Si.connect(i=pre_i, j=post_i)
M = b2.SpikeMonitor(G)
b2.run(1000 * ms)
idx = np.asarray(M.i)
print("E rate %.3f Hz, I rate %.3f Hz" % ((idx < NE).sum() / NE, (idx >= NE).sum() / NI))
