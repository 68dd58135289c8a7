/* Unit tests of the theory families binary, hawkes, lin_rate and pif
 * (src/theory/{binary,hawkes,linear,pif}/family.c, theory/linear/netcorr.c,
 * theory/map.c):
 *
 *  - predict() on a small hand-written model equals the mathematics
 *    (theory.h) called directly with the parameters written out here,
 *    and closed forms where they exist (PIF rate mu/L and density (1 - q)/L,
 *    the lin_rate mean (mu + dc)/(lambda - g K w));
 *  - accepts() refuses what the theories do not describe, with a reason
 *    naming the population, projection or input, and map() fails with the
 *    same reason;
 *  - the expected periodogram of finite segments (expect()) against an
 *    independent brute-force sum for an uncoupled Ornstein-Uhlenbeck unit,
 *    whose covariance function is D/(2 tau) e^{-|t|/tau} in closed form;
 *  - map(), predict() and expect() leave the model unchanged (the delay
 *    shifts of the time-discrete simulation act on the family's own copy).
 */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spikefield/theory.h"
#include "theory/family.h"

extern const sf_theory_type sf_theory_family_binary, sf_theory_family_hawkes,
    sf_theory_family_lin_rate, sf_theory_family_pif;

#define assert_close(a, b, rel)                                                           \
    do {                                                                                  \
        double a_ = (a), b_ = (b), t_ = (rel) * fmax(fabs(b_), 1e-300);                   \
        if (!(fabs(a_ - b_) <= t_))                                                       \
            fail_msg("%s = %.12g, expected %.12g (rel %.3g)", #a, a_, b_, (double)(rel)); \
    } while (0)

static sf_context *ctx;

static sf_model *load(const char *text)
{
    sf_model *m = NULL;
    if (sf_model_load_string(ctx, text, "test.yaml", NULL, 0, &m) != SF_OK)
        fail_msg("model: %s", sf_context_errmsg(ctx));
    return m;
}

/* map + predict; the caller destroys the list and unmaps. */
static sf_quantities *predict(const sf_theory_type *t, const sf_model *m, void **mapped)
{
    char why[1024];
    if (!t->accepts(m, why, sizeof why))
        fail_msg("refused: %s", why);
    if (t->map(ctx, m, mapped) != SF_OK)
        fail_msg("map: %s", sf_context_errmsg(ctx));
    sf_quantities *q = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, t->name);
    assert_non_null(q);
    if (t->predict(ctx, m, *mapped, NULL, q) != SF_OK)
        fail_msg("predict: %s", sf_context_errmsg(ctx));
    return q;
}

static double value(const sf_quantities *q, const char *name, int a, int b)
{
    long i = sf_quantities_find(q, name, a, b);
    if (i < 0)
        fail_msg("no quantity %s (%d, %d)", name, a, b);
    return sf_quantity_values(q, (size_t)i)[0];
}

/* ------------------------------------------------------------------------
 * predict() against the mathematics. */

static const char *BINARY =
    "simulation: {resolution: 0.1, duration: 1000.0}\n"
    "populations:\n"
    "  E: {model: binary, n: 400, params: {tau_m: 8.5, theta: 0.1, sigma: 0.7}}\n"
    "  X: {model: binary, n: 300, params: {tau_m: 12.0, theta: 0.45, sigma: 0.9}}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 40, weight: -0.031, delay: 1.5}\n"
    "  EX: {source: X, target: E, rule: fixed_indegree, indegree: 30, weight: 0.023, delay: 0.7}\n"
    "inputs:\n"
    "  field: {kind: dc, targets: [E, X], amplitude: 0.2}\n";

