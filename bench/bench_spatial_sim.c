/* Benchmark of the simulation of a spatial network (issue 14,
 * docs/spatial.md): CPU ns per synaptic event of one network of N
 * iaf_psc_exp neurons on a 2-D torus at random positions, driven by
 * Poisson input, recurrent fixed in-degree K with weights small enough
 * that the rates are the drive's (so every variant delivers the same
 * events), in four variants:
 *   none      no recurrent projection (the drive and the updates alone),
 *   plain     fixed_indegree, constant delay,
 *   spatial   spatial_fixed_indegree (Gaussian), constant delay: the same
 *             synapse tables as plain (2 bytes per synapse),
 *   distance  spatial_fixed_indegree with distance delays d0 + r / v (a
 *             delay per synapse: 4 bytes).
 * ns_per_event is the run's CPU time over the events (spikes x K);
 * delivery_ns_per_event subtracts the variant none's CPU time. The
 * variants' rates are printed to show the events are comparable.
 * usage: bench_spatial_sim [VARIANT|all] (default all); BENCH_THREADS
 * (default 2), BENCH_SPATIAL_SIM_N (default 20000), BENCH_SPATIAL_SIM_T
 * (ms, default 1000). Instruction counts: run one variant under
 * valgrind --tool=callgrind (docs/spatial.md). Prints one JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spikefield/model.h"
#include "spikefield/network.h"
#include "bench_util.h"

typedef struct {
    double cpu, wall, spikes, events, bytes_per_syn;
} result;

static result simulate(sf_context *ctx, const char *variant, long n, double T, int threads)
{
    const long K = 500;
    char proj[512] = "";
    if (!strcmp(variant, "plain"))
        snprintf(proj, sizeof proj, "projections:\n  EE: {source: E, target: E, rule: "
                 "fixed_indegree, indegree: %ld, weight: 0.01, delay: 1.5}\n", K);
    else if (!strcmp(variant, "spatial"))
        snprintf(proj, sizeof proj, "projections:\n  EE: {source: E, target: E, rule: "
                 "spatial_fixed_indegree, indegree: %ld, profile: {kind: gaussian, width: 0.1}, "
                 "weight: 0.01, delay: 1.5}\n", K);
    else if (!strcmp(variant, "distance"))
        snprintf(proj, sizeof proj, "projections:\n  EE: {source: E, target: E, rule: "
                 "spatial_fixed_indegree, indegree: %ld, profile: {kind: gaussian, width: 0.1}, "
                 "weight: 0.01, delay: 0.5, speed: 0.5}\n", K);
    else if (strcmp(variant, "none")) {
        fprintf(stderr, "bench_spatial_sim: unknown variant %s (none, plain, spatial, distance)\n",
                variant);
        exit(2);
    }
    char text[2048];
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: %g, seed: 1}\n"
             "populations:\n"
             "  E: {model: iaf_psc_exp, n: %ld, params: {tau_m: 10.0, t_ref: 2.0}, "
             "space: {geometry: torus, extent: 1.0, layout: random}}\n"
             "%s"
             "inputs:\n  ext: {kind: poisson, targets: [E], rate: 2000.0, weight: 87.8}\n"
             "recorders:\n  spikes: {kind: spikes, populations: [E]}\n",
             T, n, proj);
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_recording *rec = NULL;
    if (sf_model_load_string(ctx, text, "bench_spatial_sim", NULL, 0, &m) ||
        sf_network_build(ctx, m, threads, &net) || sf_engine_run(ctx, net, NULL, &rec)) {
        fprintf(stderr, "bench_spatial_sim: %s\n", sf_context_errmsg(ctx));
        exit(1);
    }
    const uint32_t *ids;
    const int64_t *steps;
    size_t ns = 0;
    sf_recording_spikes(rec, 0, &ids, &steps, &ns);
    result r = {sf_recording_cpu_seconds(rec), sf_recording_seconds(rec), (double)ns,
                strcmp(variant, "none") ? (double)ns * K : 0, sf_network_bytes_per_synapse(net)};
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
    return r;
}

int main(int argc, char **argv)
{
    const char *te = getenv("BENCH_THREADS"), *tn = getenv("BENCH_SPATIAL_SIM_N"),
               *tt = getenv("BENCH_SPATIAL_SIM_T");
    const char *want = argc > 1 ? argv[1] : "all";
    int threads = te ? atoi(te) : 2;
    long n = tn ? atol(tn) : 20000;
    double T = tt ? atof(tt) : 1000.0;
    double load = bench_load_average();
    sf_context *ctx = sf_context_create();
    static const char *const names[] = {"none", "plain", "spatial", "distance"};
    result res[4];
    bool done[4] = {false};
    for (int v = 0; v < 4; v++)
        if (!strcmp(want, "all") || !strcmp(want, names[v])) {
            res[v] = simulate(ctx, names[v], n, T, threads);
            done[v] = true;
        }
    printf("{\"bench\": \"spatial_sim\", \"threads\": %d, \"neurons\": %ld, \"indegree\": 500, "
           "\"duration_ms\": %g, \"load_avg_1min\": %.2f", threads, n, T, load);
    for (int v = 0; v < 4; v++) {
        if (!done[v])
            continue;
        result r = res[v];
        printf(", \"%s\": {\"cpu_s\": %.3f, \"wall_s\": %.3f, \"rate_Hz\": %.3f, \"events\": %.0f",
               names[v], r.cpu, r.wall, r.spikes / (n * T * 1e-3), r.events);
        if (v > 0 && r.events > 0) {
            printf(", \"ns_per_event\": %.3f, \"bytes_per_synapse\": %.2f", 1e9 * r.cpu / r.events,
                   r.bytes_per_syn);
            if (done[0])
                printf(", \"delivery_ns_per_event\": %.3f", 1e9 * (r.cpu - res[0].cpu) / r.events);
        }
        printf("}");
    }
    if (done[1] && done[2] && done[0])
        printf(", \"spatial_over_plain_delivery\": %.3f, \"distance_over_plain_delivery\": %.3f",
               (res[2].cpu - res[0].cpu) / (res[1].cpu - res[0].cpu),
               done[3] ? (res[3].cpu - res[0].cpu) / (res[1].cpu - res[0].cpu) : 0.0);
    printf(", \"target_ratio\": 1.2}\n");
    sf_context_destroy(ctx);
    return 0;
}
