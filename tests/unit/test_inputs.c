/* Unit tests of the draws the Poisson-type inputs share
 * (src/engine/inputs/input_util.h): the random words of four neurons per
 * Philox block, the exact inversion of U = (w + V) 2^-32 by the guide table
 * and by the search from the mode, and the distribution of the counts.
 *
 * References are independent of the code under test: words and fine parts
 * V come from sf_rng_u32 / Random123 on counters built here from the
 * documented stream layout; U is compared with the cumulative probabilities
 * in __float128 (113-bit mantissa), where w + V (at most 85 bits) and
 * F 2^32 are exact; the cumulative table is checked against GSL's Poisson
 * distribution function. The statistical test uses a fixed seed and states
 * its threshold. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "engine/inputs/input_util.h"

/* Word e % 4 of block `step` of (seed, SF_RNG_POISSON, (input << 32) | e / 4),
 * through the scalar stream. */
static uint32_t ref_word(uint64_t seed, uint32_t input, uint64_t step, uint64_t e)
{
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_POISSON, ((uint64_t)input << 32) | (e / 4));
    sf_rng_seek(&r, step);
    uint32_t w = 0;
    for (uint64_t c = 0; c <= e % 4; c++)
        w = sf_rng_u32(&r);
    return w;
}

/* V: the first 53-bit uniform of block `step` of (seed, SF_RNG_POISSON,
 * ((input | SF_INPUT_FINE) << 32) | e). */
static double ref_fine(uint64_t seed, uint32_t input, uint64_t step, uint64_t e)
{
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_POISSON, ((uint64_t)(input | SF_INPUT_FINE) << 32) | e);
    sf_rng_seek(&r, step);
    return sf_rng_uniform(&r);
}

/* The first j with cdf[j] > U, U = (w + V) 2^-32, in exact arithmetic. */
static int ref_invert(const double *cdf, int n, uint32_t w, double v)
{
    const __float128 U = ((__float128)w + (__float128)v) / (__float128)4294967296.0;
    for (int j = 0; j < n; j++)
        if ((__float128)cdf[j] > U)
            return j;
    return n - 1;
}

/* sf_rng_words: word e % 4 of the block of quad e / 4, for any start and
 * length (partial quads at both ends, several chunks). */
static void test_words_layout(void **state)
{
    (void)state;
    const uint64_t seed = 0x5eed1234abcdull, step = 0x123456789ull;
    const uint32_t input = 3;
    static uint32_t w[1203];
    const uint64_t starts[] = {0, 1, 2, 3, 5, 4000000001ull};
    const uint32_t lens[] = {1, 2, 3, 4, 5, 7, 203, 1203};
    for (size_t a = 0; a < sizeof starts / sizeof *starts; a++)
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
            memset(w, 0, sizeof w);
            sf_rng_words(seed, SF_RNG_POISSON, input, step, starts[a], lens[l], w);
            for (uint32_t i = 0; i < lens[l]; i++)
                if (w[i] != ref_word(seed, input, step, starts[a] + i))
                    fail_msg("start %llu, n %u: word %u differs", (unsigned long long)starts[a],
                             lens[l], i);
        }
}

/* The table against GSL, and the count of every word class (random words,
 * and words at, just below and just above every boundary t[j], where only
 * the fine part decides) against the exact inversion. Means from 0 (always
 * 0) over the small means of the networks to k0 > 0 (lambda > 100). */
