/* The simulation loop.
 *
 * Time is an integer step k; update k advances every neuron from k*h to
 * (k+1)*h and a spike it emits carries the time (k+1)*h (NEST's convention).
 * A spike of update k with delay D steps is input of update k + D.
 * The loop advances all threads `slice` steps (the minimum delay) at a time:
 *
 *   for each slice:  update (own blocks)  | barrier |  deliver (into own blocks)
 *
 * Nothing a thread does in its update phase reads another thread's memory,
 * and in the delivery phase a thread writes only its own blocks' ring
 * buffers, reading the (read-only) spike lists of all threads. Spikes are
 * delivered in the canonical order (step, global id), so the floating-point
 * sums in the ring buffers, and thus the results, are bit-identical for any
 * number of threads. The slice's spike lists alternate between two buffers,
 * so one barrier per slice suffices; the barrier sleeps instead of spinning.
 * The update and delivery phases allocate nothing; only the main thread's
 * spike recorder grows its arrays (amortised doubling) between slices.
 */
#include "network/network_impl.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int n_samples, every;      /* samples, steps between samples            */
    uint32_t n_nodes;
    float **data;              /* per population of the recorder            */
    int *var;                  /* per population: index of the variable     */
    double *offset;            /* per population: added to it (E_L for V_m) */
} trace_rec;

struct sf_recording {
    const sf_model *m;
    bool interrupted;
    double t_end, wall_s, cpu_s;
    bool *rec_pop;
    uint32_t **ids;
    int64_t **steps;
    size_t *n, *cap;
    trace_rec *traces;         /* per recorder (voltmeters only)            */
    uint64_t poisson_events;
};

typedef struct {
    int nk;                    /* blocks of this thread                     */
    int *blk;                  /* their indices, in global order            */
    int *pop_lo, *pop_hi;      /* per population: range in blk              */
    uint32_t *sbuf[2];         /* spiking neurons (population-local ids)    */
    float *samp[2];            /* their event amplitudes (1 for spikes)     */
    uint32_t *soff[2];         /* start of (lag, k) in sbuf; slice*nk + 1   */
} thread_state;

void sf_recording_destroy(sf_recording *rec)
{
    if (!rec)
        return;
    const sf_model *m = rec->m;
    for (int p = 0; p < m->n_pops; p++) {
        if (rec->ids)
            free(rec->ids[p]);
        if (rec->steps)
            free(rec->steps[p]);
    }
    if (rec->traces)
        for (int r = 0; r < m->n_recorders; r++) {
            if (rec->traces[r].data)
                for (int k = 0; k < m->recorders[r].n_pops; k++)
                    free(rec->traces[r].data[k]);
            free(rec->traces[r].data);
            free(rec->traces[r].var);
            free(rec->traces[r].offset);
        }
    free(rec->traces);
    free(rec->rec_pop);
    free(rec->ids);
    free(rec->steps);
    free(rec->n);
    free(rec->cap);
    free(rec);
}

