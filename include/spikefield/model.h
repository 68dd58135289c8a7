/* spikefield model description: what a model file says, parsed and validated.
 *
 * sf_model is immutable once loaded and is the single source of truth for
 * parameters: the network builder, the engine and the theory read it, and
 * nobody keeps a second copy of defaults (they live in the neuron types'
 * parameter tables).
 *
 * A model comes from a file, from a string, or from calls (the builder
 * below); all three go through the same validation.
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

/* ---------------------------------------------------------------------------
 * Loading. Ownership: the caller owns *out (free with sf_model_destroy); a
 * model is immutable, so one model may be read by any number of threads at
 * once (networks, predictions) while nobody destroys it. */

/* Loads and validates a model file, applying `n_sets` overrides of the form
 * "dotted.path=value" (YAML value syntax) before validation. On failure
 * returns non-OK with a message "FILE:LINE:COL: key.path: what was wrong" on
 * ctx and *out = NULL. */
SF_API sf_status sf_model_load(sf_context *ctx, const char *path, const char *const *sets,
                               int n_sets, sf_model **out);
/* Same from a string (name used in messages). */
SF_API sf_status sf_model_load_string(sf_context *ctx, const char *text, const char *name,
                                      const char *const *sets, int n_sets, sf_model **out);
/* NULL is a no-op. */
SF_API void sf_model_destroy(sf_model *m);

/* ---------------------------------------------------------------------------
 * Building a model by calls, without a file: the builder assembles the same
 * document a model file holds (docs/model-format.md; the keys named below
 * are its keys) and sf_model_builder_finish validates it with the same code
 * as sf_model_load, so a built model obeys every rule a file does. Errors of
 * the assembly (a NULL or unknown name, a population added twice) are
 * reported by the call that makes them; everything the validation checks
 * (ranges, unknown parameters, rules, delays on the grid) is reported by
 * sf_model_builder_finish as "BUILDER: key.path: what was wrong", BUILDER
 * being "<name> (builder)" and key.path the key the failing call wrote.
 *
 *     sf_model_builder *b;
 *     sf_model_builder_create(ctx, "ei", &b);
 *     sf_model_builder_set_number(ctx, b, "simulation.duration", 1000);
 *     sf_model_builder_add_population(ctx, b, "E", "iaf_psc_delta", 800);
 *     sf_model_builder_set_param(ctx, b, "E", "V_th", 20);
 *     sf_model_builder_add_projection(ctx, b, "EE", "E", "E", "fixed_indegree",
 *                                     80, 0.1, 1.5);
 *     ...
 *     if (sf_model_builder_finish(ctx, b, &m) != SF_OK) ... sf_context_errmsg(ctx)
 *     sf_model_builder_destroy(b);
 *
 * Ownership: the caller owns *out of create (free with
 * sf_model_builder_destroy; NULL is a no-op) and the model of finish. Every
 * string argument is copied. A builder is used by one thread at a time.
 * Every function below returns SF_ERR_ARG with a message on ctx when b or a
 * required argument is NULL, and SF_ERR_ARG once the builder is finished
 * (a builder makes one model). */
typedef struct sf_model_builder sf_model_builder;

/* A builder for a model called name (used in messages). */
SF_API sf_status sf_model_builder_create(sf_context *ctx, const char *name,
                                         sf_model_builder **out);
SF_API void sf_model_builder_destroy(sf_model_builder *b);

/* Sets the value at a dotted key path, creating missing mappings, exactly as
 * `--set path=value` does for a file (value in YAML syntax, so a number, a
 * name, a list "[E, I]" or a distribution "{distribution: normal, mean: 1,
 * std: 0.1}"). Any key of the file format can be reached this way:
 * "simulation.duration", "analysis.start", "scale.neurons",
 * "projections.EE.autapses", "inputs.ext.start", ... */
SF_API sf_status sf_model_builder_set(sf_context *ctx, sf_model_builder *b, const char *path,
                                      const char *value);
/* The same for a number (written with 17 significant digits; inf allowed). */
SF_API sf_status sf_model_builder_set_number(sf_context *ctx, sf_model_builder *b,
                                             const char *path, double value);

/* populations.<name>: {model: <model>, n: <n>}; fails if name exists. */
SF_API sf_status sf_model_builder_add_population(sf_context *ctx, sf_model_builder *b,
                                                 const char *name, const char *model,
                                                 uint32_t n);
/* populations.<pop>.params.<param>: value; fails if pop was not added. */
SF_API sf_status sf_model_builder_set_param(sf_context *ctx, sf_model_builder *b,
                                            const char *pop, const char *param, double value);
/* projections.<name>: {source, target, rule, weight, delay} and, for the
 * rules that take one, the number count_or_p under the rule's key
 * (fixed_indegree: indegree, fixed_outdegree: outdegree, fixed_total_number:
 * number, pairwise_bernoulli: p; one_to_one and all_to_all ignore it).
 * weight in mV or pA (the target's weight unit), delay in ms (NAN: the
 * default, one time step). Fails if name exists. */
