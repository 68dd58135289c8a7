/* The simulation loop, as named phases.
 *
 * Time is an integer step k; update k advances every neuron from k*h to
 * (k+1)*h and a spike it emits carries the time (k+1)*h (NEST's convention).
 * A spike of update k with delay D steps is input of update k + D.
 * The loop advances all threads `slice` steps (the minimum delay) at a time,
 * one line per phase (cf. Auryn's System::run):
 *
 *   update      own blocks: inputs, neuron update, events, then per step and
 *               block the archive (the postsynaptic history plastic synapses
 *               read: spike times, voltages), then the recorder samples
 *   --- barrier ---
 *   deliver     every thread's spikes, through the synapse types, into the
 *               ring buffers of its own blocks (plastic types update their
 *               weights here, from the archives of the target blocks)
 *   plasticity  time-driven synaptic updates of the slice (slice_update)
 *   record      main thread: the recorders collect the slice's spikes
 *
 * Nothing a thread does in its update phase reads another thread's memory,
 * and in the delivery phase a thread writes only its own blocks' ring
 * buffers, reading the (read-only) spike lists of all threads. For each
 * synapse table, spikes are delivered in the canonical order (step, global
 * id), so the floating-point sums in the ring buffers, and thus the results,
 * are bit-identical for any number of threads. The slice's spike lists
 * alternate between two buffers, so one barrier per slice suffices; the
 * barrier sleeps instead of spinning. The phases allocate nothing; only the
 * spike recorder grows its arrays (amortised doubling) in the record phase,
 * and with plasticity the spike archive its entries (update phase) and a
 * weight recorder its per-thread logs (delivery phase), also by doubling.
 */
#include "engine/dense.h"
#include "engine/engine_impl.h"
#include "network/evq.h"
#include "lattice/field.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef sf_thread_state thread_state;

void sf_recording_destroy(sf_recording *rec)
{
    if (!rec)
        return;
    const sf_model *m = rec->m;
    for (int p = 0; p < m->n_pops; p++) {
        if (rec->ids)
            sf_spool_close(&rec->ids[p]);
        if (rec->steps)
            sf_spool_close(&rec->steps[p]);
    }
    if (rec->data)
        for (int r = 0; r < m->n_recorders; r++)
            if (m->recorders[r].type->destroy)
                m->recorders[r].type->destroy(rec, r);
    free(rec->data);
    free(rec->spike_owner);
    free(rec->ids);
    free(rec->steps);
    free(rec->n);
    free(rec->spool_dir);
    sf_field_stats_free(rec->field);
    free(rec);
}

/* The recording of a run, its recorders started; NULL after a message. */
sf_recording *sf_recording_new(sf_context *ctx, const sf_network *net, const char *spool_dir)
{
    const sf_model *m = net->m;
    sf_recording *rec = calloc(1, sizeof *rec);
    if (!rec) {
        sf_fail(ctx, SF_ERR_NOMEM, "out of memory preparing the recorders");
        return NULL;
    }
    rec->m = m;
    rec->stop_reason[0] = '\0';
    rec->ckpt_ms = -1;
    size_t np = (size_t)m->n_pops;
    rec->spike_owner = malloc(sizeof(int) * (np + 1));
    rec->ids = malloc(sizeof(sf_spool) * (np + 1));
    rec->steps = malloc(sizeof(sf_spool) * (np + 1));
    rec->n = calloc(np, sizeof(size_t));
    rec->data = calloc((size_t)m->n_recorders + 1, sizeof(void *));
    if ((spool_dir && !(rec->spool_dir = strdup(spool_dir))) || !rec->spike_owner || !rec->ids ||
        !rec->steps || !rec->n || !rec->data) {
        free(rec->ids); /* not initialised: destroy must not close them */
        free(rec->steps);
        rec->ids = rec->steps = NULL;
        goto fail;
    }
    for (size_t p = 0; p < np; p++) {
        rec->spike_owner[p] = -1;
        rec->ids[p] = rec->steps[p] = SF_SPOOL_NONE;
    }
    for (int r = 0; r < m->n_recorders; r++)
        if (!m->recorders[r].type->start(rec, net, r))
            goto fail;
    return rec;
fail:
    if (rec->stop_reason[0])
        sf_fail(ctx, SF_ERR_IO, "%s", rec->stop_reason);
    else
        sf_fail(ctx, SF_ERR_NOMEM, "out of memory preparing the recorders");
    sf_recording_destroy(rec);
    return NULL;
}

