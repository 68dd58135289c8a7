/* Unit tests: stationary LIF theory (src/theory/lif_rate.c).
 *
 * References are computed here by independent methods: GSL adaptive
 * quadrature of the textbook integrands e^{u^2} erfc(-u) (Siegert) and, for
 * the CV, the double integral of Brunel 2000 eq. A.1 with the order of
 * integration swapped, which reduces it to a single integral with Dawson's
 * function. Neither shares code or formulas with the implementation (which
 * splits the integrals into erfcx and Dawson pieces with asymptotic series).
 */
#include "spikefield/theory.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_dawson.h>
#include <gsl/gsl_sf_erf.h>

static double rel_err(double x, double ref)
{
    return fabs(x - ref) / fabs(ref);
}

/* ---------------------------------------------------------------------------
 * Independent Siegert: 1/nu = t_ref + tau sqrt(pi) int e^{u^2} erfc(-u) du.
 * The integrand is the textbook one (1 + erf u = erfc(-u) keeps it exact for
 * u < 0); it is finite in double for |u| < 26, which covers the grid. */
static double textbook_integrand(double u, void *p)
{
    (void)p;
    return exp(u * u) * gsl_sf_erfc(-u);
}

static double ref_siegert_hz(double mu, double sigma, double Vth, double Vr, double tau,
                             double tref)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = {textbook_integrand, NULL};
    double r, err;
    gsl_integration_qag(&F, (Vr - mu) / sigma, (Vth - mu) / sigma, 0, 1e-13, 1000,
                        GSL_INTEG_GAUSS61, w, &r, &err);
    gsl_integration_workspace_free(w);
    return 1e3 / (tref + tau * sqrt(M_PI) * r);
}

static void test_siegert_grid(void **state)
{
    (void)state;
    /* mu 5..30 mV, sigma 1..10 mV, tau_m 10 and 20 ms, V_th 20, V_r 10.
     * Tolerance 1e-11: both sides are double quadratures good to ~1e-13;
     * the margin covers the reference's quadrature error where the
     * integrand spans 170 orders of magnitude. */
    const double taus[] = {10.0, 20.0};
    double worst = 0;
    for (int t = 0; t < 2; ++t)
        for (double mu = 5.0; mu <= 30.0; mu += 2.5)
            for (double sigma = 1.0; sigma <= 10.0; sigma += 1.5) {
                double ref = ref_siegert_hz(mu, sigma, 20.0, 10.0, taus[t], 2.0);
                double got = sf_theory_siegert(mu, sigma, 20.0, 10.0, taus[t], 2.0);
                double e = rel_err(got, ref);
                if (e > worst)
                    worst = e;
                if (e > 1e-11)
                    print_error("mu=%g sigma=%g tau=%g: %.17g vs %.17g\n", mu, sigma,
                                taus[t], got, ref);
                assert_true(e < 1e-11);
            }
    print_message("siegert grid: worst relative error %.2e\n", worst);
}

/* Tiny rates: nu ~ e^{-y_th^2}. Reference from the same textbook integrand
 * scaled by e^{-y_th^2} (so it stays in range), integrated by GSL. */
typedef struct {
    double s;
} scale_t;
static double scaled_textbook(double u, void *p)
{
    const scale_t *sc = p;
    return exp(u * u - sc->s) * gsl_sf_erfc(-u);
}

static void test_siegert_tiny_rates(void **state)
{
    (void)state;
    const double sigmas[] = {2.0, 1.0, 0.8, 0.6};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    for (int i = 0; i < 4; ++i) {
        double mu = 5.0, sigma = sigmas[i], tau = 20.0;
        double yth = (20.0 - mu) / sigma, yr = (10.0 - mu) / sigma;
        scale_t sc = {yth * yth};
        gsl_function F = {scaled_textbook, &sc};
        double r, err;
        gsl_integration_qag(&F, yr, yth, 0, 1e-13, 1000, GSL_INTEG_GAUSS61, w, &r, &err);
        /* log10 of the rate in Hz (t_ref negligible against e^{y^2}) */
        double log10_ref = (-sc.s - log(tau * sqrt(M_PI) * r)) / M_LN10 + 3.0;
        double got = sf_theory_siegert(mu, sigma, 20.0, 10.0, tau, 2.0);
        assert_true(got > 0);
        /* 1e-12 in log10: relative 2e-12 on rates down to 1e-270 Hz */
        assert_true(fabs(log10(got) - log10_ref) < 1e-12);
        if (i == 3)
            assert_true(got < 1e-100); /* the regime the brief asks for */
    }
    gsl_integration_workspace_free(w);
}

