/* multimeter and voltmeter (NEST 3.x's names): sample state variables
 * (`record_from`, or `variable`; the voltmeter's default is the type's first
 * variable, V_m) of a subset of neurons of each population every `interval`
 * ms, as float32 (default) or float64 (`precision: float64`); V_m in absolute
 * mV. As in NEST the voltmeter is a multimeter with record_from [V_m]: both
 * descriptors share this one mechanism.
 *
 * Sample J holds the state at the end of update (J + 1) * every - 1, i.e. at
 * t = (J + 1) * interval; samples with start < t <= stop (and t <= the
 * duration) are kept, sample q of the recording being J = J0 + q. Sampling
 * runs in the update phase on the block's own thread; the neurons of
 * different blocks are disjoint, so are their samples. The sample arrays
 * are spools (spool.h): with a spool folder the rows already sampled are
 * dropped from memory in the record phase (rows before the slice, which no
 * thread writes any more). */
#include "engine/engine_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t every, j0;         /* steps between samples, first sample J   */
    size_t n_samples;
    int n_pops, n_vars;
    bool f64;
    uint32_t *n_nodes;         /* per population                           */
    sf_spool *data;            /* [pop * n_vars + v]: n_samples x n_nodes   */
    int *var;                  /* [pop * n_vars + v]: state index           */
    double *offset;            /* [pop * n_vars + v]: E_L for V_m, else 0   */
    int *pos;                  /* [block]: recorder population, -1: none    */
    uint32_t *lo, *hi;         /* [block]: recorded neurons sel[lo..hi)     */
} trace;

static void destroy(sf_recording *rec, int r)
{
    trace *tr = rec->data[r];
    if (!tr)
        return;
    if (tr->data)
        for (int k = 0; k < tr->n_pops * tr->n_vars; k++)
            sf_spool_close(&tr->data[k]);
    free(tr->data);
    free(tr->n_nodes);
    free(tr->var);
    free(tr->offset);
    free(tr->pos);
    free(tr->lo);
    free(tr->hi);
    free(tr);
    rec->data[r] = NULL;
}

/* Samples J0 .. J0 + n - 1 of recorder rc over a run of `steps` steps. */
static void sample_range(const sf_recorder *rc, double h, int64_t steps, int64_t *j0, size_t *n)
{
    int64_t every = (int64_t)nearbyint(rc->interval / h);
    double I = (double)every * h, end = fmin(rc->stop, (double)steps * h);
    *j0 = (int64_t)floor(rc->start / I + 1e-9);
    int64_t j1 = (int64_t)floor(end / I + 1e-9); /* one past the last */
    *n = j1 > *j0 ? (size_t)(j1 - *j0) : 0;
}