static void test_binary_predict(void **state)
{
    (void)state;
    sf_model *m = load(BINARY);
    void *mp;
    sf_quantities *q = predict(&sf_theory_family_binary, m, &mp);
    /* the same network written out: X has no inputs, so it is external with
     * m_X = Phi(dc; theta_X, sigma_X) */
    sf_theory_binary_pop pop[2] = {
        {.theta = 0.1, .N = 400, .tau = 8.5, .mu_ext = 0.2, .var_ext = 0.49},
        {.theta = 0.45, .N = 300, .tau = 12.0, .external = true,
         .m_ext = 0.5 * erfc(-(0.2 - 0.45) / (M_SQRT2 * 0.9)), .mu_ext = 0.2, .var_ext = 0.81}};
    double K[4] = {40, 30, 0, 0}, J[4] = {-0.031, 0.023, 0, 0}, d[4] = {1.5, 0.7, 0, 0};
    sf_theory_binary_net net = {.n_pop = 2, .pop = pop, .K = K, .J = J, .delays = d};
    double a[2], mu[2], sg[2], c_in[4];
    sf_theory_binary_point pt = {.m = a, .mu = mu, .sigma = sg};
    /* the family solves activities and covariances jointly (the covariance
     * term in sigma, Helias et al. 2014; issue 8 defect 5) */
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(2, 8192);
    assert_int_equal(sf_theory_binary_solve_correlated(ctx, &net, NULL, NULL, ws, &pt, c_in),
                     SF_OK);
    net.c_pair = c_in;
    assert_close(value(q, "activity", 0, -1), a[0], 1e-12);
    assert_close(value(q, "activity", 1, -1), a[1], 1e-12);
    assert_close(value(q, "activity", 1, -1), pop[1].m_ext, 1e-12);
    assert_close(value(q, "mu", 0, -1), mu[0], 1e-12);
    assert_close(value(q, "sigma", 0, -1), sg[0], 1e-12);
    /* undelayed split */
    double c[4], C0[4], rho[4], ci[4], ce[4], ct[4];
    sf_theory_binary_cov cv = {c, C0, rho, ci, ce, ct};
    assert_int_equal(sf_theory_binary_covariance(ctx, &net, a, ws, &cv), SF_OK);
    assert_close(value(q, "cov_internal", 0, 0), ci[0], 1e-12);
    assert_close(value(q, "cov_external", 0, 1), ce[1], 1e-12);
    assert_close(value(q, "cov_fast_tracking", 0, 1), ct[1], 1e-12);
    /* with the delays: the equivalent linear network at lag 0 */
    double W[4], tau[2], D[4], *Ct = malloc(8192 * 4 * sizeof *Ct);
    sf_theory_linear_net lin;
    assert_int_equal(sf_theory_binary_to_linear(ctx, &net, a, W, tau, D, &lin), SF_OK);
    assert_int_equal(
        sf_theory_linear_cov_time(ctx, &lin, SF_THEORY_NOISE_INPUT, 0.1, ws, Ct, NULL), SF_OK);
    const double *C = Ct + 4096 * 4, aE = a[0] * (1 - a[0]);
    assert_close(value(q, "cov_pop", 0, 0), C[0], 1e-12);
    assert_close(value(q, "cov_pop", 0, 1), C[1], 1e-12);
    assert_close(value(q, "cov_pair", 0, 0), (C[0] - aE / 400) / (1 - 1.0 / 400), 1e-12);
    assert_close(value(q, "corr_coef", 0, 1), C[1] / sqrt(aE * a[1] * (1 - a[1])), 1e-12);
    assert_true(sf_quantities_find(q, "cov_pop", 1, 0) < 0); /* pairs a <= b only */
    assert_non_null(strstr(sf_quantities_notes(q), "with the delays"));
    free(Ct);
    sf_theory_corr_workspace_destroy(ws);
    sf_quantities_destroy(q);
    sf_theory_family_binary.unmap(mp);
    sf_model_destroy(m);
}

static const char *HAWKES =
    "simulation: {resolution: 0.1, duration: 1000.0}\n"
    "populations:\n"
    "  E: {model: hawkes, n: 500, params: {nu0: 7.3, tau: 6.5}}\n"
    "  I: {model: hawkes, n: 125, params: {nu0: 9.1, tau: 4.0}}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 50, weight: 0.004, delay: 1.2}\n"
    "  IE: {source: E, target: I, rule: pairwise_bernoulli, p: 0.1, weight: 0.006, delay: 1.2}\n"
    "  EI: {source: I, target: E, rule: fixed_outdegree, outdegree: 40, weight: -0.01, delay: 0.8}\n"
    "inputs:\n"
    "  drive: {kind: dc, targets: [I], amplitude: 1.5}\n";

