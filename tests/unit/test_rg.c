/* Unit tests of src/theory/rg (the one-loop RG of the Wilson-Cowan field,
 * docs/rg.md) and of the field models' `field:` section.
 *
 * The one-loop coefficients are checked independently of their hand
 * expansion in sf_rg_shift:
 * - the background-field form delta g = (D I / 4) g''/g' is expanded here by
 *   a Cauchy integral on a circle (trapezoidal rule, 64 nodes: exponentially
 *   accurate), and its Taylor coefficients must equal sf_rg_shift's;
 * - the two self-energy graphs, from their Feynman rules (tadpole 3 c3 C0,
 *   bubble 4 c2^2 k^2 G0 C0), by numerical frequency integrals (GSL qagi),
 *   must give the kappa shift per unit D I / k^2 of sf_rg_shift;
 * - the beta functions must be the rescaled shifts (one small coarse-graining
 *   step from sf_rg_shift, differenced);
 * - the integrated flow (GSL odeiv2) against the closed-form solutions of
 *   du/dl = (2 - d) u - a u^2: u0 / (1 + a u0 l) in d = 2 (Gell-Mann-Low) and
 *   u0 e^-l / (1 + a u0 (1 - e^-l)) in d = 3.
 * The family: the free spectrum prediction against the closed form; the
 * model file's refusals. */
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
#include <gsl/gsl_integration.h>

#include "lattice/field.h"
#include "spikefield/field.h"
#include "spikefield/predict.h"
#include "theory/rg/rg.h"

/* Taylor coefficient n of f(z) = g''(z) / (4 g'(z)) at 0 by a Cauchy integral */
static double cauchy_coef(double kappa, double c2, double c3, int n)
{
    /* radius well inside the nearest zero of g' = kappa + 2 c2 z + 3 c3 z^2 */
    double rho = 0.2 * kappa / (fabs(c2) + sqrt(fabs(c3) * kappa) + 1e-300);
    if (rho > 1)
        rho = 1;
    double _Complex s = 0;
    const int K = 64;
    for (int j = 0; j < K; j++) {
        double _Complex z = rho * cexp(2 * M_PI * I * j / K);
        double _Complex f = (2 * c2 + 6 * c3 * z) / (4 * (kappa + 2 * c2 * z + 3 * c3 * z * z));
        s += f / cpow(z, n);
    }
    return creal(s) / K;
}

static void test_shift_coefficients(void **st)
{
    (void)st;
    const double cases[][3] = {{1, 0.3, 0.2}, {2, -0.4, 0.1}, {0.7, 0.1, 0.5}, {1, 0, 0.3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double k = cases[i][0], c2 = cases[i][1], c3 = cases[i][2], dk, dc2, dc3;
        sf_rg_shift(k, c2, c3, &dk, &dc2, &dc3);
        double a1 = cauchy_coef(k, c2, c3, 1), a2 = cauchy_coef(k, c2, c3, 2),
               a3 = cauchy_coef(k, c2, c3, 3);
        printf("kappa %g c2 %g c3 %g: dkappa %.12g (%.12g) dc2 %.12g (%.12g) dc3 %.12g (%.12g)\n",
               k, c2, c3, dk, a1, dc2, a2, dc3, a3);
        /* trapezoidal error ~ (rho / R)^64 with R/rho >= 5: below 1e-12 */
        assert_true(fabs(dk - a1) < 1e-10 * (1 + fabs(a1)));
        assert_true(fabs(dc2 - a2) < 1e-10 * (1 + fabs(a2)));
        assert_true(fabs(dc3 - a3) < 1e-10 * (1 + fabs(a3)));
    }
}

typedef struct {
    double a, D; /* a = kappa k^2 */
    int which;   /* 0: C0(nu); 1: Re G0(nu) C0(-nu) */
} nu_par;

static double nu_integrand(double nu, void *p)
{
    const nu_par *q = p;
    double C = q->D / (nu * nu + q->a * q->a);
    if (q->which == 0)
        return C / (2 * M_PI);
    double _Complex G = 1 / (-I * nu + q->a);
    return creal(G) * C / (2 * M_PI);
}

static double nu_int(double a, double D, int which)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    nu_par p = {a, D, which};
    gsl_function F = {nu_integrand, &p};
    double r, err;
    gsl_integration_qagi(&F, 0, 1e-13, 1000, w, &r, &err);
    gsl_integration_workspace_free(w);
    return r;
}

