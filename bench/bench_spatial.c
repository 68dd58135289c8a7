/* Benchmark of spatial networks (issue 14, docs/spatial.md): the build of
 * a 2-D torus of 10^5 neurons at random positions with Gaussian fixed
 * in-degree K = 1000 (10^8 synapses; target <= 2 s wall on 2 idle
 * threads), beside the same network with the non-spatial fixed_indegree
 * and the spatial one with distance-dependent delays, and the rate model's
 * stability scan over 200 wavenumbers x 6 branches of an E-I network
 * (target < 50 ms).
 *
 * Wall and CPU seconds (all threads) of each build: the machine is shared,
 * so CPU seconds / threads is what an idle machine's wall time would be
 * (the builds are parallel over the blocks, two per population on two
 * threads); ns_per_synapse is CPU ns per synapse. The load average at the
 * start is printed with the numbers. Threads: BENCH_THREADS (default 2);
 * BENCH_SPATIAL_N scales the neuron count (default 100000); BENCH_SPATIAL_ONLY
 * set: only the Gaussian torus build (for profiling; BENCH_SPATIAL_K sets
 * its in-degree, BENCH_SPATIAL_GEOMETRY the geometry, BENCH_SPATIAL_RULE
 * the rule and profile text), and with
 * BENCH_SPATIAL_HASH set also a hash of its synapses with delays (source,
 * target, delay in canonical order; the check that a faster draw gives
 * the same network). Prints one JSON line;
 * builds are one run each, the scan the best of 20. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spikefield/network.h"
#include "theory/spatial/field.h"
#include "bench_util.h"

typedef struct {
    double wall, cpu;
    unsigned long long syn;
    double bytes_per_syn;
    unsigned long long hash;
} built;

/* FNV-1a over the synapses (source, target, delay steps), canonical order. */
static unsigned long long net_hash(const sf_network *net)
{
    uint64_t n = sf_network_synapses(net), h = 1469598103934665603ull;
    uint32_t *s = malloc(sizeof(uint32_t) * n), *t = malloc(sizeof(uint32_t) * n);
    uint32_t *d = malloc(sizeof(uint32_t) * n);
    if (!s || !t || !d) {
        fprintf(stderr, "bench_spatial: no memory for the hash\n");
        exit(1);
    }
    n = sf_network_weights(net, 0, s, t, NULL, d, n);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v[3] = {s[i], t[i], d[i]};
        for (int k = 0; k < 3; k++)
            h = (h ^ v[k]) * 1099511628211ull;
    }
    free(s);
    free(t);
    free(d);
    return h;
}

static built build(sf_context *ctx, const char *rule, const char *delay, long n, int threads)
{
    char text[2048];
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 1}\n"
             "populations:\n"
             "  E: {model: iaf_psc_exp, n: %ld, space: {geometry: %s, extent: 1.0, "
             "layout: random}}\n"
             "projections:\n"
             "  EE: {source: E, target: E, rule: %s, indegree: %ld, weight: 1.0, %s}\n",
             n, getenv("BENCH_SPATIAL_GEOMETRY") ? getenv("BENCH_SPATIAL_GEOMETRY") : "torus", rule,
             getenv("BENCH_SPATIAL_K") ? atol(getenv("BENCH_SPATIAL_K")) : 1000L, delay);
    sf_model *m = NULL;
    sf_network *net = NULL;
    if (sf_model_load_string(ctx, text, "bench_spatial", NULL, 0, &m)) {
        fprintf(stderr, "bench_spatial: %s\n", sf_context_errmsg(ctx));
        exit(1);
    }
    double c0 = sf_cpu_time();
    if (sf_network_build(ctx, m, threads, &net)) {
        fprintf(stderr, "bench_spatial: %s\n", sf_context_errmsg(ctx));
        exit(1);
    }
    built b = {sf_network_build_seconds(net), sf_cpu_time() - c0,
               (unsigned long long)sf_network_synapses(net), sf_network_bytes_per_synapse(net), 0};
    if (getenv("BENCH_SPATIAL_HASH"))
        b.hash = net_hash(net);
    sf_network_destroy(net);
    sf_model_destroy(m);
    return b;
}

