/* Private layout of the model description (src/model/), shared by the
 * library's modules: the parser fills it, the builder, the engine and the
 * theory read it. Nothing outside the library sees these structs; the public
 * face is include/spikefield/model.h (opaque handle and accessors).
 */
#ifndef SF_MODEL_IMPL_H
#define SF_MODEL_IMPL_H

#include "spikefield/model.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A scalar drawn per entity: constant, or from a distribution. Values outside
 * [min, max] are redrawn (NEST's "redraw"), so normal+min gives a truncated
 * normal. negate: the value is -X for X from the distribution (lognormal and
 * gamma are positive; inhibitory weights use negate); the bounds apply to
 * the negated value. */
typedef enum {
    SF_DIST_CONST,
    SF_DIST_UNIFORM,
    SF_DIST_NORMAL,
    SF_DIST_LOGNORMAL, /* X = exp(a + b Z), Z standard normal (a = mu, b = sigma) */
    SF_DIST_GAMMA      /* shape a, scale b: mean a b, variance a b^2          */
} sf_dist_kind;
typedef struct {
    sf_dist_kind kind;
    double a, b;        /* const: a; uniform: [a, b); normal: mean a, sd b  */
    double min, max;    /* redraw bounds (-inf, inf if none)               */
    bool negate;        /* lognormal, gamma: the value is -X                */
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
    /* nest-devices: per-neuron extra current (pA, or the units of i_dc) of
     * inputs that drive single neurons (noise_generator, current inputs
     * onto a subset): i_ext[i] adds to i_dc for neuron i. NULL: none. Every
     * update() must honour it (tests/unit/test_devices.c checks each type). */
    const double *i_ext;
} sf_step;

/* A receptor port: one input of a neuron type (a synaptic current with its
 * own time constant, or the one input of a point-process model). update()
 * receives input[c] for port c. A projection or input names its port with
 * `receptor:`; without it the type's default_port picks one. */
typedef struct {
    const char *name;
    int tau_param;   /* index of the port's synaptic time constant in the type's params, -1 if none */
    int sign;        /* +1: weights >= 0 only, -1: <= 0 only, 0: any */
    const char *doc;
} sf_receptor_port;

typedef struct sf_neuron_type {
    const char *name;
    const char *doc;                 /* one paragraph: equations, reference */
    const sf_param_spec *params;
    int n_params;
    const char *const *state_names;  /* state variables, [0] is recordable V_m */
    const char *const *state_units;
    int n_state;
    const sf_receptor_port *ports;   /* input ports; input[c] of update()
                                        is the input of port c              */
    int n_ports;
    /* The port of a projection or input that names no receptor, from the
     * range [w_min, w_max] its weights can take: the one place where a type
     * says how the sign of a weight selects a port. -1 when no port fits
     * (e.g. weights of both signs). NULL: port 0. */
    int (*default_port)(double w_min, double w_max);
    int v_offset_param;              /* state[0] is stored relative to this
                                        parameter (E_L), -1 if absolute     */
    const char *weight_unit;         /* "mV" (jump) or "pA" (current)        */
    int max_spikes_per_step;         /* 1 except for models that may burst   */
    bool no_current;                 /* takes no current (parrot_neuron): the
                                        parser refuses current inputs onto it;
                                        every other type adds i_dc and
                                        sf_step.i_ext to its drive          */
    bool continuous;                 /* events are a signal sent every step
                                        (rate units), not spikes: not recorded
                                        by spike recorders                  */
    size_t derived_size;             /* bytes of precomputed constants       */
    int derived_finite;              /* derived begins with this many doubles
                                        (propagators) that must be finite: the
                                        parser refuses parameters for which one
                                        is not (0: nothing checked)          */
    /* Checks relations between parameters (e.g. V_reset < V_th); writes a
     * message into msg and returns false when violated. May be NULL. */
    bool (*check)(const double *p, char *msg, size_t len);
    /* Computes propagators etc. for resolution h (ms) into derived. */
    void (*prepare)(const double *p, double h, void *derived);
    /* Sets state to the resting state (before initial distributions). */
    void (*init_state)(const double *p, double *const *state, size_t n);
    /* Advances n neurons by one step. input[c][i] is the total input of
     * port c arriving in this step (mV or pA, per weight_unit). Writes the
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
extern const sf_neuron_type sf_iaf_psc_alpha, sf_izhikevich, sf_parrot_neuron;
extern const sf_neuron_type sf_iaf_cond_exp, sf_iaf_cond_alpha, sf_aeif_cond_exp, sf_aeif_cond_alpha, sf_hh_psc_alpha;
extern const sf_neuron_type sf_sde_poly; /* issue 16: src/neurons/sde_poly.c */
extern const sf_neuron_type sf_aeif_psc_delta_clopath, sf_pp_cond_exp_mc_urbanczik;

/* The one port of the single-input types: every event adds weight x
 * amplitude to the model's input (src/neurons/registry.c). */
extern const sf_receptor_port sf_port_single[1];

/* Registry of neuron types. NULL when unknown. */
const sf_neuron_type *sf_neuron_type_find(const char *name);
int sf_neuron_type_count(void);
const sf_neuron_type *sf_neuron_type_at(int i);
int sf_param_index(const sf_neuron_type *t, const char *name); /* -1 if none */

/* ---------------------------------------------------------------------------
 * spatial (issue 14, docs/spatial.md): positions of a population and the
 * distance dependence of a projection. Zero (SF_SPACE_NONE, SF_PROFILE_NONE)
 * means none, so the non-spatial model is unchanged. */
typedef enum { SF_SPACE_NONE = 0, SF_SPACE_RING, SF_SPACE_TORUS, SF_SPACE_SHEET } sf_geometry;
typedef struct {
    sf_geometry geometry;
    int dim;                 /* 1 (ring) or 2 (torus, sheet)                 */
    bool periodic;           /* ring, torus                                  */
    bool grid;               /* regular grid, else uniform random positions
                                from (seed, SF_RNG_POSITION, global id)      */
    double extent[2];        /* mm, per dimension                            */
    uint32_t shape[2];       /* grid: points per dimension, product n        */
} sf_space;
typedef enum {
    SF_PROFILE_NONE = 0,
    SF_PROFILE_BOXCAR,       /* f(r) = 1 for r <= R, else 0                  */
    SF_PROFILE_EXPONENTIAL,  /* f(r) = exp(-r/R)                             */
    SF_PROFILE_GAUSSIAN      /* f(r) = exp(-r^2 / (2 R^2))                   */
} sf_profile_kind;
typedef struct {
    sf_profile_kind kind;
    double width;            /* R, mm                                        */
    /* distance-dependent delay d = d0 + r / speed (speed in mm/ms): the
     * projection's delay then holds the range [d0, d0 + r_max / speed] as a
     * uniform distribution (for the ring buffer and the synapse storage) and
     * the rule writes each synapse's delay (src/network/spatial.c) */
    bool distance_delay;
    double d0, speed;
} sf_profile;

/* Position (mm) of neuron i of population pop: x[0], and x[1] in 2-D
 * (src/network/space.c). Pure: the same for any thread or call order. */
void sf_space_position(const sf_model *m, int pop, uint32_t i, double x[2]);

/* ---------------------------------------------------------------------------
 * The model. */
typedef struct {
    char *name;
    const sf_neuron_type *type;
    uint32_t n;
    double *params;          /* type->n_params values, defaults filled in;
                                a parameter given as a distribution holds its
                                mean here (what the theory reads)           */
    sf_dist *param_dist;     /* NULL: every neuron has params. Else
                                type->n_params entries: the distribution of
                                each heterogeneous parameter, kind CONST for
                                the others; neuron i draws its own values
                                (sf_population_neuron_params)               */
    sf_dist *initial;        /* type->n_state initial distributions          */
    uint64_t first_gid;      /* global id of neuron 0                        */
    sf_space space;          /* spatial: geometry NONE when not spatial      */
    double tau_minus;        /* plasticity: ms, the time constant of the
                                postsynaptic spike trace K_minus (NEST's
                                ArchivingNode tau_minus, default 20), read
                                by the spike archive (stdp_synapse)         */
} sf_population;

/* Connection rules, inputs, recorders and synapse models are constant type
 * descriptors (one file each, listed in a registry), like the neuron types.
 * Their layouts follow the model structs below. */
struct sf_rule_type;
struct sf_input_type;
struct sf_recorder_type;
struct sf_synapse_type;

typedef struct {
    char *name;
    int source, target;      /* population indices                          */
    const struct sf_rule_type *rule;
    const struct sf_synapse_type *synapse;
    int receptor;            /* port index in the target population's type   */
    uint64_t count;          /* indegree, outdegree or total number          */
    double p;                /* pairwise_bernoulli probability               */
    bool autapses, multapses;
    sf_dist weight;          /* mV or pA, per the target's weight_unit      */
    sf_dist delay;           /* ms; drawn values are rounded to the grid     */
    sf_profile profile;      /* spatial rules: kind NONE otherwise           */
    double *syn_params;      /* plasticity: synapse->n_params values of the
                                synapse type's parameter table, defaults
                                filled (NULL when it has none)              */
} sf_projection;

/* nest-devices: the neurons of a population that an input drives or a
 * recorder records: all of them (idx NULL, n the population size) or the
 * ascending, distinct population-local indices idx[0..n). */
typedef struct {
    uint32_t n;
    uint32_t *idx;
} sf_subset;

typedef struct {
    char *name;
    const struct sf_input_type *type;
    int n_targets;
    int *targets;            /* population indices                          */
    int *receptor;           /* [n_targets] port per target population       */
    double rate;             /* poisson: Hz per target neuron (the mean when
                                it is a distribution)                       */
    sf_dist dist;            /* the type's SF_KEY_DIST key per target neuron;
                                kind CONST: the number itself               */
    double weight;           /* poisson, spikes: mV or pA                    */
    double amplitude;        /* dc: pA                                       */
    double start, stop;      /* active window, ms                            */
    double delay;            /* spikes: ms                                   */
    double period;           /* poisson_generator: the trains repeat with this
                                period (ms; 0: never), a frozen pattern     */
    size_t n_times;
    double *times;           /* spikes: ms, ascending                        */
    /* --- nest-devices --------------------------------------------------- */
    sf_subset *sel;          /* [n_targets] neurons of each target           */
    uint64_t n_neurons;      /* target neurons in all (sum of sel[k].n)      */
    double p_copy;           /* mip_generator: copy probability              */
    double mean, std, dt;    /* noise_generator: pA, pA, ms                  */
    size_t n_values;         /* step_current_generator amplitude_values (pA), */
    double *values;          /* inhomogeneous_poisson_generator rate_values
                                (Hz), one per entry of times               */
    size_t *train;           /* spike_generator with per-neuron trains:
                                [n_neurons + 1] offsets into times; target
                                neuron j (in target order) spikes at
                                times[train[j] .. train[j+1]); NULL: every
                                target neuron gets all of times            */
    /* --- end nest-devices ----------------------------------------------- */
    /* ---- sinusoidal inputs (ac_generator, sinusoidal_poisson_generator) and
     * the transfer measurement (analysis.transfer); amplitude is pA (ac) or
     * Hz (sinusoidal Poisson), rate the mean rate (Hz) ------------------- */
    double offset;           /* ac: pA                                       */
    double frequency;        /* Hz                                           */
    double phase;            /* deg                                          */
    bool individual;         /* sinusoidal Poisson: independent trains per
                                target (NEST's individual_spike_trains)      */
    bool transfer;           /* measured by analysis.transfer                */
    size_t n_freq;           /* > 0: the target neurons of each population are
                                split into n_freq contiguous groups, neuron j
                                of n modulated at freq[j n_freq / n]
                                (sf_input_frequency_group)                   */
    double *freq;            /* [n_freq] Hz, from analysis.transfer          */
    /* ---- end of the sinusoidal inputs' fields --------------------------- */
} sf_input;

/* The frequency group of neuron j of a target population of n neurons
 * (in->n_freq > 0): floor(j n_freq / n). */
static inline size_t sf_input_frequency_group(const sf_input *in, uint64_t j, uint64_t n)
{
    return (size_t)((j * (uint64_t)in->n_freq) / (n ? n : 1));
}

typedef struct {
    char *name;
    const struct sf_recorder_type *type;
    int n_pops;
    int *pops;               /* population indices                          */
    uint32_t n_record;       /* voltmeter: first n neurons of each pop       */
    char *variable;          /* voltmeter: state variable ("V_m")           */
    double interval;         /* voltmeter: ms                                */
    /* --- nest-devices --------------------------------------------------- */
    sf_subset *sel;          /* [n_pops] recorded neurons of each population */
    double start, stop;      /* records events and samples with
                                start < t <= stop (ms)                       */
    int n_vars;              /* multimeter: record_from, variable names      */
    char **vars;             /* (vars[0] == variable)                        */
    bool f64;                /* multimeter: float64 samples (default float32) */
    /* --- end nest-devices ----------------------------------------------- */
    int n_projs;             /* weight_recorder: the recorded projections   */
    int *projs;
} sf_recorder;

typedef struct {
    double resolution;       /* ms                                           */
    double duration;         /* ms                                           */
    uint64_t seed;
    int threads;
    bool dense_off;          /* simulation.dense: off: no dense coupling
                                delivery (src/engine/dense.h)               */
    double t_analysis;       /* analysis window starts here (ms)             */
    double bin;              /* ms, for Fano factor and correlations         */
    uint32_t corr_pairs;     /* pairs sampled per population                 */
    int theory_method;       /* theory.method: 0 shift, 1 taylor (the
                                Fourcaud-Brunel colored-noise treatment of
                                the LIF theory, sf_theory_colored)          */
    int theory_noise;        /* theory.noise: 0 poisson, 1 renewal (the
                                single-neuron noise term of LIF spectra)     */
    double spectrum_bin;     /* ms, bins of the spectra of compare (0: the
                                family's default, one step or 1 ms)           */
    double spectrum_max;     /* Hz, top of the compared spectra (inf: the
                                Nyquist frequency of the spectrum bins)       */
} sf_settings;

typedef struct sf_model {
    char *file;              /* path it came from ("" if built in memory)    */
    sf_settings sim;
    int n_pops, n_proj, n_inputs, n_recorders;
    sf_population *pops;
    sf_projection *proj;
    sf_input *inputs;
    sf_recorder *recorders;
    char **sets;             /* the --set overrides as given (provenance)    */
    int n_sets;
    char *resolved;          /* the resolved model as one line of JSON      */
    struct sf_field_spec *field; /* the field: section (src/lattice/field.h);
                                    NULL: a network model                   */
    struct sf_learning_spec *learning; /* a `learning:` model (then no
                                populations): src/learning/; else NULL    */
    struct sf_ising_spec *ising; /* an `ising:` model (then no populations):
                                src/theory/ising/ising.h; else NULL       */
} sf_model;

/* The engine's limit on step indices. The parser refuses durations, spike
 * times and delays beyond it; sf_time_steps saturates at it. */
#define SF_MAX_STEPS ((int64_t)1 << 52)

/* Time t (ms) in steps of h (ms): the nearest step, saturated to
 * [-SF_MAX_STEPS, SF_MAX_STEPS] (so an input window starting at 1e300 ms, or
 * stopping at infinity, is simply beyond every step of the run). The one
 * conversion of times to steps: never cast t / h to an integer directly. */
static inline int64_t sf_time_steps(double t, double h)
{
    double s = nearbyint(t / h);
    if (!(s < (double)SF_MAX_STEPS))
        return s != s ? 0 : SF_MAX_STEPS; /* NaN cannot come from a parsed model */
    if (!(s > -(double)SF_MAX_STEPS))
        return -SF_MAX_STEPS;
    return (int64_t)s;
}

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

/* Mean and standard deviation of d after its redraw bounds (truncated
 * normal: Johnson, Kotz & Balakrishnan; lognormal and gamma: partial
 * moments from the normal and incomplete gamma functions). */
void sf_dist_moments(const sf_dist *d, double *mean, double *sd);
/* Probability that one draw of d lies within [min, max] (1 without bounds). */
double sf_dist_mass(const sf_dist *d);

/* The parameters of neuron i of population pop into row (type->n_params):
 * pop->params with every heterogeneous parameter drawn, in parameter order,
 * from the neuron's own stream (seed, SF_RNG_PARAM, global id). */
void sf_population_neuron_params(const sf_model *m, int pop, uint32_t i, double *row);

/* Draws are all >= lo and <= hi (the distribution's support within its
 * redraw bounds); is_const: every draw gives the same value. */
void sf_dist_range(const sf_dist *d, double *lo, double *hi);
bool sf_dist_is_const(const sf_dist *d);

/* ---------------------------------------------------------------------------
 * Connection rules: one file each in src/network/rules/, listed in
 * src/network/rules/registry.c. A rule draws the partners of one entity
 * (a target neuron, or a source neuron when by_source) from that entity's
 * own stream, so the network does not depend on the number of threads. */

typedef struct sf_conn_scratch sf_conn_scratch; /* network/network_impl.h */

typedef struct sf_rule_type {
    const char *name;
    const char *alias;              /* name accepted as well, or NULL       */
    const char *doc;
    const char *count_key;          /* "indegree", "outdegree", "number", "p"
                                       or NULL: the key giving count or p  */
    bool count_is_probability;      /* count_key is p in [0, 1]             */
    bool count_scales_with_neurons; /* scale.neurons also scales the count  */
    bool by_source;                 /* partners are drawn per source neuron */
    bool spatial;                   /* needs positions and a `profile`
                                       (issue 14, src/network/spatial.h)   */
    /* Possible partners without multapses (the bound of count); NULL if the
     * rule has no count. */
    uint64_t (*max_count)(const sf_model *m, const sf_projection *p);
    /* Relations the rule needs (e.g. equal sizes); NULL: none. */
    bool (*check)(const sf_model *m, const sf_projection *p, char *msg, size_t len);
    double (*mean_indegree)(const sf_model *m, const sf_projection *p);
    double (*expected_synapses)(const sf_model *m, const sf_projection *p);
    /* Optional per-projection plan drawn before the partners (malloc'd, at
     * most one 32-bit word per target neuron; NULL on out of memory). */
    void *(*plan)(const sf_model *m, int proj);
    /* Most partners of one entity (plan NULL: an estimate before building). */
    double (*max_partners)(const sf_model *m, const sf_projection *p, const void *plan);
    /* Writes the partners of entity j (indices into the other population of
     * size n, never `skip`) to S->list and returns their count. */
    uint64_t (*partners)(const sf_projection *p, const void *plan, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S);
    /* Bytes of per-thread workspace partners() uses as S->ws; NULL: none. */
    size_t (*scratch_bytes)(const void *plan);
    /* Optional (rules drawing by target): the order in which the builder
     * draws the targets, a permutation of the target population held by
     * the plan (spatial rules: by cell, so that neighbours, which share
     * their sources and the rule's tables, follow each other); NULL: index
     * order. The network does not depend on it: each target draws from its
     * own stream, and the builder stores the targets in index order. */
    const uint32_t *(*entity_order)(const void *plan);
} sf_rule_type;

extern const sf_rule_type sf_rule_fixed_indegree, sf_rule_fixed_outdegree,
    sf_rule_fixed_total_number, sf_rule_pairwise_bernoulli, sf_rule_one_to_one,
    sf_rule_all_to_all;
extern const sf_rule_type sf_rule_spatial_fixed_indegree, sf_rule_spatial_fixed_outdegree,
    sf_rule_spatial_pairwise_bernoulli; /* spatial (issue 14) */

/* ---------------------------------------------------------------------------
 * Keys of an input type besides kind, targets and receptor, read by the
 * parser in this order into the sf_input field at `offset`. */
typedef enum {
    SF_KEY_NUMBER, /* a number in [lo, hi] (both infinite: any number)       */
    SF_KEY_DELAY,  /* a delay (ms) on the grid, default the resolution       */
    SF_KEY_TIMES,  /* a list of ascending times on the grid -> times, n_times */
    SF_KEY_DIST,   /* as SF_KEY_NUMBER, or a distribution drawn per target neuron:
                      its mean -> the number, itself -> sf_input.dist (at most
                      one such key per type; every value it can draw lies in
                      [lo, hi]) */
    /* nest-devices: */
    SF_KEY_VALUES, /* a list of numbers in [lo, hi], one per time -> values, n_values */
    SF_KEY_STEP,   /* a duration (ms), a positive multiple of the resolution;
                      def NAN: lo times the resolution                      */
    SF_KEY_TRAINS, /* per-neuron spike trains, a list of lists of times on the
                      grid, one per target neuron -> times, train           */
    SF_KEY_FILE,   /* per-neuron spike trains from a SONATA spike file: a path
                      (relative to the model file) or {path, population}
                      -> times, train                                       */
    SF_KEY_BOOL    /* true/false -> a bool at offset, default def != 0        */
} sf_key_kind;
typedef struct {
    const char *key;
    size_t offset;
    sf_key_kind kind;
    bool required;
    double def, lo, hi;
} sf_input_key;

/* Inputs: one file each in src/engine/inputs/, listed in
 * src/engine/inputs/registry.c. At build time every (input, target block)
 * gets a source with the type's own state; in every step of the update
 * phase the block's sources, in model order, add their events to the ports'
 * input rows and their currents to i_dc. */
struct sf_network;
struct sf_block;
typedef struct sf_block_input sf_block_input; /* network/network_impl.h */

typedef struct sf_input_type {
    const char *name;
    const char *alias;           /* name accepted as well (older files)        */
    const char *doc;
    const sf_input_key *keys;    /* {NULL}-terminated                          */
    bool window;                 /* has start and stop                         */
    bool weighted;               /* sends weighted events to a receptor port   */
    /* nest-devices: apply honours src->sel (a subset of the block); without
     * it the parser refuses targets that are not whole populations */
    bool subsets;
    /* nest-devices: adds a current: per neuron into b->i_ext (the blocks
     * where it drives a subset, or every block when per_neuron, get one),
     * else into *i_dc */
    bool current, per_neuron;
    /* Further checks after the keys; on failure writes msg, sets *key to the
     * offending key and returns false. NULL: none. */
    bool (*check)(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key);
    double (*max_delay)(const sf_input *in); /* ms, NULL: no delay               */
    /* Creates the source state of input `input` for block b (port: the
     * receptor port). Returns 1 (created), 0 (nothing to do), -1 (no memory). */
    int (*block_init)(const struct sf_network *net, const struct sf_block *b, int input, int port,
                      void **state);
    /* Step k: adds events into in[port][0..b->n) and currents to *i_dc. */
    void (*apply)(const struct sf_network *net, const struct sf_block *b, const sf_block_input *src,
                  int64_t k, double *const *in, double *i_dc);
    void (*block_free)(void *state);
} sf_input_type;

extern const sf_input_type sf_input_poisson_generator, sf_input_dc_generator,
    sf_input_spike_generator;
/* nest-devices */
extern const sf_input_type sf_input_step_current_generator, sf_input_noise_generator,
    sf_input_inhomogeneous_poisson_generator, sf_input_mip_generator;

/* nest-devices: reads the spikes of group /spikes/<pop> of a SONATA spike
 * file (src/engine/sonata.c): n spikes, times t[] (ms) and node ids id[]
 * (malloc'd, caller frees). On failure writes msg and returns false. */
bool sf_sonata_read_spikes(const char *path, const char *pop, double **t, uint64_t **id,
                           size_t *n, char *msg, size_t len);
extern const sf_input_type sf_input_ac_generator, sf_input_sinusoidal_poisson_generator;
/* sin(2 pi f t + phase_deg pi/180) at t = (k+1) h (f Hz, h ms): the value
 * the sinusoidal inputs use in step k, as NEST's oscillators give it
 * (src/engine/inputs/ac_generator.c). */
double sf_input_sine_at(double f, double phase_deg, double h, int64_t k);

/* ---------------------------------------------------------------------------
 * Recorders: one file each in src/engine/recorders/, listed in
 * src/engine/recorders/registry.c. The engine calls start once, sample after
 * every block update (update phase, the block's own thread), collect once
 * per slice on the main thread (record phase), then destroy. */
struct sf_recording;
struct sf_thread_state;
struct sf_ckpt_io;
struct sf_syn_table;
struct sf_wlog;

typedef struct sf_recorder_type {
    const char *name;
    const char *alias;           /* name accepted as well (older files)        */
    const char *doc;
    const char *const *keys;     /* keys besides kind and populations, among
                                    n, interval, variable, start, stop,
                                    record_from, precision; NULL-terminated  */
    bool spikes;                 /* records spikes (continuous populations,
                                    which send no spikes, are left out)        */
    bool weights;                /* plasticity: records the weights of the
                                    plastic projections in sf_recorder.projs
                                    (key projections)                       */
    double (*bytes)(const sf_model *m, const sf_recorder *r); /* estimate; NULL: 0 */
    bool (*start)(struct sf_recording *rec, const struct sf_network *net, int r);
    void (*sample)(struct sf_recording *rec, const struct sf_network *net, int r,
                   const struct sf_block *b, int64_t k);
    bool (*collect)(struct sf_recording *rec, const struct sf_network *net, int r,
                    const struct sf_thread_state *all, int par, int64_t s0);
    void (*destroy)(struct sf_recording *rec, int r);
    /* sf_recording_trace for this recorder; NULL: it records no traces. */
    bool (*trace)(const struct sf_recording *rec, int r, int k, const float **data,
                  size_t *n_times, uint32_t *n_nodes, double *t0, double *dt);
    /* nest-devices: sf_recording_trace_var for this recorder; NULL: none. */
    bool (*trace_var)(const struct sf_recording *rec, int r, int k, int v, const void **data,
                      bool *f64, size_t *n_times, uint32_t *n_nodes, const uint32_t **node_ids,
                      double *t0, double *dt);
    /* checkpoints (src/engine/checkpoint.c): calls fn(u, data, bytes) for
     * each array that holds what recorder r recorded in the first `steps`
     * steps, in an order and layout independent of blocks and threads; the
     * checkpoint writes these bytes and reads them back into the same
     * arrays of a new recording. NULL: nothing beyond the recording's spike
     * lists. */
    void (*state_arrays)(struct sf_recording *rec, int r, int64_t steps,
                         void (*fn)(void *u, void *data, size_t bytes), void *u);
    /* plasticity: the weight log (struct sf_wlog, network_impl.h) that
     * table T, delivered by thread `thread`, writes for recorder r, or NULL;
     * the engine calls it for every table before the run. NULL: none. */
    struct sf_wlog *(*table_log)(struct sf_recording *rec, int r, const struct sf_syn_table *T,
                                 int thread);
    /* checkpoints: state of variable length (after state_arrays) through io
     * (src/engine/ckpt_io.h), e.g. the weight recorder's entries; false
     * when reading fails. NULL: none. */
    bool (*ckpt)(struct sf_recording *rec, int r, struct sf_ckpt_io *io);
} sf_recorder_type;

extern const sf_recorder_type sf_recorder_spike_recorder, sf_recorder_voltmeter;
extern const sf_recorder_type sf_recorder_multimeter; /* nest-devices */
extern const sf_recorder_type sf_recorder_weight_recorder; /* plasticity */

/* ---------------------------------------------------------------------------
 * Synapse models: one file each in src/synapses/, listed in
 * src/synapses/registry.c. A synapse type owns the per-synapse storage of a
 * synapse table (src/network/network_impl.h: the rows are the builder's)
 * and delivers a source's spikes along its row. Plastic types
 * (docs/plasticity.md, /work/contracts/plasticity.md) keep a mutable weight
 * per synapse in that storage and change it in deliver (a table belongs to
 * one block and so to one thread: no locks); what they need from the
 * postsynaptic neurons is an archive (sf_archive_type) the builder gives
 * every block that such a projection targets. */
struct sf_syn_table;
struct sf_network;
struct sf_block;
struct sf_syn_state;

/* An archive of postsynaptic quantities, one per (block, archive type). */
typedef struct sf_archive_type {
    const char *name;
    /* The archive of block b (b->n neurons); NULL when out of memory. */
    void *(*create)(const struct sf_network *net, const struct sf_block *b);
    /* Table T (onto the archive's block) will read it (e.g. counts the
     * incoming synapses of each neuron); NULL: nothing to do. */
    void (*connect)(void *arch, const struct sf_syn_table *T);
    /* After the neuron update of step k of block b (its own thread, update
     * phase), before the recorders sample: b->state holds the state at
     * (k+1) h, spk[0..ns) the block-local neurons that spiked (repeated for
     * multiplicity). False when out of memory (the run fails cleanly). */
    bool (*step)(void *arch, const struct sf_network *net, const struct sf_block *b, int64_t k,
                 const uint32_t *spk, size_t ns);
    void (*destroy)(void *arch);
    /* Checkpoints (src/engine/checkpoint.c): the state of neuron i through
     * io (src/engine/ckpt_io.h: counted, written or read back), in a form
     * independent of the block (a network of any thread count reads it);
     * false when reading fails. NULL: nothing to keep across slices. */
    bool (*ckpt)(void *arch, uint32_t i, struct sf_ckpt_io *io);
} sf_archive_type;

typedef struct sf_synapse_type {
    const char *name;
    const char *alias;           /* name accepted as well, or NULL             */
    const char *doc;
    /* plasticity: the parameters (NEST names, units, defaults, ranges),
     * given in the projection's synapse: {model: NAME, ...} mapping and
     * stored in sf_projection.syn_params; NULL/0: none */
    const sf_param_spec *params;
    int n_params;
    bool plastic;                /* weights change during the run: get() gives
                                    the current weight; the weight recorder
                                    and the weight dump apply               */
    const sf_archive_type *archive; /* what the target neurons archive for
                                    this type (NULL: nothing)               */
    const char *target_type;     /* plast-b: the neuron type the targets must
                                    have (voltage-based rules read its
                                    state); NULL: any                       */
    /* Relations between the parameters sp and the projection (e.g. the
     * initial weight within [0, Wmax]); writes msg and returns false when
     * violated. NULL: none. */
    bool (*check)(const double *sp, const sf_projection *p, char *msg, size_t len);
    double (*bytes_per_synapse)(const sf_projection *p);
    size_t row_bytes;            /* plasticity: bytes of per-source state per
                                    table (e.g. the presynaptic trace)      */
    /* Allocates storage for T->n_syn synapses of projection p (resolution h);
     * false when out of memory (destroy frees what was made). */
    bool (*create)(struct sf_syn_table *T, const sf_projection *p, double h);
    /* Stores n synapses: synapse at[j] has block-local target tgt[j], weight
     * w[j] and delay d[j] steps. */
    void (*store)(struct sf_syn_table *T, size_t n, const uint32_t *at, const uint16_t *tgt,
                  const double *w, const uint16_t *d);
    void (*get)(const struct sf_syn_table *T, uint32_t at, uint16_t *tgt, double *w, uint16_t *d);
    /* Optional (NULL: nothing): after the last store of table T (the build
     * may reorder synapses within rows); false when out of memory. */
    bool (*finish)(struct sf_syn_table *T);
    /* Optional (NULL: bytes_per_synapse): the bytes T's storage takes. */
    double (*table_bytes)(const struct sf_syn_table *T);
    /* Delivers the n spikes src[] (source ids, event amplitudes amp[]) of
     * step k into the ring buffer of block b (ring mask mask). A source
     * repeated in consecutive entries is one event of that multiplicity
     * (sf_syn_event_run); plastic types update its weights once. */
    void (*deliver)(const struct sf_syn_table *T, const struct sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n);
    /* Optional (NULL: none): a hint, before the delivery of a step's spikes
     * (every table of the thread first, then deliver): starts loading the
     * rows of the n sources src[] into the cache. Changes no result. */
    void (*prefetch)(const struct sf_syn_table *T, const uint32_t *src, uint32_t n);
    /* Optional (NULL: none): after the delivery of the slice [s0, s1), once
     * per table of the thread (phase_plasticity): time-driven updates. */
    void (*slice_update)(const struct sf_syn_table *T, const struct sf_block *b, int64_t s0,
                         int64_t s1);
    void (*destroy)(struct sf_syn_table *T);
    /* Checkpoints (src/engine/checkpoint.c): where the mutable state of
     * table T lives (struct sf_syn_state, network_impl.h: per-synapse
     * arrays indexed by the synapse slot, per-source rows); the checkpoint
     * stores it in canonical synapse order. NULL: no state (static). */
    void (*ckpt_state)(const struct sf_syn_table *T, struct sf_syn_state *st);
} sf_synapse_type;

extern const sf_synapse_type sf_synapse_static;
/* plasticity (src/synapses/) */
extern const sf_synapse_type sf_synapse_stdp, sf_synapse_stdp_hom, sf_synapse_tsodyks,
    sf_synapse_tsodyks2;
extern const sf_archive_type sf_archive_spikes; /* src/synapses/spike_archive.c */
/* plast-b: voltage-based rules (src/synapses/clopath_synapse.c,
 * urbanczik_synapse.c; their archives src/plasticity/varch_archive.c) */
extern const sf_synapse_type sf_synapse_clopath, sf_synapse_urbanczik;
extern const sf_archive_type sf_archive_clopath, sf_archive_urbanczik;
int sf_synapse_param_index(const sf_synapse_type *t, const char *name); /* -1 if none */

/* Registries (one file each, one line per type): X_find looks a type up by
 * name or alias (NULL when unknown), X_count and X_at list them, X_names
 * writes "a, b, c" (the names, then the aliases in parentheses) into buf for
 * error messages. */
#define SF_REGISTRY_DECLARE(T, X)                                                            \
    const T *X##_find(const char *name);                                                     \
    int X##_count(void);                                                                     \
    const T *X##_at(int i);                                                                  \
    void X##_names(char *buf, size_t len);
SF_REGISTRY_DECLARE(sf_rule_type, sf_rule_type)
SF_REGISTRY_DECLARE(sf_input_type, sf_input_type)
SF_REGISTRY_DECLARE(sf_recorder_type, sf_recorder_type)
SF_REGISTRY_DECLARE(sf_synapse_type, sf_synapse_type)

/* Defines the registry X of descriptors of type T from the list of their
 * addresses (in a registry.c; needs <string.h> and <stdio.h>). */
#define SF_REGISTRY_DEFINE(T, X, ...)                                                        \
    static const T *const registry_[] = {__VA_ARGS__};                                       \
    int X##_count(void)                                                                      \
    {                                                                                        \
        return (int)(sizeof registry_ / sizeof registry_[0]);                                \
    }                                                                                        \
    const T *X##_at(int i)                                                                   \
    {                                                                                        \
        return i >= 0 && i < X##_count() ? registry_[i] : NULL;                              \
    }                                                                                        \
    const T *X##_find(const char *name)                                                      \
    {                                                                                        \
        for (int i = 0; name && i < X##_count(); i++)                                        \
            if (!strcmp(registry_[i]->name, name) ||                                         \
                (registry_[i]->alias && !strcmp(registry_[i]->alias, name)))                 \
                return registry_[i];                                                         \
        return NULL;                                                                         \
    }                                                                                        \
    void X##_names(char *buf, size_t len)                                                    \
    {                                                                                        \
        size_t at = 0;                                                                       \
        buf[0] = '\0';                                                                       \
        for (int i = 0; i < X##_count() && at < len; i++) {                                  \
            const T *t_ = registry_[i];                                                      \
            at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", t_->name);     \
            if (t_->alias && at < len)                                                       \
                at += (size_t)snprintf(buf + at, len - at, " (%s)", t_->alias);              \
        }                                                                                    \
    }
/* Port of neuron type t by name, -1 if none. */
int sf_receptor_find(const sf_neuron_type *t, const char *name);

#endif