SF_API sf_status sf_model_builder_add_projection(sf_context *ctx, sf_model_builder *b,
                                                 const char *name, const char *source,
                                                 const char *target, const char *rule,
                                                 double count_or_p, double weight, double delay);
/* inputs.<name>: {kind: poisson, targets: [...], rate: rate_Hz (per target
 * neuron), weight}; n_targets >= 1 population names. */
SF_API sf_status sf_model_builder_add_poisson_input(sf_context *ctx, sf_model_builder *b,
                                                    const char *name,
                                                    const char *const *targets, int n_targets,
                                                    double rate_Hz, double weight);
/* inputs.<name>: {kind: dc, targets: [...], amplitude: amplitude_pA}. */
SF_API sf_status sf_model_builder_add_dc_input(sf_context *ctx, sf_model_builder *b,
                                               const char *name, const char *const *targets,
                                               int n_targets, double amplitude_pA);
/* recorders.<name>: {kind: spikes, populations: [...]} (n_pops == 0: every
 * population). Without any recorder the model records the spikes of every
 * population, as a file without recorders does. */
SF_API sf_status sf_model_builder_add_spike_recorder(sf_context *ctx, sf_model_builder *b,
                                                     const char *name,
                                                     const char *const *pops, int n_pops);
/* recorders.<name>: {kind: voltmeter, populations: [...], n: n_record,
 * variable, interval} (variable NULL: the model's first state variable;
 * interval_ms NAN: every step). */
SF_API sf_status sf_model_builder_add_voltmeter(sf_context *ctx, sf_model_builder *b,
                                                const char *name, const char *const *pops,
                                                int n_pops, uint32_t n_record,
                                                const char *variable, double interval_ms);
/* Validates what was assembled and makes the model (*out NULL on failure).
 * After a failed validation the builder can be corrected and finished
 * again; after a successful one every further call fails. */
SF_API sf_status sf_model_builder_finish(sf_context *ctx, sf_model_builder *b, sf_model **out);

/* ---------------------------------------------------------------------------
 * Queries. A model is valid once loaded, so these cannot fail except by an
 * index out of range, which gives NULL, -1, 0 or NaN as stated. Strings are
 * owned by the model and live as long as it does. Thread-safe. */

/* The file the model came from ("" if built by calls). */
SF_API const char *sf_model_file(const sf_model *m);
/* Provenance: the model as resolved (the document after the --set
 * overrides, with the defaults the parser applied written in: simulation
 * and analysis settings, every neuron parameter, constant delays) as one
 * line of JSON, owned by m; and the overrides as given (none for models
 * from the builder). */
SF_API const char *sf_model_resolved_json(const sf_model *m);
SF_API int sf_model_override_count(const sf_model *m);
SF_API const char *sf_model_override(const sf_model *m, int i);
SF_API uint64_t sf_model_neurons(const sf_model *m);  /* all populations */

/* Populations in model order: count, index of a name (-1 if none), name,
 * number of neurons (after scale.neurons), neuron model name. */
SF_API int sf_model_population_count(const sf_model *m);
SF_API int sf_model_find_pop(const sf_model *m, const char *name);
SF_API const char *sf_model_population_name(const sf_model *m, int pop);
SF_API uint32_t sf_model_population_size(const sf_model *m, int pop);
SF_API const char *sf_model_population_model(const sf_model *m, int pop);
/* Value of parameter `name` of population pop (defaults filled in). Fails
 * with SF_ERR_ARG, naming the population, its neuron model and listing its
 * parameters, when the model has no such parameter or pop is out of range;
 * *value is then untouched. */
SF_API sf_status sf_model_get_param(sf_context *ctx, const sf_model *m, int pop,
                                    const char *name, double *value);

/* Projections in model order: count, name, source and target population
 * indices, connection rule name, mean number of inputs a target neuron
 * receives, expected number of synapses, means of the weight (mV or pA) and
 * delay (ms) distributions. */
SF_API int sf_model_projection_count(const sf_model *m);
SF_API const char *sf_model_projection_name(const sf_model *m, int i);
SF_API int sf_model_projection_source(const sf_model *m, int i);
SF_API int sf_model_projection_target(const sf_model *m, int i);
SF_API const char *sf_model_projection_rule(const sf_model *m, int i);
SF_API double sf_model_projection_indegree(const sf_model *m, int i);
SF_API double sf_model_expected_synapses(const sf_model *m, int i);
SF_API double sf_model_projection_weight(const sf_model *m, int i);
SF_API double sf_model_projection_delay(const sf_model *m, int i);
/* plasticity: the projection's synapse model (NEST's name, e.g.
 * "static_synapse", "stdp_synapse"), whether its weights change during a
 * run (plastic), and its parameter k by name (NaN if it has none). */
