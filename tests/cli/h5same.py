"""Exit 0 when two HDF5 files hold the same data: the same groups and
datasets with equal dtype, shape and values, and equal attributes except the
provenance attributes of the root group (times, host, threads, ...), which
differ between otherwise identical runs. Used by the shell tests where
"bit-identical spikes" is checked (tests/cli/test_run.sh).
usage: /usr/bin/python3 tests/cli/h5same.py A.h5 B.h5
(same_folders: every .h5 file of one output folder against another's, for
tests that compare many folders in one Python process)"""
import glob
import os
import sys

import h5py
import numpy as np

PROVENANCE = {"spikefield_version", "git_commit", "host", "started", "finished", "model_file",
              "overrides", "model_resolved", "seed", "threads"}


def items(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def main(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for k in set(fa.attrs) | set(fb.attrs):
            if k not in PROVENANCE and (k not in fa.attrs or k not in fb.attrs or
                                        not np.array_equal(fa.attrs[k], fb.attrs[k])):
                return f"root attribute {k} differs"
        ia, ib = items(fa), items(fb)
        if set(ia) != set(ib):
            return f"objects differ: {sorted(set(ia) ^ set(ib))}"
        for name, oa in ia.items():
            ob = ib[name]
            if set(oa.attrs) != set(ob.attrs) or any(
                    not np.array_equal(oa.attrs[k], ob.attrs[k]) for k in oa.attrs):
                return f"{name}: attributes differ"
            if isinstance(oa, h5py.Dataset):
                if oa.dtype != ob.dtype or oa.shape != ob.shape:
                    return f"{name}: dtype or shape differs"
                if not np.array_equal(oa[()], ob[()]):
                    return f"{name}: values differ"
    return None


def same_folders(ref, other):
    """None when every .h5 file of ref has an identical one in other."""
    for a in sorted(glob.glob(os.path.join(ref, "*.h5"))):
        b = os.path.join(other, os.path.basename(a))
        why = main(a, b) if os.path.exists(b) else f"{b} missing"
        if why:
            return why
    return None


if __name__ == "__main__":
    why = main(sys.argv[1], sys.argv[2])
    if why:
        print(f"{sys.argv[1]} and {sys.argv[2]}: {why}", file=sys.stderr)
        sys.exit(1)
