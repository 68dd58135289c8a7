"""`python3 -m spikefield plot OUTDIR [--out DIR]`: the figures of an output
folder (what `spikefield plot` and `spikefield compare` run).

Exit status: 0 figures written, 1 bad folder (message on stderr), 2 bad
command line, 3 matplotlib missing (so the C command can tell it apart).
"""
import argparse
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m spikefield",
                                 description="spikefield from Python: figures of output folders")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plot", help="write the figures of an output folder (PNG and PDF)")
    p.add_argument("outdir", help="output folder of spikefield run/compare/predict")
    p.add_argument("--out", help="where to write the figures (default OUTDIR/figures)")
    p.add_argument("--format", default="png,pdf", help="comma-separated formats (png,pdf)")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.add_argument("--optional", action="store_true",
                   help="figures are optional (spikefield compare): no message when matplotlib "
                        "is missing, only the exit status 3")
    a = ap.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if a.optional:
            return 3
        print("spikefield plot: matplotlib is not installed (Debian: apt-get install "
              "python3-matplotlib)", file=sys.stderr)
        return 3
    from .errors import SpikefieldError
    from .plot import folder
    try:
        files = folder(a.outdir, a.out, tuple(f for f in a.format.split(",") if f))
    except SpikefieldError as e:
        print(f"spikefield plot: {e.message}", file=sys.stderr)
        return 1
    if not files:
        print(f"spikefield plot: {a.outdir} has no data to draw (no spikes, traces or "
              f"quantities)", file=sys.stderr)
        return 1
    if not a.quiet:
        import os
        stems = list(dict.fromkeys(os.path.splitext(os.path.basename(f))[0] for f in files))
        exts = list(dict.fromkeys(os.path.splitext(f)[1][1:] for f in files))
        print(f"figures ({', '.join(exts)}) in {os.path.dirname(files[0])}/: {', '.join(stems)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
