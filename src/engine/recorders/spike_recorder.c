/* spike_recorder (NEST's name; "spikes" in older model files): records the
 * spikes of its populations (or of subsets of their neurons) with time
 * stamps start < t <= stop, in the canonical order (step, global id), into
 * the recording's per-population lists. A population recorded by several
 * spike recorders is stored once, by the first (the parser requires them to
 * agree on neurons and window). Populations that send a signal every step
 * instead of spikes (continuous types) are left out. */
#include "engine/engine_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t lo, hi;      /* stored steps lo < step <= hi         */
    uint8_t **mark;      /* per population of the recorder: NULL
                            (every neuron) or [n] recorded        */
    int n_pops;
} filter;

/* Initial capacity of a population's lists: 10 spikes/s per recorded
 * neuron over the run, at most 2^20 spikes (12 MiB); they double as they
 * fill, and when spooled the written part leaves memory. */
static size_t initial_capacity(const sf_model *m, const sf_subset *ss)
{
    return (size_t)fmin(10.0 * ss->n * m->sim.duration * 1e-3 + 1024, 1048576.0);
}

/* Memory allocated at the start (for the network estimate). */
static double bytes(const sf_model *m, const sf_recorder *rc)
{
    double b = 0;
    for (int k = 0; k < rc->n_pops; k++)
        b += 12.0 * (double)initial_capacity(m, &rc->sel[k]);
    return b;
}

static void destroy(sf_recording *rec, int r)
{
    filter *f = rec->data[r];
    if (!f)
        return;
    for (int k = 0; f->mark && k < f->n_pops; k++)
        free(f->mark[k]);
    free(f->mark);
    free(f);
    rec->data[r] = NULL;
}

static bool start(sf_recording *rec, const sf_network *net, int r)
{
    const sf_model *m = net->m;
    const sf_recorder *rc = &m->recorders[r];
    const double h = m->sim.resolution;
    filter *f = calloc(1, sizeof *f);
    if (!(rec->data[r] = f))
        return false;
    f->n_pops = rc->n_pops;
    f->lo = (int64_t)nearbyint(rc->start / h);
    f->hi = isfinite(rc->stop) ? (int64_t)nearbyint(rc->stop / h) : INT64_MAX;
    if (!(f->mark = calloc((size_t)rc->n_pops + 1, sizeof(uint8_t *))))
        return false;
    for (int k = 0; k < rc->n_pops; k++) {
        int p = rc->pops[k];
        const sf_subset *ss = &rc->sel[k];
        if (ss->idx) {
            if (!(f->mark[k] = calloc(m->pops[p].n, 1)))
                return false;
            for (uint32_t j = 0; j < ss->n; j++)
                f->mark[k][ss->idx[j]] = 1;
        }
        if (rec->spike_owner[p] >= 0)
            continue;
        rec->spike_owner[p] = r;
        size_t cap = initial_capacity(m, ss);
        int e = sf_spool_open(&rec->ids[p], sizeof(uint32_t), cap, rec->spool_dir);
        e = e ? e : sf_spool_open(&rec->steps[p], sizeof(int64_t), cap, rec->spool_dir);
        if (e) {
            snprintf(rec->stop_reason, sizeof rec->stop_reason,
                     "cannot keep the spikes of %s%s: %s", m->pops[p].name,
                     rec->spool_dir ? " (spooled to disk)" : "", strerror(e));
            return false;
        }
    }
    return true;
}

static bool collect(sf_recording *rec, const sf_network *net, int r, const sf_thread_state *all,
                    int par, int64_t s0)
{
    const sf_recorder *rc = &net->m->recorders[r];
    const filter *f = rec->data[r];
    for (int lag = 0; lag < net->slice; lag++) {
        const int64_t step = s0 + lag + 1;
        if (step <= f->lo || step > f->hi)
            continue;
        for (int q = 0; q < rc->n_pops; q++) {
            const int p = rc->pops[q];
            if (rec->spike_owner[p] != r)
                continue;
            const uint8_t *mark = f->mark[q];
            for (int tt = 0; tt < net->vthreads; tt++) { /* every process's */
                const sf_thread_state *src = &all[tt];
                for (int kk = src->pop_lo[p]; kk < src->pop_hi[p]; kk++)
                    for (uint32_t a = src->soff[par][lag * src->nk + kk];
                         a < src->soff[par][lag * src->nk + kk + 1]; a++) {
                        uint32_t id = src->sbuf[par][a];
                        if ((!mark || mark[id]) && !sf_recording_add_spike(rec, p, id, step))
                            return false;
                    }
            }
        }
    }
    for (int q = 0; q < rc->n_pops; q++)
        if (rec->spike_owner[rc->pops[q]] == r)
            sf_recording_release(rec, rc->pops[q]);
    return true;
}

static const char *const keys[] = {"start", "stop", NULL};

const sf_recorder_type sf_recorder_spike_recorder = {
    .name = "spike_recorder",
    .alias = "spikes",
    .doc = "spike times and neuron ids of the neurons of its populations (or subsets), "
           "start < t <= stop",
    .keys = keys,
    .spikes = true,
    .bytes = bytes,
    .start = start,
    .collect = collect,
    .destroy = destroy,
};