static void test_siegert_mean_driven_limit(void **state)
{
    (void)state;
    /* sigma -> 0 above threshold: the deterministic LIF,
     * 1/nu = t_ref + tau ln((mu - V_r)/(mu - V_th)). Correction is O(sigma^2). */
    double mu = 25.0, tau = 20.0, tref = 2.0;
    double det = 1e3 / (tref + tau * log((mu - 10.0) / (mu - 20.0)));
    assert_true(rel_err(sf_theory_siegert(mu, 1e-4, 20.0, 10.0, tau, tref), det) < 1e-9);
    assert_true(rel_err(sf_theory_siegert(mu, 0.0, 20.0, 10.0, tau, tref), det) < 1e-14);
    /* strongly mean-driven: rate -> 1/t_ref */
    double top = sf_theory_siegert(1e6, 3.0, 20.0, 10.0, tau, tref);
    assert_true(top < 500.0 && top > 499.9);
    /* below threshold without noise: silent */
    assert_true(sf_theory_siegert(19.0, 0.0, 20.0, 10.0, tau, tref) == 0.0);
    /* invalid input: NaN */
    assert_true(isnan(sf_theory_siegert(19.0, -1.0, 20.0, 10.0, tau, tref)));
    assert_true(isnan(sf_theory_siegert(19.0, 1.0, 10.0, 20.0, tau, tref)));
}

/* ---------------------------------------------------------------------------
 * Derivatives against central finite differences of the rate itself. */
static sf_theory_pop make_pop(double tau_m, double tau_s)
{
    return (sf_theory_pop){.tau_m = tau_m, .t_ref = 2.0, .V_th = -50.0, .V_reset = -65.0,
                           .E_L = -65.0, .C_m = 250.0, .tau_s = tau_s, .N = 1.0};
}

static double rate_at(const sf_theory_pop *p, sf_theory_colored m, double mu, double sigma)
{
    sf_theory_rate_result r;
    assert_int_equal(sf_theory_lif_rate(NULL, p, m, mu, sigma, &r), SF_OK);
    return r.rate;
}

static void check_derivs(const sf_theory_pop *p, sf_theory_colored m, double mu, double sigma)
{
    sf_theory_rate_result r;
    assert_int_equal(sf_theory_lif_rate(NULL, p, m, mu, sigma, &r), SF_OK);
    /* Rates vary like e^{-y_th^2}: differentiate log(rate), which is nearly
     * quadratic in mu and sigma, so that with h = 1e-4 sigma the truncation
     * (~h^2 times the third derivative of log nu) and rounding (~1e-15/h)
     * errors stay below 1e-7 of the derivative; tolerance 1e-6. */
    assert_true(r.rate > 0);
    double h = 1e-4 * sigma;
    double fd_mu = (log(rate_at(p, m, mu + h, sigma)) - log(rate_at(p, m, mu - h, sigma))) / (2 * h);
    double fd_sg = (log(rate_at(p, m, mu, sigma + h)) - log(rate_at(p, m, mu, sigma - h))) / (2 * h);
    double dmu = r.drate_dmu / r.rate, dsg = r.drate_dsigma / r.rate;
    double scale = fabs(dmu) + fabs(dsg);
    if (fabs(dmu - fd_mu) > 1e-6 * scale || fabs(dsg - fd_sg) > 1e-6 * scale)
        print_error("mu=%g sigma=%g tau_s=%g m=%d: dlog/dmu %.10g vs %.10g, dlog/dsigma %.10g vs %.10g\n",
                    mu, sigma, p->tau_s, (int)m, dmu, fd_mu, dsg, fd_sg);
    assert_true(fabs(dmu - fd_mu) <= 1e-6 * scale);
    assert_true(fabs(dsg - fd_sg) <= 1e-6 * scale);
}