bool sf_recording_add_spike(sf_recording *rec, int p, uint32_t id, int64_t step)
{
    size_t i = rec->n[p];
    if (i == rec->ids[p].cap || i == rec->steps[p].cap) {
        int e = sf_spool_reserve(&rec->ids[p], i + 1);
        e = e ? e : sf_spool_reserve(&rec->steps[p], i + 1);
        if (e) {
            snprintf(rec->stop_reason, sizeof rec->stop_reason,
                     "%s while recording the spikes of %s (%zu so far%s): %s",
                     e == ENOMEM ? "out of memory" : "no room for more spikes",
                     rec->m->pops[p].name, i, rec->spool_dir ? ", spooled to disk" : "",
                     strerror(e));
            return false;
        }
    }
    ((uint32_t *)rec->ids[p].base)[i] = id;
    ((int64_t *)rec->steps[p].base)[i] = step;
    rec->n[p] = i + 1;
    return true;
}

void sf_recording_release(sf_recording *rec, int p)
{
    sf_spool_release(&rec->ids[p], rec->n[p]);
    sf_spool_release(&rec->steps[p], rec->n[p]);
}

/* Neuron update of n neurons sharing parameters p and derived constants dv,
 * and the amplitudes of their events; returns the number of events. */
static size_t update_neurons(const sf_neuron_type *t, const double *p, const void *dv,
                             double *const *state, size_t n, double *const *in, double i_dc,
                             uint32_t *spk, const sf_step *st, float *amp)
{
    size_t ns = t->update(p, dv, state, n, in, i_dc, spk, st);
    if (t->event_amplitudes)
        t->event_amplitudes(p, dv, state, spk, ns, amp);
    else
        for (size_t j = 0; j < ns; j++)
            amp[j] = 1.0f;
    return ns;
}

/* A block with heterogeneous parameters: run by run (neurons sharing a
 * parameter row), each with its own rows and offset arrays; the events'
 * indices are made block-local again. */
static size_t update_runs(const sf_neuron_type *t, const sf_block *b, double *const *in,
                          double i_dc, const sf_step *st, float *amp)
{
    size_t ns = 0;
    const size_t np = (size_t)t->n_params;
    for (uint32_t r = 0; r < b->n_runs; r++) {
        const uint32_t lo = b->run[r], len = b->run[r + 1] - lo;
        double *sv[SF_MAX_STATE], *iv[SF_MAX_PORTS];
        for (int k = 0; k < t->n_state; k++)
            sv[k] = b->state[k] + lo;
        for (int c = 0; c < b->n_ports; c++)
            iv[c] = in[c] + lo;
        sf_step sr = *st;
        sr.first_gid += lo;
        sr.scratch += lo;
        if (sr.i_ext)
            sr.i_ext += lo;
        size_t k = update_neurons(t, b->run_params + np * r, b->run_derived + b->derived_stride * r,
                                  sv, len, iv, i_dc, b->spk + ns, &sr, amp + ns);
        for (size_t j = ns; j < ns + k; j++)
            b->spk[j] += lo;
        ns += k;
    }
    return ns;
}

/* Archive phase, per step and block after its update (its own thread):
 * every archive of the block records the step (the events of the step are
 * b->spk[0..ns)); out of memory marks the thread failed. */
static void phase_archive(const sf_network *net, thread_state *ts, sf_block *b, int64_t k,
                          size_t ns)
{
    for (int a = 0; a < b->n_archives; a++)
        if (!b->arch_type[a]->step(b->arch[a], net, b, k, b->spk, ns))
            ts->failed = true;
}

/* Update phase of thread ts for steps [s0, s1): per step and block, the
 * input sources, the neuron update, the events, the recorders' samples. */
