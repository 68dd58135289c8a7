#!/bin/sh
# Validation: E-I binary network with an external binary population
# (examples/binary_ei.yaml), simulation vs the linear theory of binary
# networks (Gaussian mean field, Glauber dynamics linearised; Helias et al.
# 2014, Grytskyy et al. 2013 section 3). usage: val_binary.sh SPIKEFIELD
#
# Tolerance (derived from the standard errors): mean activities, equal-time
# covariances of the population averages and of distinct pairs for every
# pair of populations (E, I, X) and Re S_ab(f) at 5, 10, 20, 50, 100, 200, 350 Hz (issue 8) must
# satisfy |z| = |simulated - predicted| / SE <= 4, SE the standard error over
# 40 independent 1 s segments (about 50 checks: a false alarm below 0.5%
# if z ~ N(0, 1)). The theory is a leading-order approximation: in this
# weakly coupled example its known biases (O(1/K) terms in the single-neuron
# autocovariance: about -3% at f > 30 Hz, docs/binary.md) stay below one SE
# at the chosen frequencies. Also: independent X neurons have pair
# covariance 0 within 4 SE, and the E-E covariance SE is < 10% of its value.
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_binary.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
"$SF" compare examples/binary_ei.yaml --out "$OUT" --quiet
"$PY" - "$OUT/compare.json" <<'PYEOF'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, "tests/validation")
from zcheck import Z, load, collect, report, powerful, get
d = load(sys.argv[1], "binary")
checks = collect(d, "activity", "mean activity", "cov(0)", pair=True)
bad = report(checks)
xx = get(d, "cov_pair", "X", "X")
if not abs(xx["simulated"]) <= Z * xx["sem"]:
    print("FAIL: independent X neurons covary: %g +- %g" % (xx["simulated"], xx["sem"])); bad += 1
bad += powerful(get(d, "cov_pair", "E", "E"), "E-E covariance")
print("%d checks, %d failed (|z| <= %g)" % (len(checks), bad, Z))
sys.exit(1 if bad else 0)
PYEOF
