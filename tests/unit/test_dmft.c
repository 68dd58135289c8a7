/* Unit tests of the dynamic mean-field theory of random rate networks
 * (src/theory/dmft/: dmft.c, ratenet.c, family.c) and of the rate units'
 * linear_summation = 0 (src/neurons/rate.c). References are independent of
 * the code under test:
 *  - closed forms of the erf network: <erf(x1) erf(x2)> = (2/pi)
 *    arcsin(2c / (1 + 2v)), <erf'(x1) erf'(x2)> = (4/pi) / sqrt((1 + 2v)^2 -
 *    4c^2) for variances v and covariance c (Williams 1998, Neural Comput
 *    10:1203, with a = 1);
 *  - GSL adaptive quadrature (qagi) of the tanh averages;
 *  - limits: g = 0 is an Ornstein-Uhlenbeck process (Delta = (D/2) e^{-tau},
 *    lambda = -1); D = 0, g phi'(0) < 1 the fixed point with the circular-law
 *    edge lambda = -1 + g phi'(0);
 *  - the DMFT equation itself, Delta'' = Delta - g^2 f_phi(Delta),
 *    Delta'(0+) = -D/2, checked by finite differences against the erf
 *    closed form;
 *  - for D = 0 the derivative Delta' is a zero mode of the Schroedinger
 *    operator (its second eigenvalue is 0), and the ground state agrees with
 *    LAPACK's tridiagonal solver on a potential rebuilt here from the closed
 *    form;
 *  - the dense network against the engine (same model, same streams);
 *  - the Benettin exponent of an uncoupled network: (1/h) ln P1 = -lambda/tau.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "test_util.h"

#include "compare/quantity_impl.h"
#include "neurons/rate.h"
#include "spikefield/compare.h"
#include "spikefield/predict.h"
#include "theory/dmft/dmft.h"
#include "theory/dmft/ratenet.h"

#include <gsl/gsl_integration.h>
#include <lapacke.h>
#include <time.h>

#define NT 3001
#define DT 0.01

static double erf_f(double c, double v) { return M_2_PI * asin(2 * c / (1 + 2 * v)); }
static double erf_fp(double c, double v)
{
    return 4.0 / M_PI / sqrt((1 + 2 * v) * (1 + 2 * v) - 4 * c * c);
}

typedef struct {
    double var;
    int k;
} qarg;

static double tanh_integrand(double x, void *a)
{
    const qarg *q = a;
    const double w = exp(-x * x / (2 * q->var)) / sqrt(2 * M_PI * q->var);
    const double t = tanh(x), s = 1 - t * t;
    const double lc = fabs(x) + log1p(exp(-2 * fabs(x))) - M_LN2;
    return w * (q->k == 0 ? t * t : q->k == 1 ? s * s : q->k == 2 ? lc : lc * lc);
}

static double qagi(double var, int k)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    qarg a = {var, k};
    gsl_function F = {tanh_integrand, &a};
    double r, e;
    gsl_integration_qagi(&F, 1e-13, 1e-12, 1000, w, &r, &e);
    gsl_integration_workspace_free(w);
    return r;
}

static void test_gauss_averages(void **state)
{
    (void)state;
    sf_dmft_workspace *ws = sf_dmft_workspace_create(NT, DT, 0);
    assert_non_null(ws);
    const double vars[] = {0.05, 0.7385, 2.385, 5.446, 12.0};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const double v = vars[i];
        /* erf: closed forms at several covariances */
        for (double r = 0; r <= 1.0; r += 0.25) {
            fail_unless_close(sf_dmft_pair(ws, SF_DMFT_ERF, false, r * v, v), erf_f(r * v, v),
                              1e-11, "erf f_phi");
            fail_unless_close(sf_dmft_pair(ws, SF_DMFT_ERF, true, r * v, v), erf_fp(r * v, v),
                              1e-11, "erf f_phi'");
        }
        fail_unless_close(sf_dmft_gauss_mean(ws, SF_DMFT_ERF, SF_DMFT_PHI2, v), erf_f(v, v), 1e-12,
                          "erf <phi^2>");
        /* tanh: adaptive quadrature; the trapezoidal rule's error at the
         * poles of tanh (distance d = pi / (2 sqrt v), step h = 0.33 / sqrt v)
         * is e^{-2 pi d / h} = e^{-30} times the growth of the residues of
         * the higher powers: 1e-10 for sech^4 */
        fail_unless_close(sf_dmft_gauss_mean(ws, SF_DMFT_TANH, SF_DMFT_PHI2, v), qagi(v, 0), 1e-9,
                          "tanh <phi^2>");
        fail_unless_close(sf_dmft_gauss_mean(ws, SF_DMFT_TANH, SF_DMFT_PHIP2, v), qagi(v, 1),
                          1e-9, "tanh <phi'^2>");
        const double m1 = qagi(v, 2), m2 = qagi(v, 3);
        fail_unless_close(sf_dmft_gauss_mean(ws, SF_DMFT_TANH, SF_DMFT_VARPHI_PRIM, v),
                          m2 - m1 * m1, 1e-9 * (1 + m2), "tanh Var ln cosh");
        fail_unless_close(sf_dmft_pair(ws, SF_DMFT_TANH, false, v, v), qagi(v, 0), 1e-9,
                          "tanh f_phi(v; v) = <phi^2>");
        fail_unless_close(sf_dmft_pair(ws, SF_DMFT_TANH, false, 0, v), 0, 1e-14,
                          "tanh f_phi(0; v) = <phi>^2 = 0");
    }
    sf_dmft_workspace_destroy(ws);
}