static bool start(sf_recording *rec, const sf_network *net, int r)
{
    const sf_model *m = net->m;
    const sf_recorder *rc = &m->recorders[r];
    trace *tr = calloc(1, sizeof *tr);
    if (!(rec->data[r] = tr))
        return false;
    tr->every = (int64_t)nearbyint(rc->interval / net->h);
    sample_range(rc, net->h, net->n_steps, &tr->j0, &tr->n_samples);
    tr->n_pops = rc->n_pops;
    tr->n_vars = rc->n_vars;
    tr->f64 = rc->f64;
    size_t nk = (size_t)rc->n_pops * (size_t)rc->n_vars, nb = (size_t)net->n_blocks;
    tr->n_nodes = calloc((size_t)rc->n_pops + 1, sizeof(uint32_t));
    if ((tr->data = malloc(sizeof(sf_spool) * (nk + 1))))
        for (size_t q = 0; q <= nk; q++)
            tr->data[q] = SF_SPOOL_NONE;
    tr->var = calloc(nk + 1, sizeof(int));
    tr->offset = calloc(nk + 1, sizeof(double));
    tr->pos = malloc(sizeof(int) * (nb + 1));
    tr->lo = calloc(nb + 1, sizeof(uint32_t));
    tr->hi = calloc(nb + 1, sizeof(uint32_t));
    if (!tr->n_nodes || !tr->data || !tr->var || !tr->offset || !tr->pos || !tr->lo || !tr->hi)
        return false;
    const size_t es = tr->f64 ? sizeof(double) : sizeof(float);
    for (int k = 0; k < rc->n_pops; k++) {
        const sf_population *pop = &m->pops[rc->pops[k]];
        const sf_neuron_type *t = pop->type;
        tr->n_nodes[k] = rc->sel[k].n;
        for (int v = 0; v < rc->n_vars; v++) {
            size_t q = (size_t)k * (size_t)rc->n_vars + (size_t)v;
            int e = sf_spool_open(&tr->data[q], es, tr->n_samples * tr->n_nodes[k] + 1,
                                  rec->spool_dir);
            if (e) {
                snprintf(rec->stop_reason, sizeof rec->stop_reason,
                         "recorder %s: cannot keep the %zu samples of %s of %s%s: %s",
                         rc->name, tr->n_samples * tr->n_nodes[k], rc->vars[v], pop->name,
                         rec->spool_dir ? " (spooled to disk)" : "", strerror(e));
                return false;
            }
            for (int s = 0; s < t->n_state; s++)
                if (!strcmp(t->state_names[s], rc->vars[v]))
                    tr->var[q] = s;
            tr->offset[q] = tr->var[q] == 0 && t->v_offset_param >= 0
                                ? pop->params[t->v_offset_param]
                                : 0.0;
        }
    }
    /* which recorded neurons lie in which block */
    for (int bi = 0; bi < net->n_blocks; bi++) {
        const sf_block *b = &net->blocks[bi];
        tr->pos[bi] = -1;
        for (int k = 0; k < rc->n_pops; k++) {
            if (rc->pops[k] != b->pop)
                continue;
            const sf_subset *ss = &rc->sel[k];
            uint32_t lo = 0, hi;
            if (ss->idx) {
                while (lo < ss->n && ss->idx[lo] < b->first)
                    lo++;
                hi = lo;
                while (hi < ss->n && ss->idx[hi] < b->first + b->n)
                    hi++;
            } else {
                lo = b->first;
                hi = b->first + b->n;
            }
            if (hi > lo) {
                tr->pos[bi] = k;
                tr->lo[bi] = lo;
                tr->hi[bi] = hi;
            }
        }
    }
    return true;
}

static void sample(sf_recording *rec, const sf_network *net, int r, const sf_block *b, int64_t k)
{
    const trace *tr = rec->data[r];
    if ((k + 1) % tr->every)
        return;
    const int bi = (int)(b - net->blocks), q = tr->pos[bi];
    if (q < 0)
        return;
    const int64_t J = (k + 1) / tr->every - 1 - tr->j0;
    if (J < 0 || (size_t)J >= tr->n_samples)
        return;
    const sf_subset *ss = &net->m->recorders[r].sel[q];
    const uint32_t nn = tr->n_nodes[q], lo = tr->lo[bi], hi = tr->hi[bi];
    for (int v = 0; v < tr->n_vars; v++) {
        const size_t c = (size_t)q * (size_t)tr->n_vars + (size_t)v;
        const double *x = b->state[tr->var[c]];
        const double off = tr->offset[c];
        const size_t row = (size_t)J * nn;
        if (tr->f64) {
            double *dst = (double *)tr->data[c].base + row;
            for (uint32_t j = lo; j < hi; j++)
                dst[j] = x[(ss->idx ? ss->idx[j] : j) - b->first] + off;
        } else {
            float *dst = (float *)tr->data[c].base + row;
            for (uint32_t j = lo; j < hi; j++)
                dst[j] = (float)(x[(ss->idx ? ss->idx[j] : j) - b->first] + off);
        }
    }
}

/* Record phase of the slice starting at step s0: the rows sampled before
 * it are complete and leave memory (spooled traces). */
static bool collect(sf_recording *rec, const sf_network *net, int r, const sf_thread_state *all,
                    int par, int64_t s0)
{
    (void)net;
    (void)all;
    (void)par;
    trace *tr = rec->data[r];
    int64_t done = s0 / tr->every - tr->j0; /* samples J < done were taken before s0 */
    if (done <= 0)
        return true;
    size_t rows = (size_t)done < tr->n_samples ? (size_t)done : tr->n_samples;
    for (int k = 0; k < tr->n_pops; k++)
        for (int v = 0; v < tr->n_vars; v++)
            sf_spool_release(&tr->data[(size_t)k * (size_t)tr->n_vars + (size_t)v],
                             rows * tr->n_nodes[k]);
    return true;
}

