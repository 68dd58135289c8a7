/* Unit tests of the linear-response kernel (src/theory/linear/kernel.c) and
 * of the small dense solver under it (src/core/linalg.c).
 *
 * References are independent of the code under test: 2 x 2 inverses and
 * determinants written out by hand, the one-population closed form
 * C = D / |1 - w|^2, and identities checked with plain matrix products in
 * this file ((1 - M) C (1 - M)^H = D, A X = B, Hermitian C) on matrices from
 * a fixed-seed generator. Tolerances: the systems are well conditioned
 * (condition numbers below ~1e2, printed by none), so backward errors of a
 * pivoted LU are a few ulps times n; 1e-12 leaves a margin of ~1e3.
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

#include "core/linalg.h"
#include "theory/linear/kernel.h"

/* Deterministic pseudo-random numbers in [-0.5, 0.5) (LCG). */
static double lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

static double complex zrand(uint64_t *s)
{
    double re = lcg(s);
    return re + I * lcg(s);
}

static double max_abs(size_t n, const double complex *x)
{
    double m = 0;
    for (size_t i = 0; i < n; ++i)
        m = fmax(m, cabs(x[i]));
    return m;
}

/* C = A B for n x n complex (reference product). */
static void zmul(size_t n, const double complex *A, const double complex *B, double complex *C)
{
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            double complex s = 0;
            for (size_t c = 0; c < n; ++c)
                s += A[a * n + c] * B[c * n + b];
            C[a * n + b] = s;
        }
}

/* ------------------------------------------------------------------------
 * The solver. */

static void test_solve_2x2_by_hand(void **state)
{
    (void)state;
    /* A^-1 = [[d, -b], [-c, a]] / (a d - b c) */
    const double complex a = 2 - 1 * I, b = 0.5 + 3 * I, c = -1 + 0.25 * I, d = 4 + 2 * I;
    const double complex det = a * d - b * c;
    double complex A[4] = {a, b, c, d}, X[4] = {1, 0, 0, 1};
    const double complex ref[4] = {d / det, -b / det, -c / det, a / det};
    int piv[2];
    assert_int_equal(sf_linalg_lu(2, A, piv), 0);
    assert_true(cabs(sf_linalg_lu_det(2, A, piv) - det) <= 1e-14 * cabs(det));
    sf_linalg_lu_solve(2, A, piv, X, 2);
    for (int i = 0; i < 4; ++i)
        assert_true(cabs(X[i] - ref[i]) <= 1e-15 * max_abs(4, ref) * 4);

    /* a zero leading entry needs the row exchange: [[0, 1], [1, 0]] x = (2, 3)
     * gives x = (3, 2) exactly, and det = -1 */
    double complex P[4] = {0, 1, 1, 0}, y[2] = {2, 3};
    assert_int_equal(sf_linalg_solve(NULL, 2, P, y, 1, piv), SF_OK);
    assert_true(y[0] == 3 && y[1] == 2);
    assert_true(sf_linalg_lu_det(2, P, piv) == -1);

    /* a tiny leading pivot: without pivoting x2 would be lost to rounding.
     * [[e, 1], [1, 1]] x = (1, 2): x1 = 1/(1 - e), x2 = (1 - 2e)/(1 - e). */
    const double e = 1e-20;
    double complex T[4] = {e, 1, 1, 1}, z[2] = {1, 2};
    assert_int_equal(sf_linalg_solve(NULL, 2, T, z, 1, piv), SF_OK);
    assert_true(cabs(z[0] - 1 / (1 - e)) <= 1e-15);
    assert_true(cabs(z[1] - (1 - 2 * e) / (1 - e)) <= 1e-15);
}

static void test_solve_random(void **state)
{
    (void)state;
    enum { N = 5, R = 3 };
    uint64_t seed = 42;
    double complex A[N * N], LU[N * N], B[N * R], X[N * R];
    for (int i = 0; i < N * N; ++i)
        A[i] = zrand(&seed) + (i % (N + 1) == 0 ? 2.0 : 0.0); /* diagonally weighted */
    for (int i = 0; i < N * R; ++i)
        B[i] = X[i] = zrand(&seed);
    memcpy(LU, A, sizeof A);
    int piv[N];
    assert_int_equal(sf_linalg_solve(NULL, N, LU, X, R, piv), SF_OK);
    /* residual A X - B */
    for (int a = 0; a < N; ++a)
        for (int r = 0; r < R; ++r) {
            double complex s = -B[a * R + r];
            for (int c = 0; c < N; ++c)
                s += A[a * N + c] * X[c * R + r];
            assert_true(cabs(s) <= 1e-13);
        }
}

