/* The mathematics of the sde theory family (issue 16, part 1): the
 * one-dimensional nonlinear SDE of Stapmanns et al., PRE 101, 042124 (2020)
 * (src/neurons/sde_poly.c), in its dimensionless time s = t / tau:
 *
 *   dx = f(x) ds + sqrt(D) dW,   f(x) = -l x + (alpha/2) x^2 + (beta/6) x^3,
 *   U(x) = l x^2/2 - alpha x^3/6 - beta x^4/24   (f = -U'),
 *   stationary density p(x) ~ exp(-2 U(x) / D).
 *
 * Exact references (sde_exact.c): stationary moments by adaptive quadrature
 * of p (GSL); the power spectrum, linear response and relaxation rates from
 * the eigenmodes of the Fokker-Planck operator, discretised as the
 * detailed-balance chain on a fine grid (a symmetric tridiagonal matrix,
 * LAPACKE dstevr).
 * Approximations (sde_approx.c): one loop, Gaussian self-consistent
 * (Hartree) and the fRG in the vertex expansion; each gives the mean, the
 * variance and an effective linear system chi(w) = 1/(m - i w - dSigma(w)).
 *
 * Conventions (all methods): Fourier transform g(w) = int g(s) e^{i w s} ds,
 * w in units of 1/tau; S(w) = int C(s) e^{i w s} ds (two-sided); chi(w) the
 * response of <x> to a drift input I(s) (dx = [f(x) + I] ds + ...); for this
 * equilibrium system S(w) = (D / w) Im chi(w) (fluctuation-dissipation
 * theorem, temperature D/2). Invariant: pure functions of sf_sde_params.
 */
#ifndef SF_THEORY_SDE_H
#define SF_THEORY_SDE_H

#include "spikefield/core.h"

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    double l, alpha, beta, D;
} sf_sde_params;

/* SF_OK when p has a normalisable stationary density and noise: l > 0,
 * D > 0, beta < 0 or alpha = beta = 0; else SF_ERR_MODEL with a message on
 * ctx (what names the population, for the message). */
sf_status sf_theory_sde_check(sf_context *ctx, const sf_sde_params *p, const char *what);

/* ---- exact ------------------------------------------------------------- */

typedef struct {
    double mean, var;
    double skew, kurt_excess;
    /* the potential's second well (alpha^2 > -8 beta l / 3): barrier top
     * x_barrier and the probability beyond it (0, NaN x_barrier: unimodal) */
    double x_barrier, p_second_well;
    double lo, hi;   /* the interval integrated (exp(-2 dU / D) > e^-60)  */
} sf_sde_moments;

sf_status sf_theory_sde_moments(sf_context *ctx, const sf_sde_params *p, sf_sde_moments *out);

/* Eigenmodes of the Fokker-Planck operator: rates lambda[k] > 0 (k = 0 ..
 * n - 1, ascending; the stationary mode is left out) and weights c2[k] of
 * C(s) = sum_k c2[k] exp(-lambda[k] |s|); var_grid the variance of the
 * discrete stationary distribution (sum c2 over all modes). */
typedef struct {
    size_t n;
    double lambda[64], c2[64];
    double mean_grid, var_grid;
    size_t grid;                 /* grid points */
} sf_sde_modes;

/* grid: points of the discretisation (0: 1600). */
sf_status sf_theory_sde_modes(sf_context *ctx, const sf_sde_params *p, size_t grid,
                              sf_sde_modes *out);
/* S(w) and chi(w) of the modes (exact up to the discretisation). */
double sf_theory_sde_modes_spectrum(const sf_sde_modes *md, double w);
double complex sf_theory_sde_modes_response(const sf_sde_modes *md, double D, double w);
/* The correlation time S(0) / (2 var) of the modes (units of tau). */
double sf_theory_sde_modes_tau_corr(const sf_sde_modes *md);


/* ---- approximations ------------------------------------------------------ */

typedef enum { SF_SDE_ONE_LOOP, SF_SDE_GAUSSIAN, SF_SDE_FRG, SF_SDE_N_METHODS } sf_sde_method;
extern const char *const sf_sde_method_names[SF_SDE_N_METHODS]; /* "one_loop", "gaussian", "frg" */

/* The effective linear system: chi(w) = 1/(m - i w - dSigma(w)) with
 * dSigma(w) = sum_j b[j] (1/(c[j] - i w) - 1/c[j]) (bubble terms with their
 * zero-frequency part removed; n_b = 0: none), so chi(0) = 1/m and
 * var = D / (2 m). The fRG's dSigma is the flowed one, tabulated on w_tab
 * (n_tab > 0 replaces the b/c form). */
typedef struct {
    bool ok;          /* false: no solution (message in why) */
    char why[160];
    double mean, var, m;
    double tau_corr;  /* correlation time S(0) / (2 var) = (1 + d Im dSigma/dw (0)) / m */
    int n_b;
    double b[2], c[2];
    size_t n_tab;
    double *w_tab;            /* NULL unless the fRG tabulated */
    double complex *sig_tab;
} sf_sde_approx;

/* Method k at p. On a failed solution (no real solution, an effective mass
 * <= 0) returns SF_OK with a->ok false and the reason in a->why; fails
 * (ctx) only on bad input or memory. The fRG tabulates dSigma at the n_w
 * frequencies w (units 1/tau, may be 0); a->w_tab / sig_tab then owned by a
 * (sf_theory_sde_approx_free; one more entry, w = 1e-4, for tau_corr). */
sf_status sf_theory_sde_approx(sf_context *ctx, const sf_sde_params *p, sf_sde_method k,
                               const double *w, size_t n_w, sf_sde_approx *a);
void sf_theory_sde_approx_free(sf_sde_approx *a);
/* chi(w) and S(w) = (D / w) Im chi(w) (w = 0: D chi(0)^2 (1 + d Im dSigma/dw))
 * of a; for the fRG, w must be one of the tabulated frequencies (index iw). */
double complex sf_theory_sde_approx_response(const sf_sde_approx *a, double w, size_t iw);
double sf_theory_sde_approx_spectrum(const sf_sde_approx *a, double D, double w, size_t iw);

#endif
