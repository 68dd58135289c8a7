/* Dynamic mean-field theory (DMFT) of random rate networks
 *   dx_i = (-x_i + sum_j J_ij phi(x_j)) dt + dW_i,  J_ij ~ N(0, g^2/N),
 *   <dW_i dW_j> = D delta_ij dt   (time in units of tau; Ito),
 * so an uncoupled unit has variance D/2 (docs/dmft.md; science notes
 * theory.md section 1). phi is odd (tanh or erf), so the mean is 0 and
 * Delta(inf) = 0.
 *
 * Stationary solution (Sompolinsky, Crisanti & Sommers 1988, PRL 61:259;
 * with noise Schuecker, Goedeke & Helias 2018, PRX 8:041029): the
 * autocorrelation Delta(tau) = <x(t+tau) x(t)> is the motion of a particle
 *   Delta'' = -dV/dDelta,  V(Delta) = -Delta^2/2 + g^2 f_Phi(Delta; Delta0),
 *   Delta'(0+) = -D/2,
 * f_u(Delta; Delta0) = <u(x1) u(x2)> for a centred Gaussian pair of
 * variances Delta0 and covariance Delta, Phi a primitive of phi. Energy
 * conservation from tau = 0+ to infinity fixes Delta0:
 *   Delta0^2/2 - D^2/8 = g^2 (<Phi^2> - <Phi>^2).
 * The maximal Lyapunov exponent (conditional on the noise) follows from the
 * ground state E0 of
 *   [-d^2/dtau^2 + 1 - g^2 f_phi'(Delta(tau); Delta0)] psi = E0 psi,
 *   lambda_max = -1 + sqrt(1 - E0)
 * (linearised two-replica DMFT; Schuecker et al. 2018, Helias & Dahmen 2020).
 *
 * Numerics: Gaussian averages by the trapezoidal rule in the standard
 * normal variable (exponentially convergent for analytic integrands; step
 * set by the variance), double averages nested; f_phi and f_phi' tabulated on
 * [0, Delta0] and interpolated by cubic splines; Delta0 by Brent's method;
 * Delta(tau) by RK4 on the Newton equation down to Delta = 1e-6 Delta0,
 * then its exponential tail; E0 by the tridiagonal eigensolver (LAPACK
 * dstevr) on |tau| <= L.
 *
 * Invariant: sf_dmft_solve allocates nothing; the workspace holds every
 * table (describe: params; plan: workspace; execute: solve).
 */
#ifndef SF_THEORY_DMFT_H
#define SF_THEORY_DMFT_H

#include "spikefield/core.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum { SF_DMFT_TANH, SF_DMFT_ERF } sf_dmft_phi;

typedef struct {
    sf_dmft_phi phi; /* phi(x) = tanh(x) or erf(x)                  */
    double g;        /* coupling gain: Var J_ij = g^2 / N, g >= 0    */
    double D;        /* noise intensity (<xi xi'> = D delta), D >= 0 */
} sf_dmft_params;

typedef struct {
    double delta0;    /* Delta(0) = <x^2>                                   */
    double phi2;      /* <phi(x)^2>                                         */
    double stability; /* g^2 <phi'(x)^2> (local stability: < 1 stable)      */
    double tau_decay; /* first tau with Delta(tau) = Delta0 / e (tau units) */
    double tau_corr;  /* int_0^inf Delta dtau / Delta0                      */
    double E0;        /* ground-state energy of the Schroedinger problem    */
    double lyapunov;  /* -1 + sqrt(1 - E0), in 1/tau                        */
    bool fixed_point; /* D = 0 and no chaotic solution: Delta == 0          */
} sf_dmft_solution;

typedef struct sf_dmft_workspace sf_dmft_workspace;

/* Workspace for Delta(tau) on n_tau points of step dtau (tau units) and the
 * Schroedinger problem on |tau| <= n_tau dtau; at most n_max quadrature
 * nodes (0: 801, enough for Delta0 <= 100 at full accuracy). NULL when out
 * of memory or n_tau < 8, dtau <= 0, 0 < n_max < 33. */
sf_dmft_workspace *sf_dmft_workspace_create(size_t n_tau, double dtau, size_t n_max);
void sf_dmft_workspace_destroy(sf_dmft_workspace *ws);

/* Solves the DMFT of p. delta (may be NULL) receives Delta(k dtau), k <
 * n_tau. Lyapunov exponent only when lyap is true (else NaN). Fails with
 * SF_ERR_ARG for g < 0, D < 0 or non-finite values, SF_ERR_NUMERIC when a
 * solver fails. */
sf_status sf_dmft_solve(sf_context *ctx, sf_dmft_workspace *ws, const sf_dmft_params *p,
                        bool lyap, double *delta, sf_dmft_solution *sol);

/* Gaussian averages over x ~ N(0, var) and pair averages (exposed for the
 * tests): <phi>, <phi^2>, <phi'^2>, <Phi^2> - <Phi>^2; f_phi and f_phi' at
 * covariance c in [0, var]. */
double sf_dmft_gauss_mean(sf_dmft_workspace *ws, sf_dmft_phi phi, int what, double var);
double sf_dmft_pair(sf_dmft_workspace *ws, sf_dmft_phi phi, bool derivative, double c,
                    double var);
enum { SF_DMFT_PHI2, SF_DMFT_PHIP2, SF_DMFT_VARPHI_PRIM };

/* Phase diagram: lambda_max and g^2 <phi'^2> on the grid g[i], D[j]
 * (row-major over i, j: out[i * nD + j]). */
sf_status sf_dmft_phase_diagram(sf_context *ctx, sf_dmft_workspace *ws, sf_dmft_phi phi,
                                const double *g, size_t ng, const double *D, size_t nD,
                                double *lyapunov, double *stability);

/* The transition to chaos at noise D: g_c with lambda_max(g_c, D) = 0 in
 * [g_lo, g_hi] (bisection to tol), and the local-stability line g_s with
 * g_s^2 <phi'^2> = 1. SF_ERR_NUMERIC when no sign change in the bracket. */
sf_status sf_dmft_transition(sf_context *ctx, sf_dmft_workspace *ws, sf_dmft_phi phi, double D,
                             double g_lo, double g_hi, double tol, double *g_c, double *g_s);

#endif
