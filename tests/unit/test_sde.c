/* Unit tests of issue 16 part 1: the sde_poly neuron (src/neurons/sde_poly.c)
 * and the sde theory family (src/theory/sde/).
 *
 * References, independent of the code under test:
 *  - the Ornstein-Uhlenbeck case alpha = beta = 0 in closed form: stationary
 *    variance D/(2l), spectrum D/(l^2 + w^2), response 1/(l - i w), and the
 *    stationary variances of the two time-discrete schemes (the linear
 *    recursions x' = a x + b z: var = b^2 / (1 - a^2), EM a = 1 - l h,
 *    b^2 = D h; Heun a = 1 - l h + (l h)^2/2, b^2 = D h (1 - l h/2)^2);
 *  - composite Simpson quadrature of exp(-2 U / D), written here, for the
 *    exact moments and, with the tilted potential U - eps x, for the static
 *    response d<x>/d eps;
 *  - the values of the science notes (theory.md 4c, computed there by a
 *    separate script) for exact and Gaussian self-consistent moments.
 * Statistical tests use fixed seeds; their tolerances are 4 standard errors,
 * the SE taken from the spread of independent units' time averages.
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

#include "test_util.h"
#include "theory/sde/sde.h"
#include "spikefield/predict.h"
#include "compare/quantity_impl.h"

/* ---- an independent quadrature ---------------------------------------- */

/* Moments of p ~ exp(-2 (U - eps x) / D) by composite Simpson on [-L, L]
 * (the density is below e^-200 at the ends for the parameters used here). */
static void simpson_moments(double l, double al, double be, double D, double eps, double *mean,
                            double *var)
{
    const int n = 200000;
    double L = 10.0 * sqrt(D / l) + 3.0;
    double h = 2 * L / n, s0 = 0, s1 = 0, s2 = 0, umin = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i <= n; i++) {
            double x = -L + i * h;
            double u = l * x * x / 2 - al * x * x * x / 6 - be * x * x * x * x / 24 - eps * x;
            if (pass == 0) {
                umin = fmin(umin, u);
                continue;
            }
            double w = exp(-2 * (u - umin) / D) * ((i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2));
            s0 += w;
            s1 += w * x;
            s2 += w * x * x;
        }
    *mean = s1 / s0;
    *var = s2 / s0 - *mean * *mean;
}

/* ---- the neuron ---------------------------------------------------------- */

/* Stationary variance of 256 units over `steps` steps after a transient,
 * with the SE from the spread of the units' time averages. */
static void cell_variance(double scheme, double hs, double D, int steps, double *v, double *se)
{
    const char *names[] = {"tau", "l", "alpha", "beta", "D", "scheme"};
    const double vals[] = {1.0, 1.0, 0.0, 0.0, D, scheme};
    cell c;
    cell_init(&c, "sde_poly", 256, hs, names, vals, 6);
    for (int k = 0; k < 200; k++)
        cell_step(&c, 0.0);
    double vi[256] = {0};
    for (int k = 0; k < steps; k++) {
        cell_step(&c, 0.0);
        for (int i = 0; i < 256; i++)
            vi[i] += c.state[0][i] * c.state[0][i];
    }
    double m = 0, s = 0;
    for (int i = 0; i < 256; i++)
        m += (vi[i] /= steps);
    m /= 256;
    for (int i = 0; i < 256; i++)
        s += (vi[i] - m) * (vi[i] - m);
    *v = m;
    *se = sqrt(s / 255 / 256);
    cell_free(&c);
}

/* The schemes' stationary OU variances: Euler-Maruyama and Heun each match
 * their own closed form, and differ from the continuous D/(2l) at a coarse
 * step h/tau = 0.2 (EM: 0.5556, Heun 0.4945, continuous 0.5). */