static sf_recording *recording_new(const sf_network *net)
{
    const sf_model *m = net->m;
    sf_recording *rec = calloc(1, sizeof *rec);
    if (!rec)
        return NULL;
    rec->m = m;
    size_t np = (size_t)m->n_pops;
    rec->rec_pop = calloc(np, sizeof(bool));
    rec->ids = calloc(np, sizeof(uint32_t *));
    rec->steps = calloc(np, sizeof(int64_t *));
    rec->n = calloc(np, sizeof(size_t));
    rec->cap = calloc(np, sizeof(size_t));
    rec->traces = calloc((size_t)m->n_recorders + 1, sizeof(trace_rec));
    if (!rec->rec_pop || !rec->ids || !rec->steps || !rec->n || !rec->cap || !rec->traces)
        goto fail;
    for (int r = 0; r < m->n_recorders; r++) {
        const sf_recorder *rc = &m->recorders[r];
        if (rc->kind == SF_REC_SPIKES) {
            for (int k = 0; k < rc->n_pops; k++)
                rec->rec_pop[rc->pops[k]] = true;
            continue;
        }
        trace_rec *tr = &rec->traces[r];
        tr->every = (int)nearbyint(rc->interval / net->h);
        tr->n_samples = (int)(net->n_steps / tr->every);
        tr->n_nodes = rc->n_record;
        tr->data = calloc((size_t)rc->n_pops, sizeof(float *));
        tr->var = calloc((size_t)rc->n_pops, sizeof(int));
        tr->offset = calloc((size_t)rc->n_pops, sizeof(double));
        if (!tr->data || !tr->var || !tr->offset)
            goto fail;
        for (int k = 0; k < rc->n_pops; k++) {
            if (!(tr->data[k] = calloc((size_t)tr->n_samples * tr->n_nodes + 1, sizeof(float))))
                goto fail;
            const sf_population *pop = &m->pops[rc->pops[k]];
            const sf_neuron_type *t = pop->type;
            for (int s = 0; s < t->n_state; s++)
                if (!strcmp(t->state_names[s], rc->variable))
                    tr->var[k] = s;
            tr->offset[k] = tr->var[k] == 0 && t->v_offset_param >= 0 ? pop->params[t->v_offset_param]
                                                                      : 0.0;
        }
    }
    /* initial capacity: 10 spikes/s per neuron over the run */
    for (int p = 0; p < m->n_pops; p++) {
        if (!rec->rec_pop[p])
            continue;
        double guess = 10.0 * m->pops[p].n * m->sim.duration * 1e-3 + 1024;
        rec->cap[p] = (size_t)fmin(guess, 1e8);
        rec->ids[p] = malloc(sizeof(uint32_t) * rec->cap[p]);
        rec->steps[p] = malloc(sizeof(int64_t) * rec->cap[p]);
        if (!rec->ids[p] || !rec->steps[p])
            goto fail;
    }
    return rec;
fail:
    sf_recording_destroy(rec);
    return NULL;
}

static bool record_spike(sf_recording *rec, int p, uint32_t id, int64_t step)
{
    if (rec->n[p] == rec->cap[p]) {
        size_t nc = rec->cap[p] * 2;
        uint32_t *a = realloc(rec->ids[p], sizeof(uint32_t) * nc);
        if (!a)
            return false;
        rec->ids[p] = a;
        int64_t *b = realloc(rec->steps[p], sizeof(int64_t) * nc);
        if (!b)
            return false;
        rec->steps[p] = b;
        rec->cap[p] = nc;
    }
    rec->ids[p][rec->n[p]] = id;
    rec->steps[p][rec->n[p]++] = step;
    return true;
}

/* Poisson drive of one block in step k: independent counts per neuron from
 * the stream (seed, POISSON, (input, gid)), block k, inverted from the
 * cumulative table. */
static void add_poisson(const sf_network *net, const sf_block *b, int64_t k, double *const *in)
{
    const sf_model *m = net->m;
    double *restrict u = b->u;
    for (int q = 0; q < b->n_poisson; q++) {
        const sf_poisson_src *ps = &b->poisson[q];
        if (k < ps->first || k >= ps->last)
            continue;
        double *restrict dst = in[ps->channel];
        const double *restrict cdf = ps->cdf;
        const double w = ps->weight;
        const int nc = ps->n_cdf;
        sf_rng_uniforms(m->sim.seed, SF_RNG_POISSON, (uint32_t)ps->input, (uint64_t)k,
                        b->first_gid, b->n, u);
        for (uint32_t i = 0; i < b->n; i++) {
            int j;
            if (nc <= 48) {
                j = 0;
                while (cdf[j] <= u[i])
                    j++;
            } else { /* binary search for the first cdf[j] > u */
                int lo = 0, hi = nc - 1;
                while (lo < hi) {
                    int mid = (lo + hi) >> 1;
                    if (cdf[mid] <= u[i])
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                j = lo;
            }
            dst[i] += (double)(j + ps->k0) * w;
        }
    }
}

static double dc_current(const sf_model *m, int pop, int64_t k, double h)
{
    double t = (double)k * h, I = 0; /* active when start <= t < stop */
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->kind != SF_INPUT_DC || t < in->start - 1e-9 * h || t >= in->stop - 1e-9 * h)
            continue;
        for (int j = 0; j < in->n_targets; j++)
            if (in->targets[j] == pop)
                I += in->amplitude;
    }
    return I;
}

