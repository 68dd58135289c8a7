/* Small dense linear algebra (private to the library): LU factorisation with
 * partial pivoting, solves and determinants of n x n complex systems, the one
 * linear solver of the theory code. Real systems go through the same code
 * (sf_linalg_solve_real).
 *
 * Written out instead of calling LAPACK: the systems have a handful of rows
 * (one per population) and are solved once per frequency, and a threaded
 * BLAS wakes its threads for every call, which on a shared machine costs far
 * more than the O(n^3) arithmetic.
 *
 * Invariant: matrices are row-major (A[i*n + j], row i, column j); nothing
 * here allocates; singularity is decided in one place (sf_linalg_lu: a pivot
 * |re| + |im| at most n eps max_ij (|re A_ij| + |im A_ij|)).
 */
#ifndef SF_CORE_LINALG_H
#define SF_CORE_LINALG_H

#include "spikefield/core.h"

#include <complex.h>

/* LU factorisation P A = L U of the n x n matrix A in place: L (unit lower
 * triangle, below the diagonal) and U (on and above it); piv[k] is the row
 * exchanged with row k at step k. Returns 0, or k + 1 for the first column k
 * whose pivot is zero to working precision (A singular). The factorisation is
 * completed in either case (a pivot that is exactly zero is skipped), so that
 * sf_linalg_lu_det stays meaningful. n >= 1. */
int sf_linalg_lu(int n, double complex *A, int *piv);

/* Solves A X = B with the factors of sf_linalg_lu (which returned 0): B is
 * n x nrhs row-major and is overwritten by X. */
void sf_linalg_lu_solve(int n, const double complex *LU, const int *piv, double complex *B,
                        int nrhs);

/* det A from the factors (0 when a pivot was exactly zero). */
double complex sf_linalg_lu_det(int n, const double complex *LU, const int *piv);

/* A X = B in one call: A (n x n) is overwritten by its factors, B (n x nrhs)
 * by X. SF_ERR_NUMERIC with a message when A is singular (then B is left as
 * it was). piv [n]. */
sf_status sf_linalg_solve(sf_context *ctx, int n, double complex *A, double complex *B, int nrhs,
                          int *piv);

/* The same for real A (n x n, unchanged) and B (n x nrhs, overwritten by X):
 * a thin wrapper that copies both into scratch [n * (n + nrhs)] complex and
 * calls sf_linalg_solve. */
sf_status sf_linalg_solve_real(sf_context *ctx, int n, const double *A, double *B, int nrhs,
                               double complex *scratch, int *piv);

#endif
