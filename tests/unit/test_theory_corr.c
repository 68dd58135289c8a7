/* Unit tests of the correlation theory (src/theory/corr_*.c, issue 4).
 *
 * The references are independent of the code under test: closed forms
 * derived by hand (single-population Hawkes and OU covariance functions, the
 * identical-rows solution of the binary pair equation, the PIF lattice
 * formulas), other numerical methods (Kronecker-form Lyapunov solve with
 * dgesv, GSL adaptive quadrature of spectra, bisection for the binary
 * working point, a direct linear solve of the PIF master equation), exact
 * identities (population averages of neuron-resolved networks with fixed
 * out-degree, the echo split) and published Monte-Carlo numbers
 * (spiking.md section 1b). Each tolerance says where it comes from. Every
 * error path of the public API is provoked.
 */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <lapacke.h>

#include "spikefield/theory.h"

static const double PI = 3.14159265358979323846;

static double rel_err(double x, double ref)
{
    return fabs(x - ref) / fmax(fabs(ref), 1e-300);
}

/* Deterministic pseudo-random numbers in [-0.5, 0.5) (LCG), so the test
 * matrices are "high-entropy" but reproducible. */
static double lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

static sf_context *ctx_new(void)
{
    sf_context *ctx = sf_context_create();
    assert_non_null(ctx);
    return ctx;
}

/* ------------------------------------------------------------------------
 * Lyapunov equation. */

static void test_lyapunov_scalar(void **state)
{
    (void)state;
    /* dy = -y/tau dt + sigma dW has variance sigma^2 tau / 2. */
    double tau = 7.3, sigma = 1.9, A = -1 / tau, Q = sigma * sigma, X = 0;
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(1, 0);
    assert_non_null(ws);
    assert_int_equal(sf_theory_lyapunov_solve(NULL, 1, &A, &Q, ws, &X), SF_OK);
    assert_true(rel_err(X, sigma * sigma * tau / 2) < 1e-14);
    sf_theory_corr_workspace_destroy(ws);
}

/* Kronecker form: sum_k A_ik X_kj + X_ik A_jk = -Q_ij, n^2 unknowns, dgesv. */
static void kron_solve(int n, const double *A, const double *Q, double *X)
{
    int m = n * n;
    double *K = calloc((size_t)(m * m), sizeof *K);
    lapack_int *ipiv = malloc((size_t)m * sizeof *ipiv);
    assert_non_null(K);
    assert_non_null(ipiv);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            int r = i * n + j;
            for (int k = 0; k < n; ++k) {
                K[r * m + k * n + j] += A[i * n + k];
                K[r * m + i * n + k] += A[j * n + k];
            }
            X[r] = -Q[r];
        }
    assert_int_equal(LAPACKE_dgesv(LAPACK_ROW_MAJOR, m, 1, K, m, ipiv, X, 1), 0);
    free(K);
    free(ipiv);
}

static void test_lyapunov_random(void **state)
{
    (void)state;
    enum { n = 6 };
    uint64_t seed = 2385;
    double A[n * n], B[n * n], Q[n * n], Qn[n * n], X[n * n], Xk[n * n];
    for (int i = 0; i < n * n; ++i) {
        A[i] = 1.3 * lcg(&seed);
        B[i] = lcg(&seed);
        Qn[i] = lcg(&seed);
    }
    for (int i = 0; i < n; ++i)
        A[i * n + i] -= 2.0;   /* Gershgorin: every eigenvalue has Re < -2 + 0.65*6/2 < 0 */
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int k = 0; k < n; ++k)
                s += B[i * n + k] * B[j * n + k];
            Q[i * n + j] = s;
        }
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(8, 0);
    assert_non_null(ws);
    for (int pass = 0; pass < 2; ++pass) {
        const double *QQ = pass ? Qn : Q;   /* symmetric, then general Q */
        assert_int_equal(sf_theory_lyapunov_solve(NULL, n, A, QQ, ws, X), SF_OK);
        /* Residual: backward stable solver, |R| <= c eps (|A||X| + |Q|); the
         * entries are O(1), so 1e-12 leaves two orders of margin. */
        double scale = 0;
        for (int i = 0; i < n * n; ++i)
            scale = fmax(scale, fabs(X[i]) + fabs(QQ[i]));
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                double r = QQ[i * n + j];
                for (int k = 0; k < n; ++k)
                    r += A[i * n + k] * X[k * n + j] + X[i * n + k] * A[j * n + k];
                assert_true(fabs(r) <= 1e-12 * scale);
            }
        /* Independent method: Kronecker form (condition number O(10) here). */
        kron_solve(n, A, QQ, Xk);
        for (int i = 0; i < n * n; ++i)
            assert_true(fabs(X[i] - Xk[i]) <= 1e-12 * scale);
        if (!pass)
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j)
                    assert_true(X[i * n + j] == X[j * n + i]);
    }
    /* X may alias Q. */
    memcpy(X, Q, sizeof X);
    assert_int_equal(sf_theory_lyapunov_solve(NULL, n, A, X, ws, X), SF_OK);
    kron_solve(n, A, Q, Xk);
    for (int i = 0; i < n * n; ++i)
        assert_true(fabs(X[i] - Xk[i]) <= 1e-12 * (1 + fabs(Xk[i])));
    sf_theory_corr_workspace_destroy(ws);
}

static void test_lyapunov_errors(void **state)
{
    (void)state;
    sf_context *ctx = ctx_new();
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(2, 0);
    assert_non_null(ws);
    double A[4] = {-1, 0.5, 0.2, 0.1}, Q[4] = {1, 0, 0, 1}, X[4];
    /* eigenvalues of A: one positive -> no stationary covariance */
    assert_int_equal(sf_theory_lyapunov_solve(ctx, 2, A, Q, ws, X), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "not stable"));
    double Az[1] = {0}, Q1[1] = {1};
    assert_int_equal(sf_theory_lyapunov_solve(ctx, 1, Az, Q1, ws, X), SF_ERR_RANGE);
    assert_int_equal(sf_theory_lyapunov_solve(ctx, 0, A, Q, ws, X), SF_ERR_ARG);
    assert_int_equal(sf_theory_lyapunov_solve(ctx, 2, NULL, Q, ws, X), SF_ERR_ARG);
    assert_int_equal(sf_theory_lyapunov_solve(ctx, 2, A, Q, NULL, X), SF_ERR_ARG);
    assert_int_equal(sf_theory_lyapunov_solve(ctx, 3, A, Q, ws, X), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "workspace"));
    double An[4] = {-1, NAN, 0, -1};
    assert_int_equal(sf_theory_lyapunov_solve(ctx, 2, An, Q, ws, X), SF_ERR_ARG);
    sf_theory_corr_workspace_destroy(ws);
    /* bad workspace sizes */
    assert_null(sf_theory_corr_workspace_create(0, 0));
    assert_null(sf_theory_corr_workspace_create(2, 3));
    assert_null(sf_theory_corr_workspace_create(2, 2));
    sf_theory_corr_workspace_destroy(NULL);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * Linear rate networks. */

static void test_ou_scalar(void **state)
{
    (void)state;
    /* tau dy/dt = -(1 - w) y + xi, <xi xi> = D delta: var = D / (2 tau (1 - w)),
     * tau in s. */
    double W = 0.3, tau = 10.0, D = 2.1e-3, C = 0;
    sf_theory_linear_net net = {.n = 1, .W = &W, .tau = &tau, .D = &D};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(1, 0);
    assert_int_equal(sf_theory_linear_cov_equal_time(NULL, &net, ws, &C), SF_OK);
    assert_true(rel_err(C, D / (2 * tau * 1e-3 * (1 - W))) < 1e-14);
    sf_theory_corr_workspace_destroy(ws);
}

/* A random 3-unit network, stable (eigenvalues of W well inside Re < 1). */
static double W3[9] = {0.21, -0.63, 0.34, 0.45, -0.28, -0.52, 0.17, 0.39, -0.71};
static double tau3[3] = {5.0, 12.5, 8.2};
static double D3[9] = {1.2e-3, 0.2e-3, -0.1e-3, 0.2e-3, 0.8e-3, 0.05e-3, -0.1e-3, 0.05e-3,
                       2.0e-3};
static double d3[9] = {1.0, 2.5, 0.5, 1.5, 0.1, 3.0, 2.0, 1.2, 0.7};

typedef struct {
    const sf_theory_linear_net *net;
    sf_theory_noise_class cls;
    sf_theory_corr_workspace *ws;
    int a, b;
} spec_arg;

/* 2 Re C_ab(f): the integrand of int_0^inf over the two-sided density. */
static double spec_re(double f, void *p)
{
    spec_arg *s = p;
    double complex C[9];
    assert_int_equal(sf_theory_linear_spectrum(NULL, s->net, s->cls, &f, 1, s->ws, C, NULL, NULL),
                     SF_OK);
    return 2 * creal(C[s->a * s->net->n + s->b]);
}

/* int C_ab(f) df over all f: GSL QAG (Gauss-Kronrod 61) on [0, F] in
 * pieces of 500 Hz (the delayed spectra oscillate with period 1/d), plus the
 * tail beyond F = 4e5 Hz from the leading term 2 Re C ~ 2 D_ab/((2 pi f)^2
 * tau_a tau_b) of the input-noise class; the next term is O(1/F^2) smaller
 * by (tau f)^-1 ~ 1e-3, i.e. ~1e-12 relative. */
static double integrate_spectrum(spec_arg *s)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = {spec_re, s};
    double total = 0, Fmax = 4e5, piece = 500;
    for (double lo = 0; lo < Fmax; lo += piece) {
        double res = 0, err = 0;
        int rc = gsl_integration_qag(&F, lo, lo + piece, 0, 1e-12, 1000, GSL_INTEG_GAUSS61, w,
                                     &res, &err);
        assert_int_equal(rc, GSL_SUCCESS);
        total += res;
    }
    gsl_integration_workspace_free(w);
    const sf_theory_linear_net *n = s->net;
    double ta = n->tau[s->a] * 1e-3, tb = n->tau[s->b] * 1e-3;
    total += 2 * n->D[s->a * n->n + s->b] / (4 * PI * PI * ta * tb * Fmax);
    return total;
}

static void test_ou_spectrum_integral(void **state)
{
    (void)state;
    /* The equal-time covariance is the integral of the two-sided spectrum,
     * computed here by GSL's adaptive quadrature (integrate_spectrum: ~1e-11
     * relative; the Lyapunov solve is accurate to ~1e-15), so 1e-9 relative
     * to the largest variance. */
    sf_theory_linear_net net = {.n = 3, .W = W3, .tau = tau3, .D = D3};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(3, 0);
    double C[9];
    assert_int_equal(sf_theory_linear_cov_equal_time(NULL, &net, ws, C), SF_OK);
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
            spec_arg s = {&net, SF_THEORY_NOISE_INPUT, ws, a, b};
            double integral = integrate_spectrum(&s);
            assert_true(fabs(integral - C[a * 3 + b]) <= 1e-9 * fmax(fabs(C[a * 3 + b]), C[0]));
        }
    sf_theory_corr_workspace_destroy(ws);
}

