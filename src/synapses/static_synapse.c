/* static_synapse (NEST's name): a fixed weight and delay per synapse. A spike
 * of amplitude a (1 for spikes) adds w * a to the target's port row of the
 * ring buffer slot of arrival step k + d (through the block's event queue,
 * network/evq.h, when it has one: the same sums in the same order).
 *
 * Storage per synapse: the block-local target, and the weight (f32) only
 * when the projection's weights are not constant (w0 otherwise).
 * Delays: d0 when constant; else, after the build (finish), each row is
 * sorted by delay (stably, so synapses of equal delay keep their order) and
 * cut into runs of equal delay, so that delivery adds a run into one
 * arrival slot. The runs of a row are stored in one of two forms, the
 * smaller for the table:
 *  - steps (st): one byte per delay step of the row, from the table's
 *    smallest delay dbase up: the count of synapses of that delay, 0 for
 *    none; a count of 255 means "255, and the next byte counts the same
 *    step" (so a byte advances the delay by one unless it is 255);
 *  - buckets (bk): two bytes per run, its delay less the previous run's of
 *    the row (the first: less 0) and its synapse count, each 0..255 (longer
 *    runs are cut into runs of step 0, larger steps padded with empty
 *    buckets), which is smaller where rows are short and delays spread.
 * Both with a u32 offset per row (brow). Buckets never take more room than
 * a u16 per synapse, plus a u32 per row (the decision is the table's, made
 * from the table alone, so it is the same for any thread count); only a
 * table of 2^32 buckets or more keeps per-synapse delays (d).
 * Targets: u16 (tgt) or delta-coded bytes (t8), the smaller for the table
 * (dense rows: t8) where at most one synapse in T8_ESC_DIV needs an escape
 * (below). In t8 each run (a row without drawn delays, else each
 * run of equal delay) starts at target 0, and a byte g > 0 advances the
 * target by g - 1 and adds a synapse there (g = 1: a multapse, the same
 * target again); g = 0 advances by 255 and adds nothing (an escape: a gap
 * G is G / 255 zero bytes and one byte G % 255 + 1). Rows start at the byte
 * trow[s] (u32 per row). t8 needs the targets of each run ascending; a
 * table whose runs are not (none of the connection rules here leaves them
 * so: they fill a row in target order, and the stable sort by delay keeps
 * that within a run) keeps u16 targets, as does a table with per-synapse
 * delays.
 * Nibble form (tn; only with the parameter compact_delays, and only where
 * it is smaller than the above): drawn delays spanning at most 16 steps,
 * rows kept in draw order (targets ascending, as the rules fill them),
 * targets as t8 bytes over the whole row (one run), and per t8 byte a
 * 4-bit delay less dbase in dn (nib_build). Delivery sends each synapse to
 * one of 16 slot rows: fewer bytes, more instructions per event.
 * Invariant: w, d have T->n_syn entries (may be NULL); tgt has n_syn
 * entries or is NULL and t8 holds the targets; the runs of row s cover its
 * synapses row[s] .. row[s+1]-1 in order, delays ascending.
 * Sorting a row by delay changes no sum: each accumulator (target, slot)
 * still receives its adds in the order of the draws. */
#include "network/evq.h"
#include "network/network_impl.h"

#include <stdatomic.h>
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
    uint16_t *tgt;     /* NULL while pend holds the synapses, or t8 the targets */
    uint8_t *t8;       /* delta-coded targets (see above); NULL: tgt */
    uint32_t *trow;    /* [n_src + 1] first byte of each row in t8 */
    uint64_t n_t8;
    pending *pend;     /* during the build, NULL after finish */
    float *w;          /* NULL: all weights are w0 */
    uint16_t *d;       /* per-synapse delays (steps); NULL: d0 or buckets */
    uint32_t *brow;    /* [n_src + 1] buckets of each row; NULL: none */
    uint8_t (*bk)[2];  /* [n_bk] {delay step, count} of each bucket; NULL: st or none */
    uint32_t n_bk;
    uint8_t *st;       /* [n_st] one count per delay step of each row (brow) */
    uint32_t n_st;
    uint16_t dbase;    /* the delay of the first step byte of every row; of nibble 0 (dn) */
    uint8_t *dn;       /* nibble delays (tn, below): one 4-bit delay - dbase per t8 byte */
    uint64_t gen;      /* unique per store (get's cursor) */
    float w0;
    uint16_t d0;
    bool hw, hd;       /* drawn weights, drawn delays */
    bool compact;      /* the parameter compact_delays: the nibble form allowed */
    bool lent;         /* pend is the builder's buffer (T->lend), not ours */
} store;

/* The arrays delivery reads (targets, weights) come from sf_alloc_huge
 * (network_impl.h): delivery starts each spike's row at a random place of
 * a table much larger than what the TLB covers in 4 KiB pages. */
#define syn_alloc sf_alloc_huge

/* An upper bound for the estimate before the build (u16 targets, 2 bytes
 * per synapse for drawn delays); table_bytes is what a table takes. */
static double bytes_per_synapse(const sf_projection *p)
{
    return 2.0 + (sf_dist_is_const(&p->weight) ? 0.0 : 4.0) + (sf_dist_is_const(&p->delay) ? 0.0 : 2.0);
}

