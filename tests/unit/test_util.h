/* Harnesses shared by the unit tests (header only: each tests/unit/test_*.c
 * is its own program and includes this after <cmocka.h>).
 *
 *  - cell: a block of n neurons of one type driven by hand through the
 *    type's descriptor (prepare, init_state, update, event_amplitudes), on
 *    arrays owned here; inputs are consumed (zeroed) after every step, as the
 *    engine does (src/engine/run.c).
 *  - sim: a model loaded from text, its network built and (optionally) run
 *    through the engine; every failure ends the test with the library's
 *    message.
 *
 * Invariant: nothing here computes an expected value; it only drives the
 * code under test. Functions are static inline so that a test that uses
 * part of the header compiles without unused-function warnings. */
#ifndef SF_TEST_UTIL_H
#define SF_TEST_UTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"
#include "spikefield/network.h"

/* |a - b| <= tol, or the test fails with a message naming the quantity. */
#define fail_unless_close(a, b, tol, what)                                                 \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s: %.10g, expected %.10g within %.4g (off by %.4g)", (what), a_, b_, \
                     t_, fabs(a_ - b_));                                                   \
    } while (0)

/* ------------------------------------------------------------------------
 * A block of neurons driven by hand. */

typedef struct {
    const sf_neuron_type *t;
    double p[32];
    void *derived;
    double *state[16];
    double *in[4];
    uint32_t spk[256];
    float amp[256]; /* event amplitudes of the last step (types that have them) */
    double scratch[256];
    size_t n;
    double h;
    int64_t k; /* steps done */
} cell;

/* n neurons of `type` with the given parameters (others: table defaults),
 * prepared for resolution h and put in the resting state. */
static inline void cell_init(cell *c, const char *type, size_t n, double h,
                             const char *const *names, const double *vals, int nv)
{
    memset(c, 0, sizeof *c);
    c->t = sf_neuron_type_find(type);
    assert_non_null(c->t);
    assert_true(c->t->n_params <= 32 && c->t->n_state <= 16 && c->t->n_ports <= 4);
    assert_true(n * (size_t)c->t->max_spikes_per_step <= 256);
    c->n = n;
    c->h = h;
    for (int i = 0; i < c->t->n_params; i++)
        c->p[i] = c->t->params[i].def;
    for (int k = 0; k < nv; k++) {
        int i = sf_param_index(c->t, names[k]);
        if (i < 0)
            fail_msg("%s has no parameter %s", type, names[k]);
        c->p[i] = vals[k];
    }
    char msg[256];
    if (c->t->check && !c->t->check(c->p, msg, sizeof msg))
        fail_msg("%s: %s", type, msg);
    c->derived = calloc(1, c->t->derived_size + 1);
    assert_non_null(c->derived);
    c->t->prepare(c->p, h, c->derived);
    for (int k = 0; k < c->t->n_state; k++)
        assert_non_null(c->state[k] = calloc(n, sizeof(double)));
    for (int k = 0; k < c->t->n_ports; k++)
        assert_non_null(c->in[k] = calloc(n, sizeof(double)));
    c->t->init_state(c->p, c->state, n);
}

static inline void cell_free(cell *c)
{
    free(c->derived);
    for (int k = 0; k < 16; k++)
        free(c->state[k]);
    for (int k = 0; k < 4; k++)
        free(c->in[k]);
}

/* One step under DC current i_dc; returns the number of spikes (in c->spk,
 * their amplitudes in c->amp for types with event amplitudes). */
static inline size_t cell_step(cell *c, double i_dc)
{
    const sf_step st = {2385, 0, c->k++, c->h, c->scratch, NULL};
    size_t ns = c->t->update(c->p, c->derived, c->state, c->n, c->in, i_dc, c->spk, &st);
    if (c->t->event_amplitudes)
        c->t->event_amplitudes(c->p, c->derived, c->state, c->spk, ns, c->amp);
    for (int k = 0; k < c->t->n_ports; k++)
        memset(c->in[k], 0, c->n * sizeof(double));
    return ns;
}

/* Absolute membrane potential of neuron i (state[0] may be relative to E_L). */
static inline double V(const cell *c, size_t i)
{
    double off = c->t->v_offset_param >= 0 ? c->p[c->t->v_offset_param] : 0.0;
    return c->state[0][i] + off;
}

/* ------------------------------------------------------------------------
 * A model through the pipeline. */

typedef struct {
    sf_context *ctx;
    sf_model *m;
    sf_network *net;
    sf_recording *rec;
} sim;

/* Loads `text` (named `source` in messages) and builds its network with
 * `threads` threads (<= 0: the model's simulation.threads). */
static inline void sim_load(sim *s, const char *text, const char *source, int threads)
{
    memset(s, 0, sizeof *s);
    s->ctx = sf_context_create();
    assert_non_null(s->ctx);
    if (sf_model_load_string(s->ctx, text, source, NULL, 0, &s->m) != SF_OK)
        fail_msg("model: %s", sf_context_errmsg(s->ctx));
    if (sf_network_build(s->ctx, s->m, threads > 0 ? threads : s->m->sim.threads, &s->net) !=
        SF_OK)
        fail_msg("build: %s", sf_context_errmsg(s->ctx));
}

/* Runs the built network through the engine (recording in s->rec). */
static inline void sim_engine(sim *s)
{
    if (sf_engine_run(s->ctx, s->net, NULL, &s->rec) != SF_OK)
        fail_msg("run: %s", sf_context_errmsg(s->ctx));
}

static inline void sim_free(sim *s)
{
    sf_recording_destroy(s->rec);
    sf_network_destroy(s->net);
    sf_model_destroy(s->m);
    sf_context_destroy(s->ctx);
}

/* b's spikes are a's (ids and steps, in recording order) in populations
 * 0..n_pops-1; a ran with 1 thread, b with `threads` (for the message). */
static inline void sim_same_spikes(const sim *a, const sim *b, int n_pops, int threads)
{
    for (int p = 0; p < n_pops; p++) {
        const uint32_t *ia, *ib;
        const int64_t *sa, *sb;
        size_t na, nb;
        assert_true(sf_recording_spikes(a->rec, p, &ia, &sa, &na));
        assert_true(sf_recording_spikes(b->rec, p, &ib, &sb, &nb));
        if (nb != na)
            fail_msg("population %d: %zu spikes with %d threads, %zu with 1", p, nb, threads, na);
        for (size_t k = 0; k < na; k++)
            assert_true(ib[k] == ia[k] && sb[k] == sa[k]);
    }
}

#endif