static void test_ou_time_domain(void **state)
{
    (void)state;
    /* One unit, input noise, no delay: C(t) = D/(2 tau (1-w)) e^{-(1-w)|t|/tau}.
     * After the uncoupled part is taken out analytically the remainder is
     * R(f) = D w(2-w) / ((1-w)^2 + x^2)(1 + x^2), x = 2 pi f tau, ~ D w(2-w)/x^4;
     * cutting the transform at the Nyquist frequency f_N leaves an error of
     * at most int_{|f|>f_N} R df = (2/3) D w(2-w) f_N / (2 pi tau f_N)^4 (the
     * window covers 60 decay times, so periodisation is negligible). Asserted
     * with a factor 2. */
    size_t nt = 4096;
    double W = 0.4, tau = 10.0, D = 3e-3, dt = 0.5;   /* window +-1024 ms */
    sf_theory_linear_net net = {.n = 1, .W = &W, .tau = &tau, .D = &D};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(3, nt);
    assert_non_null(ws);
    double *Ct = malloc(nt * 9 * sizeof *Ct), delta[9];
    assert_int_equal(sf_theory_linear_cov_time(NULL, &net, SF_THEORY_NOISE_INPUT, dt, ws, Ct,
                                               delta),
                     SF_OK);
    double ts = tau * 1e-3, c0 = D / (2 * ts * (1 - W)), fN = 0.5 / (dt * 1e-3);
    double bound = 2 * (2.0 / 3) * D * W * (2 - W) * fN / pow(2 * PI * ts * fN, 4);
    assert_true(bound < 1e-6 * c0);
    for (size_t m = 0; m < nt; ++m) {
        double t = ((double)m - (double)nt / 2) * dt * 1e-3;
        double ref = c0 * exp(-(1 - W) * fabs(t) / ts);
        assert_true(fabs(Ct[m] - ref) <= bound);
    }
    assert_true(delta[0] == 0);
    /* Three units with delays: C(tau = 0) must equal the integral of the
     * spectrum (GSL quadrature, ~1e-11). The remainder after the analytic
     * part decays as 1/f^3 (|M| ~ 1/(2 pi f tau)), so the transform cut at
     * f_N = 10 kHz (dt = 0.05 ms) errs by ~ |W| D/((2 pi tau)^3 f_N^2) ~ 1e-7
     * relative to C(0); 1e-6 is asserted. The window of +-410 ms covers > 20
     * decay times, so the covariance at its edge is negligible (< 1e-6). */
    sf_theory_corr_workspace_destroy(ws);
    nt = 16384;
    ws = sf_theory_corr_workspace_create(3, nt);
    assert_non_null(ws);
    free(Ct);
    Ct = malloc(nt * 9 * sizeof *Ct);
    sf_theory_linear_net net3 = {.n = 3, .W = W3, .tau = tau3, .D = D3, .delays = d3};
    double dt3 = 0.05;
    assert_int_equal(sf_theory_linear_cov_time(NULL, &net3, SF_THEORY_NOISE_INPUT, dt3, ws, Ct,
                                               delta),
                     SF_OK);
    double *C0 = Ct + (nt / 2) * 9;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
            spec_arg s = {&net3, SF_THEORY_NOISE_INPUT, ws, a, b};
            double integral = integrate_spectrum(&s);
            assert_true(fabs(integral - C0[a * 3 + b]) <= 1e-6 * C0[0]);
            assert_true(fabs(C0[a * 3 + b] - C0[b * 3 + a]) <= 1e-12 * C0[0]);
        }
    for (int p = 0; p < 9; ++p)
        assert_true(fabs(Ct[p]) < 1e-6 * C0[0]);
    free(Ct);
    sf_theory_corr_workspace_destroy(ws);
}

static void test_output_noise_split(void **state)
{
    (void)state;
    /* C = D + echo + corr_in (Grytskyy 2013) and C is Hermitian; exact up to
     * rounding in 3x3 products (1e-13 relative to |C|). */
    sf_theory_linear_net net = {.n = 3, .W = W3, .tau = tau3, .D = D3, .delays = d3};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(3, 0);
    double f[4] = {0, 3.7, -41.3, 250.0};
    double complex C[36], E[36], X[36];
    assert_int_equal(sf_theory_linear_spectrum(NULL, &net, SF_THEORY_NOISE_OUTPUT, f, 4, ws, C, E,
                                               X),
                     SF_OK);
    for (int k = 0; k < 4; ++k)
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
                int i = k * 9 + a * 3 + b;
                double complex sum = D3[a * 3 + b] + E[i] + X[i];
                assert_true(cabs(sum - C[i]) <= 1e-13 * cabs(C[k * 9]));
                assert_true(cabs(C[i] - conj(C[k * 9 + b * 3 + a])) <= 1e-15 * cabs(C[k * 9]));
            }
    /* C(-f) = conj(C(f)) for real signals */
    double fp = 41.3;
    double complex Cp[9];
    assert_int_equal(sf_theory_linear_spectrum(NULL, &net, SF_THEORY_NOISE_OUTPUT, &fp, 1, ws, Cp,
                                               NULL, NULL),
                     SF_OK);
    for (int i = 0; i < 9; ++i)
        assert_true(cabs(Cp[i] - conj(C[18 + i])) <= 1e-14 * cabs(Cp[0]));
    /* effective connectivity at f: W e^{-i w d}/(1 + i w tau) */
    double complex M[9];
    assert_int_equal(sf_theory_linear_conn(NULL, &net, 3.7, M), SF_OK);
    double om = 2 * PI * 3.7;
    double complex ref = W3[5] * cexp(-I * om * d3[5] * 1e-3) / (1 + I * om * tau3[1] * 1e-3);
    assert_true(cabs(M[5] - ref) < 1e-15);
    sf_theory_corr_workspace_destroy(ws);
}

static void test_linear_errors(void **state)
{
    (void)state;
    sf_context *ctx = ctx_new();
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(3, 8);
    sf_theory_corr_workspace *ws1 = sf_theory_corr_workspace_create(1, 0);
    double f = 1, C[9], Ct[8 * 9];
    double complex Cz[9], E[9];
    sf_theory_linear_net net = {.n = 3, .W = W3, .tau = tau3, .D = D3};
    assert_int_equal(sf_theory_linear_check(ctx, NULL), SF_ERR_ARG);
    sf_theory_linear_net bad = net;
    bad.n = 0;
    assert_int_equal(sf_theory_linear_check(ctx, &bad), SF_ERR_ARG);
    bad = net;
    bad.W = NULL;
    assert_int_equal(sf_theory_linear_check(ctx, &bad), SF_ERR_ARG);
    double tau_bad[3] = {5, 0, 1};
    bad = net;
    bad.tau = tau_bad;
    assert_int_equal(sf_theory_linear_check(ctx, &bad), SF_ERR_ARG);
    bad = net;
    bad.delay = -1;
    assert_int_equal(sf_theory_linear_check(ctx, &bad), SF_ERR_ARG);
    double Dasym[9] = {1, 0.5, 0, 0.4, 1, 0, 0, 0, 1};
    bad = net;
    bad.D = Dasym;
    assert_int_equal(sf_theory_linear_check(ctx, &bad), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "symmetric"));
    double Dneg[9] = {-1, 0, 0, 0, 1, 0, 0, 0, 1};
    bad.D = Dneg;
    assert_int_equal(sf_theory_linear_check(ctx, &bad), SF_ERR_ARG);
    double Wnan[9] = {NAN};
    bad = net;
    bad.W = Wnan;
    assert_int_equal(sf_theory_linear_check(ctx, &bad), SF_ERR_ARG);
    /* spectrum */
    assert_int_equal(sf_theory_linear_spectrum(ctx, &net, SF_THEORY_NOISE_INPUT, &f, 1, ws, Cz, E,
                                               NULL),
                     SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "output-noise"));
    assert_int_equal(sf_theory_linear_spectrum(ctx, &net, (sf_theory_noise_class)7, &f, 1, ws, Cz,
                                               NULL, NULL),
                     SF_ERR_ARG);
    assert_int_equal(sf_theory_linear_spectrum(ctx, &net, SF_THEORY_NOISE_OUTPUT, &f, 1, ws1, Cz,
                                               NULL, NULL),
                     SF_ERR_ARG);
    assert_int_equal(sf_theory_linear_spectrum(ctx, &net, SF_THEORY_NOISE_OUTPUT, NULL, 1, ws, Cz,
                                               NULL, NULL),
                     SF_ERR_ARG);
    double fnan = NAN;
    assert_int_equal(sf_theory_linear_spectrum(ctx, &net, SF_THEORY_NOISE_OUTPUT, &fnan, 1, ws, Cz,
                                               NULL, NULL),
                     SF_ERR_ARG);
    assert_int_equal(sf_theory_linear_conn(ctx, &net, fnan, Cz), SF_ERR_ARG);
    assert_int_equal(sf_theory_linear_conn(ctx, &net, 1, NULL), SF_ERR_ARG);
    /* singular 1 - M at f = 0: W = 1 for one unit */
    double W1 = 1, t1 = 3, D1 = 1;
    sf_theory_linear_net sing = {.n = 1, .W = &W1, .tau = &t1, .D = &D1};
    double f0 = 0;
    assert_int_equal(sf_theory_linear_spectrum(ctx, &sing, SF_THEORY_NOISE_OUTPUT, &f0, 1, ws, Cz,
                                               NULL, NULL),
                     SF_ERR_NUMERIC);
    assert_non_null(strstr(sf_context_errmsg(ctx), "singular"));
    /* equal-time: unstable, delays, NULL */
    double W2 = 1.5;
    sing.W = &W2;
    assert_int_equal(sf_theory_linear_cov_equal_time(ctx, &sing, ws, C), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "unstable"));
    sf_theory_linear_net del = net;
    del.delay = 1.0;
    assert_int_equal(sf_theory_linear_cov_equal_time(ctx, &del, ws, C), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "delays"));
    assert_int_equal(sf_theory_linear_cov_equal_time(ctx, &net, ws, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_linear_cov_equal_time(ctx, &net, ws1, C), SF_ERR_ARG);
    /* time domain */
    assert_int_equal(sf_theory_linear_cov_time(ctx, &net, SF_THEORY_NOISE_INPUT, 0.0, ws, Ct, NULL),
                     SF_ERR_ARG);
    assert_int_equal(sf_theory_linear_cov_time(ctx, &net, SF_THEORY_NOISE_INPUT, 0.1, ws, NULL,
                                               NULL),
                     SF_ERR_ARG);
    assert_int_equal(sf_theory_linear_cov_time(ctx, &net, (sf_theory_noise_class)-1, 0.1, ws, Ct,
                                               NULL),
                     SF_ERR_ARG);
    sf_theory_corr_workspace *ws0 = sf_theory_corr_workspace_create(3, 0);
    assert_int_equal(sf_theory_linear_cov_time(ctx, &net, SF_THEORY_NOISE_INPUT, 0.1, ws0, Ct,
                                               NULL),
                     SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "n_time"));
    sf_theory_corr_workspace_destroy(ws0);
    sf_theory_corr_workspace_destroy(ws);
    sf_theory_corr_workspace_destroy(ws1);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * Hawkes networks. */

