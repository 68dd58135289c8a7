/* Spike output, serial against parallel HDF5 (docs/scaling.md, "Spike
 * output: serial against parallel HDF5"; run by bench/mpi/phdf5.sh). A
 * standalone benchmark: not linked into the library, not built by the
 * Makefile; it needs Debian's parallel HDF5 (libhdf5-openmpi-dev), which
 * phdf5.sh extracts into a temporary folder instead of installing it.
 *
 * Writes one SONATA-like spike file, /spikes/<pop>/node_ids (u64) and
 * timestamps (f64, ms), sorted by node, of N synthetic spikes, in two ways:
 *   serial  rank 0 alone, after the data is on rank 0 (what spikefield
 *           does: every process already holds all spikes after the
 *           exchange, so the "gather" costs no message);
 *   coll    parallel HDF5 (H5Pset_fapl_mpio), rank r writes its contiguous
 *           hyperslab [r N / P, (r + 1) N / P), collective transfer;
 *   indep   the same with independent transfer;
 * in two layouts: contig (contiguous, no filter) and chunked (chunks of
 * 65,536 elements, shuffle + deflate 4, as src/engine/sonata.c writes).
 * Parallel HDF5 1.10 writes filtered datasets only collectively, so
 * indep/chunked is not run. One timed write = create the file, the group,
 * its attribute and the two datasets, write, close; the time is rank 0's
 * wall clock from a barrier before to a barrier after (the slowest rank).
 * No fsync: the page cache takes the bytes, as for spikefield's writer.
 *
 * The invariant: every way writes the same datasets (phdf5_check.py reads
 * them back and compares), whatever P.
 *
 * Built against serial HDF5 (no H5_HAVE_PARALLEL) it runs the serial way
 * only: the cross-check that the parallel library's serial path is as fast
 * as the serial library spikefield links.
 *
 *   mpirun -np P phdf5_write DIR N [REPS]
 * prints one JSON line per case, leaves DIR/<way>_<layout>_<N>.h5. */
#include <hdf5.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POP "microcircuit"
#define N_NODES 7712u /* the microcircuit at 0.1 scale */
#define CHUNK 65536u

/* N spikes sorted by node: node i gets about N / N_NODES spikes on a 0.1 ms
 * grid, at pseudo-random (64-bit LCG) increasing steps. Deterministic, the
 * same on every rank. */
static void make_spikes(uint64_t n, uint64_t *ids, double *ts)
{
    uint64_t s = 0x9E3779B97F4A7C15u, k = 0;
    for (uint64_t node = 0; node < N_NODES; node++) {
        uint64_t end = (node + 1) * n / N_NODES, step = 0;
        for (; k < end; k++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            step += 1 + (s >> 54); /* 1..1024 steps of 0.1 ms */
            ids[k] = node;
            ts[k] = 0.1 * (double)step;
        }
    }
}

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "phdf5_write: %s failed\n", what);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

/* The group /spikes/POP with SONATA's sorting attribute; collective in
 * parallel (every rank makes the same calls). */