static void test_limits(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_dmft_workspace *ws = sf_dmft_workspace_create(NT, DT, 0);
    double *delta = malloc(NT * sizeof *delta);
    sf_dmft_solution s;
    /* g = 0, D = 0.73: OU, Delta = (D/2) e^{-tau}, lambda = -1 */
    sf_dmft_params p = {SF_DMFT_TANH, 0.0, 0.73};
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, delta, &s), SF_OK);
    fail_unless_close(s.delta0, 0.365, 1e-12, "g = 0: Delta0 = D/2");
    for (size_t k = 0; k < NT; k += 100)
        fail_unless_close(delta[k], 0.365 * exp(-(double)k * DT), 2e-9, "g = 0: OU Delta(tau)");
    fail_unless_close(s.lyapunov, -1.0, 1e-6, "g = 0: lambda = -1");
    fail_unless_close(s.tau_decay, 1.0, 1e-4, "g = 0: 1/e time = tau");
    /* g -> 0: Delta0 -> D/2 with a correction of order g^2 */
    p.g = 1e-3;
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, false, NULL, &s), SF_OK);
    fail_unless_close(s.delta0, 0.365, 1e-6, "g -> 0: Delta0 -> D/2");
    /* D = 0, g < 1: fixed point, lambda = -1 + g */
    p = (sf_dmft_params){SF_DMFT_TANH, 0.7385, 0.0};
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, delta, &s), SF_OK);
    assert_true(s.fixed_point);
    assert_true(s.delta0 == 0 && delta[17] == 0);
    fail_unless_close(s.lyapunov, -1 + 0.7385, 1e-14, "fixed point: lambda = -1 + g");
    p.g = 0;
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
    fail_unless_close(s.lyapunov, -1.0, 0, "g = 0, D = 0: lambda = -1");
    /* erf: phi'(0) = 2/sqrt(pi), the transition at g = sqrt(pi)/2 */
    p = (sf_dmft_params){SF_DMFT_ERF, 0.99 * sqrt(M_PI) / 2, 0.0};
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
    assert_true(s.fixed_point);
    p.g = 1.01 * sqrt(M_PI) / 2;
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
    assert_false(s.fixed_point);
    assert_true(s.delta0 > 0 && s.lyapunov > 0);
    /* bad arguments */
    p.g = -1;
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_ERR_ARG);
    p.g = 1, p.D = NAN;
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_ERR_ARG);
    assert_null(sf_dmft_workspace_create(4, DT, 0));
    sf_dmft_workspace_destroy(NULL);
    free(delta);
    sf_dmft_workspace_destroy(ws);
    sf_context_destroy(ctx);
}

/* The erf network: Delta0 from the energy balance with closed-form
 * averages (independent bisection here), Delta(tau) satisfies the Newton
 * equation, the Schroedinger problem agrees with LAPACK and has the zero
 * mode for D = 0. */
typedef struct {
    double g, D;
} eb;