static void test_hawkes_single(void **state)
{
    (void)state;
    /* One self-exciting process (N = K = 1): r = nu0/(1-w), count variance
     * per second r/(1-w)^2 (Hawkes 1971), spectrum r/|1 - w h~ e^{-iwd}|^2. */
    double N = 1, K = 1, w = 0.37, nu0 = 6.5, tau = 4.0;
    sf_theory_hawkes_net net = {.n_pop = 1, .N = &N, .K = &K, .w = &w, .nu0 = &nu0,
                                .tau = &tau, .delay = 1.3};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(1, 0);
    double r, rho, C0, cp, rc;
    assert_int_equal(sf_theory_hawkes_rates(NULL, &net, ws, &r, &rho), SF_OK);
    assert_true(rel_err(r, nu0 / (1 - w)) < 1e-15);
    assert_true(rel_err(rho, w) < 1e-15);
    assert_int_equal(sf_theory_hawkes_count_cov(NULL, &net, &r, ws, &C0, &cp, &rc), SF_OK);
    assert_true(rel_err(C0, r / ((1 - w) * (1 - w))) < 1e-14);
    assert_true(isnan(cp));   /* no distinct pairs in a population of one */
    double f[3] = {0, 17.0, 1e10};
    double complex C[3], X[3];
    assert_int_equal(sf_theory_hawkes_spectrum(NULL, &net, &r, f, 3, ws, C, X, NULL, NULL),
                     SF_OK);
    assert_true(rel_err(creal(C[0]), C0) < 1e-14);
    double om = 2 * PI * 17.0;
    double complex G = w * cexp(-I * om * 1.3e-3) / (1 + I * om * tau * 1e-3);
    assert_true(rel_err(creal(C[1]), r / (cabs(1 - G) * cabs(1 - G))) < 1e-14);
    /* f -> inf: |G| ~ w/(2 pi f tau) = 1.5e-9, so C -> D = r to 3e-9 relative */
    assert_true(rel_err(creal(C[2]), r) < 1e-8);
    assert_true(cabs(X[2]) < 1e-8 * r);
    sf_theory_corr_workspace_destroy(ws);
}

static void test_hawkes_population(void **state)
{
    (void)state;
    /* One population: N = 80, K = 20, w per synapse: W = K w. Averaged
     * activity: C(0) = (r/N)/(1 - W)^2, r = nu0/(1 - W); distinct pairs
     * c = (C(0) - r/N)/(1 - 1/N). */
    double N = 80, K = 20, w = 0.031, nu0 = 3.3, tau = 5.0;
    sf_theory_hawkes_net net = {.n_pop = 1, .N = &N, .K = &K, .w = &w, .nu0 = &nu0,
                                .tau = &tau};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(1, 0);
    double r, C0, cp, rc, W = K * w;
    assert_int_equal(sf_theory_hawkes_rates(NULL, &net, ws, &r, NULL), SF_OK);
    assert_true(rel_err(r, nu0 / (1 - W)) < 1e-15);
    assert_int_equal(sf_theory_hawkes_count_cov(NULL, &net, &r, ws, &C0, &cp, &rc), SF_OK);
    double C0ref = r / N / ((1 - W) * (1 - W));
    assert_true(rel_err(C0, C0ref) < 1e-14);
    assert_true(rel_err(cp, (C0ref - r / N) / (1 - 1 / N)) < 1e-13);
    assert_true(rel_err(rc, cp / r) < 1e-15);
    sf_theory_corr_workspace_destroy(ws);
}

/* Exact population reduction (fixed out-degree): an all-to-all network
 * without autapses (in- and out-degree fixed) of 7 + 5 neurons, simulated at
 * the neuron level by the linear-network code, averaged over population
 * blocks, must equal the population-level Hawkes spectrum with K_ab =
 * N_b - delta_ab exactly (rounding only: 1e-12 relative). */
static void test_hawkes_reduction(void **state)
{
    (void)state;
    enum { NA = 7, NB = 5, NT = NA + NB };
    double Np[2] = {NA, NB}, Kp[4] = {NA - 1, NB, NA, NB - 1};
    double wp[4] = {0.041, -0.083, 0.052, -0.067}, nu0[2] = {4.0, 7.5}, taup[2] = {3.0, 6.0};
    double dp[4] = {1.0, 2.2, 0.6, 1.7};
    sf_theory_hawkes_net net = {.n_pop = 2, .N = Np, .K = Kp, .w = wp, .nu0 = nu0,
                                .tau = taup, .delays = dp};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(NT, 0);
    double r[2];
    assert_int_equal(sf_theory_hawkes_rates(NULL, &net, ws, r, NULL), SF_OK);
    static double W[NT * NT], D[NT * NT], tau[NT], d[NT * NT];
    for (int i = 0; i < NT; ++i) {
        int a = i >= NA;
        tau[i] = taup[a];
        for (int j = 0; j < NT; ++j) {
            int b = j >= NA;
            W[i * NT + j] = i == j ? 0 : wp[a * 2 + b];
            d[i * NT + j] = dp[a * 2 + b];
            D[i * NT + j] = i == j ? r[a] : 0;
        }
    }
    sf_theory_linear_net lin = {.n = NT, .W = W, .tau = tau, .delays = d, .D = D};
    double f[3] = {0, 23.0, 180.0};
    static double complex Cn[3 * NT * NT];
    double complex Cp[12], Xp[12];
    assert_int_equal(sf_theory_linear_spectrum(NULL, &lin, SF_THEORY_NOISE_OUTPUT, f, 3, ws, Cn,
                                               NULL, NULL),
                     SF_OK);
    assert_int_equal(sf_theory_hawkes_spectrum(NULL, &net, r, f, 3, ws, Cp, Xp, NULL, NULL),
                     SF_OK);
    for (int k = 0; k < 3; ++k)
        for (int a = 0; a < 2; ++a)
            for (int b = 0; b < 2; ++b) {
                double complex s = 0, sx = 0;
                for (int i = 0; i < NT; ++i)
                    for (int j = 0; j < NT; ++j)
                        if ((i >= NA) == a && (j >= NA) == b) {
                            s += Cn[k * NT * NT + i * NT + j];
                            if (i != j)
                                sx += Cn[k * NT * NT + i * NT + j];
                        }
                s /= Np[a] * Np[b];
                sx /= Np[a] * Np[b];
                double complex c = Cp[k * 4 + a * 2 + b];
                assert_true(cabs(c - s) <= 1e-12 * cabs(s));
                /* cross part: the theory's cross = C - delta_ab r_a/N_a
                 * differs from the true sum over i != j by the neurons' own
                 * echo, (1/N_a^2) sum_i (C_ii - r_a): an O(1/N) relative
                 * correction that the population theory neglects. */
                double complex own = 0;
                if (a == b) {
                    for (int i = 0; i < NT; ++i)
                        if ((i >= NA) == a)
                            own += Cn[k * NT * NT + i * NT + i] - r[a];
                    own /= Np[a] * Np[a];
                }
                assert_true(cabs(Xp[k * 4 + a * 2 + b] - (sx + own)) <= 1e-12 * cabs(s));
            }
    sf_theory_corr_workspace_destroy(ws);
}

