"""Reads back the files of bench/mpi/phdf5_write.c (docs/scaling.md, "Spike
output: serial against parallel HDF5") and checks that every way wrote the
same datasets: node_ids (u64) and timestamps (f64) equal, element for
element, to those of the serial contiguous file, and, independently of the
writer, the layout the generator promises (node i holds
(i + 1) N / 7712 - i N / 7712 spikes, ids sorted, times increasing on the
0.1 ms grid within a node).

    /usr/bin/python3 bench/mpi/phdf5_check.py DIR
prints one line per file; exits 1 on any difference."""
import glob
import os
import sys

import h5py
import numpy as np

N_NODES = 7712


def load(path):
    with h5py.File(path, "r") as f:
        g = f["spikes/microcircuit"]
        assert g.attrs["sorting"] in (b"by_id", "by_id"), path
        ids, ts = g["node_ids"], g["timestamps"]
        assert ids.dtype == np.uint64 and ts.dtype == np.float64, path
        return ids[()], ts[()], ids.chunks is not None


def check_layout(n, ids, ts):
    nodes = np.arange(N_NODES, dtype=np.int64)
    counts = (nodes + 1) * n // N_NODES - nodes * n // N_NODES
    assert len(ids) == n and ids.max() < N_NODES
    assert np.array_equal(np.bincount(ids.astype(np.int64), minlength=N_NODES), counts)
    same = ids[1:] == ids[:-1]
    assert np.all(np.diff(ids.astype(np.int64)) >= 0)
    assert np.all(np.diff(ts)[same] > 0)
    steps = ts / 0.1
    assert np.allclose(steps, np.round(steps), rtol=0, atol=1e-6 * steps.max())


def main(d):
    bad = 0
    for ref in sorted(glob.glob(os.path.join(d, "serial_contig_*.h5"))):
        n = int(ref.rsplit("_", 1)[1][:-3])
        rids, rts, _ = load(ref)
        check_layout(n, rids, rts)
        for p in sorted(glob.glob(os.path.join(d, "*_%d.h5" % n))):
            ids, ts, chunked = load(p)
            ok = np.array_equal(ids, rids) and np.array_equal(ts, rts)
            bad += not ok
            print("%s %s (%s, %d spikes, %d bytes)" % ("same" if ok else "DIFFERENT",
                  os.path.basename(p), "chunked" if chunked else "contiguous", n,
                  os.path.getsize(p)))
    if not glob.glob(os.path.join(d, "serial_contig_*.h5")):
        print("no files in", d)
        bad = 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