static double table_bytes(const sf_syn_table *T)
{
    const store *S = T->store;
    double b = (double)T->n_syn * ((S->t8 ? 0.0 : 2.0) + (S->w ? 4.0 : 0.0) + (S->d ? 2.0 : 0.0));
    if (S->t8)
        b += 4.0 * ((double)T->n_src + 1.0) + (double)S->n_t8;
    if (S->dn)
        b += (double)((S->n_t8 + 1) / 2);
    if (S->brow)
        b += 4.0 * ((double)T->n_src + 1.0) + (S->st ? (double)S->n_st : 2.0 * S->n_bk);
    return b;
}

static void destroy(sf_syn_table *T)
{
    store *S = T->store;
    if (!S)
        return;
    free(S->tgt);
    free(S->t8);
    free(S->trow);
    free(S->st);
    free(S->dn);
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
    static _Atomic uint64_t gen_next;
    store *S = calloc(1, sizeof *S);
    if (!(T->store = S))
        return false;
    S->gen = atomic_fetch_add(&gen_next, 1) + 1;
    size_t n = T->n_syn ? T->n_syn : 1;
    S->w0 = (float)p->weight.a;
    S->d0 = sf_delay_steps(p->delay.a, h);
    S->hw = !sf_dist_is_const(&p->weight);
    S->hd = !sf_dist_is_const(&p->delay);
    S->compact = p->syn_params && p->syn_params[0] != 0.0;
    if (S->hw || S->hd) { /* the records in the builder's buffer where it lends one */
        S->lent = T->lend != NULL;
        S->pend = S->lent ? sf_lend_take(T->lend, sizeof(pending) * n) : malloc(sizeof(pending) * n);
        return S->pend != NULL;
    }
    return (S->tgt = syn_alloc(sizeof(uint16_t) * n)) != NULL;
}

#ifndef STORE_PF
#define STORE_PF 16
#endif
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
    /* the records' lines requested STORE_PF stores ahead (each store is
     * to the end of its row, a line the frontier of a row's writes; with
     * thousands of rows these miss the L1 and often the L2) */
    size_t j = 0;
    for (; j + STORE_PF < n; j++) {
        __builtin_prefetch(&P[at[j + STORE_PF]], 1, 3);
        P[at[j]] = (pending){tgt[j], S->hd ? d[j] : 0, S->hw ? (float)w[j] : 0.0f};
    }
    for (; j < n; j++)
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

/* The records unpacked; with drawn delays, rows sorted by delay and cut
 * into buckets. */