static void test_derivatives_fd(void **state)
{
    (void)state;
    sf_theory_pop white = make_pop(10.0, 0.0), exp_syn = make_pop(10.0, 0.5);
    const double mus[] = {3.0, 9.0, 14.0, 15.0, 18.0, 25.0, 60.0};
    const double sigmas[] = {0.7, 2.0, 5.0, 12.0};
    for (int i = 0; i < 7; ++i)
        for (int j = 0; j < 4; ++j) {
            /* skip points where the rate underflows to 0 */
            if (rate_at(&white, SF_THEORY_SHIFT, mus[i], sigmas[j]) < 1e-200)
                continue;
            check_derivs(&white, SF_THEORY_SHIFT, mus[i], sigmas[j]);
            check_derivs(&exp_syn, SF_THEORY_SHIFT, mus[i], sigmas[j]);
            /* the Taylor variant only where it is meant to hold (and > 0) */
            if ((15.0 - mus[i]) / sigmas[j] < 2.0)
                check_derivs(&exp_syn, SF_THEORY_TAYLOR, mus[i], sigmas[j]);
        }
}

static void test_derivatives_mean_driven(void **state)
{
    (void)state;
    /* (V_reset - mu)/sigma < -5 down to -1e4, where e^{y^2}(1 + erf y)
     * evaluates to 0 and d rate/d sigma cancels to O(sigma). Reference: the
     * deterministic-limit expansion 1/nu = t_ref + tau [ln(A/B)
     * - sigma^2/4 (1/B^2 - 1/A^2) + O(sigma^4)], A = mu - V_r, B = mu - V_th
     * (from erfcx(x) ~ 1/(x sqrt pi)(1 - 1/(2x^2))), so
     * d nu/d sigma = nu^2 tau sigma/2 (1/B^2 - 1/A^2) (1 + O(sigma^2/B^2)). */
    sf_theory_pop p = make_pop(10.0, 0.0);
    const double sigmas[] = {1.0, 0.1, 0.01, 0.001};
    for (int i = 0; i < 4; ++i) {
        double mu = 30.0, sigma = sigmas[i];
        sf_theory_rate_result r;
        assert_int_equal(sf_theory_lif_rate(NULL, &p, SF_THEORY_SHIFT, mu, sigma, &r), SF_OK);
        double A = mu, B = mu - 15.0, tau = 10.0;
        double nu = 1.0 / (2.0 + tau * (log(A / B) - sigma * sigma / 4 * (1 / (B * B) - 1 / (A * A))));
        double ds_ref = 1e3 * nu * nu * tau * sigma / 2 * (1 / (B * B) - 1 / (A * A));
        double dm_ref = 1e3 * nu * nu * tau * (1 / B - 1 / A);
        /* relative O(sigma^2/B^2) = 4e-3 * sigma^2 */
        double tol = 0.02 * sigma * sigma + 1e-9;
        assert_true(rel_err(r.drate_dsigma, ds_ref) < tol);
        assert_true(rel_err(r.drate_dmu, dm_ref) < tol);
        assert_true(r.drate_dsigma > 0); /* noise speeds up a mean-driven LIF */
        check_derivs(&p, SF_THEORY_SHIFT, mu, sigma);
    }
}

/* ---------------------------------------------------------------------------
 * Colored noise. */
static void test_shift_and_taylor(void **state)
{
    (void)state;
    /* shift = white noise with V_th, V_r raised by sigma alpha/2 sqrt(ts/tm),
     * alpha = sqrt 2 |zeta(1/2)| (Fourcaud & Brunel 2002). */
    const double alpha = sqrt(2.0) * 1.4603545088095868;
    sf_theory_pop p = make_pop(10.0, 0.5);
    double mu = 12.0, sigma = 4.0, c = sigma * alpha / 2 * sqrt(0.05);
    double ref = ref_siegert_hz(mu, sigma, 15.0 + c, c, 10.0, 2.0);
    assert_true(rel_err(rate_at(&p, SF_THEORY_SHIFT, mu, sigma), ref) < 1e-11);
    /* Taylor = first order of the shift: nu0 - c dnu0/dmu; the two agree to
     * O(c^2) and approach each other as tau_s -> 0 */
    for (double ts = 0.5; ts > 1e-4; ts /= 10) {
        p.tau_s = ts;
        double s = rate_at(&p, SF_THEORY_SHIFT, mu, sigma);
        double t = rate_at(&p, SF_THEORY_TAYLOR, mu, sigma);
        double k2 = ts / 10.0; /* (tau_s/tau_m) */
        assert_true(rel_err(t, s) < 5.0 * k2 + 1e-12);
    }
    /* white-noise limit */
    p.tau_s = 1e-14;
    sf_theory_pop w = make_pop(10.0, 0.0);
    assert_true(rel_err(rate_at(&p, SF_THEORY_SHIFT, mu, sigma), rate_at(&w, SF_THEORY_SHIFT, mu, sigma)) < 1e-6);
}

