#!/bin/sh
# A/B timing of two spikefield binaries on one model, interleaved
# (A, B, A, B, ...) so that both see the same machine load; never part of
# the test pass/fail.
#
#   usage: sh bench/ab.sh A_BIN B_BIN MODEL PAIRS [--set ...]
#   e.g.   git worktree add /tmp/old HEAD~1 && make -C /tmp/old all
#          sh bench/ab.sh /tmp/old/build/spikefield build/spikefield examples/brunel.yaml 5
#
# Prints one JSON line per run (simulate_s, build_s, cpu_s, 1-minute load)
# and a closing line with the medians and the ratio B/A of the median
# simulate times. BENCH_THREADS sets the threads (default 2); the model runs
# for 1000 ms unless a --set says otherwise.
set -u
[ $# -ge 4 ] || { echo "usage: sh bench/ab.sh A_BIN B_BIN MODEL PAIRS [--set ...]" >&2; exit 2; }
A=$1 B=$2 MODEL=$3 PAIRS=$4
shift 4
THREADS=${BENCH_THREADS:-2}
PY=/usr/bin/python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spikefield-ab.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
i=1
while [ "$i" -le "$PAIRS" ]; do
    for v in A B; do
        bin=$A
        [ "$v" = B ] && bin=$B
        load=$(cut -d' ' -f1 /proc/loadavg)
        rm -rf "$TMP/out"
        "$bin" run "$MODEL" --quiet --threads "$THREADS" --out "$TMP/out" \
            --set simulation.duration=1000.0 "$@" >/dev/null 2>"$TMP/err" ||
            { echo "bench/ab.sh: $bin failed: $(tail -1 "$TMP/err")" >&2; exit 1; }
        "$PY" - "$TMP/out/summary.json" "$v" "$i" "$load" <<'PYEOF' | tee -a "$TMP/lines"
import json, sys
s = json.load(open(sys.argv[1]))
t = s["timing"]
print(json.dumps({"run": sys.argv[2], "pair": int(sys.argv[3]), "simulate_s": round(t["simulate_s"], 3),
                  "build_s": round(t["build_s"], 3), "cpu_s": round(t["cpu_s"], 3),
                  "load_avg_1min": float(sys.argv[4])}))
PYEOF
    done
    i=$((i + 1))
done
"$PY" - "$TMP/lines" <<'PYEOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = {v: statistics.median(r["simulate_s"] for r in runs if r["run"] == v) for v in "AB"}
cpu = {v: statistics.median(r["cpu_s"] for r in runs if r["run"] == v) for v in "AB"}
print(json.dumps({"median_simulate_s": med, "median_cpu_s": cpu,
                  "ratio_B_over_A": round(med["B"] / med["A"], 4),
                  "ratio_cpu_B_over_A": round(cpu["B"] / cpu["A"], 4)}))
PYEOF
