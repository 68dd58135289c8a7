/* Unit tests: the delay model of the theory (src/theory/delay.c).
 *
 * The reference is the network itself: the characteristic function the
 * theory uses, E[e^{-2 pi i f T}], is compared with the empirical one,
 * (1/n) sum_k e^{-2 pi i f D_k h}, of the delays D_k (in steps) that a built
 * network actually holds (sf_network_inputs_of), for the microcircuit's
 * delays (Potjans & Diesmann 2014; Bos et al. 2016: normal, mean 1.5 / 0.75
 * ms, sd = mean/2, redrawn below 0.1 ms) and for sd = mean. Tolerance: the
 * empirical mean of n independent unit phasors has E|mean - phi|^2 =
 * (1 - |phi|^2)/n; we allow 5 times its square root (P(|Z|^2 > 25 E|Z|^2)
 * < 1e-10 for a circular Gaussian Z; fixed seed). The continuous
 * truncated-normal transform the theory used before (post-truncation
 * moments fed to a normal truncated at 0) is shown to miss the sd = mean
 * case by many standard errors, so the test fails on that model.
 */
#include "spikefield/model.h"
#include "spikefield/network.h"
#include "spikefield/theory.h"
#include "theory/delay.h"
#include "theory/lif/lif_map.h"

#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *const MODEL =
    "simulation: {resolution: 0.1, duration: 100.0, seed: 7, threads: 2}\n"
    "populations:\n"
    "  E: {model: iaf_psc_exp, n: 200, params: &p {tau_m: 10.0, tau_syn_ex: 0.5, "
    "tau_syn_in: 0.5, C_m: 250.0, E_L: -65.0, V_reset: -65.0, V_th: -50.0, t_ref: 2.0}}\n"
    "  I: {model: iaf_psc_exp, n: 200, params: *p}\n"
    "projections:\n"
    /* sd = mean / 2 (the microcircuit) */
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 500, weight: 10.0,\n"
    "       delay: {distribution: normal, mean: 1.5, std: 0.75, min: 0.1, max: 9.0}}\n"
    "  IE: {source: I, target: E, rule: fixed_indegree, indegree: 500, weight: -40.0,\n"
    "       delay: {distribution: normal, mean: 0.75, std: 0.375, min: 0.1, max: 4.5}}\n"
    /* sd = mean */
    "  EI: {source: E, target: I, rule: fixed_indegree, indegree: 500, weight: 10.0,\n"
    "       delay: {distribution: normal, mean: 1.5, std: 1.5, min: 0.1, max: 16.5}}\n"
    "  II: {source: I, target: I, rule: fixed_indegree, indegree: 500, weight: -40.0,\n"
    "       delay: {distribution: normal, mean: 0.75, std: 0.75, min: 0.1, max: 8.25}}\n"
    "inputs:\n"
    "  bg: {kind: poisson, targets: [E, I], rate: 8000.0, weight: 87.8}\n";

enum { N_TGT = 200, K_IN = 500 };

/* All delays (steps) of projection proj: n = N_TGT * K_IN. */
static uint32_t *delays_of(const sf_network *net, int proj, size_t *n)
{
    uint32_t *d = malloc(sizeof(uint32_t) * N_TGT * K_IN);
    size_t at = 0;
    for (uint32_t t = 0; t < N_TGT; t++)
        at += sf_network_inputs_of(net, proj, t, NULL, NULL, d + at, K_IN);
    *n = at;
    return d;
}

static double complex empirical(const uint32_t *d, size_t n, double h, double f)
{
    double complex s = 0;
    for (size_t k = 0; k < n; k++)
        s += cexp(-2 * M_PI * I * f * 1e-3 * d[k] * h);
    return s / (double)n;
}