static void test_hawkes_time_domain(void **state)
{
    (void)state;
    /* (1) One population, no delay: the smooth part of the covariance of the
     * averaged activity is (r/N) w(2-w)/(2(1-w) tau) e^{-(1-w)|t|/tau}
     * (inverse transform of (r/N)[|1 - w h~|^-2 - 1]). The FFT remainder
     * (after the delta and the first echo are taken out) decays as
     * -(r/N) w^2/(omega tau)^2, so its truncation error at any lag is below
     * (r/N) w^2 dt/(pi^2 tau^2); asserted with a factor 2. */
    size_t nt = 8192;
    double N = 40, K = 10, wsyn = 0.055, nu0 = 5.0, tau = 5.0, dt = 0.05;
    sf_theory_hawkes_net net = {.n_pop = 1, .N = &N, .K = &K, .w = &wsyn, .nu0 = &nu0,
                                .tau = &tau};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(2, nt);
    double r[2];
    assert_int_equal(sf_theory_hawkes_rates(NULL, &net, ws, r, NULL), SF_OK);
    double *Ct = malloc(nt * 4 * sizeof *Ct), delta[4];
    assert_int_equal(sf_theory_hawkes_cov_time(NULL, &net, r, dt, ws, Ct, delta), SF_OK);
    double w = K * wsyn, ts = tau * 1e-3, dts = dt * 1e-3, D = r[0] / N;
    double amp = D * w * (2 - w) / (2 * (1 - w) * ts);
    double tol = 2 * D * w * w * dts / (PI * PI * ts * ts);
    assert_true(rel_err(delta[0], D) < 1e-15);
    double maxerr = 0;
    for (size_t m = 0; m < nt; ++m) {
        double t = ((double)m - (double)nt / 2) * dts;
        double ref = amp * exp(-(1 - w) * fabs(t) / ts);
        maxerr = fmax(maxerr, fabs(Ct[m] - ref));
    }
    assert_true(maxerr <= tol);
    assert_true(tol < 2e-3 * amp);   /* the check is meaningful */

    /* (2) Two populations with delays: the lag integral of C(t) plus the
     * delta weights gives back C(f = 0) (the count covariance). The FFT part
     * integrates exactly; the sampled analytic echo e^{-t/tau}/tau (half
     * weight at the jump) has the trapezoid error (dt/tau)^2/12 relative to
     * its weight sum_c |W_ac D_cb| + |D_ac W_bc|; asserted with a factor 2
     * (convergence as dt^2 was checked by halving dt down to 0.03 ms). */
    double Np[2] = {400, 100}, Kp[4] = {80, 20, 80, 20};
    double wp[4] = {0.0045, -0.022, 0.0045, -0.022}, nu0p[2] = {8, 8}, taup[2] = {5, 5};
    sf_theory_hawkes_net net2 = {.n_pop = 2, .N = Np, .K = Kp, .w = wp, .nu0 = nu0p,
                                 .tau = taup, .delay = 2.0};
    assert_int_equal(sf_theory_hawkes_rates(NULL, &net2, ws, r, NULL), SF_OK);
    assert_int_equal(sf_theory_hawkes_cov_time(NULL, &net2, r, 0.25, ws, Ct, delta), SF_OK);
    double C0[4];
    assert_int_equal(sf_theory_hawkes_count_cov(NULL, &net2, r, ws, C0, NULL, NULL), SF_OK);
    for (int p = 0; p < 4; ++p) {
        int a = p / 2, b = p % 2;
        double s = delta[p], weight = 0;
        for (size_t m = 0; m < nt; ++m)
            s += Ct[m * 4 + (size_t)p] * 0.25e-3;
        for (int c = 0; c < 2; ++c)
            weight += fabs(Kp[a * 2 + c] * wp[a * 2 + c] * (c == b ? r[c] / Np[c] : 0)) +
                      fabs((a == c ? r[a] / Np[a] : 0) * Kp[b * 2 + c] * wp[b * 2 + c]);
        double bound = 2 * (0.25 / 5.0) * (0.25 / 5.0) / 12 * weight;
        assert_true(fabs(s - C0[p]) <= bound);
    }
    /* Sign convention and causality: C_EI(t) = <dA_E(t + t') dA_I(t')> has
     * the first echo of I onto E at t = +d, a jump of W_EI D_II / tau_E (the
     * rest of C is continuous there and changes by O(dt/tau) over 2 dt);
     * at t = -d nothing jumps for this pair except the I<-E echo, which is
     * W_IE D_EE / tau_I. Asserted to 15 % of the jump. */
    {
        size_t md = nt / 2 + 8;   /* t = +2 ms at dt = 0.25 ms */
        double jump = Kp[1] * wp[1] * (r[1] / Np[1]) / (taup[0] * 1e-3);
        double seen = Ct[(md + 1) * 4 + 1] - Ct[(md - 1) * 4 + 1];
        assert_true(fabs(seen - jump * exp(-0.25 / 5.0)) <= 0.15 * fabs(jump));
        size_t mn = nt / 2 - 8;   /* t = -2 ms */
        double jump2 = Kp[2] * wp[2] * (r[0] / Np[0]) / (taup[1] * 1e-3);
        double seen2 = Ct[(mn - 1) * 4 + 1] - Ct[(mn + 1) * 4 + 1];
        assert_true(fabs(seen2 - jump2 * exp(-0.25 / 5.0)) <= 0.15 * fabs(jump2));
    }
    free(Ct);
    sf_theory_corr_workspace_destroy(ws);
}

