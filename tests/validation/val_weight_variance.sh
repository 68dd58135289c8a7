#!/bin/sh
# Issue 8, defect 5: heterogeneous weights enter the LIF input variance with
# their mean square, sigma^2 = tau sum_b K_ab E[J^2] nu_b + ..., not J^2.
# Design: sources S (4000 iaf_psc_delta, Poisson-driven, ~7 Hz) project onto
# targets T (2000) with K = 2000 distinct inputs each (multapses: false)
# and weights J = 0.05 mV constant (homo) or normal(0.05, 0.1) mV (het:
# E[J^2] = 5 J^2); T gets Poisson input as well (1000 Hz x 0.2 mV). The
# mean input is the same in both; the temporal variance differs. The
# quenched (frozen) spread of the mean input across T neurons is small here
# (sd 0.63 mV: tau nu_S = 0.14 of the variance term; +1.7 % on the rate by
# averaging the Siegert rate over it), so the rate tests the sigma term.
# References: the Siegert rate of T, written out in Python (scipy quad),
# at the simulated source rate. Measured (seed 1, 10 s, 2026-12-01): S 7.11
# Hz (theory 7.06); T homo 3.47 Hz (3.53, -1.6 %), T het 9.05 Hz (9.32,
# -2.9 %); the squared-mean sigma would predict 3.53 Hz for het (-61 %).
# Tolerance 5 %: the diffusion approximation's stated accuracy at these PSP
# sizes (4 %, docs/theory.md "Validated accuracy") plus the SE (<1 %).
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
set -e
for v in homo het; do
  if [ $v = homo ]; then w="0.05"; else w="{distribution: normal, mean: 0.05, std: 0.1}"; fi
  cat > "$T/$v.yaml" <<YAML
simulation: {resolution: 0.1, duration: 10100.0, seed: 1, threads: 2}
analysis: {start: 100.0, bin: 10.0, pairs: 100}
populations:
  S:
    model: iaf_psc_delta
    n: 4000
    params: &lif {E_L: 0.0, V_th: 20.0, V_reset: 10.0, tau_m: 20.0, t_ref: 2.0, C_m: 250.0}
    initial: &v0 {V_m: {distribution: uniform, low: 0.0, high: 20.0}}
  T: {model: iaf_psc_delta, n: 2000, params: *lif, initial: *v0}
projections:
  ST: {source: S, target: T, rule: fixed_indegree, indegree: 2000, weight: $w, delay: 1.5, multapses: false}
inputs:
  bgS: {kind: poisson, targets: [S], rate: 4500.0, weight: 0.2}
  bgT: {kind: poisson, targets: [T], rate: 1000.0, weight: 0.2}
recorders:
  spikes: {kind: spikes, populations: [S, T]}
YAML
  "$SF" compare "$T/$v.yaml" --quiet --out "$T/$v" > "$T/$v.txt"
done
cat "$T/homo.txt" "$T/het.txt"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
import numpy as np
from scipy.integrate import quad
from scipy.special import erfcx
T = sys.argv[1]
def q(v, name, pop):
    d = json.load(open(f"{T}/{v}/compare.json"))
    return [x for x in d["quantities"] if x["name"] == name and x["populations"] == [pop]][0]
def siegert(mu, s, th=20.0, vr=10.0, tau=20e-3, tref=2e-3):
    I = quad(lambda u: erfcx(-u), (vr - mu) / s, (th - mu) / s, limit=200)[0]
    return 1 / (tref + tau * np.sqrt(np.pi) * I)
bad = []
for v, J2 in (("homo", 0.05**2), ("het", 0.05**2 + 0.1**2)):
    s = q(v, "rate", "S")
    rel = (s["value"] - s["predicted"]) / s["predicted"]
    print(f"{v} S: sim {s['value']:.4f} +- {s['se']:.4f}, theory {s['predicted']:.4f} ({rel:+.2%})")
    if abs(rel) > 0.03: bad.append((v, "S", rel))
    nu = s["value"]
    mu = 0.02 * (2000 * 0.05 * nu + 1000 * 0.2)
    ref = siegert(mu, np.sqrt(0.02 * (2000 * J2 * nu + 1000 * 0.04)))
    old = siegert(mu, np.sqrt(0.02 * (2000 * 0.05**2 * nu + 1000 * 0.04)))
    t = q(v, "rate", "T")
    rel = (t["value"] - ref) / ref
    print(f"{v} T: sim {t['value']:.4f} +- {t['se']:.4f}, theory at the simulated source rate "
          f"{ref:.4f} ({rel:+.2%}); squared-mean sigma {old:.4f}; spikefield predicts {t['predicted']:.4f}")
    if abs(rel) > 0.05: bad.append((v, "T", rel))
    if v == "het" and not abs(t["value"] - old) / old > 0.5: bad.append(("het", "not distinguished", old))
if bad:
    print("FAILED:", bad); sys.exit(1)
print("ok: the weight variance enters sigma as the mean square weight")
PY
