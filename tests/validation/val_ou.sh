#!/bin/sh
# Validation: E-I network of linear rate units with input noise
# (Ornstein-Uhlenbeck; examples/ou_ei.yaml), simulation vs the linear theory
# of the input-noise class (Grytskyy et al. 2013, section 2).
# usage: val_ou.sh SPIKEFIELD
#
# Tolerance (derived from the standard errors): mean rates, equal-time
# covariances of the population-averaged rates (E-E, E-I, I-I) and
# Re S_ab(f) at 5, 10, 20, 50, 100, 200, 350 Hz (issue 8) must satisfy
# |z| = |simulated - predicted| / SE <= 4, SE the standard error over 30
# independent 1 s segments. The theory is exact for this linear network
# with fixed out-degree (up to the time grid: exact integration, delays
# corrected by -h/2 for the held input), and compare evaluates the expected
# periodogram of the sampled signal, so z is ~N(0, 1): 26 checks at 4 SE
# give a false alarm below 0.2%. Pair covariances have no prediction here.
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_ou.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
"$SF" compare examples/ou_ei.yaml --out "$OUT" --quiet
"$PY" - "$OUT/compare.json" <<'PYEOF'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, "tests/validation")
from zcheck import Z, load, collect, report, powerful, get
d = load(sys.argv[1], "linear")
checks = collect(d, "rate", "mean rate", "cov(0)", pair=False)
bad = report(checks)
bad += powerful(get(d, "cov_pop", "E", "E"), "E-E covariance")
print("%d checks, %d failed (|z| <= %g)" % (len(checks), bad, Z))
sys.exit(1 if bad else 0)
PYEOF