static void test_hawkes_predict(void **state)
{
    (void)state;
    sf_model *m = load(HAWKES);
    void *mp;
    sf_quantities *q = predict(&sf_theory_family_hawkes, m, &mp);
    /* K_EE = 50, K_IE = p N_E = 50, K_EI = outdegree N_I / N_E = 10 */
    double N[2] = {500, 125}, K[4] = {50, 10, 50, 0}, w[4] = {0.004, -0.01, 0.006, 0};
    double nu0[2] = {7.3, 9.1 + 1.5}, tau[2] = {6.5, 4.0}, d[4] = {1.2, 0.8, 1.2, 0};
    sf_theory_hawkes_net net = {.n_pop = 2, .N = N, .K = K, .w = w, .nu0 = nu0, .tau = tau,
                                .delays = d};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(2, 0);
    double r[2], C0[4], c[4], rho[4];
    assert_int_equal(sf_theory_hawkes_rates(ctx, &net, ws, r, NULL), SF_OK);
    assert_int_equal(sf_theory_hawkes_count_cov(ctx, &net, r, ws, C0, c, rho), SF_OK);
    assert_close(value(q, "rate", 0, -1), r[0], 1e-12);
    assert_close(value(q, "rate", 1, -1), r[1], 1e-12);
    assert_close(value(q, "count_cov_pop", 0, 1), C0[1], 1e-12);
    assert_close(value(q, "count_cov_pair", 1, 1), c[3], 1e-12);
    assert_close(value(q, "corr_coef", 0, 0), rho[0], 1e-12);
    sf_theory_corr_workspace_destroy(ws);
    sf_quantities_destroy(q);
    sf_theory_family_hawkes.unmap(mp);
    sf_model_destroy(m);
}

static void test_lin_rate_predict(void **state)
{
    (void)state;
    /* one population with self-coupling, no delays other than the one step:
     * with delays the equal-time covariance is C(0) of the lag function */
    sf_model *m = load("simulation: {resolution: 0.1, duration: 1000.0}\n"
                       "populations:\n"
                       "  R: {model: lin_rate, n: 200, params: {tau: 7.5, lambda: 1.3, mu: 0.85, "
                       "sigma: 0.6, g: 1.1, output_noise: 0}}\n"
                       "projections:\n"
                       "  RR: {source: R, target: R, rule: fixed_indegree, indegree: 20, "
                       "weight: -0.035, delay: 1.5}\n"
                       "inputs:\n"
                       "  dc: {kind: dc, targets: [R], amplitude: 0.25}\n");
    void *mp;
    sf_quantities *q = predict(&sf_theory_family_lin_rate, m, &mp);
    assert_close(value(q, "rate", 0, -1), (0.85 + 0.25) / (1.3 - 1.1 * 20 * -0.035), 1e-12);
    /* the delay model (src/theory/delay.h): 15 steps, output held over a
     * step: d = 1.5 - h/2 (predict used 1.5 and compare 1.45 before issue 8) */
    double W = 1.1 * 20 * -0.035 / 1.3, tau = 7.5 / 1.3, d = 1.5 - 0.05;
    double D = 0.6 * 0.6 * 7.5e-3 / (1.3 * 1.3) / 200;
    sf_theory_linear_net lin = {.n = 1, .W = &W, .tau = &tau, .delays = &d, .D = &D};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(1, 8192);
    double *Ct = malloc(8192 * sizeof *Ct);
    assert_int_equal(
        sf_theory_linear_cov_time(ctx, &lin, SF_THEORY_NOISE_INPUT, 0.1, ws, Ct, NULL), SF_OK);
    assert_close(value(q, "cov_pop", 0, 0), Ct[4096], 1e-12);
    free(Ct);
    sf_theory_corr_workspace_destroy(ws);
    sf_quantities_destroy(q);
    sf_theory_family_lin_rate.unmap(mp);
    sf_model_destroy(m);
}

