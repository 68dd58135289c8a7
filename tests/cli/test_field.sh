#!/bin/sh
# Field models from the command line (docs/rg.md): `run` writes field.h5 with
# the documented datasets, bit-identical for 1 and 2 threads and another
# seed differs; `predict` and `compare` use the rg family; bad field input
# fails with a message naming the key, and writes nothing.
# usage: tests/cli/test_field.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
set -e
small="--set field.lattice.size=16 --set simulation.duration=40 --set simulation.resolution=0.1 --set field.statistics.start=10 --set field.statistics.interval=0.5"
"$SF" run examples/wilson_cowan_2d.yaml --out "$T/a" --quiet $small --set simulation.threads=1 > "$T/a.txt"
grep -q "outputs: $T/a/field.h5" "$T/a.txt"
"$SF" run examples/wilson_cowan_2d.yaml --out "$T/b" --quiet $small --set simulation.threads=2 > /dev/null
"$SF" run examples/wilson_cowan_2d.yaml --out "$T/c" --quiet $small --set simulation.seed=2 > /dev/null
same() { /usr/bin/python3 "$(dirname "$0")/h5same.py" "$@"; }
same "$T/a/field.h5" "$T/b/field.h5"
if same "$T/a/field.h5" "$T/c/field.h5" 2>/dev/null; then echo "another seed gave the same field"; exit 1; fi
/usr/bin/python3 - "$T/a/field.h5" <<'PY'
import sys, h5py, numpy as np
g = h5py.File(sys.argv[1], "r")["field"]
M = 16 * 9
for k in ("lambda", "power", "power_se"):
    assert g[k].shape == (M,), (k, g[k].shape)
assert g["k"].shape == (M, 2)
assert g["snapshots"].shape == (2, 16, 16), g["snapshots"].shape
assert list(g["block_size"][:]) == [1, 2, 4, 8]
assert g.attrs["samples"] == 60 and g.attrs["dim"] == 2
assert abs(g.attrs["mean_last"]) < 1e-12       # conserved mean
assert g["power"][0] < 1e-20 and np.all(g["power"][1:] > 0)
print("ok: field.h5")
PY
"$SF" run examples/wilson_cowan_3d.yaml --out "$T/d3" --quiet --set field.lattice.size=8 --set simulation.duration=5 --set field.statistics.start=1 > /dev/null
"$SF" predict examples/wilson_cowan_2d.yaml --json > "$T/p.json"
/usr/bin/python3 - "$T/p.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["family"] == "rg", d["family"]
names = {q["name"] for q in d["quantities"]}
for k in ("power_spectrum", "kappa_eff", "u0", "w0", "rg_u", "rg_w", "gell_mann_low_a"):
    assert k in names, k
print("ok: predict")
PY
"$SF" compare examples/wilson_cowan_2d.yaml --out "$T/cmp" --quiet $small > "$T/cmp.txt" 2>&1
grep -q "rg theory vs simulation" "$T/cmp.txt"
grep -q "power_spectrum" "$T/cmp.txt"
grep -q "outputs: $T/cmp/field.h5, $T/cmp/compare.json" "$T/cmp.txt"
set +e
fails=0
bad() { # expected message, then --set options
  want=$1; shift
  "$SF" run examples/wilson_cowan_2d.yaml --out "$T/bad" --quiet "$@" > /dev/null 2> "$T/e"; rc=$?
  if [ $rc = 1 ] && grep -q "$want" "$T/e" && [ ! -e "$T/bad" ]; then :; else
    echo "FAIL ($rc) $*: $(cat "$T/e")"; fails=1; fi
}
bad "field.lattice.size: size must be a power of 2" --set field.lattice.size=100
bad "field.lattice.dim: dim must be 1, 2 or 3" --set field.lattice.dim=0
bad "simulation.resolution: resolution 0.5 ms is beyond the Euler-Maruyama stability limit" --set simulation.resolution=0.5
bad "field.kernel: unknown kernel 'box'" --set field.kernel=box
bad "field.D: value -1 is out of range" --set field.D=-1
[ $fails = 0 ] && echo "ok: bad field input"
exit $fails
