/* static_synapse (NEST's name): a fixed weight and delay per synapse. A spike
 * of amplitude a (1 for spikes) adds w * a to the target's port row of the
 * ring buffer slot of arrival step k + d (through the block's event queue,
 * network/evq.h, when it has one: the same sums in the same order).
 *
 * Storage per synapse: the block-local target (u16), and the weight (f32)
 * only when the projection's weights are not constant (w0 otherwise).
 * Delays: d0 when constant; else, after the build (finish), each row is
 * sorted by delay (stably, so synapses of equal delay keep their order) and
 * cut into buckets of equal delay, so that delivery adds a bucket into one
 * arrival slot. A bucket is two bytes: its delay less the previous bucket's
 * of the row (the first: less 0) and its synapse count, each 0..255 (longer
 * runs are cut into buckets of step 0, larger steps padded with empty
 * buckets). So buckets never take more room than a u16 per synapse, plus a
 * u32 per row (the decision is the projection's, not the table's, so the
 * order within rows is the same for any thread count); only a table of
 * 2^32 buckets or more keeps per-synapse delays.
 * Invariant: tgt, w, d have T->n_syn entries (w, d may be NULL); the buckets
 * bk[brow[s]] .. bk[brow[s+1]-1] of row s cover its synapses row[s] ..
 * row[s+1]-1 in order, delays ascending.
 * Sorting a row by delay changes no sum: each accumulator (target, slot)
 * still receives its adds in the order of the draws. */
#include "network/evq.h"
#include "network/network_impl.h"

#include <stdlib.h>
#include <string.h>

/* A synapse while the table is filled (drawn weights or delays): the
 * builder stores synapses in a scattered order (by target, into rows by
 * source), so one packed record per synapse costs one cache miss where the
 * separate arrays cost three; finish unpacks the records, row by row. */
typedef struct {
    uint16_t tgt, d;
    float w;
} pending;

typedef struct {
    uint16_t *tgt;     /* NULL while pend holds the synapses */
    pending *pend;     /* during the build, NULL after finish */
    float *w;          /* NULL: all weights are w0 */
    uint16_t *d;       /* per-synapse delays (steps); NULL: d0 or buckets */
    uint32_t *brow;    /* [n_src + 1] buckets of each row; NULL: none */
    uint8_t (*bk)[2];  /* [n_bk] {delay step, count} of each bucket */
    uint32_t n_bk;
    float w0;
    uint16_t d0;
    bool hw, hd;       /* drawn weights, drawn delays */
    bool lent;         /* pend is the builder's buffer (T->lend), not ours */
} store;

/* The arrays delivery reads (targets, weights) come from sf_alloc_huge
 * (network_impl.h): delivery starts each spike's row at a random place of
 * a table much larger than what the TLB covers in 4 KiB pages. */
#define syn_alloc sf_alloc_huge

static double bytes_per_synapse(const sf_projection *p)
{
    return 2.0 + (sf_dist_is_const(&p->weight) ? 0.0 : 4.0) + (sf_dist_is_const(&p->delay) ? 0.0 : 2.0);
}

static double table_bytes(const sf_syn_table *T)
{
    const store *S = T->store;
    double b = (double)T->n_syn * (2.0 + (S->w ? 4.0 : 0.0) + (S->d ? 2.0 : 0.0));
    if (S->brow)
        b += 4.0 * ((double)T->n_src + 1.0) + 2.0 * S->n_bk;
    return b;
}

static void destroy(sf_syn_table *T)
{
    store *S = T->store;
    if (!S)
        return;
    free(S->tgt);
    if (!S->lent)
        free(S->pend);
    free(S->w);
    free(S->d);
    free(S->brow);
    free(S->bk);
    free(S);
    T->store = NULL;
}

static bool create(sf_syn_table *T, const sf_projection *p, double h)
{
    store *S = calloc(1, sizeof *S);
    if (!(T->store = S))
        return false;
    size_t n = T->n_syn ? T->n_syn : 1;
    S->w0 = (float)p->weight.a;
    S->d0 = sf_delay_steps(p->delay.a, h);
    S->hw = !sf_dist_is_const(&p->weight);
    S->hd = !sf_dist_is_const(&p->delay);
    if (S->hw || S->hd) { /* the records in the builder's buffer where it lends one */
        S->lent = T->lend != NULL;
        S->pend = S->lent ? sf_lend_take(T->lend, sizeof(pending) * n) : malloc(sizeof(pending) * n);
        return S->pend != NULL;
    }
    return (S->tgt = syn_alloc(sizeof(uint16_t) * n)) != NULL;
}