static bool finish_pend(sf_syn_table *T)
{
    store *S = T->store;
    if (!S->hd || !T->n_syn)
        return unpack(S, T->n_syn, S->hd);
    const pending *P = S->pend;
    const uint32_t *row = T->row;
    /* per delay step, the row's count, then its next position; zero
     * between rows (each row clears the steps it used) */
    uint32_t *cnt = calloc(65536, sizeof(uint32_t));
    S->tgt = syn_alloc(sizeof(uint16_t) * T->n_syn);
    S->w = S->hw ? syn_alloc(sizeof(float) * T->n_syn) : NULL;
    S->brow = malloc(sizeof(uint32_t) * ((size_t)T->n_src + 1));
    /* the buckets grow with the rows (one pass over the records, which
     * are read from memory once: each row's second reading finds it in
     * cache), by doubling, then shrink to their number */
    size_t cap = (size_t)T->n_src + 64;
    S->bk = malloc(2 * cap);
    bool ok = cnt && S->tgt && (!S->hw || S->w) && S->brow && S->bk, fits = true;
    uint32_t b = 0;
    for (uint32_t s = 0; ok && fits && s < T->n_src; s++) {
        const uint32_t x0 = row[s], x1 = row[s + 1];
        S->brow[s] = b;
        if (x0 == x1)
            continue;
        /* the row's counts per delay and its range of delays */
        uint32_t dlo = 65535, dhi = 0;
        for (uint32_t x = x0; x < x1; x++) {
            const uint32_t d = P[x].d;
            cnt[d]++;
            dlo = d < dlo ? d : dlo;
            dhi = d > dhi ? d : dhi;
        }
        uint32_t nd = 0; /* distinct delays */
        for (uint32_t d = dlo; d <= dhi; d++)
            nd += cnt[d] != 0;
        /* at most the row's buckets: one per distinct delay and per 255
         * synapses, and one per 255 steps of its largest delay */
        const uint64_t most = (uint64_t)b + nd + (x1 - x0) / 255u + dhi / 255u;
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
        for (uint32_t d = dlo; d <= dhi; d++) {
            const uint32_t c0 = cnt[d];
            if (!c0)
                continue;
            uint32_t c = c0, step = d - dprev;
            for (; step > 255; step -= 255)
                S->bk[b][0] = 255, S->bk[b++][1] = 0;
            do {
                uint32_t m = c > 255 ? 255 : c;
                S->bk[b][0] = (uint8_t)step, S->bk[b++][1] = (uint8_t)m;
                step = 0;
                c -= m;
            } while (c);
            dprev = d;
            cnt[d] = at;
            at += c0;
        }
        uint16_t *restrict tg = S->tgt + x0;
        float *restrict wt = S->w ? S->w + x0 : NULL;
        for (uint32_t x = x0; x < x1; x++) {
            const uint32_t p = cnt[P[x].d]++;
            tg[p] = P[x].tgt;
            if (wt)
                wt[p] = P[x].w;
        }
        for (uint32_t d = dlo; d <= dhi; d++)
            cnt[d] = 0;
    }
    free(cnt);
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

/* The runs of a row (one per bucket or step byte; the whole row without
 * drawn delays): runs_next gives the next one's synapse count (may be 0)
 * and delay, false after the last. */
typedef struct {
    uint32_t q, qe, d, whole;
} runs;

static inline void runs_begin(const store *S, const sf_syn_table *T, uint32_t s, runs *r)
{
    if (S->brow) {
        r->q = S->brow[s], r->qe = S->brow[s + 1];
        r->d = S->st ? S->dbase : 0;
        r->whole = 0;
    } else {
        r->q = 0, r->qe = 1, r->d = S->d0;
        r->whole = T->row[s + 1] - T->row[s];
    }
}

static inline bool runs_next(const store *S, runs *r, uint32_t *n, uint32_t *d)
{
    if (r->q >= r->qe)
        return false;
    if (S->st) {
        const uint32_t c = S->st[r->q++];
        *n = c, *d = r->d;
        r->d += c != 255;
    } else if (S->bk) {
        r->d += S->bk[r->q][0];
        *n = S->bk[r->q][1], *d = r->d;
        r->q++;
    } else {
        *n = r->whole, *d = r->d;
        r->q++;
    }
    return true;
}

/* The step bytes of row s from its buckets (out NULL: only counted); the
 * row's delays are dbase or more. Returns the number of bytes. */
static uint64_t steps_of_row(const store *S, uint32_t s, uint8_t *out)
{
    uint64_t len = 0;
    uint32_t cur = S->dbase, D = 0, gd = 0, gc = 0;
    bool open = false;
    for (uint32_t q = S->brow[s];; q++) {
        const bool end = q == S->brow[s + 1];
        if (!end) {
            D += S->bk[q][0];
            if (!S->bk[q][1])
                continue;
            if (open && D == gd) {
                gc += S->bk[q][1];
                continue;
            }
        }
        if (open) { /* the group of delay gd: empty steps up to it, then its count */
            for (; cur < gd; cur++, len++)
                if (out)
                    out[len] = 0;
            for (; gc >= 255; gc -= 255, len++)
                if (out)
                    out[len] = 255;
            if (out)
                out[len] = (uint8_t)gc;
            len++;
            cur = gd + 1;
        }
        if (end)
            break;
        open = true, gd = D, gc = S->bk[q][1];
    }
    return len;
}

/* Buckets replaced by step bytes where those take less room; false: out of
 * memory. */
static bool steps8(sf_syn_table *T)
{
    store *S = T->store;
    uint32_t dmin = UINT32_MAX;
    for (uint32_t s = 0; s < T->n_src; s++) {
        uint32_t D = 0;
        for (uint32_t q = S->brow[s]; q < S->brow[s + 1]; q++) {
            D += S->bk[q][0];
            if (S->bk[q][1]) {
                if (D < dmin)
                    dmin = D;
                break;
            }
        }
    }
    S->dbase = dmin == UINT32_MAX ? 0 : (uint16_t)dmin;
    uint64_t n = 0;
    for (uint32_t s = 0; s < T->n_src; s++)
        n += steps_of_row(S, s, NULL);
    if (n > 2ull * S->n_bk || n >= UINT32_MAX)
        return true; /* the buckets are smaller */
    uint8_t *st = malloc(n ? n : 1);
    uint32_t *brow = malloc(sizeof(uint32_t) * ((size_t)T->n_src + 1));
    if (!st || !brow) {
        free(st);
        free(brow);
        return false;
    }
    uint64_t at = 0;
    for (uint32_t s = 0; s < T->n_src; s++) {
        brow[s] = (uint32_t)at;
        at += steps_of_row(S, s, st + at);
    }
    brow[T->n_src] = (uint32_t)at;
    free(S->bk);
    free(S->brow);
    S->bk = NULL;
    S->brow = brow;
    S->st = st;
    S->n_st = (uint32_t)n;
    return true;
}

/* The delta bytes of the targets of row s (out NULL: only counted; the
 * bytes needed, or UINT64_MAX when a run's targets do not ascend). */
static uint64_t t8_of_row(const store *S, const sf_syn_table *T, uint32_t s, uint8_t *out)
{
    runs r;
    runs_begin(S, T, s, &r);
    uint32_t x = T->row[s], n, d;
    uint64_t len = 0;
    while (runs_next(S, &r, &n, &d)) {
        uint32_t t = 0;
        for (const uint32_t xe = x + n; x < xe; x++) {
            const uint32_t v = S->tgt[x];
            if (v < t)
                return UINT64_MAX;
            uint32_t g = v - t;
            for (; g >= 255; g -= 255, len++)
                if (out)
                    out[len] = 0;
            if (out)
                out[len] = (uint8_t)(g + 1);
            len++;
            t = v;
        }
    }
    return len;
}

/* Escapes cost delivery: a mispredicted branch each in runs of drawn
 * delays (next8), about 4 instructions per byte in the branch-free loop of
 * whole rows (add_bytes). Measured (docs/benchmarks.md, round 5): with an
 * escape for 5 % of the synapses (Brunel at N = 100,000) delta bytes are
 * slower than u16 targets either way, so a table keeps u16 targets when
 * more than one synapse in T8_ESC_DIV needs an escape. */
#ifndef T8_ESC_DIV
#define T8_ESC_DIV 64
#endif

/* u16 targets replaced by delta bytes where those (and their row offsets)
 * take less room and escapes are rare; false: out of memory. */
static bool encode8(sf_syn_table *T)
{
    store *S = T->store;
    if (!S->tgt || S->d || !T->n_syn)
        return true;
    uint64_t n = 0;
    for (uint32_t s = 0; s < T->n_src && n != UINT64_MAX; s++) {
        const uint64_t m = t8_of_row(S, T, s, NULL);
        n = m == UINT64_MAX ? m : n + m;
        /* the count stops once the escapes so far exceed the limit */
        if (T8_ESC_DIV > 0 && n != UINT64_MAX &&
            (n - (T->row[s + 1] - T->row[0])) * T8_ESC_DIV > T->n_syn)
            return true; /* u16 targets */
    }
    if (n == UINT64_MAX || n >= UINT32_MAX ||
        (double)n + 4.0 * ((double)T->n_src + 1.0) >= 2.0 * (double)T->n_syn ||
        (T8_ESC_DIV > 0 && (n - T->n_syn) * T8_ESC_DIV > T->n_syn))
        return true; /* u16 targets */
    uint8_t *t8 = syn_alloc(n);
    uint32_t *trow = malloc(sizeof(uint32_t) * ((size_t)T->n_src + 1));
    if (!t8 || !trow) {
        free(t8);
        free(trow);
        return false;
    }
    uint64_t at = 0;
    for (uint32_t s = 0; s < T->n_src; s++) {
        trow[s] = (uint32_t)at;
        at += t8_of_row(S, T, s, t8 + at);
    }
    trow[T->n_src] = (uint32_t)at;
    free(S->tgt);
    S->tgt = NULL;
    S->t8 = t8;
    S->trow = trow;
    S->n_t8 = n;
    return true;
}

/* The nibble form (tn) of drawn delays that span at most 16 steps: rows
 * in their draw order (targets ascending), targets as delta bytes (t8,
 * trow) over the whole row, and for each byte a 4-bit delay less dbase
 * (dn; byte j of the table in bits 4 (j % 2) .. 4 (j % 2) + 3 of dn[j / 2];
 * 0 for an escape byte). Built from the records into X (the records are
 * kept); *ok false where the form does not apply: a span over 16 steps,
 * a row whose targets do not ascend, more escapes than one synapse in
 * T8_ESC_DIV, or 2^32 bytes or more. */
typedef struct {
    uint8_t *t8, *dn;
    uint32_t *trow;
    float *w;
    uint64_t n;
    uint16_t dbase;
} nib;

static void nib_free(nib *X)
{
    free(X->t8);
    free(X->dn);
    free(X->trow);
    free(X->w);
    memset(X, 0, sizeof *X);
}

static bool nib_build(const sf_syn_table *T, nib *X, bool *ok)
{
    const store *S = T->store;
    const pending *P = S->pend;
    const uint32_t *row = T->row;
    memset(X, 0, sizeof *X);
    *ok = false;
    uint32_t dmin = UINT32_MAX, dmax = 0;
    for (uint64_t x = 0; x < T->n_syn; x++) {
        dmin = P[x].d < dmin ? P[x].d : dmin;
        dmax = P[x].d > dmax ? P[x].d : dmax;
    }
    if (!T->n_syn || dmax - dmin > 15)
        return true;
    uint64_t n = 0;
    for (uint32_t s = 0; s < T->n_src; s++) {
        uint32_t t = 0;
        for (uint32_t x = row[s]; x < row[s + 1]; x++) {
            if (P[x].tgt < t)
                return true; /* descending */
            n += 1 + (P[x].tgt - t) / 255u;
            t = P[x].tgt;
        }
    }
    if (n >= UINT32_MAX || (T8_ESC_DIV > 0 && (n - T->n_syn) * T8_ESC_DIV > T->n_syn))
        return true;
    X->t8 = syn_alloc(n);
    X->dn = calloc((size_t)(n + 1) / 2, 1);
    X->trow = malloc(sizeof(uint32_t) * ((size_t)T->n_src + 1));
    X->w = S->hw ? syn_alloc(sizeof(float) * T->n_syn) : NULL;
    if (!X->t8 || !X->dn || !X->trow || (S->hw && !X->w)) {
        nib_free(X);
        return false;
    }
    uint64_t at = 0;
    for (uint32_t s = 0; s < T->n_src; s++) {
        X->trow[s] = (uint32_t)at;
        uint32_t t = 0;
        for (uint32_t x = row[s]; x < row[s + 1]; x++) {
            uint32_t g = P[x].tgt - t;
            for (; g >= 255; g -= 255)
                X->t8[at++] = 0;
            X->dn[at / 2] |= (uint8_t)((P[x].d - dmin) << (4 * (at % 2)));
            X->t8[at++] = (uint8_t)(g + 1);
            t = P[x].tgt;
            if (X->w)
                X->w[x] = P[x].w;
        }
    }
    X->trow[T->n_src] = (uint32_t)at;
    X->n = n;
    X->dbase = (uint16_t)dmin;
    *ok = true;
    return true;
}

static double nib_bytes(const sf_syn_table *T, const nib *X)
{
    return (double)X->n + (double)((X->n + 1) / 2) + 4.0 * ((double)T->n_src + 1.0) +
           (X->w ? 4.0 * (double)T->n_syn : 0.0);
}

/* After the last store: the records unpacked (rows sorted by delay and
 * cut into runs), then the smaller forms of delays and targets; with drawn
 * delays of a span of at most 16 steps, the nibble form instead where it
 * is smaller still. */
static bool finish(sf_syn_table *T)
{
    store *S = T->store;
    if (S->t8 || S->st)
        return true; /* done before */
    nib X;
    bool tn = false;
    if (S->pend && S->hd && S->compact && !nib_build(T, &X, &tn))
        return false;
    if ((S->pend && !finish_pend(T)) || (S->bk && !steps8(T)) || !encode8(T)) {
        if (tn)
            nib_free(&X);
        return false;
    }
    if (!tn)
        return true;
    if (nib_bytes(T, &X) >= table_bytes(T)) {
        nib_free(&X);
        return true;
    }
    free(S->tgt);
    free(S->t8);
    free(S->trow);
    free(S->st);
    free(S->w);
    free(S->d);
    free(S->brow);
    free(S->bk);
    S->tgt = NULL, S->st = NULL, S->d = NULL, S->brow = NULL, S->bk = NULL;
    S->n_st = 0, S->n_bk = 0;
    S->t8 = X.t8, S->dn = X.dn, S->trow = X.trow, S->w = X.w, S->n_t8 = X.n;
    S->dbase = X.dbase;
    return true;
}

/* The next target of a delta-coded run that is at t. */
static inline uint32_t next8(const uint8_t *restrict *pp, uint32_t t)
{
    const uint8_t *p = *pp;
    uint32_t g;
    while (!(g = *p++))
        t += 255;
    *pp = p;
    return t + g - 1;
}

/* get reads a table in order (synapse after synapse of a row) in every
 * caller: a cursor per thread continues where the last call stopped, so
 * reading a delta-coded or bucketed table back costs O(1) per synapse. */
typedef struct {
    uint64_t gen;      /* the store's; 0: none */
    uint32_t x, xe, rowend, p, t, d;
    runs r;
} cursor;
static _Thread_local cursor get_cur;

/* The row s holding synapse at: row[s] <= at < row[s + 1] (binary search). */
static uint32_t row_of(const sf_syn_table *T, uint32_t at)
{
    uint32_t lo = 0, hi = T->n_src;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (T->row[mid] <= at)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void get(const sf_syn_table *T, uint32_t at, uint16_t *tgt, double *w, uint16_t *d)
{
    const store *S = T->store;
    *w = S->w ? S->w[at] : S->w0;
    if (!S->brow && !S->t8) {
        *tgt = S->tgt[at];
        *d = S->d ? S->d[at] : S->d0;
        return;
    }
    cursor *c = &get_cur;
    if (S->dn) { /* nibble form: rows of delta bytes, a delay per byte */
        if (c->gen != S->gen || c->x > at || at >= c->rowend) {
            uint32_t lo = row_of(T, at);
            c->gen = S->gen;
            c->x = T->row[lo];
            c->rowend = T->row[lo + 1];
            c->p = S->trow[lo];
            c->t = 0;
        }
        uint32_t dd = 0;
        do {
            uint32_t g;
            while (!(g = S->t8[c->p]))
                c->t += 255, c->p++;
            c->t += g - 1;
            dd = (S->dn[c->p / 2] >> (4 * (c->p % 2))) & 15u;
            c->p++;
        } while (c->x++ < at);
        *tgt = (uint16_t)c->t;
        *d = (uint16_t)(S->dbase + dd);
        return;
    }
    if (c->gen != S->gen || c->x > at || at >= c->rowend) {
        uint32_t lo = row_of(T, at);
        c->gen = S->gen;
        c->x = c->xe = T->row[lo];
        c->rowend = T->row[lo + 1];
        c->p = S->t8 ? S->trow[lo] : 0;
        runs_begin(S, T, lo, &c->r);
    }
    uint32_t v = 0;
    do {
        while (c->x == c->xe) { /* the next run (there is one: x < rowend) */
            uint32_t n = 0;
            runs_next(S, &c->r, &n, &c->d);
            c->xe = c->x + n;
            c->t = 0;
        }
        if (S->t8) {
            const uint8_t *p = S->t8 + c->p;
            c->t = next8(&p, c->t);
            c->p = (uint32_t)(p - S->t8);
            v = c->t;
        } else {
            v = S->tgt[c->x];
        }
    } while (c->x++ < at);
    *tgt = (uint16_t)v;
    *d = (uint16_t)c->d;
}

/* Adds synapses x0 .. x1-1 (weights wv, or w0 when NULL) times am into the
 * ring row of arrival slot s, port `port`: directly, or, when the block has
 * a queue and the values are exact in a float (|am| = 1), through it. The
 * targets are tgt[x0 .. x1-1], or (c8) the run's delta bytes from *pp on,
 * *pp left after them. */
static inline __attribute__((always_inline)) void add_run_f(const store *S, const sf_block *b,
                                                            size_t port, int s, uint32_t x0,
                                                            uint32_t x1, float am,
                                                            const uint8_t **pp, const bool c8)
{
    const uint16_t *restrict tg = S->tgt;
    const float *restrict wv = S->w;
    const uint8_t *p = c8 ? *pp : NULL;
    uint32_t t = 0;
#define TGT(x) (c8 ? (t = next8(&p, t)) : (uint32_t)tg[x])
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
            if (!c8)
                sf_evq_fill(e, tg + x0, wv ? wv + x0 : NULL, am, w0, pb, m);
            else if (wv)
                for (uint32_t j = 0; j < m; j++)
                    e[j] = (sf_evq_ent){pb + TGT(x0 + j), wv[x0 + j] * am};
            else
                for (uint32_t j = 0; j < m; j++)
                    e[j] = (sf_evq_ent){pb + TGT(x0 + j), w0};
            sf_evq_commit(q, s, m);
            x0 += m;
        }
        if (x0 == x1) {
            if (c8)
                *pp = p;
            return;
        }
    } else if (q) {
        sf_evq_spill(q, s, b->ring); /* what is queued for s comes first */
    }
    sf_acc *restrict dst = b->ring + (size_t)s * stride + port * nb;
    if (wv && am == 1.0f) /* spikes: w * 1 is w */
        for (uint32_t x = x0; x < x1; x++)
            dst[TGT(x)] += wv[x];
    else if (wv)
        for (uint32_t x = x0; x < x1; x++)
            dst[TGT(x)] += wv[x] * am;
    else {
        const float w = S->w0 * am;
        for (uint32_t x = x0; x < x1; x++)
            dst[TGT(x)] += w;
    }
#undef TGT
    if (c8)
        *pp = p;
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
    const char *t = S->t8 ? (const char *)(S->t8 + S->trow[s]) : (const char *)(S->tgt + x);
    for (int l = 0; l < PF_LINES; l++)
        __builtin_prefetch(t + 64 * l);
    if (S->w) {
        const char *w = (const char *)(S->w + x);
        for (int l = 0; l < PF_LINES; l++)
            __builtin_prefetch(w + 64 * l);
    }
    if (S->dn)
        __builtin_prefetch(S->dn + S->trow[s] / 2);
    if (S->st)
        __builtin_prefetch(S->st + S->brow[s]);
    else if (S->brow)
        __builtin_prefetch(S->bk + S->brow[s]);
}
static inline void prefetch_ahead(const store *S, const uint32_t *row, const uint32_t *src,
                                  uint32_t a, uint32_t n)
{
    if (a + 2 * PF_AHEAD < n) {
        __builtin_prefetch(row + src[a + 2 * PF_AHEAD]);
        if (S->t8)
            __builtin_prefetch(S->trow + src[a + 2 * PF_AHEAD]);
        if (S->brow)
            __builtin_prefetch(S->brow + src[a + 2 * PF_AHEAD]);
    }
    if (a + PF_AHEAD < n)
        prefetch_row(S, row, src[a + PF_AHEAD]);
}

