/* spike_recorder (NEST's name; "spikes" in older model files): records the
 * spikes of its populations, in the canonical order (step, global id), into
 * the recording's per-population lists. A population recorded by several
 * spike recorders is stored once, by the first. Populations that send a
 * signal every step instead of spikes (continuous types) are left out. */
#include "engine/engine_impl.h"

#include <math.h>
#include <stdlib.h>

static bool start(sf_recording *rec, const sf_network *net, int r)
{
    const sf_model *m = net->m;
    const sf_recorder *rc = &m->recorders[r];
    for (int k = 0; k < rc->n_pops; k++) {
        int p = rc->pops[k];
        if (rec->spike_owner[p] >= 0)
            continue;
        rec->spike_owner[p] = r;
        /* initial capacity: 10 spikes/s per neuron over the run */
        double guess = 10.0 * m->pops[p].n * m->sim.duration * 1e-3 + 1024;
        rec->cap[p] = (size_t)fmin(guess, 1e8);
        rec->ids[p] = malloc(sizeof(uint32_t) * rec->cap[p]);
        rec->steps[p] = malloc(sizeof(int64_t) * rec->cap[p]);
        if (!rec->ids[p] || !rec->steps[p])
            return false;
    }
    return true;
}

static bool collect(sf_recording *rec, const sf_network *net, int r, const sf_thread_state *all,
                    int par, int64_t s0)
{
    const sf_recorder *rc = &net->m->recorders[r];
    for (int lag = 0; lag < net->slice; lag++)
        for (int q = 0; q < rc->n_pops; q++) {
            const int p = rc->pops[q];
            if (rec->spike_owner[p] != r)
                continue;
            for (int tt = 0; tt < net->threads; tt++) {
                const sf_thread_state *src = &all[tt];
                for (int kk = src->pop_lo[p]; kk < src->pop_hi[p]; kk++)
                    for (uint32_t a = src->soff[par][lag * src->nk + kk];
                         a < src->soff[par][lag * src->nk + kk + 1]; a++)
                        if (!sf_recording_add_spike(rec, p, src->sbuf[par][a], s0 + lag + 1))
                            return false;
            }
        }
    return true;
}

static const char *const keys[] = {NULL};

const sf_recorder_type sf_recorder_spike_recorder = {
    .name = "spike_recorder",
    .alias = "spikes",
    .doc = "spike times and neuron ids of every neuron of its populations",
    .keys = keys,
    .spikes = true,
    .start = start,
    .collect = collect,
};
