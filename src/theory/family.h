/* Theory families as constant type descriptors (in the style of
 * gsl_rng_type). One folder per family under src/theory/ holds its
 * mathematics, its map from the validated sf_model and its descriptor; the
 * registry (src/theory/registry.c) lists the descriptors, and is the only
 * place that chooses between families.
 *
 * A family says which neuron types it covers (by pointer), whether it
 * accepts a given model (and why not), maps the model onto its own
 * parameters once, predicts named quantities from them, estimates the same
 * quantities from a recording, and evaluates the expected value of each of
 * those estimators (so that compare compares like with like).
 */
#ifndef SF_THEORY_FAMILY_H
#define SF_THEORY_FAMILY_H

#include "spikefield/predict.h"
#include "compare/quantity_impl.h"
#include "model/model_impl.h"

typedef struct sf_theory_type {
    const char *name;                        /* "lif_diffusion", "binary", ... */
    const char *doc;                         /* one line                       */
    const sf_neuron_type *const *covers;     /* NULL-terminated                */
    /* true when the family describes m; else a reason (naming the population,
     * projection or input) is written into why. Called only when every
     * population's type is covered. */
    bool (*accepts)(const sf_model *m, char *why, size_t len);
    /* Maps m onto the family's parameters (allocated; freed by unmap). On
     * failure returns non-OK with a message on ctx and *mapped = NULL. */
    sf_status (*map)(sf_context *ctx, const sf_model *m, void **mapped);
    void (*unmap)(void *mapped);
    /* Predictions into out (kind PREDICTION). */
    sf_status (*predict)(sf_context *ctx, const sf_model *m, const void *mapped,
                         const sf_predict_options *opt, sf_quantities *out);
    /* Simulated estimates of rec into out (kind ESTIMATE), with SEs. */
    sf_status (*estimate)(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                          sf_quantities *out);
    /* Expected value of every estimator in est (same names, populations and
     * axes) into out (kind PREDICTION); pred is the family's own prediction
     * of m (working point etc.), never NULL. */
    sf_status (*expect)(sf_context *ctx, const sf_model *m, const void *mapped,
                        const sf_quantities *pred, const sf_quantities *est,
                        sf_quantities *out);
} sf_theory_type;

/* The family that describes m (by the neuron types of its populations, then
 * accepts()); NULL with the reasons on ctx when none does. */
const sf_theory_type *sf_theory_family_find(sf_context *ctx, const sf_model *m);

#endif