static void test_neuron_ou_schemes(void **state)
{
    (void)state;
    const double hs = 0.2, D = 1.0;
    double v, se;
    cell_variance(0, hs, D, 20000, &v, &se);
    const double em = D * hs / (1 - (1 - hs) * (1 - hs));
    fail_unless_close(v, em, 4 * se, "Euler-Maruyama OU variance");
    assert_true(fabs(v - 0.5) > 10 * se);
    cell_variance(1, hs, D, 20000, &v, &se);
    const double a = 1 - hs + hs * hs / 2, heun = D * hs * (1 - hs / 2) * (1 - hs / 2) / (1 - a * a);
    fail_unless_close(v, heun, 4 * se, "Heun OU variance");
    assert_true(fabs(v - 0.5) > 4 * se);
    assert_true(fabs(heun - 0.5) < 0.15 * fabs(em - 0.5)); /* O(h^2) against O(h) */
}

static const char *model_text(char *buf, size_t len, int threads, double al, double D,
                              double scheme, double dur)
{
    snprintf(buf, len,
             "simulation: {resolution: 0.1, duration: %g, seed: 7, threads: %d}\n"
             "analysis: {start: 50.0}\n"
             "populations:\n"
             "  P: {model: sde_poly, n: 2000, params: {tau: 10.0, l: 1.0, alpha: %g, beta: -1.0, "
             "D: %g, scheme: %g}}\n"
             "recorders:\n"
             "  x: {kind: multimeter, record_from: [x], interval: 10.0}\n",
             dur, threads, al, D, scheme);
    return buf;
}

/* Through the engine: the trajectories are bit-identical for 1 and 2 threads
 * and their stationary mean and variance match the quadrature within 4 SE
 * (Heun's step bias at h/tau = 0.01 is ~1e-4 relative, far below the SE). */
static void test_neuron_engine(void **state)
{
    (void)state;
    char text[1024];
    sim s1, s2;
    sim_load(&s1, model_text(text, sizeof text, 1, 1.0, 0.5, 1, 2000.0), "sde1", 1);
    sim_engine(&s1);
    sim_load(&s2, model_text(text, sizeof text, 2, 1.0, 0.5, 1, 2000.0), "sde2", 2);
    sim_engine(&s2);
    const void *d1, *d2;
    bool f1, f2;
    size_t nt, nt2;
    uint32_t nn, nn2;
    double t0, dt;
    assert_true(sf_recording_trace_var(s1.rec, 0, 0, 0, &d1, &f1, &nt, &nn, NULL, &t0, &dt));
    assert_true(sf_recording_trace_var(s2.rec, 0, 0, 0, &d2, &f2, &nt2, &nn2, NULL, &t0, &dt));
    assert_int_equal(nt, nt2);
    assert_int_equal(nn, 2000);
    assert_memory_equal(d1, d2, nt * nn * sizeof(float));
    const float *x = d1;
    double mu[2000] = {0}, vi[2000] = {0}, M = 0, V = 0, sm = 0, sv = 0;
    /* the samples at t >= analysis.start = 50 ms (the family's window) */
    size_t first = (size_t)ceil((50.0 - t0) / dt - 1e-9);
    size_t T = nt - first;
    for (size_t t = first; t < nt; t++)
        for (uint32_t i = 0; i < nn; i++)
            mu[i] += x[t * nn + i] / (double)T;
    for (uint32_t i = 0; i < nn; i++)
        M += mu[i] / nn;
    for (size_t t = first; t < nt; t++)
        for (uint32_t i = 0; i < nn; i++)
            vi[i] += (x[t * nn + i] - M) * (x[t * nn + i] - M) / (double)T;
    for (uint32_t i = 0; i < nn; i++)
        V += vi[i] / nn;
    for (uint32_t i = 0; i < nn; i++) {
        sm += (mu[i] - M) * (mu[i] - M);
        sv += (vi[i] - V) * (vi[i] - V);
    }
    double em, ev;
    simpson_moments(1.0, 1.0, -1.0, 0.5, 0.0, &em, &ev);
    fail_unless_close(M, em, 4 * sqrt(sm / (nn - 1) / nn), "simulated mean");
    fail_unless_close(V, ev, 4 * sqrt(sv / (nn - 1) / nn), "simulated variance");
    /* compare: the family's estimate is the same numbers */
    sf_quantities *cmp = NULL;
    assert_int_equal(sf_compare(s1.ctx, s1.m, s1.rec, NULL, &cmp), SF_OK);
    long i = sf_quantities_find(cmp, "variance", 0, -1);
    assert_true(i >= 0);
    fail_unless_close(sf_quantity_values(cmp, (size_t)i)[0], V, 1e-12 * V, "estimate");
    assert_true(sf_quantities_find(cmp, "variance_frg", 0, -1) >= 0);
    /* the simulated spectrum (periodograms of 2000 units, 63 frequencies)
     * against the expected periodogram of the exact Fokker-Planck modes, by
     * compare's vector rule (median |z| <= 1.5, <= 5 % beyond 3 SE) */
    i = sf_quantities_find(cmp, "spectrum", 0, -1);
    assert_true(i >= 0);
    if (strcmp(cmp->q[i].verdict, "agree"))
        fail_msg("spectrum: %s, median |z| %.2f", cmp->q[i].verdict, cmp->q[i].median_abs_z);
    sf_quantities_destroy(cmp);
    sim_free(&s1);
    sim_free(&s2);
}