static void test_pif_predict(void **state)
{
    (void)state;
    sf_model *m = load("simulation: {resolution: 0.01, duration: 1000.0}\n"
                       "populations:\n"
                       "  P: {model: pif_psc_delta, n: 10, params: {V_th: 12.0, V_reset: 2.0}}\n"
                       "inputs:\n"
                       "  e1: {kind: poisson, targets: [P], rate: 300.0, weight: 0.5}\n"
                       "  e2: {kind: poisson, targets: [P], rate: 150.0, weight: 0.5}\n"
                       "  i: {kind: poisson, targets: [P], rate: 270.0, weight: -0.5}\n");
    void *mp;
    sf_quantities *q = predict(&sf_theory_family_pif, m, &mp);
    /* mu = (450 - 270) 0.5 mV/s, L = 10 mV; lattice w = 0.5, q = 270/450 */
    assert_close(value(q, "rate", 0, -1), 180 * 0.5 / 10, 1e-12);
    assert_close(value(q, "density_below_threshold_exact", 0, -1), (1 - 270.0 / 450) / 10, 1e-12);
    assert_true(value(q, "density_below_threshold_diffusion", 0, -1) < 1e-6);
    assert_close(value(q, "q", 0, -1), 270.0 / 450, 1e-15);
    assert_close(value(q, "density_threshold_limit_exact", 0, -1), (1 - 270.0 / 450) / 10, 1e-12);
    assert_true(value(q, "density_at_threshold_diffusion", 0, -1) == 0.0);
    sf_quantities_destroy(q);
    sf_theory_family_pif.unmap(mp);
    sf_model_destroy(m);
    /* w_i != w_e: no lattice, no exact density; the rate still (Campbell) */
    m = load("simulation: {resolution: 0.01, duration: 1000.0}\n"
             "populations:\n"
             "  P: {model: pif_psc_delta, n: 10, params: {V_th: 12.0, V_reset: 2.0}}\n"
             "inputs:\n"
             "  e: {kind: poisson, targets: [P], rate: 450.0, weight: 0.5}\n"
             "  i: {kind: poisson, targets: [P], rate: 270.0, weight: -0.3}\n");
    q = predict(&sf_theory_family_pif, m, &mp);
    assert_close(value(q, "rate", 0, -1), (450 * 0.5 - 270 * 0.3) / 10, 1e-12);
    assert_true(isnan(value(q, "density_below_threshold_exact", 0, -1)));
    assert_true(isnan(value(q, "density_threshold_limit_exact", 0, -1)));
    sf_quantities_destroy(q);
    sf_theory_family_pif.unmap(mp);
    sf_model_destroy(m);
}

/* ------------------------------------------------------------------------
 * Refusals. */

static void refused(const sf_theory_type *t, const char *text, const char *what)
{
    sf_model *m = load(text);
    char why[1024] = "";
    if (t->accepts(m, why, sizeof why))
        fail_msg("%s accepted a model it should refuse (%s)", t->name, what);
    if (!strstr(why, what))
        fail_msg("reason '%s' does not name '%s'", why, what);
    void *mp = (void *)1;
    assert_int_equal(t->map(ctx, m, &mp), SF_ERR_MODEL);
    assert_null(mp);
    assert_string_equal(sf_context_errmsg(ctx), why);
    sf_model_destroy(m);
}

#define SIM "simulation: {resolution: 0.1, duration: 1000.0}\npopulations:\n"
#define BIN_A "  A: {model: binary, n: 50}\n"
#define BIN_B "  B: {model: binary, n: 50}\n"

