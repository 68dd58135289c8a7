/* Tests of the `langevin` task (src/learning/langevin.c): the network's
 * infinite-width kernel against two-dimensional Gauss-Hermite quadrature
 * (GSL's fixed Hermite rule, exact for the degree-6 integrand), the Gibbs
 * draw of the read-out against its closed-form Gaussian conditional, the
 * sampler (Metropolis-adjusted Langevin steps of W on its marginal
 * posterior, then the read-out draw) against the exact posterior of small
 * networks by quadrature, the kernel renormalisation u of the deep linear
 * network against an independent minimisation, the eps != 0 theory (the
 * row factor M(t) to first order in eps against quadrature over w, and
 * the GP of u K_phi per instance against an independent recomputation),
 * and the runner (1 and 2
 * threads bit for bit, a stop, the key checks). Statistical tolerances: 4
 * standard errors of independent samples (the SE of a mean
 * sqrt(Var / S), of a covariance sqrt((C_ii C_jj + C_ij^2) / S) for
 * Gaussian samples).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"

#include "learning/langevin.h"
#include "learning/learning_impl.h"
#include "spikefield/learning.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* E[phi(u) phi(v)] by 2-d Gauss-Hermite: u = su xi1, v = sv (r xi1 + sqrt(1 - r^2) xi2) */
static double quad_kernel(double su2, double sv2, double c, double eps)
{
    gsl_integration_fixed_workspace *w = gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, 12, 0,
                                                                      0.5, 0, 0);
    const double *x = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
    double su = sqrt(su2), sv = sqrt(sv2), r = fmin(c / (su * sv), 1), s = 0, norm = 0;
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++) {
            double u = su * x[i], v = sv * (r * x[i] + sqrt(1 - r * r) * x[j]);
            s += wt[i] * wt[j] * (u + eps * u * u * u) * (v + eps * v * v * v);
            norm += wt[i] * wt[j];
        }
    gsl_integration_fixed_free(w);
    return s / norm;
}