static void put(const char *name, built b, int threads, int last)
{
    printf("\"%s\": {\"wall_s\": %.3f, \"cpu_s\": %.3f, \"cpu_per_thread_s\": %.3f, "
           "\"ns_per_synapse\": %.2f, \"synapses\": %llu, \"bytes_per_synapse\": %.2f}%s",
           name, b.wall, b.cpu, b.cpu / threads, 1e9 * b.cpu / (double)b.syn, b.syn,
           b.bytes_per_syn, last ? "" : ", ");
}

int main(void)
{
    const char *te = getenv("BENCH_THREADS"), *tn = getenv("BENCH_SPATIAL_N");
    int threads = te ? atoi(te) : 2;
    long n = tn ? atol(tn) : 100000;
    double load = bench_load_average();
    sf_context *ctx = sf_context_create();
    const char *gauss = "spatial_fixed_indegree, profile: {kind: gaussian, width: 0.1}";
    if (getenv("BENCH_SPATIAL_ONLY") && getenv("BENCH_SPATIAL_RULE"))
        gauss = getenv("BENCH_SPATIAL_RULE");
    const char *dl = getenv("BENCH_SPATIAL_DELAY");
    built sp = build(ctx, gauss, dl ? dl : "delay: 1.0", n, threads);
    if (getenv("BENCH_SPATIAL_ONLY")) {
        printf("{\"bench\": \"spatial\", \"threads\": %d, \"neurons\": %ld, \"load_avg_1min\": "
               "%.2f, ", threads, n, load);
        put("torus_gaussian", sp, threads, 0);
        printf("\"hash\": \"%016llx\"}\n", sp.hash);
        sf_context_destroy(ctx);
        return 0;
    }
    built pl = build(ctx, "fixed_indegree", "delay: 1.0", n, threads);
    built dd = build(ctx, gauss, "delay: 0.5, speed: 0.3", n, threads);
    /* stability: E-I rows, boxcar R_E = 0.2, R_I = 0.07 mm, ring of 1 mm */
    enum { NK = 200 };
    static double complex W[NK * 4];
    static double k[NK];
    for (int i = 0; i < NK; i++) {
        k[i] = 2 * M_PI * i;
        double pe = sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.2, 1, k[i]);
        double pi = sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.07, 1, k[i]);
        W[4 * i] = W[4 * i + 2] = 2.735 * pe;
        W[4 * i + 1] = W[4 * i + 3] = -3.418 * pi;
    }
    int br[6] = {0, -1, 1, -2, 2, -3};
    double best = INFINITY;
    for (int r = 0; r < 20; r++) {
        sf_field_root lead;
        double t0 = sf_wall_time();
        if (sf_field_stability(ctx, 2, W, k, NK, 0.00194, 0.0015, br, 6, NULL, &lead)) {
            fprintf(stderr, "bench_spatial: %s\n", sf_context_errmsg(ctx));
            return 1;
        }
        best = fmin(best, sf_wall_time() - t0);
    }
    /* the target is on an idle machine: CPU seconds per thread stand for it */
    bool ok = sp.cpu / threads <= 2.0 * n / 100000.0;
    printf("{\"bench\": \"spatial\", \"threads\": %d, \"neurons\": %ld, \"indegree\": 1000, "
           "\"load_avg_1min\": %.2f, ", threads, n, load);
    put("torus_gaussian", sp, threads, 0);
    put("plain_fixed_indegree", pl, threads, 0);
    put("torus_gaussian_distance_delays", dd, threads, 0);
    printf("\"spatial_over_plain_cpu\": %.3f, \"build_target_s\": 2.0, \"build_ok\": %s, "
           "\"stability_ms\": %.3f, \"stability_target_ms\": 50.0, \"stability_ok\": %s}\n",
           sp.cpu / pl.cpu, ok ? "true" : "false", best * 1e3, best * 1e3 < 50 ? "true" : "false");
    sf_context_destroy(ctx);
    return 0;
}
