#!/bin/sh
# Benchmarks (never part of the test pass/fail): runs published networks
# through the CLI and prints one JSON object per line on stdout.
#
#   usage: sh bench/run.sh [BUILD_DIR]        (make bench runs it with build/)
#   BENCH_QUICK=1   skip the full-scale microcircuit (~3 GB, about a minute)
#   BENCH_THREADS   threads for every run (default 2)
#   BENCH_VALGRIND=0  skip the instruction counts (callgrind, about a minute)
#
# Lines: one per network (brunel, brunel_hetero: drawn weights and delays,
# brunel_100k: N = 100,000 at the same in-degrees, microcircuit_0.1,
# microcircuit_1.0), "hetero_ratio" and "n_scaling" (ratios of the lines
# before), then "spin_check" (Brunel with a competing CPU-bound process),
# "instructions", "instructions_hetero", "instructions_microcircuit" (under
# callgrind, where valgrind is installed), then the bench_*
# programs (bench_drive: ns per neuron-step of the drive and the update). Every line holds
# the measured numbers, the targets and whether they are met ("ok"); see
# docs/benchmarks.md for what each number means. Progress goes to stderr.
set -u
BUILD=${1:-build}
SF=$BUILD/spikefield
PY=/usr/bin/python3
THREADS=${BENCH_THREADS:-2}
QUICK=${BENCH_QUICK:-0}

if [ ! -x "$SF" ]; then
    echo "bench/run.sh: $SF not found; run make first" >&2
    exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spikefield-bench.XXXXXX") || exit 1
BUSY=""
cleanup() {
    [ -n "$BUSY" ] && kill "$BUSY" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }

# Idle CPUs (in cores) over the next second: what other processes leave us.
idle_cores() {
    "$PY" -c '
import os, time
def rd():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return v[3] + v[4], sum(v)
i0, t0 = rd(); time.sleep(1); i1, t1 = rd()
print(round((i1 - i0) / max(t1 - t0, 1) * os.cpu_count(), 2))'
}