static void test_solve_real(void **state)
{
    (void)state;
    /* integer system with solution (1, -2, 3), exactly representable */
    const double A[9] = {2, 1, -1, -3, -1, 2, -2, 1, 2};
    const double x[3] = {1, -2, 3};
    double B[3];
    for (int a = 0; a < 3; ++a)
        B[a] = A[a * 3] * x[0] + A[a * 3 + 1] * x[1] + A[a * 3 + 2] * x[2];
    double complex scratch[3 * 4];
    int piv[3];
    assert_int_equal(sf_linalg_solve_real(NULL, 3, A, B, 1, scratch, piv), SF_OK);
    for (int a = 0; a < 3; ++a)
        assert_true(fabs(B[a] - x[a]) <= 1e-14);
}

static void test_solve_singular(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    assert_non_null(ctx);
    int piv[3];
    /* rank one */
    double complex A[9] = {1, 2, 3, 2, 4, 6, -1, -2, -3}, B[3] = {1, 2, 3};
    assert_int_equal(sf_linalg_solve(ctx, 3, A, B, 1, piv), SF_ERR_NUMERIC);
    assert_non_null(strstr(sf_context_errmsg(ctx), "singular"));
    assert_true(B[0] == 1 && B[1] == 2 && B[2] == 3); /* untouched */
    /* zero matrix: pivot 1, det 0 */
    double complex Z[4] = {0, 0, 0, 0};
    assert_int_equal(sf_linalg_lu(2, Z, piv), 1);
    assert_true(sf_linalg_lu_det(2, Z, piv) == 0);
    /* not a number */
    double complex Nn[4] = {NAN, 0, 0, 1}, y[2] = {1, 1};
    assert_int_equal(sf_linalg_solve(ctx, 2, Nn, y, 1, piv), SF_ERR_NUMERIC);
    /* nearly singular to working precision: 1 + 1e-17 rounds to 1 */
    double R[4] = {1, 1, 1, 1 + 1e-17}, b[2] = {1, 1};
    double complex scratch[2 * 3];
    assert_int_equal(sf_linalg_solve_real(ctx, 2, R, b, 1, scratch, piv), SF_ERR_NUMERIC);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * The kernel. */

static void test_conn(void **state)
{
    (void)state;
    const double complex g[2] = {0.5 + 0.5 * I, -2};
    const double W[4] = {1, -3, 0.25, 2};
    const double complex E[4] = {I, 1, -1, 0.5 - 0.5 * I};
    double complex M[4];
    sf_lr_conn(2, g, W, E, M);
    assert_true(M[0] == (0.5 + 0.5 * I) * 1 * I);
    assert_true(M[1] == (0.5 + 0.5 * I) * -3);
    assert_true(M[2] == -2 * 0.25 * -1);
    assert_true(M[3] == -2 * 2 * (0.5 - 0.5 * I));
    sf_lr_conn(2, g, W, NULL, M);
    assert_true(M[1] == (0.5 + 0.5 * I) * -3 && M[3] == -4);
}

static void test_one_population(void **state)
{
    (void)state;
    sf_lr_ws ws;
    assert_int_equal(sf_lr_ws_init(&ws, 3), SF_OK);
    /* complex w: C = D / |1 - w|^2 */
    const double complex w = 0.3 - 0.4 * I;
    const double complex D = 2.5;
    double complex C;
    assert_int_equal(sf_lr_spectrum(NULL, &ws, 1, &w, &D, 10, &C), SF_OK);
    double ref = 2.5 / (cabs(1 - w) * cabs(1 - w));
    assert_true(fabs(creal(C) - ref) <= 1e-15 * ref && cimag(C) == 0);
    assert_true(cabs(sf_lr_det(&ws) - (1 - w)) <= 1e-16);
    /* real w: (1 - w)^-2 D, and (1 - w)^-1 b */
    const double wr = -1.5, Dr = 0.7;
    double Cr, x = 3;
    assert_int_equal(sf_lr_cov_real(NULL, &ws, 1, &wr, &Dr, &Cr), SF_OK);
    assert_true(fabs(Cr - Dr / ((1 - wr) * (1 - wr))) <= 1e-15 * Cr);
    assert_int_equal(sf_lr_solve_real(NULL, &ws, 1, &wr, &x, 1), SF_OK);
    assert_true(fabs(x - 3 / (1 - wr)) <= 1e-15);
    /* the one-shot path allocates its own scratch */
    x = 3;
    assert_int_equal(sf_lr_solve_real(NULL, NULL, 1, &wr, &x, 1), SF_OK);
    assert_true(fabs(x - 3 / (1 - wr)) <= 1e-15);
    sf_lr_ws_free(&ws);
    sf_lr_ws_free(&ws); /* freed workspace is zeroed: no-op */
    assert_int_equal(sf_lr_ws_init(&ws, 0), SF_OK);
    assert_null(ws.lu);
    sf_lr_ws_free(&ws);
}

static void test_two_populations_by_hand(void **state)
{
    (void)state;
    sf_lr_ws ws;
    assert_int_equal(sf_lr_ws_init(&ws, 2), SF_OK);
    const double complex M[4] = {0.2 + 0.1 * I, -0.8 + 0.3 * I, 0.5 - 0.2 * I, -0.6 - 0.1 * I};
    /* A = 1 - M, P = A^-1 by the 2 x 2 formula */
    const double complex a = 1 - M[0], b = -M[1], c = -M[2], d = 1 - M[3];
    const double complex det = a * d - b * c;
    const double complex P[4] = {d / det, -b / det, -c / det, a / det};
    /* D Hermitian (with an off-diagonal part, as for correlated noise) */
    const double complex D[4] = {1.5, 0.2 - 0.3 * I, 0.2 + 0.3 * I, 0.8};
    double complex ref[4];
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
            double complex s = 0;
            for (int k = 0; k < 2; ++k)
                for (int l = 0; l < 2; ++l)
                    s += P[i * 2 + k] * D[k * 2 + l] * conj(P[j * 2 + l]);
            ref[i * 2 + j] = s;
        }
    double complex C[4], Pk[4];
    assert_int_equal(sf_lr_spectrum(NULL, &ws, 2, M, D, 5, C), SF_OK);
    double scale = max_abs(4, ref);
    for (int i = 0; i < 4; ++i)
        assert_true(cabs(C[i] - ref[i]) <= 1e-14 * scale);
    assert_true(cabs(sf_lr_det(&ws) - det) <= 1e-15 * cabs(det));
    for (int i = 0; i < 4; ++i)
        Pk[i] = i % 3 == 0;   /* identity */
    sf_lr_apply(&ws, Pk, 2);
    for (int i = 0; i < 4; ++i)
        assert_true(cabs(Pk[i] - P[i]) <= 1e-15 * max_abs(4, P));
    /* apply: (1 - M)^-1 e_1 is the first column of P */
    double complex v[2] = {1, 0};
    sf_lr_apply(&ws, v, 1);
    assert_true(cabs(v[0] - P[0]) <= 1e-15 && cabs(v[1] - P[2]) <= 1e-15);
    /* C may alias D; X = P D */
    double complex CD[4], X[4];
    memcpy(CD, D, sizeof CD);
    sf_lr_cov(&ws, CD, CD, X);
    for (int i = 0; i < 4; ++i)
        assert_true(CD[i] == C[i]);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
            double complex s = P[i * 2] * D[j] + P[i * 2 + 1] * D[2 + j];
            assert_true(cabs(X[i * 2 + j] - s) <= 1e-14 * scale);
        }
    sf_lr_ws_free(&ws);
}

