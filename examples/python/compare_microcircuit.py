"""Potjans & Diesmann (2014) microcircuit: theory, simulation, comparison and
figures from Python.

    /usr/bin/python3 examples/python/compare_microcircuit.py [--scale 0.1] [--out DIR]
    /usr/bin/python3 examples/python/compare_microcircuit.py --from out/microcircuit

The first form predicts the rates, CVs and spectra of the LIF diffusion
theory (sf.predict), simulates the network at the given scale (the 10%
network keeps the full in-degrees: examples/microcircuit.yaml), compares
the two (sf.compare: z-scores and verdicts per quantity), prints the scalar
table and writes the figures into DIR/figures. The second form draws the
figures of an output folder that `spikefield compare` wrote, without
simulating (what `spikefield plot` does).
"""
import argparse
import os
import sys

import spikefield as sf

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "microcircuit.yaml")


def table(cmp):
    """The scalar rows of a comparison: simulated ± SE, predicted, z, verdict."""
    print(f"{'population':<10} {'quantity':<8} {'simulated':>10} {'± SE':>8} "
          f"{'predicted':>10} {'z':>7}  verdict")
    def num(v, width, digits):  # a number, or a dash where there is none
        return f"{v:{width}.{digits}f}" if isinstance(v, (int, float)) else f"{'—':>{width}}"
    for q in cmp:
        if q.axis == "none" and not q.is_complex and len(q.populations) == 1:
            print(f"{q.populations[0]:<10} {q.name:<8} {num(q.value, 10, 3)} {num(q.se, 8, 3)} "
                  f"{num(q.predicted, 10, 3)} {num(q.z, 7, 2)}  {q.verdict}")


def figures(cmp, outdir, rec=None):
    """The comparison figures (and, with a recording, raster and rates)."""
    figdir = os.path.join(outdir, "figures")
    written = []
    figs = [("compare", sf.plot.compare(cmp)), ("spectra", sf.plot.spectra(cmp))]
    if rec is not None:
        figs = [("raster", sf.plot.raster(rec)), ("rates", sf.plot.rates(rec))] + figs
    for name, fig in figs:
        written += sf.plot.save(fig, os.path.join(figdir, name))
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=0.1, help="scale.neurons (default 0.1)")
    ap.add_argument("--duration", type=float, default=1000.0, help="ms (default 1000)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="out/microcircuit_py", help="output folder")
    ap.add_argument("--from", dest="src", help="draw the figures of this compare folder only")
    a = ap.parse_args(argv)

    if a.src:                                   # figures of an existing folder
        cmp = sf.load_quantities(a.src)
        table(cmp)
        files = figures(cmp, a.src, sf.load(a.src))
    else:
        m = sf.Model.load(MODEL, sets=[f"scale.neurons={a.scale}",
                                       f"simulation.duration={a.duration}"])
        pred = sf.predict(m)
        print("predicted rates (Hz):", ", ".join(
            f"{p} {pred.find('rate', p).value:.2f}" for p in m.populations))
        net = m.build(threads=a.threads, seed=55)
        rec = net.run(progress=True)
        rec.write(a.out, replace=True)
        cmp = sf.compare(m, rec, pred=pred)
        table(cmp)
        files = figures(cmp, a.out, rec)
    print("figures:", ", ".join(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
