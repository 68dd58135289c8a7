#!/bin/sh
# The conductance-based example examples/cobavogels.yaml (Vogels & Abbott
# 2005 COBA network, iaf_cond_exp): it runs, its self-sustained activity
# stays in the band of the full runs (spikefield and Brian2 over 5 networks,
# 200-1000 ms: 16.5-21.6 Hz; docs/neuron-models.md), and the spikes are
# bit-identical for 1 and 3 threads.
# usage: tests/cli/test_coba.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
set -e
M=examples/cobavogels.yaml
short="--set simulation.duration=400 --set analysis.start=200"
"$SF" run $M --threads 1 --out "$T/t1" --quiet $short > /dev/null
"$SF" run $M --threads 3 --out "$T/t3" --quiet $short > /dev/null
/usr/bin/python3 "$(dirname "$0")/h5same.py" "$T/t1/spikes.h5" "$T/t3/spikes.h5"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/t1/summary.json"))
for p in ("E", "I"):
    q = s["populations"][p]
    assert q["model"] == "iaf_cond_exp", q["model"]
    assert 10.0 < q["rate_Hz"] < 30.0, (p, q["rate_Hz"])
PY
