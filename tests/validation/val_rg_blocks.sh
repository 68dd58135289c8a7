#!/bin/sh
# Validation (issue 16, part 2; docs/rg.md "Block statistics"): the excess
# kurtosis K(L) of block sums of the Wilson-Cowan field over L^d blocks
# decays slowly (logarithmically) in d = 2, where the couplings are marginal,
# and like a power of L in d = 3, where they are irrelevant (one loop:
# u ~ L^(2-d)).
# usage: val_rg_blocks.sh SPIKEFIELD
#
# Runs (examples/wilson_cowan_{2d,3d}.yaml with --set): d = 2, 128^2,
# c3 = 1.5 (u0 = 0.24), d = 3, 32^3, nearest kernel, c3 = 3; h = 0.02,
# 600 time units, statistics from t = 50 every 1; and a free field (c3 = 0)
# as the control of the estimator. Checks, with SE the batch-means standard
# error of K (16 batches):
#   1. free field: |K(L)| <= 4 SE for L <= size/8 (a Gaussian field has
#      K = 0 at every L; 4 SE on 4 values: false alarm < 0.03%);
#   2. d = 3: the weighted least-squares slope of ln|K| on ln L over
#      L = 1, 2, 4 lies in [-1.4, -0.7] (tree level: -(d - 2) = -1; the
#      band is 3 SE of the slope plus the O(u) one-loop correction);
#   3. d = 2: the slope over L = 1 .. 8 is at most 0.6 in magnitude and at
#      most 0.6 times the d = 3 slope: the decay is not the d = 3 power law;
#   4. d = 2: 1/|K| is linear in ln L (the Gell-Mann-Low form
#      K ~ 1/(1 + b ln L)): chi^2/dof of the straight-line fit <= 4.
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_rg.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
COMMON="--set simulation.resolution=0.02 --set simulation.duration=600 --set simulation.threads=1 --set field.statistics.start=50 --set field.statistics.interval=1 --set field.statistics.snapshots=0 --set field.c2=0"
"$SF" run examples/wilson_cowan_2d.yaml --quiet --out "$OUT/d2" $COMMON \
    --set field.lattice.size=128 --set field.c3=1.5
"$SF" run examples/wilson_cowan_3d.yaml --quiet --out "$OUT/d3" $COMMON \
    --set field.lattice.size=32 --set field.c3=3
"$SF" run examples/wilson_cowan_2d.yaml --quiet --out "$OUT/free" $COMMON \
    --set field.lattice.size=64 --set field.c3=0
"$PY" - "$OUT" <<'PYEOF'
import sys
import h5py
import numpy as np
out = sys.argv[1]
def blocks(name):
    g = h5py.File(f"{out}/{name}/field.h5", "r")["field"]
    return (g["block_size"][:], g["block_kurtosis"][:], g["block_kurtosis_se"][:],
            int(g.attrs["size"]))
def slope(L, K, se, sel):
    x, y, s = np.log(L[sel]), np.log(np.abs(K[sel])), se[sel] / np.abs(K[sel])
    w = 1 / s**2
    A = np.vstack([np.ones_like(x), x]).T
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    p = cov @ (A.T @ (w * y))
    return p[1], np.sqrt(cov[1, 1])
bad = 0
L, K, se, n = blocks("free")
sel = L <= n / 8
z = K[sel] / se[sel]
print("free field: K(L) =", np.round(K[sel], 4), "z =", np.round(z, 2))
if np.any(np.abs(z) > 4):
    print("FAIL: the free field's block sums are not Gaussian"); bad += 1
L3, K3, se3, n3 = blocks("d3")
L2, K2, se2, n2 = blocks("d2")
print("d = 3: L", L3, "K", np.round(K3, 4), "SE", np.round(se3, 4))
print("d = 2: L", L2, "K", np.round(K2, 4), "SE", np.round(se2, 4))
s3, e3 = slope(L3, K3, se3, L3 <= 4)
s2, e2 = slope(L2, K2, se2, L2 <= 8)
print(f"slope of ln|K| on ln L: d = 3 {s3:.3f} +- {e3:.3f} (tree level -1), d = 2 {s2:.3f} +- {e2:.3f}")
if not (-1.4 <= s3 <= -0.7):
    print("FAIL: d = 3 decay is not the power L^-1"); bad += 1
if not (abs(s2) <= 0.6 and abs(s2) <= 0.6 * abs(s3)):
    print("FAIL: d = 2 decays like the d = 3 power law"); bad += 1
sel = L2 <= 8
x, y = np.log(L2[sel]), 1 / np.abs(K2[sel])
sy = se2[sel] / K2[sel]**2
w = 1 / sy**2
A = np.vstack([np.ones_like(x), x]).T
p = np.linalg.solve(A.T @ (A * w[:, None]), A.T @ (w * y))
chi2 = float(np.sum(w * (y - A @ p)**2)) / (len(x) - 2)
print(f"d = 2: 1/|K| = {p[0]:.3f} + {p[1]:.3f} ln L, chi^2/dof {chi2:.2f} (b = {p[1]/p[0]:.3f})")
if chi2 > 4:
    print("FAIL: 1/|K| is not linear in ln L"); bad += 1
print("PASS" if bad == 0 else f"{bad} check(s) failed")
sys.exit(1 if bad else 0)
PYEOF