static void test_taylor_negative_flag(void **state)
{
    (void)state;
    /* tau_s/tau_m = 1/2 in the fluctuation-driven regime: the first-order
     * correction exceeds the rate (nu0 (1 - ~2 c y_th) < 0, c y_th ~ 2.4) */
    sf_theory_pop p = make_pop(10.0, 5.0);
    sf_theory_rate_result r;
    assert_int_equal(sf_theory_lif_rate(NULL, &p, SF_THEORY_TAYLOR, 5.0, 3.0, &r), SF_OK);
    assert_true(r.negative);
    assert_true(r.rate < 0);
    assert_int_equal(sf_theory_lif_rate(NULL, &p, SF_THEORY_SHIFT, 5.0, 3.0, &r), SF_OK);
    assert_false(r.negative);
    assert_true(r.rate > 0);
}

/* ---------------------------------------------------------------------------
 * CV of the ISI. Independent form: swapping the order in Brunel 2000 eq. A.1,
 *   CV^2 = 2 pi (tau nu)^2 int_{-inf}^{y_th} e^{y^2} erfc(-y)^2 G(max(y, y_r)) dy,
 *   G(a) = int_a^{y_th} e^{x^2} dx = e^{y_th^2} D(y_th) - e^{a^2} D(a),
 * D Dawson's function. Valid in double for moderate |y|. */
typedef struct {
    double yth, yr;
} cvp;
static double G_dawson(double a, double yth)
{
    return exp(yth * yth) * gsl_sf_dawson(yth) - exp(a * a) * gsl_sf_dawson(a);
}
static double cv_swapped_integrand(double y, void *vp)
{
    const cvp *p = vp;
    /* e^{y^2} erfc(-y)^2 through GSL's log erfc, finite for y -> -inf */
    return exp(y * y + 2.0 * gsl_sf_log_erfc(-y)) * G_dawson(y < p->yr ? p->yr : y, p->yth);
}

static double ref_cv(double mu, double sigma, double tau, double tref)
{
    cvp p = {(20.0 - mu) / sigma, (10.0 - mu) / sigma};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = {cv_swapped_integrand, &p};
    double r1, r2, err;
    gsl_integration_qagil(&F, p.yr, 0, 1e-12, 1000, w, &r1, &err);
    gsl_integration_qag(&F, p.yr, p.yth, 0, 1e-12, 1000, GSL_INTEG_GAUSS61, w, &r2, &err);
    gsl_integration_workspace_free(w);
    double nu = ref_siegert_hz(mu, sigma, 20.0, 10.0, tau, tref) * 1e-3; /* 1/ms */
    return sqrt(2 * M_PI * tau * tau * nu * nu * (r1 + r2));
}