static void sample_traces(const sf_network *net, sf_recording *rec, const sf_block *b, int64_t k)
{
    const sf_model *m = net->m;
    for (int r = 0; r < m->n_recorders; r++) {
        const sf_recorder *rc = &m->recorders[r];
        const trace_rec *tr = &rec->traces[r];
        if (rc->kind != SF_REC_VOLTMETER || (k + 1) % tr->every)
            continue;
        int64_t sample = (k + 1) / tr->every - 1;
        if (sample >= tr->n_samples || b->first >= tr->n_nodes)
            continue;
        for (int q = 0; q < rc->n_pops; q++) {
            if (rc->pops[q] != b->pop)
                continue;
            const int var = tr->var[q];
            const double off = tr->offset[q];
            uint32_t end = b->n < tr->n_nodes - b->first ? b->n : tr->n_nodes - b->first;
            float *dst = tr->data[q] + (size_t)sample * tr->n_nodes + b->first;
            for (uint32_t i = 0; i < end; i++)
                dst[i] = (float)(b->state[var][i] + off);
        }
    }
}

/* Update phase of thread ts for steps [s0, s1). */
static void update_slice(sf_network *net, sf_recording *rec, thread_state *ts, int par, int64_t s0,
                         int64_t s1)
{
    const sf_model *m = net->m;
    uint32_t pos = 0;
    uint32_t *sbuf = ts->sbuf[par], *soff = ts->soff[par];
    float *samp = ts->samp[par];
    const int mask = net->ring_len - 1;
    for (int lag = 0; lag < net->slice; lag++) {
        int64_t k = s0 + lag;
        for (int kk = 0; kk < ts->nk; kk++) {
            soff[lag * ts->nk + kk] = pos;
            if (k >= s1)
                continue;
            sf_block *b = &net->blocks[ts->blk[kk]];
            const sf_population *pop = &m->pops[b->pop];
            const sf_neuron_type *t = pop->type;
            double *in[2];
            size_t slot = (size_t)(k & mask);
            for (int c = 0; c < t->n_channels; c++)
                in[c] = b->ring + (slot * (size_t)t->n_channels + (size_t)c) * b->n;
            add_poisson(net, b, k, in);
            while (b->gen_pos < b->n_gen && b->gen[b->gen_pos].step < k)
                b->gen_pos++;
            for (; b->gen_pos < b->n_gen && b->gen[b->gen_pos].step == k; b->gen_pos++)
                for (uint32_t i = 0; i < b->n; i++)
                    in[b->gen[b->gen_pos].channel][i] += b->gen[b->gen_pos].weight;
            const sf_step st = {m->sim.seed, b->first_gid, k, net->h, b->u};
            size_t ns = t->update(pop->params, net->derived[b->pop], b->state, b->n, in,
                                  dc_current(m, b->pop, k, net->h), b->spk, &st);
            if (t->event_amplitudes)
                t->event_amplitudes(pop->params, net->derived[b->pop], b->state, b->spk, ns,
                                    samp + pos);
            else
                for (size_t j = 0; j < ns; j++)
                    samp[pos + j] = 1.0f;
            for (size_t j = 0; j < ns; j++)
                sbuf[pos++] = b->first + b->spk[j];
            for (int c = 0; c < t->n_channels; c++)
                memset(in[c], 0, sizeof(double) * b->n);
            sample_traces(net, rec, b, k);
        }
    }
    soff[net->slice * ts->nk] = pos;
}