static void test_refusals(void **state)
{
    (void)state;
    /* binary */
    refused(&sf_theory_family_binary,
            SIM BIN_A "inputs:\n  noise: {kind: poisson, targets: [A], rate: 10.0, weight: 0.1}\n",
            "input noise: Poisson input into binary populations");
    refused(&sf_theory_family_binary,
            SIM BIN_A "inputs:\n  late: {kind: dc, targets: [A], amplitude: 0.1, start: 10.0}\n",
            "input late is switched on or off");
    refused(&sf_theory_family_binary,
            SIM BIN_A "inputs:\n  gen: {kind: spike_generator, targets: [A], times: [1.0], "
                      "weight: 0.1}\n",
            "input gen: spike generators");
    refused(&sf_theory_family_binary,
            SIM BIN_A BIN_B "projections:\n  AB: {source: A, target: B, rule: fixed_indegree, "
                            "indegree: 5, weight: 0.1, delay: {distribution: uniform, low: 0.5, "
                            "high: 2.0}}\n",
            "projection AB: the binary theory has one delay per population pair");
    refused(&sf_theory_family_binary,
            SIM BIN_A BIN_B "projections:\n  AB: {source: A, target: B, rule: fixed_indegree, "
                            "indegree: 5, weight: {distribution: uniform, low: 0.1, high: 0.2}, "
                            "delay: 1.0}\n",
            "projection AB: the binary theory needs a constant weight");
    refused(&sf_theory_family_binary,
            SIM BIN_A BIN_B "projections:\n"
                            "  AB1: {source: A, target: B, rule: fixed_indegree, indegree: 5, "
                            "weight: 0.1, delay: 1.0}\n"
                            "  AB2: {source: A, target: B, rule: fixed_indegree, indegree: 5, "
                            "weight: 0.1, delay: 2.0}\n",
            "projection AB2 and another one (AB1) connect A -> B with different delays");
    refused(&sf_theory_family_binary,
            SIM BIN_A "  H: {model: hawkes, n: 50}\n",
            "populations A (binary) and H (hawkes)");
    /* hawkes */
    refused(&sf_theory_family_hawkes,
            SIM "  H: {model: hawkes, n: 50}\n"
                "inputs:\n  noise: {kind: poisson, targets: [H], rate: 10.0, weight: 0.1}\n",
            "input noise: Poisson input into hawkes populations");
    /* lin_rate */
    refused(&sf_theory_family_lin_rate,
            SIM "  R: {model: lin_rate, n: 5, params: {lambda: 0.0}}\n",
            "population R: lambda = 0");
    refused(&sf_theory_family_lin_rate,
            SIM "  R: {model: lin_rate, n: 5}\n"
                "  S: {model: lin_rate, n: 5, params: {output_noise: 1}}\n",
            "population S: all populations must have the same noise class");
    /* pif */
#define PIF_P "  P: {model: pif_psc_delta, n: 5}\n"
#define PIF_IN "inputs:\n  e: {kind: poisson, targets: [P], rate: 100.0, weight: 0.5}\n"
    refused(&sf_theory_family_pif,
            SIM PIF_P "projections:\n  PP: {source: P, target: P, rule: fixed_indegree, "
                      "indegree: 2, weight: 0.1, delay: 1.0}\n" PIF_IN,
            "projection PP: the PIF theory is of single neurons");
    refused(&sf_theory_family_pif, SIM PIF_P "  Q: {model: pif_psc_delta, n: 5}\n" PIF_IN,
            "populations P and Q");
    refused(&sf_theory_family_pif,
            SIM "  P: {model: pif_psc_delta, n: 5, params: {I_e: 20.0}}\n" PIF_IN,
            "population P: I_e = 20 pA");
    refused(&sf_theory_family_pif, SIM PIF_P PIF_IN "  f: {kind: dc, targets: [P], amplitude: 3.0}\n",
            "input f: a dc input is a drift");
    refused(&sf_theory_family_pif,
            SIM PIF_P PIF_IN "  e2: {kind: poisson, targets: [P], rate: 100.0, weight: 0.25}\n",
            "input e2: the PIF theory has one excitatory weight");
}

/* ------------------------------------------------------------------------
 * The expected periodogram, and models left unchanged. */

/* An estimate list shaped like the network families' (netcorr.h) for one
 * population pair (0, 0): the spectrum on the grid of L bins of delta, the
 * band averages, cov_pop and the covariance function at lags 0, +-stride. */
