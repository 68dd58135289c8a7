#!/bin/sh
# `make install` gives a library that other programs can use: the shared
# library with its SONAME and links, the static library, the headers, the
# pkg-config file and the command land under PREFIX (or DESTDIR/PREFIX);
# the example programs of examples/c build through pkg-config against the
# installed copy (shared, and static with --static), run, and print finite,
# positive rates for every population; docs/api.md lists the example as it is.
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
[ "$("$P/bin/spikefield" --version)" = "spikefield $hv" ] || fail "spikefield --version"
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

# DESTDIR stages the same tree under a root; the .pc names the final PREFIX
mk install DESTDIR="$T/stage" PREFIX=/opt/sf
[ -f "$T/stage/opt/sf/lib/libspikefield.so.$hv" ] && [ -f "$T/stage/opt/sf/bin/spikefield" ] &&
  [ -f "$T/stage/opt/sf/include/spikefield/spikefield.h" ] || fail "DESTDIR install"
grep -q '^prefix=/opt/sf$' "$T/stage/opt/sf/lib/pkgconfig/spikefield.pc" || fail "DESTDIR .pc prefix"
echo "ok: DESTDIR staging"
