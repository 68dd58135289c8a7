#!/bin/sh
# `spikefield predict` and `compare` from the command line: outputs, JSON keys,
# bad frequency options, and a model the LIF theory does not cover.
# usage: tests/cli/test_predict.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
set -e
"$SF" predict examples/brunel.yaml --out "$T/p" --freq-range 1:300:30 > "$T/p.txt"
grep -q "fixed point: stable" "$T/p.txt"
"$SF" predict examples/brunel.yaml --json --freq 0,10,100 > "$T/p.json"
small="--set scale.neurons=0.2 --set simulation.duration=600 --set analysis.start=100"
"$SF" compare examples/brunel.yaml --out "$T/c" --quiet $small > "$T/c.txt"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
p = json.load(open(T + "/p/prediction.json"))
for pop in ("E", "I"):
    q = p["populations"][pop]
    for k in ("rate_Hz", "mu_mV", "sigma_mV", "cv_isi"):
        assert k in q, k
    assert 30 < q["rate_Hz"] < 45, q
assert len(p["spectra"]["freq_Hz"]) == 30 and len(p["spectra"]["power"]["E"]) == 30
assert len(p["transfer"]["E"]["re"]) == 30
j = json.load(open(T + "/p.json"))
# H(0) is d rate / d mu: real and positive
assert j["transfer"]["E"]["im"][0] == 0 or abs(j["transfer"]["E"]["im"][0]) < 1e-9
assert j["transfer"]["E"]["re"][0] > 0
c = json.load(open(T + "/c/compare.json"))
r = c["populations"]["E"]["rate_Hz"]
for k in ("simulated", "sem", "predicted", "z", "verdict"):
    assert k in r, k
assert r["verdict"] in ("agree", "differ")
assert len(c["spectra"]["freq_Hz"]) > 10
svg = open(T + "/c/compare.svg").read()
assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
print("ok: predict/compare outputs")
PY
set +e
fails=0
"$SF" predict examples/brunel.yaml --freq 10,abc > /dev/null 2> "$T/e1"; rc=$?
[ $rc = 2 ] && grep -q "expected comma-separated frequencies" "$T/e1" || { echo "FAIL bad --freq ($rc): $(cat "$T/e1")"; fails=1; }
"$SF" predict examples/brunel.yaml --freq-range 5:1:3 > /dev/null 2> "$T/e2"; rc=$?
[ $rc = 2 ] && grep -q "a:b:n" "$T/e2" || { echo "FAIL bad --freq-range ($rc)"; fails=1; }
"$SF" predict examples/pif_poisson.yaml --out "$T/x" > /dev/null 2> "$T/e3"; rc=$?
[ $rc = 1 ] && grep -q "population P uses model pif_psc_delta" "$T/e3" && [ ! -e "$T/x" ] || { echo "FAIL uncovered model ($rc): $(cat "$T/e3")"; fails=1; }
[ $fails = 0 ] && echo "ok: predict errors"
[ $fails = 0 ]
