#!/bin/sh
# Validation of the Langevin ensembles (task langevin, docs/learning.md,
# issue 17): examples/langevin_ensembles.yaml (8 instances; D = 32,
# a = b = 2, T = 0.1, P = 16 .. 128, N = 64 and 512, eps = 0 and 0.1) and
# the same at half the step (dt = 0.05; N = 512, P = 16 and 128) for the
# discretisation bias. Every z below is (value - expected) / SE with the
# standard error over the 8 instances (each instance: its own data, test
# points and chains).
#
# 1. Equilibration: drift (second half minus first half of the chain's
#    E_ens, relative to the GP's) is 0 within 4 SE for every (eps, N, P).
# 2. The GP of the network's kernel on the same data against the
#    self-consistent curve (eps = 0): |z| <= 4 (the formula's own finite-P
#    error, 4 % at P = 16 and 1 % at P = 64 by an exact average over 3000
#    data sets, is below the SE).
# 3. eps = 0, N = 512 (N >= 4 P): the ensemble's error and the
#    ensemble-mean predictor's error equal the GP's on the same data,
#    dev_ens and dev_mean 0 within 4 SE at every P.
# 4. Half the step gives the same dev_ens within 4 combined SE (the
#    Euler-Maruyama bias is below the sampling error at dt = 0.1).
# 5. Printed (info): the relative deviation (E - E^GP)/E^GP against P for
#    every (eps, N), and whether its magnitude at the largest P is below
#    that at the smallest (the notes' claim that the GP fixed point is
#    attractive), with the z of the difference.
# usage: val_langevin.sh SPIKEFIELD
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_langevin.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
EX=examples/langevin_ensembles.yaml
"$SF" compare $EX --out "$OUT/main" --quiet > /dev/null
"$SF" compare $EX --set learning.dt=0.05 --set learning.width=[512] --set learning.P=[16,128] \
    --out "$OUT/half" --quiet > /dev/null
"$PY" - "$OUT" <<'PYEOF'
import json, math, sys
out = sys.argv[1]
bad = []
def q(run, name):
    d = json.load(open(f"{out}/{run}/compare.json"))
    return next(x for x in d["quantities"] if x["name"] == name)
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        bad.append(what)
Ps, Ns, eps = (16, 32, 64, 128), (64, 512), (0, 0.1)
tag = lambda e, N, P: f"[eps={e:g},N={N},P={P}]"
for e in eps:
    for N in Ns:
        for P in Ps:
            d = q("main", "drift" + tag(e, N, P))
            check(abs(d["value"]) <= 4 * d["se"], f"drift{tag(e, N, P)} {d['value']:+.4f} +- {d['se']:.4f}")
for P in Ps:
    for v in ("E_ens_gp", "E_mean_gp"):
        x = q("main", v + tag(0, 64, P))
        check(abs(x["z"]) <= 4, f"{v}{tag(0, 64, P)} {x['value']:.4g} +- {x['se']:.2g} vs self-consistent {x['predicted']:.4g}")
    for v in ("dev_ens", "dev_mean"):
        x = q("main", v + tag(0, 512, P))
        check(abs(x["value"]) <= 4 * x["se"], f"{v}{tag(0, 512, P)} {x['value']:+.4f} +- {x['se']:.4f} (GP: 0)")
for e in eps:
    for P in (16, 128):
        a, b = q("main", "dev_ens" + tag(e, 512, P)), q("half", "dev_ens" + tag(e, 512, P))
        z = (a["value"] - b["value"]) / math.hypot(a["se"], b["se"])
        check(abs(z) <= 4, f"dev_ens{tag(e, 512, P)} dt 0.1: {a['value']:+.4f} +- {a['se']:.4f}, dt 0.05: "
              f"{b['value']:+.4f} +- {b['se']:.4f} (z = {z:.1f})")
for v in ("dev_ens", "dev_mean"):
    for e in eps:
        for N in Ns:
            xs = [q("main", v + tag(e, N, P)) for P in Ps]
            row = "  ".join(f"{x['value']:+.3f}({x['se']:.3f})" for x in xs)
            lo, hi = xs[0], xs[-1]
            z = (abs(hi["value"]) - abs(lo["value"])) / math.hypot(lo["se"], hi["se"])
            print(f"info {v} eps={e:g} N={N}: P = {Ps}: {row}; |dev| at P={Ps[-1]} minus at P={Ps[0]}: z = {z:.1f}")
print(f"{len(bad)} failed")
sys.exit(1 if bad else 0)
PYEOF
