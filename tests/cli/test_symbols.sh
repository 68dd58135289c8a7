#!/bin/sh
# libspikefield.so exports exactly its documented API: the dynamic symbols it
# defines (nm -D --defined-only) are the functions declared with SF_API in
# include/spikefield/*.h, both ways (every SF_API function exported, nothing
# else exported), and every function those headers declare carries SF_API.
# usage: tests/cli/test_symbols.sh BUILD_DIR/spikefield (the library is taken
# from the same build directory)
SF=${1:-build/spikefield}
LIB="$(dirname "$SF")/libspikefield.so"
CC=${CC:-cc}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
[ -f "$LIB" ] || { echo "FAIL: no $LIB"; exit 1; }

# exported: every defined dynamic symbol but the linker's own
nm -D --defined-only "$LIB" | awk '{print $NF}' |
  grep -v -x -e _init -e _fini -e _edata -e _end -e __bss_start | sort -u > "$T/exported"

: > "$T/api_all"
for h in include/spikefield/*.h; do
  base=$(basename "$h")
  # SF_API declarations: the name is the identifier before the first '('
  if grep '^SF_API' "$h" | grep -v '(' | grep . > "$T/bad"; then
    echo "FAIL: $base: SF_API declaration without its name and '(' on the same line:"
    cat "$T/bad"; fail=1
  fi
  grep '^SF_API' "$h" | sed -E 's/\(.*//; s/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*$/\1/' |
    sort -u > "$T/api.$base"
  cat "$T/api.$base" >> "$T/api_all"
  # every function the header declares (gcc's -aux-info lists them with
  # their file), which must all be SF_API
  printf '#include "spikefield/%s"\n' "$base" > "$T/inc.c"
  if ! $CC -std=c11 -D_GNU_SOURCE -Iinclude -fsyntax-only -aux-info "$T/aux" "$T/inc.c" 2> "$T/err"; then
    echo "FAIL: $base does not compile on its own:"; cat "$T/err"; fail=1; continue
  fi
  grep "^/\* include/spikefield/$base:" "$T/aux" | sed -E 's|^/\*[^*]*\*/ *||; s/ \(.*//; s/.*[ *]//' |
    sort -u > "$T/decl.$base"
  missing=$(comm -23 "$T/api.$base" "$T/exported")
  [ -n "$missing" ] && { echo "FAIL: $base: declared SF_API but not exported:" $missing; fail=1; }
  unmarked=$(comm -23 "$T/decl.$base" "$T/api.$base")
  [ -n "$unmarked" ] && { echo "FAIL: $base: declared without SF_API:" $unmarked; fail=1; }
done
sort -u "$T/api_all" -o "$T/api_all"
extra=$(comm -13 "$T/api_all" "$T/exported")
[ -n "$extra" ] && { echo "FAIL: exported but not declared SF_API in include/spikefield:" $extra; fail=1; }
[ "$(wc -l < "$T/exported")" -gt 50 ] || { echo "FAIL: only $(wc -l < "$T/exported") symbols exported"; fail=1; }
[ $fail = 0 ] && echo "ok: $(wc -l < "$T/exported") exported symbols, all declared SF_API in include/spikefield"
exit $fail
