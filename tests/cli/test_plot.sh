#!/bin/sh
# `spikefield plot OUTDIR` and the figures of `spikefield compare`: PNG and
# PDF files of a real small run, --out, and the clear failures (no folder, a
# half-written folder, no Python, no matplotlib: compare still succeeds).
# usage: tests/cli/test_plot.sh path/to/spikefield
SF=${1:-build/spikefield}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=1; }
small="--set scale.neurons=0.1 --set simulation.duration=400 --set analysis.start=100"
"$SF" run examples/brunel.yaml --out "$T/r" --quiet $small > /dev/null || fail "run"
"$SF" plot "$T/r" > "$T/p.txt" 2>&1 || fail "plot: $(cat "$T/p.txt")"
grep -q "figures (png, pdf) in $T/r/figures/: raster, rates, isi, traces" "$T/p.txt" ||
  fail "plot output: $(cat "$T/p.txt")"
for f in raster rates isi traces; do
  for e in png pdf; do
    p="$T/r/figures/$f.$e"
    [ -s "$p" ] || { fail "missing $p"; continue; }
    [ "$(wc -c < "$p")" -gt 10000 ] || fail "$p is small ($(wc -c < "$p") bytes)"
  done
  head -c 8 "$T/r/figures/$f.png" | od -An -c | grep -q "P   N   G" || fail "$f.png is not a PNG"
  head -c 5 "$T/r/figures/$f.pdf" | grep -q "%PDF-" || fail "$f.pdf is not a PDF"
done
[ ! -e "$T/r/figures/compare.png" ] || fail "compare figure without compare.json"
ls -a "$T/r/figures" | grep -q "\.part$" && fail "temporary files left in figures/"
"$SF" plot "$T/r" --out "$T/figs" --quiet > "$T/q.txt" 2>&1 || fail "plot --out"
[ -s "$T/figs/raster.pdf" ] && [ ! -s "$T/q.txt" ] || fail "--out/--quiet: $(cat "$T/q.txt")"
# failures: exit status 1 and a message naming the folder
"$SF" plot "$T/none" > /dev/null 2> "$T/e1"; rc=$?
[ $rc = 1 ] && grep -q "no output folder $T/none" "$T/e1" || fail "missing folder ($rc): $(cat "$T/e1")"
mkdir "$T/half" && cp "$T/r/summary.json" "$T/half/" && : > "$T/half/.spikes.h5.part"
"$SF" plot "$T/half" > /dev/null 2> "$T/e2"; rc=$?
[ $rc = 1 ] && grep -q "half-written: .spikes.h5.part" "$T/e2" || fail "half-written ($rc): $(cat "$T/e2")"
"$SF" plot > /dev/null 2>&1; [ $? = 2 ] || fail "no OUTDIR: status 2 expected"
SPIKEFIELD_PYTHON=/nonexistent/python3 "$SF" plot "$T/r" > /dev/null 2> "$T/e3"; rc=$?
[ $rc = 1 ] && grep -q "Python 3 is not installed" "$T/e3" || fail "no python ($rc): $(cat "$T/e3")"
# no matplotlib: a package of that name that cannot be imported
mkdir -p "$T/nompl/matplotlib" && echo 'raise ImportError("test: no matplotlib")' > "$T/nompl/matplotlib/__init__.py"
PYTHONPATH="$T/nompl" "$SF" plot "$T/r" --out "$T/x" > /dev/null 2> "$T/e4"; rc=$?
[ $rc = 1 ] && grep -q "matplotlib is not installed" "$T/e4" && [ ! -e "$T/x" ] || fail "no matplotlib ($rc): $(cat "$T/e4")"
PYTHONPATH="$T/nompl" "$SF" compare examples/brunel.yaml --out "$T/c" --quiet $small > "$T/c.txt" 2> "$T/e5"; rc=$?
[ $rc = 0 ] && [ -s "$T/c/compare.json" ] && grep -q "^note: no figures: matplotlib is not installed" "$T/c.txt" ||
  fail "compare without matplotlib ($rc): $(tail -3 "$T/c.txt") $(cat "$T/e5")"
[ ! -s "$T/e5" ] && [ "$(grep -c "^note: no figures" "$T/c.txt")" = 1 ] || fail "compare without matplotlib: more than the one note: $(cat "$T/e5")"
[ $fails = 0 ] && echo "ok: spikefield plot"
[ $fails = 0 ]