/* sf_rng_normal_pairs: the cosine part is sf_rng_normals' value, the sine
 * part an independent standard normal (mean 0, variance 1, uncorrelated
 * with the cosine part, within 4 SE over 2^16 values). */
static void test_normal_pairs(void **state)
{
    (void)state;
    enum { N = 65536 };
    static double a[N], b[N], c[N];
    sf_rng_normal_pairs(5, SF_RNG_NEURON, 0, 17, 1000, N, a, b);
    sf_rng_normals(5, SF_RNG_NEURON, 0, 17, 1000, N, c);
    assert_memory_equal(a, c, sizeof a);
    double m = 0, v = 0, ab = 0;
    for (int i = 0; i < N; i++) {
        m += b[i] / N;
        v += b[i] * b[i] / N;
        ab += a[i] * b[i] / N;
    }
    const double se = 1.0 / sqrt((double)N);
    fail_unless_close(m, 0, 4 * se, "mean of the sine part");
    fail_unless_close(v, 1, 4 * sqrt(2.0) * se, "variance of the sine part");
    fail_unless_close(ab, 0, 4 * se, "correlation of the parts");
}

/* Refusals of the neuron's parameters, with their reasons. */
static void test_neuron_refusals(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    const char *bad[][2] = {
        {"alpha: 1.0, beta: 0.0", "needs beta < 0"},
        {"beta: 0.5", "beta"},
        {"scheme: 0.5", "scheme must be 0"},
        {"l: 0.0", "l"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char text[512];
        snprintf(text, sizeof text,
                 "simulation: {duration: 10.0}\npopulations:\n  P: {model: sde_poly, n: 4, "
                 "params: {%s}}\n", bad[k][0]);
        assert_int_not_equal(sf_model_load_string(ctx, text, "bad", NULL, 0, &m), SF_OK);
        if (!strstr(sf_context_errmsg(ctx), bad[k][1]))
            fail_msg("%s: message '%s' lacks '%s'", bad[k][0], sf_context_errmsg(ctx), bad[k][1]);
    }
    sf_context_destroy(ctx);
}

/* ---- the exact references ------------------------------------------------ */

static void test_exact_moments(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    const double pts[][4] = {{1, 0.5, -1, 0.5}, {1, 1, -1, 1}, {1, 0, -1, 1},
                             {1.3, 0.7, -0.4, 0.01}, {1, 1.2, -1, 2.0}, {2, 0, 0, 0.3}};
    for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
        sf_sde_params p = {pts[k][0], pts[k][1], pts[k][2], pts[k][3]};
        sf_sde_moments mo;
        assert_int_equal(sf_theory_sde_moments(ctx, &p, &mo), SF_OK);
        double m, v;
        simpson_moments(p.l, p.alpha, p.beta, p.D, 0.0, &m, &v);
        fail_unless_close(mo.mean, m, 1e-10 * sqrt(v), "quadrature mean");
        fail_unless_close(mo.var, v, 1e-9 * v, "quadrature variance");
        sf_sde_modes md;
        assert_int_equal(sf_theory_sde_modes(ctx, &p, 0, &md), SF_OK);
        /* the grid's stationary distribution and the sum rule sum c2 = var */
        double c2 = 0;
        for (size_t j = 0; j < md.n; j++)
            c2 += md.c2[j];
        fail_unless_close(md.var_grid, v, 1e-8 * v, "grid variance");
        fail_unless_close(c2, v, 1e-6 * v, "sum of mode weights");
        /* static response: chi(0) = d<x>/d eps by the tilted quadrature */
        double mp, mm, vv;
        const double e = 1e-4 * p.l;
        simpson_moments(p.l, p.alpha, p.beta, p.D, e, &mp, &vv);
        simpson_moments(p.l, p.alpha, p.beta, p.D, -e, &mm, &vv);
        double chi0 = creal(sf_theory_sde_modes_response(&md, p.D, 0.0));
        fail_unless_close(chi0, (mp - mm) / (2 * e), 2e-5 * chi0, "static response");
    }
    /* the values of the science notes (theory.md 4c), 5 digits */
    const double tab[][6] = {{0.5, 0.5, 0.05009, 0.23339, 0.05203, 0.22935},
                             {1.0, 0.5, 0.11500, 0.26531, 0.11540, 0.24643},
                             {1.0, 1.0, 0.20185, 0.51908, 0.20848, 0.47569},
                             {0.0, 1.0, 0.0, 0.41930, 0.0, 0.41421}};
    for (size_t k = 0; k < 4; k++) {
        sf_sde_params p = {1, tab[k][0], -1, tab[k][1]};
        sf_sde_moments mo;
        sf_sde_approx a;
        assert_int_equal(sf_theory_sde_moments(ctx, &p, &mo), SF_OK);
        fail_unless_close(mo.mean, tab[k][2], 6e-6, "notes: exact mean");
        fail_unless_close(mo.var, tab[k][3], 6e-6, "notes: exact variance");
        assert_int_equal(sf_theory_sde_approx(ctx, &p, SF_SDE_GAUSSIAN, NULL, 0, &a), SF_OK);
        assert_true(a.ok);
        fail_unless_close(a.mean, tab[k][4], 6e-6, "notes: Gaussian mean");
        fail_unless_close(a.var, tab[k][5], 6e-6, "notes: Gaussian variance");
    }
    /* alpha = 2: the second well holds most of the probability (notes:
     * mean 4.682) */
    sf_sde_params p = {1, 2, -1, 0.5};
    sf_sde_moments mo;
    assert_int_equal(sf_theory_sde_moments(ctx, &p, &mo), SF_OK);
    fail_unless_close(mo.mean, 4.682, 6e-4, "notes: bimodal mean");
    assert_true(mo.p_second_well > 0.9);
    sf_context_destroy(ctx);
}