static void test_hawkes_errors(void **state)
{
    (void)state;
    sf_context *ctx = ctx_new();
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(2, 8);
    double N = 10, K = 10, w = 0.1, nu0 = 1, tau = 2, r = 1, out[64];
    double complex C[4];
    sf_theory_hawkes_net net = {.n_pop = 1, .N = &N, .K = &K, .w = &w, .nu0 = &nu0,
                                .tau = &tau};
    /* spectral radius exactly 1, then above */
    assert_int_equal(sf_theory_hawkes_rates(ctx, &net, ws, out, NULL), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "spectral radius"));
    w = 0.2;
    assert_int_equal(sf_theory_hawkes_rates(ctx, &net, ws, out, NULL), SF_ERR_RANGE);
    double f = 1;
    assert_int_equal(sf_theory_hawkes_spectrum(ctx, &net, &r, &f, 1, ws, C, NULL, NULL, NULL),
                     SF_ERR_RANGE);
    assert_int_equal(sf_theory_hawkes_count_cov(ctx, &net, &r, ws, out, NULL, NULL),
                     SF_ERR_RANGE);
    assert_int_equal(sf_theory_hawkes_cov_time(ctx, &net, &r, 0.1, ws, out, NULL),
                     SF_ERR_RANGE);
    /* negative rate: strong inhibition from a silent-baseline population */
    double N2[2] = {10, 10}, K2[4] = {0, 10, 0, 0}, w2[4] = {0, -0.09, 0, 0};
    double nu2[2] = {1, 5}, tau2[2] = {1, 1};
    sf_theory_hawkes_net neg = {.n_pop = 2, .N = N2, .K = K2, .w = w2, .nu0 = nu2, .tau = tau2};
    assert_int_equal(sf_theory_hawkes_rates(ctx, &neg, ws, out, NULL), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "rectified"));
    /* bad arguments */
    w = 0.05;
    assert_int_equal(sf_theory_hawkes_check(ctx, NULL), SF_ERR_ARG);
    sf_theory_hawkes_net bad = net;
    bad.n_pop = 0;
    assert_int_equal(sf_theory_hawkes_rates(ctx, &bad, ws, out, NULL), SF_ERR_ARG);
    bad = net;
    bad.nu0 = NULL;
    assert_int_equal(sf_theory_hawkes_rates(ctx, &bad, ws, out, NULL), SF_ERR_ARG);
    double Nbad = 0.5, Kbad = -1, nubad = -1, taubad = 0;
    bad = net;
    bad.N = &Nbad;
    assert_int_equal(sf_theory_hawkes_check(ctx, &bad), SF_ERR_ARG);
    bad = net;
    bad.K = &Kbad;
    assert_int_equal(sf_theory_hawkes_check(ctx, &bad), SF_ERR_ARG);
    bad = net;
    bad.nu0 = &nubad;
    assert_int_equal(sf_theory_hawkes_check(ctx, &bad), SF_ERR_ARG);
    bad = net;
    bad.tau = &taubad;
    assert_int_equal(sf_theory_hawkes_check(ctx, &bad), SF_ERR_ARG);
    bad = net;
    bad.delay = NAN;
    assert_int_equal(sf_theory_hawkes_check(ctx, &bad), SF_ERR_ARG);
    assert_int_equal(sf_theory_hawkes_rates(ctx, &net, ws, NULL, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_hawkes_rates(ctx, &net, NULL, out, NULL), SF_ERR_ARG);
    double rneg = -1;
    assert_int_equal(sf_theory_hawkes_spectrum(ctx, &net, &rneg, &f, 1, ws, C, NULL, NULL, NULL),
                     SF_ERR_ARG);
    assert_int_equal(sf_theory_hawkes_spectrum(ctx, &net, NULL, &f, 1, ws, C, NULL, NULL, NULL),
                     SF_ERR_ARG);
    sf_theory_linear_net lin;
    assert_int_equal(sf_theory_hawkes_to_linear(ctx, &net, &r, NULL, out, &lin), SF_ERR_ARG);
    double W3b[9], D3b[9];
    sf_theory_hawkes_net big = {.n_pop = 3, .N = (double[3]){1, 1, 1}, .K = (double[9]){0},
                                .w = (double[9]){0}, .nu0 = (double[3]){1, 1, 1},
                                .tau = (double[3]){1, 1, 1}};
    assert_int_equal(sf_theory_hawkes_to_linear(ctx, &big, (double[3]){1, 1, 1}, W3b, D3b, &lin),
                     SF_OK);
    assert_int_equal(sf_theory_hawkes_rates(ctx, &big, ws, out, NULL), SF_ERR_ARG);
    sf_theory_corr_workspace_destroy(ws);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * Binary networks. */

/* Single population with external Gaussian input: the self-consistent
 * activity is the root of g(m) = Phi(K J m + mu_ext, sqrt(K J^2 m(1-m) +
 * var_ext)) - m, found here by bisection on [0, 1] with erfc evaluated
 * directly. */
static double bin_g(double m, double K, double J, double mu_ext, double var_ext,
                    double theta)
{
    double mu = K * J * m + mu_ext, s = sqrt(K * J * J * m * (1 - m) + var_ext);
    return 0.5 * erfc((theta - mu) / (sqrt(2.0) * s)) - m;
}

static void test_binary_single(void **state)
{
    (void)state;
    double K = 400, J = -0.05, mu_ext = 3.1, var_ext = 0.7, theta = 1.0;
    sf_theory_binary_pop pop = {.theta = theta, .N = 2000, .tau = 10, .mu_ext = mu_ext,
                                .var_ext = var_ext};
    sf_theory_binary_net net = {.n_pop = 1, .pop = &pop, .K = &K, .J = &J};
    double m, mu, sigma, S;
    sf_theory_binary_point pt = {.m = &m, .mu = &mu, .sigma = &sigma, .S = &S};
    assert_int_equal(sf_theory_binary_solve(NULL, &net, NULL, NULL, &pt), SF_OK);
    double lo = 0, hi = 1;   /* g(0) > 0 > g(1) for this inhibitory population */
    assert_true(bin_g(lo, K, J, mu_ext, var_ext, theta) > 0);
    assert_true(bin_g(hi, K, J, mu_ext, var_ext, theta) < 0);
    for (int i = 0; i < 200; ++i) {
        double c = 0.5 * (lo + hi);
        if (bin_g(c, K, J, mu_ext, var_ext, theta) > 0)
            lo = c;
        else
            hi = c;
    }
    /* fixed point residual <= 1e-12, and |dg/dm| >= 1 near the root, so the
     * activity is within 1e-12 of the bisection root */
    assert_true(fabs(m - 0.5 * (lo + hi)) < 1e-11);
    assert_true(pt.residual <= 1e-12);
    assert_true(fabs(mu - (K * J * m + mu_ext)) < 1e-14);
    assert_true(fabs(sigma - sqrt(K * J * J * m * (1 - m) + var_ext)) < 1e-14);
    /* susceptibility = d Phi / d mu, checked by a central difference
     * (error O(h^2 Phi''') ~ 1e-10 for h = 1e-5) */
    double h = 1e-5;
    double dphi = (sf_theory_binary_gain(mu + h, sigma, theta) -
                   sf_theory_binary_gain(mu - h, sigma, theta)) / (2 * h);
    assert_true(rel_err(S, dphi) < 1e-8);
    /* step gain */
    assert_true(sf_theory_binary_gain(1, 0, 1) == 0.5);
    assert_true(sf_theory_binary_gain(1.1, 0, 1) == 1);
    assert_true(sf_theory_binary_gain(0.9, 0, 1) == 0);
    assert_true(sf_theory_binary_susceptibility(0.9, 0, 1) == 0);
    assert_true(isinf(sf_theory_binary_susceptibility(1, 0, 1)));
    double M, S2;
    assert_int_equal(sf_theory_binary_connectivity(NULL, &net, &m, &M, &S2), SF_OK);
    assert_true(rel_err(M, K * J * S) < 1e-14);
}

/* E, I, X with identical input rows (Renart-like, equal tau): by hand, the
 * pair equation 2 c_ab = u_a + u_b + s_a + s_b (u_b = sum_g M_g c_gb, s_a =
 * M_.a a_a/N_a) gives c_ab = v_a + v_b, hence
 *   c_EI = (c_EE + c_II)/2,  c_EE - c_II = 2 (s_E - s_I)/(2 - lambda),
 * lambda = M_EE + M_EI the nonzero eigenvalue of M_RR: c_EE > c_EI > c_II. */
static void test_binary_ordering(void **state)
{
    (void)state;
    double sK = sqrt(800.0);
    sf_theory_binary_pop pop[3] = {
        {.theta = 1.0, .N = 4000, .tau = 10},
        {.theta = 1.0, .N = 1000, .tau = 10},
        {.theta = 0, .N = 4000, .tau = 10, .external = true, .m_ext = 0.1},
    };
    double K[9] = {800, 200, 800, 800, 200, 800, 0, 0, 0};
    double J[9] = {1 / sK, -6 / sK, 1 / sK, 1 / sK, -6 / sK, 1 / sK, 0, 0, 0};
    sf_theory_binary_net net = {.n_pop = 3, .pop = pop, .K = K, .J = J};
    double m[3], S[3];
    sf_theory_binary_point pt = {.m = m, .S = S};
    assert_int_equal(sf_theory_binary_solve(NULL, &net, NULL, NULL, &pt), SF_OK);
    assert_true(fabs(m[0] - m[1]) < 1e-12);
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(3, 0);
    double c[9], Cavg[9], rho[9], ci[9], ce[9], ct[9], M[9];
    sf_theory_binary_cov out = {c, Cavg, rho, ci, ce, ct};
    assert_int_equal(sf_theory_binary_covariance(NULL, &net, m, ws, &out), SF_OK);
    assert_int_equal(sf_theory_binary_connectivity(NULL, &net, m, M, NULL), SF_OK);
    double a = m[0] * (1 - m[0]);
    double sE = M[0] * a / 4000, sI = M[1] * a / 1000, lam = M[0] + M[1];
    double cEE = c[0], cEI = c[1], cII = c[4];
    double scale = fabs(cEE) + fabs(cII);
    assert_true(fabs(cEI - 0.5 * (cEE + cII)) < 1e-12 * scale);
    assert_true(fabs(cEI - c[3]) < 1e-14 * scale);
    assert_true(rel_err(cEE - cII, 2 * (sE - sI) / (2 - lam)) < 1e-10);
    assert_true(cEE > cEI && cEI > cII);
    /* external pairs are uncorrelated; correlation coefficients */
    assert_true(fabs(c[8]) < 1e-14 * scale);
    assert_true(rel_err(rho[0], cEE / a) < 1e-14);
    assert_true(rel_err(Cavg[0], a / 4000 + (1 - 1.0 / 4000) * cEE) < 1e-14);
    /* decomposition: c = c_int + c_ext, c_int has no external blocks, and
     * the external part is the same for every internal pair (claim 2 of
     * Helias 2014: an additive, unspecific contribution for identical rows) */
    for (int i = 0; i < 9; ++i)
        assert_true(fabs(ci[i] + ce[i] - c[i]) < 1e-12 * scale);
    assert_true(ci[2] == 0 && ci[5] == 0 && ci[6] == 0 && ci[7] == 0);
    assert_true(fabs(ce[0] - ce[4]) < 1e-10 * fabs(ce[0]));
    assert_true(fabs(ce[0] - ce[1]) < 1e-10 * fabs(ce[0]));
    (void)ct;
    sf_theory_corr_workspace_destroy(ws);
}

/* Fast tracking as a limit: when the external population is much slower
 * than the network (tau_X = 1e6 tau), its covariance contribution equals the
 * quasi-static tracking estimate L Abar_X L^T up to O(tau/tau_X). */
static void test_binary_tracking_limit(void **state)
{
    (void)state;
    sf_theory_binary_pop pop[3] = {
        {.theta = 0.9, .N = 3000, .tau = 10},
        {.theta = 0.6, .N = 800, .tau = 6},
        {.theta = 0, .N = 2000, .tau = 1e7, .external = true, .m_ext = 0.15},
    };
    double K[9] = {300, 80, 200, 300, 80, 200, 0, 0, 0};
    double J[9] = {0.06, -0.22, 0.05, 0.07, -0.2, 0.04, 0, 0, 0};
    sf_theory_binary_net net = {.n_pop = 3, .pop = pop, .K = K, .J = J};
    double m[3];
    sf_theory_binary_point pt = {.m = m};
    assert_int_equal(sf_theory_binary_solve(NULL, &net, NULL, NULL, &pt), SF_OK);
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(3, 0);
    double ce[9], ct[9];
    sf_theory_binary_cov out = {.c_ext = ce, .c_track = ct};
    assert_int_equal(sf_theory_binary_covariance(NULL, &net, m, ws, &out), SF_OK);
    for (int i = 0; i < 8; ++i)   /* all but X-X */
        assert_true(fabs(ce[i] - ct[i]) <= 1e-4 * fabs(ct[0]));
    assert_true(ct[8] == 0);
    sf_theory_corr_workspace_destroy(ws);
}

/* The input-noise mapping: the population-level Lyapunov solution minus
 * Abar is exactly the pair covariance c (algebraic identity, 1e-10), and a
 * neuron-resolved all-to-all network (fixed out-degree) averages exactly to
 * the population-level covariance (1e-10 relative). */
static void test_binary_mapping(void **state)
{
    (void)state;
    enum { NA = 6, NB = 4, NT = NA + NB };
    sf_theory_binary_pop pop[2] = {{.theta = 0.5, .N = NA, .tau = 10, .mu_ext = 0.3,
                                    .var_ext = 0.4},
                                   {.theta = 0.2, .N = NB, .tau = 5, .mu_ext = 0.2,
                                    .var_ext = 0.3}};
    double K[4] = {NA - 1, NB, NA, NB - 1}, J[4] = {0.12, -0.3, 0.15, -0.25};
    sf_theory_binary_net net = {.n_pop = 2, .pop = pop, .K = K, .J = J};
    double m[2], S[2];
    sf_theory_binary_point pt = {.m = m, .S = S};
    assert_int_equal(sf_theory_binary_solve(NULL, &net, NULL, NULL, &pt), SF_OK);
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(NT, 0);
    double c[4], Wl[4], taul[2], Dl[4], Cl[4];
    sf_theory_binary_cov out = {.c = c};
    assert_int_equal(sf_theory_binary_covariance(NULL, &net, m, ws, &out), SF_OK);
    sf_theory_linear_net lin;
    assert_int_equal(sf_theory_binary_to_linear(NULL, &net, m, Wl, taul, Dl, &lin), SF_OK);
    assert_int_equal(sf_theory_linear_cov_equal_time(NULL, &lin, ws, Cl), SF_OK);
    double scale = fabs(Cl[0]);
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) {
            double Abar = a == b ? m[a] * (1 - m[a]) / pop[a].N : 0;
            assert_true(fabs(Cl[a * 2 + b] - Abar - c[a * 2 + b]) <= 1e-10 * scale);
        }
    /* neuron level: W_ij = S_a J_ab (i != j), D_i = 2 tau_a a_a (s) */
    static double Wn[NT * NT], Dn[NT * NT], tn[NT], Cn[NT * NT];
    for (int i = 0; i < NT; ++i) {
        int a = i >= NA;
        tn[i] = pop[a].tau;
        for (int j = 0; j < NT; ++j) {
            int b = j >= NA;
            Wn[i * NT + j] = i == j ? 0 : S[a] * J[a * 2 + b];
            Dn[i * NT + j] = i == j ? 2 * pop[a].tau * 1e-3 * m[a] * (1 - m[a]) : 0;
        }
    }
    sf_theory_linear_net neu = {.n = NT, .W = Wn, .tau = tn, .D = Dn};
    assert_int_equal(sf_theory_linear_cov_equal_time(NULL, &neu, ws, Cn), SF_OK);
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) {
            double s = 0;
            for (int i = 0; i < NT; ++i)
                for (int j = 0; j < NT; ++j)
                    if ((i >= NA) == a && (j >= NA) == b)
                        s += Cn[i * NT + j];
            s /= pop[a].N * pop[b].N;
            assert_true(fabs(s - Cl[a * 2 + b]) <= 1e-10 * scale);
        }
    /* with a delay the mapping still gives a Hermitian spectrum whose value
     * at f = 0 does not depend on the delay */
    double f[2] = {0, 30};
    double complex C0[8], Cd[8];
    assert_int_equal(sf_theory_linear_spectrum(NULL, &lin, SF_THEORY_NOISE_INPUT, f, 2, ws, C0,
                                               NULL,
                                               NULL),
                     SF_OK);
    lin.delay = 3.0;
    assert_int_equal(sf_theory_linear_spectrum(NULL, &lin, SF_THEORY_NOISE_INPUT, f, 2, ws, Cd,
                                               NULL,
                                               NULL),
                     SF_OK);
    for (int i = 0; i < 4; ++i)
        assert_true(cabs(C0[i] - Cd[i]) <= 1e-14 * cabs(C0[0]));
    assert_true(cabs(Cd[4 + 1] - conj(Cd[4 + 2])) <= 1e-15 * cabs(Cd[4]));
    sf_theory_corr_workspace_destroy(ws);
}

/* ---- the binary mean-field solver from cold starts (issue 8, defect 2) ----
 * References are independent of the solver: the mean-field dynamics
 * tau dm/dt = Phi(m) - m integrated by explicit Euler steps of 1e-3 tau in
 * the test (Phi written out with erfc), then, in one dimension, the root
 * bracketed around its end point refined by bisection. */

/* Phi(m) - m of a two-population network with K, J row-major, written out. */
static void bin2_F(const double *K, const double *J, const double *mu_ext, const double *var_ext,
                   const double *m, double *F)
{
    for (int a = 0; a < 2; ++a) {
        double mu = mu_ext[a], v = var_ext[a];
        for (int b = 0; b < 2; ++b) {
            mu += K[2 * a + b] * J[2 * a + b] * m[b];
            v += K[2 * a + b] * J[2 * a + b] * J[2 * a + b] * m[b] * (1 - m[b]);
        }
        F[a] = 0.5 * erfc(-mu / sqrt(2.0 * v)) - m[a];
    }
}

/* The Jacobian D[2 a + b] = dF_a/dm_b of bin2_F at m, by central
 * differences of step 1e-6 (error ~1e-8). */
