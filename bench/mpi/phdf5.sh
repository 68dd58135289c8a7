#!/bin/sh
# Spike output, serial against parallel HDF5 (docs/scaling.md, "Spike
# output: serial against parallel HDF5"): downloads Debian's parallel HDF5
# (libhdf5-openmpi-dev, libhdf5-openmpi-103-1) with `apt-get download` and
# extracts it with `dpkg -x` into a temporary folder (nothing installed: the
# system's hdf5.pc alternative, which the default build reads, stays the
# serial one), compiles bench/mpi/phdf5_write.c against it with mpicc (and
# once against the system's serial HDF5, the library spikefield links),
# runs every N on every process count, one JSON line per case, and checks
# with h5py that all ways wrote the same datasets (phdf5_check.py).
#   usage: sh bench/mpi/phdf5.sh
#   env:   PHDF5_N="3e4 1e6 1e7"  PHDF5_NP="1 2 4"  PHDF5_REPS (5; 3 for 1e7)
#          PHDF5_DEBS=DIR  (the two .deb files already downloaded there)
#          PHDF5_TMP=DIR   (scratch folder; default mktemp -d, removed after)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=${PHDF5_TMP:-$(mktemp -d /tmp/phdf5.XXXXXX)}
[ -n "${PHDF5_TMP:-}" ] || trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/debs" "$TMP/root" "$TMP/out"
if [ -n "${PHDF5_DEBS:-}" ]; then
  cp "$PHDF5_DEBS"/libhdf5-openmpi-dev_*.deb "$PHDF5_DEBS"/libhdf5-openmpi-103-1_*.deb "$TMP/debs/"
else
  (cd "$TMP/debs" && apt-get download libhdf5-openmpi-dev libhdf5-openmpi-103-1)
fi
for d in "$TMP"/debs/*.deb; do dpkg -x "$d" "$TMP/root"; done
INC=$TMP/root/usr/include/hdf5/openmpi
LIB=$TMP/root/usr/lib/x86_64-linux-gnu/hdf5/openmpi
mpicc -O2 -std=c11 -Wall -Wextra -Wshadow -I"$INC" "$HERE/phdf5_write.c" -o "$TMP/phdf5_write" \
  -L"$LIB" -Wl,-rpath,"$LIB" -Wl,-rpath,"$TMP/root/usr/lib/x86_64-linux-gnu" -lhdf5
# shellcheck disable=SC2046
mpicc -O2 -std=c11 -Wall -Wextra -Wshadow $(pkg-config --cflags hdf5) "$HERE/phdf5_write.c" \
  -o "$TMP/serial_write" $(pkg-config --libs hdf5)
echo "# $(uptime)"
echo "# $(nproc) cores; $(ldd "$TMP/phdf5_write" | grep -o 'libhdf5[^ ]*' | head -1) $(dpkg-deb -f "$TMP"/debs/libhdf5-openmpi-dev_*.deb Version)"
for np in ${PHDF5_NP:-1 2 4}; do
  for n in ${PHDF5_N:-3e4 1e6 1e7}; do
    reps=${PHDF5_REPS:-$([ "$n" = 1e7 ] && echo 3 || echo 5)}
    mpirun --oversubscribe --allow-run-as-root -np "$np" "$TMP/phdf5_write" "$TMP/out" "$n" "$reps"
    [ "$np" != 1 ] || mpirun --oversubscribe --allow-run-as-root -np 1 "$TMP/serial_write" "$TMP/out" "$n" "$reps"
  done
  /usr/bin/python3 "$HERE/phdf5_check.py" "$TMP/out" >"$TMP/check.txt" || { cat "$TMP/check.txt"; exit 1; }
  sed 's/^/# np '"$np"': /' "$TMP/check.txt"
  rm -f "$TMP"/out/*.h5
done
echo "# $(uptime)"