static sf_quantities *fake_estimate(size_t L, double delta, size_t nfr, size_t stride)
{
    sf_quantities *e = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "");
    sf_quantity *x = sf_quantities_add_scalar(ctx, e, "rate", "1", 0, -1, 0.0);
    x = sf_quantities_add_scalar(ctx, e, "cov_pop", "1", 0, 0, 0.0);
    x = sf_quantities_add(ctx, e, "spectrum_re", "1/Hz", 0, 0, SF_AXIS_FREQUENCY, nfr, 1, false);
    for (size_t i = 0; i < nfr; i++)
        x->axis_values[i] = (double)(i + 1) / ((double)L * delta * 1e-3);
    static const double band[3] = {5.0, 10.0, 20.0};
    x = sf_quantities_add(ctx, e, "spectrum_re_band", "1/Hz", 0, 0, SF_AXIS_FREQUENCY, 3, 1,
                          false);
    memcpy(x->axis_values, band, sizeof band);
    x = sf_quantities_add(ctx, e, "cov_function", "1", 0, 0, SF_AXIS_LAG, 3, 1, false);
    for (int i = 0; i < 3; i++)
        x->axis_values[i] = (double)(i - 1) * (double)stride * delta;
    return e;
}

static void test_expected_periodogram(void **state)
{
    (void)state;
    /* an uncoupled OU unit: tau dr/dt = -r + mu + sqrt(tau) sigma xi,
     * population average of N units: C(t) = D/(2 tau_s) e^{-|t|/tau},
     * D = sigma^2 tau_s / N (tau_s in s) */
    const double tau = 4.7, sigma = 0.8, N = 50, delta = 1.0;
    const size_t L = 200, nfr = 60, stride = 3;
    sf_model *m = load("simulation: {resolution: 0.1, duration: 1000.0}\n"
                       "populations:\n"
                       "  R: {model: lin_rate, n: 50, params: {tau: 4.7, lambda: 1.0, mu: 0.5, "
                       "sigma: 0.8, g: 1.0, output_noise: 0}}\n"
                       "recorders:\n"
                       "  r: {kind: voltmeter, populations: [R], n: 50, variable: rate, "
                       "interval: 1.0}\n");
    void *mp;
    sf_quantities *pred = predict(&sf_theory_family_lin_rate, m, &mp);
    sf_quantities *est = fake_estimate(L, delta, nfr, stride);
    sf_quantities *ex = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "lin_rate");
    assert_int_equal(sf_theory_family_lin_rate.expect(ctx, m, mp, pred, est, ex), SF_OK);
    const double ts = tau * 1e-3, D = sigma * sigma * ts / N, c0 = D / (2 * ts);
    /* brute force: Delta sum_{|k| < L} (1 - |k|/L) C(k Delta) e^{-2 pi i f k Delta} */
    const sf_quantity *s = &ex->q[sf_quantities_find(ex, "spectrum_re", 0, 0)];
    double dls = delta * 1e-3;
    for (size_t i = 0; i < nfr; i++) {
        double f = s->axis_values[i], S = 0;
        for (long k = -(long)L + 1; k < (long)L; k++)
            S += (1 - fabs((double)k) / (double)L) * c0 * exp(-fabs((double)k) * delta / tau) *
                 cos(2 * M_PI * f * (double)k * dls);
        assert_close(s->value[i], dls * S, 1e-9);
    }
    /* band averages: the grid points within +-2 Hz of 5, 10, 20 Hz (grid 5 Hz) */
    const sf_quantity *b = &ex->q[sf_quantities_find(ex, "spectrum_re_band", 0, 0)];
    assert_close(b->value[0], s->value[0], 1e-12);
    assert_close(b->value[2], s->value[3], 1e-12);
    /* lag 0: C(0); the covariance function: means over the stride's lags */
    assert_close(value(ex, "cov_pop", 0, 0), c0, 1e-9);
    const sf_quantity *cf = &ex->q[sf_quantities_find(ex, "cov_function", 0, 0)];
    assert_close(cf->value[1], c0 * (1 + 2 * exp(-delta / tau)) / 3, 1e-9);
    assert_close(cf->value[2], c0 * (exp(-2 * delta / tau) + exp(-3 * delta / tau) +
                                     exp(-4 * delta / tau)) / 3, 1e-9);
    assert_close(value(ex, "rate", 0, -1), 0.5, 1e-12);
    sf_quantities_destroy(ex);
    sf_quantities_destroy(est);
    sf_quantities_destroy(pred);
    sf_theory_family_lin_rate.unmap(mp);
    sf_model_destroy(m);
}

/* A copy of what a family could change: parameters, weights, delays. */
typedef struct {
    double params[2][16];
    sf_dist w[4], d[4];
    double in_rate[4], in_w[4];
} snapshot;