/* The prefetch hook (sf_synapse_type): the whole rows of the sources src[]
 * (targets, weights, delay steps or buckets) requested, for the few spikes
 * per table and step of a large network (docs/benchmarks.md, round 5). */
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
        if (S->dn)
            prefetch_bytes(S->dn + S->trow[s] / 2, (S->trow[s + 1] - S->trow[s] + 1) / 2);
        if (S->t8)
            prefetch_bytes(S->t8 + S->trow[s], S->trow[s + 1] - S->trow[s]);
        else
            prefetch_bytes(S->tgt + x0, sizeof(uint16_t) * m);
        if (S->w)
            prefetch_bytes(S->w + x0, sizeof(float) * m);
        if (S->st)
            prefetch_bytes(S->st + S->brow[s], S->brow[s + 1] - S->brow[s]);
        else if (S->brow)
            prefetch_bytes(S->bk + S->brow[s], 2 * (size_t)(S->brow[s + 1] - S->brow[s]));
    }
}

/* A value, or -0.0 where sel is false: adding -0.0 leaves every float as
 * it is (x + -0 = x, also for x = +0 and -0), so an escape byte adds it and
 * the loop needs no branch. */
static inline float or_mzero(float v, bool sel)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    u = (u & (0 - (uint32_t)sel)) | ((uint32_t)!sel << 31);
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The delta bytes p .. pe - 1 of a whole row (its synapses from x on) into
 * dst, without a branch per byte: an escape advances the target by 255 and
 * adds -0.0 there (the target it reaches is at most the next synapse's, so
 * inside the block), and does not advance the weight. Only for rows that
 * are one run (no drawn delays): the end of a run in bytes is known there. */
