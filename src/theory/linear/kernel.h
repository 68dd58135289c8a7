/* The linear-response kernel (private to the theory module): the one place
 * that holds the (1 - M)^-1 algebra every linear theory of fluctuations
 * shares (LIF diffusion, Hawkes, binary, linear rate / OU networks):
 *
 *   effective connectivity   M_ab(f) = g_a(f) W_ab E_ab(f),
 *   response                 dy = (1 - M)^-1 x,
 *   covariances and spectra  C = (1 - M)^-1 D (1 - M)^-H   (D Hermitian),
 *   stability                det(1 - M).
 *
 * The families map their parameters onto g (per target: transfer function or
 * low-pass kernel), W (static coupling) and E (delay factors), and their
 * noise onto D; the algebra is here. Zero frequency and real matrices go
 * through the same code (sf_lr_solve_real, sf_lr_cov_real).
 *
 * Invariant: matrices are row-major n x n, n <= ws->n_max; the workspace is
 * created once per workspace of a family (or per call for one-shot real
 * solves) and nothing here allocates per frequency. sf_lr_factor leaves the
 * LU factors of 1 - M in the workspace; sf_lr_det, sf_lr_apply,
 * sf_lr_propagator and sf_lr_cov use the latest factors.
 */
#ifndef SF_THEORY_LINEAR_KERNEL_H
#define SF_THEORY_LINEAR_KERNEL_H

#include "spikefield/core.h"

#include <complex.h>

typedef struct {
    int n_max;              /* largest dimension served                     */
    int n;                  /* dimension of the current factors (0: none)   */
    double complex *lu;     /* [n_max^2] LU factors of 1 - M                */
    double complex *x;      /* [n_max^2] scratch of the real functions      */
    int *piv;               /* [n_max] pivots                               */
} sf_lr_ws;

/* Allocates the scratch for matrices up to n_max (>= 0; 0 allocates
 * nothing). Returns SF_ERR_NOMEM (ws zeroed) when out of memory.
 * sf_lr_ws_free releases it and zeroes ws (free of a zeroed ws is a no-op). */
sf_status sf_lr_ws_init(sf_lr_ws *ws, int n_max);
void sf_lr_ws_free(sf_lr_ws *ws);

/* Effective connectivity M_ab = g_a W_ab E_ab (in this order of the
 * products), n x n. g [n] per target; E [n^2] or NULL for all 1. */
void sf_lr_conn(int n, const double complex *g, const double *W, const double complex *E,
                double complex *M);

/* LU factors of 1 - M (M unchanged) into ws. SF_ERR_NUMERIC when 1 - M is
 * singular to working precision, with a message naming the frequency f (Hz;
 * NaN: none): the network is at a linear instability. The factors (and
 * sf_lr_det) are available even then, so that a stability scan can pass
 * ctx = NULL and go on. */
sf_status sf_lr_factor(sf_context *ctx, sf_lr_ws *ws, int n, const double complex *M, double f);

/* det(1 - M) of the latest factors. */
double complex sf_lr_det(const sf_lr_ws *ws);

/* B <- (1 - M)^-1 B, B n x nrhs row-major. */
void sf_lr_apply(const sf_lr_ws *ws, double complex *B, int nrhs);

/* P = (1 - M)^-1, n x n. */
void sf_lr_propagator(const sf_lr_ws *ws, double complex *P);

/* C = (1 - M)^-1 D (1 - M)^-H for Hermitian D (n x n); C is made exactly
 * Hermitian (real diagonal). C may alias D. */
void sf_lr_cov(const sf_lr_ws *ws, const double complex *D, double complex *C);

/* sf_lr_factor and sf_lr_cov in one call: the cross-spectral matrix at f. */
sf_status sf_lr_spectrum(sf_context *ctx, sf_lr_ws *ws, int n, const double complex *M,
                         const double complex *D, double f, double complex *C);

/* Real systems (zero frequency): solves (1 - W) X = B for real W (n x n)
 * and B (n x nrhs, nrhs <= n, overwritten by X). ws NULL: scratch is
 * allocated for this call (for one-shot use outside a workspace).
 * SF_ERR_NUMERIC (B unchanged) when 1 - W is singular, SF_ERR_NOMEM. */
sf_status sf_lr_solve_real(sf_context *ctx, sf_lr_ws *ws, int n, const double *W, double *B,
                           int nrhs);

/* C = (1 - W)^-1 D (1 - W)^-T for real W and symmetric real D (n x n);
 * C symmetric. SF_ERR_NUMERIC when 1 - W is singular. C may alias D. */
sf_status sf_lr_cov_real(sf_context *ctx, sf_lr_ws *ws, int n, const double *W, const double *D,
                         double *C);

#endif