/* OU: the modes, and every approximation, are the closed forms. */
static void test_exact_ou(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_sde_params p = {1.7, 0, 0, 0.6};
    sf_sde_modes md;
    assert_int_equal(sf_theory_sde_modes(ctx, &p, 0, &md), SF_OK);
    fail_unless_close(md.lambda[0], p.l, 1e-4 * p.l, "OU relaxation rate (grid O(dx^2))");
    fail_unless_close(md.c2[0], p.D / (2 * p.l), 1e-6, "OU mode weight");
    const double w[4] = {0.1, 1.0, 2.385, 10.0};
    for (int j = 0; j < 4; j++) {
        double S = p.D / (p.l * p.l + w[j] * w[j]);
        fail_unless_close(sf_theory_sde_modes_spectrum(&md, w[j]), S, 2e-4 * S, "OU spectrum");
        double complex chi = sf_theory_sde_modes_response(&md, p.D, w[j]), ex = 1 / (p.l - I * w[j]);
        fail_unless_close(cabs(chi - ex), 0, 2e-4 * cabs(ex), "OU response");
    }
    for (int k = 0; k < SF_SDE_N_METHODS; k++) {
        sf_sde_approx a;
        assert_int_equal(sf_theory_sde_approx(ctx, &p, (sf_sde_method)k, w, 4, &a), SF_OK);
        assert_true(a.ok);
        fail_unless_close(a.mean, 0, 1e-12, sf_sde_method_names[k]);
        fail_unless_close(a.var, p.D / (2 * p.l), 1e-10, sf_sde_method_names[k]);
        for (int j = 0; j < 4; j++) {
            double S = p.D / (p.l * p.l + w[j] * w[j]);
            fail_unless_close(sf_theory_sde_approx_spectrum(&a, p.D, w[j], (size_t)j), S, 1e-9 * S,
                              sf_sde_method_names[k]);
        }
        sf_theory_sde_approx_free(&a);
    }
    sf_context_destroy(ctx);
}