static void test_kernel(void **state)
{
    (void)state;
    const double cases[][4] = {{1, 1, 0.3, 0.1}, {2.5, 0.4, -0.6, 0.3}, {1.6, 1.6, 1.6, 0.1},
                               {0.2, 3, 0.7, -0.2}, {1, 2, 0.5, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const double *c = cases[k];
        double ref = quad_kernel(c[0], c[1], c[2], c[3]);
        fail_unless_close(sf_lgv_phi_kernel(c[0], c[1], c[2], c[3]), ref, 1e-12 * fmax(1, fabs(ref)),
                          "phi kernel");
    }
}

/* symmetric positive definite n x n A (row-major) -> its inverse, in place */
static void invert(double *A, int n)
{
    gsl_matrix_view m = gsl_matrix_view_array(A, (size_t)n, (size_t)n);
    assert_int_equal(gsl_linalg_cholesky_decomp1(&m.matrix), 0);
    assert_int_equal(gsl_linalg_cholesky_invert(&m.matrix), 0);
}

/* sample mean and covariance of S samples (S x n) against m and C */
static void check_moments(const double *x, long S, int n, const double *m, const double *C, const char *what)
{
    double mean[8] = {0}, cov[64] = {0};
    for (long s = 0; s < S; s++)
        for (int i = 0; i < n; i++)
            mean[i] += x[s * n + i] / S;
    for (long s = 0; s < S; s++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cov[i * n + j] += (x[s * n + i] - mean[i]) * (x[s * n + j] - mean[j]) / (S - 1);
    for (int i = 0; i < n; i++) {
        fail_unless_close(mean[i], m[i], 4 * sqrt(C[i * n + i] / S), what);
        for (int j = 0; j < n; j++)
            fail_unless_close(cov[i * n + j], C[i * n + j],
                              4 * sqrt((C[i * n + i] * C[j * n + j] + C[i * n + j] * C[i * n + j]) / S), what);
    }
}

/* Given W, a ~ N(A^-1 Phi^T y / T, A^-1), A = Phi^T Phi / T + 1 / var_a. */
static void test_readout(void **state)
{
    (void)state;
    enum { P = 5, D = 3, N = 4 };
    const double eps = 0.3, T = 0.5, va = 0.7, vw = 1.3;
    double X[P * D], y[P];
    sf_rng r;
    sf_rng_init(&r, 7, SF_RNG_LEARN, 99);
    for (int i = 0; i < P * D; i++)
        X[i] = sf_rng_normal(&r);
    for (int i = 0; i < P; i++)
        y[i] = sf_rng_normal(&r);
    sf_lgv *g = sf_lgv_create(P, D, N);
    assert_non_null(g);
    sf_lgv_setup(g, P, X, y, eps, T, va, vw, 0.01);
    sf_lgv_init(g, &r);
    const double *W = sf_lgv_weights(g);
    double Phi[P * N], A[N * N] = {0}, b[N] = {0}, m[N] = {0};
    for (int mu = 0; mu < P; mu++)
        for (int i = 0; i < N; i++) {
            double h = 0;
            for (int k = 0; k < D; k++)
                h += X[mu * D + k] * W[i * D + k];
            Phi[mu * N + i] = (h + eps * h * h * h) / sqrt(N);
        }
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++)
            for (int mu = 0; mu < P; mu++)
                A[i * N + j] += Phi[mu * N + i] * Phi[mu * N + j] / T;
        A[i * N + i] += 1 / va;
        for (int mu = 0; mu < P; mu++)
            b[i] += Phi[mu * N + i] * y[mu] / T;
    }
    invert(A, N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m[i] += A[i * N + j] * b[j];
    const long S = 40000;
    double *x = malloc(sizeof(double) * S * N);
    sf_rng ra;
    sf_rng_init(&ra, 7, SF_RNG_LEARN, 100);
    for (long s = 0; s < S; s++) {
        assert_int_equal(sf_lgv_sample_readout(g, &ra), 0);
        memcpy(x + s * N, sf_lgv_readout(g), sizeof(double) * N);
    }
    check_moments(x, S, N, m, A, "read-out conditional");
    free(x);
    sf_lgv_destroy(g);
}

/* The whole sampler against the exact posterior, by quadrature, for
 * networks with N D = 2 weights (N = 1, D = 2 at eps = 0 and 0.3; N = 2,
 * D = 1 at eps = 0.3) and P = 4 points. With Phi = phi(X W^T) / sqrt N
 * (P x N), the read-out integrates out in closed form (here through the
 * N x N precision A = Phi^T Phi / T + 1/var_a, not the P x P covariance
 * the sampler uses):
 *     p(W) ~ exp(-|W|^2 / (2 var_w)) det(A)^-1/2 exp(beta^T A^-1 beta / 2),
 * beta = Phi^T y / T, and given W, a ~ N(A^-1 beta, A^-1), so the output
 * f_t = phi_t . a at a test point is Gaussian with mean phi_t^T A^-1 beta
 * and variance phi_t^T A^-1 phi_t. The reference moments of
 * (W_0^2, W_1^2, W_0 W_1, f_t, f_t^2), and their variances for the SE, are
 * integrals over W on a 241 x 241 trapezoidal grid over +-7 prior SDs
 * (the integrand is smooth and decays as a Gaussian: the rule's error is
 * far below the SE). T = 0.1. The chains: 4000 independent ones from the
 * prior, 30 var_w long, at a step (h = 0.1) where the same chain without
 * the acceptance test (every proposal accepted) misses the largest of the
 * five moments by 22.7, 30.3 and 10.0 SE in the three cases (checked by
 * disabling the test in langevin.c); with it, |z| <= 1.6. */
enum { QP = 4, QM = 5 };
static void phis(const double *X, const double *W, int N, int D, double eps, int mu, double *ph)
{
    for (int i = 0; i < N; i++) {
        double h = 0;
        for (int k = 0; k < D; k++)
            h += X[mu * D + k] * W[i * D + k];
        ph[i] = (h + eps * h * h * h) / sqrt(N);
    }
}

static void quad_moments(int N, int D, const double *X, const double *y, const double *xt, double eps, double T,
                         double va, double vw, double *mean, double *var)
{
    const int n = 241;
    const double R = 7 * sqrt(vw), dw = 2 * R / (n - 1);
    double z = 0, s1[QM] = {0}, s2[QM] = {0}, lmax = -INFINITY;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double W[2] = {-R + i * dw, -R + j * dw}, A[4] = {1 / va, 0, 0, 1 / va}, be[2] = {0, 0};
                for (int mu = 0; mu < QP; mu++) {
                    double ph[2];
                    phis(X, W, N, D, eps, mu, ph);
                    for (int a = 0; a < N; a++) {
                        be[a] += ph[a] * y[mu] / T;
                        for (int b = 0; b < N; b++)
                            A[a * 2 + b] += ph[a] * ph[b] / T;
                    }
                }
                double det = N == 1 ? A[0] : A[0] * A[3] - A[1] * A[2];
                double Ai[4] = {N == 1 ? 1 / A[0] : A[3] / det, -A[1] / det, -A[2] / det, A[0] / det};
                double ma[2] = {Ai[0] * be[0] + (N == 2 ? Ai[1] * be[1] : 0),
                                N == 2 ? Ai[2] * be[0] + Ai[3] * be[1] : 0};
                double lp = -(W[0] * W[0] + W[1] * W[1]) / (2 * vw) - 0.5 * log(det) +
                            0.5 * (ma[0] * be[0] + (N == 2 ? ma[1] * be[1] : 0));
                if (pass == 0) {
                    lmax = fmax(lmax, lp);
                    continue;
                }
                double p = exp(lp - lmax), pt[2];
                phis(xt, W, N, D, eps, 0, pt);
                double m = pt[0] * ma[0] + (N == 2 ? pt[1] * ma[1] : 0);
                double v = N == 1 ? pt[0] * pt[0] * Ai[0]
                                  : pt[0] * pt[0] * Ai[0] + 2 * pt[0] * pt[1] * Ai[1] + pt[1] * pt[1] * Ai[3];
                double q1[QM] = {W[0] * W[0], W[1] * W[1], W[0] * W[1], m, m * m + v};
                double q2[QM] = {pow(W[0], 4), pow(W[1], 4), W[0] * W[0] * W[1] * W[1], m * m + v,
                                 m * m * m * m + 6 * m * m * v + 3 * v * v};
                z += p;
                for (int k = 0; k < QM; k++)
                    s1[k] += p * q1[k], s2[k] += p * q2[k];
            }
    for (int k = 0; k < QM; k++)
        mean[k] = s1[k] / z, var[k] = s2[k] / z - mean[k] * mean[k];
}

