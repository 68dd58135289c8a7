/* Building the network: blocks of neurons, synapse tables, input sources.
 *
 * Invariant: every random choice is drawn from a stream keyed by
 * (seed, purpose, entity) where the entity is the neuron (or projection and
 * neuron) it belongs to; so the network, and thus the simulation, is the same
 * for any number of threads. Connections are generated target by target (the
 * source side for fixed_outdegree): each entity's partners are drawn once
 * into a per-thread buffer while the row lengths are counted, then stored;
 * entities past the buffer's bound (DRAW_BUF_MAX partners) are drawn again
 * to be stored, so no table needs more than that bound of extra memory.
 */
#include "network/evq.h"
#include "network/network_impl.h"
#include "spikefield/mpi.h"

#include <assert.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ENTITY(proj, id) (((uint64_t)(proj) << 32) | (uint64_t)(id))

static int64_t steps_of(double t, double h)
{
    return sf_time_steps(t, h);
}

#define delay_steps sf_delay_steps
#define dist_const sf_dist_is_const

/* sf_delay_steps of n delays (ms) into out, in a loop that vectorises
 * (the same rounding and bounds, so the same steps). */
static void delay_steps_n(const double *restrict d, uint64_t n, double h, uint16_t *restrict out)
{
    for (uint64_t i = 0; i < n; i++) {
        double s = nearbyint(d[i] / h);
        s = s < 1 ? 1 : s;
        s = s > 65535 ? 65535 : s;
        out[i] = (uint16_t)(int32_t)s;
    }
}

/* Most partners a thread keeps from counting to filling (fill_table). */
#define DRAW_BUF_MAX ((size_t)1 << 26)

/* Largest value a delay distribution can take (ms). */
static double dist_max(const sf_dist *d)
{
    if (dist_const(d))
        return d->a;
    if (d->kind == SF_DIST_UNIFORM)
        return fmin(d->b, d->max);
    return d->max;
}
static double dist_min(const sf_dist *d)
{
    if (dist_const(d))
        return d->a;
    if (d->kind == SF_DIST_UNIFORM)
        return fmax(d->a, d->min);
    return d->min;
}

/* ------------------------------------------------------------------------- */
/* Layout: slice length, ring size, blocks per (population, thread). */

typedef struct {
    int slice, ring_len;
    int n_blocks;
} layout;

static layout plan_layout(const sf_model *m, int threads)
{
    layout L = {0};
    double h = m->sim.resolution;
    int64_t dmin = INT64_MAX, dmax = 1;
    for (int i = 0; i < m->n_proj; i++) {
        int64_t lo = delay_steps(dist_min(&m->proj[i].delay), h);
        int64_t hi = delay_steps(dist_max(&m->proj[i].delay), h);
        dmin = lo < dmin ? lo : dmin;
        dmax = hi > dmax ? hi : dmax;
    }
    for (int i = 0; i < m->n_inputs; i++)
        if (m->inputs[i].type->max_delay) {
            int64_t d = delay_steps(m->inputs[i].type->max_delay(&m->inputs[i]), h);
            dmax = d > dmax ? d : dmax;
        }
    if (dmin == INT64_MAX)
        dmin = 10; /* no recurrence: any interval works */
    L.slice = (int)(dmin > 1000 ? 1000 : dmin);
    int need = (int)dmax + L.slice + 1, r = 1;
    while (r < need)
        r <<= 1;
    L.ring_len = r;
    for (int p = 0; p < m->n_pops; p++)
        for (int t = 0; t < threads; t++) {
            uint32_t n = m->pops[p].n, lo = (uint32_t)((uint64_t)n * t / threads),
                     hi = (uint32_t)((uint64_t)n * (t + 1) / threads);
            L.n_blocks += (int)((hi - lo + SF_BLOCK_MAX - 1) / SF_BLOCK_MAX);
        }
    return L;
}

static int blocks_of_pop(const sf_model *m, int threads, int p)
{
    int nb = 0;
    for (int t = 0; t < threads; t++) {
        uint32_t n = m->pops[p].n, lo = (uint32_t)((uint64_t)n * t / threads),
                 hi = (uint32_t)((uint64_t)n * (t + 1) / threads);
        nb += (int)((hi - lo + SF_BLOCK_MAX - 1) / SF_BLOCK_MAX);
    }
    return nb;
}

/* The estimate for one of `ranks` processes of `threads` threads each: the
 * synapses, neuron state and ring buffers are split (1/ranks of them, the
 * blocks being cut for ranks x threads threads); the slice buffers of all
 * threads (the exchange fills every process's), the recorders (every
 * process records all spikes) and the rules' plans are held whole. */
static double estimate_part(const sf_model *m, int threads, int ranks)
{
    layout L = plan_layout(m, threads * ranks);
    const double share = 1.0 / ranks;
    double b = 0;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        b += share * sf_model_expected_synapses(m, i) * p->synapse->bytes_per_synapse(p);
        b += share * (double)blocks_of_pop(m, threads * ranks, p->target) *
             (m->pops[p->source].n + 1.0) * 4.0;
        if (p->rule->plan)
            b += 4.0 * m->pops[p->target].n;
    }
    for (int i = 0; i < m->n_pops; i++) {
        const sf_population *p = &m->pops[i];
        const sf_neuron_type *t = p->type;
        b += share * (double)p->n * (8.0 * t->n_state + (double)sizeof(sf_acc) * L.ring_len * t->n_ports +
                                     4.0 * t->max_spikes_per_step);
        /* an event queue per block (at most): its pool and its input row */
        b += share * ((double)p->n * t->n_ports * (sizeof(sf_evq_ent) * L.ring_len / 4.0 + (double)sizeof(sf_acc)) +
                      (double)blocks_of_pop(m, threads * ranks, i) * sizeof(sf_evq_ent) * 4.0 *
                          SF_EVQ_CHUNK);
        /* two slice buffers of (gid, lag) for the worst case of every neuron
         * spiking in every step of a slice: id, amplitude, offsets */
        b += 2.0 * p->n * L.slice * t->max_spikes_per_step * 12.0;
        if (p->param_dist) /* a parameter row, derived constants and a run offset per neuron */
            b += share * (double)p->n * (8.0 * t->n_params + t->derived_size + 20.0);
    }
    for (int r = 0; r < m->n_recorders; r++) {
        const sf_recorder *rc = &m->recorders[r];
        if (rc->type->bytes)
            b += rc->type->bytes(m, rc);
    }
    /* per-thread scratch for connection generation: a bitmap over the
     * sources and, per drawn partner, its id, weight and delay */
    double scratch = 0;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        double ns = m->pops[p->source].n, nt = m->pops[p->target].n;
        double cap = p->rule->max_partners(m, p, NULL);
        /* the kept draws of one table: the projection's synapses (by
         * source), or those onto one block, up to DRAW_BUF_MAX */
        double kept = sf_model_expected_synapses(m, i);
        if (!p->rule->by_source)
            kept /= fmax(1.0, blocks_of_pop(m, threads, p->target));
        kept = fmin(kept, (double)DRAW_BUF_MAX) * (p->profile.distance_delay ? 6.0 : 4.0) +
               8.0 * (p->rule->by_source ? ns : fmin(nt, SF_BLOCK_MAX));
        scratch = fmax(scratch, fmax(ns, nt) / 8.0 + cap * 20.0 + kept);
    }
    b += threads * scratch;
    return b + (32u << 20); /* plus libraries and code */
}

