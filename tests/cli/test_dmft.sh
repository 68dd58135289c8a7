#!/bin/sh
# The dmft family through the command (issue 15): predict on the two chaos
# examples, a refusal naming its reason, and a small compare.
# Reference: Delta(0) = 1.92481 for g = 2, D = 0 (science notes theory.md
# section 1c, an independent script); the signs of the Lyapunov exponent
# (chaotic at g = 2, D = 0; not chaotic but locally expanding at g = 1.75,
# D = 1, Schuecker et al. 2018).
set -u
SF=${1:-build/spikefield}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/sf_dmft.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$SF" predict examples/chaos_tanh.yaml --out "$T/a" -q >/dev/null 2>&1 || fail "predict chaos_tanh"
"$SF" predict examples/chaos_noise.yaml --out "$T/b" -q >/dev/null 2>&1 || fail "predict chaos_noise"
"$PY" - "$T/a/prediction.json" "$T/b/prediction.json" <<'PYEOF' || exit 1
import json, sys
def get(path):
    d = json.load(open(path))
    assert d["family"] == "dmft", d["family"]
    return {q["name"]: q.get("value") for q in d["quantities"]}
a, b = get(sys.argv[1]), get(sys.argv[2])
ok = abs(a["delta0"] - 1.92481) < 1e-5 and a["lyapunov"] > 0
ok = ok and b["lyapunov"] < 0 and b["local_stability"] > 1
print("ok" if ok else "FAIL", "delta0", a["delta0"], "lyapunov", a["lyapunov"], b["lyapunov"])
sys.exit(0 if ok else 1)
PYEOF
msg=$("$SF" predict examples/chaos_tanh.yaml --out "$T/c" -q \
      --set populations.X.params.linear_summation=1 2>&1) && fail "linear_summation 1 accepted"
echo "$msg" | grep -q "linear_summation: 0" || fail "refusal does not name linear_summation: $msg"
"$SF" compare examples/chaos_tanh.yaml --out "$T/d" -q --set populations.X.n=100 \
    --set recorders.x.n=100 --set simulation.duration=120.0 --set analysis.start=10.0 \
    >/dev/null 2>&1 || fail "compare"
"$PY" - "$T/d/compare.json" <<'PYEOF' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
names = {q["name"] for q in d["quantities"]}
ok = {"delta0", "autocorr", "lyapunov"} <= names
print("ok: compare has", sorted(names)) if ok else print("FAIL: compare has", sorted(names))
sys.exit(0 if ok else 1)
PYEOF
echo "ok: dmft"