static void check_exact(int N, int D, double eps, uint64_t seed)
{
    const double T = 0.1, va = 1.0, vw = 1.0, h = 0.1;
    double X[QP * 2], y[QP], xt[2];
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_LEARN, 5);
    for (int i = 0; i < QP * D; i++)
        X[i] = sf_rng_normal(&r);
    for (int i = 0; i < QP; i++)
        y[i] = sf_rng_normal(&r);
    for (int i = 0; i < D; i++)
        xt[i] = sf_rng_normal(&r);
    double mean[QM], var[QM];
    quad_moments(N, D, X, y, xt, eps, T, va, vw, mean, var);
    sf_lgv *g = sf_lgv_create(QP, D, N);
    assert_non_null(g);
    sf_lgv_setup(g, QP, X, y, eps, T, va, vw, h);
    const long S = 4000;
    const int steps = (int)ceil(30 / (h / vw));
    double sum[QM] = {0}, work[2];
    long acc = 0;
    for (long k = 0; k < S; k++) {
        sf_rng ri, ra;
        sf_rng_init(&ri, seed, SF_RNG_LEARN, 2000000 + (uint64_t)k);
        sf_rng_init(&ra, seed, SF_RNG_LEARN, 3000000 + (uint64_t)k);
        sf_lgv_init(g, &ri);
        for (int t = 0; t < steps; t++) {
            int rc = sf_lgv_step_weights(g, seed, (uint64_t)k, (uint64_t)t * 2, &ra);
            assert_true(rc == 0 || rc == 1);
            acc += rc;
        }
        assert_int_equal(sf_lgv_sample_readout(g, &ra), 0); /* (W, a) a joint sample */
        const double *W = sf_lgv_weights(g);
        double f;
        sf_lgv_predict(g, 1, xt, &f, work);
        double q[QM] = {W[0] * W[0], W[1] * W[1], W[0] * W[1], f, f * f};
        for (int i = 0; i < QM; i++)
            sum[i] += q[i] / S;
    }
    double rate = (double)acc / ((double)S * steps);
    print_message("N = %d, D = %d, eps = %g: acceptance %.3f at h = %g\n", N, D, eps, rate, h);
    const char *names[QM] = {"E W0^2", "E W1^2", "E W0 W1", "E f(x_t)", "E f(x_t)^2"};
    for (int i = 0; i < QM; i++) {
        print_message("  %s: chains %.4f, quadrature %.4f +- %.4f\n", names[i], sum[i], mean[i], sqrt(var[i] / S));
        fail_unless_close(sum[i], mean[i], 4 * sqrt(var[i] / S), names[i]);
    }
    assert_true(rate > 0.2 && rate < 1);
    sf_lgv_destroy(g);
}

static void test_langevin_exact(void **state)
{
    (void)state;
    check_exact(1, 2, 0, 13);
    check_exact(1, 2, 0.3, 13);
    check_exact(2, 1, 0.3, 17);
}

/* The renormalisation u against an independent computation: S(u) with
 * the matrices themselves (GSL Cholesky of u K0 + T, no eigenvectors),
 * minimised by a golden-section search, and the saddle equation
 * N (1 - 1/u) = y^T G K0 G y - tr(G K0), G = (u K0 + T)^-1, checked with
 * explicit matrix products; for a signal (u > 1) and for pure noise
 * targets (u < 1). */