static void phase_update(sf_network *net, sf_recording *rec, thread_state *ts, int par, int64_t s0,
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
            const int np = b->n_ports;
            double *in[SF_MAX_PORTS];
            size_t slot = (size_t)(k & mask);
            const size_t len = (size_t)np * b->n;
            /* the step's input: its ring row, or with an event queue the
             * queue's row (unless the slot was spilled into the ring) with
             * the slot's list added in (network/evq.h); widened to double
             * into the thread's input row (the input sources add into that,
             * the neuron update reads it), the accumulators zeroed for the
             * step ring_len later */
            sf_acc *row = b->ring + slot * len;
            bool spilled = false; /* the row is a spilled slot's ring row */
            if (b->q) {
                if (!(spilled = b->q->dense[slot]))
                    row = b->q->cur;
                sf_evq_drain(b->q, (int)slot, row);
                b->q->dense[slot] = 0;
            }
            double *restrict x = ts->in;
            for (size_t i = 0; i < len; i++)
                x[i] = (double)row[i];
            if (spilled) /* out of memory again until the next spill */
                sf_evq_release_row(row, len);
            else
                memset(row, 0, sizeof(sf_acc) * len);
            for (int c = 0; c < np; c++)
                in[c] = x + (size_t)c * b->n;
            double i_dc = 0;
            if (b->i_ext)
                memset(b->i_ext, 0, sizeof(double) * b->n);
            for (int q = 0; q < b->n_inputs; q++)
                b->inputs[q].type->apply(net, b, &b->inputs[q], k, in, &i_dc);
            const sf_step st = {m->sim.seed, b->first_gid, k, net->h, b->u, b->i_ext};
            size_t ns = b->n_runs ? update_runs(t, b, in, i_dc, &st, samp + pos)
                                  : update_neurons(t, pop->params, net->derived[b->pop], b->state,
                                                   b->n, in, i_dc, b->spk, &st, samp + pos);
            for (size_t j = 0; j < ns; j++)
                sbuf[pos++] = b->first + b->spk[j];
            if (b->n_archives)
                phase_archive(net, ts, b, k, ns);
            for (int r = 0; r < m->n_recorders; r++)
                if (m->recorders[r].type->sample)
                    m->recorders[r].type->sample(rec, net, r, b, k);
        }
    }
    soff[net->slice * ts->nk] = pos;
}


/* Delivery phase of thread t for the slice starting at s0: for every step,
 * source population and table of t's blocks, the spikes of every thread's
 * blocks of that population in canonical order. */
static void phase_deliver(sf_network *net, const thread_state *all, int t, int par, int64_t s0,
                          const sf_dense *dense)
{
    const int mask = net->ring_len - 1, np = net->m->n_pops;
    for (int lag = 0; lag < net->slice; lag++) {
        const int64_t k = s0 + lag;
        /* first the rows of every table's spikes requested (a hint: a
         * table sees a few spikes per step in a large network, too few for
         * a prefetch within one deliver call to run ahead of the use) */
        for (int p = 0; p < np; p++) {
            const int ntab = net->by_src_n[t * np + p];
            const int *tabs = net->by_src[t * np + p];
            for (int q = 0; q < ntab; q++) {
                const sf_syn_table *T = &net->tables[tabs[q]];
                if (!T->syn->prefetch || sf_dense_has(dense, tabs[q]))
                    continue;
                for (int tt = 0; tt < net->vthreads; tt++) {
                    const thread_state *src = &all[tt];
                    const uint32_t *off = src->soff[par] + lag * src->nk;
                    const uint32_t lo = off[src->pop_lo[p]], hi = off[src->pop_hi[p]];
                    if (hi > lo)
                        T->syn->prefetch(T, src->sbuf[par] + lo, hi - lo);
                }
            }
        }
        for (int p = 0; p < np; p++) {
            const int ntab = net->by_src_n[t * np + p];
            const int *tabs = net->by_src[t * np + p];
            for (int q = 0; q < ntab; q++) {
                if (sf_dense_deliver(dense, net, all, tabs[q], par, lag, k, mask))
                    continue; /* an all-to-all projection of a rate population (dense.c) */
                const sf_syn_table *T = &net->tables[tabs[q]];
                const sf_block *b = &net->blocks[T->block];
                for (int tt = 0; tt < net->vthreads; tt++) { /* every process's */
                    const thread_state *src = &all[tt];
                    const uint32_t *off = src->soff[par] + lag * src->nk;
                    for (int kk = src->pop_lo[p]; kk < src->pop_hi[p]; kk++)
                        if (off[kk + 1] > off[kk])
                            T->syn->deliver(T, b, k, mask, src->sbuf[par] + off[kk],
                                            src->samp[par] + off[kk], off[kk + 1] - off[kk]);
                }
            }
        }
    }
}

