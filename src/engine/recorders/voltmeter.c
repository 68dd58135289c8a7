/* voltmeter (NEST's name): samples one state variable (`variable`, default
 * the type's first, V_m) of the first `n` neurons of each of its populations
 * every `interval` ms, as float32, V_m in absolute mV. Sample j holds the
 * state at the end of update (j + 1) * every - 1, i.e. at t = (j + 1) *
 * interval. Sampling runs in the update phase on the block's own thread; the
 * samples of different blocks are disjoint. */
#include "engine/engine_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int n_samples, every;      /* samples, steps between samples            */
    uint32_t n_nodes;
    int n_pops;
    float **data;              /* per population of the recorder            */
    int *var;                  /* per population: index of the variable     */
    double *offset;            /* per population: added to it (E_L for V_m) */
} trace;

static void destroy(sf_recording *rec, int r)
{
    trace *tr = rec->data[r];
    if (!tr)
        return;
    if (tr->data)
        for (int k = 0; k < tr->n_pops; k++)
            free(tr->data[k]);
    free(tr->data);
    free(tr->var);
    free(tr->offset);
    free(tr);
    rec->data[r] = NULL;
}

static bool start(sf_recording *rec, const sf_network *net, int r)
{
    const sf_model *m = net->m;
    const sf_recorder *rc = &m->recorders[r];
    trace *tr = calloc(1, sizeof *tr);
    if (!(rec->data[r] = tr))
        return false;
    tr->every = (int)nearbyint(rc->interval / net->h);
    tr->n_samples = (int)(net->n_steps / tr->every);
    tr->n_nodes = rc->n_record;
    tr->n_pops = rc->n_pops;
    tr->data = calloc((size_t)rc->n_pops, sizeof(float *));
    tr->var = calloc((size_t)rc->n_pops, sizeof(int));
    tr->offset = calloc((size_t)rc->n_pops, sizeof(double));
    if (!tr->data || !tr->var || !tr->offset)
        return false;
    for (int k = 0; k < rc->n_pops; k++) {
        if (!(tr->data[k] = calloc((size_t)tr->n_samples * tr->n_nodes + 1, sizeof(float))))
            return false;
        const sf_population *pop = &m->pops[rc->pops[k]];
        const sf_neuron_type *t = pop->type;
        for (int s = 0; s < t->n_state; s++)
            if (!strcmp(t->state_names[s], rc->variable))
                tr->var[k] = s;
        tr->offset[k] = tr->var[k] == 0 && t->v_offset_param >= 0 ? pop->params[t->v_offset_param]
                                                                  : 0.0;
    }
    return true;
}

static void sample(sf_recording *rec, const sf_network *net, int r, const sf_block *b, int64_t k)
{
    const sf_recorder *rc = &net->m->recorders[r];
    const trace *tr = rec->data[r];
    if ((k + 1) % tr->every)
        return;
    int64_t j = (k + 1) / tr->every - 1;
    if (j >= tr->n_samples || b->first >= tr->n_nodes)
        return;
    for (int q = 0; q < rc->n_pops; q++) {
        if (rc->pops[q] != b->pop)
            continue;
        const int var = tr->var[q];
        const double off = tr->offset[q];
        uint32_t end = b->n < tr->n_nodes - b->first ? b->n : tr->n_nodes - b->first;
        float *dst = tr->data[q] + (size_t)j * tr->n_nodes + b->first;
        for (uint32_t i = 0; i < end; i++)
            dst[i] = (float)(b->state[var][i] + off);
    }
}

static bool get_trace(const sf_recording *rec, int r, int k, const float **data, size_t *n_times,
                      uint32_t *n_nodes, double *t0, double *dt)
{
    const trace *tr = rec->data[r];
    if (k < 0 || k >= tr->n_pops)
        return false;
    double h = rec->m->sim.resolution;
    size_t done = (size_t)(nearbyint(rec->t_end / h) / tr->every);
    *data = tr->data[k];
    *n_times = done < (size_t)tr->n_samples ? done : (size_t)tr->n_samples;
    *n_nodes = tr->n_nodes;
    *t0 = tr->every * h;
    *dt = tr->every * h;
    return true;
}

static double bytes(const sf_model *m, const sf_recorder *rc)
{
    return 4.0 * rc->n_pops * rc->n_record * floor(m->sim.duration / rc->interval + 1e-9);
}

static const char *const keys[] = {"n", "interval", "variable", NULL};

const sf_recorder_type sf_recorder_voltmeter = {
    .name = "voltmeter",
    .doc = "one state variable (default V_m) of the first n neurons of each population, "
           "sampled every `interval` ms",
    .keys = keys,
    .bytes = bytes,
    .start = start,
    .sample = sample,
    .destroy = destroy,
    .trace = get_trace,
};