static double S_direct(int P, int N, double T, const double *K0, const double *y, double u, double *dres)
{
    gsl_matrix *C = gsl_matrix_alloc((size_t)P, (size_t)P);
    gsl_vector *al = gsl_vector_alloc((size_t)P);
    for (int i = 0; i < P; i++) {
        for (int j = 0; j < P; j++)
            gsl_matrix_set(C, (size_t)i, (size_t)j, u * K0[i * P + j] + (i == j) * T);
        gsl_vector_set(al, (size_t)i, y[i]);
    }
    assert_int_equal(gsl_linalg_cholesky_decomp1(C), 0);
    double ld = 0, q = 0;
    for (int i = 0; i < P; i++)
        ld += 2 * log(gsl_matrix_get(C, (size_t)i, (size_t)i));
    gsl_linalg_cholesky_svx(C, al);
    for (int i = 0; i < P; i++)
        q += y[i] * gsl_vector_get(al, (size_t)i);
    if (dres) {
        gsl_linalg_cholesky_invert(C); /* C = G */
        double quad = 0, tr = 0;
        for (int i = 0; i < P; i++)
            for (int j = 0; j < P; j++) {
                tr += gsl_matrix_get(C, (size_t)i, (size_t)j) * K0[j * P + i];
                quad += gsl_vector_get(al, (size_t)i) * K0[i * P + j] * gsl_vector_get(al, (size_t)j);
            }
        *dres = N * (1 - 1 / u) - (quad - tr);
    }
    gsl_matrix_free(C), gsl_vector_free(al);
    return N * (u - log(u)) / 2 + ld / 2 + q / 2;
}

static void test_renorm(void **state)
{
    (void)state;
    enum { P = 7, D = 4 };
    const int N = 5;
    const double T = 0.2;
    double X[P * D], y[P], K0[P * P];
    sf_rng r;
    sf_rng_init(&r, 19, SF_RNG_LEARN, 1);
    for (int i = 0; i < P * D; i++)
        X[i] = sf_rng_normal(&r);
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++) {
            K0[i * P + j] = 0;
            for (int k = 0; k < D; k++)
                K0[i * P + j] += 0.7 * X[i * D + k] * X[j * D + k];
        }
    for (int pass = 0; pass < 2; pass++) {
        /* a signal y = X w, then pure noise */
        for (int i = 0; i < P; i++) {
            y[i] = pass ? 0.3 * sf_rng_normal(&r) : 2 * X[i * D] - X[i * D + 1];
        }
        /* the eigen-decomposition by GSL */
        gsl_matrix *A = gsl_matrix_alloc(P, P), *V = gsl_matrix_alloc(P, P);
        gsl_vector *ev = gsl_vector_alloc(P);
        gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(P);
        for (int i = 0; i < P * P; i++)
            A->data[i] = K0[i];
        gsl_eigen_symmv(A, ev, V, w);
        double k[P], yt[P];
        for (int i = 0; i < P; i++) {
            k[i] = gsl_vector_get(ev, (size_t)i), yt[i] = 0;
            for (int j = 0; j < P; j++)
                yt[i] += gsl_matrix_get(V, (size_t)j, (size_t)i) * y[j];
        }
        gsl_eigen_symmv_free(w), gsl_matrix_free(A), gsl_matrix_free(V), gsl_vector_free(ev);
        double u = sf_lgv_renorm_u(P, N, T, k, yt);
        /* golden section on log u over [1e-3, 1e3] (S has one minimum here) */
        double a = log(1e-3), b = log(1e3), gr = (sqrt(5) - 1) / 2;
        for (int it = 0; it < 200; it++) {
            double c = b - gr * (b - a), d = a + gr * (b - a);
            if (S_direct(P, N, T, K0, y, exp(c), NULL) < S_direct(P, N, T, K0, y, exp(d), NULL))
                b = d;
            else
                a = c;
        }
        double ug = exp(0.5 * (a + b)), res;
        S_direct(P, N, T, K0, y, u, &res);
        print_message("%s: u = %.6f (golden section %.6f), saddle residual %.2e\n", pass ? "noise" : "signal", u,
                      ug, res);
        fail_unless_close(u, ug, 1e-6 * ug, "u against the golden-section minimum");
        fail_unless_close(res, 0, 1e-8 * N, "the saddle equation");
        assert_true(pass ? u < 1 : u > 1);
    }
}

