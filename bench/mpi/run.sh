#!/bin/sh
# MPI figures (docs/scaling.md): the microcircuit at 0.1 scale (1 s, or
# BENCH_MPI_MS) on 1, 2 and 4 processes of one thread each, one JSON line
# per process (bench/mpi/mpi_scaling.c). On a machine with fewer cores than
# processes (mpirun --oversubscribe) the times are not scaling numbers: the
# processes share the cores; the memory per process is.
#   usage: sh bench/mpi/run.sh [BUILD_DIR]      (make bench-mpi: build-mpi)
BUILD=${1:-build-mpi}
MS=${BENCH_MPI_MS:-1000}
MODEL=$(dirname "$0")/../../examples/microcircuit.yaml
for np in ${BENCH_MPI_NP:-1 2 4}; do
  mpirun --oversubscribe --allow-run-as-root -np "$np" "$BUILD/bench/mpi_scaling" "$MODEL" 1 \
    --set scale.neurons=0.1 --set simulation.duration="$MS" --set analysis.start=0 | sort -t: -k3
done