static void store_n(sf_syn_table *T, size_t n, const uint32_t *at, const uint16_t *tgt,
                    const double *w, const uint16_t *d)
{
    store *S = T->store;
    if (!S->pend) {
        for (size_t j = 0; j < n; j++)
            S->tgt[at[j]] = tgt[j];
        return;
    }
    pending *restrict P = S->pend;
    for (size_t j = 0; j < n; j++)
        P[at[j]] = (pending){tgt[j], S->hd ? d[j] : 0, S->hw ? (float)w[j] : 0.0f};
}

/* The packed records unpacked into tgt, w and (kept only when buckets are
 * not possible) d, in place order. */
static bool unpack(store *S, size_t n, bool keep_d)
{
    const size_t m = n ? n : 1;
    S->tgt = syn_alloc(sizeof(uint16_t) * m);
    S->w = S->hw ? syn_alloc(sizeof(float) * m) : NULL;
    S->d = keep_d ? malloc(sizeof(uint16_t) * m) : NULL;
    if (!S->tgt || (S->hw && !S->w) || (keep_d && !S->d))
        return false;
    const pending *P = S->pend;
    for (size_t x = 0; x < n; x++)
        S->tgt[x] = P[x].tgt;
    if (S->w)
        for (size_t x = 0; x < n; x++)
            S->w[x] = P[x].w;
    if (S->d)
        for (size_t x = 0; x < n; x++)
            S->d[x] = P[x].d;
    if (!S->lent)
        free(S->pend);
    S->pend = NULL;
    return true;
}

/* After the last store: the records unpacked; with drawn delays, rows
 * sorted by delay and cut into buckets. */
static bool finish(sf_syn_table *T)
{
    store *S = T->store;
    if (!S->pend)
        return true;
    if (!S->hd || !T->n_syn)
        return unpack(S, T->n_syn, S->hd);
    const pending *P = S->pend;
    const uint32_t *row = T->row;
    uint32_t *seen = calloc(65536, sizeof(uint32_t)); /* row + 1 that saw a delay */
    uint32_t *cnt = calloc(65536, sizeof(uint32_t));
    uint16_t *dl = malloc(sizeof(uint16_t) * 65536);
    S->tgt = syn_alloc(sizeof(uint16_t) * T->n_syn);
    S->w = S->hw ? syn_alloc(sizeof(float) * T->n_syn) : NULL;
    S->brow = malloc(sizeof(uint32_t) * ((size_t)T->n_src + 1));
    /* the buckets grow with the rows (one pass over the records, which
     * are read from memory once: each row's second reading finds it in
     * cache), by doubling, then shrink to their number */
    size_t cap = (size_t)T->n_src + 64;
    S->bk = malloc(2 * cap);
    bool ok = seen && cnt && dl && S->tgt && (!S->hw || S->w) && S->brow && S->bk, fits = true;
    uint32_t b = 0;
    for (uint32_t s = 0; ok && fits && s < T->n_src; s++) {
        const uint32_t x0 = row[s], x1 = row[s + 1];
        S->brow[s] = b;
        /* the row's distinct delays, ascending, and their counts */
        uint32_t nd = 0;
        for (uint32_t x = x0; x < x1; x++) {
            uint16_t d = P[x].d;
            if (seen[d] != s + 1) {
                seen[d] = s + 1;
                cnt[d] = 0;
                uint32_t j = nd++;
                while (j > 0 && dl[j - 1] > d) {
                    dl[j] = dl[j - 1];
                    j--;
                }
                dl[j] = d;
            }
            cnt[d]++;
        }
        /* at most the row's buckets: one per distinct delay and per 255
         * synapses, and one per 255 steps of its largest delay */
        const uint64_t most = nd ? (uint64_t)b + nd + (x1 - x0) / 255u + dl[nd - 1] / 255u : b;
        if (most >= UINT32_MAX) {
            fits = false; /* per-synapse delays (below) */
            break;
        }
        if (most + 1 > cap) {
            while (cap < most + 1)
                cap *= 2;
            uint8_t(*nbk)[2] = realloc(S->bk, 2 * cap);
            if (!(ok = nbk != NULL))
                break;
            S->bk = nbk;
        }
        /* stable counting sort: cnt[d] becomes the next position of d */
        uint32_t at = 0, dprev = 0;
        for (uint32_t j = 0; j < nd; j++) {
            const uint32_t c0 = cnt[dl[j]];
            uint32_t c = c0, step = dl[j] - dprev;
            for (; step > 255; step -= 255)
                S->bk[b][0] = 255, S->bk[b++][1] = 0;
            do {
                uint32_t m = c > 255 ? 255 : c;
                S->bk[b][0] = (uint8_t)step, S->bk[b++][1] = (uint8_t)m;
                step = 0;
                c -= m;
            } while (c);
            dprev = dl[j];
            cnt[dl[j]] = at;
            at += c0;
        }
        for (uint32_t x = x0; x < x1; x++) {
            uint32_t p = x0 + cnt[P[x].d]++;
            S->tgt[p] = P[x].tgt;
            if (S->w)
                S->w[p] = P[x].w;
        }
    }
    free(seen);
    free(cnt);
    free(dl);
    if (ok && !fits) { /* 2^32 buckets or more: unpacked, delays per synapse */
        free(S->tgt);
        free(S->w);
        free(S->brow);
        free(S->bk);
        S->tgt = NULL, S->w = NULL, S->brow = NULL, S->bk = NULL;
        return unpack(S, T->n_syn, true);
    }
    if (!ok)
        return false;
    uint8_t(*nbk)[2] = realloc(S->bk, 2 * ((size_t)b + 1));
    if (nbk)
        S->bk = nbk;
    S->brow[T->n_src] = b;
    S->n_bk = b;
    if (!S->lent)
        free(S->pend);
    S->pend = NULL;
    return true;
}