/* The step of the finite-width theory at eps != 0 (docs/learning.md): with
 * the read-out integrated out, a hidden row contributes
 * M(t) = log E_w exp(-(var_a / 2N) (t . phi(X w))^2). Checked here by
 * two-dimensional Gauss-Hermite quadrature over w (D = 2, P = 3, N = 4):
 * M at eps = 0 equals -log(1 + q) / 2, q = t^T K0 t / N, and the
 * first-order coefficient dM/deps at eps = 0 (the tilted expectation
 * -var_a/N E'[(t . h)(t . h^3)], computed here by quadrature, and by a
 * central difference of M itself) equals the closed form
 *     -3 (var_a/N) sum_mu t_mu (C t)_mu C'_mu,mu / (1 + q),
 * C = var_w X X^T, C' = C - (var_a/N) C t t^T C / (1 + q) (Isserlis under
 * the tilted Gaussian). Its large-N part, C'_mu,mu -> C_mu,mu, is the
 * O(eps) term -(eps/2N) t^T K1 t / (1 + q) of the theory. */
static void test_row_first_order(void **state)
{
    (void)state;
    enum { P = 3, D = 2, NQ = 60 };
    const double va = 1.3, vw = 0.8, beta = va / 4;
    double X[P * D], t[P], C[P * P], Ct[P];
    sf_rng r;
    sf_rng_init(&r, 31, SF_RNG_LEARN, 2);
    for (int i = 0; i < P * D; i++)
        X[i] = sf_rng_normal(&r);
    for (int i = 0; i < P; i++)
        t[i] = 0.8 * sf_rng_normal(&r);
    double tCt = 0;
    for (int i = 0; i < P; i++) {
        Ct[i] = 0;
        for (int j = 0; j < P; j++) {
            C[i * P + j] = vw * (X[i * D] * X[j * D] + X[i * D + 1] * X[j * D + 1]);
            Ct[i] += C[i * P + j] * t[j];
        }
        tCt += t[i] * Ct[i];
    }
    double q = beta * tCt, m1 = 0;
    for (int i = 0; i < P; i++)
        m1 += t[i] * Ct[i] * (C[i * P + i] - beta * Ct[i] * Ct[i] / (1 + q));
    m1 *= -3 * beta / (1 + q);
    gsl_integration_fixed_workspace *w = gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, NQ, 0, 0.5, 0, 0);
    const double *x = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
    double Mv[3], z0 = 0, z1 = 0, norm = 0, de = 1e-5;
    for (int e = 0; e < 3; e++) {
        double eps = (e - 1) * de, z = 0;
        for (int i = 0; i < NQ; i++)
            for (int j = 0; j < NQ; j++) {
                double w0 = sqrt(vw) * x[i], w1 = sqrt(vw) * x[j], s = 0, s1 = 0, s3 = 0;
                for (int mu = 0; mu < P; mu++) {
                    double h = X[mu * D] * w0 + X[mu * D + 1] * w1;
                    s += t[mu] * (h + eps * h * h * h), s1 += t[mu] * h, s3 += t[mu] * h * h * h;
                }
                double ww = wt[i] * wt[j], g = exp(-0.5 * beta * s * s);
                z += ww * g;
                if (e == 1)
                    z0 += ww * g, z1 += ww * g * (-beta * s1 * s3), norm += ww;
            }
        Mv[e] = z;
    }
    gsl_integration_fixed_free(w);
    for (int e = 0; e < 3; e++)
        Mv[e] = log(Mv[e] / norm);
    double tilt = z1 / z0, fd = (Mv[2] - Mv[0]) / (2 * de);
    print_message("M(0) = %.12f (closed form %.12f); dM/deps: tilted quadrature %.10f, difference %.10f, "
                  "closed form %.10f\n", Mv[1], -0.5 * log(1 + q), tilt, fd, m1);
    fail_unless_close(Mv[1], -0.5 * log(1 + q), 1e-11, "M at eps = 0");
    fail_unless_close(tilt, m1, 1e-9 * fabs(m1), "the tilted expectation");
    fail_unless_close(fd, m1, 1e-6 * fabs(m1), "dM/deps by a central difference");
}

/* The finite-width theory at eps != 0 (kernel scaling: the GP of u K_phi,
 * u the minimum of S(u) with K_phi in place of K0), per instance, against
 * an independent computation here: the instance's data redrawn from its
 * streams, K_phi by Gauss-Hermite quadrature (quad_kernel), u by a
 * golden-section search of S(u) with explicit matrices (S_direct), and the
 * test mean error and posterior variance of the GP of u K_phi by GSL
 * Cholesky solves. */
static double dot6(const double *p, const double *q)
{
    double s = 0;
    for (int k = 0; k < 6; k++)
        s += p[k] * q[k];
    return s;
}

