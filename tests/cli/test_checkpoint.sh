#!/bin/sh
# Checkpoint and resume (issue 18): a run interrupted at any checkpoint and
# resumed records spikes and traces byte-identical to the uninterrupted run,
# at several checkpoint times, with 1 and 2 threads and resumed on another
# thread count, for Brunel's network (iaf_psc_delta, Poisson drive), a
# conductance-based network with adaptive ODE state (aeif_cond_exp,
# iaf_cond_alpha, hh_psc_alpha; noise, spike and step-current inputs,
# float64 multimeter) and two stochastic models (binary, hawkes); SIGTERM
# with --checkpoint-dir writes a checkpoint and resuming it gives the whole
# run; changed models, other versions and formats, truncated, corrupt and
# foreign files are refused with a message and exit 1; option errors exit 2.
# usage: tests/cli/test_checkpoint.sh path/to/spikefield
SF=${1:-build/spikefield}
H5SAME="/usr/bin/python3 $(dirname "$0")/h5same.py"
. "$(dirname "$0")/lib.sh"

model_brunel 2 "[E]" > "$T/brunel.yaml"
cat > "$T/cond.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 200.0, seed: 3, threads: 2}
populations:
  E: {model: aeif_cond_exp, n: 200, initial: {V_m: {distribution: uniform, low: -70, high: -55}}}
  I: {model: iaf_cond_alpha, n: 50}
  H: {model: hh_psc_alpha, n: 10}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 40, weight: {distribution: normal, mean: 1.0, std: 0.2, min: 0}, delay: {distribution: uniform, low: 0.5, high: 3.0}}
  EI: {source: E, target: I, rule: fixed_indegree, indegree: 40, weight: 2.0, delay: 0.5}
  IE: {source: I, target: E, rule: fixed_indegree, indegree: 10, weight: -0.2, delay: 0.5}
  EH: {source: E, target: H, rule: fixed_indegree, indegree: 20, weight: 20.0, delay: 1.0}
inputs:
  bg: {kind: poisson_generator, targets: [E], rate: 20000.0, weight: 3.0}
  bgi: {kind: poisson_generator, targets: [I], rate: 4000.0, weight: 2.0}
  noise: {kind: noise_generator, targets: [E], mean: 20.0, std: 50.0, dt: 1.0}
  kick: {kind: spike_generator, targets: [I], times: [50.0, 120.0, 150.5], weight: 30.0, delay: 2.0}
  step: {kind: step_current_generator, targets: [H], amplitude_times: [50.0, 150.0], amplitude_values: [300.0, 0.0]}
recorders:
  spikes: {kind: spike_recorder}
  mm: {kind: multimeter, populations: [E], n: 5, interval: 0.5, record_from: [V_m, w, integration_step], precision: float64}
  vmh: {kind: voltmeter, populations: [H], n: 3, interval: 0.1}
YAML
model_binary 2 > "$T/binary.yaml"
model_hawkes 2 > "$T/hawkes.yaml"