static inline void add_bytes(const store *S, sf_acc *restrict dst, const uint8_t *restrict p,
                             const uint8_t *pe, uint32_t x, float am)
{
    const float *restrict wv = S->w;
    uint32_t t = 0;
    if (!wv) {
        const float w = S->w0 * am, wt[2] = {-0.0f, w};
        for (; p < pe; p++) {
            const uint32_t g = *p;
            t += g ? g - 1 : 255;
            dst[t] += wt[g != 0];
        }
    } else if (am == 1.0f) {
        for (; p < pe; p++) {
            const uint32_t g = *p;
            t += g ? g - 1 : 255;
            dst[t] += or_mzero(wv[x], g != 0);
            x += g != 0;
        }
    } else {
        for (; p < pe; p++) {
            const uint32_t g = *p;
            t += g ? g - 1 : 255;
            dst[t] += or_mzero(wv[x] * am, g != 0);
            x += g != 0;
        }
    }
}

/* The delta bytes p .. p1 - 1 of a row of the nibble form (its synapses
 * from x on) into the slot rows dst[0 .. 15] (the arrival slots of the
 * delays dbase .. dbase + 15), two bytes per nibble byte; escapes (rare:
 * at most one synapse in T8_ESC_DIV) take a branch. The same sums as the
 * runs of the other forms: each (target, slot) gets its adds in row order.
 * mode: 0 constant weight w, 1 weights (spikes), 2 weights times a. */
