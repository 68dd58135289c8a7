/* Small dense linear algebra: LU with partial pivoting for n x n complex
 * systems (the one linear solver of the theory code; src/core/linalg.h).
 *
 * Invariant: row-major storage; the pivot of each column is the entry of
 * largest |re| + |im| on or below the diagonal (as LAPACK's izamax), and a
 * pivot at most n eps max|A_ij| marks the matrix as singular.
 */
#include "core/linalg.h"

#include <float.h>
#include <math.h>

static inline double cabs1(double complex z)
{
    return fabs(creal(z)) + fabs(cimag(z));
}

int sf_linalg_lu(int n, double complex *A, int *piv)
{
    size_t un = (size_t)n;
    double amax = 0;
    for (size_t i = 0; i < un * un; ++i)
        amax = fmax(amax, cabs1(A[i]));
    double tiny = (double)n * DBL_EPSILON * amax;
    int info = 0;
    for (size_t k = 0; k < un; ++k) {
        size_t p = k;
        double best = cabs1(A[k * un + k]);
        for (size_t i = k + 1; i < un; ++i) {
            double v = cabs1(A[i * un + k]);
            if (v > best) {
                best = v;
                p = i;
            }
        }
        piv[k] = (int)p;
        if (!(best > tiny) && !info)
            info = (int)k + 1;
        if (p != k)
            for (size_t j = 0; j < un; ++j) {
                double complex t = A[k * un + j];
                A[k * un + j] = A[p * un + j];
                A[p * un + j] = t;
            }
        if (best == 0 || !isfinite(best))
            continue;
        double complex inv = 1.0 / A[k * un + k];
        for (size_t i = k + 1; i < un; ++i) {
            double complex l = A[i * un + k] * inv;
            A[i * un + k] = l;
            if (l != 0)
                for (size_t j = k + 1; j < un; ++j)
                    A[i * un + j] -= l * A[k * un + j];
        }
    }
    return info;
}

void sf_linalg_lu_solve(int n, const double complex *LU, const int *piv, double complex *B,
                        int nrhs)
{
    size_t un = (size_t)n, ur = (size_t)nrhs;
    for (size_t k = 0; k < un; ++k) {
        size_t p = (size_t)piv[k];
        if (p != k)
            for (size_t j = 0; j < ur; ++j) {
                double complex t = B[k * ur + j];
                B[k * ur + j] = B[p * ur + j];
                B[p * ur + j] = t;
            }
    }
    /* L y = P b, L unit lower triangular */
    for (size_t i = 1; i < un; ++i)
        for (size_t k = 0; k < i; ++k) {
            double complex l = LU[i * un + k];
            if (l != 0)
                for (size_t j = 0; j < ur; ++j)
                    B[i * ur + j] -= l * B[k * ur + j];
        }
    /* U x = y */
    for (size_t i = un; i-- > 0;) {
        for (size_t k = i + 1; k < un; ++k) {
            double complex u = LU[i * un + k];
            if (u != 0)
                for (size_t j = 0; j < ur; ++j)
                    B[i * ur + j] -= u * B[k * ur + j];
        }
        double complex inv = 1.0 / LU[i * un + i];
        for (size_t j = 0; j < ur; ++j)
            B[i * ur + j] *= inv;
    }
}

double complex sf_linalg_lu_det(int n, const double complex *LU, const int *piv)
{
    double complex det = 1.0;
    for (int k = 0; k < n; ++k) {
        det *= LU[(size_t)k * (size_t)n + (size_t)k];
        if (piv[k] != k)
            det = -det;
    }
    return det;
}

sf_status sf_linalg_solve(sf_context *ctx, int n, double complex *A, double complex *B, int nrhs,
                          int *piv)
{
    int info = sf_linalg_lu(n, A, piv);
    if (info)
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "singular %d x %d linear system (pivot %d is zero to working precision)",
                       n, n, info);
    sf_linalg_lu_solve(n, A, piv, B, nrhs);
    return SF_OK;
}

sf_status sf_linalg_solve_real(sf_context *ctx, int n, const double *A, double *B, int nrhs,
                               double complex *scratch, int *piv)
{
    size_t nn = (size_t)n * (size_t)n, nb = (size_t)n * (size_t)nrhs;
    double complex *Az = scratch, *Bz = scratch + nn;
    for (size_t i = 0; i < nn; ++i)
        Az[i] = A[i];
    for (size_t i = 0; i < nb; ++i)
        Bz[i] = B[i];
    sf_status st = sf_linalg_solve(ctx, n, Az, Bz, nrhs, piv);
    if (st != SF_OK)
        return st;
    for (size_t i = 0; i < nb; ++i)
        B[i] = creal(Bz[i]);
    return SF_OK;
}