static void test_self_energy_graphs(void **st)
{
    (void)st;
    double kappa = 1.3, D = 0.7, kk = 0.9; /* internal momentum |k| = kk */
    double a = kappa * kk * kk, dk, dc2, dc3;
    /* tadpole: kappa -> kappa + 3 c3 <phi^2>, <phi^2> of the mode = int C0 */
    double c3 = 0.25;
    double tad = 3 * c3 * nu_int(a, D, 0);
    sf_rg_shift(kappa, 0, c3, &dk, &dc2, &dc3);
    assert_true(fabs(tad - dk * D / (kk * kk)) < 1e-9 * fabs(tad));
    /* bubble: Sigma / q^2 = 4 c2^2 k^2 int G0(k, nu) C0(k, -nu) dnu / 2 pi reduces kappa */
    double c2 = 0.4;
    double bub = 4 * c2 * c2 * kk * kk * nu_int(a, D, 1);
    sf_rg_shift(kappa, c2, 0, &dk, &dc2, &dc3);
    printf("tadpole %.12g, bubble %.12g; shift %.12g\n", tad, bub, dk * D / (kk * kk));
    assert_true(fabs(-bub - dk * D / (kk * kk)) < 1e-9 * fabs(bub));
}

static void test_beta_from_shifts(void **st)
{
    (void)st;
    /* kappa = 1, D K_d Lambda^{d-2} = 1 at l = 0: u = c3, w = c2^2; one
     * step dl: the shifts, then Lambda^{d-2} -> e^{(2-d) dl} Lambda^{d-2} */
    const double pts[][3] = {{2, 0.05, 0.01}, {3, 0.1, 0.02}, {2, 0.02, 0.03}, {1, 0.04, 0.0}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double d = pts[i][0], u = pts[i][1], w = pts[i][2], c2 = sqrt(w), c3 = u;
        double dl = 1e-6, dk, dc2, dc3, du, dw;
        sf_rg_shift(1, c2, c3, &dk, &dc2, &dc3);
        double k1 = 1 + dk * dl, c21 = c2 + dc2 * dl, c31 = c3 + dc3 * dl, s = exp((2 - d) * dl);
        double u1 = c31 * s / (k1 * k1), w1 = c21 * c21 * s / (k1 * k1 * k1);
        sf_rg_beta(d, u, w, &du, &dw);
        assert_true(fabs((u1 - u) / dl - du) < 1e-5);
        assert_true(fabs((w1 - w) / dl - dw) < 1e-5);
    }
}

static void test_flow_closed_forms(void **st)
{
    (void)st;
    sf_context *ctx = sf_context_create();
    double l[6] = {0, 1, 5, 20, 100, 1000}, u[6], w[6];
    double u0 = 0.2;
    assert_int_equal(sf_rg_flow(ctx, 2, u0, 0, l, 6, u, w), SF_OK);
    for (int i = 0; i < 6; i++) {
        double want = u0 / (1 + SF_RG_A * u0 * l[i]);
        assert_true(fabs(u[i] - want) < 1e-9 * want);
        assert_true(w[i] == 0);
    }
    /* logarithmic approach: a l u(l) -> 1 */
    assert_true(fabs(SF_RG_A * l[5] * u[5] - 1) < 1e-3);
    assert_int_equal(sf_rg_flow(ctx, 3, u0, 0, l, 5, u, w), SF_OK);
    for (int i = 0; i < 5; i++) {
        double e = exp(-l[i]), want = u0 * e / (1 + SF_RG_A * u0 * (1 - e));
        assert_true(fabs(u[i] - want) < 1e-8 * want + 1e-300);
    }
    /* with a small c2^2 coupling the d = 2 flow still goes to zero like 1/(a l) */
    double L2[2] = {0, 1e4}, u2[2], w2[2];
    assert_int_equal(sf_rg_flow(ctx, 2, 0.1, 0.05, L2, 2, u2, w2), SF_OK);
    assert_true(fabs(SF_RG_A * L2[1] * u2[1] - 1) < 0.02);
    assert_true(w2[1] > 0 && w2[1] < 1e-2 * u2[1]);
    /* w / u beyond the separatrix: the flow runs away, with a message */
    double L3[2] = {0, 100};
    assert_int_equal(sf_rg_flow(ctx, 2, 0.01, 0.1, L3, 2, u2, w2), SF_ERR_NUMERIC);
    assert_non_null(strstr(sf_context_errmsg(ctx), "runs away"));
    sf_context_destroy(ctx);
}

static const char *FREE_MODEL = "simulation: {resolution: 0.1, duration: 100, seed: 1}\n"
                                "field:\n"
                                "  lattice: {dim: 2, size: 16}\n"
                                "  kappa: 1.5\n"
                                "  D: 0.5\n";