static void bin2_DF(const double *K, const double *J, const double *mu_ext, const double *var_ext,
                    const double *m, double *D)
{
    const double h = 1e-6;
    for (int b = 0; b < 2; ++b) {
        double mp[2] = {m[0], m[1]}, mm[2] = {m[0], m[1]}, Fp[2], Fm[2];
        mp[b] += h;
        mm[b] -= h;
        bin2_F(K, J, mu_ext, var_ext, mp, Fp);
        bin2_F(K, J, mu_ext, var_ext, mm, Fm);
        for (int a = 0; a < 2; ++a)
            D[2 * a + b] = (Fp[a] - Fm[a]) / (2 * h);
    }
}

/* The E-I network of the defect report: K_E = 800, K_I = 200,
 * J = j / sqrt(800), j = (6, -22; 8, -20), theta = 0, mu_ext = (1.2, 0.2),
 * var_ext = 0.1. Its fixed point (m_E, m_I) = (0.028, 0.076) is a stable
 * spiral: DPhi - 1 has eigenvalues -2.6 +- 2.9i. The old damped iteration
 * stalls there (step halved down to 1e-6, "did not converge" at a residual
 * of ~3e-5); the default method must converge from the cold start. */
static void test_binary_solver_spiral(void **state)
{
    (void)state;
    double sK = sqrt(800.0);
    double K[4] = {800, 200, 800, 200}, J[4] = {6 / sK, -22 / sK, 8 / sK, -20 / sK};
    double mu_ext[2] = {1.2, 0.2}, var_ext[2] = {0.1, 0.1};
    sf_theory_binary_pop pop[2] = {{.theta = 0, .N = 8000, .tau = 10, .mu_ext = 1.2, .var_ext = 0.1},
                                   {.theta = 0, .N = 2000, .tau = 10, .mu_ext = 0.2, .var_ext = 0.1}};
    sf_theory_binary_net net = {.n_pop = 2, .pop = pop, .K = K, .J = J};
    double m[2];
    sf_theory_binary_point pt = {.m = m};
    sf_context *ctx = ctx_new();
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, NULL, &pt), SF_OK);
    assert_true(pt.residual <= 1e-12);
    assert_true(pt.iterations < 100);
    assert_true(pt.stable && pt.max_real_eig < 0);
    /* reference: the dynamics from the same cold start, 80 tau */
    double r[2] = {0.2, 0.2}, F[2];
    for (int k = 0; k < 80000; ++k) {
        bin2_F(K, J, mu_ext, var_ext, r, F);
        r[0] += 1e-3 * F[0];
        r[1] += 1e-3 * F[1];
    }
    bin2_F(K, J, mu_ext, var_ext, r, F);
    assert_true(fabs(F[0]) < 1e-14 && fabs(F[1]) < 1e-14);
    assert_true(fabs(m[0] - r[0]) < 1e-11 && fabs(m[1] - r[1]) < 1e-11);
    /* a spiral: the Jacobian of F (central differences, error ~1e-8) has
     * complex eigenvalues with negative real part */
    double D[4];
    bin2_DF(K, J, mu_ext, var_ext, m, D);
    double tr = D[0] + D[3], det = D[0] * D[3] - D[1] * D[2];
    assert_true(tr < 0 && det > 0 && tr * tr - 4 * det < -10);
    /* stability exponent: the largest real part of eig(T^-1 DF) = tr/2/tau */
    assert_true(fabs(pt.max_real_eig - tr / 2 / 10) < 1e-6);
    /* the old method (the damped iteration alone) fails here: the
     * regression this test guards */
    sf_theory_binary_opts old = {.damping = 0.5, .tol = 1e-12, .max_iter = 100000,
                                 .method = SF_THEORY_BINARY_DAMPED};
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, &old, &pt), SF_ERR_NOCONV);
    /* the network is bistable: the hybrid method alone, from the same
     * start, ends on the other, saturated root m = (1, 1); from a guess
     * near the spiral it finds the spiral */
    sf_theory_binary_opts hy = {.damping = 0.5, .tol = 1e-12, .max_iter = 1000,
                                .method = SF_THEORY_BINARY_HYBRID};
    double m2[2], g2[2] = {0.05, 0.05};
    pt.m = m2;
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, &hy, &pt), SF_OK);
    assert_true(m2[0] > 1 - 1e-9 && m2[1] > 1 - 1e-9);
    assert_int_equal(sf_theory_binary_solve(ctx, &net, g2, &hy, &pt), SF_OK);
    assert_true(fabs(m2[0] - r[0]) < 1e-11 && fabs(m2[1] - r[1]) < 1e-11);
    sf_context_destroy(ctx);
}

/* A stable node (the weakly coupled network of examples/binary_ei.yaml
 * without X, real eigenvalues) from cold starts at 0.01, 0.2 and 0.9. */
static void test_binary_solver_node(void **state)
{
    (void)state;
    double sK = sqrt(800.0);
    double K[4] = {800, 200, 800, 200}, J[4] = {1 / sK, -10 / sK, 1 / sK, -9 / sK};
    double mu_ext[2] = {0.5, 0.4}, var_ext[2] = {0, 0};
    sf_theory_binary_pop pop[2] = {{.theta = 0.3, .N = 8000, .tau = 10, .mu_ext = 0.8},
                                   {.theta = 0.3, .N = 2000, .tau = 10, .mu_ext = 0.7}};
    /* theta enters as mu_ext - theta in the reference */
    mu_ext[0] = 0.5;
    mu_ext[1] = 0.4;
    sf_theory_binary_net net = {.n_pop = 2, .pop = pop, .K = K, .J = J};
    double r[2] = {0.2, 0.2}, F[2];
    for (int k = 0; k < 80000; ++k) {
        bin2_F(K, J, mu_ext, var_ext, r, F);
        r[0] += 1e-3 * F[0];
        r[1] += 1e-3 * F[1];
    }
    double D[4];
    bin2_DF(K, J, mu_ext, var_ext, r, D);
    double tr = D[0] + D[3], det = D[0] * D[3] - D[1] * D[2];
    assert_true(tr < 0 && det > 0 && tr * tr - 4 * det > 1);   /* a node */
    const double starts[3] = {0.01, 0.2, 0.9};
    for (int s0 = 0; s0 < 3; ++s0) {
        double g[2] = {starts[s0], starts[s0]}, m[2];
        sf_theory_binary_point pt = {.m = m};
        assert_int_equal(sf_theory_binary_solve(NULL, &net, g, NULL, &pt), SF_OK);
        assert_true(pt.stable && pt.iterations < 100);
        assert_true(fabs(m[0] - r[0]) < 1e-11 && fabs(m[1] - r[1]) < 1e-11);
    }
}

/* One excitatory population (K = 800, J = 3/sqrt(800), var_ext 0.2) is
 * bistable for mu_ext - theta in (-2.1259, -1.49554); at -1.4956 its low
 * state (m = 0.00117) is next to the saddle-node (dPhi/dm - 1 = -0.026),
 * where the damped iteration crawls (1092 iterations); at -1.495, just past
 * it, a cold start at 0 passes the slow "ghost" of the low state (residual
 * ~1e-5) on its way to the high state. Cold starts end on the state the
 * dynamics reach. */
static void test_binary_solver_bistable(void **state)
{
    (void)state;
    double K = 800, J = 3 / sqrt(800.0), var_ext = 0.2;
    const double mus[3] = {-1.4956, -1.4956, -1.495}, starts[3] = {0.0, 0.2, 0.0};
    for (int s0 = 0; s0 < 3; ++s0) {
        double mu_ext = mus[s0];
        sf_theory_binary_pop pop = {.theta = 0, .N = 8000, .tau = 10, .mu_ext = mu_ext,
                                    .var_ext = var_ext};
        sf_theory_binary_net net = {.n_pop = 1, .pop = &pop, .K = &K, .J = &J};
        /* reference: the dynamics over 1000 tau, then bisection around
         * their end point */
        double r = starts[s0];
        for (int k = 0; k < 1000000; ++k)
            r += 1e-3 * bin_g(r, K, J, mu_ext, var_ext, 0);
        double lo = r * (1 - 1e-3), hi = fmin(r * (1 + 1e-3), 1);
        assert_true(bin_g(lo, K, J, mu_ext, var_ext, 0) > 0 &&
                    bin_g(hi, K, J, mu_ext, var_ext, 0) <= 0);
        for (int i = 0; i < 200; ++i) {
            double c = 0.5 * (lo + hi);
            if (bin_g(c, K, J, mu_ext, var_ext, 0) > 0)
                lo = c;
            else
                hi = c;
        }
        double m;
        sf_theory_binary_point pt = {.m = &m};
        double g = starts[s0];
        assert_int_equal(sf_theory_binary_solve(NULL, &net, &g, NULL, &pt), SF_OK);
        assert_true(pt.stable);
        /* residual <= 1e-12 and |dg/dm| >= 0.02 at the roots: |m - root| <= 5e-11 */
        assert_true(fabs(m - 0.5 * (lo + hi)) < 1e-10);
        if (s0 == 0) {
            assert_true(m < 0.01);
            /* close to the saddle-node: dPhi/dm - 1 (the stability exponent
             * times tau) is small */
            assert_true(pt.max_real_eig * 10 > -0.05 && pt.max_real_eig < 0);
        } else {
            assert_true(m > 0.5);
        }
    }
}

/* The covariance term in the input variance (issue 8, defect 5; Helias et
 * al. 2014): for one population the pair equation gives in closed form
 * c = M a / (N (1 - M)), M = K S J, a = m (1 - m), and the input variance
 * is K J^2 a + K (K - 1) J^2 c. The joint fixed point of m and c is found
 * here independently: for each m, sigma by fixed-point iteration, then m
 * by bisection; the library's sf_theory_binary_solve_correlated must agree,
 * and the covariance it returns must be the closed form at its m. */
static double bin_corr_sigma(double m, double K, double J, double N, double mu, double var_ext,
                             double theta)
{
    double a = m * (1 - m), s = sqrt(K * J * J * a + var_ext);
    for (int it = 0; it < 200; ++it) {
        double S = exp(-0.5 * (mu - theta) * (mu - theta) / (s * s)) / (sqrt(2 * M_PI) * s);
        double M = K * S * J, c = M * a / (N * (1 - M));
        s = sqrt(K * J * J * a + K * (K - 1) * J * J * c + var_ext);
    }
    return s;
}

