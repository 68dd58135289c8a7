#!/bin/sh
# MPI (issue 18; `make test-mpi`, not part of `make test`): the MPI build of
# the command under mpirun -np 1, 2 and 3 (oversubscribed on a small
# machine) records spikes and traces byte-identical to the single-process
# default build, for Brunel's network, the microcircuit at 0.1 scale
# (150 ms) and two stochastic models (binary, hawkes), also with 2 threads
# per process; summary.json's synapse counts are those of the whole network;
# checkpoints of 2 x 1, 2 x 2 and 3 x 1 processes x threads resumed on as
# many give the same outputs, and mismatching resumes are refused.
# usage: tests/mpi/test_mpi.sh build-mpi/spikefield build/spikefield
MPI_SF=${1:-build-mpi/spikefield}
SF=${2:-build/spikefield}
H5SAME="/usr/bin/python3 $(dirname "$0")/../cli/h5same.py"
EX=$(cd "$(dirname "$0")/../../examples" && pwd)
RUN="mpirun --oversubscribe --allow-run-as-root"
. "$(dirname "$0")/../cli/lib.sh"

model_brunel 1 "[E, I]" > "$T/brunel.yaml"
model_binary 1 > "$T/binary.yaml"
model_hawkes 1 > "$T/hawkes.yaml"
cat > "$T/stdp.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 200.0, seed: 5, threads: 1}
populations:
  E: {model: iaf_psc_delta, n: 320, params: &lif {E_L: 0.0, V_th: 20.0, V_reset: 10.0, tau_m: 20.0, t_ref: 2.0, tau_minus: 15.0},
      initial: &v0 {V_m: {distribution: uniform, low: 0.0, high: 20.0}}}
  I: {model: iaf_psc_delta, n: 80, params: *lif, initial: *v0}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 32, weight: 0.2, delay: {distribution: uniform, low: 1.0, high: 3.0},
       synapse: {model: stdp_synapse, lambda: 0.05, alpha: 1.1, Wmax: 0.4}}
  EI: {source: E, target: I, rule: fixed_indegree, indegree: 32, weight: 0.2, delay: 1.0,
       synapse: {model: tsodyks2_synapse, U: 0.4, u: 0.4, tau_rec: 300.0, tau_fac: 50.0}}
  IE: {source: I, target: E, rule: fixed_indegree, indegree: 8, weight: -0.8, delay: 1.0}
inputs:
  bg: {kind: poisson_generator, targets: [E, I], rate: 18000.0, weight: 0.1}
recorders:
  spikes: {kind: spike_recorder}
  wr: {kind: weight_recorder, projections: [EE]}
YAML
cp "$EX/microcircuit.yaml" "$T/micro.yaml"
MICRO_SETS="--set scale.neurons=0.1 --set simulation.duration=150 --set analysis.start=50"