# Summarises one run as a JSON line.
# usage: report NAME MODEL OUTDIR WALL_S RC TARGETS_JSON [EXTRA_JSON]
report() {
    "$PY" - "$@" <<'EOF'
import json, os, re, sys
name, model, out, wall, rc, targets = sys.argv[1:7]
extra = json.loads(sys.argv[7]) if len(sys.argv) > 7 else {}
targets = json.loads(targets)
line = {"name": name, "model": model}
line.update(extra)
path = os.path.join(out, "summary.json")
if rc != "0" or not os.path.exists(path):
    err = ""
    try:
        err = open(os.path.join(out, "..", name + ".stderr")).read().strip()
    except OSError:
        pass
    line.update({"error": "spikefield exited with status %s" % rc, "stderr": err[-500:]})
    print(json.dumps(line))
    sys.exit(0)
s = json.load(open(path))
tm, net, pops = s["timing"], s["network"], s["populations"]
T = s["t_end_ms"] * 1e-3
# Source population of every projection: from summary.json when it says so
# ({"synapses": .., "source": ..}), else from the model file (the key
# "source:" that follows the projection's name under "projections:").
text = open(model).read()
ptext = text[text.find("\nprojections:"):]
events = 0.0
for pname, v in net["projections"].items():
    if isinstance(v, dict):
        nsyn, src = v["synapses"], v["source"]
    else:
        nsyn = v
        m = re.search(r"\n\s+%s\s*:" % re.escape(pname), ptext)
        m = m and re.compile(r"source:\s*([^\s,}]+)").search(ptext, m.end())
        if not m:
            line["error"] = "cannot find the source of projection %s" % pname
            break
        src = m.group(1)
    if nsyn:
        events += pops[src]["spikes"] * nsyn / pops[src]["n"]
sim = tm["simulate_s"]
line.update({
    "neurons": net["neurons"],
    "synapses": net["synapses"],
    "model_time_s": T,
    "threads": s["threads"],
    "build_s": round(tm["build_s"], 3),
    "simulate_s": round(sim, 3),
    "real_time_factor": round(tm["real_time_factor"], 3),
    "cpu_s": round(tm["cpu_s"], 3),
    "total_wall_s": round(float(wall), 3),
    "spikes": sum(p["spikes"] for p in pops.values()),
    "syn_events": int(round(events)),
    "syn_events_per_s": float("%.4g" % (events / sim)) if sim > 0 else None,
    "ns_per_syn_event_thread": round(sim * s["threads"] / events * 1e9, 2) if events else None,
    "cpu_ns_per_event": round(tm["cpu_s"] / events * 1e9, 2) if events else None,
    "peak_rss_bytes": tm["peak_rss_bytes"],
    "peak_rss_GB": round(tm["peak_rss_bytes"] / 1e9, 3),
    "bytes_per_synapse": round(net["bytes_per_synapse"], 3),
    "cpu_per_simulate": round(tm["cpu_s"] / sim, 3) if sim > 0 else None,
    "rates_Hz": {p: None if v["rate_Hz"] is None else round(v["rate_Hz"], 3)
                 for p, v in pops.items()},
})
# instruction counts (callgrind, one thread): per event for the whole loop,
# per neuron-step for the drive (all inputs' apply) and the neuron update
if "instr_loop" in extra:
    h = float(re.search(r"resolution:\s*([0-9.eE+-]+)", text).group(1))
    nsteps = net["neurons"] * round(s["t_end_ms"] / h)
    line["instructions_per_event"] = round(extra["instr_loop"] / events, 2) if events else None
    line["drive_instructions_per_neuron_step"] = round(extra["instr_drive"] / nsteps, 2)
    line["update_instructions_per_neuron_step"] = round(extra["instr_update"] / nsteps, 2)
    line["deliver_instructions_per_event"] = round(extra["instr_deliver"] / events, 2) if events else None
    # times under valgrind mean nothing
    for k in ("build_s", "simulate_s", "real_time_factor", "cpu_s", "total_wall_s",
              "syn_events_per_s", "ns_per_syn_event_thread", "cpu_ns_per_event",
              "cpu_per_simulate", "peak_rss_bytes", "peak_rss_GB"):
        line.pop(k, None)
ok = {}
if "build_s_max" in targets:
    ok["build"] = tm["build_s"] <= targets["build_s_max"]
if "simulate_s_max" in targets:
    ok["simulate"] = sim <= targets["simulate_s_max"]
if "rtf_max" in targets:
    ok["real_time_factor"] = tm["real_time_factor"] <= targets["rtf_max"]
if "cpu_ns_per_event_max" in targets and events:
    ok["cpu_ns_per_event"] = tm["cpu_s"] / events * 1e9 <= targets["cpu_ns_per_event_max"]
if "peak_rss_GB_max" in targets:
    ok["peak_rss"] = tm["peak_rss_bytes"] / 1e9 <= targets["peak_rss_GB_max"]
line["targets"] = targets
line["ok"] = ok
print(json.dumps(line))
EOF
}

# Runs one network. usage: bench NAME MODEL TARGETS_JSON [--set ...]
bench() {
    name=$1 model=$2 targets=$3
    shift 3
    echo "bench: $name ..." >&2
    idle=$(idle_cores)
    t0=$(now)
    "$SF" run "$model" --quiet --threads "$THREADS" --out "$TMP/$name" \
        --set simulation.duration=1000.0 "$@" >/dev/null 2>"$TMP/$name.stderr"
    rc=$?
    t1=$(now)
    wall=$("$PY" -c "print($t1 - $t0)")
    report "$name" "$model" "$TMP/$name" "$wall" "$rc" "$targets" \
        "{\"idle_cores_before\": $idle, \"load_avg_1min\": $(cut -d' ' -f1 /proc/loadavg)}"
}