static inline __attribute__((always_inline)) void nib_one(sf_acc *const *dst, uint32_t g,
                                                          uint32_t dd, uint32_t *t, uint32_t *x,
                                                          const float *restrict wv, float w,
                                                          float a, const int mode,
                                                          const bool esc)
{
    if (esc && __builtin_expect(g == 0, 0)) {
        *t += 255;
        return;
    }
    *t += g - 1;
    const float v = mode == 0 ? w : mode == 1 ? wv[*x] : wv[*x] * a;
    dst[dd][*t] += v;
    ++*x;
}

static inline __attribute__((always_inline)) void add_nib_m(const store *S, sf_acc *const *dst,
                                                            uint32_t p, uint32_t p1, uint32_t x,
                                                            float w, float a, const int mode,
                                                            const bool esc)
{
    const float *restrict wv = S->w;
    uint32_t t = 0;
    if ((p & 1) && p < p1) {
        nib_one(dst, S->t8[p], S->dn[p / 2] >> 4, &t, &x, wv, w, a, mode, esc);
        p++;
    }
    const uint8_t *restrict q = S->t8 + p, *restrict nq = S->dn + p / 2;
    const uint8_t *const qend = S->t8 + p1;
    for (; qend - q >= 4; q += 4, nq += 2) {
        uint16_t n4;
        memcpy(&n4, nq, sizeof n4);
        const uint32_t nn = n4;
        nib_one(dst, q[0], nn & 15u, &t, &x, wv, w, a, mode, esc);
        nib_one(dst, q[1], (nn >> 4) & 15u, &t, &x, wv, w, a, mode, esc);
        nib_one(dst, q[2], (nn >> 8) & 15u, &t, &x, wv, w, a, mode, esc);
        nib_one(dst, q[3], nn >> 12, &t, &x, wv, w, a, mode, esc);
    }
    for (; qend - q >= 2; q += 2, nq++) {
        const uint32_t nn = *nq, g0 = q[0], g1 = q[1];
        nib_one(dst, g0, nn & 15u, &t, &x, wv, w, a, mode, esc);
        nib_one(dst, g1, nn >> 4, &t, &x, wv, w, a, mode, esc);
    }
    if (q < qend)
        nib_one(dst, *q, *nq & 15u, &t, &x, wv, w, a, mode, esc);
}

