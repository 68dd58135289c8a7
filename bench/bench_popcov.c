/* Benchmark of the population-resolved covariance analysis
 * (src/analysis/popcov.c): 10^4 neurons (E 8000, I 2000) firing 10 Hz
 * Bernoulli trains on h = 0.1 ms for 100 s (10^7 spikes), analysed
 * population-resolved:
 *   count_cov  zero-lag count covariances E-E, E-I, I-I, 10 ms bins, 100 segments;
 *   xspectrum  cross-spectra / covariance functions E-E, E-I, I-I, 1 ms bins,
 *              segments of 512 bins, with the auto / cross split for E-E, I-I.
 * Prints one JSON line (seconds, best of `reps`). Target: a few seconds for
 * the whole population-resolved analysis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spikefield/analysis.h"

/* Time-sorted Bernoulli trains of n neurons: geometric intervals per neuron,
 * then a counting sort by step. */
static int make(uint32_t n, uint64_t ent0, double rate, double h, int64_t steps, sf_spikes *sp)
{
    size_t cap = (size_t)(n * rate * steps * h * 1e-3 * 1.1) + 1024, m = 0;
    uint32_t *id = malloc(cap * sizeof *id);
    int64_t *st = malloc(cap * sizeof *st);
    if (!id || !st)
        return 1;
    for (uint32_t i = 0; i < n; i++) {
        sf_rng r;
        sf_rng_init(&r, 1, SF_RNG_TEST, ent0 + i);
        for (int64_t k = -1;;) {
            k += (int64_t)ceil(sf_rng_exponential(&r, 1000.0 / rate) / h);
            if (k >= steps)
                break;
            if (m == cap)
                return 1;
            id[m] = i, st[m++] = k;
        }
    }
    size_t *cnt = calloc((size_t)steps + 1, sizeof *cnt);
    uint32_t *id2 = malloc(m * sizeof *id2);
    int64_t *st2 = malloc(m * sizeof *st2);
    if (!cnt || !id2 || !st2)
        return 1;
    for (size_t q = 0; q < m; q++)
        cnt[st[q] + 1]++;
    for (int64_t k = 0; k < steps; k++)
        cnt[k + 1] += cnt[k];
    for (size_t q = 0; q < m; q++) {
        size_t p = cnt[st[q]]++;
        id2[p] = id[q], st2[p] = st[q];
    }
    free(id);
    free(st);
    free(cnt);
    *sp = (sf_spikes){id2, st2, m, n, 0, h};
    return 0;
}

int main(void)
{
    const double h = 0.1, T = 100000.0;
    const int64_t steps = (int64_t)(T / h);
    sf_context *ctx = sf_context_create();
    sf_spikes E, I;
    double t0 = sf_wall_time();
    if (!ctx || make(8000, 0, 10.0, h, steps, &E) || make(2000, 8000, 10.0, h, steps, &I)) {
        fprintf(stderr, "bench_popcov: out of memory\n");
        return 1;
    }
    I.population = 1;
    double t_gen = sf_wall_time() - t0;
    const int reps = 3;
    const size_t L = 512;
    double best_cc = INFINITY, best_xs = INFINITY;
    sf_pop_cov cee, cei, cii;
    double *out = malloc(3 * SF_XSPEC_ROWS * (L + 1) * sizeof *out);
    sf_xspectrum_plan *pe = NULL, *pi = NULL, *px = NULL;
    if (!out || sf_analysis_xspectrum_plan_create(ctx, L, 8000, &pe) ||
        sf_analysis_xspectrum_plan_create(ctx, L, 2000, &pi) ||
        sf_analysis_xspectrum_plan_create(ctx, L, 0, &px)) {
        fprintf(stderr, "bench_popcov: %s\n", sf_context_errmsg(ctx));
        return 1;
    }
    sf_status st = SF_OK;
    for (int r = 0; r < reps && st == SF_OK; r++) {
        t0 = sf_wall_time();
        st = sf_analysis_count_cov(ctx, &E, NULL, 0, T, 10.0, 100, &cee);
        if (!st)
            st = sf_analysis_count_cov(ctx, &E, &I, 0, T, 10.0, 100, &cei);
        if (!st)
            st = sf_analysis_count_cov(ctx, &I, NULL, 0, T, 10.0, 100, &cii);
        best_cc = fmin(best_cc, sf_wall_time() - t0);
        t0 = sf_wall_time();
        const size_t n = SF_XSPEC_ROWS * (L + 1);
        if (!st)
            st = sf_analysis_xspectrum(ctx, pe, &E, NULL, 0, T, 1.0, out, NULL);
        if (!st)
            st = sf_analysis_xspectrum(ctx, px, &E, &I, 0, T, 1.0, out + n, NULL);
        if (!st)
            st = sf_analysis_xspectrum(ctx, pi, &I, NULL, 0, T, 1.0, out + 2 * n, NULL);
        best_xs = fmin(best_xs, sf_wall_time() - t0);
    }
    if (st != SF_OK) {
        fprintf(stderr, "bench_popcov: %s\n", sf_context_errmsg(ctx));
        return 1;
    }
    printf("{\"bench\": \"popcov\", \"neurons\": 10000, \"seconds_simulated\": 100, "
           "\"spikes\": %zu, \"generate_s\": %.3f, \"count_cov_3pairs_s\": %.3f, "
           "\"xspectrum_3pairs_s\": %.3f, \"total_s\": %.3f, \"target_s\": 5, \"ok\": %s, "
           "\"c_EE\": %.3g, \"c_EE_sem\": %.3g, \"c_EI\": %.3g, \"c_II\": %.3g}\n",
           E.n_spikes + I.n_spikes, t_gen, best_cc, best_xs, best_cc + best_xs,
           best_cc + best_xs <= 5 ? "true" : "false", cee.cross, cee.cross_sem, cei.cross,
           cii.cross);
    sf_analysis_xspectrum_plan_destroy(pe);
    sf_analysis_xspectrum_plan_destroy(pi);
    sf_analysis_xspectrum_plan_destroy(px);
    free(out);
    free((void *)E.node_ids);
    free((void *)E.steps);
    free((void *)I.node_ids);
    free((void *)I.steps);
    sf_context_destroy(ctx);
    return 0;
}
