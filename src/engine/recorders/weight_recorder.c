/* weight_recorder (NEST's name): every weight update of the plastic
 * synapses of its projections, as (time, projection, source, target,
 * weight), time being the presynaptic spike's stamp (NEST's weight_recorder
 * logs the event's time and weight), within start < t <= stop.
 *
 * Each thread logs into its own sf_wlog during delivery (network_impl.h);
 * the record phase (after a barrier that the engine adds when a weight log
 * exists) merges the logs of the slice and sorts them by (step, projection,
 * source, target, logging order), so the recording is the same for any
 * number of threads. Invariant: step, proj, src, tgt, w hold n entries. */
#include "engine/ckpt_io.h"
#include "engine/engine_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int threads;
    sf_wlog *logs;          /* [threads]                                  */
    bool *rec_proj;         /* [n_proj]: recorded                          */
    int64_t lo, hi;         /* recorded stamps lo < step + 1 <= hi         */
    sf_wlog_entry *tmp;     /* merge scratch                               */
    size_t tmp_cap;
    size_t n, cap;
    int64_t *step;
    uint32_t *proj, *src, *tgt;
    double *w;
} wdata;

bool sf_wlog_grow(sf_wlog *L)
{
    size_t nc = L->cap ? 2 * L->cap : 1024;
    sf_wlog_entry *e = realloc(L->e, sizeof *e * nc);
    if (!e) {
        L->failed = true;
        return false;
    }
    L->e = e;
    L->cap = nc;
    return true;
}

static void destroy(sf_recording *rec, int r)
{
    wdata *D = rec->data[r];
    if (!D)
        return;
    for (int t = 0; D->logs && t < D->threads; t++)
        free(D->logs[t].e);
    free(D->logs);
    free(D->rec_proj);
    free(D->tmp);
    free(D->step);
    free(D->proj);
    free(D->src);
    free(D->tgt);
    free(D->w);
    free(D);
    rec->data[r] = NULL;
}

static bool start(sf_recording *rec, const sf_network *net, int r)
{
    const sf_model *m = net->m;
    const sf_recorder *rc = &m->recorders[r];
    wdata *D = calloc(1, sizeof *D);
    if (!(rec->data[r] = D))
        return false;
    D->threads = net->threads;
    D->logs = calloc((size_t)net->threads, sizeof(sf_wlog));
    D->rec_proj = calloc((size_t)m->n_proj + 1, sizeof(bool));
    if (!D->logs || !D->rec_proj)
        return false;
    for (int i = 0; i < rc->n_projs; i++)
        D->rec_proj[rc->projs[i]] = true;
    const double h = m->sim.resolution;
    D->lo = (int64_t)nearbyint(rc->start / h);
    D->hi = isfinite(rc->stop) ? (int64_t)nearbyint(rc->stop / h) : INT64_MAX;
    return true;
}

static sf_wlog *table_log(sf_recording *rec, int r, const sf_syn_table *T, int thread)
{
    wdata *D = rec->data[r];
    return D->rec_proj[T->proj] ? &D->logs[thread] : NULL;
}

static int entry_cmp(const void *pa, const void *pb)
{
    const sf_wlog_entry *a = pa, *b = pb;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    if (a->proj != b->proj)
        return a->proj < b->proj ? -1 : 1;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->tgt != b->tgt)
        return a->tgt < b->tgt ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool reserve(wdata *D, size_t need)
{
    if (need <= D->cap)
        return true;
    size_t nc = D->cap ? D->cap : 4096;
    while (nc < need)
        nc *= 2;
    int64_t *s = realloc(D->step, sizeof *s * nc);
    if (s)
        D->step = s;
    uint32_t *p = realloc(D->proj, sizeof *p * nc);
    if (p)
        D->proj = p;
    uint32_t *a = realloc(D->src, sizeof *a * nc);
    if (a)
        D->src = a;
    uint32_t *b = realloc(D->tgt, sizeof *b * nc);
    if (b)
        D->tgt = b;
    double *w = realloc(D->w, sizeof *w * nc);
    if (w)
        D->w = w;
    if (!s || !p || !a || !b || !w)
        return false;
    D->cap = nc;
    return true;
}

