/* spikefield ising: the pairwise maximum-entropy (Ising) model of binary
 * units, P(s) ~ exp(sum_i h_i s_i + 1/2 sum_{i != j} J_ij s_i s_j), described
 * in a model file by a top-level `ising:` section (couplings given or drawn,
 * fields, sampler) and run with the same three verbs as the simulations
 * (docs/dmft.md "Ising models"):
 *
 *     sf_model *m;  sf_model_load(ctx, "examples/ising_tap.yaml", NULL, 0, &m);
 *     if (sf_model_is_ising(m)) {
 *         sf_quantities *est = NULL, *pred = NULL, *cmp = NULL;
 *         sf_ising_run(ctx, m, NULL, &est, NULL);   // exact or sampled m and C
 *         sf_ising_predict(ctx, m, &pred);          // nMF and TAP, forward and inverse
 *         sf_ising_compare(ctx, m, est, &cmp);      // their errors side by side
 *     }
 *
 * Quantities (rows x cols; names as in the JSON of sf_quantities_write_json):
 *   estimates   m [n x 1], C [n x n] (connected), with standard errors from
 *               20 batch means (0 for exact enumeration)
 *   prediction  m_nmf, m_tap [n x 1] (forward: means from J and h), C_nmf,
 *               C_tap [n x n] (linear response of each theory), and for
 *               n <= 20 the inverse problem from the exact m and C: J_nmf,
 *               J_tap [n x n], h_nmf, h_tap [n x 1]
 *   comparison  m.nmf, m.tap, C.nmf, C.tap (measured against each theory's
 *               forward answer) and J.nmf, J.tap, h.nmf, h.tap (the model's
 *               couplings and fields against those inferred from the
 *               measured m and C); each quantity's notes give the rms and
 *               largest error (over i < j for matrices)
 *
 * Random numbers: drawn couplings and fields come from their own seeds
 * (the section's); sampling from simulation.seed; the results do not depend
 * on simulation.threads (the sampler is sequential).
 */
#ifndef SPIKEFIELD_ISING_H
#define SPIKEFIELD_ISING_H

#include "spikefield/compare.h"
#include "spikefield/core.h"
#include "spikefield/model.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True when m was loaded from a file with an `ising:` section (it then has
 * no populations; the network verbs do not apply to it). */
SF_API bool sf_model_is_ising(const sf_model *m);
/* Spins of an Ising model (0 for other models). */
SF_API uint64_t sf_model_ising_spins(const sf_model *m);
/* The sampler of an Ising model: "exact", "metropolis" or "glauber" (NULL
 * for other models). Static string. */
SF_API const char *sf_model_ising_sampler(const sf_model *m);

/* The measured statistics (kind SF_QUANTITIES_ESTIMATE). stop (may be
 * NULL): polled once per sweep; when it becomes non-zero sampling ends
 * with the batches complete so far and *interrupted (may be NULL) is set. */
SF_API sf_status sf_ising_run(sf_context *ctx, const sf_model *m, const volatile int *stop,
                              sf_quantities **out, bool *interrupted);
/* nMF and TAP (kind SF_QUANTITIES_PREDICTION). */
SF_API sf_status sf_ising_predict(sf_context *ctx, const sf_model *m, sf_quantities **out);
/* nMF and TAP against est (from sf_ising_run of the same model): kind
 * SF_QUANTITIES_COMPARISON; z from est's standard errors where they are
 * positive (sampled), else "n/a" with the errors in the notes. */
SF_API sf_status sf_ising_compare(sf_context *ctx, const sf_model *m, const sf_quantities *est,
                                  sf_quantities **out);

#ifdef __cplusplus
}
#endif
#endif