same() { # ref dir, other dir: every .h5 of ref identical in other
  for f in "$1"/*.h5; do
    $H5SAME "$f" "$2/$(basename "$f")" || return 1
  done
}

# model, model-time interval, threads of the checkpointing run, then the
# checkpoints (steps) to resume and the thread counts to resume with
check_model() {
  m=$1; every=$2; th=$3; shift 3
  [ -d "$T/$m.full" ] || "$SF" run "$T/$m.yaml" --out "$T/$m.full" --quiet > /dev/null 2>&1 \
    || { fail "$m: full run"; return; }
  [ "$(/usr/bin/python3 -c "import h5py; f = h5py.File('$T/$m.full/spikes.h5'); print(sum(len(f['spikes'][p]['timestamps']) > 0 for p in f['spikes']))")" -ge 2 ] \
    || fail "$m: the reference run has too few spiking populations to test anything"
  ck="$T/$m.ck$th"
  ckpt_run $m $every $th || return
  # checkpointing changes nothing in the outputs
  same "$T/$m.full" "$T/$m.o$th" && ok "$m: outputs of a checkpointing run ($th threads) unchanged" \
    || fail "$m: a checkpointing run differs"
  n=$(ls "$ck"/checkpoint-*.sfck 2>/dev/null | wc -l)
  [ "$n" -ge 3 ] || fail "$m: only $n checkpoints"
  for step in $1; do
    for rt in $2; do
      ckpt_resume $m $th $step $rt || continue
      if same "$T/$m.full" "$T/$m.r$th.$step.$rt"; then
        ok "$m: checkpoint at step $step ($th threads) resumed on $rt: identical"
      else
        fail "$m: checkpoint at step $step ($th threads) resumed on $rt: $(cat "$T/err")"
      fi
    done
  done
}

# slices: brunel 15 steps, cond 5, binary 10, hawkes 20
check_model brunel 70 2 "705 1410 2100" "1 2 3"
check_model brunel 70 1 "1410" "2"
check_model cond 50 2 "500 1000 1500" "1 2"
check_model cond 50 1 "1000" "2"
check_model binary 80 2 "800 1600 2400" "1 2"
check_model binary 80 1 "1600" "2"
check_model hawkes 80 2 "800 1600 2400" "1 2"
check_model hawkes 80 1 "1600" "2"

# resuming the directory (the latest checkpoint) into the run's own --out
# replaces the outputs there
rm -rf "$T/b.own" "$T/b.ownck"
"$SF" run "$T/brunel.yaml" --out "$T/b.own" --quiet --checkpoint-dir "$T/b.ownck" --checkpoint-model-every 200 > /dev/null 2>&1
echo junk > "$T/b.own/spikes.h5"
if "$SF" resume "$T/b.ownck" --quiet > /dev/null 2> "$T/err" && same "$T/brunel.full" "$T/b.own"; then
  ok "resume DIR writes the whole run into the run's --out"
else fail "resume DIR into the run's --out: $(cat "$T/err")"; fi

# SIGTERM (a cluster's time limit): a checkpoint at the next communication
# step, the outputs so far, exit 130; resuming gives the whole run. The run
# also checkpoints every 0.2 s of wall-clock time before (kept: at least two
# checkpoints), which must not change what follows.
# The signal is sent once two wall-clock checkpoints exist (polled, not a
# fixed sleep: an idle machine ran the whole model within 1.5 s).
sed 's/duration: 300.0/duration: 15000.0/' "$T/brunel.yaml" > "$T/long.yaml"
"$SF" run "$T/long.yaml" --out "$T/long.full" --quiet > /dev/null 2>&1
"$SF" run "$T/long.yaml" --out "$T/long.int" --quiet --checkpoint-dir "$T/long.ck" \
    --checkpoint-every 0.2s --checkpoint-keep > /dev/null 2> "$T/err" &
pid=$!
i=0
while [ "$(ls "$T/long.ck" 2>/dev/null | grep -c '^checkpoint-')" -lt 2 ] && kill -0 $pid 2>/dev/null &&
      [ $i -lt 3000 ]; do
  sleep 0.05; i=$((i+1))
done
kill -TERM $pid
wait $pid; rc=$?
if [ $rc = 130 ] && [ -f "$T/long.ck/checkpoint.sfck" ] && grep -q "spikefield resume" "$T/err" \
   && ! ls -A "$T/long.ck" | grep -q part && [ "$(ls "$T/long.ck" | wc -l)" -ge 3 ]; then
  ok "SIGTERM: checkpoint written, exit 130 (after wall-clock checkpoints)"
else fail "SIGTERM: exit $rc, $(ls -A "$T/long.ck" 2>&1) $(cat "$T/err")"; fi
if "$SF" resume "$T/long.ck" --threads 1 --quiet > /dev/null 2> "$T/err" && same "$T/long.full" "$T/long.int"; then
  ok "SIGTERM: the resumed run equals the uninterrupted one"
else fail "SIGTERM: resumed run differs: $(cat "$T/err")"; fi

# refusals: each exits 1 with a message naming the problem, outputs untouched
refused() { # what, expected message part, command...
  what=$1; pat=$2; shift 2
  "$@" > /dev/null 2> "$T/err"; rc=$?
  if [ $rc = 1 ] && grep -q "$pat" "$T/err" && ! grep -qi "assert\|sanitizer\|segmentation" "$T/err"; then
    ok "refused: $what"
  else fail "$what: exit $rc: $(cat "$T/err")"; fi
}
CK="$T/brunel.ck2/checkpoint.sfck"
mk() { mkdir -p "$T/bad/$1"; echo "$T/bad/$1"; }
d=$(mk changed); cp "$T/brunel.yaml" "$T/changed.yaml"
"$SF" run "$T/changed.yaml" --out "$T/changed.out" --quiet --checkpoint-dir "$d" --checkpoint-model-every 100 > /dev/null 2>&1
sed -i 's/weight: 0.1, delay: 1.5}/weight: 0.11, delay: 1.5}/' "$T/changed.yaml"
refused "a changed model" "another model" "$SF" resume "$d" --quiet
d=$(mk trunc); head -c 100000 "$CK" > "$d/checkpoint.sfck"
refused "a truncated checkpoint" "truncated" "$SF" resume "$d"
d=$(mk empty); : > "$d/checkpoint.sfck"
refused "an empty file" "not a spikefield checkpoint" "$SF" resume "$d"
d=$(mk foreign); cp "$T/brunel.yaml" "$d/checkpoint.sfck"
refused "a file that is no checkpoint" "not a spikefield checkpoint" "$SF" resume "$d"
refused "a missing checkpoint" "cannot open" "$SF" resume "$T/bad/none"
# byte flips and forged headers, with a valid checksum where the test wants
# the later check to answer
forge() { # src dst mode
  /usr/bin/python3 - "$@" <<'PY'
import struct, sys
src, dst, mode = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
def fnv(data):
    h = 14695981039346656037
    for c in data:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h
if mode == "flip":
    b[len(b) // 2] ^= 0x10
else:
    body = b[:-8]
    if mode == "format":
        body[8:12] = struct.pack("<I", 99)
    elif mode == "version":
        # the version section: tag at 32, length at 40, text at 48
        n = struct.unpack("<Q", body[40:48])[0]
        new = b"9.9.9"
        body = body[:40] + struct.pack("<Q", len(new)) + new + body[48 + n:]
        payload = struct.unpack("<Q", body[16:24])[0] + len(new) - n
        body[16:24] = struct.pack("<Q", payload)
    b = body + struct.pack("<Q", fnv(bytes(body)))
open(dst, "wb").write(b)
PY
}
d=$(mk flip); forge "$CK" "$d/checkpoint.sfck" flip
refused "a corrupt checkpoint (one bit flipped)" "checksum" "$SF" resume "$d"
d=$(mk version); forge "$CK" "$d/checkpoint.sfck" version
refused "a checkpoint of another version" "written by spikefield 9.9.9" "$SF" resume "$d"
d=$(mk format); forge "$CK" "$d/checkpoint.sfck" format
refused "a checkpoint of another format" "format 99" "$SF" resume "$d"
[ -z "$(ls -A "$T/bad/trunc" | grep -v checkpoint.sfck)" ] || fail "a refused resume left files"
refused "a checkpoint folder inside the output folder" "lies in the output folder" \
  "$SF" run "$T/brunel.yaml" --out "$T/o.in" --checkpoint-dir "$T/o.in/ck" --quiet

# command-line errors: exit 2
usage() { # what, command...
  what=$1; shift
  "$@" > /dev/null 2> "$T/err"; rc=$?
  if [ $rc = 2 ] && [ -s "$T/err" ]; then ok "bad command line: $what"
  else fail "bad command line: $what: exit $rc $(cat "$T/err")"; fi
}
usage "--checkpoint-every without --checkpoint-dir" "$SF" run "$T/brunel.yaml" --checkpoint-every 10s
usage "--checkpoint-every 10parsecs" "$SF" run "$T/brunel.yaml" --checkpoint-dir "$T/x" --checkpoint-every 10parsecs
usage "--checkpoint-model-every -5" "$SF" run "$T/brunel.yaml" --checkpoint-dir "$T/x" --checkpoint-model-every -5
usage "resume without a folder" "$SF" resume
usage "resume --seed (an option of run)" "$SF" resume "$T/brunel.ck2" --seed 3

[ $fails = 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
