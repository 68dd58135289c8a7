/* spikefield predict: the theory of a model file, as a library call.
 *
 * The theory family that describes a model is found from its neuron types
 * (src/theory/registry.c): LIF diffusion (iaf_psc_delta, iaf_psc_exp),
 * binary, Hawkes, linear rate (Ornstein-Uhlenbeck) and the perfect
 * integrator. sf_predict maps the validated model onto the family's
 * parameters and returns its predictions as a list of named quantities
 * (compare.h).
 *
 *     sf_predict_options o = {.freq = f, .n_freq = 3};
 *     sf_quantities *pred = NULL;
 *     if (sf_predict(ctx, model, &o, &pred) != SF_OK)
 *         fprintf(stderr, "%s\n", sf_context_errmsg(ctx));
 *     long i = sf_quantities_find(pred, "rate", 0, -1);
 *     double r = sf_quantity_values(pred, (size_t)i)[0];     // Hz
 *     sf_quantities_destroy(pred);
 */
#ifndef SPIKEFIELD_PREDICT_H
#define SPIKEFIELD_PREDICT_H

#include "spikefield/compare.h"
#include "spikefield/core.h"
#include "spikefield/model.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options of sf_predict; NULL or all-zero for the defaults. */
typedef struct {
    const double *freq;   /* [n_freq] Hz: frequencies of spectra and transfer
                             functions (none when n_freq == 0)              */
    size_t n_freq;
} sf_predict_options;

/* Predicts what simulating m shows. Fails with SF_ERR_MODEL and a message
 * naming the population and the reason when no theory family accepts m.
 * The caller owns *out (kind SF_QUANTITIES_PREDICTION). */
SF_API sf_status sf_predict(sf_context *ctx, const sf_model *m, const sf_predict_options *opt,
                            sf_quantities **out);

/* The registered theory families: count, name and one-line description of
 * family i, and the name of the family that describes m (NULL, with the
 * reasons on ctx, when none does). */
SF_API int sf_theory_family_count(void);
SF_API const char *sf_theory_family_name(int i);
SF_API const char *sf_theory_family_doc(int i);
SF_API const char *sf_theory_family_of(sf_context *ctx, const sf_model *m);

#ifdef __cplusplus
}
#endif
#endif