static double erf_varprim(double v)
{
    /* Var Phi, Phi = x erf x + e^{-x^2}/sqrt(pi): by Price's theorem
     * d/dc f_Phi(c; v) = f_phi(c; v), so Var Phi = int_0^v f_phi(c; v) dc,
     * integrated here in closed form:
     * int (2/pi) asin(2c/a) dc = (2/pi)[c asin(2c/a) + sqrt(a^2/4 - c^2)] */
    const double a = 1 + 2 * v, c = v;
    return M_2_PI * (c * asin(2 * c / a) + sqrt(a * a / 4 - c * c) - a / 2);
}

static void test_erf_network(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_dmft_workspace *ws = sf_dmft_workspace_create(NT, DT, 0);
    double *delta = malloc(NT * sizeof *delta);
    const eb cases[] = {{1.6, 0.0}, {2.385, 0.0}, {1.0, 0.8}, {2.0, 0.5}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const double g = cases[c].g, D = cases[c].D, g2 = g * g;
        double lo = 1e-6, hi = 50;
        for (int it = 0; it < 200; it++) {
            const double mid = 0.5 * (lo + hi);
            const double F = 0.5 * mid * mid - D * D / 8 - g2 * erf_varprim(mid);
            if ((D == 0 ? F / (mid * mid) : F) > 0)
                hi = mid;
            else
                lo = mid;
        }
        const double d0 = 0.5 * (lo + hi);
        sf_dmft_params p = {SF_DMFT_ERF, g, D};
        sf_dmft_solution s;
        assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, delta, &s), SF_OK);
        fail_unless_close(s.delta0, d0, 1e-9 * d0, "erf Delta0 (energy balance, closed form)");
        fail_unless_close(s.phi2, erf_f(d0, d0), 1e-8, "erf <phi^2>");
        fail_unless_close(s.stability, g2 * erf_fp(d0, d0), 1e-7, "erf g^2 <phi'^2>");
        /* Newton equation by central differences, tau = 0.2 .. 10 */
        for (size_t k = 20; k < 1000; k += 37) {
            const double acc = (delta[k + 1] - 2 * delta[k] + delta[k - 1]) / (DT * DT);
            const double force = delta[k] - g2 * erf_f(delta[k], d0);
            fail_unless_close(acc, force, 2e-4 * (1 + d0), "erf Delta'' = Delta - g^2 f_phi");
        }
        /* kink: one-sided second-order difference at 0+ */
        const double slope = (-3 * delta[0] + 4 * delta[1] - delta[2]) / (2 * DT);
        fail_unless_close(slope, -D / 2, 1e-4 * (1 + d0), "Delta'(0+) = -D/2");
        /* Schroedinger operator rebuilt from the closed form, LAPACK dstev */
        const size_t n = 2 * NT - 1;
        double *d = malloc(n * sizeof *d), *e = malloc(n * sizeof *e);
        for (size_t i = 0; i < n; i++) {
            const size_t k = i >= NT - 1 ? i - (NT - 1) : NT - 1 - i;
            d[i] = 2 / (DT * DT) + 1 - g2 * erf_fp(delta[k], d0);
            e[i] = -1 / (DT * DT);
        }
        assert_int_equal(LAPACKE_dstev(LAPACK_COL_MAJOR, 'N', (lapack_int)n, d, e, NULL, 1), 0);
        fail_unless_close(s.E0, d[0], 1e-5, "E0 (LAPACK dstev on the closed-form potential)");
        fail_unless_close(s.lyapunov, -1 + sqrt(1 - d[0]), 1e-5, "lambda = -1 + sqrt(1 - E0)");
        if (D == 0) {
            /* Delta' is the odd zero mode: E1 = 0, so E0 < 0 and chaos */
            fail_unless_close(d[1], 0.0, 2e-3, "D = 0: zero mode E1 = 0");
            assert_true(s.lyapunov > 0);
        }
        free(d);
        free(e);
    }
    free(delta);
    sf_dmft_workspace_destroy(ws);
    sf_context_destroy(ctx);
}

/* Reference values of the science notes (theory.md section 1c, computed
 * there with an independent script), tanh. */