static void test_delay_network_cf(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_network *net = NULL;
    assert_int_equal(sf_model_load_string(ctx, MODEL, "delay-test", NULL, 0, &m), SF_OK);
    assert_int_equal(sf_network_build(ctx, m, 2, &net), SF_OK);
    sf_lif_map *map = NULL;
    assert_int_equal(sf_lif_map_create(ctx, m, &map), SF_OK);
    const sf_theory_network *tn = &map->net;
    assert_non_null(tn->delay_pmf);
    /* projections in file order: EE, IE, EI, II; pair index target * 2 + source */
    const int pair[4] = {0 * 2 + 0, 0 * 2 + 1, 1 * 2 + 0, 1 * 2 + 1};
    const double means[4] = {1.5, 0.75, 1.5, 0.75}, sds[4] = {0.75, 0.375, 1.5, 0.75};
    const double f[] = {10, 50, 100, 200, 350, 500, 1000, 2000};
    const size_t nf = sizeof f / sizeof f[0];
    double worst_old_sd_eq_mean = 0;
    for (int p = 0; p < 4; p++) {
        size_t n;
        uint32_t *d = delays_of(net, p, &n);
        assert_int_equal(n, (size_t)N_TGT * K_IN);
        /* the post-truncation moments the old map fed to the truncated normal */
        double s1 = 0, s2 = 0;
        for (size_t k = 0; k < n; k++) {
            s1 += d[k] * 0.1;
            s2 += d[k] * 0.1 * d[k] * 0.1;
        }
        double mt = s1 / n, sdt = sqrt(s2 / n - mt * mt);
        for (size_t j = 0; j < nf; j++) {
            double complex emp = empirical(d, n, 0.1, f[j]);
            double complex th = sf_theory_delay_pmf_laplace(&tn->delay_pmf[pair[p]],
                                                            2 * M_PI * I * f[j]);
            /* the same through the effective connectivity with H = 1 */
            double complex Hf[2] = {1, 1}, M[4];
            assert_int_equal(sf_theory_effective_connectivity(ctx, tn, Hf, f[j], M), SF_OK);
            double w = 1e-3 * tn->pop[pair[p] / 2].tau_m * tn->K[pair[p]] * tn->J[pair[p]];
            double complex E = M[pair[p]] / w;
            double se = sqrt(fmax(1 - creal(emp * conj(emp)), 1e-12) / (double)n);
            if (cabs(th - emp) > 5 * se || cabs(E - th) > 1e-12)
                fail_msg("projection %d, f = %g Hz: theory %.6f%+.6fi, network %.6f%+.6fi "
                         "(se %.2g), via M %.6f%+.6fi",
                         p, f[j], creal(th), cimag(th), creal(emp), cimag(emp), se, creal(E),
                         cimag(E));
            double complex old = sf_theory_delay_transform(SF_THEORY_DELAY_TRUNCATED_GAUSSIAN,
                                                           mt, sdt, f[j]);
            if (sds[p] == means[p] && f[j] <= 500)
                worst_old_sd_eq_mean = fmax(worst_old_sd_eq_mean, cabs(old - emp) / se);
        }
        free(d);
    }
    /* the continuous approximation is rejected by the network's own delays */
    printf("old continuous transform, sd = mean: worst |old - network| = %.1f se\n",
           worst_old_sd_eq_mean);
    assert_true(worst_old_sd_eq_mean > 20);
    sf_lif_map_destroy(map);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
}

/* The pmf of a normal distribution with redraw bounds and rounding, against
 * an independent computation by quadrature of the normal density over each
 * rounding interval (midpoint rule with 20000 points per interval). */
static void test_delay_pmf_quadrature(void **state)
{
    (void)state;
    const double h = 0.1;
    sf_dist d = {SF_DIST_NORMAL, 0.75, 0.75, 0.1, 8.25, false};
    int first, n = sf_theory_delay_dist_steps(&d, h, &first);
    assert_int_equal(first, 1);
    assert_int_equal(n, 82); /* 1 .. nearbyint(82.5) = 82 */
    double *p = malloc(sizeof(double) * (size_t)n), sum = 0;
    sf_theory_delay_dist_pmf(&d, h, first, n, p);
    double *q = calloc((size_t)n, sizeof(double)), Z = 0;
    for (int j = 0; j < n; j++) {
        int D = first + j;
        double a = fmax(D == 1 ? 0.1 : (D - 0.5) * h, 0.1), b = fmin((D + 0.5) * h, 8.25);
        const int K = 20000;
        for (int k = 0; k < K && b > a; k++) {
            double x = a + (b - a) * (k + 0.5) / K, z = (x - 0.75) / 0.75;
            q[j] += exp(-0.5 * z * z) * (b - a) / K;
        }
        Z += q[j];
    }
    for (int j = 0; j < n; j++) {
        assert_true(fabs(p[j] - q[j] / Z) < 1e-8);
        sum += p[j];
    }
    assert_true(fabs(sum - 1) < 1e-14);
    /* the Laplace transform at complex s is the finite sum */
    sf_theory_delay_pmf pm = {.h = h, .offset = 0.05, .first = first, .n = n, .p = p};
    double complex s = 120.0 + 2 * M_PI * 350.0 * I, direct = 0;
    for (int j = 0; j < n; j++)
        direct += p[j] * cexp(-s * ((first + j) * h + 0.05) * 1e-3);
    assert_true(cabs(sf_theory_delay_pmf_laplace(&pm, s) - direct) < 1e-13);
    /* a constant delay is one step; uniform delays have the interval lengths */
    sf_dist c = {SF_DIST_CONST, 1.5, 0, -INFINITY, INFINITY, false};
    assert_int_equal(sf_theory_delay_dist_steps(&c, h, &first), 1);
    assert_int_equal(first, 15);
    sf_dist u = {SF_DIST_UNIFORM, 0.5, 1.0, 0.1, INFINITY, false};
    n = sf_theory_delay_dist_steps(&u, h, &first);
    assert_int_equal(first, 5);
    assert_int_equal(n, 6);
    sf_theory_delay_dist_pmf(&u, h, first, n, p);
    assert_true(fabs(p[0] - 0.1) < 1e-12 && fabs(p[1] - 0.2) < 1e-12 && fabs(p[5] - 0.1) < 1e-12);
    free(p);
    free(q);
}

/* The timing offsets of the neuron classes. */
static void test_delay_timing(void **state)
{
    (void)state;
    assert_true(sf_theory_timing_offset(SF_THEORY_TIMING_EVENT, 0.1) == 0.0);
    assert_true(fabs(sf_theory_timing_offset(SF_THEORY_TIMING_COUNT, 0.1) - 0.05) < 1e-15);
    assert_true(fabs(sf_theory_timing_offset(SF_THEORY_TIMING_HELD, 0.1) + 0.05) < 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_network_cf),
        cmocka_unit_test(test_delay_pmf_quadrature),
        cmocka_unit_test(test_delay_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
