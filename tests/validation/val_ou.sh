#!/bin/sh
# Validation: E-I network of linear rate units with input noise
# (Ornstein-Uhlenbeck; examples/ou_ei.yaml), simulation vs the linear theory
# of the input-noise class (Grytskyy et al. 2013, section 2).
# usage: val_ou.sh SPIKEFIELD
#
# Tolerance (derived from the standard errors): mean rates, equal-time
# covariances of the population-averaged rates (E-E, E-I, I-I) and
# Re S_ab(f) at 5, 10, 20, 50, 100 Hz must satisfy
# |z| = |simulated - predicted| / SE <= 4, SE the standard error over 30
# independent 1 s segments. The theory is exact for this linear network
# with fixed out-degree (up to the time grid: exact integration, delays
# corrected by -h/2 for the held input), and compare evaluates the expected
# periodogram of the sampled signal, so z is ~N(0, 1): 20 checks at 4 SE
# give a false alarm below 0.2%. Pair covariances have no prediction here.
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_ou.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
"$SF" compare examples/ou_ei.yaml --out "$OUT" --quiet
"$PY" - "$OUT/compare.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["theory"].startswith("linear"), d["theory"]
Z = 4.0
checks = []
for p, v in d["populations"].items():
    checks.append(("mean rate " + p, v["mean_rate"]))
for k, v in d["covariances"].items():
    if k == "unit":
        continue
    checks.append(("cov(0) pop " + k, v["pop"]))
f = d["spectra"]["freq_Hz"]
for k, v in d["spectra"].items():
    if k in ("quantity", "freq_Hz"):
        continue
    for fk, q in zip(f, v):
        checks.append(("Re S_%s(%g Hz)" % (k, fk), q))
bad = 0
for name, q in checks:
    ok = q["sem"] is not None and q["sem"] > 0 and q["z"] is not None and abs(q["z"]) <= Z
    print("%-4s %-28s sim %.5g +- %.3g  theory %.5g  z %s" % ("ok" if ok else "FAIL", name,
          q["simulated"], q["sem"] or float("nan"), q["predicted"], q["z"]))
    bad += not ok
ee = d["covariances"]["E-E"]["pop"]
if not ee["sem"] < 0.1 * abs(ee["predicted"]):
    print("FAIL: E-E covariance SE %.3g too large for a meaningful test" % ee["sem"]); bad += 1
print("%d checks, %d failed (|z| <= %g)" % (len(checks), bad, Z))
sys.exit(1 if bad else 0)
PYEOF