# targets of issue 11 (docs/benchmarks.md, Targets)
BRUNEL_T='{"simulate_s_max": 1.0, "build_s_max": 1.0, "cpu_ns_per_event_max": 3.0, "nest_simulate_s": 27.6, "nest_build_s": 4.7}'
bench brunel examples/brunel.yaml "$BRUNEL_T" >"$TMP/brunel.json"
cat "$TMP/brunel.json"
# Brunel with heterogeneous synapses: weights normal with 10 % std (sign
# kept), delays uniform in [1.5, 3] ms (the same smallest delay, so the same
# communication interval as brunel); targets: 1.3x brunel's CPU time per
# event, 6 bytes per synapse
hetero() { # runs "$@" with the settings of brunel_hetero added
    "$@" --set 'projections.EE.weight={distribution: normal, mean: 0.1, std: 0.01, min: 0.0}' \
        --set 'projections.EI.weight={distribution: normal, mean: 0.1, std: 0.01, min: 0.0}' \
        --set 'projections.IE.weight={distribution: normal, mean: -0.5, std: 0.05, max: 0.0}' \
        --set 'projections.II.weight={distribution: normal, mean: -0.5, std: 0.05, max: 0.0}' \
        --set 'projections.EE.delay={distribution: uniform, low: 1.5, high: 3.0}' \
        --set 'projections.EI.delay={distribution: uniform, low: 1.5, high: 3.0}' \
        --set 'projections.IE.delay={distribution: uniform, low: 1.5, high: 3.0}' \
        --set 'projections.II.delay={distribution: uniform, low: 1.5, high: 3.0}'
}
hetero bench brunel_hetero examples/brunel.yaml '{}' >"$TMP/hetero.json"
cat "$TMP/hetero.json"
bench brunel_100k examples/brunel.yaml '{}' --set populations.E.n=80000 \
    --set populations.I.n=20000 >"$TMP/n100k.json"
cat "$TMP/n100k.json"
# ratios of CPU time per synaptic event (the runs above, one after another)
"$PY" - "$TMP/brunel.json" "$TMP/hetero.json" "$TMP/n100k.json" <<'EOF'
import json, sys
b, h, n = (json.loads(open(p).read()) for p in sys.argv[1:4])
def ratio(x, y, k):
    return round(x[k] / y[k], 3) if x.get(k) and y.get(k) else None
r = ratio(h, b, "cpu_ns_per_event")
bps = h.get("bytes_per_synapse")
print(json.dumps({"name": "hetero_ratio", "cpu_ns_per_event_ratio": r,
                  "simulate_ratio": ratio(h, b, "simulate_s"), "bytes_per_synapse": bps,
                  "targets": {"ratio_max": 1.3, "bytes_per_synapse_max": 6.0},
                  "ok": {"ratio": r is not None and r <= 1.3,
                         "bytes_per_synapse": bps is not None and bps <= 6.0}}))
g = ratio(n, b, "cpu_ns_per_event")
print(json.dumps({"name": "n_scaling", "n": [12500, 100000], "cpu_ns_per_event_ratio": g,
                  "targets": {"ratio_max": 1.1}, "ok": {"ratio": g is not None and g <= 1.1}}))
EOF
bench microcircuit_0.1 examples/microcircuit.yaml '{}' --set scale.neurons=0.1
if [ "$QUICK" = 1 ]; then
    echo '{"name": "microcircuit_1.0", "skipped": "BENCH_QUICK=1"}'
else
    bench microcircuit_1.0 examples/microcircuit.yaml \
        '{"peak_rss_GB_max": 2.0, "rtf_max": 6.0, "build_s_max": 6.0, "nest_rtf": 250.0}'
fi

# Spin check: Brunel again, unloaded and then with one busy-looping process
# competing for the CPUs. With THREADS = number of cores, idle cores and one
# competitor, fair sharing predicts a slowdown of (THREADS + 1) / THREADS (1.5
# for 2 threads on 2 cores; less when other processes already run, see
# fair_share_slowdown); a spinning barrier would be many times slower, since a
# thread that is descheduled while the other spins stalls both. "meaningful"
# is false when other processes kept the cores busy before the check.
echo "bench: spin check ..." >&2
IDLE=$(idle_cores)
bench spin_unloaded examples/brunel.yaml '{}' >"$TMP/unloaded.json"
sh -c 'while :; do :; done' &
BUSY=$!
bench spin_loaded examples/brunel.yaml '{}' >"$TMP/loaded.json"
kill "$BUSY" 2>/dev/null
wait "$BUSY" 2>/dev/null
BUSY=""
"$PY" - "$TMP/unloaded.json" "$TMP/loaded.json" "$(nproc)" "$THREADS" "$IDLE" <<'EOF'
import json, sys
u, l = (json.loads(open(p).read()) for p in sys.argv[1:3])
cores, threads, idle = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
line = {"name": "spin_check", "model": u.get("model"), "cores": cores, "threads": threads}
if "error" in u or "error" in l:
    line["error"] = u.get("error") or l.get("error")
