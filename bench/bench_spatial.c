/* Benchmark of spatial networks (issue 14, docs/spatial.md): the build of
 * a 2-D torus of 10^5 neurons at random positions with Gaussian fixed
 * in-degree K = 1000 (10^8 synapses; target <= 2 s), beside the same
 * network with the non-spatial fixed_indegree, and the rate model's
 * stability scan over 200 wavenumbers x 6 branches of an E-I network
 * (target < 50 ms). Threads: BENCH_THREADS (default 2). Prints one JSON
 * line; build times are one run each, the scan the best of 20. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "spikefield/network.h"
#include "theory/spatial/field.h"

static double build(sf_context *ctx, const char *rule, int threads, unsigned long long *syn)
{
    char text[2048];
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 1}\n"
             "populations:\n"
             "  E: {model: iaf_psc_exp, n: 100000, space: {geometry: torus, extent: 1.0, "
             "layout: random}}\n"
             "projections:\n"
             "  EE: {source: E, target: E, rule: %s, indegree: 1000, weight: 1.0, delay: 1.0}\n",
             rule);
    sf_model *m = NULL;
    sf_network *net = NULL;
    if (sf_model_load_string(ctx, text, "bench_spatial", NULL, 0, &m) ||
        sf_network_build(ctx, m, threads, &net)) {
        fprintf(stderr, "bench_spatial: %s\n", sf_context_errmsg(ctx));
        exit(1);
    }
    double s = sf_network_build_seconds(net);
    *syn = (unsigned long long)sf_network_synapses(net);
    sf_network_destroy(net);
    sf_model_destroy(m);
    return s;
}

int main(void)
{
    const char *te = getenv("BENCH_THREADS");
    int threads = te ? atoi(te) : 2;
    sf_context *ctx = sf_context_create();
    unsigned long long n_sp, n_pl;
    double t_sp = build(ctx, "spatial_fixed_indegree, profile: {kind: gaussian, width: 0.1}", threads,
                        &n_sp);
    double t_pl = build(ctx, "fixed_indegree", threads, &n_pl);
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
    printf("{\"bench\": \"spatial\", \"threads\": %d, \"torus_build_s\": %.3f, \"synapses\": %llu, "
           "\"plain_build_s\": %.3f, \"build_target_s\": 2.0, \"build_ok\": %s, "
           "\"stability_ms\": %.3f, \"stability_target_ms\": 50.0, \"stability_ok\": %s}\n",
           threads, t_sp, n_sp, t_pl, t_sp <= 2.0 ? "true" : "false", best * 1e3,
           best * 1e3 < 50 ? "true" : "false");
    sf_context_destroy(ctx);
    return 0;
}
