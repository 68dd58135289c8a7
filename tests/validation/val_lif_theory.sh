#!/bin/sh
# Issue 3 validation: LIF mean-field theory against simulation.
#  - Brunel model A (g = 5, eta = 2), 10 s: predicted and simulated rates
#    agree to 3 %. Measured (seed 1, 2026-11-28): simulated 37.40 Hz, predicted
#    37.95 Hz, -1.4 %. The remaining difference is systematic, not statistical
#    (SE 0.03 Hz): the diffusion approximation ignores the finite PSP size
#    (J = 0.1 mV, inhibitory 0.5 mV); for independent neurons with the same
#    Poisson input the simulation gives 36.5 Hz (-3.6 %), so 3 % is the known
#    accuracy of the approximation here, not a tuned number.
#  - The CV is NOT asserted: the recurrent spike trains are far more regular
#    (CV 0.43) than the Poisson input the theory assumes, and the theory's CV
#    (0.675) is that of a neuron with Poisson input; for independent neurons
#    with Poisson input the simulation gives CV 0.665 (asserted to 5 %).
#  - Potjans-Diesmann microcircuit, full scale, 1 s: every population within
#    10 % where the rate is above 2 Hz and 25 % below (low rates sit in the
#    fluctuation-driven tail where the diffusion approximation is least
#    accurate). Measured: L23E +19 %, L23I +6.8 %, L4E -0.6 %, L4I +1.0 %,
#    L5E +9.0 %, L5I +2.3 %, L6E -4.2 %, L6I +1.3 % (simulated vs predicted).
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
set -e
"$SF" compare examples/brunel.yaml --quiet --out "$T/brunel" --set simulation.duration=10000 > "$T/brunel.txt"
cat > "$T/ind.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 10000.0, seed: 3, threads: 2}
analysis: {start: 100.0, bin: 10.0, pairs: 100}
populations:
  E:
    model: iaf_psc_delta
    n: 2000
    params: {E_L: 0.0, V_th: 20.0, V_reset: 10.0, tau_m: 20.0, t_ref: 2.0, C_m: 250.0}
    initial: {V_m: {distribution: uniform, low: 0.0, high: 20.0}}
inputs:
  ex: {kind: poisson, targets: E, rate: 57949.7, weight: 0.1}
  in: {kind: poisson, targets: E, rate: 9487.4, weight: -0.5}
YAML
"$SF" compare "$T/ind.yaml" --quiet --out "$T/ind" > "$T/ind.txt"
"$SF" compare examples/microcircuit.yaml --quiet --out "$T/mc" > "$T/mc.txt"
cat "$T/brunel.txt" "$T/ind.txt" "$T/mc.txt"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
def pops(name):
    """{population: {quantity: {simulated, predicted}}} from the comparison list."""
    out = {}
    for q in json.load(open(f"{T}/{name}/compare.json"))["quantities"]:
        if len(q["populations"]) == 1 and "value" in q:
            out.setdefault(q["populations"][0], {})[q["name"]] = {"simulated": q["value"], "predicted": q["predicted"]}
    return out
bad = []
for p, v in pops("brunel").items():
    r = v["rate"]; rel = (r["simulated"] - r["predicted"]) / r["predicted"]
    print(f"brunel {p}: rate sim {r['simulated']:.3f} pred {r['predicted']:.3f} rel {rel:+.3%}")
    if abs(rel) > 0.03: bad.append(("brunel", p, rel))
v = pops("ind")["E"]
for q, tol in (("rate", 0.05), ("cv_isi", 0.05)):
    rel = (v[q]["simulated"] - v[q]["predicted"]) / v[q]["predicted"]
    print(f"independent {q}: sim {v[q]['simulated']:.4f} pred {v[q]['predicted']:.4f} rel {rel:+.3%}")
    if abs(rel) > tol: bad.append(("independent", q, rel))
for p, v in pops("mc").items():
    r = v["rate"]; rel = (r["simulated"] - r["predicted"]) / r["predicted"]
    tol = 0.10 if r["predicted"] > 2 else 0.25
    print(f"microcircuit {p}: sim {r['simulated']:.3f} pred {r['predicted']:.3f} rel {rel:+.3%} (tol {tol:.0%})")
    if abs(rel) > tol: bad.append(("microcircuit", p, rel))
if bad:
    print("FAILED:", bad); sys.exit(1)
print("ok: LIF theory agrees with simulation within the stated accuracy")
PY