static void get(const sf_syn_table *T, uint32_t at, uint16_t *tgt, double *w, uint16_t *d)
{
    const store *S = T->store;
    *tgt = S->tgt[at];
    *w = S->w ? S->w[at] : S->w0;
    if (S->brow) { /* the row s holding at (row[s] <= at < row[s + 1]), then its buckets */
        uint32_t lo = 0, hi = T->n_src;
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (T->row[mid] <= at)
                lo = mid;
            else
                hi = mid;
        }
        uint32_t x = T->row[lo], dd = 0;
        for (uint32_t q = S->brow[lo];; q++) {
            dd += S->bk[q][0];
            x += S->bk[q][1];
            if (at < x)
                break;
        }
        *d = (uint16_t)dd;
    } else {
        *d = S->d ? S->d[at] : S->d0;
    }
}

/* Adds synapses x0 .. x1-1 (weights wv, or w0 when NULL) times am into the
 * ring row of arrival slot s, port `port`: directly, or, when the block has
 * a queue and the values are exact in a float (|am| = 1), through it. */
static inline __attribute__((always_inline)) void add_run(const store *S, const sf_block *b, size_t port, int s, uint32_t x0,
                           uint32_t x1, float am)
{
    const uint16_t *restrict tg = S->tgt;
    const float *restrict wv = S->w;
    const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
    sf_evq *q = b->q;
    if (q && (am == 1.0f || am == -1.0f)) {
        const uint32_t pb = (uint32_t)(port * nb);
        const float w0 = S->w0 * am;
        while (x0 < x1) {
            uint32_t room;
            sf_evq_ent *restrict e = sf_evq_room(q, s, b->ring, &room);
            if (!e)
                break; /* spilled: the rest into the ring row */
            uint32_t m = x1 - x0 < room ? x1 - x0 : room;
            sf_evq_fill(e, tg + x0, wv ? wv + x0 : NULL, am, w0, pb, m);
            sf_evq_commit(q, s, m);
            x0 += m;
        }
        if (x0 == x1)
            return;
    } else if (q) {
        sf_evq_spill(q, s, b->ring); /* what is queued for s comes first */
    }
    double *restrict dst = b->ring + (size_t)s * stride + port * nb;
    const double a = am;
    if (wv && am == 1.0f) /* spikes: w * 1 is w */
        for (uint32_t x = x0; x < x1; x++)
            dst[tg[x]] += (double)wv[x];
    else if (wv)
        for (uint32_t x = x0; x < x1; x++)
            dst[tg[x]] += (double)wv[x] * a;
    else {
        const double w = S->w0 * a;
        for (uint32_t x = x0; x < x1; x++)
            dst[tg[x]] += w;
    }
}

/* Software prefetch of the rows of spikes still to come (PF_AHEAD ahead):
 * in a large network the rows of a spiking source lie anywhere in a table
 * far larger than the caches, so each row would start with a miss to memory
 * (the cause of the growth of the cost per event with N at fixed
 * in-degree, docs/benchmarks.md); the first PF_LINES lines of a row's
 * targets and weights are requested while earlier rows are delivered (the
 * hardware prefetcher follows the rest of the row), and the row offsets of
 * spikes twice as far ahead. */