static void test_binary_correlated_sigma(void **state)
{
    (void)state;
    const double K = 400, J = -0.05, N = 2000, mu_ext = 3.1, var_ext = 0.7, theta = 1.0;
    sf_theory_binary_pop pop = {.theta = theta, .N = N, .tau = 10, .mu_ext = mu_ext,
                                .var_ext = var_ext};
    sf_theory_binary_net net = {.n_pop = 1, .pop = &pop, .K = &K, .J = &J};
    double lo = 0, hi = 1;
    for (int i = 0; i < 200; ++i) {
        double c = 0.5 * (lo + hi), mu = K * J * c + mu_ext;
        double g = 0.5 * erfc((theta - mu) / (sqrt(2.0) * bin_corr_sigma(c, K, J, N, mu, var_ext,
                                                                         theta))) - c;
        if (g > 0)
            lo = c;
        else
            hi = c;
    }
    double m_ref = 0.5 * (lo + hi);
    double m, sigma, c;
    sf_theory_binary_point pt = {.m = &m, .sigma = &sigma};
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(1, 0);
    assert_int_equal(sf_theory_binary_solve_correlated(NULL, &net, NULL, NULL, ws, &pt, &c), SF_OK);
    /* |dg/dm| >= 1 here (inhibitory): the roots agree to the residual */
    assert_true(fabs(m - m_ref) < 1e-11);
    double a = m * (1 - m), mu = K * J * m + mu_ext;
    double S = exp(-0.5 * (mu - theta) * (mu - theta) / (sigma * sigma)) / (sqrt(2 * M_PI) * sigma);
    double M = K * S * J;
    assert_true(fabs(c - M * a / (N * (1 - M))) < 1e-9 * fabs(c));
    assert_true(fabs(sigma * sigma - (K * J * J * a + K * (K - 1) * J * J * c + var_ext)) <
                1e-10 * sigma * sigma);
    /* and the uncorrelated mean field differs: by the covariance term */
    double m0;
    sf_theory_binary_point p0 = {.m = &m0};
    assert_int_equal(sf_theory_binary_solve(NULL, &net, NULL, NULL, &p0), SF_OK);
    assert_true(fabs(m0 - m) > 1e-6);
    /* the covariances set as c_pair reproduce the point */
    sf_theory_binary_net cn = net;
    cn.c_pair = &c;
    double m1, s1;
    sf_theory_binary_point p1 = {.m = &m1, .sigma = &s1};
    assert_int_equal(sf_theory_binary_solve(NULL, &cn, NULL, NULL, &p1), SF_OK);
    assert_true(fabs(m1 - m) < 1e-11 && fabs(s1 - sigma) < 1e-11);
    sf_theory_corr_workspace_destroy(ws);
}