static bool collect(sf_recording *rec, const sf_network *net, int r, const sf_thread_state *all,
                    int par, int64_t s0)
{
    (void)net;
    (void)all;
    (void)par;
    (void)s0;
    wdata *D = rec->data[r];
    size_t tot = 0;
    for (int t = 0; t < D->threads; t++) {
        if (D->logs[t].failed)
            return false;
        tot += D->logs[t].n;
    }
    if (!tot)
        return true;
    if (tot > D->tmp_cap) {
        sf_wlog_entry *e = realloc(D->tmp, sizeof *e * tot);
        if (!e)
            return false;
        D->tmp = e;
        D->tmp_cap = tot;
    }
    size_t at = 0;
    for (int t = 0; t < D->threads; t++) {
        sf_wlog *L = &D->logs[t];
        for (size_t i = 0; i < L->n; i++)
            if (L->e[i].step + 1 > D->lo && L->e[i].step + 1 <= D->hi)
                D->tmp[at++] = L->e[i];
        L->n = 0;
    }
    qsort(D->tmp, at, sizeof *D->tmp, entry_cmp);
    if (!reserve(D, D->n + at))
        return false;
    for (size_t i = 0; i < at; i++) {
        const sf_wlog_entry *e = &D->tmp[i];
        D->step[D->n] = e->step + 1;
        D->proj[D->n] = e->proj;
        D->src[D->n] = e->src;
        D->tgt[D->n] = e->tgt;
        D->w[D->n++] = e->w;
    }
    return true;
}

void sf_wlog_adopt(sf_recording *rec, int r, size_t n, int64_t *step, uint32_t *proj,
                   uint32_t *src, uint32_t *tgt, double *w)
{
    wdata *D = rec->data[r];
    free(D->step);
    free(D->proj);
    free(D->src);
    free(D->tgt);
    free(D->w);
    D->step = step;
    D->proj = proj;
    D->src = src;
    D->tgt = tgt;
    D->w = w;
    D->n = D->cap = n;
}

bool sf_recording_weights(const sf_recording *rec, int r, size_t *n, const int64_t **steps,
                          const uint32_t **proj, const uint32_t **src, const uint32_t **tgt,
                          const double **w)
{
    const sf_model *m = rec->m;
    *n = 0;
    if (r < 0 || r >= m->n_recorders || m->recorders[r].type != &sf_recorder_weight_recorder ||
        !rec->data[r])
        return false;
    const wdata *D = rec->data[r];
    *n = D->n;
    if (steps)
        *steps = D->step;
    if (proj)
        *proj = D->proj;
    if (src)
        *src = D->src;
    if (tgt)
        *tgt = D->tgt;
    if (w)
        *w = D->w;
    return true;
}

/* Checkpoints: the entries recorded so far (the threads' logs are empty
 * between slices: the record phase merged them). */
static bool ckpt(sf_recording *rec, int r, sf_ckpt_io *io)
{
    wdata *D = rec->data[r];
    uint64_t n = D->n;
    if (!sf_ckpt_io_len(io, &n, SIZE_MAX / 64))
        return false;
    if (sf_ckpt_io_reading(io)) {
        if (!reserve(D, n)) {
            sf_ckpt_io_fail(io);
            return false;
        }
        D->n = n;
    }
    sf_ckpt_io_data(io, D->step, sizeof *D->step * n);
    sf_ckpt_io_data(io, D->proj, sizeof *D->proj * n);
    sf_ckpt_io_data(io, D->src, sizeof *D->src * n);
    sf_ckpt_io_data(io, D->tgt, sizeof *D->tgt * n);
    return sf_ckpt_io_data(io, D->w, sizeof *D->w * n);
}

static const char *const keys[] = {"projections", "start", "stop", NULL};

const sf_recorder_type sf_recorder_weight_recorder = {
    .name = "weight_recorder",
    .doc = "the weight of every update of the plastic synapses of its projections (time, "
           "source, target, weight; NEST weight_recorder)",
    .keys = keys,
    .weights = true,
    .start = start,
    .collect = collect,
    .destroy = destroy,
    .table_log = table_log,
    .ckpt = ckpt,
};