/* ---- the approximations' orders as D -> 0 -------------------------------- */

/* Slope of log |err| against log D over D = 0.004, 0.008, 0.016 (least
 * squares), errors against the Simpson quadrature. */
static void slopes(double al, double be, sf_sde_method k, double *sm, double *sv)
{
    sf_context *ctx = sf_context_create();
    const double Ds[3] = {0.004, 0.008, 0.016};
    double lx[3], ym[3], yv[3];
    for (int j = 0; j < 3; j++) {
        sf_sde_params p = {1, al, be, Ds[j]};
        sf_sde_approx a;
        assert_int_equal(sf_theory_sde_approx(ctx, &p, k, NULL, 0, &a), SF_OK);
        assert_true(a.ok);
        double m, v;
        simpson_moments(1, al, be, Ds[j], 0.0, &m, &v);
        lx[j] = log(Ds[j]);
        ym[j] = log(fabs(a.mean - m));
        yv[j] = log(fabs(a.var - v));
        sf_theory_sde_approx_free(&a);
    }
    double xm = (lx[0] + lx[1] + lx[2]) / 3, sxx = 0, sxm = 0, sxv = 0;
    for (int j = 0; j < 3; j++) {
        sxx += (lx[j] - xm) * (lx[j] - xm);
        sxm += (lx[j] - xm) * ym[j];
        sxv += (lx[j] - xm) * yv[j];
    }
    *sm = sxm / sxx;
    *sv = sxv / sxx;
    sf_context_destroy(ctx);
}

/* Claimed orders (docs/fluctuations.md): one loop mean O(D^2), variance
 * O(D^3) (the exact D^2 coefficient alpha^2/l^4 + beta/(2 l^3), over 4);
 * Gaussian mean O(D^2), variance O(D^2) (it misses the bubble); fRG at least
 * the one-loop orders. Slopes within +-0.25 of the order (the next order's
 * share at D = 0.016 is a few %). */
static void test_orders(void **state)
{
    (void)state;
    double sm, sv;
    slopes(0.5, -1, SF_SDE_ONE_LOOP, &sm, &sv);
    print_message("one loop: mean slope %.3f, variance slope %.3f\n", sm, sv);
    fail_unless_close(sm, 2, 0.25, "one-loop mean order");
    fail_unless_close(sv, 3, 0.25, "one-loop variance order");
    slopes(0.5, -1, SF_SDE_GAUSSIAN, &sm, &sv);
    print_message("gaussian: mean slope %.3f, variance slope %.3f\n", sm, sv);
    fail_unless_close(sm, 2, 0.25, "Gaussian mean order");
    fail_unless_close(sv, 2, 0.25, "Gaussian variance order");
    slopes(0.5, -1, SF_SDE_FRG, &sm, &sv);
    print_message("frg: mean slope %.3f, variance slope %.3f\n", sm, sv);
    assert_true(sm > 2.75);
    assert_true(sv > 3.75);
    /* alpha = 0: the Gaussian closure catches the tadpole, variance O(D^3) */
    slopes(0.0001, -1, SF_SDE_GAUSSIAN, &sm, &sv);
    print_message("gaussian, alpha ~ 0: variance slope %.3f\n", sv);
    fail_unless_close(sv, 3, 0.25, "Gaussian variance order at alpha = 0");
}

/* fRG against the Gaussian self-consistent approximation over the sweep of
 * the example: the fRG variance error is never larger; the mean is not
 * claimed (the Gaussian mean is closer at alpha = 1, D >= 0.25). */
