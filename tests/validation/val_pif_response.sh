#!/bin/sh
# Validation: the dynamic response of PIF neurons to a sinusoidally
# modulated excitatory Poisson rate, exact model vs diffusion approximation
# (examples/pif_response.yaml; Helias et al. 2010, arXiv:1010.3537;
# docs/pif.md "Dynamic response").
# usage: val_pif_response.sh SPIKEFIELD
#
# Standard errors come from the spread over the 1000 independent neurons of
# each frequency group (sf_analysis_response); about 2 % of |H| here.
# Asserts:
#  1. the simulated response follows the exact one: amplitude and phase at
#     every frequency within 4 SE (10 checks, false alarm ~6e-4);
#  2. at low frequency (3 Hz) the diffusion approximation agrees as well
#     (both are w/L = 0.05 at f -> 0): |z| <= 4;
#  3. at high frequency the simulation excludes the diffusion approximation:
#     amplitude at 1000 Hz z > 5 (predicted 0.0203 against the exact 0.0251,
#     ~9 SE expected) and at 300 Hz z > 2 (~4 SE expected), the phase at
#     1000 Hz z > 3 (~5.5 SE expected);
#  4. the exact amplitude has levelled off above 300 Hz near its limit
#     (1 - q) w / L = 0.025, the diffusion one has not reached
#     (1 - q) w / ((1 + q) L) = 0.0167 (both from the theory's predictions).
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_pif_response.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
"$SF" compare examples/pif_response.yaml --out "$OUT" --quiet
"$PY" - "$OUT/compare.json" <<'PYEOF'
import json, sys
sys.dont_write_bytecode = True
sys.path.insert(0, "tests/validation")
from zcheck import check_of, find
d = json.load(open(sys.argv[1]))
assert d["family"] == "pif", d["family"]
Z = 4.0
bad = 0
def check(ok, msg):
    global bad
    print(("ok   " if ok else "FAIL ") + msg)
    bad += not ok
amp, ph = find(d, "transfer_amplitude", "P"), find(d, "transfer_phase", "P")
ampd, phd = find(d, "transfer_amplitude_diffusion", "P"), find(d, "transfer_phase_diffusion", "P")
f = amp["axis_values"]
check(f == [3, 30, 100, 300, 1000], "frequencies %s Hz" % f)
for q, what in ((amp, "|H|"), (ph, "arg H (deg)")):
    for k, fk in enumerate(f):
        c = check_of(q, k)
        check(c["sem"] > 0 and abs(c["z"]) <= Z,
              "%s at %g Hz: simulated %.4g +- %.2g, exact %.4g (z = %.2f)"
              % (what, fk, c["simulated"], c["sem"], c["predicted"], c["z"]))
c = check_of(ampd, 0)
check(abs(c["z"]) <= Z, "|H| at 3 Hz: diffusion %.4g agrees too (z = %.2f)" % (c["predicted"], c["z"]))
c = check_of(ampd, 4)
check(c["z"] > 5, "|H| at 1000 Hz: diffusion %.4g excluded (z = %.1f)" % (c["predicted"], c["z"]))
c = check_of(ampd, 3)
check(c["z"] > 2, "|H| at 300 Hz: diffusion %.4g excluded (z = %.1f)" % (c["predicted"], c["z"]))
c = check_of(phd, 4)
check(c["z"] > 3, "arg H at 1000 Hz: diffusion %.3g deg excluded (z = %.1f)" % (c["predicted"], c["z"]))
q, w, L = 0.5, 0.5, 10.0
check(abs(amp["predicted"][4] - (1 - q) * w / L) < 0.01 * (1 - q) * w / L,
      "exact |H(1000 Hz)| = %.5g near its limit (1 - q) w/L = %.4g" % (amp["predicted"][4], (1 - q) * w / L))
lim_d = (1 - q) * w / ((1 + q) * L)
check(ampd["predicted"][4] > 1.1 * lim_d,
      "diffusion |H(1000 Hz)| = %.5g still above its limit %.4g (f^-1/2 approach)" % (ampd["predicted"][4], lim_d))
print("%d failed" % bad)
sys.exit(1 if bad else 0)
PYEOF