/* Plasticity phase of thread t (of all processes' threads): the time-driven updates (slice_update) of
 * the tables of its blocks for the slice [s0, s1). */
static void phase_plasticity(sf_network *net, int t, int64_t s0, int64_t s1)
{
    for (int i = 0; i < net->n_tables; i++) {
        const sf_syn_table *T = &net->tables[i];
        const sf_block *b = &net->blocks[T->block];
        if (T->syn->slice_update && b->thread == t)
            T->syn->slice_update(T, b, s0, s1);
    }
}

/* plasticity: links (on) or unlinks (off) every table to the weight log of
 * the weight recorder that records it. */
static void link_weight_logs(sf_network *net, sf_recording *rec, bool on)
{
    const sf_model *m = net->m;
    for (int i = 0; i < net->n_tables; i++) {
        sf_syn_table *T = &net->tables[i];
        /* the delivering thread among this process's (processes: b->thread
         * counts the threads of all) */
        const int t = net->blocks[T->block].thread - net->rank * net->threads;
        T->wlog = NULL;
        for (int r = 0; on && r < m->n_recorders && !T->wlog; r++)
            if (m->recorders[r].type->table_log)
                T->wlog = m->recorders[r].type->table_log(rec, r, T, t);
    }
}

/* Event queues (network/evq.h): every queued event into the ring buffers
 * (before a checkpoint, which holds them), or every slot marked as held by
 * the ring (after one is restored into them). Sums are unchanged. */
static void queues_spill(sf_network *net)
{
    for (int i = 0; i < net->n_blocks; i++) {
        sf_block *b = &net->blocks[i];
        for (int s = 0; b->q && s < net->ring_len; s++)
            sf_evq_spill(b->q, s, b->ring);
    }
}

static bool threads_failed(const thread_state *ts, int n)
{
    for (int t = 0; t < n; t++)
        if (ts[t].failed)
            return true;
    return false;
}