/* (A table without escapes, n_t8 = n_syn, needs no test per byte.) */
static inline void add_nib(const store *S, const sf_syn_table *T, sf_acc *const *dst,
                           uint32_t p0, uint32_t p1, uint32_t x, float am)
{
    const bool esc = S->n_t8 != T->n_syn;
    if (!S->w && esc)
        add_nib_m(S, dst, p0, p1, x, S->w0 * am, 0.0f, 0, true);
    else if (!S->w)
        add_nib_m(S, dst, p0, p1, x, S->w0 * am, 0.0f, 0, false);
    else if (am == 1.0f && esc)
        add_nib_m(S, dst, p0, p1, x, 0.0f, 1.0f, 1, true);
    else if (am == 1.0f)
        add_nib_m(S, dst, p0, p1, x, 0.0f, 1.0f, 1, false);
    else if (esc)
        add_nib_m(S, dst, p0, p1, x, 0.0f, am, 2, true);
    else
        add_nib_m(S, dst, p0, p1, x, 0.0f, am, 2, false);
}

/* The nibble form into a block with an event queue: synapse by synapse,
 * queued where the value is exact in a float (as add_run_f), else added
 * into the slot's ring row after a spill of what is queued for it. */
static void add_nib_q(const store *S, const sf_block *b, size_t port, int64_t k, int mask,
                      uint32_t p0, uint32_t p1, uint32_t x, float am)
{
    const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
    sf_evq *q = b->q;
    const bool qv = am == 1.0f || am == -1.0f;
    const uint32_t pb = (uint32_t)(port * nb);
    uint32_t t = 0;
    for (uint32_t p = p0; p < p1; p++) {
        const uint32_t g = S->t8[p];
        t += g ? g - 1 : 255;
        if (!g)
            continue;
        const int s = (int)((k + S->dbase + ((S->dn[p / 2] >> (4 * (p % 2))) & 15u)) & mask);
        const float wf = S->w ? S->w[x] : S->w0;
        x++;
        if (qv) {
            uint32_t room;
            sf_evq_ent *e = sf_evq_room(q, s, b->ring, &room);
            if (e) {
                e[0] = (sf_evq_ent){pb + t, wf * am};
                sf_evq_commit(q, s, 1);
                continue;
            }
        } else {
            sf_evq_spill(q, s, b->ring);
        }
        sf_acc *dst = b->ring + (size_t)s * stride + port * nb;
        dst[t] += wf * am;
    }
}

