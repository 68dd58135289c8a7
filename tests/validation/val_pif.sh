#!/bin/sh
# Validation: PIF neurons with excitatory and inhibitory Poisson input
# (examples/pif_poisson.yaml; Helias et al. 2010, arXiv:1010.3537).
# usage: val_pif.sh SPIKEFIELD
#
# Asserts, with the standard error over the 1000 independent neurons (SE of
# the mean of per-neuron histograms; about 2e-4 /mV here, 0.4% of the value):
#  1. the exact density is finite at threshold: p(theta-) = (1 - q)/L
#     = 0.05 /mV, and the theory's last bin [theta - w, theta) holds it;
#  2. the diffusion approximation vanishes at threshold (p(theta) = 0) and
#     its average over the last bin is far below the exact one;
#  3. the simulated last bin follows the exact density, |z| <= 4, and is
#     incompatible with the diffusion approximation, z > 10;
#  4. the whole simulated histogram follows the exact density: every bin
#     |z| <= 4 (31 bins: false alarm ~0.2%) and chi^2 / bins < 2;
#  5. the rate follows mu / L within 4 SE (SE over neurons).
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_pif.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
"$SF" compare examples/pif_poisson.yaml --out "$OUT" --quiet
"$SF" predict examples/pif_poisson.yaml --json > "$OUT/prediction.json"
"$PY" - "$OUT/compare.json" "$OUT/prediction.json" examples/pif_poisson.yaml <<'PYEOF'
import json, math, sys, yaml
sys.dont_write_bytecode = True
sys.path.insert(0, "tests/validation")
from zcheck import check_of, find, get
d = json.load(open(sys.argv[1])); pred = json.load(open(sys.argv[2]))
assert d["family"] == "pif" and pred["family"] == "pif", (d["family"], pred["family"])
# the model's parameters, read from the model file
mf = yaml.safe_load(open(sys.argv[3]))
par = mf["populations"]["P"]["params"]
ins = list(mf["inputs"].values())
ex = [i for i in ins if i["weight"] > 0]; inh = [i for i in ins if i["weight"] < 0]
w = ex[0]["weight"]
P = {"theta_mV": par["V_th"], "V_reset_mV": par["V_reset"],
     "q": sum(i["rate"] for i in inh) / sum(i["rate"] for i in ex)}
Lw = (P["theta_mV"] - P["V_reset_mV"]) / w
P["lattice"] = all(abs(i["weight"]) == w for i in ins) and abs(Lw - round(Lw)) < 1e-9
th = {"exact_limit": find(pred, "density_threshold_limit_exact", "P")["value"],
      "diffusion_at_threshold": find(pred, "density_at_threshold_diffusion", "P")["value"],
      "exact": get(d, "density_threshold", "P"), "diffusion": get(d, "density_threshold_diffusion", "P")}
dens = find(d, "density", "P")
Z = 4.0
bad = 0
def check(ok, msg):
    global bad
    print(("ok   " if ok else "FAIL ") + msg)
    bad += not ok
L = P["theta_mV"] - P["V_reset_mV"]; q = P["q"]
check(P["lattice"], "V on the lattice theta - k w (w_e = w_i divides L)")
lim = (1 - q) / L
check(abs(th["exact_limit"] - lim) < 1e-12 and lim > 0,
      "exact p(theta-) = (1 - q)/L = %.5g /mV (finite)" % th["exact_limit"])
check(abs(th["exact"]["predicted"] - lim) < 1e-12, "exact density in the last bin = %.5g" % th["exact"]["predicted"])
check(th["diffusion_at_threshold"] == 0.0, "diffusion density at threshold = %g" % th["diffusion_at_threshold"])
check(th["diffusion"]["predicted"] < 0.75 * lim,
      "diffusion bin average %.5g well below the exact %.5g" % (th["diffusion"]["predicted"], lim))
e = th["exact"]
check(e["sem"] > 0 and abs(e["z"]) <= Z,
      "simulated last bin %.5g +- %.2g follows the exact density (z = %.2f)" % (e["simulated"], e["sem"], e["z"]))
check(abs(e["simulated"] - lim) <= Z * e["sem"], "simulated p(theta-) = (1 - q)/L within %g SE" % Z)
check(th["diffusion"]["z"] > 10,
      "simulated last bin excludes the diffusion approximation (z = %.1f)" % th["diffusion"]["z"])
chi2 = 0.0; n = 0; worst = 0.0
for s, se, x in zip(dens["values"], dens["se"], dens["predicted"]):
    if se is None or se <= 0:
        continue
    z = (s - x) / se; chi2 += z * z; n += 1; worst = max(worst, abs(z))
check(n >= 20 and worst <= Z, "all %d bins follow the exact density (max |z| = %.2f)" % (n, worst))
check(chi2 / n < 2, "chi^2 / bins = %.2f" % (chi2 / n))
r = get(d, "rate", "P")
check(abs(r["z"]) <= Z, "rate %.4g +- %.2g Hz vs mu/L = %.4g Hz (z = %.2f)" % (r["simulated"], r["sem"], r["predicted"], r["z"]))
print("%d failed" % bad)
sys.exit(1 if bad else 0)
PYEOF
