/* A level-2 (degree-4) moment relaxation (Lasserre, SIAM J. Optim. 11, 796,
 * 2001) of the n = 2 covariance perceptron's maximal margin, solved by
 * DSDP, with its certificate checked outside the solver (cov_lasserre.c;
 * docs/learning.md section 1, "certify: lasserre2").
 *
 * The problem: t* = max over unit x = w1, y = w2 in R^m of min_r g_r,
 * g_r = zeta_r x^T P^r y; with t <= g_r for all r and t >= -T (T bounds
 * every |g_r|: 2 + max_r ||chi^r||_F), t* = max t. Pseudo-moments
 * E[mu] of the monomials mu in (x, y, t) of even degree in (x, y) (the
 * problem is invariant under (x, y) -> (-x, -y)) and degree <= 4, t
 * counting 2, reduced modulo the spheres (x_{m-1}^2 = 1 - sum_{i<m-1} x_i^2,
 * the same for y: the normal forms have x_{m-1} and y_{m-1} at most once).
 * Constraints:
 *   blk 0: E[w w^T] >= 0, w = [x; y]                          (2m: Shor's)
 *   blk 1: E[e e^T] >= 0, e = [1; t; x_i x_j; x_i y_k; y_k y_l]
 *          (the squares x_{m-1}^2, y_{m-1}^2 left out: dependent)
 *   blk 2: E[(t + T) w w^T] >= 0                              (2m)
 *   blk 3 + r: E[(g_r - t) w w^T] >= 0, r < p                 (2m each)
 *   rows: E[t + T], E[g_r - t], E[(t + T)(g_r - t)], E[(g_r - t)(g_s - t)]
 *         (r < s) >= 0
 * and the bound is max E[t]. It is at most Shor's (blk 0 and E[g_r] >=
 * E[t] are Shor's relaxation). A certificate is PSD matrices S_b and
 * multipliers mu >= 0: the polynomial F = sum_b <S_b, blk_b> + mu . rows
 * is >= 0 at every (x, y, t) of the problem, in particular at t = t*, and
 * for the exact optimum equals bound - t (reduced). With c, c_t its
 * constant and t coefficients and R the sum of the moduli of the others,
 * each times the bound of its monomial on the spheres (1, T or T^2),
 * 0 <= c + c_t t* + R, so t* <= (c + R) / (-c_t) when c_t < 0. Whoever
 * computed the certificate, the check (sf_lasserre2_check) decides.
 * Unlike Shor's bound (>= 0 always) it can be negative.
 */
#ifndef SF_LEARNING_COV_LASSERRE_H
#define SF_LEARNING_COV_LASSERRE_H

#include <stdbool.h>
#include <stddef.h>

/* the largest m handled: the moments number 714 at m = 5, 1,364 at m = 6,
 * 2,379 at m = 7, 3,875 at m = 8 (8,854 at m = 10); DSDP factors their
 * dense Schur complement every iteration: one solve takes about 6 s at
 * m = 5 and 1 min at m = 6 (measured, docs/learning.md), ~6 min at m = 7
 * and ~30 min at m = 8 (extrapolated) */
#define SF_LASSERRE2_MAX_M 8

typedef struct {
    double bound;      /* certified: t* <= bound (checked)                   */
    double relaxation; /* the solver's own optimum, max E[t]                 */
    bool converged;    /* DSDP reported convergence                          */
    int iterations;
    int variables;     /* DSDP's y: the moments                              */
    int rows;          /* linear constraints: 1 + 2p + p(p - 1)/2            */
} sf_lasserre2_result;

/* the certificate's sizes: X the blocks' packed (lower, row-wise) matrices
 * one after the other, in the order above; mu the rows (t + T, the p
 * E[g_r - t], the p E[(t + T)(g_r - t)], the pairs r < s row by row) */
size_t sf_lasserre2_x_len(int m, int p);
size_t sf_lasserre2_mu_len(int p);

/* The check, independent of the solver: the bound on t* that the
 * certificate proves. The polynomial algebra is rebuilt from the patterns;
 * each S_b is shifted by its most negative eigenvalue (LAPACK dsyev) plus
 * its error allowance, so that it is PSD; negative mu are clipped to 0;
 * every coefficient's rounding is bounded by its number of terms times eps
 * times the sum of their moduli. +INFINITY when the certificate proves
 * nothing (c_t >= 0); NaN for a non-finite certificate, a failed eigenvalue
 * solve or allocation, or m out of range. chi: p x m x m row-major, zeta:
 * p labels +-1. */
double sf_lasserre2_check(int m, int p, const double *chi, const double *zeta, const double *X,
                          const double *mu);

/* Solves the relaxation of the first p patterns; X, mu (out, may be NULL)
 * receive the certificate. res->bound is the check's. Serialised by the
 * DSDP lock (cov_shor.h). Returns 0; -1 out of memory; -2 DSDP failed;
 * -3 m > SF_LASSERRE2_MAX_M, m < 2 or p < 1. */
int sf_lasserre2_solve(int m, int p, const double *chi, const double *zeta, double *X, double *mu,
                       sf_lasserre2_result *res);

/* For the unit test of the builder: the normal form of the monomial
 * ix[0..n) (n <= 4; index i < m: x_i, m + i: y_i, 2m: t) modulo the
 * spheres, as it enters the relaxation: its terms' monomials mono[q] (the
 * sorted indices, -1 past the degree) and coefficients coef[q]. Returns
 * their number (at most cap), or -1 (bad arguments, out of memory, more
 * than cap terms). */
int sf_lasserre2_normal_form(int m, const int *ix, int n, int (*mono)[4], double *coef, int cap);

#endif