static inline __attribute__((always_inline)) void deliver_f(const sf_syn_table *T,
                                                            const sf_block *b, int64_t k,
                                                            int mask, const uint32_t *src,
                                                            const float *amp, uint32_t n,
                                                            const bool c8)
{
    const store *S = T->store;
    const uint32_t *restrict row = T->row;
    const size_t port = (size_t)T->port;
    for (uint32_t a = 0; a < PF_AHEAD && a < n; a++)
        prefetch_row(S, row, src[a]);
    if (S->dn) { /* nibble form: the 16 slot rows of the step, a delay per byte */
        const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
        sf_acc *dst[16];
        for (int j = 0; j < 16; j++)
            dst[j] = b->ring + (size_t)((k + S->dbase + j) & mask) * stride + port * nb;
        for (uint32_t a = 0; a < n; a++) {
            prefetch_ahead(S, row, src, a, n);
            const uint32_t s = src[a];
            if (b->q)
                add_nib_q(S, b, port, k, mask, S->trow[s], S->trow[s + 1], row[s], amp[a]);
            else
                add_nib(S, T, dst, S->trow[s], S->trow[s + 1], row[s], amp[a]);
        }
    } else if (S->st) { /* a count per delay step: one arrival slot per step */
        for (uint32_t a = 0; a < n; a++) {
            prefetch_ahead(S, row, src, a, n);
            const uint32_t s = src[a];
            int64_t ka = k + S->dbase;
            uint32_t x = row[s];
            const uint8_t *p = c8 ? S->t8 + S->trow[s] : NULL;
            for (uint32_t q = S->brow[s], qe = S->brow[s + 1]; q < qe; q++) {
                const uint32_t c = S->st[q];
                if (c) {
                    add_run_f(S, b, port, (int)(ka & mask), x, x + c, amp[a], &p, c8);
                    x += c;
                }
                ka += c != 255;
            }
        }
    } else if (S->brow) { /* bucketed rows: one arrival slot per bucket */
        for (uint32_t a = 0; a < n; a++) {
            prefetch_ahead(S, row, src, a, n);
            const uint32_t s = src[a];
            int64_t ka = k;
            uint32_t x = row[s];
            const uint8_t *p = c8 ? S->t8 + S->trow[s] : NULL;
            for (uint32_t q = S->brow[s]; q < S->brow[s + 1]; q++) {
                ka += S->bk[q][0];
                add_run_f(S, b, port, (int)(ka & mask), x, x + S->bk[q][1], amp[a], &p, c8);
                x += S->bk[q][1];
            }
        }
    } else if (!S->d && c8 && !b->q) { /* whole rows of delta bytes: a loop over the bytes */
        const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
        sf_acc *restrict dst = b->ring + (size_t)((k + S->d0) & mask) * stride + port * nb;
        for (uint32_t a = 0; a < n; a++) {
            prefetch_ahead(S, row, src, a, n);
            const uint32_t s = src[a];
            add_bytes(S, dst, S->t8 + S->trow[s], S->t8 + S->trow[s + 1], row[s], amp[a]);
        }
    } else if (!S->d) {
        const int slot = (int)((k + S->d0) & mask);
        for (uint32_t a = 0; a < n; a++) {
            prefetch_ahead(S, row, src, a, n);
            const uint8_t *p = c8 ? S->t8 + S->trow[src[a]] : NULL;
            add_run_f(S, b, port, slot, row[src[a]], row[src[a] + 1], amp[a], &p, c8);
        }
    } else { /* per-synapse delays (u16 targets only) */
        const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
        sf_acc *restrict ring = b->ring + port * nb;
        const uint16_t *restrict tg = S->tgt, *restrict dv = S->d;
        for (uint32_t a = 0; a < n; a++) {
            const float am = amp[a];
            for (uint32_t x = row[src[a]], x1 = row[src[a] + 1]; x < x1; x++) {
                const int slot = (int)((k + dv[x]) & mask);
                if (b->q)
                    add_run_f(S, b, port, slot, x, x + 1, amp[a], NULL, false);
                else
                    ring[(size_t)slot * stride + tg[x]] +=
                        (S->w ? S->w[x] : S->w0) * am;
            }
        }
    }
}

static void deliver(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n)
{
    const store *S = T->store;
    if (S->t8)
        deliver_f(T, b, k, mask, src, amp, n, true);
    else
        deliver_f(T, b, k, mask, src, amp, n, false);
}

static const sf_param_spec params[] = {
    {"compact_delays", "", 0.0, 0, 1, false,
     "not 0: drawn delays that span at most 16 steps in 4 bits per synapse (the nibble form; "
     "fewer bytes, more instructions per event)"},
};

const sf_synapse_type sf_synapse_static = {
    .name = "static_synapse",
    .doc = "fixed weight and delay per synapse (NEST static_synapse)",
    .params = params,
    .n_params = 1,
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
