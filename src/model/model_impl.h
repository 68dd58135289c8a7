/* Private layout of the model description (src/model/), shared by the
 * library's modules: the parser fills it, the builder, the engine and the
 * theory read it. Nothing outside the library sees these structs; the public
 * face is include/spikefield/model.h (opaque handle and accessors).
 */
#ifndef SF_MODEL_IMPL_H
#define SF_MODEL_IMPL_H

#include "spikefield/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A scalar drawn per entity: constant, or from a distribution. Values outside
 * [min, max] are redrawn (NEST's "redraw"), so normal+min gives a truncated
 * normal. */
typedef enum { SF_DIST_CONST, SF_DIST_UNIFORM, SF_DIST_NORMAL } sf_dist_kind;
typedef struct {
    sf_dist_kind kind;
    double a, b;        /* const: a; uniform: [a, b); normal: mean a, sd b  */
    double min, max;    /* redraw bounds (-inf, inf if none)               */
} sf_dist;

/* ---------------------------------------------------------------------------
 * Neuron types: constant descriptors, one file each in src/neurons/, listed in
 * the registry (src/neurons/registry.c). State is structure-of-arrays: the
 * engine hands update() one array of doubles per state variable. */
/* What a neuron model may need beyond its state in one step: the step, the
 * seed and the global id of its first neuron, so that stochastic models can
 * draw from their own streams (sf_rng_uniforms / sf_rng_normals with purpose
 * SF_RNG_NEURON and entity = global id), and scratch space of n doubles. */
typedef struct {
    uint64_t seed;
    uint64_t first_gid;
    int64_t step;
    double h;
    double *scratch;
} sf_step;

typedef struct sf_neuron_type {
    const char *name;
    const char *doc;                 /* one paragraph: equations, reference */
    const sf_param_spec *params;
    int n_params;
    const char *const *state_names;  /* state variables, [0] is recordable V_m */
    const char *const *state_units;
    int n_state;
    int n_channels;                  /* input channels: 1, or 2 (w>0, w<0)   */
    int v_offset_param;              /* state[0] is stored relative to this
                                        parameter (E_L), -1 if absolute     */
    const char *weight_unit;         /* "mV" (jump) or "pA" (current)        */
    int max_spikes_per_step;         /* 1 except for models that may burst   */
    bool continuous;                 /* events are a signal sent every step
                                        (rate units), not spikes: not recorded
                                        by spike recorders                  */
    size_t derived_size;             /* bytes of precomputed constants       */
    /* Checks relations between parameters (e.g. V_reset < V_th); writes a
     * message into msg and returns false when violated. May be NULL. */
    bool (*check)(const double *p, char *msg, size_t len);
    /* Computes propagators etc. for resolution h (ms) into derived. */
    void (*prepare)(const double *p, double h, void *derived);
    /* Sets state to the resting state (before initial distributions). */
    void (*init_state)(const double *p, double *const *state, size_t n);
    /* Advances n neurons by one step. input[c][i] is the total input of
     * channel c arriving in this step (mV or pA, per weight_unit). Writes the
     * indices of neurons that spike (repeated for multiple spikes) into
     * spikes and returns their count (<= n * max_spikes_per_step). i_dc is the
     * extra DC current (pA) of inputs active in this step. */
    size_t (*update)(const double *p, const void *derived, double *const *state,
                     size_t n, double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step);
    /* Optional (NULL: every event has amplitude 1). For models whose events
     * carry a value (a binary neuron's transition +1 up / -1 down, a rate
     * unit's output), called after update() with the events it returned:
     * writes amp[j] for event j; a target receives weight * amp. */
    void (*event_amplitudes)(const double *p, const void *derived, double *const *state,
                             const uint32_t *events, size_t n_events, float *amp);
} sf_neuron_type;

/* The neuron types (one file each in src/neurons/), for code that refers to
 * a type by pointer (theory families list the types they cover). */
extern const sf_neuron_type sf_iaf_psc_delta, sf_iaf_psc_exp, sf_pif_psc_delta;
extern const sf_neuron_type sf_binary, sf_hawkes, sf_lin_rate, sf_tanh_rate;

/* Registry of neuron types. NULL when unknown. */
const sf_neuron_type *sf_neuron_type_find(const char *name);
int sf_neuron_type_count(void);
const sf_neuron_type *sf_neuron_type_at(int i);
int sf_param_index(const sf_neuron_type *t, const char *name); /* -1 if none */

/* ---------------------------------------------------------------------------
 * The model. */
typedef struct {
    char *name;
    const sf_neuron_type *type;
    uint32_t n;
    double *params;          /* type->n_params values, defaults filled in    */
    sf_dist *initial;        /* type->n_state initial distributions          */
    uint64_t first_gid;      /* global id of neuron 0                        */
} sf_population;

typedef enum {
    SF_RULE_FIXED_INDEGREE,
    SF_RULE_FIXED_OUTDEGREE,
    SF_RULE_FIXED_TOTAL_NUMBER,
    SF_RULE_PAIRWISE_BERNOULLI,
    SF_RULE_ONE_TO_ONE,
    SF_RULE_ALL_TO_ALL
} sf_rule_kind;

typedef struct {
    char *name;
    int source, target;      /* population indices                          */
    sf_rule_kind rule;
    uint64_t count;          /* indegree, outdegree or total number          */
    double p;                /* pairwise_bernoulli probability               */
    bool autapses, multapses;
    sf_dist weight;          /* mV or pA, per the target's weight_unit      */
    sf_dist delay;           /* ms; drawn values are rounded to the grid     */
} sf_projection;

typedef enum { SF_INPUT_POISSON, SF_INPUT_DC, SF_INPUT_SPIKES } sf_input_kind;
typedef struct {
    char *name;
    sf_input_kind kind;
    int n_targets;
    int *targets;            /* population indices                          */
    double rate;             /* poisson: Hz per target neuron                */
    double weight;           /* poisson, spikes: mV or pA                    */
    double amplitude;        /* dc: pA                                       */
    double start, stop;      /* active window, ms                            */
    double delay;            /* spikes: ms                                   */
    size_t n_times;
    double *times;           /* spikes: ms, ascending                        */
} sf_input;

typedef enum { SF_REC_SPIKES, SF_REC_VOLTMETER } sf_recorder_kind;
typedef struct {
    char *name;
    sf_recorder_kind kind;
    int n_pops;
    int *pops;               /* population indices                          */
    uint32_t n_record;       /* voltmeter: first n neurons of each pop       */
    char *variable;          /* voltmeter: state variable ("V_m")           */
    double interval;         /* voltmeter: ms                                */
} sf_recorder;

typedef struct {
    double resolution;       /* ms                                           */
    double duration;         /* ms                                           */
    uint64_t seed;
    int threads;
    double t_analysis;       /* analysis window starts here (ms)             */
    double bin;              /* ms, for Fano factor and correlations         */
    uint32_t corr_pairs;     /* pairs sampled per population                 */
} sf_settings;

typedef struct sf_model {
    char *file;              /* path it came from ("" if built in memory)    */
    sf_settings sim;
    int n_pops, n_proj, n_inputs, n_recorders;
    sf_population *pops;
    sf_projection *proj;
    sf_input *inputs;
    sf_recorder *recorders;
} sf_model;

/* Parameter value by name for population pop (NaN if the type has none). */
double sf_model_param(const sf_model *m, int pop, const char *name);
/* Mean number of inputs a target neuron receives through projection p. */
double sf_model_mean_indegree(const sf_model *m, const sf_projection *p);

/* Draws a value of d from r (redrawing outside [min,max], at most 1000 times,
 * then clamping). */
double sf_dist_draw(const sf_dist *d, sf_rng *r);
double sf_dist_mean(const sf_dist *d);
/* Draws n values of d at once: out[i] from value i of the stream
 * (seed, purpose, entity) (sf_rng_uniforms_blocks / sf_rng_normals_blocks);
 * a value outside [min, max] is redrawn from value r n + i in round
 * r = 1, 2, ... (at most 1000 rounds, then clamped). Every
 * value depends only on its index, not on n. Vectorised. */
void sf_dist_draw_n(const sf_dist *d, uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                    uint64_t n, double *out);

#endif
