/* MPI scaling figures (docs/scaling.md; `make bench-mpi`, not part of
 * `make bench`): builds and runs a model on every process of an mpirun and
 * prints one JSON line per process: its neurons and synapses, the bytes of
 * its synapse tables, its peak resident memory, build and simulation time,
 * and the spikes exchanged per communication interval (all processes).
 * With the default (non-MPI) build it runs as one process.
 *
 *   mpirun -np P build-mpi/bench/mpi_scaling MODEL.yaml [THREADS [--set k=v ...]
 *                                                  [--write DIR]]
 *
 * With --write, rank 0 then writes the recording (spikes.h5 and the
 * traces) into DIR, as the command does (gather-and-write: every process
 * holds the spikes, the traces were combined on rank 0), and prints the
 * time and the bytes written (docs/scaling.md, spike output).
 *
 * Sees the private headers (like every benchmark) to count the tables this
 * process holds. */
#include "engine/engine_impl.h"
#include "spikefield/mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (sf_mpi_init(&argc, &argv) != 0 || argc < 2) {
        fprintf(stderr, "usage: mpi_scaling MODEL.yaml [THREADS [--set k=v ...]]\n");
        return 2;
    }
    const int threads = argc > 2 ? atoi(argv[2]) : 1;
    const char *sets[64], *wdir = NULL;
    int ns = 0;
    for (int i = 3; i + 1 < argc && ns < 64; i += 2)
        if (!strcmp(argv[i], "--set"))
            sets[ns++] = argv[i + 1];
        else if (!strcmp(argv[i], "--write"))
            wdir = argv[i + 1];
    sf_context *ctx = sf_context_create();
    sf_model *m;
    sf_network *net;
    sf_recording *rec;
    const int rank = sf_mpi_rank(), ranks = sf_mpi_size();
    if (sf_model_load(ctx, argv[1], sets, ns, &m) != SF_OK ||
        sf_network_build_part(ctx, m, threads, rank, ranks, &net) != SF_OK ||
        sf_engine_run(ctx, net, NULL, &rec) != SF_OK) {
        fprintf(stderr, "mpi_scaling: %s\n", sf_context_errmsg(ctx));
        sf_mpi_abort(1);
        return 1;
    }
    uint64_t syn = 0, bytes = 0, neurons = 0, spikes = 0;
    for (int i = 0; i < net->n_tables; i++) {
        const sf_syn_table *T = &net->tables[i];
        syn += T->n_syn;
        bytes += (uint64_t)((double)T->n_syn * T->syn->bytes_per_synapse(&m->proj[T->proj])) +
                 4ull * (T->n_src + 1ull);
    }
    for (int b = 0; b < net->n_blocks; b++)
        if (sf_block_local(net, &net->blocks[b]))
            neurons += net->blocks[b].n;
    for (int p = 0; p < m->n_pops; p++) {
        const uint32_t *ids;
        const int64_t *st;
        size_t n;
        if (sf_recording_spikes(rec, p, &ids, &st, &n))
            spikes += n;
    }
    const double intervals = (double)net->n_steps / net->slice;
    printf("{\"ranks\": %d, \"rank\": %d, \"threads\": %d, \"neurons\": %llu, \"synapses\": %llu, "
           "\"synapse_bytes\": %llu, \"peak_rss_bytes\": %llu, \"build_s\": %.3f, "
           "\"simulate_s\": %.3f, \"interval_ms\": %.2f, \"recorded_spikes_per_interval\": %.1f}\n",
           ranks, rank, threads, (unsigned long long)neurons, (unsigned long long)syn,
           (unsigned long long)bytes, (unsigned long long)sf_mem_peak_rss(),
           sf_network_build_seconds(net), sf_recording_seconds(rec), net->slice * net->h,
           spikes / intervals);
    fflush(stdout);
    if (wdir && rank == 0) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (sf_recording_write(ctx, rec, m, wdir) != SF_OK)
            fprintf(stderr, "mpi_scaling: %s\n", sf_context_errmsg(ctx));
        clock_gettime(CLOCK_MONOTONIC, &b);
        char path[4200];
        snprintf(path, sizeof path, "%s/spikes.h5", wdir);
        struct stat st;
        printf("{\"ranks\": %d, \"recorded_spikes\": %llu, \"spikes_h5_bytes\": %lld, "
               "\"write_s\": %.3f}\n", ranks, (unsigned long long)spikes,
               stat(path, &st) == 0 ? (long long)st.st_size : -1LL,
               (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec));
        fflush(stdout);
    }
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    sf_mpi_finalize();
    return 0;
}