/* Delivery phase of thread t for the slice starting at s0. */
static void deliver_slice(sf_network *net, thread_state *all, int t, int par, int64_t s0)
{
    const sf_model *m = net->m;
    const int mask = net->ring_len - 1, np = m->n_pops;
    for (int lag = 0; lag < net->slice; lag++) {
        int64_t k = s0 + lag;
        for (int p = 0; p < np; p++) {
            int ntab = net->by_src_n[t * np + p];
            if (!ntab)
                continue;
            const int *tabs = net->by_src[t * np + p];
            for (int tt = 0; tt < net->threads; tt++) {
                const thread_state *src = &all[tt];
                for (int kk = src->pop_lo[p]; kk < src->pop_hi[p]; kk++) {
                    uint32_t a0 = src->soff[par][lag * src->nk + kk],
                             a1 = src->soff[par][lag * src->nk + kk + 1];
                    for (uint32_t a = a0; a < a1; a++) {
                        uint32_t s = src->sbuf[par][a];
                        const double amp = src->samp[par][a];
                        for (int q = 0; q < ntab; q++) {
                            const sf_syn_table *T = &net->tables[tabs[q]];
                            const sf_block *b = &net->blocks[T->block];
                            const int nch = m->pops[b->pop].type->n_channels;
                            uint32_t r0 = T->row[s], r1 = T->row[s + 1];
                            const uint16_t *restrict tg = T->tgt;
                            if (!T->d) {
                                size_t slot = (size_t)((k + T->d0) & mask);
                                double *restrict dst =
                                    b->ring + (slot * (size_t)nch + (size_t)T->channel) * b->n;
                                if (!T->w) {
                                    const double w = T->w0 * amp;
                                    for (uint32_t x = r0; x < r1; x++)
                                        dst[tg[x]] += w;
                                } else {
                                    for (uint32_t x = r0; x < r1; x++)
                                        dst[tg[x]] += (double)T->w[x] * amp;
                                }
                            } else {
                                double *restrict ring = b->ring;
                                const size_t stride = (size_t)nch * b->n,
                                             coff = (size_t)T->channel * b->n;
                                for (uint32_t x = r0; x < r1; x++) {
                                    size_t slot = (size_t)((k + T->d[x]) & mask);
                                    ring[slot * stride + coff + tg[x]] +=
                                        (T->w ? (double)T->w[x] : (double)T->w0) * amp;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/* Main thread: appends the slice's spikes to the recording, canonical order. */
static bool record_slice(sf_network *net, sf_recording *rec, thread_state *all, int par, int64_t s0)
{
    const sf_model *m = net->m;
    for (int lag = 0; lag < net->slice; lag++)
        for (int p = 0; p < m->n_pops; p++) {
            if (!rec->rec_pop[p])
                continue;
            for (int tt = 0; tt < net->threads; tt++) {
                const thread_state *src = &all[tt];
                for (int kk = src->pop_lo[p]; kk < src->pop_hi[p]; kk++)
                    for (uint32_t a = src->soff[par][lag * src->nk + kk];
                         a < src->soff[par][lag * src->nk + kk + 1]; a++)
                        if (!record_spike(rec, p, src->sbuf[par][a], s0 + lag + 1))
                            return false;
            }
        }
    return true;
}

static void free_threads(thread_state *ts, int n)
{
    if (!ts)
        return;
    for (int t = 0; t < n; t++) {
        free(ts[t].blk);
        free(ts[t].pop_lo);
        free(ts[t].pop_hi);
        for (int q = 0; q < 2; q++) {
            free(ts[t].sbuf[q]);
            free(ts[t].samp[q]);
            free(ts[t].soff[q]);
        }
    }
    free(ts);
}

sf_status sf_engine_run(sf_context *ctx, sf_network *net, const sf_run_options *opt,
                        sf_recording **out)
{
    *out = NULL;
    if (net->ran)
        return sf_fail(ctx, SF_ERR_ARG, "this network has already been simulated; build a new one");
    const sf_model *m = net->m;
    const int T = net->threads, np = m->n_pops;
    sf_recording *rec = recording_new(net);
    thread_state *ts = calloc((size_t)T, sizeof *ts);
    sf_barrier *bar = sf_barrier_create((unsigned)T);
    if (!rec || !ts || !bar)
        goto nomem;
    for (int t = 0; t < T; t++) {
        thread_state *s = &ts[t];
        s->blk = malloc(sizeof(int) * (size_t)net->n_blocks);
        s->pop_lo = calloc((size_t)np, sizeof(int));
        s->pop_hi = calloc((size_t)np, sizeof(int));
        if (!s->blk || !s->pop_lo || !s->pop_hi)
            goto nomem;
        size_t cap = 0;
        for (int b = 0; b < net->n_blocks; b++) {
            const sf_block *bl = &net->blocks[b];
            if (bl->thread != t)
                continue;
            if (s->pop_hi[bl->pop] == 0)
                s->pop_lo[bl->pop] = s->nk;
            s->blk[s->nk++] = b;
            s->pop_hi[bl->pop] = s->nk;
            cap += (size_t)bl->n * (size_t)m->pops[bl->pop].type->max_spikes_per_step;
        }
        cap *= (size_t)net->slice;
        for (int q = 0; q < 2; q++) {
            s->sbuf[q] = malloc(sizeof(uint32_t) * (cap + 1));
            s->samp[q] = malloc(sizeof(float) * (cap + 1));
            s->soff[q] = calloc((size_t)net->slice * (size_t)s->nk + 1, sizeof(uint32_t));
            if (!s->sbuf[q] || !s->samp[q] || !s->soff[q])
                goto nomem;
        }
    }
    net->ran = 1;
    const int64_t n_steps = net->n_steps, n_slices = (n_steps + net->slice - 1) / net->slice;
    volatile int halt[2] = {0, 0};
    volatile int rec_failed = 0;
    int64_t done_steps = n_steps;
    double t0 = sf_wall_time(), c0 = sf_cpu_time(), last_progress = t0;
    double pint = opt && opt->progress_interval > 0 ? opt->progress_interval : 0.5;
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num();
        for (int64_t sl = 0; sl < n_slices; sl++) {
            const int par = (int)(sl & 1);
            const int64_t s0 = sl * net->slice;
            const int64_t s1 = s0 + net->slice < n_steps ? s0 + net->slice : n_steps;
            update_slice(net, rec, &ts[t], par, s0, s1);
            sf_barrier_wait(bar);
            if (halt[par]) {
                if (t == 0) {
                    if (!record_slice(net, rec, ts, par, s0))
                        rec_failed = 1;
                    done_steps = s1;
                }
                break;
            }
            deliver_slice(net, ts, t, par, s0);
            if (t == 0) {
                if (!record_slice(net, rec, ts, par, s0))
                    rec_failed = 1;
                bool stop = rec_failed || (opt && opt->stop && *opt->stop);
                halt[par ^ 1] = stop && s1 < n_steps;
                double now = sf_wall_time();
                if (opt && opt->progress && (now - last_progress >= pint || s1 == n_steps)) {
                    opt->progress(opt->progress_user, (double)s1 * net->h, m->sim.duration, now - t0);
                    last_progress = now;
                }
            }
        }
    }
    rec->wall_s = sf_wall_time() - t0;
    rec->cpu_s = sf_cpu_time() - c0;
    rec->t_end = (double)done_steps * net->h;
    rec->interrupted = done_steps < n_steps;
    free_threads(ts, T);
    sf_barrier_destroy(bar);
    if (rec_failed) {
        sf_recording_destroy(rec);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory while recording spikes");
    }
    *out = rec;
    return SF_OK;
nomem:
    free_threads(ts, T);
    sf_barrier_destroy(bar);
    sf_recording_destroy(rec);
    return sf_fail(ctx, SF_ERR_NOMEM, "out of memory preparing the simulation");
}

bool sf_recording_interrupted(const sf_recording *rec)
{
    return rec->interrupted;
}
double sf_recording_t_end(const sf_recording *rec)
{
    return rec->t_end;
}
double sf_recording_seconds(const sf_recording *rec)
{
    return rec->wall_s;
}
double sf_recording_cpu_seconds(const sf_recording *rec)
{
    return rec->cpu_s;
}

bool sf_recording_spikes(const sf_recording *rec, int pop, const uint32_t **ids,
                         const int64_t **steps, size_t *n)
{
    if (pop < 0 || pop >= rec->m->n_pops || !rec->rec_pop[pop]) {
        *ids = NULL;
        *steps = NULL;
        *n = 0;
        return false;
    }
    *ids = rec->ids[pop];
    *steps = rec->steps[pop];
    *n = rec->n[pop];
    return true;
}

bool sf_recording_trace(const sf_recording *rec, int r, int k, const float **data, size_t *n_times,
                        uint32_t *n_nodes, double *t0, double *dt)
{
    const sf_model *m = rec->m;
    if (r < 0 || r >= m->n_recorders || m->recorders[r].kind != SF_REC_VOLTMETER || k < 0 ||
        k >= m->recorders[r].n_pops)
        return false;
    const trace_rec *tr = &rec->traces[r];
    double h = m->sim.resolution;
    size_t done = (size_t)(nearbyint(rec->t_end / h) / tr->every);
    *data = tr->data[k];
    *n_times = done < (size_t)tr->n_samples ? done : (size_t)tr->n_samples;
    *n_nodes = tr->n_nodes;
    *t0 = tr->every * h;
    *dt = tr->every * h;
    return true;
}
