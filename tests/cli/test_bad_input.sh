#!/bin/sh
# Bad input to `spikefield run`: each case must fail with a non-zero exit, one
# message naming file:line:column and the key path, and leave no output files.
# usage: tests/cli/test_bad_input.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

base='simulation: {resolution: 0.1, duration: 20.0, seed: 3}
populations:
  E: {model: iaf_psc_delta, n: 20, params: {tau_m: 20.0}}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 5, weight: 0.1, delay: 1.5}
inputs:
  bg: {kind: poisson, targets: E, rate: 8000.0, weight: 0.2}
'
# case NAME EXPECTED_EXIT PATTERN MODEL_TEXT [extra args...]
case_() {
  name=$1; want=$2; pat=$3; text=$4; shift 4
  printf '%s' "$text" > "$T/$name.yaml"
  out="$T/out-$name"
  "$SF" run "$T/$name.yaml" --out "$out" --quiet "$@" > "$T/$name.stdout" 2> "$T/$name.stderr"
  rc=$?
  msg=$(cat "$T/$name.stderr")
  ok=1
  [ "$rc" = "$want" ] || { echo "  $name: exit $rc, expected $want"; ok=0; }
  echo "$msg" | grep -q -- "$pat" || { echo "  $name: message does not match '$pat': $msg"; ok=0; }
  [ -e "$out" ] && { echo "  $name: output directory was created"; ok=0; }
  [ "$(echo "$msg" | wc -l)" -le 2 ] || { echo "  $name: more than one message: $msg"; ok=0; }
  if [ $ok = 1 ]; then echo "ok   $name: $msg"; else echo "FAIL $name"; fails=$((fails+1)); fi
}

case_ syntax 1 'syntax.yaml:2:' 'simulation: {resolution: 0.1, duration: 20.0
populations: [
'
case_ unknown_key 1 'unknown_key.yaml:3:45: populations.E.params.tau_x: unknown key' "$(echo "$base" | sed 's/tau_m: 20.0/tau_x: 20.0/')"
case_ unknown_top 1 'unknown_top.yaml:9:1: simulaton: unknown key' "$base
simulaton: {}"
case_ missing_key 1 'populations.E.n: required key is missing' "$(echo "$base" | sed 's/, n: 20//')"
case_ wrong_type 1 'wrong_type.yaml:3:52: populations.E.params.tau_m: expected a number' "$(echo "$base" | sed 's/tau_m: 20.0/tau_m: fast/')"
case_ negative_tau 1 'populations.E.params.tau_m: tau_m = -5 ms is out of range' "$(echo "$base" | sed 's/tau_m: 20.0/tau_m: -5/')"
case_ delay_small 1 'projections.EE.delay: delay 0.05 ms is below the resolution' "$(echo "$base" | sed 's/delay: 1.5/delay: 0.05/')"
case_ delay_grid 1 'projections.EE.delay: delay 1.55 ms is not a multiple of the resolution' "$(echo "$base" | sed 's/delay: 1.5/delay: 1.55/')"
case_ probability 1 'projections.EE.p: value 1.5 is out of range' "$(echo "$base" | sed 's/rule: fixed_indegree, indegree: 5/rule: pairwise_bernoulli, p: 1.5/')"
case_ reset_above 1 'V_reset (25 mV) must be below V_th' "$(echo "$base" | sed 's/tau_m: 20.0/tau_m: 20.0, V_reset: 25, V_th: 20/')"
case_ unknown_model 1 "unknown neuron model 'iaf_cond_foo'" "$(echo "$base" | sed 's/iaf_psc_delta/iaf_cond_foo/')"
case_ unknown_pop 1 "projections.EE.source: unknown population 'X'" "$(echo "$base" | sed 's/source: E/source: X/')"
case_ set_bad_path 1 '^spikefield: --set populations.Q.n=3: populations.Q.model: required key is missing' "$base" --set populations.Q.n=3
case_ set_typo 1 '^spikefield: --set simulaton.seed=3: simulaton: unknown key' "$base" --set simulaton.seed=3
case_ set_bad_value 1 '^spikefield: --set populations.E.params.tau_m=abc: populations.E.params.tau_m: expected a number' "$base" --set populations.E.params.tau_m=abc
case_ bad_flag 2 'unknown option --frobnicate' "$base" --frobnicate
case_ bad_threads 2 'threads 0' "$base" --threads 0
case_ too_big 1 'GiB of memory are available' "$(echo "$base" | sed 's/n: 20,/n: 4000000,/; s/indegree: 5/indegree: 100000/')"
case_ rate_spikes 1 'recorders.sp.populations: population R (lin_rate) sends its output every step' 'simulation: {resolution: 0.1, duration: 10.0}
populations:
  R: {model: lin_rate, n: 3}
recorders:
  sp: {kind: spikes, populations: R}
'
case_ empty_file 1 'empty_file.yaml: the file is empty' ''
"$SF" run "$T/does-not-exist.yaml" --out "$T/o" --quiet 2> "$T/nofile.err"
rc=$?
if [ $rc = 1 ] && grep -q "does-not-exist.yaml: cannot open" "$T/nofile.err" && [ ! -e "$T/o" ]; then
  echo "ok   no_file: $(cat "$T/nofile.err")"; else echo "FAIL no_file (exit $rc)"; fails=$((fails+1)); fi

# an existing output directory keeps its other files when a run fails
mkdir -p "$T/keep"; echo precious > "$T/keep/other.txt"
printf '%s' "$(echo "$base" | sed 's/tau_m: 20.0/tau_m: -1/')" > "$T/k.yaml"
"$SF" run "$T/k.yaml" --out "$T/keep" --quiet 2>/dev/null
if [ "$(ls -A "$T/keep")" = "other.txt" ]; then echo "ok   keep_existing"; else echo "FAIL keep_existing: $(ls -A "$T/keep")"; fails=$((fails+1)); fi

echo "bad-input cases failed: $fails"
[ $fails = 0 ]