static void test_renorm_nonlinear(void **state)
{
    (void)state;
    enum { D = 6, P = 10, NT = 40 };
    const int N = 4;
    const double eps = 0.2, T = 0.1, va = 1.2, vw = 0.9, a = 2, b = 1.5;
    const uint64_t seed = 5;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    const char *spec = "simulation: {seed: 5}\n"
                       "learning: {task: langevin, seeds: 1, modes: 6, a: 2, b: 1.5, P: [10], width: [4], "
                       "eps: [0.2], temperature: 0.1, var_a: 1.2, var_w: 0.9, test: 40, burn: 0, time: 0.5}\n";
    if (sf_model_load_string(ctx, spec, "lgv.yaml", NULL, 0, &m) != SF_OK)
        fail_msg("load: %s", sf_context_errmsg(ctx));
    sf_quantities *qs = NULL;
    sf_learning_options o = {.threads = 1};
    assert_int_equal(sf_learning_run(ctx, m, &o, &qs, NULL), SF_OK);
    double wv[D], X[P * D], y[P], Xt[NT * D], yt[NT];
    sf_rng lab;
    sf_rng_init(&lab, seed, SF_RNG_LEARN, sf_learn_entity(0, SF_LS_LABELS));
    for (int k = 0; k < D; k++)
        wv[k] = pow(k + 1, -0.5 * a) * ((sf_rng_u32(&lab) & 1) ? 1 : -1);
    for (int s = 0; s < 2; s++) {
        int n = s ? NT : P;
        double *xs = s ? Xt : X, *ys = s ? yt : y;
        for (int i = 0; i < n; i++) {
            double *xi = xs + i * D;
            sf_rng_normals_blocks(seed, SF_RNG_LEARN, sf_learn_entity(0, s ? SF_LS_TEST : SF_LS_PATTERNS),
                                  (uint64_t)i * D, D, xi);
            ys[i] = 0;
            for (int k = 0; k < D; k++)
                ys[i] += wv[k] * xi[k], xi[k] *= pow(k + 1, -0.5 * b);
        }
    }
#define KPHI(p, q)                                                                                          \
    (va * quad_kernel(vw * dot6(p, p), vw * dot6(q, q), vw * dot6(p, q), eps))
    double K[P * P];
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            K[i * P + j] = KPHI(X + i * D, X + j * D);
    double lo = log(1e-3), hi = log(1e3), gr = (sqrt(5) - 1) / 2;
    for (int it = 0; it < 200; it++) {
        double c = hi - gr * (hi - lo), d = lo + gr * (hi - lo);
        if (S_direct(P, N, T, K, y, exp(c), NULL) < S_direct(P, N, T, K, y, exp(d), NULL))
            hi = d;
        else
            lo = c;
    }
    double u = exp(0.5 * (lo + hi)), em = 0, vm = 0;
    gsl_matrix *G = gsl_matrix_alloc(P, P);
    gsl_vector *al = gsl_vector_alloc(P), *kx = gsl_vector_alloc(P), *sol = gsl_vector_alloc(P);
    for (int i = 0; i < P; i++) {
        for (int j = 0; j < P; j++)
            gsl_matrix_set(G, (size_t)i, (size_t)j, u * K[i * P + j] + (i == j) * T);
        gsl_vector_set(al, (size_t)i, y[i]);
    }
    assert_int_equal(gsl_linalg_cholesky_decomp1(G), 0);
    gsl_linalg_cholesky_svx(G, al);
    for (int tt = 0; tt < NT; tt++) {
        const double *xt = Xt + tt * D;
        double f = 0, kk = 0;
        for (int i = 0; i < P; i++) {
            double k = u * KPHI(xt, X + i * D);
            gsl_vector_set(kx, (size_t)i, k), f += k * gsl_vector_get(al, (size_t)i);
        }
        gsl_linalg_cholesky_solve(G, kx, sol);
        for (int i = 0; i < P; i++)
            kk += gsl_vector_get(kx, (size_t)i) * gsl_vector_get(sol, (size_t)i);
        em += (f - yt[tt]) * (f - yt[tt]) / NT, vm += (u * KPHI(xt, xt) - kk) / NT;
    }
#undef KPHI
    gsl_matrix_free(G), gsl_vector_free(al), gsl_vector_free(kx), gsl_vector_free(sol);
    const char *tag = "[eps=0.2,N=4,P=10]";
    char nm[64];
#define GET(name) (snprintf(nm, sizeof nm, "%s%s", name, tag), sf_quantity_values(qs, (size_t)sf_quantities_find(qs, nm, -1, -1))[0])
    double uc = GET("u"), emc = GET("E_mean_rk"), eec = GET("E_ens_rk"), egp = GET("E_ens_gp");
    double res = GET("res_ens"), eens = GET("E_ens"), drk = GET("dev_ens_rk");
#undef GET
    print_message("u = %.8f (direct %.8f), E_mean_rk = %.8f (%.8f), E_ens_rk = %.8f (%.8f)\n", uc, u, emc, em, eec,
                  em + vm);
    assert_true(u < 0.999 || u > 1.001); /* a finite-width effect to check */
    fail_unless_close(uc, u, 1e-6 * u, "u at eps != 0");
    fail_unless_close(emc, em, 1e-6 * em, "E_mean_rk at eps != 0");
    fail_unless_close(eec, em + vm, 1e-6 * (em + vm), "E_ens_rk at eps != 0");
    fail_unless_close(res, (eens - eec) / egp, 1e-12, "res_ens");
    fail_unless_close(drk, (eec - egp) / egp, 1e-12, "dev_ens_rk");
    sf_quantities_destroy(qs);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
}