#define PF_AHEAD 4
#define PF_LINES 4
static inline void prefetch_row(const store *S, const uint32_t *row, uint32_t s)
{
    const uint32_t x = row[s];
    const char *t = (const char *)(S->tgt + x);
    for (int l = 0; l < PF_LINES; l++)
        __builtin_prefetch(t + 64 * l);
    if (S->w) {
        const char *w = (const char *)(S->w + x);
        for (int l = 0; l < PF_LINES; l++)
            __builtin_prefetch(w + 64 * l);
    }
    if (S->brow)
        __builtin_prefetch(S->bk + S->brow[s]);
}
static inline void prefetch_ahead(const store *S, const uint32_t *row, const uint32_t *src,
                                  uint32_t a, uint32_t n)
{
    if (a + 2 * PF_AHEAD < n)
        __builtin_prefetch(row + src[a + 2 * PF_AHEAD]);
    if (a + PF_AHEAD < n)
        prefetch_row(S, row, src[a + PF_AHEAD]);
}

/* The prefetch hook (sf_synapse_type): the whole rows of the sources src[]
 * (targets, weights, buckets) requested, for the few spikes per table and
 * step of a large network (docs/benchmarks.md, round 5). */
static inline void prefetch_bytes(const void *p, size_t n)
{
    const char *c = (const char *)((uintptr_t)p & ~(uintptr_t)63), *e = (const char *)p + n;
    for (; c < e; c += 64)
        __builtin_prefetch(c);
}
static void prefetch(const sf_syn_table *T, const uint32_t *src, uint32_t n)
{
    const store *S = T->store;
    const uint32_t *row = T->row;
    for (uint32_t a = 0; a < n; a++) {
        const uint32_t s = src[a], x0 = row[s], m = row[s + 1] - x0;
        prefetch_bytes(S->tgt + x0, sizeof(uint16_t) * m);
        if (S->w)
            prefetch_bytes(S->w + x0, sizeof(float) * m);
        if (S->brow)
            prefetch_bytes(S->bk + S->brow[s], 2 * (size_t)(S->brow[s + 1] - S->brow[s]));
    }
}

static void deliver(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n)
{
    const store *S = T->store;
    const uint32_t *restrict row = T->row;
    const size_t port = (size_t)T->port;
    for (uint32_t a = 0; a < PF_AHEAD && a < n; a++)
        prefetch_row(S, row, src[a]);
    if (S->brow) { /* bucketed rows: one arrival slot per bucket */
        for (uint32_t a = 0; a < n; a++) {
            prefetch_ahead(S, row, src, a, n);
            const uint32_t s = src[a];
            int64_t ka = k;
            uint32_t x = row[s];
            for (uint32_t q = S->brow[s]; q < S->brow[s + 1]; q++) {
                ka += S->bk[q][0];
                add_run(S, b, port, (int)(ka & mask), x, x + S->bk[q][1], amp[a]);
                x += S->bk[q][1];
            }
        }
    } else if (!S->d) {
        const int slot = (int)((k + S->d0) & mask);
        for (uint32_t a = 0; a < n; a++) {
            prefetch_ahead(S, row, src, a, n);
            add_run(S, b, port, slot, row[src[a]], row[src[a] + 1], amp[a]);
        }
    } else { /* per-synapse delays */
        const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
        double *restrict ring = b->ring + port * nb;
        const uint16_t *restrict tg = S->tgt, *restrict dv = S->d;
        for (uint32_t a = 0; a < n; a++) {
            const double am = amp[a];
            for (uint32_t x = row[src[a]], x1 = row[src[a] + 1]; x < x1; x++) {
                const int slot = (int)((k + dv[x]) & mask);
                if (b->q)
                    add_run(S, b, port, slot, x, x + 1, amp[a]);
                else
                    ring[(size_t)slot * stride + tg[x]] +=
                        (S->w ? (double)S->w[x] : (double)S->w0) * am;
            }
        }
    }
}

const sf_synapse_type sf_synapse_static = {
    .name = "static_synapse",
    .doc = "fixed weight and delay per synapse (NEST static_synapse)",
    .bytes_per_synapse = bytes_per_synapse,
    .table_bytes = table_bytes,
    .create = create,
    .store = store_n,
    .finish = finish,
    .get = get,
    .deliver = deliver,
    .prefetch = prefetch,
    .destroy = destroy,
};