static void test_cv(void **state)
{
    (void)state;
    sf_theory_workspace *ws = sf_theory_workspace_create(0);
    assert_non_null(ws);
    sf_theory_pop p = {.tau_m = 20, .t_ref = 2, .V_th = 20, .V_reset = 10, .E_L = 0,
                       .C_m = 250, .N = 1};
    /* moderate regime where the reference is accurate in double:
     * |y| <= ~4. Tolerance 1e-8 (quadrature tolerances 1e-10..1e-12). */
    const double mus[] = {12.0, 16.0, 19.0, 21.0, 24.0};
    const double sigmas[] = {3.0, 5.0, 8.0};
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 3; ++j) {
            double cv;
            assert_int_equal(sf_theory_lif_cv(NULL, &p, mus[i], sigmas[j], ws, &cv), SF_OK);
            double ref = ref_cv(mus[i], sigmas[j], 20.0, 2.0);
            if (rel_err(cv, ref) > 1e-8)
                print_error("CV mu=%g sigma=%g: %.15g vs %.15g\n", mus[i], sigmas[j], cv, ref);
            assert_true(rel_err(cv, ref) < 1e-8);
        }
    /* limits: Poisson-like escape (t_ref = 0, y_th = 5, rate 2e-9 Hz): the ISI
     * is exponential up to the relaxation after reset, CV - 1 = O(nu tau);
     * mean-driven: CV -> 0 like sigma */
    p.t_ref = 0;
    double cv;
    assert_int_equal(sf_theory_lif_cv(NULL, &p, 5.0, 3.0, ws, &cv), SF_OK);
    assert_true(fabs(cv - 1.0) < 1e-6);
    assert_true(rel_err(cv, ref_cv(5.0, 3.0, 20.0, 0.0)) < 1e-8);
    p.t_ref = 2;
    assert_int_equal(sf_theory_lif_cv(NULL, &p, 40.0, 0.01, ws, &cv), SF_OK);
    assert_true(cv > 0 && cv < 1e-3);
    assert_int_equal(sf_theory_lif_cv(NULL, &p, 40.0, 0.0, ws, &cv), SF_OK);
    assert_true(cv == 0.0);
    sf_theory_workspace_destroy(ws);
}

/* ---------------------------------------------------------------------------
 * Error paths. */
static void test_errors(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_theory_rate_result r;
    sf_theory_pop p = make_pop(10.0, 0.0);
    p.tau_m = -1;
    assert_int_equal(sf_theory_lif_rate(ctx, &p, SF_THEORY_SHIFT, 1, 1, &r), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "tau_m"));
    p = make_pop(10.0, 0.0);
    p.V_reset = -40;
    assert_int_equal(sf_theory_lif_rate(ctx, &p, SF_THEORY_SHIFT, 1, 1, &r), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "V_reset"));
    p = make_pop(10.0, 0.0);
    p.C_m = NAN;
    assert_int_equal(sf_theory_lif_rate(ctx, &p, SF_THEORY_SHIFT, 1, 1, &r), SF_ERR_ARG);
    p = make_pop(10.0, -1.0);
    assert_int_equal(sf_theory_lif_rate(ctx, &p, SF_THEORY_SHIFT, 1, 1, &r), SF_ERR_RANGE);
    p = make_pop(10.0, 0.0);
    assert_int_equal(sf_theory_lif_rate(ctx, &p, SF_THEORY_SHIFT, 1, -2, &r), SF_ERR_RANGE);
    assert_int_equal(sf_theory_lif_rate(ctx, &p, SF_THEORY_SHIFT, INFINITY, 2, &r), SF_ERR_ARG);
    assert_int_equal(sf_theory_lif_rate(ctx, &p, (sf_theory_colored)7, 1, 2, &r), SF_ERR_ARG);
    assert_int_equal(sf_theory_lif_rate(ctx, &p, SF_THEORY_SHIFT, 1, 2, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_lif_rate(ctx, NULL, SF_THEORY_SHIFT, 1, 2, &r), SF_ERR_ARG);
    double cv;
    assert_int_equal(sf_theory_lif_cv(ctx, &p, 1, 2, NULL, &cv), SF_ERR_ARG);
    assert_int_equal(sf_theory_pop_check(ctx, &p), SF_OK);
    /* current-based weight conversion: 87.8 pA * 0.5 ms / 250 pF */
    assert_true(fabs(sf_theory_psc_to_psp(87.8, 0.5, 250.0) - 0.1756) < 1e-15);
    sf_theory_workspace_destroy(NULL);
    sf_context_destroy(ctx);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siegert_grid),
        cmocka_unit_test(test_siegert_tiny_rates),
        cmocka_unit_test(test_siegert_mean_driven_limit),
        cmocka_unit_test(test_derivatives_fd),
        cmocka_unit_test(test_derivatives_mean_driven),
        cmocka_unit_test(test_shift_and_taylor),
        cmocka_unit_test(test_taylor_negative_flag),
        cmocka_unit_test(test_cv),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