/* predict's data-averaged u (the self-consistent averages in the saddle
 * equation) against the average of the exact per-data-set u over 400 data
 * sets drawn here (x = Lambda^1/2 z, lambda_k = k^-2, y = sum_k k^-1 s_k z_k
 * with random signs, D = 32, T = 0.1, var_a = var_w = 1), each u from the
 * eigen-decomposition of K0 by GSL and sf_lgv_renorm_u (itself checked
 * against a direct minimisation above). Tolerance: 4 SE of that average
 * (the deterministic equivalent's own finite-P error was below 1.5 SE of
 * 400 data sets at these and two other sizes in a NumPy check). */
static void test_renorm_average(void **state)
{
    (void)state;
    enum { D = 32, S = 400 };
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    const char *spec = "learning: {task: langevin, modes: 32, a: 2, b: 2, temperature: 0.1, P: [32, 64], "
                       "width: [16, 64], eps: [0]}\n";
    if (sf_model_load_string(ctx, spec, "lgv.yaml", NULL, 0, &m) != SF_OK)
        fail_msg("load: %s", sf_context_errmsg(ctx));
    sf_quantities *p = NULL;
    assert_int_equal(sf_learning_predict(ctx, m, &p), SF_OK);
    const int cases[][2] = {{16, 64}, {64, 32}};
    sf_rng r;
    sf_rng_init(&r, 23, SF_RNG_LEARN, 1);
    for (int c = 0; c < 2; c++) {
        int N = cases[c][0], P = cases[c][1];
        char name[64];
        snprintf(name, sizeof name, "u[eps=0,N=%d,P=%d]", N, P);
        long iq = sf_quantities_find(p, name, -1, -1);
        assert_true(iq >= 0);
        double upred = sf_quantity_values(p, (size_t)iq)[0], s1 = 0, s2 = 0;
        gsl_matrix *A = gsl_matrix_alloc((size_t)P, (size_t)P), *V = gsl_matrix_alloc((size_t)P, (size_t)P);
        gsl_vector *ev = gsl_vector_alloc((size_t)P);
        gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)P);
        double *X = malloc(sizeof(double) * (size_t)P * D), *y = malloc(sizeof(double) * (size_t)P);
        double *k = malloc(sizeof(double) * (size_t)P), *yt = malloc(sizeof(double) * (size_t)P);
        for (int set = 0; set < S; set++) {
            double sg[D];
            for (int j = 0; j < D; j++)
                sg[j] = (sf_rng_uniform(&r) < 0.5 ? -1.0 : 1.0) / (j + 1);
            for (int i = 0; i < P; i++) {
                y[i] = 0;
                for (int j = 0; j < D; j++) {
                    double z = sf_rng_normal(&r);
                    y[i] += sg[j] * z, X[i * D + j] = z / (j + 1);
                }
            }
            for (int i = 0; i < P; i++)
                for (int j = 0; j < P; j++) {
                    double d = 0;
                    for (int l = 0; l < D; l++)
                        d += X[i * D + l] * X[j * D + l];
                    gsl_matrix_set(A, (size_t)i, (size_t)j, d);
                }
            gsl_eigen_symmv(A, ev, V, w);
            for (int i = 0; i < P; i++) {
                k[i] = gsl_vector_get(ev, (size_t)i), yt[i] = 0;
                for (int j = 0; j < P; j++)
                    yt[i] += gsl_matrix_get(V, (size_t)j, (size_t)i) * y[j];
            }
            double u = sf_lgv_renorm_u(P, N, 0.1, k, yt);
            s1 += u / S, s2 += u * u / S;
        }
        double se = sqrt((s2 - s1 * s1) / (S - 1));
        print_message("N = %d, P = %d: predict u = %.5f, average of the exact u = %.5f +- %.5f\n", N, P, upred, s1,
                      se);
        fail_unless_close(upred, s1, 4 * se, "data-averaged u");
        free(X), free(y), free(k), free(yt);
        gsl_eigen_symmv_free(w), gsl_matrix_free(A), gsl_matrix_free(V), gsl_vector_free(ev);
    }
    sf_quantities_destroy(p);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
}