static void test_frg_vs_gaussian(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    const double als[] = {0.5, 1.0}, Ds[] = {0.1, 0.25, 0.5, 1.0};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++) {
            sf_sde_params p = {1, als[i], -1, Ds[j]};
            sf_sde_approx g, f;
            double m, v;
            simpson_moments(1, als[i], -1, Ds[j], 0.0, &m, &v);
            assert_int_equal(sf_theory_sde_approx(ctx, &p, SF_SDE_GAUSSIAN, NULL, 0, &g), SF_OK);
            assert_int_equal(sf_theory_sde_approx(ctx, &p, SF_SDE_FRG, NULL, 0, &f), SF_OK);
            assert_true(g.ok && f.ok);
            if (!(fabs(f.var - v) <= fabs(g.var - v)))
                fail_msg("alpha %g, D %g: fRG variance error %g > Gaussian %g", als[i], Ds[j],
                         f.var - v, g.var - v);
            sf_theory_sde_approx_free(&f);
        }
    sf_context_destroy(ctx);
}

/* ---- the family through sf_predict --------------------------------------- */

static void test_family(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    char text[1024];
    assert_int_equal(sf_model_load_string(ctx, model_text(text, sizeof text, 1, 0.5, 0.5, 0, 100.0),
                                          "fam", NULL, 0, &m), SF_OK);
    assert_string_equal(sf_theory_family_of(ctx, m), "sde");
    sf_quantities *q = NULL;
    assert_int_equal(sf_predict(ctx, m, NULL, &q), SF_OK);
    const char *names[] = {"mean", "variance", "spectrum", "response", "corr_time",
                           "mean_one_loop", "variance_gaussian", "variance_error_frg",
                           "spectrum_frg", "response_one_loop"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (sf_quantities_find(q, names[k], 0, -1) < 0)
            fail_msg("no prediction %s", names[k]);
    long i = sf_quantities_find(q, "variance", 0, -1);
    double mm, v;
    simpson_moments(1, 0.5, -1, 0.5, 0.0, &mm, &v);
    fail_unless_close(sf_quantity_values(q, (size_t)i)[0], v, 1e-9, "predicted variance");
    sf_quantities_destroy(q);
    sf_model_destroy(m);
    /* bimodal: the approximations are declared invalid */
    assert_int_equal(sf_model_load_string(ctx, model_text(text, sizeof text, 1, 2.0, 0.5, 0, 100.0),
                                          "bim", NULL, 0, &m), SF_OK);
    assert_int_equal(sf_predict(ctx, m, NULL, &q), SF_OK);
    i = sf_quantities_find(q, "variance_gaussian", 0, -1);
    assert_true(i >= 0 && q->q[i].invalid);
    sf_quantities_destroy(q);
    sf_model_destroy(m);
    /* refusals: projections, inputs */
    const char *extra[] = {
        "projections:\n  PP: {source: P, target: P, rule: one_to_one, weight: 0.1, delay: 1.0}\n",
        "inputs:\n  dc: {kind: dc_generator, targets: [P], amplitude: 0.1}\n"};
    const char *why[] = {"no projections", "no inputs"};
    for (int k = 0; k < 2; k++) {
        char t2[1536];
        snprintf(t2, sizeof t2, "%s%s", model_text(text, sizeof text, 1, 0.5, 0.5, 0, 100.0),
                 extra[k]);
        assert_int_equal(sf_model_load_string(ctx, t2, "ref", NULL, 0, &m), SF_OK);
        assert_int_not_equal(sf_predict(ctx, m, NULL, &q), SF_OK);
        if (!strstr(sf_context_errmsg(ctx), why[k]))
            fail_msg("message '%s' lacks '%s'", sf_context_errmsg(ctx), why[k]);
        sf_model_destroy(m);
    }
    /* the mathematics refuses what has no stationary density */
    sf_sde_params bad[] = {{1, 1, 0, 0.5}, {1, 0, 0.1, 0.5}, {0, 0, -1, 0.5}, {1, 0, -1, 0}};
    for (int k = 0; k < 4; k++) {
        sf_sde_moments mo;
        assert_int_equal(sf_theory_sde_moments(ctx, &bad[k], &mo), SF_ERR_MODEL);
    }
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neuron_ou_schemes), cmocka_unit_test(test_neuron_engine),
        cmocka_unit_test(test_neuron_refusals),   cmocka_unit_test(test_normal_pairs),
        cmocka_unit_test(test_exact_moments),
        cmocka_unit_test(test_exact_ou),          cmocka_unit_test(test_orders),
        cmocka_unit_test(test_frg_vs_gaussian),   cmocka_unit_test(test_family),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