sf_status sf_network_estimate(sf_context *ctx, const sf_model *m, int threads, uint64_t *bytes)
{
    if (threads < 1)
        return sf_fail(ctx, SF_ERR_ARG, "threads must be at least 1 (got %d)", threads);
    *bytes = (uint64_t)estimate_part(m, threads, 1);
    return SF_OK;
}

/* ------------------------------------------------------------------------- */
/* Connection generation. */

typedef sf_conn_scratch scratch;

/* The words of a stream for a run of draws, fetched in vectorised chunks
 * (sf_rng_fill_u32) but never past what the draws use: a refill takes at
 * most `need` words, a lower bound on the words the remaining draws consume
 * (each consumes one or more), so the stream ends where sf_rng_u32 calls
 * would leave it and every draw is the same as sf_rng_below's. */
typedef struct {
    sf_rng *r;
    uint32_t pos, len;
    uint32_t buf[512];
} words;

static inline uint32_t words_next(words *w, uint64_t need)
{
    if (w->pos == w->len) {
        w->len = need < 512 ? (uint32_t)need : 512;
        sf_rng_fill_u32(w->r, w->buf, w->len);
        w->pos = 0;
    }
    return w->buf[w->pos++];
}

/* sf_rng_below(r, n) for 2 <= n <= UINT32_MAX (Lemire 2019), from w. */
static inline uint32_t words_below(words *w, uint32_t n, uint64_t need)
{
    uint64_t m = (uint64_t)words_next(w, need) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        const uint32_t thresh = (uint32_t)(-n) % n;
        while (low < thresh) {
            m = (uint64_t)words_next(w, need) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Draws K distinct values from [0, n) except `skip` (UINT32_MAX: none), into
 * out in draw order. Rejection with a bitmap while K <= n/2, selection
 * sampling (Knuth's algorithm S) above. */
static void draw_distinct(sf_rng *r, uint64_t K, uint32_t n, uint32_t skip, scratch *S, uint32_t *out)
{
    uint64_t avail = n - (skip != UINT32_MAX ? 1u : 0u);
    if (2 * K <= avail) {
        words w;
        w.r = r;
        w.pos = w.len = 0;
        for (uint64_t k = 0; k < K;) {
            uint32_t s = words_below(&w, n, K - k); /* avail >= 2: n >= 2 */
            if (s == skip || (S->bitmap[s >> 6] >> (s & 63)) & 1u)
                continue;
            S->bitmap[s >> 6] |= 1ull << (s & 63);
            out[k++] = s;
        }
        for (uint64_t k = 0; k < K; k++)
            S->bitmap[out[k] >> 6] = 0;
    } else {
        uint64_t seen = 0, chosen = 0;
        for (uint32_t s = 0; s < n && chosen < K; s++) {
            if (s == skip)
                continue;
            if ((double)(avail - seen) * sf_rng_uniform(r) < (double)(K - chosen))
                out[chosen++] = s;
            seen++;
        }
    }
}

void sf_conn_draw_fixed(sf_rng *r, uint64_t K, uint32_t n, uint32_t skip, bool multapses,
                        sf_conn_scratch *S)
{
    if (multapses) {
        if (n <= 1) { /* sf_rng_below draws nothing */
            for (uint64_t k = 0; k < K; k++)
                S->list[k] = 0;
            return;
        }
        /* words_below's draws, the buffer's state in locals: each refill
         * (at most the draws left, as words_next) is first converted
         * whole, in a loop that vectorises; only a refill with a rejected
         * word (low part below the threshold, probability < n / 2^32) or
         * a draw of `skip` is then taken word by word, as words_below
         * would, so the draws are the same and so is the stream's end */
        uint32_t buf[512], pos = 0, len = 0;
        const uint32_t thresh = (uint32_t)(-n) % n;
        uint32_t *restrict list = S->list;
        for (uint64_t k = 0; k < K;) {
            if (pos == len) {
                len = K - k < 512 ? (uint32_t)(K - k) : 512;
                sf_rng_fill_u32(r, buf, len);
                pos = 0;
                uint32_t bad = 0;
                for (uint32_t j = 0; j < len; j++) {
                    const uint64_t m = (uint64_t)buf[j] * n;
                    const uint32_t s = (uint32_t)(m >> 32);
                    list[k + j] = s;
                    bad |= ((uint32_t)m < thresh) | (s == skip);
                }
                if (!bad) {
                    k += len;
                    pos = len;
                    continue;
                }
            }
            const uint64_t m = (uint64_t)buf[pos++] * n;
            if ((uint32_t)m < thresh)
                continue; /* rejected: the next word */
            const uint32_t s = (uint32_t)(m >> 32);
            if (s != skip)
                list[k++] = s;
        }
    } else {
        draw_distinct(r, K, n, skip, S, S->list);
    }
}

/* Partners of entity j (a target, or a source when the rule draws by
 * source) of projection pi, written to S->list; returns their count. Each
 * entity draws from its own stream (seed, CONNECT, (pi, gid)). */
static uint64_t partners(const sf_model *m, int pi, const void *plan, uint32_t j, scratch *S)
{
    const sf_projection *p = &m->proj[pi];
    const sf_population *src = &m->pops[p->source], *tgt = &m->pops[p->target];
    const bool by_src = p->rule->by_source;
    uint32_t skip = p->source == p->target && !p->autapses ? j : UINT32_MAX;
    sf_rng r;
    sf_rng_init(&r, m->sim.seed, SF_RNG_CONNECT,
                ENTITY(pi, (by_src ? src->first_gid : tgt->first_gid) + j));
    return p->rule->partners(p, plan, j, (by_src ? tgt : src)->n, skip, &r, S);
}

/* Partners drawn while counting, kept for the fill: entity e's at
 * src[off[e] .. off[e + 1]) (and their delays in steps, distance delays),
 * for the first n_ent entities of the table. Per thread; grows by doubling
 * up to DRAW_BUF_MAX partners (then the remaining entities are drawn twice). */
typedef struct {
    uint32_t *src;
    uint16_t *ds;
    uint64_t *off;
    size_t cap, ds_cap, off_cap, n_ent;
    bool full;
} drawbuf;

static bool drawbuf_keep(drawbuf *B, uint32_t e, const scratch *S, uint64_t K, bool dd, double h)
{
    if (B->full || e != B->n_ent)
        return false;
    uint64_t at = e ? B->off[e] : 0;
    if (e + 2 > B->off_cap) {
        size_t c = B->off_cap ? 2 * B->off_cap : 1024;
        uint64_t *o = realloc(B->off, sizeof(uint64_t) * c);
        if (!o)
            return !(B->full = true);
        B->off = o;
        B->off_cap = c;
    }
    size_t c = 1 << 16;
    while (c < at + K)
        c *= 2;
    if (c > DRAW_BUF_MAX)
        return !(B->full = true);
    if (c > B->cap) {
        uint32_t *v = realloc(B->src, sizeof(uint32_t) * c);
        if (!v)
            return !(B->full = true);
        B->src = v;
        B->cap = c;
    }
    if (dd && c > B->ds_cap) {
        uint16_t *d = realloc(B->ds, sizeof(uint16_t) * c);
        if (!d)
            return !(B->full = true);
        B->ds = d;
        B->ds_cap = c;
    }
    B->off[e] = at;
    memcpy(B->src + at, S->list, sizeof(uint32_t) * K);
    if (dd)
        for (uint64_t k = 0; k < K; k++)
            B->ds[at + k] = delay_steps(S->dv[k], h);
    B->off[e + 1] = at + K;
    B->n_ent = e + 1;
    return true;
}

/* The partners table T keeps in a draw buffer (about): the projection's
 * synapses for a rule that draws by source (every source's partners are
 * drawn), else those onto T's block. */
static double table_draws(const sf_network *net, const sf_syn_table *T)
{
    const sf_projection *p = &net->m->proj[T->proj];
    double e = sf_model_expected_synapses(net->m, T->proj);
    return p->rule->by_source ? e
                              : e * net->blocks[T->block].n / (double)net->m->pops[p->target].n;
}

/* Sizes the empty B for about `need` partners: allocated at once when
 * smaller (on huge pages, where growing by doubling would fault it in 4 KiB
 * pages), shrunk when it holds more than twice that, so that a thread's
 * buffer follows the sizes of its tables (largest first, build_order)
 * instead of keeping the largest to the end of the build. */
#define DRAW_HUGE_MAX ((size_t)128 << 20)
/* Huge pages up to DRAW_HUGE_MAX only: larger buffers (the spatial builds'
 * 10^8 partners) stalled in the kernel's compaction of huge pages, with
 * build times up to 1.9x (docs/benchmarks.md). */
static void *drawbuf_alloc(size_t bytes, bool huge)
{
    return huge ? sf_alloc_huge(bytes) : malloc(bytes);
}

static void drawbuf_fit(drawbuf *B, double need, bool dd)
{
    size_t c = 1 << 16;
    while (c < need * 1.05 && c < DRAW_BUF_MAX)
        c *= 2;
    bool huge = sizeof(uint32_t) * c <= DRAW_HUGE_MAX;
    if (B->cap < c) { /* empty now: allocated anew at the size */
        free(B->src);
        B->src = drawbuf_alloc(sizeof(uint32_t) * c, huge);
        B->cap = B->src ? c : 0;
    }
    if (dd && B->ds_cap < c) {
        free(B->ds);
        B->ds = drawbuf_alloc(sizeof(uint16_t) * c, huge);
        B->ds_cap = B->ds ? c : 0;
    }
    if (B->cap > 2 * c) {
        uint32_t *v = realloc(B->src, sizeof(uint32_t) * c);
        if (v)
            B->src = v, B->cap = c;
    }
    if (B->ds_cap > 2 * c) {
        uint16_t *d = realloc(B->ds, sizeof(uint16_t) * c);
        if (d)
            B->ds = d, B->ds_cap = c;
    }
}

/* The order in which the threads fill the tables: largest first (the
 * kept draws plus the synapses, an estimate of both the work and the
 * transient memory), so that the last tables are small: the threads end
 * together, and the peak memory at the end of the build (every table plus
 * the transients of the ones being filled) is little more than the tables.
 * Any order builds the same network (every table draws from its own
 * streams). Returns NULL when out of memory. */
typedef struct {
    double key;
    int i;
} table_key;
static int table_key_cmp(const void *a, const void *b)
{
    const table_key *x = a, *y = b;
    return x->key > y->key ? -1 : x->key < y->key ? 1 : x->i - y->i;
}
static int *build_order(const sf_network *net)
{
    table_key *k = malloc(sizeof *k * ((size_t)net->n_tables + 1));
    int *order = malloc(sizeof(int) * ((size_t)net->n_tables + 1));
    if (!k || !order) {
        free(k);
        free(order);
        return NULL;
    }
    for (int i = 0; i < net->n_tables; i++) {
        const sf_syn_table *T = &net->tables[i];
        const sf_projection *p = &net->m->proj[T->proj];
        double syn = sf_model_expected_synapses(net->m, T->proj) * net->blocks[T->block].n /
                     (double)net->m->pops[p->target].n;
        k[i] = (table_key){table_draws(net, T) + syn, i};
    }
    qsort(k, (size_t)net->n_tables, sizeof *k, table_key_cmp);
    for (int i = 0; i < net->n_tables; i++)
        order[i] = k[i].i;
    free(k);
    return order;
}

#define HUGE_MIN ((size_t)2 << 20)
void *sf_alloc_huge(size_t bytes)
{
    if (bytes < HUGE_MIN)
        return malloc(bytes ? bytes : 1);
    void *p = NULL;
    if (posix_memalign(&p, (size_t)2 << 20, bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes & ~(((size_t)2 << 20) - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void *sf_lend_take(sf_lend *l, size_t bytes)
{
    bytes = bytes ? bytes : 1;
    if (bytes > l->cap) {
        free(l->p);
        l->cap = (l->p = sf_alloc_huge(bytes)) ? bytes : 0;
    } else if (bytes < l->cap) { /* in place: a large block is remapped, not copied */
        void *p = realloc(l->p, bytes);
        if (p)
            l->p = p, l->cap = bytes;
    }
    return l->p;
}

/* Fills table T (projection pi into block b): the draws (kept in B), the
 * row lengths, then the synapses; T's type may use the thread's buffer L
 * until it finishes. */
static sf_status fill_table(sf_network *net, sf_syn_table *T, const void *plan, scratch *S,
                            drawbuf *B, sf_lend *L)
{
    const sf_model *m = net->m;
    const sf_projection *p = &m->proj[T->proj];
    const sf_block *b = &net->blocks[T->block];
    const sf_population *src = &m->pops[p->source];
    bool outdeg = p->rule->by_source;
    uint32_t lo = b->first, hi = b->first + b->n;
    T->row = calloc((size_t)T->n_src + 1, sizeof(uint32_t));
    if (!T->row)
        return SF_ERR_NOMEM;
    /* pass 1: the draws and the row lengths */
    uint64_t total = 0;
    double h = m->sim.resolution;
    const bool dd = p->profile.distance_delay;
    B->n_ent = 0;
    B->full = false;
    drawbuf_fit(B, table_draws(net, T), dd);
    /* the block's targets drawn in the rule's order (entity_order): the
     * r-th drawn is ord[r], kept as B's entity r; target lo + e is B's
     * rank[e], stored in index order (so the table is that of index order) */
    uint32_t *ord = NULL, *rank = NULL;
    const uint32_t *perm = !outdeg && p->rule->entity_order ? p->rule->entity_order(plan) : NULL;
    if (perm) {
        ord = malloc(sizeof(uint32_t) * ((size_t)b->n + 1));
        rank = malloc(sizeof(uint32_t) * ((size_t)b->n + 1));
        if (!ord || !rank) {
            free(ord);
            free(rank);
            return SF_ERR_NOMEM;
        }
        uint32_t n_in = 0;
        for (uint32_t i = 0; i < m->pops[p->target].n; i++)
            if (perm[i] >= lo && perm[i] < hi) {
                rank[perm[i] - lo] = n_in;
                ord[n_in++] = perm[i];
            }
        assert(n_in == b->n);
    }
    if (outdeg) {
        for (uint32_t s = 0; s < src->n; s++) {
            uint64_t K = partners(m, T->proj, plan, s, S);
            drawbuf_keep(B, s, S, K, dd, h);
            for (uint64_t k = 0; k < K; k++)
                if (S->list[k] >= lo && S->list[k] < hi)
                    T->row[s + 1]++, total++;
        }
    } else {
        for (uint32_t e = 0; e < b->n; e++) {
            uint32_t j = ord ? ord[e] : lo + e;
            uint64_t K = partners(m, T->proj, plan, j, S);
            drawbuf_keep(B, e, S, K, dd, h);
            for (uint64_t k = 0; k < K; k++)
                T->row[S->list[k] + 1]++;
            total += K;
        }
    }
    free(ord);
    if (total > UINT32_MAX) {
        free(rank);
        return SF_ERR_TOO_BIG;
    }
    for (uint32_t s = 0; s < T->n_src; s++)
        T->row[s + 1] += T->row[s];
    T->n_syn = total;
    bool hw = !dist_const(&p->weight), hd = !dist_const(&p->delay);
    uint32_t *pos = malloc(sizeof(uint32_t) * ((size_t)T->n_src + 1));
    T->lend = L;
    if (!T->syn->create(T, p, m->sim.resolution) || !pos) {
        T->lend = NULL;
        free(pos);
        free(rank);
        return SF_ERR_NOMEM;
    }
    memcpy(pos, T->row, sizeof(uint32_t) * ((size_t)T->n_src + 1));
    /* pass 2: fill, drawing weights and delays of each entity's synapses in
     * draw order from the entity's own streams; the partners from B, or
     * drawn again past it */
    uint32_t n_ent = outdeg ? src->n : b->n;
    for (uint32_t e = 0; e < n_ent; e++) {
        uint32_t ent = outdeg ? e : lo + e, kept = rank ? rank[e] : e;
        const uint32_t *list = S->list;
        const uint16_t *dsk = NULL; /* kept distance delays in steps */
        uint64_t K;
        if (kept < B->n_ent) {
            K = B->off[kept + 1] - B->off[kept];
            list = B->src + B->off[kept];
            dsk = dd ? B->ds + B->off[kept] : NULL;
        } else {
            K = partners(m, T->proj, plan, ent, S);
        }
        uint64_t gid = (outdeg ? src->first_gid : m->pops[p->target].first_gid) + ent;
        if (hw)
            sf_dist_draw_n(&p->weight, m->sim.seed, SF_RNG_WEIGHT, ENTITY(T->proj, gid), K, S->wv);
        if (hd && !dd) /* spatial: partners() wrote S->dv */
            sf_dist_draw_n(&p->delay, m->sim.seed, SF_RNG_DELAY, ENTITY(T->proj, gid), K, S->dv);
        size_t n = 0;
        if (!outdeg && !hw && !hd) {
            /* by target with constant weight and delay (the common case):
             * every partner is stored, onto ent, with delay step 0 */
            for (uint64_t k = 0; k < K; k++)
                S->at[k] = pos[list[k]]++;
            const uint16_t tl = (uint16_t)(ent - lo);
            for (uint64_t k = 0; k < K; k++)
                S->tl[k] = tl;
            memset(S->ds, 0, sizeof(uint16_t) * K);
            T->syn->store(T, K, S->at, S->tl, S->wv, S->ds);
            continue;
        }
        if (!outdeg) {
            /* by target with drawn weights or delays: every partner is
             * stored too (n = K), the weights where they were drawn */
            for (uint64_t k = 0; k < K; k++)
                S->at[k] = pos[list[k]]++;
            const uint16_t tl = (uint16_t)(ent - lo);
            for (uint64_t k = 0; k < K; k++)
                S->tl[k] = tl;
            if (dsk)
                memcpy(S->ds, dsk, sizeof(uint16_t) * K);
            else if (hd)
                delay_steps_n(S->dv, K, h, S->ds);
            else
                memset(S->ds, 0, sizeof(uint16_t) * K);
            T->syn->store(T, K, S->at, S->tl, S->wv, S->ds);
            continue;
        }
        for (uint64_t k = 0; k < K; k++) {
            uint32_t s = outdeg ? e : list[k], t = outdeg ? list[k] : ent;
            if (t < lo || t >= hi)
                continue;
            S->at[n] = pos[s]++;
            S->tl[n] = (uint16_t)(t - lo);
            if (hw)
                S->wv[n] = S->wv[k];
            S->ds[n] = dsk ? dsk[k] : hd ? delay_steps(S->dv[k], h) : 0;
            n++;
        }
        T->syn->store(T, n, S->at, S->tl, S->wv, S->ds);
    }
    free(pos);
    free(rank);
    const bool ok = !T->syn->finish || T->syn->finish(T);
    T->lend = NULL;
    return ok ? SF_OK : SF_ERR_NOMEM;
}

/* ------------------------------------------------------------------------- */

static void block_free(sf_block *b)
{
    for (int k = 0; k < SF_MAX_STATE; k++)
        free(b->state[k]);
    free(b->ring);
    sf_evq_destroy(b->q);
    free(b->spk);
    free(b->u);
    free(b->w);
    free(b->run);
    free(b->run_params);
    free(b->run_derived);
    for (int i = 0; i < b->n_inputs; i++) {
        if (b->inputs[i].type->block_free)
            b->inputs[i].type->block_free(b->inputs[i].state);
        free(b->inputs[i].sel);
    }
    free(b->inputs);
    free(b->i_ext);
    for (int i = 0; i < b->n_archives; i++)
        b->arch_type[i]->destroy(b->arch[i]);
}

/* plasticity: the archives of block b for the synapse types of the tables
 * onto it (one per distinct archive type), each told its readers. */
static bool init_archives(sf_network *net, int bi)
{
    sf_block *b = &net->blocks[bi];
    for (int i = 0; i < net->n_tables; i++) {
        sf_syn_table *T = &net->tables[i];
        const sf_archive_type *at = T->syn->archive;
        if (T->block != bi || !at)
            continue;
        int a = 0;
        while (a < b->n_archives && b->arch_type[a] != at)
            a++;
        if (a == b->n_archives) {
            assert(a < SF_MAX_ARCHIVES);
            if (!(b->arch[a] = at->create(net, b)))
                return false;
            b->arch_type[a] = at;
            b->n_archives++;
        }
        T->arch = b->arch[a];
        if (at->connect)
            at->connect(T->arch, T);
    }
    return true;
}

/* The ring bytes of a thread's blocks from which they get event queues
 * (evq.h): a last-level cache (32 MiB on the development machine). Below,
 * direct adds into the ring hit the cache and are cheaper than the queue's
 * append and drain (measured: the microcircuit at scale 0.1, Brunel with
 * drawn delays, Brunel at N = 100,000); above (the full-scale microcircuit:
 * 79 MB per thread) nearly every direct add misses (docs/benchmarks.md).
 * SF_EVQ=0 / SF_EVQ=1 in the environment switch queues off / on for every
 * block that may have one (for benchmarks; results are the same). */
#define EVQ_MIN_RING_BYTES (32.0 * 1048576.0)

static double evq_pool_entries(int ring_len, uint32_t stride)
{
    return (double)ring_len / 4.0 * stride + 4.0 * SF_EVQ_CHUNK;
}

/* Whether block bi gets an event queue (init_queues): its thread's blocks
 * hold ring_bytes of ring buffers. */
static bool wants_queue(const sf_network *net, int bi, double ring_bytes)
{
    const sf_block *b = &net->blocks[bi];
    if (!sf_block_local(net, b))
        return false;
    const char *env = getenv("SF_EVQ");
    bool want = ring_bytes >= EVQ_MIN_RING_BYTES;
    if (env && (env[0] == '0' || env[0] == '1'))
        want = env[0] == '1';
    bool any = false;
    for (int i = 0; i < net->n_tables && want; i++)
        if (net->tables[i].block == bi) {
            any = true;
            want = net->tables[i].syn == &sf_synapse_static;
        }
    return want && any;
}

/* The event queues of the blocks that get one (wants_queue: large, every
 * table onto it static_synapse, as plastic types add into the ring
 * themselves). The queues of a thread share one input row (owned by its
 * first queue, sized for the largest block), which stays in cache from
 * block to block. */
static bool init_queues(sf_network *net)
{
    const int V = net->vthreads;
    double *ring = calloc((size_t)V, sizeof(double));
    uint32_t *maxs = calloc((size_t)V, sizeof(uint32_t));
    sf_evq **owner = calloc((size_t)V, sizeof(sf_evq *));
    unsigned char *want = calloc((size_t)net->n_blocks + 1, 1);
    bool ok = ring && maxs && owner && want;
    for (int i = 0; ok && i < net->n_blocks; i++) {
        const sf_block *b = &net->blocks[i];
        ring[b->thread] += (double)net->ring_len * b->n_ports * b->n * sizeof(sf_acc);
    }
    for (int i = 0; ok && i < net->n_blocks; i++) {
        const sf_block *b = &net->blocks[i];
        const uint32_t st = (uint32_t)b->n_ports * b->n;
        if ((want[i] = wants_queue(net, i, ring[b->thread])) && st > maxs[b->thread])
            maxs[b->thread] = st;
    }
    for (int i = 0; ok && i < net->n_blocks; i++) {
        sf_block *b = &net->blocks[i];
        if (!want[i])
            continue;
        const uint32_t stride = (uint32_t)b->n_ports * b->n;
        sf_evq *o = owner[b->thread];
        b->q = sf_evq_create(o ? stride : maxs[b->thread], net->ring_len,
                             (uint64_t)evq_pool_entries(net->ring_len, stride), o ? o->cur : NULL);
        if (!(ok = b->q != NULL))
            break;
        b->q->stride = stride;
        if (!o)
            owner[b->thread] = b->q;
    }
    free(ring);
    free(maxs);
    free(owner);
    free(want);
    return ok;
}

void sf_network_destroy(sf_network *net)
{
    if (!net)
        return;
    for (int i = 0; net->blocks && i < net->n_blocks; i++)
        block_free(&net->blocks[i]);
    for (int i = 0; net->tables && i < net->n_tables; i++) {
        free(net->tables[i].row);
        if (net->tables[i].syn)
            net->tables[i].syn->destroy(&net->tables[i]);
    }
    if (net->by_src)
        for (int i = 0; i < net->threads * net->m->n_pops; i++)
            free(net->by_src[i]);
    if (net->derived)
        for (int i = 0; i < net->m->n_pops; i++)
            free(net->derived[i]);
    free(net->derived);
    free(net->by_src);
    free(net->by_src_n);
    free(net->blocks);
    free(net->tables);
    free(net->proj_syn);
    for (int i = 0; net->gathered && i < net->m->n_proj; i++) {
        free(net->gathered[i].src);
        free(net->gathered[i].tgt);
        free(net->gathered[i].d);
        free(net->gathered[i].w);
    }
    free(net->gathered);
    sf_network_ckpt_free(net);
    free(net);
}

/* Heterogeneous parameters: every neuron's row (its own stream, so the
 * same for any blocks), cut into runs of equal consecutive rows, each with
 * its derived constants and resting state. */
static sf_status init_runs(sf_network *net, sf_block *b)
{
    const sf_model *m = net->m;
    const sf_population *pop = &m->pops[b->pop];
    const sf_neuron_type *t = pop->type;
    const size_t np = (size_t)t->n_params, n = b->n;
    b->derived_stride = (t->derived_size + 15) & ~(size_t)15;
    b->run = malloc(sizeof(uint32_t) * (n + 1));
    b->run_params = malloc(sizeof(double) * (np * n + 1));
    if (!b->run || !b->run_params)
        return SF_ERR_NOMEM;
    uint32_t nr = 0;
    for (uint32_t i = 0; i < n; i++) {
        double *row = b->run_params + np * nr;
        sf_population_neuron_params(m, b->pop, b->first + i, row);
        if (nr > 0 && !memcmp(row, row - np, sizeof(double) * np))
            continue;
        b->run[nr++] = i;
    }
    b->run[nr] = (uint32_t)n;
    b->n_runs = nr;
    if (!(b->run_derived = calloc((size_t)nr, b->derived_stride ? b->derived_stride : 1)))
        return SF_ERR_NOMEM;
    for (uint32_t r = 0; r < nr; r++) {
        double *sv[SF_MAX_STATE];
        for (int k = 0; k < t->n_state; k++)
            sv[k] = b->state[k] + b->run[r];
        const double *row = b->run_params + np * r;
        t->prepare(row, net->h, b->run_derived + b->derived_stride * r);
        t->init_state(row, sv, b->run[r + 1] - b->run[r]);
    }
    return SF_OK;
}

static sf_status init_block(sf_network *net, sf_block *b)
{
    const sf_model *m = net->m;
    const sf_population *pop = &m->pops[b->pop];
    const sf_neuron_type *t = pop->type;
    size_t n = b->n;
    for (int k = 0; k < t->n_state; k++)
        if (!(b->state[k] = malloc(sizeof(double) * n)))
            return SF_ERR_NOMEM;
    b->ring = calloc((size_t)net->ring_len * (size_t)t->n_ports * n, sizeof(sf_acc));
    b->spk = malloc(sizeof(uint32_t) * n * (size_t)t->max_spikes_per_step);
    b->u = malloc(sizeof(double) * n);
    b->w = malloc(sizeof(uint32_t) * n);
    if (!b->ring || !b->spk || !b->u || !b->w)
        return SF_ERR_NOMEM;
    if (pop->param_dist) {
        sf_status st = init_runs(net, b);
        if (st)
            return st;
    } else {
        t->init_state(pop->params, b->state, n);
    }
    /* initial distributions: one stream per neuron, variables in order */
    double off = t->v_offset_param >= 0 ? pop->params[t->v_offset_param] : 0.0;
    bool any = false;
    for (int k = 0; k < t->n_state; k++)
        any |= !isnan(pop->initial[k].a) || pop->initial[k].kind != SF_DIST_CONST;
    if (any)
        for (size_t i = 0; i < n; i++) {
            sf_rng r;
            sf_rng_init(&r, m->sim.seed, SF_RNG_INIT, b->first_gid + i);
            for (int k = 0; k < t->n_state; k++) {
                const sf_dist *d = &pop->initial[k];
                if (d->kind == SF_DIST_CONST && isnan(d->a))
                    continue;
                double v = sf_dist_draw(d, &r);
                b->state[k][i] = k == 0 ? v - off : v;
            }
        }
    /* input sources: one per (input, listing of this population), in model
     * order, which is the order they add their events */
    int ns = 0;
    for (int i = 0; i < m->n_inputs; i++)
        for (int k = 0; k < m->inputs[i].n_targets; k++)
            ns += m->inputs[i].targets[k] == b->pop;
    if (!(b->inputs = calloc((size_t)ns + 1, sizeof *b->inputs)))
        return SF_ERR_NOMEM;
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        uint64_t rank = 0; /* target neurons of the targets before k */
        for (int k = 0; k < in->n_targets; rank += in->sel[k].n, k++) {
            if (in->targets[k] != b->pop)
                continue;
            /* the block's part of the subset: sel[lo, hi) */
            const sf_subset *ss = &in->sel[k];
            sf_block_input *src = &b->inputs[b->n_inputs];
            *src = (sf_block_input){in->type, i, in->receptor[k], NULL, b->n, NULL,
                                    rank + b->first};
            if (ss->idx) {
                uint32_t lo = 0, hi;
                while (lo < ss->n && ss->idx[lo] < b->first)
                    lo++;
                hi = lo;
                while (hi < ss->n && ss->idx[hi] < b->first + b->n)
                    hi++;
                if (hi == lo)
                    continue;
                src->n_sel = hi - lo;
                src->rank0 = rank + lo;
                if (!(src->sel = malloc(sizeof(uint32_t) * src->n_sel)))
                    return SF_ERR_NOMEM;
                for (uint32_t j = lo; j < hi; j++)
                    src->sel[j - lo] = ss->idx[j] - b->first;
            }
            int made = in->type->block_init(net, b, i, src->port, &src->state);
            if (made <= 0) {
                if (in->type->block_free)
                    in->type->block_free(src->state);
                free(src->sel);
                src->sel = NULL;
                if (made < 0)
                    return SF_ERR_NOMEM;
                continue;
            }
            b->n_inputs++;
            if (in->type->current && (src->sel || in->type->per_neuron) && !b->i_ext &&
                !(b->i_ext = calloc(n, sizeof(double))))
                return SF_ERR_NOMEM;
        }
    }
    return SF_OK;
}

sf_status sf_network_build(sf_context *ctx, const sf_model *m, int threads, sf_network **out)
{
    return sf_network_build_part(ctx, m, threads, 0, 1, out);
}

/* MPI (src/engine/mpi.c): blocks are cut for V = ranks x threads threads;
 * this process builds the state and tables of its own threads' blocks. */
sf_status sf_network_build_part(sf_context *ctx, const sf_model *m, int threads, int rank,
                                int ranks, sf_network **out)
{
    *out = NULL;
    if (ranks < 1 || rank < 0 || rank >= ranks || (ranks > 1 && !sf_mpi_enabled()))
        return sf_fail(ctx, SF_ERR_ARG, "process %d of %d: %s", rank, ranks,
                       ranks > 1 && !sf_mpi_enabled() ? "this spikefield was built without MPI "
                                                        "(make MPI=1)" : "no such process");
    const int V = threads * ranks;
    double t0 = sf_wall_time();
    uint64_t need = 0, avail = sf_mem_available();
    sf_status st = sf_network_estimate(ctx, m, threads, &need);
    if (st)
        return st;
    need = (uint64_t)estimate_part(m, threads, ranks); /* what this process holds */
    if (avail && need > avail)
        return sf_fail(ctx, SF_ERR_TOO_BIG,
                       "%s: the network needs an estimated %.2f GiB but only %.2f GiB of memory "
                       "are available; reduce the size (e.g. --set scale.neurons=0.1)",
                       m->file, need / 1073741824.0, avail / 1073741824.0);
    sf_network *net = calloc(1, sizeof *net);
    if (!net)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    net->m = m;
    net->threads = threads;
    net->rank = rank;
    net->ranks = ranks;
    net->vthreads = V;
    net->h = m->sim.resolution;
    net->n_steps = steps_of(m->sim.duration, net->h);
    layout L = plan_layout(m, V);
    net->slice = L.slice;
    net->ring_len = L.ring_len;
    net->n_blocks = L.n_blocks;
    net->blocks = calloc((size_t)L.n_blocks, sizeof *net->blocks);
    net->derived = calloc((size_t)m->n_pops, sizeof(void *));
    net->proj_syn = calloc((size_t)m->n_proj + 1, sizeof(uint64_t));
    if (!net->blocks || !net->derived || !net->proj_syn)
        goto nomem;
    for (int p = 0; p < m->n_pops; p++) {
        const sf_neuron_type *t = m->pops[p].type;
        if (!(net->derived[p] = calloc(1, t->derived_size ? t->derived_size : 1)))
            goto nomem;
        t->prepare(m->pops[p].params, net->h, net->derived[p]);
    }
    int nb = 0;
    for (int p = 0; p < m->n_pops; p++)
        for (int t = 0; t < V; t++) {
            uint32_t n = m->pops[p].n, lo = (uint32_t)((uint64_t)n * t / V),
                     hi = (uint32_t)((uint64_t)n * (t + 1) / V);
            for (uint32_t s = lo; s < hi; s += SF_BLOCK_MAX) {
                sf_block *b = &net->blocks[nb++];
                b->pop = p;
                b->thread = t;
                b->first = s;
                b->n = hi - s < SF_BLOCK_MAX ? hi - s : SF_BLOCK_MAX;
                b->first_gid = m->pops[p].first_gid + s;
                b->n_ports = m->pops[p].type->n_ports;
                assert(b->n_ports >= 1 && b->n_ports <= SF_MAX_PORTS);
            }
        }
    /* tables: one per (projection, own block of its target population) */
    for (int i = 0; i < m->n_proj; i++)
        for (int b = 0; b < net->n_blocks; b++)
            net->n_tables += net->blocks[b].pop == m->proj[i].target &&
                             sf_block_local(net, &net->blocks[b]);
    net->tables = calloc((size_t)net->n_tables + 1, sizeof *net->tables);
    if (!net->tables)
        goto nomem;
    int nt = 0;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        for (int b = 0; b < net->n_blocks; b++) {
            if (net->blocks[b].pop != p->target || !sf_block_local(net, &net->blocks[b]))
                continue;
            sf_syn_table *T = &net->tables[nt++];
            T->proj = i;
            T->block = b;
            T->n_src = m->pops[p->source].n;
            T->port = p->receptor;
            T->syn = p->synapse;
        }
    }
    /* the rules' plans (shared, read-only) */
    void **plan = calloc((size_t)m->n_proj + 1, sizeof *plan);
    if (!plan)
        goto nomem;
    uint64_t scratch_cap = 1, max_src = 1;
    size_t ws_bytes = 0;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        if (p->rule->plan && !(plan[i] = p->rule->plan(m, i)))
            st = SF_ERR_NOMEM;
        if (st == SF_OK) {
            uint64_t mp = (uint64_t)p->rule->max_partners(m, p, plan[i]);
            scratch_cap = mp > scratch_cap ? mp : scratch_cap;
            uint64_t ns = m->pops[p->rule->by_source ? p->target : p->source].n;
            max_src = ns > max_src ? ns : max_src;
            size_t wb = p->rule->scratch_bytes ? p->rule->scratch_bytes(plan[i]) : 0;
            ws_bytes = wb > ws_bytes ? wb : ws_bytes;
        }
    }
    int *order = build_order(net);
    if (!order)
        st = SF_ERR_NOMEM;
    volatile int failed = st != SF_OK;
#pragma omp parallel num_threads(threads)
    {
        scratch S = {0};
        S.cap = scratch_cap;
        S.list = malloc(sizeof(uint32_t) * scratch_cap);
        S.wv = malloc(sizeof(double) * scratch_cap);
        S.dv = malloc(sizeof(double) * scratch_cap);
        S.at = malloc(sizeof(uint32_t) * scratch_cap);
        S.tl = malloc(sizeof(uint16_t) * scratch_cap);
        S.ds = malloc(sizeof(uint16_t) * scratch_cap);
        S.bitmap_words = (size_t)(max_src + 63) / 64;
        S.bitmap = calloc(S.bitmap_words, sizeof(uint64_t));
        S.ws_bytes = ws_bytes;
        S.ws = ws_bytes ? malloc(ws_bytes) : NULL;
        drawbuf B = {0};
        sf_lend lend = {0};
        if (!S.list || !S.bitmap || !S.wv || !S.dv || !S.at || !S.tl || !S.ds ||
            (ws_bytes && !S.ws))
            failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int b = 0; b < net->n_blocks; b++)
            if (!failed && sf_block_local(net, &net->blocks[b]) && init_block(net, &net->blocks[b]))
                failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int j = 0; j < net->n_tables; j++) {
            if (failed)
                continue;
            const int i = order[j];
            sf_status s = fill_table(net, &net->tables[i], plan[net->tables[i].proj], &S, &B, &lend);
            if (s)
                failed = s == SF_ERR_TOO_BIG ? 2 : 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int b = 0; b < net->n_blocks; b++)
            if (!failed && !init_archives(net, b))
                failed = 1;
        free(S.list);
        free(S.wv);
        free(S.dv);
        free(S.at);
        free(S.tl);
        free(S.ds);
        free(S.bitmap);
        free(S.ws);
        free(B.src);
        free(B.ds);
        free(B.off);
        free(lend.p);
    }
    for (int i = 0; i < m->n_proj; i++)
        free(plan[i]);
    free(plan);
    free(order);
    if (failed == 2) {
        sf_network_destroy(net);
        return sf_fail(ctx, SF_ERR_TOO_BIG, "%s: more than 2^32 synapses of one projection in one "
                       "block; use more threads", m->file);
    }
    if (failed)
        goto nomem;
    if (!init_queues(net))
        goto nomem;
    /* delivery lists: for thread t and source population s, its tables */
    net->by_src = calloc((size_t)threads * m->n_pops, sizeof(int *));
    net->by_src_n = calloc((size_t)threads * m->n_pops, sizeof(int));
    if (!net->by_src || !net->by_src_n)
        goto nomem;
    for (int i = 0; i < net->n_tables; i++) {
        const sf_syn_table *T = &net->tables[i];
        int key = (net->blocks[T->block].thread - rank * threads) * m->n_pops +
                  m->proj[T->proj].source;
        int *v = realloc(net->by_src[key], sizeof(int) * (size_t)(net->by_src_n[key] + 1));
        if (!v)
            goto nomem;
        v[net->by_src_n[key]++] = i;
        net->by_src[key] = v;
        net->n_syn += T->n_syn;
        net->proj_syn[T->proj] += T->n_syn;
        net->syn_bytes += (uint64_t)(T->syn->table_bytes
                                         ? T->syn->table_bytes(T)
                                         : (double)T->n_syn * T->syn->bytes_per_synapse(&m->proj[T->proj])) +
                          ((uint64_t)T->n_src + 1u) * (4u + T->syn->row_bytes);
    }
    if (ranks > 1) { /* the whole network's counts */
        sf_mpi_sum_u64(net, net->proj_syn, m->n_proj);
        uint64_t tot[2] = {net->n_syn, net->syn_bytes};
        sf_mpi_sum_u64(net, tot, 2);
        net->n_syn = tot[0];
        net->syn_bytes = tot[1];
    }
    net->build_s = sf_wall_time() - t0;
    *out = net;
    return SF_OK;
nomem:
    sf_network_destroy(net);
    return sf_fail(ctx, SF_ERR_NOMEM, "out of memory while building the network of %s", m->file);
}

const sf_model *sf_network_model(const sf_network *net)
{
    return net->m;
}
int sf_network_threads(const sf_network *net)
{
    return net->threads;
}
uint64_t sf_network_synapses(const sf_network *net)
{
    return net->n_syn;
}
uint64_t sf_network_projection_synapses(const sf_network *net, int i)
{
    return i >= 0 && i < net->m->n_proj ? net->proj_syn[i] : 0;
}
double sf_network_bytes_per_synapse(const sf_network *net)
{
    return net->n_syn ? (double)net->syn_bytes / (double)net->n_syn : 0.0;
}
double sf_network_build_seconds(const sf_network *net)
{
    return net->build_s;
}

uint64_t sf_network_inputs_of(const sf_network *net, int i, uint32_t tgt, uint32_t *src, double *w,
                              uint32_t *delay_steps_out, uint64_t cap)
{
    uint64_t n = 0;
    for (int k = 0; k < net->n_tables; k++) {
        const sf_syn_table *T = &net->tables[k];
        const sf_block *b = &net->blocks[T->block];
        if (T->proj != i || tgt < b->first || tgt >= b->first + b->n)
            continue;
        uint16_t local = (uint16_t)(tgt - b->first);
        for (uint32_t s = 0; s < T->n_src; s++)
            for (uint32_t a = T->row[s]; a < T->row[s + 1]; a++) {
                uint16_t tl, d;
                double wa;
                T->syn->get(T, a, &tl, &wa, &d);
                if (tl != local)
                    continue;
                if (n < cap) {
                    if (src)
                        src[n] = s;
                    if (w)
                        w[n] = wa;
                    if (delay_steps_out)
                        delay_steps_out[n] = d;
                }
                n++;
            }
    }
    return n;
}

uint64_t sf_network_weights(const sf_network *net, int i, uint32_t *src, uint32_t *tgt, double *w,
                            uint32_t *delay_steps, uint64_t cap)
{
    uint64_t n = 0;
    if (net->gathered && net->gathered[i].valid) { /* processes: all of them */
        const sf_weights_all *g = &net->gathered[i];
        for (; n < g->n && n < cap; n++) {
            if (src)
                src[n] = g->src[n];
            if (tgt)
                tgt[n] = g->tgt[n];
            if (w)
                w[n] = g->w[n];
            if (delay_steps)
                delay_steps[n] = g->d[n];
        }
        return g->n;
    }
    /* the projection's tables lo .. hi - 1 (ordered by projection, then
     * block); canonical order: source, then the tables' rows in block order
     * (target ascending, ties in draw order), whatever the blocks */
    int lo = 0, hi;
    while (lo < net->n_tables && net->tables[lo].proj != i)
        lo++;
    for (hi = lo; hi < net->n_tables && net->tables[hi].proj == i; hi++)
        ;
    const uint32_t n_src = lo < hi ? net->tables[lo].n_src : 0;
    for (uint32_t s = 0; s < n_src; s++)
        for (int k = lo; k < hi; k++) {
            const sf_syn_table *T = &net->tables[k];
            const uint32_t first = net->blocks[T->block].first;
            for (uint32_t a = T->row[s]; a < T->row[s + 1]; a++, n++) {
                if (n >= cap)
                    continue;
                uint16_t tl, d;
                double wa;
                T->syn->get(T, a, &tl, &wa, &d);
                if (src)
                    src[n] = s;
                if (tgt)
                    tgt[n] = first + tl;
                if (w)
                    w[n] = wa;
                if (delay_steps)
                    delay_steps[n] = d;
            }
    }
    return n;
}
