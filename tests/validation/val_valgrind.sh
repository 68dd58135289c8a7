#!/bin/sh
# The command under valgrind's memcheck on small models: no invalid read or
# write, no use of uninitialised memory, no definite leak, for run, predict
# and compare (simulation, analysis, theory, writing). Part of `make validate`.
# usage: tests/validation/val_valgrind.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/install-deps.sh installs it)"; exit 1; }
VG="valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite --track-origins=yes"
fails=0
check() { # name expected-exit command...
  name=$1; want=$2; shift 2
  $VG "$@" > "$T/$name.log" 2>&1; rc=$?
  if [ "$rc" = "$want" ]; then echo "ok   $name (exit $rc)"
  else echo "FAIL $name (exit $rc, expected $want; 3 is a valgrind error)"; tail -40 "$T/$name.log"; fails=$((fails+1)); fi
}
small="--set scale.neurons=0.02 --set scale.indegree=0.02 --set simulation.duration=200 --set analysis.start=50"
# shellcheck disable=SC2086
check run_brunel 0 "$SF" run examples/brunel.yaml $small --threads 2 --out "$T/a" -q
# shellcheck disable=SC2086
check predict_brunel 0 "$SF" predict examples/brunel.yaml $small --out "$T/b" -q
check compare_binary 0 "$SF" compare examples/binary_ei.yaml --set scale.neurons=0.05 \
  --set simulation.duration=500 --set analysis.start=100 --out "$T/c" -q
check bad_model 1 "$SF" run tests/cli/bad/parser_alias_bomb.yaml --out "$T/d" -q
[ "$fails" = 0 ]