else:
    # fair CPU share of our threads with `others` busy processes besides us,
    # before and after adding the busy loop
    others = max(cores - idle, 0.0)
    share = lambda o: threads * min(1.0, cores / (threads + o))
    fair = share(others) / share(others + 1)
    slow = l["simulate_s"] / u["simulate_s"]
    line.update({
        "simulate_s_unloaded": u["simulate_s"], "simulate_s_loaded": l["simulate_s"],
        "cpu_per_simulate_unloaded": u["cpu_per_simulate"],
        "cpu_per_simulate_loaded": l["cpu_per_simulate"],
        "slowdown": round(slow, 3), "fair_share_slowdown": round(fair, 3),
        # the comparison needs otherwise idle cores: with other work running
        # the "unloaded" run is loaded too
        "idle_cores_before": idle,
        "meaningful": idle >= min(threads, cores) - 0.25,
        "targets": {"slowdown_max": round(2 * fair, 3)},
        "ok": {"slowdown": slow <= 2 * fair},
    })
print(json.dumps(line))
EOF

# Instruction counts, steadier than wall time on a shared machine: each
# network on one thread under callgrind, counted inside sf_engine_run only;
# the drive is every input type's apply, the update every neuron type's
# update, delivery every synapse type's deliver and the event queues' drain
# (inclusive counts). Brunel and brunel_hetero for 100 ms, the microcircuit
# at scale 0.1 for 50 ms.
# usage: instructions NAME MODEL [--set ...]
instructions() {
    name=$1 model=$2
    shift 2
    echo "bench: $name (callgrind) ..." >&2
    t0=$(now)
    valgrind --tool=callgrind --callgrind-out-file="$TMP/$name.cg" --toggle-collect=sf_engine_run \
        "$SF" run "$model" --quiet --threads 1 --out "$TMP/$name" \
        --set analysis.start=0.0 "$@" >/dev/null 2>"$TMP/$name.stderr"
    rc=$?
    t1=$(now)
    counts=$(callgrind_annotate --inclusive=yes "$TMP/$name.cg" 2>/dev/null | "$PY" -c '
import json, re, sys
tot = {"instr_loop": 0, "instr_drive": 0, "instr_update": 0, "instr_deliver": 0}
pat = {"instr_loop": r"src/engine/run\.c:sf_engine_run$",
       "instr_drive": r"src/engine/inputs/[^/:]+\.c:apply$",
       "instr_update": r"src/neurons/[^/:]+\.c:update$",
       "instr_deliver": r"(src/synapses/[^/:]+\.c:deliver|src/network/evq\.c:sf_evq_drain)$"}
for l in sys.stdin:
    # "COUNT (PCT)  FILE:FUNCTION", then " [OBJECT]" (valgrind >= 3.17)
    m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(/\S+?)(?:\s+\[[^\]]*\])?$", l.rstrip())
    if m:
        for k, p in pat.items():
            if re.search(p, m.group(2)):
                tot[k] += int(m.group(1).replace(",", ""))
print(json.dumps(tot))')
    report "$name" "$model" "$TMP/$name" "$($PY -c "print($t1 - $t0)")" "$rc" '{}' "$counts"
}
if [ "${BENCH_VALGRIND:-1}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
    instructions instructions examples/brunel.yaml --set simulation.duration=100.0
    hetero instructions instructions_hetero examples/brunel.yaml --set simulation.duration=100.0
    instructions instructions_microcircuit examples/microcircuit.yaml --set scale.neurons=0.1 \
        --set simulation.duration=50.0
else
    echo '{"name": "instructions", "skipped": "no valgrind or BENCH_VALGRIND=0"}'
fi

# Theory and analysis micro-benchmarks (bench/bench_*.c, built by make bench):
# each prints one JSON line.
# `sh bench/run.sh` without `make bench` has none of them: say so, and exit 0.
for b in "$BUILD"/bench/bench_*; do
    if [ -x "$b" ]; then
        "$b"
    else
        echo '{"name": "bench_programs", "skipped": "not built in '"$BUILD"'/bench: run make bench"}'
    fi
done
