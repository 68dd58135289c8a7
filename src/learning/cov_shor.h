/* Certified upper bound on the maximal margin of the covariance perceptron
 * with n = 2 outputs (cov_shor.c; docs/learning.md section 1): the Shor
 * (semidefinite) relaxation, solved by DSDP, with its dual solution checked
 * outside the solver.
 *
 * The problem: t* = max over unit w1, w2 in R^m of min_r zeta_r w1^T P^r w2,
 * P^r = 1 + chi^r. For any lambda >= 0 with sum lambda > 0,
 *   min_r zeta_r Q_r <= sum_r lambda_r zeta_r Q_r / sum lambda
 *                     = w1^T M(lambda) w2 / sum lambda
 *                     <= ||M(lambda)||_2 / sum lambda,
 * M(lambda) = sum_r lambda_r zeta_r P^r. So lambda is a certificate of
 * t* <= ||M(lambda)||_2 / sum lambda, whoever computed it. The best such
 * bound, min over lambda, is the value of the Shor relaxation (lift to
 * X = [w1; w2][w1; w2]^T >= 0, tr X11 = tr X22 = 1): its feasible set of
 * sym(X12) is the nuclear-norm ball, the convex hull of the rank-one set,
 * so no valid linear cut on X strengthens it.
 */
#ifndef SF_LEARNING_COV_SHOR_H
#define SF_LEARNING_COV_SHOR_H

#include <stdbool.h>

typedef struct {
    double bound;        /* certified: t* <= bound (checked, sf_shor_check)  */
    double relaxation;   /* the solver's own optimum (1 / sum lambda)        */
    double rounded;      /* min_r zeta_r Q_r of the rounded W (<= t*)        */
    bool converged;      /* DSDP reported convergence                        */
    int iterations;
} sf_shor_result;

/* The certificate check, independent of the solver: for lambda[p] >= 0
 * (any negative or non-finite entry, or sum 0: NaN), returns
 * ||M(lambda)||_2 / sum lambda (symmetric eigenvalues, LAPACK dsyev) plus a
 * bound on the rounding error of forming M and of the eigenvalues. chi:
 * p x m x m row-major, zeta: p labels +-1. work: m * m + m doubles. */
double sf_shor_check(int m, int p, const double *chi, const double *zeta, const double *lambda,
                     double *work);

/* A claimed bound checked: true when lambda certifies t* <= claim, i.e.
 * sf_shor_check(...) <= claim (false for a NaN check). */
bool sf_shor_verify(int m, int p, const double *chi, const double *zeta, const double *lambda,
                    double claim, double *work);

/* Solves the relaxation of the first p patterns: lambda (out, [p]) the
 * certificate, W (out, [2 m], may be NULL) the rounding of the relaxed
 * optimum: the top eigenpairs (a, e+), (b, e-) of its positive and negative
 * parts give w1 = sqrt(a) e+ + sqrt(b) e-, w2 = sqrt(a) e+ - sqrt(b) e-
 * (exact when the relaxed optimum has one positive and one negative
 * eigenvalue: sym(w1 w2^T) has the eigenvalues (1 + R)/2 and -(1 - R)/2).
 * Serialised by a lock (DSDP keeps global state). Returns 0, or -1 when out
 * of memory, -2 when DSDP failed before it had a dual point. */
int sf_shor_solve(int m, int p, const double *chi, const double *zeta, double *lambda, double *W,
                  sf_shor_result *res);

/* The one lock around every DSDP call (DSDP keeps global state): the Shor
 * and the level-2 solvers (cov_lasserre.c) take it. */
void sf_dsdp_lock(void);
void sf_dsdp_unlock(void);

#endif