static const char *small =
    "simulation: {seed: 3}\n"
    "learning: {task: langevin, seeds: 3, modes: 8, P: [6, 12], width: [8], eps: [0, 0.1], time: 2, "
    "burn: 0.5, test: 50}\n";

static void test_runner(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    if (sf_model_load_string(ctx, small, "lgv.yaml", NULL, 0, &m) != SF_OK)
        fail_msg("load: %s", sf_context_errmsg(ctx));
    assert_string_equal(sf_learning_task(m), "langevin");
    sf_quantities *a = NULL, *b = NULL, *c = NULL, *p = NULL;
    sf_learning_options o1 = {.threads = 1}, o2 = {.threads = 2};
    assert_int_equal(sf_learning_run(ctx, m, &o1, &a, NULL), SF_OK);
    assert_int_equal(sf_learning_run(ctx, m, &o2, &b, NULL), SF_OK);
    assert_int_equal(sf_quantities_count(a), 2 * 2 * 15);
    for (size_t i = 0; i < sf_quantities_count(a); i++) {
        /* every value exists, the finite-width theory's at eps != 0 too */
        assert_true(isfinite(sf_quantity_values(a, i)[0]));
        assert_memory_equal(sf_quantity_values(a, i), sf_quantity_values(b, i), sizeof(double));
    }
    volatile int stop = 1;
    sf_learning_options o3 = {.stop = &stop};
    bool intr = false;
    assert_int_equal(sf_learning_run(ctx, m, &o3, &c, &intr), SF_OK);
    assert_true(intr);
    /* eps = 0: the self-consistent curve is predicted; eps != 0 only the
     * deviations (0) */
    assert_int_equal(sf_learning_predict(ctx, m, &p), SF_OK);
    assert_true(sf_quantities_find(p, "E_ens[eps=0,N=8,P=12]", -1, -1) >= 0);
    assert_true(sf_quantities_find(p, "E_ens[eps=0.1,N=8,P=12]", -1, -1) < 0);
    assert_true(sf_quantities_find(p, "dev_ens[eps=0.1,N=8,P=12]", -1, -1) >= 0);
    assert_true(sf_quantities_find(p, "res_ens[eps=0,N=8,P=12]", -1, -1) >= 0);
    assert_true(sf_quantities_find(p, "res_ens[eps=0.1,N=8,P=12]", -1, -1) >= 0);
    assert_true(sf_quantities_find(p, "u[eps=0.1,N=8,P=12]", -1, -1) < 0);
    sf_quantities_destroy(a), sf_quantities_destroy(b), sf_quantities_destroy(c), sf_quantities_destroy(p);
    sf_model_destroy(m);
    const char *bad[] = {"learning: {task: langevin, P: [20, 10]}\n", "learning: {task: langevin, width: [8.5]}\n",
                         "learning: {task: langevin, dt: 3}\n"};
    const char *msg[] = {"increasing", "whole numbers", "out of range"};
    for (int k = 0; k < 3; k++) {
        sf_model *x = NULL;
        assert_int_not_equal(sf_model_load_string(ctx, bad[k], "lgv.yaml", NULL, 0, &x), SF_OK);
        if (!strstr(sf_context_errmsg(ctx), msg[k]))
            fail_msg("expected '%s' in: %s", msg[k], sf_context_errmsg(ctx));
    }
    sf_context_destroy(ctx);
}

/* libopenblas has no header for it (Debian's build). */
void openblas_set_num_threads(int num_threads);

int main(void)
{
    /* As sf_context_create does for the library: the tests that call the
     * sampler without a context would otherwise run OpenBLAS's own threads
     * on these small matrices, which spin and, under ASan, made this
     * program take over 10 minutes of wall time. */
    openblas_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel),
        cmocka_unit_test(test_readout),
        cmocka_unit_test(test_langevin_exact),
        cmocka_unit_test(test_renorm),
        cmocka_unit_test(test_renorm_average),
        cmocka_unit_test(test_row_first_order),
        cmocka_unit_test(test_renorm_nonlinear),
        cmocka_unit_test(test_runner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
