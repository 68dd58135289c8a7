/* spikefield model description: what a model file says, parsed and validated.
 *
 * sf_model is immutable once loaded and is the single source of truth for
 * parameters: the network builder, the engine and the theory read it, and
 * nobody keeps a second copy of defaults (they live in the neuron types'
 * parameter tables).
 *
 * Usage:
 *     sf_context *ctx = sf_context_create();
 *     sf_model *m = NULL;
 *     const char *sets[] = {"populations.E.params.V_th=18"};
 *     if (sf_model_load(ctx, "brunel.yaml", sets, 1, &m) != SF_OK)
 *         fprintf(stderr, "%s\n", sf_context_errmsg(ctx));
 *     ...
 *     sf_model_destroy(m);
 */
#ifndef SPIKEFIELD_MODEL_H
#define SPIKEFIELD_MODEL_H

#include "spikefield/core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Parameter tables: one row per parameter, read by the parser, the docs and
 * the Python package. */
typedef struct {
    const char *name;   /* NEST name, e.g. "tau_m"                         */
    const char *unit;   /* "ms", "mV", "pA", "pF", "Hz", "" (dimensionless) */
    double def;         /* default value                                   */
    double min, max;    /* valid range                                     */
    bool min_open;      /* true: value must be > min (else >= min)         */
    const char *doc;    /* one line                                        */
} sf_param_spec;

/* The model: an opaque, immutable handle (its layout is private, in
 * src/model/model_impl.h). */
typedef struct sf_model sf_model;

/* Loads and validates a model file, applying `n_sets` overrides of the form
 * "dotted.path=value" (YAML value syntax) before validation. On failure
 * returns non-OK with a message "FILE:LINE:COL: key.path: what was wrong" on
 * ctx and *out = NULL. The caller owns *out (free with sf_model_destroy). */
SF_API sf_status sf_model_load(sf_context *ctx, const char *path, const char *const *sets,
                        int n_sets, sf_model **out);
/* Same from a string (name used in messages). */
SF_API sf_status sf_model_load_string(sf_context *ctx, const char *text, const char *name,
                               const char *const *sets, int n_sets, sf_model **out);
SF_API void sf_model_destroy(sf_model *m);

SF_API int sf_model_find_pop(const sf_model *m, const char *name); /* -1 if none */
SF_API uint64_t sf_model_neurons(const sf_model *m);
/* The file the model came from ("" if built in memory); its populations in
 * model order: count, name, number of neurons. Owned by m. */
SF_API const char *sf_model_file(const sf_model *m);
SF_API int sf_model_population_count(const sf_model *m);
SF_API const char *sf_model_population_name(const sf_model *m, int pop);
SF_API uint32_t sf_model_population_size(const sf_model *m, int pop);
/* Expected synapse count of projection i. */
SF_API double sf_model_expected_synapses(const sf_model *m, int i);

#ifdef __cplusplus
}
#endif
#endif