static void test_tanh_table(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_dmft_workspace *ws = sf_dmft_workspace_create(NT, DT, 0);
    const struct {
        double g, D, d0;
    } ref[] = {{1.2, 0, 0.24263},  {1.5, 0, 0.74769},   {2.0, 0, 1.92481},   {3.0, 0, 5.44633},
               {0.5, 0.2, 0.11224}, {1.0, 0.2, 0.19478}, {1.5, 0.2, 0.77257}, {2.0, 0.2, 1.93220},
               {0.5, 1, 0.53613},   {1.0, 1, 0.68356},   {1.5, 1, 1.11810},   {2.0, 1, 2.09199}};
    for (size_t i = 0; i < sizeof ref / sizeof *ref; i++) {
        sf_dmft_params p = {SF_DMFT_TANH, ref[i].g, ref[i].D};
        sf_dmft_solution s;
        assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
        /* the table has 5 decimals */
        fail_unless_close(s.delta0, ref[i].d0, 6e-6, "tanh Delta0 (notes' table)");
        /* energy balance with adaptive quadrature */
        const double m1 = qagi(s.delta0, 2), m2 = qagi(s.delta0, 3);
        fail_unless_close(0.5 * s.delta0 * s.delta0 - p.D * p.D / 8, p.g * p.g * (m2 - m1 * m1),
                          1e-9, "tanh energy balance (qagi)");
        if (p.D == 0)
            assert_true(s.lyapunov > 0);
    }
    sf_dmft_workspace_destroy(ws);
    sf_context_destroy(ctx);
}

static double cpu_ms(void) { return 1e3 * (double)clock() / CLOCKS_PER_SEC; }

/* Transition: D = 0 at g = 1; D > 0 above the local stability line
 * (Schuecker et al. 2018, Fig. 2). One solve in < 50 ms (CPU time). */
static void test_transition(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_dmft_workspace *ws = sf_dmft_workspace_create(NT, DT, 0);
    sf_dmft_solution s;
    sf_dmft_params p = {SF_DMFT_TANH, 0.98, 0.0};
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
    assert_true(s.lyapunov < 0);
    p.g = 1.1;
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
    assert_true(s.lyapunov > 0);
    const double Ds[] = {0.2, 0.5, 1.0};
    double prev = 1.0;
    for (size_t i = 0; i < 3; i++) {
        double gc, gs;
        assert_int_equal(sf_dmft_transition(ctx, ws, SF_DMFT_TANH, Ds[i], 0.8, 3.0, 1e-3, &gc, &gs),
                         SF_OK);
        assert_true(gc > gs + 0.01); /* a locally expanding, non-chaotic band */
        assert_true(gc > prev);      /* noise suppresses chaos               */
        prev = gc;
    }
    assert_int_equal(sf_dmft_transition(ctx, ws, SF_DMFT_TANH, 1.0, 2.5, 3.0, 1e-3, &prev, &prev),
                     SF_ERR_NUMERIC);
    const double t0 = cpu_ms();
    p = (sf_dmft_params){SF_DMFT_TANH, 2.0, 0.5};
    for (int k = 0; k < 5; k++)
        assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
    const double per = (cpu_ms() - t0) / 5;
    if (!(per < 50))
        fail_msg("one DMFT solution took %.1f ms CPU (limit 50)", per);
    sf_dmft_workspace_destroy(ws);
    sf_context_destroy(ctx);
}

/* tanh_rate with linear_summation = 0: the input is used as it comes and
 * the event amplitude is g tanh(beta (y - theta)). */