static void test_identity_random_5x5(void **state)
{
    (void)state;
    enum { N = 5 };
    sf_lr_ws ws;
    assert_int_equal(sf_lr_ws_init(&ws, N), SF_OK);
    uint64_t seed = 20261201;
    for (int trial = 0; trial < 20; ++trial) {
        double complex M[N * N], G[N * N], D[N * N], C[N * N], A[N * N], AH[N * N], T[N * N],
            R[N * N];
        for (int i = 0; i < N * N; ++i)
            M[i] = 0.8 * zrand(&seed);
        /* D = G G^H: Hermitian positive semi-definite */
        for (int i = 0; i < N * N; ++i)
            G[i] = zrand(&seed);
        for (int a = 0; a < N; ++a)
            for (int b = 0; b < N; ++b) {
                double complex s = 0;
                for (int c = 0; c < N; ++c)
                    s += G[a * N + c] * conj(G[b * N + c]);
                D[a * N + b] = s;
            }
        assert_int_equal(sf_lr_spectrum(NULL, &ws, N, M, D, trial, C), SF_OK);
        /* Hermitian exactly, real non-negative diagonal */
        for (int a = 0; a < N; ++a) {
            assert_true(cimag(C[a * N + a]) == 0 && creal(C[a * N + a]) >= 0);
            for (int b = 0; b < N; ++b)
                assert_true(C[a * N + b] == conj(C[b * N + a]));
        }
        /* (1 - M) C (1 - M)^H = D */
        for (int a = 0; a < N; ++a)
            for (int b = 0; b < N; ++b) {
                A[a * N + b] = (a == b) - M[a * N + b];
                AH[b * N + a] = conj(A[a * N + b]);
            }
        zmul(N, A, C, T);
        zmul(N, T, AH, R);
        double scale = max_abs(N * N, D);
        for (int i = 0; i < N * N; ++i)
            assert_true(cabs(R[i] - D[i]) <= 1e-12 * scale);
        /* (1 - M) P = 1 */
        double complex P[N * N];
        for (int a = 0; a < N; ++a)
            for (int b = 0; b < N; ++b)
                P[a * N + b] = a == b;
        sf_lr_apply(&ws, P, N);
        zmul(N, A, P, T);
        for (int a = 0; a < N; ++a)
            for (int b = 0; b < N; ++b)
                assert_true(cabs(T[a * N + b] - (a == b)) <= 1e-12);
    }
    sf_lr_ws_free(&ws);
}