static void test_table_inversion_exact(void **state)
{
    (void)state;
    const double lams[] = {0.0, 1e-3, 0.2385, 2.0, 37.5, 250.0, 2e4};
    const uint64_t seed = 77;
    const sf_input_at at = {seed, 5, 1234};
    sf_rng gen;
    sf_rng_init(&gen, 99, SF_RNG_TEST, 1);
    long fine_cases = 0;
    for (size_t q = 0; q < sizeof lams / sizeof *lams; q++) {
        sf_poisson_cdf c;
        assert_true(sf_poisson_cdf_init(&c, lams[q]));
        for (int j = 0; j + 1 < c.n_cdf; j++) {
            double F = lams[q] > 0 ? gsl_cdf_poisson_P((unsigned)(c.k0 + j), lams[q]) : 1.0;
            /* below k0 lies less than 2^-60 of the mass (left out); the
             * start exp(k0 ln lambda - lambda - ln k0!) carries the
             * rounding of terms of size ~ 10 lambda (and GSL's incomplete
             * gamma its own), so the agreement is relative 1e-12 + lambda
             * 1e-13 (2e-9 at lambda = 2e4) */
            const double rel = 1e-12 + lams[q] * 1e-13;
            if (!(fabs(c.cdf[j] - F) <= rel * F + 0x1p-59))
                fail_msg("lambda %g: cdf[%d] = %.17g, GSL %.17g", lams[q], j, c.cdf[j], F);
        }
        enum { NR = 20000 };
        const int nw = NR + 3 * c.n_cdf + 4;
        uint32_t *w = malloc(sizeof(uint32_t) * (size_t)nw);
        assert_non_null(w);
        int m = 0;
        for (int i = 0; i < NR; i++)
            w[m++] = sf_rng_u32(&gen);
        for (int j = 0; j < c.n_cdf; j++) {
            uint32_t t = c.cdf[j] >= 1.0 ? UINT32_MAX : (uint32_t)(c.cdf[j] * 0x1p32);
            w[m++] = t;
            w[m++] = t - 1;
            w[m++] = t + 1;
        }
        w[m++] = 0;
        w[m++] = 1;
        w[m++] = UINT32_MAX;
        w[m++] = UINT32_MAX - 1;
        for (int i = 0; i < m; i++) {
            const uint64_t e = (uint64_t)i;
            const int k = sf_poisson_cdf_count(&c, &at, e, w[i]);
            const double v = ref_fine(seed, at.input, at.step, e);
            const int ref = ref_invert(c.cdf, c.n_cdf, w[i], v) + c.k0;
            if (k != ref)
                fail_msg("lambda %g, word %u, V %.17g: count %d, exact %d", lams[q], w[i], v, k,
                         ref);
            /* the words whose cell holds the boundary need V */
            fine_cases += (uint32_t)(c.cdf[ref - c.k0] * 0x1p32) == w[i];
        }
        /* sf_poisson_cdf_add over a whole block and over a subset */
        enum { NB = 301 };
        sf_block b = {.first_gid = 1000, .n = NB};
        uint32_t sel[3] = {2, 7, 300};
        sf_block_input all = {.n_sel = NB}, sub = {.n_sel = 3, .sel = sel};
        double dst[NB], want[NB];
        for (int i = 0; i < NB; i++)
            dst[i] = want[i] = 0.5 * i;
        sf_poisson_cdf_add(&c, &at, &b, &all, w, 0.25, dst);
        for (int i = 0; i < NB; i++)
            want[i] += (double)sf_poisson_cdf_count(&c, &at, b.first_gid + i, w[i]) * 0.25;
        sf_poisson_cdf_add(&c, &at, &b, &sub, w + NB, -2.0, dst);
        for (int s = 0; s < 3; s++)
            want[sel[s]] += (double)sf_poisson_cdf_count(&c, &at, b.first_gid + sel[s], w[NB + s]) * -2.0;
        for (int i = 0; i < NB; i++)
            assert_true(dst[i] == want[i]);
        free(w);
        sf_poisson_cdf_free(&c);
    }
    assert_true(fine_cases > 20); /* the fine part was needed and used */
}

/* The search from the mode (per-neuron or time-varying means): random words
 * against the exact inversion of GSL's distribution function (which the
 * mode search's sums match to rounding, far below the 2^-32 cells). */
static void test_mode_inversion(void **state)
{
    (void)state;
    const double lams[] = {0.0, 0.05, 1.7, 30.0, 420.0};
    const sf_input_at at = {5, 2, 99};
    sf_rng gen;
    sf_rng_init(&gen, 3, SF_RNG_TEST, 2);
    for (size_t q = 0; q < sizeof lams / sizeof *lams; q++) {
        sf_poisson_mode P = sf_poisson_mode_make(lams[q]);
        const int top = (int)(lams[q] + 40 + 40 * sqrt(lams[q]));
        double *F = malloc(sizeof(double) * (size_t)(top + 1));
        assert_non_null(F);
        for (int k = 0; k <= top; k++)
            F[k] = lams[q] > 0 ? gsl_cdf_poisson_P((unsigned)k, lams[q]) : 1.0;
        for (int i = 0; i < 20000; i++) {
            const uint32_t w = sf_rng_u32(&gen);
            sf_input_u u = sf_input_u_make(&at, (uint64_t)i, w);
            const int k = sf_poisson_mode_count(&P, &u);
            const int ref = ref_invert(F, top + 1, w, ref_fine(at.seed, at.input, at.step, i));
            if (k != ref)
                fail_msg("lambda %g, word %u: count %d, exact %d", lams[q], w, k, ref);
        }
        free(F);
    }
}

/* Counts of one table over 10^6 (neuron, step) draws of sf_rng_words:
 * chi-square against Poisson(2) over the counts 0..8 and >= 9 (9 degrees of
 * freedom; the threshold 33.7 is exceeded with probability 1e-4). */
static void test_counts_chi_square(void **state)
{
    (void)state;
    const double lam = 2.0;
    sf_poisson_cdf c;
    assert_true(sf_poisson_cdf_init(&c, lam));
    enum { NN = 1000, NS = 1000, NB = 10 };
    static uint32_t w[NN];
    double obs[NB] = {0};
    for (uint64_t s = 0; s < NS; s++) {
        const sf_input_at at = {11, 0, s};
        sf_rng_words(11, SF_RNG_POISSON, 0, s, 17, NN, w);
        for (int i = 0; i < NN; i++) {
            int k = sf_poisson_cdf_count(&c, &at, 17 + (uint64_t)i, w[i]);
            obs[k < NB - 1 ? k : NB - 1] += 1;
        }
    }
    double chi2 = 0, tot = (double)NN * NS;
    for (int k = 0; k < NB; k++) {
        double p = k < NB - 1 ? gsl_ran_poisson_pdf((unsigned)k, lam)
                              : gsl_cdf_poisson_Q(NB - 2, lam);
        chi2 += (obs[k] - tot * p) * (obs[k] - tot * p) / (tot * p);
    }
    if (!(chi2 < 33.7))
        fail_msg("chi-square %g over %d bins", chi2, NB);
    sf_poisson_cdf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_layout),
        cmocka_unit_test(test_table_inversion_exact),
        cmocka_unit_test(test_mode_inversion),
        cmocka_unit_test(test_counts_chi_square),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
