/* Sampled-pair cross-spectra and covariance functions (src/analysis/pairs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "spikefield/analysis.h"

enum { N = 40, STEPS = 200000 }; /* h = 0.1 ms: 20 s */

/* Spike trains on the grid: each neuron fires in a step with probability p.
 * shared = 1: every neuron has the same train (one Bernoulli sequence). */
static void make(int shared, uint64_t seed, double p, int64_t n_steps, uint32_t **ids, int64_t **steps,
                 size_t *n)
{
    size_t cap = (size_t)(N * (double)n_steps * p * 1.5) + 1000;
    *ids = malloc(sizeof(uint32_t) * cap);
    *steps = malloc(sizeof(int64_t) * cap);
    *n = 0;
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_TEST, 0);
    for (int64_t k = 0; k < n_steps; k++) {
        int common = sf_rng_uniform(&r) < p;
        for (uint32_t i = 0; i < N; i++)
            if (shared ? common : sf_rng_uniform(&r) < p) {
                (*ids)[*n] = i;
                (*steps)[(*n)++] = k;
            }
    }
}

static void test_pairs(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    const double p = 0.002, h = 0.1, bin = 1.0; /* 20 Hz, 1 ms bins */
    const size_t L = 256, W = L + 1;
    double *out = malloc(sizeof(double) * SF_XSPEC_ROWS * W);
    uint32_t *ids;
    int64_t *steps;
    size_t n, used;
    /* independent trains: the pair covariance function is 0 within SE; with
     * 257 lags and |z| <= 4 a false alarm has probability ~1.6e-2 in total */
    make(0, 11, p, STEPS, &ids, &steps, &n);
    sf_spikes sp = {ids, steps, n, N, 0, h};
    assert_int_equal(sf_analysis_pair_xspectrum(ctx, &sp, NULL, 30, 5, L, 0, STEPS * h, bin, out, &used),
                     SF_OK);
    assert_int_equal(used, 30);
    for (size_t w = 0; w < W; w++) {
        double c = out[SF_XCOV * W + w], se = out[SF_XCOV_SEM * W + w];
        assert_true(isfinite(c) && se > 0);
        assert_true(fabs(c) <= 4 * se);
    }
    free(ids);
    free(steps);
    /* identical trains: every pair is one train with itself; at lag 0 the
     * covariance is the variance of its binned rate, Var(count)/Delta^2 with
     * the count Binomial(10, q) per 1 ms bin (q = 0.02 per step):
     * 10 q (1 - q) / (1e-3 s)^2. All pairs see the same train, so the
     * statistical error is that of one variance estimate over B = 1e5 bins:
     * SE = sqrt(Var(x^2)/B) / Delta^2 with x ~ Poisson(0.2) approximately,
     * Var(x^2) = E x^4 - (E x^2)^2 ~ 0.53 - 0.058 = 0.47 -> relative SE 1.1 %;
     * the per-segment mean removal biases it by -1/L = -0.4 %. 4 SE: 4.5 %. */
    const double q = 0.02;
    make(1, 12, q, 1000000, &ids, &steps, &n);
    sf_spikes sq = {ids, steps, n, N, 0, h};
    assert_int_equal(sf_analysis_pair_xspectrum(ctx, &sq, &sq, 10, 6, L, 0, 1000000 * h, bin, out,
                                                &used),
                     SF_OK);
    double expect = 10 * q * (1 - q) / 1e-6;
    double c0 = out[SF_XCOV * W + L / 2];
    assert_true(fabs(out[SF_XCOV_LAG_MS * W + L / 2]) < 1e-12);
    if (!(fabs(c0 - expect) < 0.045 * expect))
        fail_msg("C(0) = %g, expected %g", c0, expect);
    free(ids);
    free(steps);
    /* errors */
    sf_spikes one = {NULL, NULL, 0, 1, 0, h};
    assert_int_equal(sf_analysis_pair_xspectrum(ctx, &one, NULL, 5, 1, L, 0, 100, bin, out, NULL),
                     SF_ERR_ARG);
    assert_int_equal(sf_analysis_pair_xspectrum(ctx, &sp, NULL, 0, 1, L, 0, 100, bin, out, NULL),
                     SF_ERR_ARG);
    free(out);
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_pairs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
