#!/bin/sh
# `make install` gives a library that other programs can use: the shared
# library with its SONAME and links, the static library, the headers, the
# pkg-config file and the command land under PREFIX (or DESTDIR/PREFIX);
# the example programs of examples/c build through pkg-config against the
# installed copy (shared, and static with --static), run, and print finite,
# positive rates for every population; docs/api.md lists the example as it is;
# the Python package and the PyNN backend land in the site directory of
# /usr/bin/python3 under PREFIX and, imported from there (outside the source
# tree), load the installed library and run a network.
# usage: tests/cli/test_install.sh BUILD_DIR/spikefield
SF=${1:-build/spikefield}
B=$(dirname "$SF")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CC=${CC:-cc}
P="$T/prefix"
fail() { echo "FAIL: $*"; exit 1; }
# a make of its own (not the jobserver of a calling `make test`)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s BUILD="$B" "$@" > "$T/make.log" 2>&1 ||
       { cat "$T/make.log"; fail "make $*"; }; }

# the version as the headers say it
hv=$(sed -n 's/^#define SF_VERSION_STRING "\(.*\)"/\1/p' include/spikefield/core.h)
major=$(sed -n 's/^#define SF_VERSION_MAJOR //p' include/spikefield/core.h)
[ "$hv" = "$(sed -n 's/^#define SF_VERSION_MAJOR //p; s/^#define SF_VERSION_MINOR //p; s/^#define SF_VERSION_PATCH //p' \
        include/spikefield/core.h | paste -sd.)" ] || fail "SF_VERSION_STRING $hv != MAJOR.MINOR.PATCH"

mk install PREFIX="$P"
for f in lib/libspikefield.so.$hv lib/libspikefield.a lib/pkgconfig/spikefield.pc bin/spikefield \
         include/spikefield/spikefield.h include/spikefield/core.h include/spikefield/model.h \
         include/spikefield/network.h include/spikefield/analysis.h include/spikefield/predict.h \
         include/spikefield/compare.h; do
  [ -f "$P/$f" ] || fail "not installed: $f"
done
[ "$(readlink "$P/lib/libspikefield.so.$major")" = "libspikefield.so.$hv" ] || fail "link libspikefield.so.$major"
[ "$(readlink "$P/lib/libspikefield.so")" = "libspikefield.so.$major" ] || fail "link libspikefield.so"
readelf -d "$P/lib/libspikefield.so.$hv" | grep -q "SONAME.*\[libspikefield\.so\.$major\]" || fail "SONAME"

# versions agree: header macros, pkg-config, the installed command
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
cmp -s include/spikefield/core.h "$P/include/spikefield/core.h" || fail "installed core.h differs"
[ -n "$hv" ] && [ "$(pkg-config --modversion spikefield)" = "$hv" ] || fail "pkg-config version != header $hv"
# "spikefield 0.1.0", followed by " (git COMMIT)" when built from git
case "$("$P/bin/spikefield" --version)" in "spikefield $hv"|"spikefield $hv (git "*) ;; *) fail "spikefield --version" ;; esac
pkg-config --cflags spikefield | grep -q -- "-I$P/include" || fail "Cflags: $(pkg-config --cflags spikefield)"
pkg-config --libs spikefield | grep -q -- "-L$P/lib -lspikefield" || fail "Libs: $(pkg-config --libs spikefield)"

# the examples, compiled outside the source tree against the installed copy
cp examples/c/brunel_builder.c examples/c/load_model.c "$T/"
cd "$T"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Werror brunel_builder.c $(pkg-config --cflags --libs spikefield) -o bb ||
  fail "compiling brunel_builder.c"
$CC -std=c11 -Wall -Wextra -Werror load_model.c $(pkg-config --cflags --libs spikefield) -o lm ||
  fail "compiling load_model.c"
LD_LIBRARY_PATH="$P/lib" ldd ./bb | grep -q "$P/lib/libspikefield.so.$major" || fail "bb does not use the installed library"
# static: the archive plus what Requires.private / Libs.private name
$CC -std=c11 brunel_builder.c $(pkg-config --cflags spikefield) "$P/lib/libspikefield.a" \
  $(pkg-config --static --libs spikefield | sed 's/-lspikefield//') -o bb_static || fail "static link"
ldd ./bb_static | grep -q libspikefield && fail "bb_static depends on libspikefield.so"
cd - > /dev/null

LD_LIBRARY_PATH="$P/lib" "$T/bb" 2 > "$T/bb.out" || fail "brunel_builder exited non-zero"
"$T/bb_static" 1 > "$T/bbs.out" || fail "static brunel_builder exited non-zero"
LD_LIBRARY_PATH="$P/lib" "$T/lm" examples/brunel.yaml scale.neurons=0.1 scale.indegree=0.1 \
  simulation.duration=300 analysis.start=50 > "$T/lm.out" || fail "load_model exited non-zero"