static hid_t make_group(hid_t f)
{
    hid_t g0 = H5Gcreate2(f, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(g0, POP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 5);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(g, "sorting", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    check(g0 >= 0 && g >= 0 && a >= 0 && H5Awrite(a, t, "by_id") >= 0, "group");
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    H5Gclose(g0);
    return g;
}

/* Writes elements [lo, hi) of data into a new dataset of n elements (all of
 * it when the way is serial: lo = 0, hi = n). */
static void write_set(hid_t g, const char *name, hid_t ftype, hid_t mtype, const void *data,
                      size_t esize, uint64_t n, uint64_t lo, uint64_t hi, int chunked, hid_t xfer)
{
    hsize_t dim = n, c = n < CHUNK ? n : CHUNK, off = lo, cnt = hi - lo;
    hid_t cp = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(cp, 0);
    if (chunked) {
        H5Pset_chunk(cp, 1, &c);
        H5Pset_shuffle(cp);
        H5Pset_deflate(cp, 4);
    }
    hid_t fs = H5Screate_simple(1, &dim, NULL);
    hid_t ds = H5Dcreate2(g, name, ftype, fs, H5P_DEFAULT, cp, H5P_DEFAULT);
    check(ds >= 0, "H5Dcreate2");
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    if (cnt)
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    else {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    check(H5Dwrite(ds, mtype, ms, fs, xfer, (const char *)data + lo * esize) >= 0, "H5Dwrite");
    check(H5Dclose(ds) >= 0, "H5Dclose");
    H5Sclose(ms);
    H5Sclose(fs);
    H5Pclose(cp);
}

/* One timed write; way 0 serial, 1 collective, 2 independent. */
static double write_once(const char *path, int way, int chunked, uint64_t n, const uint64_t *ids,
                         const double *ts, int rank, int np)
{
    (void)np; /* used by the parallel ways only */
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    if (way == 0 ? rank == 0 : 1) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), xfer = H5Pcreate(H5P_DATASET_XFER);
        uint64_t lo = 0, hi = n;
        if (way) {
#ifdef H5_HAVE_PARALLEL
            H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
            H5Pset_dxpl_mpio(xfer, way == 1 ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT);
            lo = (uint64_t)rank * n / (uint64_t)np;
            hi = (uint64_t)(rank + 1) * n / (uint64_t)np;
#endif
        }
        hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        check(f >= 0, "H5Fcreate");
        hid_t g = make_group(f);
        write_set(g, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, ids, sizeof *ids, n, lo, hi,
                  chunked, xfer);
        write_set(g, "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ts, sizeof *ts, n, lo, hi,
                  chunked, xfer);
        H5Gclose(g);
        check(H5Fclose(f) >= 0, "H5Fclose");
        H5Pclose(xfer);
        H5Pclose(fapl);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    return MPI_Wtime() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (argc < 3) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -np P phdf5_write DIR N [REPS]\n");
        MPI_Finalize();
        return 2;
    }
    const char *dir = argv[1];
    const uint64_t n = (uint64_t)strtod(argv[2], NULL);
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    reps = reps < 1 ? 1 : reps > 32 ? 32 : reps;
    uint64_t *ids = malloc(n * sizeof *ids + 1);
    double *ts = malloc(n * sizeof *ts + 1);
    check(ids && ts, "malloc");
    make_spikes(n, ids, ts);
#ifdef H5_HAVE_PARALLEL
    static const char *way_name[] = {"serial", "coll", "indep"};
#else
    static const char *way_name[] = {"serial_lib", "coll", "indep"}; /* the serial library */
#endif
    for (int way = 0; way < 3; way++)
        for (int chunked = 0; chunked < 2; chunked++) {
            if (way == 2 && chunked)
                continue; /* filters need collective writes in HDF5 1.10 */
#ifndef H5_HAVE_PARALLEL
            if (way)
                continue; /* built against serial HDF5: the serial way only */
#endif
            char path[4096];
            snprintf(path, sizeof path, "%s/%s_%s_%llu.h5", dir, way_name[way],
                     chunked ? "chunked" : "contig", (unsigned long long)n);
            double t[32];
            for (int r = 0; r < reps; r++)
                t[r] = write_once(path, way, chunked, n, ids, ts, rank, np);
            qsort(t, (size_t)reps, sizeof *t, cmp_double);
            double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
            if (rank == 0)
                printf("{\"way\":\"%s\",\"layout\":\"%s\",\"np\":%d,\"spikes\":%llu,"
                       "\"reps\":%d,\"median_s\":%.4f,\"min_s\":%.4f}\n",
                       way_name[way], chunked ? "chunked" : "contig", np,
                       (unsigned long long)n, reps, med, t[0]);
            fflush(stdout);
        }
    free(ids);
    free(ts);
    MPI_Finalize();
    return 0;
}