static void test_family_free_spectrum(void **st)
{
    (void)st;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    assert_int_equal(sf_model_load_string(ctx, FREE_MODEL, "free", NULL, 0, &m), SF_OK);
    assert_true(sf_model_has_field(m));
    assert_int_equal(sf_model_field_sites(m), 256);
    assert_string_equal(sf_theory_family_of(ctx, m), "rg");
    sf_quantities *q = NULL;
    assert_int_equal(sf_predict(ctx, m, NULL, &q), SF_OK);
    long i = sf_quantities_find(q, "power_spectrum", -1, -1);
    assert_true(i >= 0);
    const double *v = sf_quantity_values(q, (size_t)i);
    /* closed form per shell: the modes (kx, ky) of the half spectrum, ky in
     * 0..8, |k| in [b dk, (b+1) dk), dk = pi sqrt(2) / 32 */
    double sum[32] = {0}, cnt[32] = {0}, dk = M_PI * sqrt(2.0) / 32;
    for (int x = 0; x < 16; x++)
        for (int y = 0; y <= 8; y++) {
            if (!x && !y)
                continue;
            double kx = 2 * M_PI * (x > 8 ? x - 16 : x) / 16, ky = 2 * M_PI * y / 16;
            double lam = 4 * pow(sin(kx / 2), 2) + 4 * pow(sin(ky / 2), 2), a = 1.5 * lam;
            int b = (int)(sqrt(kx * kx + ky * ky) / dk);
            b = b < 32 ? b : 31;
            sum[b] += 0.5 / (a * (2 - 0.1 * a));
            cnt[b]++;
        }
    for (int b = 0; b < 32; b++) {
        if (!cnt[b]) {
            assert_true(isnan(v[b]));
            continue;
        }
        assert_true(fabs(v[b] - sum[b] / cnt[b]) < 1e-12 * v[b]);
    }
    i = sf_quantities_find(q, "kappa_eff", -1, -1);
    assert_true(sf_quantity_values(q, (size_t)i)[0] == 1.5);
    sf_quantities_destroy(q);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
}

static void refused(const char *text, sf_status code, const char *want)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    assert_int_equal(sf_model_load_string(ctx, text, "bad", NULL, 0, &m), code);
    assert_null(m);
    const char *msg = sf_context_errmsg(ctx);
    if (!strstr(msg, want))
        fail_msg("message '%s' lacks '%s'", msg, want);
    sf_context_destroy(ctx);
}

static void test_field_refusals(void **st)
{
    (void)st;
    const char *sim = "simulation: {resolution: 0.1, duration: 10}\n";
    char buf[1024];
#define BAD(body, code, want)                                                                \
    do {                                                                                     \
        snprintf(buf, sizeof buf, "%s%s", sim, body);                                        \
        refused(buf, code, want);                                                            \
    } while (0)
    BAD("field: {lattice: {dim: 4, size: 8}}\n", SF_ERR_RANGE, "field.lattice.dim");
    BAD("field: {lattice: {dim: 2, size: 12}}\n", SF_ERR_RANGE, "power of 2");
    BAD("field: {lattice: {dim: 2}}\n", SF_ERR_MODEL, "field.lattice.size: required");
    BAD("field: {lattice: {dim: 2, size: 8}, kernel: mexican}\n", SF_ERR_MODEL, "unknown kernel");
    BAD("field: {lattice: {dim: 2, size: 8}, sigma: 2}\n", SF_ERR_MODEL, "nearest-neighbour");
    BAD("field: {lattice: {dim: 2, size: 8}, c3: -1}\n", SF_ERR_RANGE, "field.c3");
    BAD("field: {lattice: {dim: 2, size: 8}, kappa: 0}\n", SF_ERR_RANGE, "field.kappa");
    BAD("field: {lattice: {dim: 2, size: 8}, kappa: 10}\n", SF_ERR_RANGE, "stability limit");
    BAD("field: {lattice: {dim: 2, size: 8}, colour: 1}\n", SF_ERR_MODEL, "field.colour");
    BAD("field: {lattice: {dim: 2, size: 8}}\npopulations: {a: {model: iaf_psc_delta, n: 1}}\n",
        SF_ERR_MODEL, "has no populations");
    BAD("field: {lattice: {dim: 3, size: 1024}}\n", SF_ERR_RANGE, "2^27");
#undef BAD
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shift_coefficients), cmocka_unit_test(test_self_energy_graphs),
        cmocka_unit_test(test_beta_from_shifts),   cmocka_unit_test(test_flow_closed_forms),
        cmocka_unit_test(test_family_free_spectrum), cmocka_unit_test(test_field_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