static void test_binary_errors(void **state)
{
    (void)state;
    sf_context *ctx = ctx_new();
    double K = 400, J = -0.05;
    sf_theory_binary_pop pop = {.theta = 1.0, .N = 2000, .tau = 10, .mu_ext = 3.1,
                                .var_ext = 0.7};
    sf_theory_binary_net net = {.n_pop = 1, .pop = &pop, .K = &K, .J = &J};
    double m = 0.3, mu, sigma;
    sf_theory_binary_point pt = {.m = &m};
    /* non-convergence */
    sf_theory_binary_opts few = {.damping = 0.5, .tol = 1e-12, .max_iter = 3};
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, &few, &pt), SF_ERR_NOCONV);
    assert_non_null(strstr(sf_context_errmsg(ctx), "did not converge"));
    assert_int_equal(pt.iterations, 3);
    /* an undamped, steep inhibitory map oscillates; the adaptive damping
     * still converges (the damped iteration alone: the default method
     * needs a few iterations only) */
    double Ks = 1000, Js = -0.2;
    sf_theory_binary_pop steep = {.theta = -50, .N = 5000, .tau = 10, .var_ext = 0.01};
    sf_theory_binary_net snet = {.n_pop = 1, .pop = &steep, .K = &Ks, .J = &Js};
    sf_theory_binary_opts undamped = {.damping = 1.0, .tol = 1e-12, .max_iter = 100000,
                                      .method = SF_THEORY_BINARY_DAMPED};
    assert_int_equal(sf_theory_binary_solve(ctx, &snet, NULL, &undamped, &pt), SF_OK);
    assert_true(pt.iterations > 10);
    /* bad options and arguments */
    sf_theory_binary_opts bad = {.damping = 0, .tol = 1e-12, .max_iter = 10};
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, &bad, &pt), SF_ERR_ARG);
    bad = (sf_theory_binary_opts){.damping = 0.5, .tol = 0, .max_iter = 10};
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, &bad, &pt), SF_ERR_ARG);
    bad = (sf_theory_binary_opts){.damping = 0.5, .tol = 1e-9, .max_iter = 0};
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, &bad, &pt), SF_ERR_ARG);
    double g = 1.5;
    assert_int_equal(sf_theory_binary_solve(ctx, &net, &g, NULL, &pt), SF_ERR_ARG);
    assert_int_equal(sf_theory_binary_solve(ctx, &net, NULL, NULL, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_binary_check(ctx, NULL), SF_ERR_ARG);
    sf_theory_binary_net bn = net;
    bn.n_pop = 0;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    bn = net;
    bn.J = NULL;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    sf_theory_binary_pop bp = pop;
    bp.N = 0;
    bn = net;
    bn.pop = &bp;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    bp = pop;
    bp.tau = -1;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    bp = pop;
    bp.var_ext = -1;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    bp = pop;
    bp.external = true;
    bp.m_ext = 2;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    bp = pop;
    bp.theta = INFINITY;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    double Kn = -1;
    bn = net;
    bn.K = &Kn;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    bn = net;
    bn.delay = -2;
    assert_int_equal(sf_theory_binary_check(ctx, &bn), SF_ERR_ARG);
    double mbad = -0.1;
    assert_int_equal(sf_theory_binary_input(ctx, &net, &mbad, &mu, &sigma), SF_ERR_ARG);
    assert_int_equal(sf_theory_binary_input(ctx, &net, &m, NULL, &sigma), SF_ERR_ARG);
    assert_int_equal(sf_theory_binary_input(ctx, &net, &m, &mu, &sigma), SF_OK);
    double M;
    assert_int_equal(sf_theory_binary_connectivity(ctx, &net, &m, NULL, NULL), SF_ERR_ARG);
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(1, 0);
    double c;
    sf_theory_binary_cov out = {.c = &c};
    assert_int_equal(sf_theory_binary_covariance(ctx, &net, &m, ws, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_binary_covariance(ctx, &net, &m, NULL, &out), SF_ERR_ARG);
    /* unstable linearisation: strong recurrent excitation at m = 0.5
     * (M = K J S = 100 * 0.5 * 0.16 = 8 > 1) */
    double Ku = 100, Ju = 0.5;
    sf_theory_binary_pop up = {.theta = 25, .N = 1000, .tau = 10};
    sf_theory_binary_net unet = {.n_pop = 1, .pop = &up, .K = &Ku, .J = &Ju};
    double mh = 0.5;
    assert_int_equal(sf_theory_binary_covariance(ctx, &unet, &mh, ws, &out), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "unstable"));
    /* zero input variance exactly at threshold: infinite susceptibility */
    double K0 = 0, J0 = 0;
    sf_theory_binary_pop zp = {.theta = 0.0, .N = 10, .tau = 10, .mu_ext = 0.0};
    sf_theory_binary_net znet = {.n_pop = 1, .pop = &zp, .K = &K0, .J = &J0};
    assert_int_equal(sf_theory_binary_connectivity(ctx, &znet, &mh, &M, NULL), SF_ERR_RANGE);
    assert_int_equal(sf_theory_binary_solve(ctx, &znet, NULL, NULL, &pt), SF_ERR_RANGE);
    double Wl, tl, Dl;
    sf_theory_linear_net lin;
    assert_int_equal(sf_theory_binary_to_linear(ctx, &net, &m, NULL, &tl, &Dl, &lin),
                     SF_ERR_ARG);
    assert_int_equal(sf_theory_binary_to_linear(ctx, &znet, &mh, &Wl, &tl, &Dl, &lin),
                     SF_ERR_RANGE);
    sf_theory_corr_workspace_destroy(ws);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * PIF. */

static void test_pif_lattice(void **state)
{
    (void)state;
    /* spiking.md 1b(ii): nu_e = 1, nu_i = 0.5, w = 1, n = 10. */
    sf_theory_pif p = {.theta = 10, .V_r = 0, .nu_e = 1, .w_e = 1, .nu_i = 0.5, .w_i = 1};
    double P[200];
    assert_int_equal(sf_theory_pif_lattice(NULL, &p, 200, P), SF_OK);
    double q = 0.5, sum = 0;
    for (int k = 1; k <= 200; ++k) {
        double ref = k <= 10 ? (1 - pow(q, k)) / 10 : (1 - pow(q, 10)) * pow(q, k - 10) / 10;
        assert_true(fabs(P[k - 1] - ref) < 1e-16);
        sum += P[k - 1];
    }
    assert_true(fabs(sum - 1) < 1e-14);   /* tail beyond k = 200 is 2^-190 */
    /* Monte-Carlo numbers of spiking.md (T = 2e5 events): the statistical
     * error of an occupation estimate over T with correlation times of a few
     * hundred events is ~ sqrt(P tau_c / T) ~ 1e-3, so |diff| <= 1.5e-3. */
    assert_true(fabs(P[0] - 0.0498) < 1.5e-3);
    assert_true(fabs(P[1] - 0.0748) < 1.5e-3);
    assert_true(fabs(P[10] - 0.0493) < 1.5e-3);
    assert_true(fabs(P[14] - 0.0034) < 1.5e-3);
    double r;
    assert_int_equal(sf_theory_pif_rate(NULL, &p, &r), SF_OK);
    assert_true(fabs(r - 0.05) < 1e-15);
    assert_true(fabs(r - p.nu_e * P[0]) < 1e-15);   /* r = nu_e P_1 */

    /* Independent method: the stationary distribution of the master
     * equation, truncated at k_max = 120 (tail mass 2^-110), by a dense
     * linear solve of pi Q = 0 with the normalisation replacing one row.
     * States k = 1..kmax; excitatory events k -> k-1 (k = 1 -> spike, k = n);
     * inhibitory events k -> k+1 (reflected at kmax). */
    enum { KM = 120 };
    static double Q[KM * KM], b[KM];
    memset(Q, 0, sizeof Q);
    for (int k = 1; k <= KM; ++k) {
        int i = k - 1, je = k == 1 ? 10 - 1 : k - 2, ji = k == KM ? i : k;
        /* generator transposed: row = destination, column = source */
        Q[je * KM + i] += p.nu_e;
        Q[i * KM + i] -= p.nu_e;
        if (ji != i) {
            Q[ji * KM + i] += p.nu_i;
            Q[i * KM + i] -= p.nu_i;
        }
    }
    for (int j = 0; j < KM; ++j) {
        Q[(KM - 1) * KM + j] = 1;
        b[j] = 0;
    }
    b[KM - 1] = 1;
    lapack_int ipiv[KM];
    assert_int_equal(LAPACKE_dgesv(LAPACK_ROW_MAJOR, KM, 1, Q, KM, ipiv, b, 1), 0);
    for (int k = 0; k < 40; ++k)
        assert_true(fabs(b[k] - P[k]) < 1e-13);

    /* density: P_k/w on [theta - k w, theta - (k-1) w) */
    double V[4] = {9.5, 8.0, -0.5, 10.0}, dens[4];
    assert_int_equal(sf_theory_pif_density_exact(NULL, &p, V, 4, dens), SF_OK);
    assert_true(fabs(dens[0] - P[0]) < 1e-16);
    assert_true(fabs(dens[1] - P[2]) < 1e-16);   /* V = 8 starts step k = 3 */
    assert_true(fabs(dens[2] - P[10]) < 1e-16);
    assert_true(dens[3] == 0);
}

static double diff_density(double V, void *pp)
{
    double d;
    assert_int_equal(sf_theory_pif_density_diffusion(NULL, pp, &V, 1, &d), SF_OK);
    return d;
}

static void test_pif_densities(void **state)
{
    (void)state;
    sf_theory_pif ex = {.theta = -50, .V_r = -65, .nu_e = 2000, .w_e = 0.35};
    sf_theory_pif ei = {.theta = -50, .V_r = -65, .nu_e = 3000, .w_e = 0.5, .nu_i = 1200,
                        .w_i = 0.5};
    /* exact, excitation only: uniform 1/L on [V_r, theta) */
    double V[3] = {-65, -50.000001, -66}, d[3];
    assert_int_equal(sf_theory_pif_density_exact(NULL, &ex, V, 3, d), SF_OK);
    assert_true(d[0] == 1 / 15.0 && d[1] == 1 / 15.0 && d[2] == 0);
    /* exact lattice: normalisation by summing steps (tail q^k, k <= 4000) */
    size_t km = 4000;
    double *P = malloc(km * sizeof *P), sum = 0;
    assert_int_equal(sf_theory_pif_lattice(NULL, &ei, km, P), SF_OK);
    for (size_t k = 0; k < km; ++k)
        sum += P[k];
    assert_true(fabs(sum - 1) < 1e-13);
    free(P);
    /* diffusion density integrates to 1 (GSL QAG over [V_r - 40 D/mu .. theta],
     * the neglected tail is e^{-40}; quadrature to 1e-12) */
    const sf_theory_pif *cases[2] = {&ex, &ei};
    for (int c = 0; c < 2; ++c) {
        const sf_theory_pif *p = cases[c];
        double mu = p->nu_e * p->w_e - p->nu_i * p->w_i;
        double D = 0.5 * (p->nu_e * p->w_e * p->w_e + p->nu_i * p->w_i * p->w_i);
        gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
        gsl_function F = {diff_density, (void *)p};
        double I1, I2, err;
        assert_int_equal(gsl_integration_qag(&F, p->V_r, p->theta, 1e-14, 1e-12, 1000, 6, w,
                                             &I1, &err),
                         GSL_SUCCESS);
        assert_int_equal(gsl_integration_qag(&F, p->V_r - 40 * D / mu, p->V_r, 1e-14, 1e-12,
                                             1000, 6, w, &I2, &err),
                         GSL_SUCCESS);
        gsl_integration_workspace_free(w);
        assert_true(fabs(I1 + I2 - 1) < 1e-11);
        /* near threshold: p ~ (r/D)(theta - V) */
        double r, Vn = p->theta - 1e-6, dn;
        assert_int_equal(sf_theory_pif_rate(NULL, p, &r), SF_OK);
        assert_true(rel_err(r, mu / 15.0) < 1e-15);
        assert_int_equal(sf_theory_pif_density_diffusion(NULL, p, &Vn, 1, &dn), SF_OK);
        assert_true(rel_err(dn, r / D * 1e-6) < 1e-5);
    }
    /* excitation only: the diffusion density has mass below V_r, the exact
     * one has none */
    double Vb = -65.5, db;
    assert_int_equal(sf_theory_pif_density_diffusion(NULL, &ex, &Vb, 1, &db), SF_OK);
    assert_true(db > 0);
}

static void test_pif_kick(void **state)
{
    (void)state;
    sf_theory_pif ex = {.theta = 20, .V_r = 10, .nu_e = 8000, .w_e = 0.1};
    sf_theory_pif ei = {.theta = 20, .V_r = 10, .nu_e = 8000, .w_e = 0.1, .nu_i = 2000,
                        .w_i = 0.1};
    double L = 10, s = 1e-3, e, dfs;
    /* excitation only: exact s/L; diffusion ~ s^2/(w L) for s << D/mu = w/2,
     * with relative correction O(s mu / D) = 2 s / w = 0.02 */
    assert_int_equal(sf_theory_pif_kick_response(NULL, &ex, s, &e, &dfs), SF_OK);
    assert_true(rel_err(e, s / L) < 1e-14);
    assert_true(rel_err(dfs, s * s / (0.1 * L)) < 0.03);
    assert_true(rel_err(dfs / e, s / 0.1) < 0.03);   /* ratio s/w */
    /* E+I lattice: exact s (1 - q)/L for s < w */
    double q = 0.25;
    assert_int_equal(sf_theory_pif_kick_response(NULL, &ei, s, &e, &dfs), SF_OK);
    assert_true(rel_err(e, s * (1 - q) / L) < 1e-12);
    double mu = 8000 * 0.1 - 2000 * 0.1, D = 0.5 * (8000 + 2000) * 0.01, r = mu / L;
    assert_true(rel_err(dfs, r * s * s / (2 * D)) < 2 * s * mu / D);
    /* large kicks: both integrate their density; s = L (+ more) catches all
     * mass above V_r (exact lattice: sum of P_1..P_n) */
    assert_int_equal(sf_theory_pif_kick_response(NULL, &ex, 2 * L, &e, &dfs), SF_OK);
    assert_true(fabs(e - 1) < 1e-15);
    assert_true(fabs(dfs - 1) < 1e-12);   /* the tail below V_r is e^{-L mu/D} small */
    assert_int_equal(sf_theory_pif_kick_response(NULL, &ei, 0.25, &e, NULL), SF_OK);
    double P[3];
    assert_int_equal(sf_theory_pif_lattice(NULL, &ei, 3, P), SF_OK);
    assert_true(rel_err(e, P[0] + P[1] + 0.5 * P[2]) < 1e-12);
    /* negative kicks fire nobody */
    assert_int_equal(sf_theory_pif_kick_response(NULL, &ei, -0.3, &e, &dfs), SF_OK);
    assert_true(e == 0 && dfs == 0);
}

static void test_pif_errors(void **state)
{
    (void)state;
    sf_context *ctx = ctx_new();
    double r, P[4], V = 0, d, e;
    sf_theory_pif p = {.theta = 10, .V_r = 0, .nu_e = 1, .w_e = 1, .nu_i = 0.5, .w_i = 1};
    assert_int_equal(sf_theory_pif_check(ctx, NULL), SF_ERR_ARG);
    sf_theory_pif b = p;
    b.V_r = 10;
    assert_int_equal(sf_theory_pif_rate(ctx, &b, &r), SF_ERR_ARG);
    b = p;
    b.nu_e = 0;
    assert_int_equal(sf_theory_pif_rate(ctx, &b, &r), SF_ERR_ARG);
    b = p;
    b.w_i = -1;
    assert_int_equal(sf_theory_pif_rate(ctx, &b, &r), SF_ERR_ARG);
    /* no drift */
    b = p;
    b.nu_i = 1;
    assert_int_equal(sf_theory_pif_rate(ctx, &b, &r), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "no stationary"));
    assert_int_equal(sf_theory_pif_density_diffusion(ctx, &b, &V, 1, &d), SF_ERR_RANGE);
    /* incommensurate weights: no closed form */
    b = p;
    b.w_i = 0.7;
    assert_int_equal(sf_theory_pif_density_exact(ctx, &b, &V, 1, &d), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "closed-form"));
    assert_int_equal(sf_theory_pif_kick_response(ctx, &b, 0.1, &e, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_pif_kick_response(ctx, &b, 0.1, NULL, &e), SF_OK);
    assert_int_equal(sf_theory_pif_lattice(ctx, &b, 4, P), SF_ERR_ARG);
    /* L not a whole multiple of w */
    b = p;
    b.theta = 10.5;
    assert_int_equal(sf_theory_pif_lattice(ctx, &b, 4, P), SF_ERR_ARG);
    assert_int_equal(sf_theory_pif_density_exact(ctx, &b, &V, 1, &d), SF_ERR_ARG);
    b.nu_i = 0;   /* excitation only: density fine, lattice still needs L = n w */
    assert_int_equal(sf_theory_pif_density_exact(ctx, &b, &V, 1, &d), SF_OK);
    assert_int_equal(sf_theory_pif_lattice(ctx, &b, 4, P), SF_ERR_ARG);
    assert_int_equal(sf_theory_pif_rate(ctx, &p, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_pif_lattice(ctx, &p, 4, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_pif_density_exact(ctx, &p, NULL, 1, &d), SF_ERR_ARG);
    assert_int_equal(sf_theory_pif_density_diffusion(ctx, &p, &V, 1, NULL), SF_ERR_ARG);
    assert_int_equal(sf_theory_pif_kick_response(ctx, &p, NAN, &e, NULL), SF_ERR_ARG);
    sf_context_destroy(ctx);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lyapunov_scalar),
        cmocka_unit_test(test_lyapunov_random),
        cmocka_unit_test(test_lyapunov_errors),
        cmocka_unit_test(test_ou_scalar),
        cmocka_unit_test(test_ou_spectrum_integral),
        cmocka_unit_test(test_ou_time_domain),
        cmocka_unit_test(test_output_noise_split),
        cmocka_unit_test(test_linear_errors),
        cmocka_unit_test(test_hawkes_single),
        cmocka_unit_test(test_hawkes_population),
        cmocka_unit_test(test_hawkes_reduction),
        cmocka_unit_test(test_hawkes_time_domain),
        cmocka_unit_test(test_hawkes_errors),
        cmocka_unit_test(test_binary_single),
        cmocka_unit_test(test_binary_ordering),
        cmocka_unit_test(test_binary_tracking_limit),
        cmocka_unit_test(test_binary_mapping),
        cmocka_unit_test(test_binary_solver_spiral),
        cmocka_unit_test(test_binary_solver_node),
        cmocka_unit_test(test_binary_solver_bistable),
        cmocka_unit_test(test_binary_correlated_sigma),
        cmocka_unit_test(test_binary_errors),
        cmocka_unit_test(test_pif_lattice),
        cmocka_unit_test(test_pif_densities),
        cmocka_unit_test(test_pif_kick),
        cmocka_unit_test(test_pif_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