/* Samples taken in the first `steps` steps. */
static size_t samples_done(const trace *tr, int64_t steps)
{
    int64_t done = steps / tr->every - tr->j0;
    done = done < 0 ? 0 : done;
    return (size_t)done < tr->n_samples ? (size_t)done : tr->n_samples;
}

/* Checkpoints: the samples taken so far of every (population, variable). */
static void state_arrays(sf_recording *rec, int r, int64_t steps,
                         void (*fn)(void *u, void *data, size_t bytes), void *u)
{
    const trace *tr = rec->data[r];
    const size_t es = tr->f64 ? sizeof(double) : sizeof(float), n = samples_done(tr, steps);
    for (int k = 0; k < tr->n_pops; k++)
        for (int v = 0; v < tr->n_vars; v++)
            fn(u, tr->data[(size_t)k * (size_t)tr->n_vars + (size_t)v].base, n * tr->n_nodes[k] * es);
}

static bool get_trace_var(const sf_recording *rec, int r, int k, int v, const void **data,
                          bool *f64, size_t *n_times, uint32_t *n_nodes, const uint32_t **node_ids,
                          double *t0, double *dt)
{
    const trace *tr = rec->data[r];
    if (k < 0 || k >= tr->n_pops || v < 0 || v >= tr->n_vars)
        return false;
    const sf_recorder *rc = &rec->m->recorders[r];
    const double h = rec->m->sim.resolution;
    /* samples taken before the run ended (interrupted runs) */
    *data = tr->data[(size_t)k * (size_t)tr->n_vars + (size_t)v].base;
    *f64 = tr->f64;
    *n_times = samples_done(tr, (int64_t)nearbyint(rec->t_end / h));
    *n_nodes = tr->n_nodes[k];
    if (node_ids)
        *node_ids = rc->sel[k].idx;
    *dt = (double)tr->every * h;
    *t0 = (double)(tr->j0 + 1) * *dt;
    return true;
}

static bool get_trace(const sf_recording *rec, int r, int k, const float **data, size_t *n_times,
                      uint32_t *n_nodes, double *t0, double *dt)
{
    const void *d;
    bool f64;
    if (!get_trace_var(rec, r, k, 0, &d, &f64, n_times, n_nodes, NULL, t0, dt) || f64)
        return false;
    *data = d;
    return true;
}

static double bytes(const sf_model *m, const sf_recorder *rc)
{
    int64_t j0;
    size_t n;
    sample_range(rc, m->sim.resolution, (int64_t)nearbyint(m->sim.duration / m->sim.resolution),
                 &j0, &n);
    double nodes = 0;
    for (int k = 0; k < rc->n_pops; k++)
        nodes += rc->sel[k].n;
    return (rc->f64 ? 8.0 : 4.0) * rc->n_vars * nodes * (double)n;
}

static const char *const keys[] = {"n",     "interval",    "variable",  "record_from",
                                   "start", "stop",        "precision", NULL};

const sf_recorder_type sf_recorder_multimeter = {
    .name = "multimeter",
    .doc = "state variables (record_from) of the neurons of its populations (or subsets), "
           "sampled every `interval` ms for start < t <= stop, float32 or float64",
    .keys = keys,
    .bytes = bytes,
    .start = start,
    .sample = sample,
    .collect = collect,
    .destroy = destroy,
    .trace = get_trace,
    .trace_var = get_trace_var,
    .state_arrays = state_arrays,
};

const sf_recorder_type sf_recorder_voltmeter = {
    .name = "voltmeter",
    .doc = "a multimeter with record_from [V_m] (the type's first state variable, or "
           "`variable`); without a subset or n it records the first neuron of each population",
    .keys = keys,
    .bytes = bytes,
    .start = start,
    .sample = sample,
    .collect = collect,
    .destroy = destroy,
    .trace = get_trace,
    .trace_var = get_trace_var,
    .state_arrays = state_arrays,
};
