/* Linear stability of a linearised network (private to the theory module):
 * the one implementation of the stability report every family uses (LIF,
 * Hawkes, binary, linear rate; docs/theory.md "Stability report").
 *
 * A family describes its network by M(s), the effective connectivity at
 * complex s (1/s), through two callbacks: on the scan grid s = 2 pi i f_k
 * (where it may have tabulated its transfer functions) and at any s (the
 * analytic continuation, for the root search). From them:
 *   - the Nyquist count of the zeros of det(1 - M(s)) in Re s > 0 (argument
 *     principle along the imaginary axis, M(-i w) = conj M(i w), det -> 1 as
 *     |s| -> inf);
 *   - the eigenvalues of M along the grid, ordered into continuous branches,
 *     their closest approach to 1, their crossings of the real axis right of
 *     1 (a branch that encircles 1), and the spectral radius at the top;
 *   - the unstable roots, refined by Muller's method (Muller 1956; Press et
 *     al., Numerical Recipes 9.5) on det(1 - M(s)) from the crossings and
 *     the local minima of |det(1 - M(i w))|.
 * Invariant: the only determinant is the kernel's (sf_lr_factor/sf_lr_det);
 * nothing is allocated per frequency or per iteration.
 */
#ifndef SF_THEORY_LINEAR_STABILITY_H
#define SF_THEORY_LINEAR_STABILITY_H

#include "compare/quantity_impl.h"
#include "spikefield/theory.h"
#include "theory/linear/kernel.h"

typedef struct {
    int n;
    /* M at grid frequency index k into M [n^2] */
    sf_status (*grid)(sf_context *ctx, void *user, size_t k, double complex *M);
    /* M at complex s (1/s); NULL: no root refinement. A failure there
     * (outside the domain of the continuation) abandons that start. */
    sf_status (*at)(sf_context *ctx, void *user, double complex s, double complex *M);
    void *user;
} sf_lr_system;

/* The report over the ascending grid freq (n_freq >= 2, from 0 or near it)
 * into out; eig [n_freq * n] (NULL: not kept) receives the branch-ordered
 * eigenvalues. */
sf_status sf_lr_stability(sf_context *ctx, sf_lr_ws *ws, const sf_lr_system *sys,
                          const double *freq, size_t n_freq, double complex *eig,
                          sf_theory_linear_stability *out);

/* Orders the eigenvalues cur [n] to continue the branches prev [n]
 * (greedy nearest match) into out [n]; used [n] scratch. */
void sf_lr_eig_follow(int n, const double complex *prev, const double complex *cur, int *used,
                      double complex *out);

/* The report as quantities of a prediction (every family the same):
 * "unstable_modes", "critical_frequency" (Hz), "critical_eigenvalue",
 * "min_distance_to_1", "spectral_radius_at_scan_top", and when there are
 * any "unstable_roots" (rows: growth rate 1/s, frequency Hz),
 * "dominant_root_growth_rate" (1/s), "dominant_root_frequency" (Hz),
 * "eigenvalue_crossings" (rows: frequency Hz, real eigenvalue); and the
 * list's notes. f_top: the top of the scan (Hz). */
sf_status sf_theory_stability_add(sf_context *ctx, const sf_theory_linear_stability *lin,
                                  double f_top, sf_quantities *out);

/* Marks a predicted spectrum x not valid (with a note) when lin says the
 * state is linearly unstable; SF_ERR_NOMEM on failure. */
sf_status sf_theory_stability_mark(const sf_theory_linear_stability *lin, sf_quantity *x);
/* The same from a prediction holding the report's quantities (its
 * "unstable_modes", "dominant_root_*"); pred NULL or without them: no-op. */
sf_status sf_theory_stability_mark_pred(const sf_quantities *pred, sf_quantity *x);

#endif
