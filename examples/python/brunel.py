"""Brunel (2000) model A from Python: build, run, plot.

    PYTHONPATH=python /usr/bin/python3 examples/python/brunel.py [--full] [--out DIR]

Loads examples/brunel.yaml (by default at a tenth of its size and
in-degree, a few seconds), simulates it with a progress bar (Ctrl-C stops
the run and keeps what was simulated), prints rates and CVs against the
theory, writes the outputs as `spikefield run` does and saves a raster
with the population rate and the rates per population (sf.plot).
"""
import argparse
import os

import spikefield as sf

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--full", action="store_true", help="the full network (12,500 neurons)")
ap.add_argument("--out", default="out/python_brunel", help="output folder")
args = ap.parse_args()

sets = [] if args.full else ["scale.neurons=0.1", "scale.indegree=0.1"]
m = sf.Model.load(os.path.join(here, "..", "brunel.yaml"), sets=sets)
print(m)
net = m.build(threads=2, seed=1)
print(f"{net.synapses} synapses")
rec = net.run(progress=True)
if rec.interrupted:
    print(f"interrupted at t = {rec.t_stop} ms: the outputs hold what was simulated")

cmp = sf.compare(m, rec)
for pop in m.populations:
    for name in ("rate", "cv_isi"):
        q = cmp.find(name, pop)
        if q is not None:
            print(f"{pop} {name:7s} simulated {q.value:8.3f} ± {q.se:.3f} {q.unit:3s} "
                  f"theory {q.predicted:8.3f}  {q.verdict}")

rec.write(args.out, replace=True)  # replaces an earlier run of this script
fig = sf.plot.raster(rec, t_range=(0.0, min(rec.t_stop, 500.0)))
sf.plot.save(fig, os.path.join(args.out, "raster"))           # raster.png, raster.pdf
sf.plot.save(sf.plot.rates(rec), os.path.join(args.out, "rates"))
print(f"outputs and figures in {args.out}/")
