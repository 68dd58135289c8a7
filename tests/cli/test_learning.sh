#!/bin/sh
# The verbs on learning experiments (docs/learning.md): run writes
# learning.json, predict prediction.json (or --json), compare compare.json;
# the estimates are the same on 1 and 2 threads; an earlier run's folder is
# replaced only with --replace; SIGINT during training ends with exit 130
# and a complete learning.json that says it was interrupted.
# usage: tests/cli/test_learning.sh path/to/spikefield
SF=${1:-build/spikefield}
PY=/usr/bin/python3
. "$(dirname "$0")/lib.sh"

cat > "$T/cp.yaml" <<'YAML'
simulation: {seed: 4}
learning: {task: covariance_perceptron, seeds: 3, m: [8], steps: 50}
YAML
"$SF" run "$T/cp.yaml" --out "$T/r1" --threads 1 --quiet > "$T/out1" || fail "run"
grep -q "outputs: $T/r1/learning.json" "$T/out1" || fail "run prints its output"
"$SF" run "$T/cp.yaml" --out "$T/r2" --threads 2 --quiet > /dev/null || fail "run on 2 threads"
$PY - "$T/r1/learning.json" "$T/r2/learning.json" <<'PY' || fail "1 and 2 threads differ"
import json, sys
a, b = (json.load(open(p))["quantities"] for p in sys.argv[1:])
assert [(q["name"], q["value"], q["se"]) for q in a] == [(q["name"], q["value"], q["se"]) for q in b]
assert any(q["name"] == "capacity_mean[m=8]" for q in a)
PY
"$SF" run "$T/cp.yaml" --out "$T/r1" --quiet > /dev/null 2> "$T/err" && fail "an earlier run replaced without --replace"
grep -q -- "--replace" "$T/err" || fail "the refusal names --replace"
"$SF" run "$T/cp.yaml" --out "$T/r1" --quiet --replace > /dev/null || fail "--replace"
"$SF" predict "$T/cp.yaml" --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d["kind"] == "prediction"' ||
    fail "predict --json"
"$SF" predict "$T/cp.yaml" --out "$T/p" > "$T/pout" && [ -s "$T/p/prediction.json" ] || fail "predict"
grep -q "alpha_c_mean: 2" "$T/pout" || fail "predict prints Gardner's capacity"
"$SF" compare "$T/cp.yaml" --out "$T/c" > "$T/cout" && [ -s "$T/c/compare.json" ] && [ -s "$T/c/learning.json" ] ||
    fail "compare"
grep -q "capacity_mean\[m=8\]" "$T/cout" || fail "compare prints the table"

# SIGINT while training: exit 130, the set complete and marked interrupted
cat > "$T/long.yaml" <<'YAML'
learning: {task: origami, seeds: 2, layers: [64], epochs: 100000, train: 2000, test: 200, measure: [0, 100000]}
YAML
"$SF" run "$T/long.yaml" --out "$T/i" --quiet > /dev/null 2>&1 &
pid=$!
sleep 3
kill -INT $pid
wait $pid
rc=$?
[ "$rc" = 130 ] || fail "SIGINT: exit $rc, expected 130"
grep -q "interrupted" "$T/i/learning.json" 2>/dev/null || fail "SIGINT: learning.json says interrupted"
$PY -c "import json; d=json.load(open('$T/i/learning.json')); q={x['name']: x for x in d['quantities']}; assert 0 <= q['test_accuracy']['value'] <= 1" ||
    fail "SIGINT: what was learned is measured"
ls -a "$T/i" | grep -q '\.part' && fail "SIGINT: temporary files left"
[ "$fails" = 0 ] && echo "ok: learning verbs, threads, --replace, SIGINT"
exit $fails