static void take(const sf_model *m, snapshot *s)
{
    memset(s, 0, sizeof *s);
    for (int a = 0; a < m->n_pops && a < 2; a++)
        memcpy(s->params[a], m->pops[a].params, sizeof(double) * (size_t)m->pops[a].type->n_params);
    for (int i = 0; i < m->n_proj && i < 4; i++)
        s->w[i] = m->proj[i].weight, s->d[i] = m->proj[i].delay;
    for (int i = 0; i < m->n_inputs && i < 4; i++)
        s->in_rate[i] = m->inputs[i].rate, s->in_w[i] = m->inputs[i].weight;
}

static void test_model_unchanged(void **state)
{
    (void)state;
    const sf_theory_type *fam[2] = {&sf_theory_family_hawkes, &sf_theory_family_binary};
    const char *text[2] = {HAWKES, BINARY};
    for (int k = 0; k < 2; k++) {
        sf_model *m = load(text[k]);
        snapshot before, after;
        take(m, &before);
        void *mp;
        sf_quantities *pred = predict(fam[k], m, &mp);
        sf_quantities *est = fake_estimate(400, 1.0, 20, 1);
        sf_quantities *ex = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, fam[k]->name);
        /* expect shifts the delays (Hawkes: d + h/2) on its own copy */
        if (fam[k]->expect(ctx, m, mp, pred, est, ex) != SF_OK)
            fail_msg("expect: %s", sf_context_errmsg(ctx));
        take(m, &after);
        assert_memory_equal(&before, &after, sizeof before);
        /* the mapped parameters too: a second prediction is the same */
        sf_quantities *again = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, fam[k]->name);
        assert_int_equal(fam[k]->predict(ctx, m, mp, NULL, again), SF_OK);
        assert_int_equal(sf_quantities_count(again), sf_quantities_count(pred));
        for (size_t i = 0; i < sf_quantities_count(pred); i++)
            assert_true(sf_quantity_values(again, i)[0] == sf_quantity_values(pred, i)[0]);
        /* and a second expectation */
        sf_quantities *ex2 = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, fam[k]->name);
        assert_int_equal(fam[k]->expect(ctx, m, mp, pred, est, ex2), SF_OK);
        for (size_t i = 0; i < sf_quantities_count(ex); i++)
            assert_memory_equal(ex->q[i].value, ex2->q[i].value,
                                ex->q[i].rows * sizeof(double));
        sf_quantities_destroy(ex2);
        sf_quantities_destroy(again);
        sf_quantities_destroy(ex);
        sf_quantities_destroy(est);
        sf_quantities_destroy(pred);
        fam[k]->unmap(mp);
        sf_model_destroy(m);
    }
}

static void test_covers(void **state)
{
    (void)state;
    assert_ptr_equal(sf_theory_family_binary.covers[0], &sf_binary);
    assert_null(sf_theory_family_binary.covers[1]);
    assert_ptr_equal(sf_theory_family_hawkes.covers[0], &sf_hawkes);
    assert_ptr_equal(sf_theory_family_lin_rate.covers[0], &sf_lin_rate);
    assert_ptr_equal(sf_theory_family_pif.covers[0], &sf_pif_psc_delta);
    /* tanh_rate has no theory: no family covers it */
    const sf_theory_type *all[] = {&sf_theory_family_binary, &sf_theory_family_hawkes,
                                   &sf_theory_family_lin_rate, &sf_theory_family_pif};
    for (int k = 0; k < 4; k++)
        for (int i = 0; all[k]->covers[i]; i++)
            assert_ptr_not_equal(all[k]->covers[i], &sf_tanh_rate);
}

int main(void)
{
    ctx = sf_context_create();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_predict),   cmocka_unit_test(test_hawkes_predict),
        cmocka_unit_test(test_lin_rate_predict), cmocka_unit_test(test_pif_predict),
        cmocka_unit_test(test_refusals),         cmocka_unit_test(test_expected_periodogram),
        cmocka_unit_test(test_model_unchanged),  cmocka_unit_test(test_covers),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sf_context_destroy(ctx);
    return rc;
}
