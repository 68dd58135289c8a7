#!/bin/sh
# Installs the Debian 12 packages spikefield needs to build, test and plot.
# Idempotent: packages already installed are skipped, so `make` stays fast.
set -e
PKGS="build-essential pkg-config libgsl-dev libfftw3-dev libhdf5-dev libfyaml-dev
librandom123-dev libcerf-dev liblapacke-dev libopenblas-dev libdsdp-dev libcmocka-dev
libflint-arb-dev valgrind python3 python3-numpy python3-matplotlib python3-h5py python3-pytest
python3-cffi python3-neo python3-pynn libopenmpi-dev openmpi-bin"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
  echo "error: missing packages and not root; run: sudo apt-get install$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
