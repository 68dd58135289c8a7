#!/bin/sh
# Validation: E-I Hawkes network (examples/hawkes_ei.yaml), simulation vs the
# exact linear theory (Grytskyy et al. 2013, section 4). usage: val_hawkes.sh SPIKEFIELD
#
# Tolerance (derived from the standard errors): every compared quantity --
# rates, zero-lag count covariances of the population averages and of
# distinct pairs (E-E, E-I, I-I), Re S_ab(f) at 5, 10, 20, 50, 100 Hz -- must
# satisfy |z| = |simulated - predicted| / SE <= 4, SE the standard error over
# 30 independent 1 s segments. The theory is exact for the linear Hawkes
# process with fixed out-degree up to the rectification (never active here)
# and O(1/N) terms, and compare evaluates it as the estimators see it
# (triangle-weighted count covariance, segment periodogram), so z is
# ~N(0, 1): 23 checks at 4 SE give a false alarm below 0.2%.
# Also: every SE is positive and small enough for the check to have power
# (E-E count covariance SE < 10% of the value).
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_hawkes.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
"$SF" compare examples/hawkes_ei.yaml --out "$OUT" --quiet
"$PY" - "$OUT/compare.json" <<'PYEOF'
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["theory"] == "hawkes", d["theory"]
Z = 4.0
checks = []
for p, v in d["populations"].items():
    checks.append(("rate " + p, v["rate_Hz"]))
for k, v in d["covariances"].items():
    if k == "unit":
        continue
    checks.append(("count cov pop " + k, v["pop"]))
    checks.append(("count cov pair " + k, v["pair"]))
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
    print("FAIL: E-E count covariance SE %.3g too large for a meaningful test" % ee["sem"]); bad += 1
print("%d checks, %d failed (|z| <= %g)" % (len(checks), bad, Z))
sys.exit(1 if bad else 0)
PYEOF