SF_API const char *sf_model_projection_synapse(const sf_model *m, int i);
SF_API bool sf_model_projection_plastic(const sf_model *m, int i);
SF_API double sf_model_projection_synapse_param(const sf_model *m, int i, const char *name);

/* Inputs: count, name, kind: the input type's NEST name ("poisson_generator",
 * "dc_generator", "spike_generator"). */
SF_API int sf_model_input_count(const sf_model *m);
SF_API const char *sf_model_input_name(const sf_model *m, int i);
SF_API const char *sf_model_input_kind(const sf_model *m, int i);

/* Recorders: count, name, kind ("spike_recorder", "voltmeter"), the populations
 * recorded (count and population index k), voltmeter variable (NULL for
 * spike recorders). */
SF_API int sf_model_recorder_count(const sf_model *m);
SF_API const char *sf_model_recorder_name(const sf_model *m, int r);
SF_API const char *sf_model_recorder_kind(const sf_model *m, int r);
SF_API int sf_model_recorder_population_count(const sf_model *m, int r);
SF_API int sf_model_recorder_population(const sf_model *m, int r, int k);
SF_API const char *sf_model_recorder_variable(const sf_model *m, int r);
/* The variables a multimeter or voltmeter records (record_from): count (0 for
 * spike recorders) and name v (NULL out of range). */
SF_API int sf_model_recorder_variable_count(const sf_model *m, int r);
SF_API const char *sf_model_recorder_variable_at(const sf_model *m, int r, int v);

/* Simulation and analysis settings (keys simulation.* and analysis.*):
 * time step (ms), duration (ms), seed, threads, analysis window start (ms),
 * bin (ms) and pairs sampled per population for correlations. */
SF_API double sf_model_resolution(const sf_model *m);
SF_API double sf_model_duration(const sf_model *m);
SF_API uint64_t sf_model_seed(const sf_model *m);
SF_API int sf_model_threads(const sf_model *m);
SF_API double sf_model_analysis_start(const sf_model *m);
SF_API double sf_model_analysis_bin(const sf_model *m);
SF_API uint32_t sf_model_analysis_pairs(const sf_model *m);

/* ---------------------------------------------------------------------------
 * The registry of neuron models (what `spikefield models` lists): count,
 * index of a name (-1 if none), name, one-paragraph documentation, weight
 * unit ("mV": a jump of V_m; "pA": a current), parameters (count, and the
 * row k of the parameter table) and state variables (count, name and unit
 * of variable k; variable 0 is the one a voltmeter records by default) and
 * receptor ports (count, name and one-line doc of port k, the name a
 * projection or input gives as `receptor:`; sign +1: weights >= 0 only, -1:
 * <= 0 only, 0: any). Index out of range: NULL or 0. Static data,
 * thread-safe. */
/* nest-devices: the registry of devices (inputs, then recorders; what
 * `inputs:` and `recorders:` take as kind): count, name, the older name
 * accepted as well (NULL if none), one-line documentation, 1 for a
 * recorder and 0 for an input. Index out of range: NULL or -1. Static. */
SF_API int sf_device_count(void);
SF_API const char *sf_device_name(int i);
SF_API const char *sf_device_alias(int i);
SF_API const char *sf_device_doc(int i);
SF_API int sf_device_is_recorder(int i);

/* plasticity: the registry of synapse models (what a projection's
 * `synapse:` takes): count, name, one-line documentation, whether the
 * weights change during a run (1) or not (0), and the parameters (count,
 * row k of the table, NEST's names). Index out of range: NULL or -1. */
SF_API int sf_synapse_model_count(void);
SF_API const char *sf_synapse_model_name(int i);
SF_API const char *sf_synapse_model_doc(int i);
SF_API int sf_synapse_model_plastic(int i);
SF_API int sf_synapse_model_param_count(int i);
SF_API const sf_param_spec *sf_synapse_model_param(int i, int k);

SF_API int sf_neuron_model_count(void);
SF_API int sf_neuron_model_find(const char *name);
SF_API const char *sf_neuron_model_name(int i);
SF_API const char *sf_neuron_model_doc(int i);
SF_API const char *sf_neuron_model_weight_unit(int i);
SF_API int sf_neuron_model_param_count(int i);
SF_API const sf_param_spec *sf_neuron_model_param(int i, int k);
SF_API int sf_neuron_model_state_count(int i);
SF_API const char *sf_neuron_model_state_name(int i, int k);
SF_API const char *sf_neuron_model_state_unit(int i, int k);
SF_API int sf_neuron_model_port_count(int i);
SF_API const char *sf_neuron_model_port_name(int i, int k);
SF_API const char *sf_neuron_model_port_doc(int i, int k);
SF_API int sf_neuron_model_port_sign(int i, int k);

#ifdef __cplusplus
}
#endif
#endif
