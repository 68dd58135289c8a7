/* Benchmark of plastic synapses: a model with plastic projections (default
 * examples/stdp_brunel.yaml) against the same model with every plastic
 * projection made static (--set projections.<name>.synapse=static_synapse),
 * built and run `reps` times each, alternating; the run time is the best
 * wall-clock time of sf_engine_run (CPU time with SF_BENCH_CPU set, for a
 * shared machine). Storage per plastic synapse is what
 * the plastic projections' tables hold (per synapse: target, weight,
 * delay when it varies; per source: row offset and the rule's per-source
 * state) divided by their synapses, and separately the postsynaptic spike
 * archives' entries at the end (docs/plasticity.md, docs/benchmarks.md).
 *
 *   usage: bench_plasticity [MODEL [THREADS [REPS [--set PATH=VALUE ...]]]]
 *
 * Prints one JSON line: the numbers, the targets (issue 13: at most 12
 * bytes per plastic synapse and at most 3 times the static run's time),
 * whether both are met ("ok") and the 1-minute load average at the end (the
 * ratio of CPU times on a loaded machine is what to compare). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network_impl.h"
#include "spikefield/model.h"
#include "synapses/spike_archive.h"
#include "bench_util.h"

static int cpu; /* time by CPU time (a shared machine), else wall clock */

static double run_once(sf_context *ctx, const char *path, const char *const *sets, int n_sets,
                       int threads, double *bytes_plastic, uint64_t *n_plastic, double *arch_bytes,
                       double *rate)
{
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_recording *rec = NULL;
    if (sf_model_load(ctx, path, sets, n_sets, &m) != SF_OK ||
        sf_network_build(ctx, m, threads, &net) != SF_OK ||
        sf_engine_run(ctx, net, NULL, &rec) != SF_OK) {
        fprintf(stderr, "bench_plasticity: %s\n", sf_context_errmsg(ctx));
        exit(1);
    }
    double bytes = 0;
    uint64_t n = 0;
    for (int i = 0; i < net->n_tables; i++) {
        const sf_syn_table *T = &net->tables[i];
        if (!T->syn->plastic)
            continue;
        n += T->n_syn;
        bytes += (double)T->n_syn * T->syn->bytes_per_synapse(&m->proj[T->proj]) +
                 ((double)T->n_src + 1) * (4.0 + (double)T->syn->row_bytes);
    }
    double ab = 0;
    for (int b = 0; b < net->n_blocks; b++)
        for (int a = 0; a < net->blocks[b].n_archives; a++)
            if (net->blocks[b].arch_type[a] == &sf_archive_spikes)
                ab += (double)sf_spike_archive_bytes(net->blocks[b].arch[a]);
    const uint32_t *ids;
    const int64_t *steps;
    size_t ns, tot = 0;
    for (int p = 0; p < m->n_pops; p++)
        if (sf_recording_spikes(rec, p, &ids, &steps, &ns))
            tot += ns;
    *rate = (double)tot / (double)sf_model_neurons(m) / (sf_recording_t_end(rec) * 1e-3);
    *bytes_plastic = n ? bytes / (double)n : 0;
    *n_plastic = n;
    *arch_bytes = ab;
    double s = cpu ? sf_recording_cpu_seconds(rec) : sf_recording_seconds(rec);
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
    return s;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/stdp_brunel.yaml";
    const int threads = argc > 2 ? atoi(argv[2]) : 1;
    const int reps = argc > 3 ? atoi(argv[3]) : 2;
    const char *sets[64];
    int n_sets = 0;
    cpu = getenv("SF_BENCH_CPU") != NULL;
    for (int i = 4; i + 1 < argc && n_sets < 48; i += 2)
        if (!strcmp(argv[i], "--set"))
            sets[n_sets++] = argv[i + 1];
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    if (!ctx || sf_model_load(ctx, path, sets, n_sets, &m) != SF_OK) {
        fprintf(stderr, "bench_plasticity: %s\n", ctx ? sf_context_errmsg(ctx) : "no memory");
        return 1;
    }
    /* the static twin: every plastic projection made static */
    static char buf[48][300];
    const char *ssets[64];
    int ns = 0;
    for (int i = 0; i < n_sets; i++)
        ssets[ns++] = sets[i];
    for (int i = 0; i < sf_model_projection_count(m) && ns < 64 && i < 48; i++)
        if (sf_model_projection_plastic(m, i)) {
            snprintf(buf[i], sizeof buf[i], "projections.%s.synapse=static_synapse",
                     sf_model_projection_name(m, i));
            ssets[ns++] = buf[i];
        }
    sf_model_destroy(m);
    double best_p = 1e300, best_s = 1e300, bp = 0, bs = 0, ab = 0, ab0, rp = 0, rs = 0;
    uint64_t np = 0, n0;
    for (int r = 0; r < reps; r++) {
        double t = run_once(ctx, path, ssets, ns, threads, &bs, &n0, &ab0, &rs);
        best_s = t < best_s ? t : best_s;
        t = run_once(ctx, path, sets, n_sets, threads, &bp, &np, &ab, &rp);
        best_p = t < best_p ? t : best_p;
    }
    double load = bench_load_average();
    const double ratio = best_p / best_s;
    printf("{\"bench\": \"plasticity\", \"model\": \"%s\", \"threads\": %d, \"clock\": \"%s\", "
           "\"reps\": %d, \"plastic_synapses\": %llu, \"bytes_per_plastic_synapse\": %.3f, "
           "\"bytes_target\": 12, \"archive_bytes_per_plastic_synapse\": %.4f, \"static_s\": %.3f, "
           "\"plastic_s\": %.3f, \"ratio\": %.3f, \"ratio_target\": 3, \"ok\": %s, "
           "\"rate_static_Hz\": %.2f, \"rate_plastic_Hz\": %.2f, \"loadavg_1min\": %.2f}\n",
           path, threads, cpu ? "cpu" : "wall", reps, (unsigned long long)np, bp,
           np ? ab / (double)np : 0.0, best_s, best_p, ratio,
           bp <= 12.0 && ratio <= 3.0 ? "true" : "false", rs, rp, load);
    sf_context_destroy(ctx);
    return 0;
}
