/* One-loop renormalization group of the stochastic Wilson-Cowan field
 * (src/lattice/field.h; Tiberi et al., PRL 128, 168301 (2022)); the
 * derivation, conventions and measured accuracy are in docs/rg.md.
 *
 * Continuum model: d_t phi = lap (kappa phi + c2 phi^2 + c3 phi^3) + eta,
 * <eta eta> = D delta delta. Integrating the shell Lambda e^{-dl} < |k| <
 * Lambda at one loop changes g(phi) = kappa phi + c2 phi^2 + c3 phi^3 by
 *
 *     delta g(phi) = (D I / 4) g''(phi) / g'(phi),   I = K_d Lambda^{d-2} dl,
 *
 * (D is not renormalized: every correction to it carries q^4). Expanded:
 *     delta kappa = D I (3 c3 / (2 kappa) - c2^2 / kappa^2)
 *     delta c2    = D I (2 c2^3 / kappa^3 - 9 c2 c3 / (2 kappa^2))
 *     delta c3    = D I (12 c2^2 c3 / kappa^3 - 9 c3^2 / (2 kappa^2) - 4 c2^4 / kappa^4)
 * With the dimensionless couplings u = c3 D K_d Lambda^{d-2} / kappa^2 and
 * w = c2^2 D K_d Lambda^{d-2} / kappa^3 (Lambda = Lambda_0 e^{-l}):
 *     du/dl = (2 - d) u - (15/2) u^2 + 14 u w - 4 w^2
 *     dw/dl = (2 - d) w + 7 w^2 - (27/2) u w
 * In d = 2 with w = 0: u(l) = u0 / (1 + (15/2) u0 l) (Gell-Mann-Low).
 *
 * Invariant: these functions are the only statement of the one-loop
 * coefficients in the code; the tests check them independently.
 */
#ifndef SF_THEORY_RG_H
#define SF_THEORY_RG_H

#include "spikefield/core.h"

#include <stddef.h>

#define SF_RG_A 7.5 /* the Gell-Mann-Low coefficient a of du/dl = -a u^2 (d = 2, w = 0) */

/* K_d = S_d / (2 pi)^d, the shell factor: 1/pi, 1/(2 pi), 1/(2 pi^2). */
double sf_rg_kd(int d);

/* The one-loop changes of (kappa, c2, c3) per unit of D I (I = K_d
 * Lambda^{d-2} dl, or the lattice sum (1/N) sum_k 1/lambda(k) of a first-
 * order perturbative estimate). */
void sf_rg_shift(double kappa, double c2, double c3, double *dkappa, double *dc2, double *dc3);

/* The beta functions (du/dl, dw/dl) in d dimensions. */
void sf_rg_beta(double d, double u, double w, double *du, double *dw);

/* Integrates the flow from (u0, w0) at l = 0 to l[i], i < n (ascending,
 * l[0] >= 0), with GSL's odeiv2 (rk8pd, relative tolerance 1e-12, no
 * absolute one: couplings decaying like e^-l keep their relative accuracy) into u[i], w[i]. SF_ERR_NUMERIC (message on ctx) when the
 * integration fails or a coupling runs away (|u| or |w| > 1e6). */
sf_status sf_rg_flow(sf_context *ctx, double d, double u0, double w0, const double *l, size_t n,
                     double *u, double *w);

#endif
