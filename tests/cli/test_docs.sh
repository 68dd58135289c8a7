#!/bin/sh
# docs/models.md is generated from the neuron models' parameter tables; it must
# match what the binary says (regenerate with `make docs`).
SF=${1:-build/spikefield}
if "$SF" models --markdown | diff -u docs/models.md - ; then
  echo "ok: docs/models.md is up to date"
else
  echo "FAIL: docs/models.md is stale; run make docs"; exit 1
fi