/* Record phase (main thread): every recorder collects the slice. */
static bool phase_record(sf_network *net, sf_recording *rec, const thread_state *all, int par,
                         int64_t s0)
{
    const sf_model *m = net->m;
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->collect && !m->recorders[r].type->collect(rec, net, r, all, par, s0))
            return false;
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
        free(ts[t].in);
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
    /* with several processes (mpi.c) the thread states of all of them: this
     * process's threads are R0 .. R0 + T - 1, the others' lists arrive by
     * the exchange */
    const int T = net->threads, V = net->vthreads, R0 = net->rank * T, np = m->n_pops;
    /* a restored checkpoint brings the recording so far (checkpoint.c) */
    const char *spool = opt ? opt->spool_dir : NULL;
    sf_recording *rec = net->resumed ? sf_ckpt_resume_recording(ctx, net, spool)
                                     : sf_recording_new(ctx, net, spool);
    if (!rec)
        return sf_context_status(ctx);
    thread_state *ts = calloc((size_t)V, sizeof *ts);
    sf_barrier *bar = sf_barrier_create((unsigned)T);
    if (!rec || !ts || !bar)
        goto nomem;
    for (int t = 0; t < V; t++) {
        thread_state *s = &ts[t];
        s->blk = malloc(sizeof(int) * (size_t)net->n_blocks);
        s->pop_lo = calloc((size_t)np, sizeof(int));
        s->pop_hi = calloc((size_t)np, sizeof(int));
        if (!s->blk || !s->pop_lo || !s->pop_hi)
            goto nomem;
        size_t cap = 0, row = 1;
        for (int b = 0; b < net->n_blocks; b++) {
            const sf_block *bl = &net->blocks[b];
            if (bl->thread != t)
                continue;
            if ((size_t)bl->n_ports * bl->n > row)
                row = (size_t)bl->n_ports * bl->n;
            if (s->pop_hi[bl->pop] == 0)
                s->pop_lo[bl->pop] = s->nk;
            s->blk[s->nk++] = b;
            s->pop_hi[bl->pop] = s->nk;
            cap += (size_t)bl->n * (size_t)m->pops[bl->pop].type->max_spikes_per_step;
        }
        cap *= (size_t)net->slice;
        if (!(s->in = malloc(sizeof(double) * row)))
            goto nomem;
        for (int q = 0; q < 2; q++) {
            s->sbuf[q] = malloc(sizeof(uint32_t) * (cap + 1));
            s->samp[q] = malloc(sizeof(float) * (cap + 1));
            s->soff[q] = calloc((size_t)net->slice * (size_t)s->nk + 1, sizeof(uint32_t));
            if (!s->sbuf[q] || !s->samp[q] || !s->soff[q])
                goto nomem;
        }
    }
    sf_dense *dense = NULL;
    if (sf_dense_create(ctx, net, &dense) != SF_OK)
        goto nomem;
    net->ran = 1;
    if (net->step0 > 0)
        queues_spill(net);
    link_weight_logs(net, rec, true);
    bool wlogs = false;
    for (int i = 0; i < net->n_tables; i++)
        wlogs |= net->tables[i].wlog != NULL;
    const int64_t n_steps = net->n_steps, n_slices = (n_steps + net->slice - 1) / net->slice;
    const int64_t sl0 = net->step0 / net->slice;
    volatile int halt[2] = {0, 0};
    volatile int rec_failed = 0;
    /* checkpoint after the slice (checkpoint.c): decided by the main thread
     * one slice ahead, as halt is; 2: a checkpoint, then the end */
    volatile int ckpt[2] = {0, 0}, ckpt_failed = 0;
    volatile int any_stop = 0; /* processes: a stop of any of them (mpi.c) */
    int64_t done_steps = n_steps, failed_at = n_steps;
    double t0 = sf_wall_time(), c0 = sf_cpu_time(), last_progress = t0;
    rec->started = sf_epoch_time();
    double pint = opt && opt->progress_interval > 0 ? opt->progress_interval : 0.5;
    ckpt[sl0 & 1] = sf_ckpt_begin(net, sl0 * net->slice + net->slice, t0);
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num();
        for (int64_t sl = sl0; sl < n_slices; sl++) {
            const int par = (int)(sl & 1);
            const int64_t s0 = sl * net->slice;
            const int64_t s1 = s0 + net->slice < n_steps ? s0 + net->slice : n_steps;
            phase_update(net, rec, &ts[R0 + t], par, s0, s1);
            sf_barrier_wait(bar);
            if (V > T) { /* processes: every one's spike lists of the slice */
                if (t == 0) {
                    int ck = ckpt[par]; /* all processes checkpoint together */
                    any_stop = sf_mpi_exchange(net, ts, par,
                                               rec_failed || (opt && opt->stop && *opt->stop), &ck);
                    ckpt[par] = ck;
                }
                sf_barrier_wait(bar);
            }
            if (halt[par]) {
                if (t == 0) {
                    if (!rec_failed && !phase_record(net, rec, ts, par, s0)) {
                        rec_failed = 1;
                        failed_at = s0;
                    }
                    done_steps = rec_failed ? failed_at : s1;
                }
                break;
            }
            phase_deliver(net, ts, t, par, s0, dense);
            phase_plasticity(net, R0 + t, s0, s1);
            const int ck = ckpt[par];
            if (ck || wlogs) /* every thread has delivered (its weight logs complete) */
                sf_barrier_wait(bar);
            if (t == 0) {
                if (!rec_failed && !phase_record(net, rec, ts, par, s0)) {
                    rec_failed = 1;
                    failed_at = s0;
                }
                if (!rec_failed && threads_failed(ts + R0, T)) {
                    rec_failed = 2;
                    failed_at = s0;
                    snprintf(rec->stop_reason, sizeof rec->stop_reason,
                             "out of memory in the postsynaptic archives of plasticity");
                }
                if (ck && !rec_failed) {
                    queues_spill(net); /* the checkpoint holds the ring buffers */
                    if (sf_ckpt_write(ctx, net, rec, s1) != SF_OK)
                        ckpt_failed = 1;
                }
                bool stop = V > T ? any_stop
                                  : rec_failed || ckpt_failed || (opt && opt->stop && *opt->stop);
                double now = sf_wall_time();
                int next = rec_failed || ckpt_failed
                               ? 0
                               : sf_ckpt_due(net, s1 + net->slice, now, stop);
                ckpt[par ^ 1] = next;
                halt[par ^ 1] = stop && s1 < n_steps && next != 2;
                if (ck == 2)
                    done_steps = s1;
                if (opt && opt->progress && (now - last_progress >= pint || s1 == n_steps)) {
                    opt->progress(opt->progress_user, (double)s1 * net->h, m->sim.duration, now - t0);
                    last_progress = now;
                }
            }
            if (ck)
                sf_barrier_wait(bar); /* the checkpoint is written */
            if (ck == 2)
                break;
        }
    }
    link_weight_logs(net, rec, false);
    rec->wall_s = sf_wall_time() - t0;
    rec->finished = sf_epoch_time();
    rec->cpu_s = sf_cpu_time() - c0;
    if (rec_failed) {
        /* keep what was simulated, as a stop does: everything up to the
         * slice whose recording failed (spikes are in time order) */
        done_steps = failed_at;
        for (int p = 0; p < np; p++)
            while (rec->n[p] && ((const int64_t *)rec->steps[p].base)[rec->n[p] - 1] > done_steps)
                rec->n[p]--;
    } else if (done_steps < n_steps) {
        snprintf(rec->stop_reason, sizeof rec->stop_reason, "stopped");
    }
    rec->t_end = (double)done_steps * net->h;
    rec->interrupted = done_steps < n_steps;
    free_threads(ts, V);
    sf_dense_destroy(dense);
    if (V > T) /* processes: the traces onto rank 0 (collective) */
        sf_mpi_gather_recording(net, rec);
    sf_barrier_destroy(bar);
    if (ckpt_failed) { /* the message is on ctx */
        sf_recording_destroy(rec);
        return SF_ERR_IO;
    }
    *out = rec;
    return SF_OK;