static void test_rate_per_input(void **state)
{
    (void)state;
    const char *names[] = {"tau", "sigma", "g", "beta", "theta", "linear_summation", "mu"};
    const double vals[] = {2.5, 0.0, 1.7, 0.8, 0.3, 0.0, 0.2};
    cell c;
    cell_init(&c, "tanh_rate", 2, 0.1, names, vals, 7);
    c.state[0][1] = 0.9;
    c.in[0][0] = 0.5;
    c.in[0][1] = -0.4;
    size_t ns = cell_step(&c, 0.0);
    const double P1 = exp(-0.1 / 2.5), P2 = 1 - P1;
    fail_unless_close(c.state[0][0], P2 * (0.2 + 0.5), 1e-15, "r = P2 (mu + I)");
    fail_unless_close(c.state[0][1], P1 * 0.9 + P2 * (0.2 - 0.4), 1e-15, "r = P1 r + P2 (mu + I)");
    assert_int_equal(ns, 2);
    fail_unless_close(c.amp[0], 1.7 * tanh(0.8 * (c.state[1][0] - 0.3)), 1e-6, "amplitude phi(y)");
    fail_unless_close(c.amp[1], 1.7 * tanh(0.8 * (c.state[1][1] - 0.3)), 1e-6, "amplitude phi(y)");
    cell_free(&c);
    cell_init(&c, "erf_rate", 1, 0.1, names, vals, 7);
    c.in[0][0] = 0.5;
    cell_step(&c, 0.0);
    fail_unless_close(c.amp[0], 1.7 * erf(0.8 * (c.state[1][0] - 0.3)), 1e-6, "erf amplitude");
    cell_free(&c);
    /* linear_summation = 1 (the default): phi of the summed input */
    cell_init(&c, "erf_rate", 1, 0.1, names, vals, 5);
    c.in[0][0] = 0.5;
    cell_step(&c, 0.0);
    fail_unless_close(c.state[0][0], P2 * 1.7 * erf(0.8 * (0.5 - 0.3)), 1e-15,
                      "erf_rate: r = P2 phi(I)");
    cell_free(&c);
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    assert_int_not_equal(sf_model_load_string(ctx,
                                              "simulation: {duration: 1.0}\npopulations:\n  X: "
                                              "{model: tanh_rate, n: 2, params: "
                                              "{linear_summation: 0.5}}\n",
                                              "bad", NULL, 0, &m),
                         SF_OK);
    assert_non_null(strstr(sf_context_errmsg(ctx), "linear_summation"));
    sf_context_destroy(ctx);
}

#define SCS(N, STD, SIG, EXTRA)                                                                 \
    "simulation: {resolution: 0.05, duration: 40.0, seed: 7}\n"                               \
    "analysis: {start: 10.0}\n"                                                               \
    "populations:\n  X: {model: tanh_rate, n: " #N ", params: {tau: 1.0, sigma: " #SIG        \
    ", linear_summation: 0}, initial: {rate: {distribution: normal, mean: 0.0, std: 1.0}}}\n" \
    "projections:\n  J: {source: X, target: X, rule: all_to_all, weight: {distribution: "     \
    "normal, mean: 0.0, std: " #STD "}, delay: 0.05}\n" EXTRA