same() { # ref dir, other dir: every .h5 identical, the same synapse counts
  for f in "$1"/*.h5; do $H5SAME "$f" "$2/$(basename "$f")" || return 1; done
  /usr/bin/python3 - "$1/summary.json" "$2/summary.json" <<'PY' || return 1
import json, sys
a, b = (json.load(open(p))["network"] for p in sys.argv[1:3])
assert a["synapses"] == b["synapses"] and a["projections"] == b["projections"], "synapse counts"
PY
}

for m in brunel binary hawkes micro; do
  sets=""; [ $m = micro ] && sets=$MICRO_SETS
  # shellcheck disable=SC2086
  "$SF" run "$T/$m.yaml" $sets --threads 1 --out "$T/$m.ref" --quiet > /dev/null 2>&1 \
    || { fail "$m: single-process reference"; continue; }
  for np in 1 2 3; do
    for th in 1 2; do
      [ $m = micro ] && [ $th = 2 ] && [ $np != 2 ] && continue # keep the test short
      o="$T/$m.np$np.t$th"
      # shellcheck disable=SC2086
      if timeout 600 $RUN -np $np "$MPI_SF" run "$T/$m.yaml" $sets --threads $th --out "$o" \
           --quiet > "$T/log" 2>&1 && same "$T/$m.ref" "$o"; then
        echo "ok   $m: -np $np, $th thread(s) per process: identical to one process"
      else
        fail "$m: -np $np, $th thread(s): $(tail -3 "$T/log")"
      fi
    done
  done
done

# only run and resume work on several processes
$RUN -np 2 "$MPI_SF" predict "$T/brunel.yaml" > /dev/null 2> "$T/log"; rc=$?
[ $rc != 0 ] && grep -q "only run and resume work on several processes" "$T/log" && echo "ok   predict refused on 2 processes" \
  || fail "predict on 2 processes: exit $rc $(cat "$T/log")"

# checkpoints on several processes: one file per process; a run interrupted
# at a checkpoint and resumed on as many processes (and threads each) gives
# the single-process run's outputs; another process or thread count, a
# single-process resume and a set of files of different steps are refused
ckrun() { # np threads dir
  timeout 600 $RUN -np $1 "$MPI_SF" run "$T/brunel.yaml" --threads $2 --out "$T/$3.out" --quiet \
    --checkpoint-dir "$T/$3" --checkpoint-model-every 70 --checkpoint-keep > "$T/log" 2>&1
}
pick() { # from-dir step np to-dir: the kept set of one step as the current checkpoint
  mkdir -p "$T/$4"
  r=0; while [ $r -lt $3 ]; do
    cp "$T/$1/checkpoint-$(printf %012d "$2").rank$r.sfck" "$T/$4/checkpoint.rank$r.sfck" || return 1
    r=$((r+1))
  done
}
for cfg in "2 1" "2 2" "3 1"; do
  set -- $cfg; np=$1; th=$2; d="ck$np.$th"
  if ckrun $np $th $d && same "$T/brunel.ref" "$T/$d.out" && [ -f "$T/$d/checkpoint.rank$((np-1)).sfck" ] \
     && [ ! -f "$T/$d/checkpoint.sfck" ]; then
    echo "ok   checkpointing run on $np processes x $th threads: one file per process, outputs unchanged"
  else fail "checkpointing run on $np x $th: $(tail -3 "$T/log")"; continue; fi
  for step in 705 2100; do
    pick $d $step $np "$d.s$step" || { fail "no kept checkpoint at $step on $np processes"; continue; }
    if timeout 600 $RUN -np $np "$MPI_SF" resume "$T/$d.s$step" --threads $th --out "$T/$d.r$step" --quiet \
         > "$T/log" 2>&1 && same "$T/brunel.ref" "$T/$d.r$step"; then
      echo "ok   checkpoint at step $step of $np x $th resumed on $np x $th: identical to one process"
    else fail "resume of $np x $th at $step: $(tail -3 "$T/log")"; fi
  done
done
# wall-clock checkpoints fall due on one process first: all take them at the
# same slices (the same steps kept by every process); 3 s of model time, so
# that an idle machine (300 ms take about 0.1 s) still passes several
# wall-clock intervals
timeout 600 $RUN -np 2 "$MPI_SF" run "$T/brunel.yaml" --out "$T/wall.out" --quiet --checkpoint-dir "$T/wall" \
  --set simulation.duration=3000 --checkpoint-every 0.1s --checkpoint-keep > "$T/log" 2>&1 || fail "wall-clock checkpoints on 2 processes: $(tail -3 "$T/log")"
s0=$(ls "$T/wall" | sed -n 's/^checkpoint-\([0-9]*\)\.rank0\.sfck$/\1/p' | tr '\n' ' ')
s1=$(ls "$T/wall" | sed -n 's/^checkpoint-\([0-9]*\)\.rank1\.sfck$/\1/p' | tr '\n' ' ')
if [ -n "$s0" ] && [ "$s0" = "$s1" ] && [ "$(echo $s0 | wc -w)" -ge 2 ]; then
  echo "ok   wall-clock checkpoints on 2 processes at the same steps ($s0)"
else fail "wall-clock checkpoints on 2 processes: rank 0 at $s0, rank 1 at $s1"; fi
# plastic synapses on several processes: the spikes, final weights
# (weights.h5) and weight recorder (wr.h5) of one process, the weights and
# logs gathered onto rank 0; a checkpoint of 2 processes resumed gives the
# uninterrupted 2-process outputs
"$SF" run "$T/stdp.yaml" --out "$T/stdp.ref" --quiet > /dev/null 2>&1 || fail "stdp: one process"
if timeout 600 $RUN -np 2 "$MPI_SF" run "$T/stdp.yaml" --out "$T/stdp.np2" --quiet --checkpoint-dir "$T/stdp.ck" \
     --checkpoint-model-every 50 --checkpoint-keep > "$T/log" 2>&1 &&
   ( for f in spikes weights wr; do $H5SAME "$T/stdp.ref/$f.h5" "$T/stdp.np2/$f.h5" || exit 1; done ); then
  echo "ok   stdp on 2 processes: spikes, weights.h5, wr.h5 of one process"
else fail "stdp on 2 processes: $(tail -3 "$T/log")"; fi
if timeout 600 $RUN -np 3 "$MPI_SF" run "$T/stdp.yaml" --out "$T/stdp.np3" --quiet --threads 2 > "$T/log" 2>&1 &&
   ( for f in spikes weights wr; do $H5SAME "$T/stdp.ref/$f.h5" "$T/stdp.np3/$f.h5" || exit 1; done ); then
  echo "ok   stdp on 3 processes x 2 threads: spikes, weights.h5, wr.h5 of one process"
else fail "stdp on 3 processes x 2 threads: $(tail -3 "$T/log")"; fi
mkdir -p "$T/stdp.s1000"
for r in 0 1; do cp "$T/stdp.ck/checkpoint-000000001000.rank$r.sfck" "$T/stdp.s1000/checkpoint.rank$r.sfck"; done
if timeout 600 $RUN -np 2 "$MPI_SF" resume "$T/stdp.s1000" --out "$T/stdp.r1000" --quiet > "$T/log" 2>&1 &&
   ( for f in spikes weights wr; do $H5SAME "$T/stdp.np2/$f.h5" "$T/stdp.r1000/$f.h5" || exit 1; done ); then
  echo "ok   stdp: checkpoint of 2 processes at step 1000 resumed: spikes, weights.h5, wr.h5 identical"
else fail "stdp resumed on 2 processes: $(tail -3 "$T/log")"; fi
refused() { # what, pattern, command...
  what=$1; pat=$2; shift 2
  timeout 300 "$@" > /dev/null 2> "$T/log"; rc=$?
  if [ $rc != 0 ] && [ $rc != 124 ] && grep -Eq "$pat" "$T/log"; then echo "ok   refused: $what"
  else fail "$what: exit $rc $(cat "$T/log")"; fi
}
refused "a 2-process checkpoint resumed on 3" "taken on 2 processes|as many processes as wrote it" \
  $RUN -np 3 "$MPI_SF" resume "$T/ck2.1.s705" --out "$T/x1" --quiet
refused "a 2 x 1 checkpoint resumed with 2 threads each" "threads per process" \
  $RUN -np 2 "$MPI_SF" resume "$T/ck2.1.s705" --threads 2 --out "$T/x2" --quiet
"$SF" run "$T/brunel.yaml" --out "$T/one.out" --checkpoint-dir "$T/one" --checkpoint-model-every 100 \
  --quiet > /dev/null 2>&1 || fail "a one-process checkpointing run"
refused "a 2-process checkpoint resumed by one process" "written by several processes" \
  "$SF" resume "$T/ck2.1.s705" --out "$T/x3" --quiet
refused "a one-process checkpoint resumed on 2 processes" "written by one process" \
  $RUN -np 2 "$MPI_SF" resume "$T/one" --out "$T/x5" --quiet
mkdir -p "$T/mixed"
cp "$T/ck2.1/checkpoint-$(printf %012d 705).rank0.sfck" "$T/mixed/checkpoint.rank0.sfck"
cp "$T/ck2.1/checkpoint-$(printf %012d 1410).rank1.sfck" "$T/mixed/checkpoint.rank1.sfck"
refused "per-process checkpoints of different steps" "different steps" \
  $RUN -np 2 "$MPI_SF" resume "$T/mixed" --out "$T/x4" --quiet

[ $fails = 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
