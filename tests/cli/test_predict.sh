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
# theory.method (docs/model-format.md): the Taylor rates of the microcircuit
# (docs/theory.md, "Reference results"); an unknown method is refused
"$SF" predict examples/microcircuit.yaml --json --set theory.method=taylor > "$T/mt.json"
"$SF" predict examples/microcircuit.yaml --json --set theory.method=shift > "$T/ms.json"
if "$SF" predict examples/microcircuit.yaml --set theory.method=bogus > "$T/bad.txt" 2>&1; then
    echo "theory.method=bogus accepted"; exit 1
fi
grep -q "unknown theory method 'bogus'" "$T/bad.txt"
small="--set scale.neurons=0.2 --set simulation.duration=600 --set analysis.start=100"
"$SF" compare examples/brunel.yaml --out "$T/c" --quiet $small > "$T/c.txt"
# never nan (issue 8): the short run has no spectral SE, the table says how
# long to run instead
if grep -qiw nan "$T/c.txt" "$T/p.txt"; then echo "nan in a table"; grep -iw nan "$T/c.txt" "$T/p.txt"; exit 1; fi
grep -q "run for at least 1.124 s" "$T/c.txt"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
def q(d, name, *pops):
    """The quantity (name, populations) of a quantity list (docs/predict-compare.md)."""
    hits = [x for x in d["quantities"] if x["name"] == name and x["populations"] == list(pops)]
    assert len(hits) == 1, (name, pops, len(hits))
    return hits[0]
p = json.load(open(T + "/p/prediction.json"))
assert p["kind"] == "prediction"
for pop in ("E", "I"):
    for k in ("rate", "mu", "sigma", "cv_isi"):
        q(p, k, pop)
    assert 30 < q(p, "rate", pop)["value"] < 45, q(p, "rate", pop)
assert len(q(p, "spectrum", "E")["axis_values"]) == 30 and len(q(p, "spectrum", "E")["values"]) == 30
assert len(q(p, "transfer", "E")["values"]) == 30
assert len(q(p, "cross_spectrum", "E", "I")["values"]) == 30
j = json.load(open(T + "/p.json"))
# H(0) is d rate / d mu: real and positive
h0 = q(j, "transfer", "E")["values"][0]
assert h0[1] == 0 or abs(h0[1]) < 1e-9
assert h0[0] > 0
# the microcircuit rates of docs/theory.md "Reference results", with the
# model's weight spread (sd 10 % of the mean: E[J^2] = 1.01 J^2) in sigma
for f, want in (("/mt.json", [0.7111, 2.7538, 4.5619, 5.7950, 7.2758, 8.4762, 1.0649, 7.6663]),
                ("/ms.json", [0.7564, 2.7998, 4.4403, 5.8302, 7.1532, 8.4786, 1.1614, 7.7653])):
    got = [x["value"] for x in json.load(open(T + f))["quantities"] if x["name"] == "rate"]
    assert all(abs(g - w) <= 1e-4 for g, w in zip(got, want)) and len(got) == 8, (f, got)
c = json.load(open(T + "/c/compare.json"))
assert c["kind"] == "comparison"
r = q(c, "rate", "E")
for k in ("value", "se", "predicted", "z", "verdict"):
    assert k in r, k
assert r["verdict"] in ("agree", "agree within theory accuracy", "differ")
assert len(q(c, "spectrum", "E")["axis_values"]) > 10
q(c, "cross_spectrum", "E", "I")
import os
# the figures come from the Python package (tests/cli/test_plot.sh, tests/python/test_plot.py)
assert not os.path.exists(T + "/c/compare.svg")
for f in ("compare", "spectra", "raster"):
    assert open(T + "/c/figures/" + f + ".png", "rb").read(8) == b"\x89PNG\r\n\x1a\n", f
print("ok: predict/compare outputs")
PY
set +e
fails=0
"$SF" predict examples/brunel.yaml --freq 10,abc > /dev/null 2> "$T/e1"; rc=$?
[ $rc = 2 ] && grep -q "expected comma-separated frequencies" "$T/e1" || { echo "FAIL bad --freq ($rc): $(cat "$T/e1")"; fails=1; }
"$SF" predict examples/brunel.yaml --freq-range 5:1:3 > /dev/null 2> "$T/e2"; rc=$?
[ $rc = 2 ] && grep -q "a:b:n" "$T/e2" || { echo "FAIL bad --freq-range ($rc)"; fails=1; }
printf "simulation: {duration: 10.0}\npopulations:\n  R: {model: tanh_rate, n: 5}\n" > "$T/tanh.yaml"
"$SF" predict "$T/tanh.yaml" --out "$T/x" > /dev/null 2> "$T/e3"; rc=$?
[ $rc = 1 ] && grep -q "population R uses model tanh_rate" "$T/e3" && [ ! -e "$T/x" ] || { echo "FAIL uncovered model ($rc): $(cat "$T/e3")"; fails=1; }
# compare refuses a model no theory describes before simulating it (no
# output directory, no "building" line, within a second)
"$SF" compare "$T/tanh.yaml" --out "$T/xc" > /dev/null 2> "$T/e4"; rc=$?
[ $rc = 1 ] && grep -q "nothing simulated" "$T/e4" && grep -q "population R uses model tanh_rate" "$T/e4" \
  && ! grep -q "building" "$T/e4" && [ ! -e "$T/xc" ] || { echo "FAIL compare uncovered model ($rc): $(cat "$T/e4")"; fails=1; }
# the correlation models: working point and zero-lag covariances
for e in binary_ei hawkes_ei ou_ei pif_poisson; do
  "$SF" predict examples/$e.yaml --json > "$T/$e.json" 2> "$T/$e.err" || { echo "FAIL predict $e: $(cat "$T/$e.err")"; fails=1; }
done
/usr/bin/python3 - "$T" <<'PY' || fails=1
import json, sys
T = sys.argv[1]
def q(d, name, *pops):
    hits = [x for x in d["quantities"] if x["name"] == name and x["populations"] == list(pops)]
    assert len(hits) == 1, (name, pops, len(hits))
    return hits[0]["value"]
b = json.load(open(T + "/binary_ei.json"))
assert b["family"] == "binary" and 0 < q(b, "activity", "E") < 1
# Helias et al. 2014: with inhibition-dominated feedback c_EE > c_EI > c_II
c = {"-".join(x["populations"]): x["value"] for x in b["quantities"] if x["name"] == "cov_pair"}
assert c["E-E"] > c["E-I"] > c["I-I"], c
h = json.load(open(T + "/hawkes_ei.json"))
assert abs(q(h, "rate", "E") - 10) < 1e-9      # the example is built for 10 Hz
p = json.load(open(T + "/pif_poisson.json"))
assert q(p, "density_below_threshold_exact", "P") > 0.01 and q(p, "density_below_threshold_diffusion", "P") < 1e-6
print("ok: predict for binary, hawkes, lin_rate, pif")
PY
[ $fails = 0 ] && echo "ok: predict errors"
[ $fails = 0 ]