LD_LIBRARY_PATH="$P/lib" "$T/lm" examples/brunel.yaml populations.E.params.tau_m=-1 > /dev/null 2> "$T/lm.err" &&
  fail "load_model accepted tau_m = -1"
grep -q "populations.E.params.tau_m" "$T/lm.err" || fail "load_model error: $(cat "$T/lm.err")"
cat "$T/bb.out" "$T/lm.out"
/usr/bin/python3 - "$T" <<'PY' || exit 1
import math, re, sys
T = sys.argv[1]
def rates(name):
    return {m.group(1): (int(m.group(2)), float(m.group(3))) for m in
            re.finditer(r"population (\w+)(?: \(\w+\))?: (\d+) neurons, rate (\S+) Hz", open(T + "/" + name).read())}
bb, bbs, lm = rates("bb.out"), rates("bbs.out"), rates("lm.out")
assert set(bb) == {"E", "I"} and bb["E"][0] == 800 and bb["I"][0] == 200, bb
assert "1000 neurons, 100000 synapses, 1000 ms simulated" in open(T + "/bb.out").read()
assert set(lm) == {"E", "I"} and lm["E"][0] == 1000 and lm["I"][0] == 250, lm
for r in (bb, lm):
    for p, (n, rate) in r.items():
        assert math.isfinite(rate) and 1 < rate < 500, (p, rate)
# the same seed and model give the same rates for 2 threads (shared) and 1 (static)
assert bb == bbs, (bb, bbs)
print("ok: installed library, headers, pkg-config; examples run with rates", bb, lm)
PY

# docs/api.md shows the example as it is
/usr/bin/python3 - <<'PY' || fail "docs/api.md: the listing under 'A complete example' differs from examples/c/brunel_builder.c"
doc = open("docs/api.md").read()
sec = doc[doc.index("## A complete example"):]
start = sec.index("```c\n") + 5
assert sec[start:sec.index("```", start)] == open("examples/c/brunel_builder.c").read()
PY

# the Python package, imported from the installed copy outside the source tree
pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PP="$P/lib/python$pyver/dist-packages"
[ -f "$PP/spikefield/__init__.py" ] && [ -f "$PP/spikefield/_lib.py" ] || fail "Python package not installed in $PP"
grep -q "^LIBDIR = \"$P/lib\"$" "$PP/spikefield/_install.py" || fail "_install.py: $(cat "$PP/spikefield/_install.py")"
[ -f "$PP/pyNN/spikefield/__init__.py" ] || fail "pyNN backend not installed in $PP/pyNN"
(cd "$T" && env -u SPIKEFIELD_LIB PYTHONPATH="$PP" /usr/bin/python3 - "$PP" "$P/lib" <<'PY') || fail "installed Python package"
import os, sys
pp, libdir = sys.argv[1], sys.argv[2]
import spikefield as sf
assert sf.__file__.startswith(pp), sf.__file__
assert os.path.realpath(sf._lib.path) == os.path.realpath(libdir + "/libspikefield.so.0"), sf._lib.path
m = sf.Model(name="inst", duration=200.0)
m.population("E", "iaf_psc_delta", 100, E_L=0.0, V_th=20.0, V_reset=10.0)
m.connect("E", "E", rule="fixed_indegree", indegree=10, weight=0.1, delay=1.5)
m.poisson("ext", ["E"], rate=12000.0, weight=0.2)
rec = m.build(threads=2, seed=1).run(progress=False)
rate = rec.summary["populations"]["E"]["rate_Hz"]
assert 1 < rate < 500, rate
import pyNN
pyNN.__path__.append(pp + "/pyNN")
import pyNN.spikefield as sim
assert sim.__file__.startswith(pp), sim.__file__
sim.setup(timestep=0.1)
p = sim.Population(10, sim.IF_curr_exp(i_offset=1.0))
p.record("spikes")
sim.run(100.0)
n = sum(len(s) for s in p.get_data().segments[0].spiketrains)
assert n == 30, n     # every cell fires at 27.8, 55.6, 83.5 ms (V_inf = -45 mV)
print("ok: installed Python package (rate %.1f Hz) and pyNN.spikefield" % rate)
PY

# DESTDIR stages the same tree under a root; the .pc names the final PREFIX
mk install DESTDIR="$T/stage" PREFIX=/opt/sf
[ -f "$T/stage/opt/sf/lib/libspikefield.so.$hv" ] && [ -f "$T/stage/opt/sf/bin/spikefield" ] &&
  [ -f "$T/stage/opt/sf/include/spikefield/spikefield.h" ] || fail "DESTDIR install"
grep -q '^prefix=/opt/sf$' "$T/stage/opt/sf/lib/pkgconfig/spikefield.pc" || fail "DESTDIR .pc prefix"
grep -q '^LIBDIR = "/opt/sf/lib"$' "$T/stage/opt/sf/lib/python$pyver/dist-packages/spikefield/_install.py" ||
  fail "DESTDIR Python package"
echo "ok: DESTDIR staging"
