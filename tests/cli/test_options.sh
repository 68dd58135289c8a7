#!/bin/sh
# The command line: `--opt value` and `--opt=value` mean the same, every
# subcommand's --help lists each option it accepts, an unknown option names
# the nearest valid one, and bad values are rejected with exit 2 before any
# work (nothing written).
# usage: tests/cli/test_options.sh path/to/spikefield
SF=${1:-build/spikefield}
. "$(dirname "$0")/lib.sh"

cat > "$T/m.yaml" <<'Y'
simulation: {resolution: 0.1, duration: 200.0, seed: 3}
analysis: {start: 50.0}
populations:
  E: {model: iaf_psc_delta, n: 100, params: {tau_m: 20.0}}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 10, weight: 0.1, delay: 1.5}
inputs:
  bg: {kind: poisson_generator, targets: E, rate: 8000.0, weight: 0.2}
Y

# both spellings, and options before the model file, give the same spikes
"$SF" run "$T/m.yaml" --threads 2 --seed 5 --out "$T/a" -q || fail "run --threads 2"
"$SF" run --threads=2 --seed=5 --out="$T/b" -q "$T/m.yaml" || fail "run --threads=2"
if /usr/bin/python3 "$(dirname "$0")/h5same.py" "$T/a/spikes.h5" "$T/b/spikes.h5"; then ok "--opt value == --opt=value"; else fail "spike files differ"; fi
grep -q '"seed": 5' "$T/b/summary.json" && ok "--seed=5 reached the model" || fail "--seed=5 not applied"

# help of each subcommand names every option it accepts, and only those
"$SF" run --help > "$T/h.run" || fail "run --help exit"
for o in --threads --seed --out --set --quiet --help; do
  grep -q -- "$o" "$T/h.run" || fail "run --help lacks $o"
done
grep -q -- "--freq" "$T/h.run" && fail "run --help lists --freq"
"$SF" predict --help > "$T/h.pred" || fail "predict --help exit"
for o in --json --freq --freq-range --set --out; do
  grep -q -- "$o" "$T/h.pred" || fail "predict --help lacks $o"
done
"$SF" help compare | grep -q "usage: spikefield compare" && ok "help compare" || fail "help compare"
[ -e "$T/h.run" ] && ok "help texts"

# case NAME PATTERN args...: exit 2, one line naming PATTERN, nothing written
bad() {
  name=$1; pat=$2; shift 2
  "$SF" "$@" > "$T/o" 2> "$T/e"; rc=$?
  msg=$(cat "$T/e")
  if [ "$rc" = 2 ] && grep -q -- "$pat" "$T/e" && [ "$(wc -l < "$T/e")" = 1 ] && [ ! -e "$T/none" ]; then
    ok "$name: $msg"
  else
    fail "$name: exit $rc, message: $msg"
  fi
}
bad nearest 'unknown option --seeds (did you mean --seed?)' run "$T/m.yaml" --seeds 4 --out "$T/none"
bad nearest_eq 'did you mean --threads?' run "$T/m.yaml" --thraeds=2 --out "$T/none"
bad wrong_cmd '--freq is an option of predict, not of run' run "$T/m.yaml" --freq 10 --out "$T/none"
bad no_value 'option --threads needs a value' run "$T/m.yaml" --out "$T/none" --threads
bad bad_threads 'expected a whole number in 1..1024' run "$T/m.yaml" --threads=abc --out "$T/none"
bad empty_out "--out: expected a folder name, found ''" run "$T/m.yaml" --out ""
bad two_models "unexpected argument" run "$T/m.yaml" "$T/m.yaml" --out "$T/none"
bad no_model "missing MODEL.yaml" run --out "$T/none"
bad bad_set "expected path=value" run "$T/m.yaml" --set "=3" --out "$T/none"
bad wrong_cmd2 '--threads is an option of run, compare, resume, not of predict' predict "$T/m.yaml" --threads=2 --out "$T/none"
bad short_unknown "unknown option -x" run "$T/m.yaml" -x --out "$T/none"

# many --set options: each one is applied (the last one wins)
sets=""
i=0; while [ $i -lt 100 ]; do sets="$sets --set simulation.seed=$i"; i=$((i+1)); done
# shellcheck disable=SC2086
"$SF" run "$T/m.yaml" $sets --out "$T/c" -q && grep -q '"seed": 99' "$T/c/summary.json" \
  && ok "100 --set options" || fail "100 --set options"

# models lists state variables and receptor ports; version
"$SF" models | grep -q "iaf_psc_exp .*receptor ports: ex in; state: V_m \[mV\] I_syn_ex \[pA\]" \
  && ok "models lists ports and state" || fail "models listing"
"$SF" version | grep -q "^spikefield [0-9]" && ok "version" || fail "version"

[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