static void test_real_identity(void **state)
{
    (void)state;
    enum { N = 4 };
    sf_lr_ws ws;
    assert_int_equal(sf_lr_ws_init(&ws, N), SF_OK);
    uint64_t seed = 7;
    double W[N * N], D[N * N], C[N * N], B[N * N], X[N * N];
    for (int i = 0; i < N * N; ++i)
        W[i] = lcg(&seed);
    for (int a = 0; a < N; ++a)
        for (int b = 0; b < N; ++b)
            D[a * N + b] = a == b ? 1 + a : 0.1 * (a + b);
    assert_int_equal(sf_lr_cov_real(NULL, &ws, N, W, D, C), SF_OK);
    /* (1 - W) C (1 - W)^T = D, C symmetric */
    for (int a = 0; a < N; ++a)
        for (int b = 0; b < N; ++b) {
            assert_true(C[a * N + b] == C[b * N + a]);
            double s = 0;
            for (int c = 0; c < N; ++c)
                for (int d = 0; d < N; ++d)
                    s += ((a == c) - W[a * N + c]) * C[c * N + d] * ((b == d) - W[b * N + d]);
            assert_true(fabs(s - D[a * N + b]) <= 1e-12 * 4);
        }
    /* several right-hand sides: (1 - W) X = B */
    for (int i = 0; i < N * N; ++i)
        B[i] = X[i] = lcg(&seed);
    assert_int_equal(sf_lr_solve_real(NULL, &ws, N, W, X, N), SF_OK);
    for (int a = 0; a < N; ++a)
        for (int r = 0; r < N; ++r) {
            double s = -B[a * N + r];
            for (int c = 0; c < N; ++c)
                s += ((a == c) - W[a * N + c]) * X[c * N + r];
            assert_true(fabs(s) <= 1e-13);
        }
    sf_lr_ws_free(&ws);
}

static void test_singular(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    assert_non_null(ctx);
    sf_lr_ws ws;
    assert_int_equal(sf_lr_ws_init(&ws, 2), SF_OK);
    /* M = 1: 1 - M = 0 */
    const double complex M[4] = {1, 0, 0, 1}, D[4] = {1, 0, 0, 1};
    double complex C[4] = {7, 7, 7, 7};
    assert_int_equal(sf_lr_spectrum(ctx, &ws, 2, M, D, 12.5, C), SF_ERR_NUMERIC);
    assert_non_null(strstr(sf_context_errmsg(ctx), "singular"));
    assert_non_null(strstr(sf_context_errmsg(ctx), "f = 12.5 Hz"));
    assert_true(C[0] == 7); /* output untouched */
    /* a stability scan goes on with ctx NULL: det is 0 */
    assert_int_equal(sf_lr_factor(NULL, &ws, 2, M, 1), SF_ERR_NUMERIC);
    assert_true(sf_lr_det(&ws) == 0);
    /* rank-deficient 1 - M (two equal rows of M with 1 - M singular):
     * M = [[0.5, -0.5], [-0.5, 0.5]] gives 1 - M = [[0.5, 0.5], [0.5, 0.5]] */
    const double complex M2[4] = {0.5, -0.5, -0.5, 0.5};
    assert_int_equal(sf_lr_factor(ctx, &ws, 2, M2, 3), SF_ERR_NUMERIC);
    /* real: W = 1 */
    const double W = 1;
    double b = 2;
    assert_int_equal(sf_lr_solve_real(ctx, &ws, 1, &W, &b, 1), SF_ERR_NUMERIC);
    assert_non_null(strstr(sf_context_errmsg(ctx), "1 - W is singular"));
    assert_true(b == 2);
    double Cr;
    assert_int_equal(sf_lr_cov_real(ctx, &ws, 1, &W, &b, &Cr), SF_ERR_NUMERIC);
    assert_int_equal(sf_lr_solve_real(ctx, NULL, 1, &W, &b, 1), SF_ERR_NUMERIC);
    sf_lr_ws_free(&ws);
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solve_2x2_by_hand),
        cmocka_unit_test(test_solve_random),
        cmocka_unit_test(test_solve_real),
        cmocka_unit_test(test_solve_singular),
        cmocka_unit_test(test_conn),
        cmocka_unit_test(test_one_population),
        cmocka_unit_test(test_two_populations_by_hand),
        cmocka_unit_test(test_identity_random_5x5),
        cmocka_unit_test(test_real_identity),
        cmocka_unit_test(test_singular),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
