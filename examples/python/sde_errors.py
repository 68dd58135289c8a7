"""The nonlinear neuronal SDE (Stapmanns et al. 2020): error of each
approximation against noise strength, with the simulation's own error.

    PYTHONPATH=python /usr/bin/python3 examples/python/sde_errors.py [--out DIR] [--no-sim]

Loads examples/sde_nonlinear.yaml (a sweep of alpha and D, one population
per point), predicts (exact Fokker-Planck values and the one-loop,
Gaussian self-consistent and fRG approximations), simulates and compares
(unless --no-sim; about 10 s on 2 cores), and saves DIR/sde_errors.png and
.pdf: |approximation - exact| of the mean and the variance over D, one row
per alpha, and |simulation - exact| with its SE. docs/fluctuations.md.
"""
import argparse
import os

import spikefield as sf

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--out", default="out/python_sde", help="output folder")
ap.add_argument("--no-sim", action="store_true", help="theory only")
args = ap.parse_args()

m = sf.Model.load(os.path.join(here, "..", "sde_nonlinear.yaml"))
pred = sf.predict(m)
pops = m.populations
noise = {p: m.param(p, "D") for p in pops}
groups = {}
for p in pops:
    groups.setdefault(f"alpha = {m.param(p, 'alpha'):g}", []).append(p)
cmp = None
if not args.no_sim:
    rec = m.build().run()
    cmp = sf.compare(m, rec, pred)
for p in pops:
    row = [f"{p:10s} D={noise[p]:<5g}"]
    for meth in ("one_loop", "gaussian", "frg"):
        row.append(f"{meth} var err {float(pred.find('variance_error_' + meth, p).value):+.2e}")
    print("  ".join(row))
os.makedirs(args.out, exist_ok=True)
fig = sf.plot.sde_errors(pred, noise, groups, cmp)
print("wrote", ", ".join(sf.plot.save(fig, os.path.join(args.out, "sde_errors"))))
