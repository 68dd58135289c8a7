/* A level-2 (degree-4) moment relaxation (Lasserre, SIAM J. Optim. 11, 796,
 * 2001) of the n = 2 covariance perceptron's feasibility problem, solved by
 * DSDP, with its infeasibility certificate checked outside the solver
 * (cov_lasserre.c; docs/learning.md section 1, "certify: lasserre2").
 *
 * The problem: t* = max over unit x = w1, y = w2 in R^m of min_r g_r,
 * g_r = zeta_r x^T P^r y; with t <= g_r for all r and t >= -T (T bounds
 * every |g_r|: 2 + max_r ||chi^r||_F), t* = max t. The relaxation keeps
 * only monomials of even degree in (x, y) (the problem is invariant under
 * (x, y) -> (-x, -y)) and of degree <= 4, t counting as degree 2: the
 * pseudo-moments
 *   q_{ij,kl} = E[x_i x_j y_k y_l] (i <= j, k <= l), z_ik = E[x_i y_k],
 *   u_ik = E[t x_i y_k], E[t], E[t^2],
 * with the spheres used to write E[x_i x_j] = sum_k q_{ij,kk},
 * E[y_k y_l] = sum_i q_{ii,kl} and 1 = sum_{i,k} q_{ii,kk} (q_{00,00}
 * eliminated). Constraints:
 *   B1 = E[[x; y][x; y]^T] >= 0                            (2m, Shor's)
 *   B2 = E[v v^T] >= 0, v = [1; t; x (x) y]                (2 + m^2)
 *   E[t + T] >= 0, E[g_r - t] >= 0, E[(t + T)(g_r - t)] >= 0,
 *   E[(g_r - t)(g_s - t)] >= 0 (r < s)                     (linear)
 * and the bound is max E[t]. It is at most Shor's (B1 and E[g_r] >= E[t]
 * are Shor's relaxation). A certificate is a pair of PSD matrices S1, S2
 * and multipliers mu >= 0: the polynomial
 *   F = <S1, B1> + <S2, B2> + sum_j mu_j l_j
 * is >= 0 at every (x, y, t) of the problem, in particular at t = t*, and
 * equals (for the exact optimum) bound - t. So with c, c_t the constant and
 * t coefficients of F and R the sum of the moduli of the other
 * coefficients, each times the bound of its monomial on the spheres (1, T
 * or T^2), 0 <= c + c_t t* + R, i.e. t* <= (c + R) / (-c_t) when c_t < 0.
 * Whoever computed the certificate, the check (sf_lasserre2_check)
 * decides. Unlike Shor's bound (>= 0 always), this one can be negative:
 * it can prove that no W has all margins >= 0.
 */
#ifndef SF_LEARNING_COV_LASSERRE_H
#define SF_LEARNING_COV_LASSERRE_H

#include <stdbool.h>
#include <stddef.h>

/* the largest m handled: the relaxation has (m(m+1)/2)^2 + m^2 + 1
 * variables (3,126 at m = 10) and DSDP's dense Schur complement is their
 * square; beyond that one solve takes hours */
#define SF_LASSERRE2_MAX_M 10

typedef struct {
    double bound;      /* certified: t* <= bound (checked)                   */
    double relaxation; /* the solver's own optimum, max E[t]                 */
    bool converged;    /* DSDP reported convergence                          */
    int iterations;
    int variables;     /* DSDP's y: the moments                              */
    int rows;          /* linear constraints: 1 + 2p + p(p - 1)/2            */
} sf_lasserre2_result;

/* the certificate's sizes: S1 packed (lower, row-wise) of the 2m block, S2
 * packed of the 2 + m^2 block, mu of the rows (order: t + T, the p
 * E[g_r - t], the p E[(t + T)(g_r - t)], the pairs r < s row by row) */
size_t sf_lasserre2_s1_len(int m);
size_t sf_lasserre2_s2_len(int m);
size_t sf_lasserre2_mu_len(int p);

/* The check, independent of the solver: the bound on t* that the
 * certificate proves (S1 and S2 shifted by their most negative eigenvalue,
 * LAPACK dsyev, plus its error allowance, so that they are PSD; negative mu
 * clipped to 0), with every coefficient's rounding bounded by its number
 * of terms times eps times the sum of their moduli. +INFINITY when the
 * certificate proves nothing (c_t >= 0); NaN for a non-finite certificate,
 * a failed eigenvalue solve or allocation. chi: p x m x m row-major, zeta:
 * p x +-1. */
double sf_lasserre2_check(int m, int p, const double *chi, const double *zeta, const double *S1,
                          const double *S2, const double *mu);

/* Solves the relaxation of the first p patterns; S1, S2, mu (out, may be
 * NULL) receive the certificate. res->bound is the check's. Serialised by
 * the DSDP lock (cov_shor.h). Returns 0; -1 out of memory; -2 DSDP failed;
 * -3 m > SF_LASSERRE2_MAX_M, m < 2 or p < 1. */
int sf_lasserre2_solve(int m, int p, const double *chi, const double *zeta, double *S1, double *S2,
                       double *mu, sf_lasserre2_result *res);

#endif