nomem:
    free_threads(ts, V);
    sf_barrier_destroy(bar);
    sf_recording_destroy(rec);
    return sf_fail(ctx, SF_ERR_NOMEM, "out of memory preparing the simulation");
}

bool sf_recording_interrupted(const sf_recording *rec)
{
    return rec->interrupted;
}
const char *sf_recording_stop_reason(const sf_recording *rec)
{
    return rec->interrupted ? rec->stop_reason : "";
}
double sf_recording_t_end(const sf_recording *rec)
{
    return rec->t_end;
}
double sf_recording_started(const sf_recording *rec)
{
    return rec->started;
}

double sf_recording_finished(const sf_recording *rec)
{
    return rec->finished;
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
    if (pop < 0 || pop >= rec->m->n_pops || rec->spike_owner[pop] < 0) {
        *ids = NULL;
        *steps = NULL;
        *n = 0;
        return false;
    }
    *ids = (const uint32_t *)rec->ids[pop].base;
    *steps = (const int64_t *)rec->steps[pop].base;
    *n = rec->n[pop];
    return true;
}

bool sf_recording_trace(const sf_recording *rec, int r, int k, const float **data, size_t *n_times,
                        uint32_t *n_nodes, double *t0, double *dt)
{
    const sf_model *m = rec->m;
    if (r < 0 || r >= m->n_recorders || !m->recorders[r].type->trace)
        return false;
    return m->recorders[r].type->trace(rec, r, k, data, n_times, n_nodes, t0, dt);
}

bool sf_recording_trace_var(const sf_recording *rec, int r, int k, int v, const void **data,
                            bool *f64, size_t *n_times, uint32_t *n_nodes,
                            const uint32_t **node_ids, double *t0, double *dt)
{
    const sf_model *m = rec->m;
    if (r < 0 || r >= m->n_recorders || !m->recorders[r].type->trace_var)
        return false;
    return m->recorders[r].type->trace_var(rec, r, k, v, data, f64, n_times, n_nodes, node_ids,
                                           t0, dt);
}

bool sf_recording_spike_subset(const sf_recording *rec, int pop, const uint32_t **ids,
                               uint32_t *n_neurons, double *start_ms, double *stop_ms)
{
    const sf_model *m = rec->m;
    if (pop < 0 || pop >= m->n_pops || rec->spike_owner[pop] < 0)
        return false;
    const sf_recorder *rc = &m->recorders[rec->spike_owner[pop]];
    for (int k = 0; k < rc->n_pops; k++)
        if (rc->pops[k] == pop) {
            *ids = rc->sel[k].idx;
            *n_neurons = rc->sel[k].n;
            *start_ms = rc->start;
            *stop_ms = rc->stop;
            return true;
        }
    return false;
}
