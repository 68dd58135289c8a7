#!/bin/sh
# The bad-input catalogue: every tests/cli/bad/NAME.yaml is a model that
# `spikefield run` must refuse. Its expectations are in its first lines, or
# in NAME.expect for inputs that cannot carry a comment (binary, empty):
#   # exit: CODE          the exit status
#   # expect: PATTERN     a grep -E pattern the one-line message must match
#                         (the key path, the line, or what was wrong)
#   # args: ARGS          extra command-line arguments (may be empty)
# Each case must also leave nothing behind: the output folder is not
# created, and the case's own temporary folder holds nothing else after.
# usage: tests/cli/test_catalogue.sh path/to/spikefield
SF=${1:-build/spikefield}
case "$SF" in /*) ;; *) SF="$(pwd)/$SF" ;; esac
DIR=$(cd "$(dirname "$0")/bad" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0; n=0
for f in "$DIR"/*.yaml; do
  name=$(basename "$f" .yaml)
  meta="$DIR/$name.expect"; [ -f "$meta" ] || meta="$f"
  want=$(sed -n 's/^# exit: //p' "$meta" | head -1)
  pat=$(sed -n 's/^# expect: //p' "$meta" | head -1)
  args=$(sed -n 's/^# args: *//p' "$meta" | head -1)
  [ -n "$want" ] && [ -n "$pat" ] || { echo "FAIL $name: no '# exit:' / '# expect:' lines"; fails=$((fails+1)); continue; }
  n=$((n+1))
  mkdir "$T/$name"
  # shellcheck disable=SC2086
  (cd "$T/$name" && timeout 20 "$SF" run "$f" --out "$T/$name/out" --quiet $args \
      > "$T/$name.stdout" 2> "$T/$name.stderr")
  rc=$?
  msg=$(cat "$T/$name.stderr")
  ok=1
  [ "$rc" = "$want" ] || { echo "  $name: exit $rc, expected $want"; ok=0; }
  grep -E -q -- "$pat" "$T/$name.stderr" || { echo "  $name: message does not match '$pat'"; ok=0; }
  [ "$(wc -l < "$T/$name.stderr")" -le 1 ] || { echo "  $name: more than one line"; ok=0; }
  [ -z "$(ls -A "$T/$name")" ] || { echo "  $name: left files: $(ls -A "$T/$name")"; ok=0; }
  if [ $ok = 1 ]; then echo "ok   $name: $msg"; else echo "FAIL $name: $msg"; fails=$((fails+1)); fi
done
echo "$n cases, $fails failed"
[ "$n" -ge 60 ] || { echo "the catalogue needs at least 60 cases"; exit 1; }
[ "$fails" = 0 ]