/* The family: mapping (g = sqrt(K) sd, D = sigma^2), predictions, refusals. */
static void test_family(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    /* g = 0.1 sqrt(200) = 1.41421, beta = 1.3 rescales: g_eff = 1.3 * 1.4142 * 0.9 */
    const char *txt =
        "simulation: {resolution: 0.05, duration: 40.0}\n"
        "populations:\n  X: {model: tanh_rate, n: 200, params: {tau: 2.0, lambda: 1.25, sigma: "
        "0.6, g: 0.9, beta: 1.3, linear_summation: 0}}\n"
        "projections:\n  J: {source: X, target: X, rule: all_to_all, weight: {distribution: "
        "normal, mean: 0.0, std: 0.1}, delay: 0.05}\n";
    assert_int_equal(sf_model_load_string(ctx, txt, "fam", NULL, 0, &m), SF_OK);
    sf_quantities *q = NULL;
    assert_int_equal(sf_predict(ctx, m, NULL, &q), SF_OK);
    const double g = 1.3 * 0.9 * sqrt(200) * 0.1 / 1.25, D = 1.3 * 1.3 * 0.36 / 1.25;
    long i = sf_quantities_find(q, "g_eff", 0, -1);
    assert_true(i >= 0);
    fail_unless_close(sf_quantity_values(q, (size_t)i)[0], g, 1e-12, "g_eff");
    i = sf_quantities_find(q, "noise_D", 0, -1);
    fail_unless_close(sf_quantity_values(q, (size_t)i)[0], D, 1e-12, "noise_D");
    sf_dmft_workspace *ws = sf_dmft_workspace_create(NT, DT, 0);
    sf_dmft_params p = {SF_DMFT_TANH, g, D};
    sf_dmft_solution s;
    assert_int_equal(sf_dmft_solve(ctx, ws, &p, true, NULL, &s), SF_OK);
    i = sf_quantities_find(q, "delta0", 0, -1);
    fail_unless_close(sf_quantity_values(q, (size_t)i)[0], s.delta0 / (1.3 * 1.3), 1e-12,
                      "delta0 = Delta / beta^2");
    i = sf_quantities_find(q, "lyapunov", 0, -1);
    fail_unless_close(sf_quantity_values(q, (size_t)i)[0], s.lyapunov / 1.6, 1e-12,
                      "lyapunov in 1/ms (tau / lambda = 1.6 ms)");
    i = sf_quantities_find(q, "autocorr", 0, -1);
    assert_true(i >= 0);
    sf_quantities_destroy(q);
    sf_model_destroy(m);
    sf_dmft_workspace_destroy(ws);
    const struct {
        const char *yaml, *words;
    } bad[] = {
        {"simulation: {duration: 10.0}\npopulations:\n  X: {model: tanh_rate, n: 5}\n"
         "projections:\n  J: {source: X, target: X, rule: all_to_all, weight: 0.1}\n",
         "linear_summation: 0"},
        {"simulation: {duration: 10.0}\npopulations:\n  X: {model: tanh_rate, n: 5, params: "
         "{linear_summation: 0}}\nprojections:\n  J: {source: X, target: X, rule: all_to_all, "
         "weight: 0.1}\n",
         "mean 0"},
        {"simulation: {duration: 10.0}\npopulations:\n  X: {model: tanh_rate, n: 5, params: "
         "{linear_summation: 0}}\nprojections:\n  J: {source: X, target: X, rule: all_to_all, "
         "weight: {distribution: normal, mean: 0.0, std: 0.1}, delay: 1.0}\n",
         "no delay"},
        {"simulation: {duration: 10.0}\npopulations:\n  X: {model: tanh_rate, n: 5, params: "
         "{linear_summation: 0, theta: 0.2}}\nprojections:\n  J: {source: X, target: X, rule: "
         "all_to_all, weight: {distribution: normal, mean: 0.0, std: 0.1}, delay: 0.1}\n",
         "theta = 0"},
        {"simulation: {duration: 10.0}\npopulations:\n  X: {model: tanh_rate, n: 5, params: "
         "{linear_summation: 0}}\n",
         "exactly one projection"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        assert_int_equal(sf_model_load_string(ctx, bad[k].yaml, "bad", NULL, 0, &m), SF_OK);
        q = NULL;
        assert_int_equal(sf_predict(ctx, m, NULL, &q), SF_ERR_MODEL);
        if (!strstr(sf_context_errmsg(ctx), bad[k].words))
            fail_msg("case %zu: '%s' lacks '%s'", k, sf_context_errmsg(ctx), bad[k].words);
        sf_model_destroy(m);
    }
    sf_context_destroy(ctx);
}

/* The dense network follows the engine (float event amplitudes: 1e-5),
 * its Lyapunov exponent of an uncoupled network is exact, and it is the
 * same on every call. */
static void test_dense_net(void **state)
{
    (void)state;
    sim s;
    sim_load(&s,
             SCS(60, 0.2, 0.5, "recorders:\n  x: {kind: voltmeter, populations: [X], n: 60, "
                               "variable: rate, interval: 0.05}\n"),
             "dense", 2);
    sim_engine(&s);
    const float *data;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    assert_true(sf_recording_trace(s.rec, 0, 0, &data, &nt, &nn, &t0, &dt));
    sf_dmft_net net;
    assert_int_equal(sf_dmft_net_from_model(s.ctx, s.m, &net), SF_OK);
    double *x = malloc(60 * sizeof *x), lam, se;
    /* sample t is the state at t0 + t dt, i.e. after round((t0 + t dt)/h) steps */
    const size_t t = 200;
    const int64_t steps = (int64_t)llround((t0 + (double)t * dt) / 0.05);
    assert_int_equal(sf_dmft_net_lyapunov(s.ctx, &net, steps, 0, 1, 2, &lam, &se, x), SF_OK);
    for (uint32_t j = 0; j < nn; j++)
        fail_unless_close(data[t * nn + j], x[j], 1e-4 * (1 + fabs(x[j])),
                          "dense trajectory = engine");
    double lam2, se2;
    assert_int_equal(sf_dmft_net_lyapunov(s.ctx, &net, steps, 0, 1, 2, &lam2, &se2, NULL),
                     SF_OK);
    assert_true(lam2 == lam && se2 == se);
    assert_int_equal(sf_dmft_net_lyapunov(s.ctx, &net, 10, 5, 1, 10, &lam2, &se2, NULL),
                     SF_ERR_ARG);
    sf_dmft_net_free(&net);
    sim_free(&s);
    /* uncoupled (weights 0 within redraw: std tiny) with noise: lambda = ln P1 / h = -1/ms */
    sim_load(&s, SCS(20, 1e-12, 1.0, ""), "uncoupled", 1);
    assert_int_equal(sf_dmft_net_from_model(s.ctx, s.m, &net), SF_OK);
    assert_int_equal(sf_dmft_net_lyapunov(s.ctx, &net, 800, 200, 4, 10, &lam, &se, NULL), SF_OK);
    fail_unless_close(lam, -1.0, 1e-6, "uncoupled: lambda = -1/tau");
    sf_dmft_net_free(&net);
    free(x);
    sim_free(&s);
}

/* A mean coupling (weights of mean w0: J0 = beta G K w0 / lambda): the
 * symmetric solution (delta0 as without it, mean 0) and the mean mode
 * J0 <phi'(u)>, u ~ N(0, Delta0), against a midpoint sum written here
 * (tanh' = 1 - tanh^2); beyond 1 the list says the predictions are not
 * valid. */
static void test_mean_coupling(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    const char *fmt =
        "simulation: {resolution: 0.05, duration: 40.0}\n"
        "populations:\n  X: {model: tanh_rate, n: 200, params: {tau: 1.0, sigma: 0.5, "
        "linear_summation: 0}}\n"
        "projections:\n  J: {source: X, target: X, rule: all_to_all, autapses: true, weight: "
        "{distribution: normal, mean: %g, std: 0.12}, delay: 0.05}\n";
    double d0[3] = {0}, mode[3] = {0};
    const double w0[3] = {0.0, 0.002, 0.01};
    for (int k = 0; k < 3; k++) {
        char txt[1024];
        snprintf(txt, sizeof txt, fmt, w0[k]);
        sf_model *m = NULL;
        sf_quantities *q = NULL;
        assert_int_equal(sf_model_load_string(ctx, txt, "mean", NULL, 0, &m), SF_OK);
        assert_int_equal(sf_predict(ctx, m, NULL, &q), SF_OK);
        long i = sf_quantities_find(q, "delta0", 0, -1), j = sf_quantities_find(q, "mean_mode", 0, -1),
             l = sf_quantities_find(q, "mean", 0, -1);
        d0[k] = sf_quantity_values(q, (size_t)i)[0];
        assert_true(k == 0 ? j < 0 && l < 0 : j >= 0 && l >= 0);
        if (k > 0) {
            mode[k] = sf_quantity_values(q, (size_t)j)[0];
            assert_true(sf_quantity_values(q, (size_t)l)[0] == 0);
            /* <1 - tanh^2(u)>, u ~ N(0, d0): midpoint sum over |z| < 12 */
            double acc = 0, dz = 24.0 / 48000;
            for (int t = 0; t < 48000; t++) {
                const double z = -12 + (t + 0.5) * dz, th = tanh(sqrt(d0[k]) * z);
                acc += (1 - th * th) * exp(-0.5 * z * z) * dz;
            }
            fail_unless_close(mode[k], 200 * w0[k] * acc / sqrt(2 * M_PI), 1e-9, "mean_mode");
            const bool invalid = strstr(sf_quantities_notes(q), "not valid") != NULL;
            assert_true(invalid == (mode[k] >= 1));
        }
        sf_quantities_destroy(q);
        sf_model_destroy(m);
    }
    assert_true(d0[1] == d0[0] && d0[2] == d0[0]); /* J0 does not enter */
    assert_true(mode[1] < 1 && mode[2] > 1);      /* J0 = 0.4 and 2 */
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gauss_averages), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_erf_network),    cmocka_unit_test(test_tanh_table),
        cmocka_unit_test(test_transition),     cmocka_unit_test(test_rate_per_input),
        cmocka_unit_test(test_family),         cmocka_unit_test(test_mean_coupling),         cmocka_unit_test(test_dense_net),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
