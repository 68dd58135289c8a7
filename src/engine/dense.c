/* Dense coupling delivery of all-to-all projections from rate populations
 * (dense.h: the rule, the arithmetic and the invariant).
 *
 * Invariant: a dense table's matrix W[r * n_src + s] holds exactly the
 * weight (float) of the synapse from source s to block-local target r of
 * the sparse table it copies (0 where there is none, e.g. autapses left
 * out), and its gather vector is all zeros between deliveries.
 */
#include "engine/dense.h"
#include "network/evq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif

typedef struct {
    float *W;        /* [n_tgt * n_src], NULL: the table is sparse */
    double *a, *y;   /* [n_src] gathered amplitudes, [n_tgt] sums  */
    uint16_t d;      /* the delay of every synapse (steps)         */
} dense_table;

struct sf_dense {
    int n;           /* = net->n_tables */
    int count;       /* dense tables    */
    dense_table *t;
};

/* The fixed order of one row: 8 partial sums p[l] over s = l mod 8 (the
 * last n mod 8 sources into p[0 ..]), then ((p0+p4) + (p1+p5)) + ((p2+p6) +
 * (p3+p7)). The AVX2 code below performs the same operations lane by lane
 * (with a fused multiply-add where the hardware has one, in both), so
 * both give the same bits. */
static inline double reduce8(const double *p)
{
    return ((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7]));
}

/* p + w a: with FMA hardware (the AVX2 path uses it) a fused multiply-add,
 * so that scalar and vector code give the same bits. (For a float a, as
 * in the engine, w a is exact in double and both forms agree anyway.) */
static inline double madd(double p, float w, double a)
{
#ifdef __FMA__
    return fma((double)w, a, p);
#else
    return p + (double)w * a;
#endif
}

static void tail8(const float *w, const double *a, size_t s, size_t n, double *p)
{
    for (size_t l = 0; s + l < n; l++)
        p[l] = madd(p[l], w[s + l], a[s + l]);
}

#ifdef __AVX2__
static inline __m256d lo_pd(__m256 w)
{
    return _mm256_cvtps_pd(_mm256_castps256_ps128(w));
}
static inline __m256d hi_pd(__m256 w)
{
    return _mm256_cvtps_pd(_mm256_extractf128_ps(w, 1));
}
#ifdef __FMA__
#define ACC(acc, x, v) acc = _mm256_fmadd_pd(x, v, acc)
#else
#define ACC(acc, x, v) acc = _mm256_add_pd(acc, _mm256_mul_pd(x, v))
#endif
#define PREFETCH_AHEAD 512 /* floats: 2 KB ahead in each row */

/* rows r .. r+3, one vector */
static void rows4(const float *W, size_t ld, size_t n, const double *a, double *y)
{
    __m256d c[8];
    for (int i = 0; i < 8; i++)
        c[i] = _mm256_setzero_pd();
    const float *w0 = W, *w1 = W + ld, *w2 = W + 2 * ld, *w3 = W + 3 * ld;
    size_t s = 0;
    for (; s + 8 <= n; s += 8) {
        const __m256d a0 = _mm256_loadu_pd(a + s), a1 = _mm256_loadu_pd(a + s + 4);
        if (!(s & 15)) { /* one cache line of each row per 16 floats */
            _mm_prefetch((const char *)(w0 + s + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(w1 + s + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(w2 + s + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(w3 + s + PREFETCH_AHEAD), _MM_HINT_T0);
        }
        __m256 v;
        v = _mm256_loadu_ps(w0 + s), ACC(c[0], lo_pd(v), a0), ACC(c[1], hi_pd(v), a1);
        v = _mm256_loadu_ps(w1 + s), ACC(c[2], lo_pd(v), a0), ACC(c[3], hi_pd(v), a1);
        v = _mm256_loadu_ps(w2 + s), ACC(c[4], lo_pd(v), a0), ACC(c[5], hi_pd(v), a1);
        v = _mm256_loadu_ps(w3 + s), ACC(c[6], lo_pd(v), a0), ACC(c[7], hi_pd(v), a1);
    }
    const float *w[4] = {w0, w1, w2, w3};
    for (int r = 0; r < 4; r++) {
        double p[8];
        _mm256_storeu_pd(p, c[2 * r]);
        _mm256_storeu_pd(p + 4, c[2 * r + 1]);
        tail8(w[r], a, s, n, p);
        y[r] = reduce8(p);
    }
}

/* rows r .. r+1, two vectors */
static void rows2x2(const float *W, size_t ld, size_t n, const double *a, const double *b,
                    double *ya, double *yb)
{
    __m256d c[8];
    for (int i = 0; i < 8; i++)
        c[i] = _mm256_setzero_pd();
    const float *w0 = W, *w1 = W + ld;
    size_t s = 0;
    for (; s + 8 <= n; s += 8) {
        const __m256d a0 = _mm256_loadu_pd(a + s), a1 = _mm256_loadu_pd(a + s + 4),
                      b0 = _mm256_loadu_pd(b + s), b1 = _mm256_loadu_pd(b + s + 4);
        if (!(s & 15)) {
            _mm_prefetch((const char *)(w0 + s + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(w1 + s + PREFETCH_AHEAD), _MM_HINT_T0);
        }
        __m256 v = _mm256_loadu_ps(w0 + s);
        __m256d l = lo_pd(v), h = hi_pd(v);
        ACC(c[0], l, a0), ACC(c[1], h, a1), ACC(c[2], l, b0), ACC(c[3], h, b1);
        v = _mm256_loadu_ps(w1 + s), l = lo_pd(v), h = hi_pd(v);
        ACC(c[4], l, a0), ACC(c[5], h, a1), ACC(c[6], l, b0), ACC(c[7], h, b1);
    }
    const float *w[2] = {w0, w1};
    for (int r = 0; r < 2; r++) {
        double p[8], q[8];
        _mm256_storeu_pd(p, c[4 * r]);
        _mm256_storeu_pd(p + 4, c[4 * r + 1]);
        _mm256_storeu_pd(q, c[4 * r + 2]);
        _mm256_storeu_pd(q + 4, c[4 * r + 3]);
        tail8(w[r], a, s, n, p);
        tail8(w[r], b, s, n, q);
        ya[r] = reduce8(p);
        yb[r] = reduce8(q);
    }
}
#endif

/* one row, one vector: the reference order */
static double row1(const float *w, size_t n, const double *a)
{
    double p[8] = {0};
    size_t s = 0;
    for (; s + 8 <= n; s += 8)
        for (int l = 0; l < 8; l++)
            p[l] = madd(p[l], w[s + l], a[s + l]);
    tail8(w, a, s, n, p);
    return reduce8(p);
}

void sf_dense_gemv(const float *W, size_t ld, size_t rows, size_t n, const double *a,
                   const double *b, double *y, double *yb)
{
    size_t r = 0;
    if (b && yb) {
#ifdef __AVX2__
        for (; r + 2 <= rows; r += 2)
            rows2x2(W + r * ld, ld, n, a, b, y + r, yb + r);
#endif
        for (; r < rows; r++) {
            y[r] = row1(W + r * ld, n, a);
            yb[r] = row1(W + r * ld, n, b);
        }
        return;
    }
#ifdef __AVX2__
    for (; r + 4 <= rows; r += 4)
        rows4(W + r * ld, ld, n, a, y + r);
#endif
    for (; r < rows; r++)
        y[r] = row1(W + r * ld, n, a);
}

/* The matrix of table T, or false (T stays sparse). */
static bool fill(const sf_network *net, const sf_syn_table *T, dense_table *D)
{
    const sf_block *b = &net->blocks[T->block];
    const size_t nt = b->n, ns = T->n_src;
    if (T->n_syn == 0 || nt == 0 || T->n_syn > (uint64_t)nt * ns) /* none, or multapses */
        return false;
    D->W = calloc(nt * ns, sizeof(float));
    D->a = calloc(ns, sizeof(double));
    D->y = malloc(nt * sizeof(double));
    if (!D->W || !D->a || !D->y)
        return false;
    bool first = true;
    for (uint32_t s = 0; s < T->n_src; s++)
        for (uint32_t x = T->row[s]; x < T->row[s + 1]; x++) {
            uint16_t tl, d;
            double w;
            T->syn->get(T, x, &tl, &w, &d);
            if ((!first && d != D->d) || (double)(float)w != w)
                return false; /* several delays, or a weight a float cannot hold */
            D->d = d;
            first = false;
            D->W[(size_t)tl * ns + s] = (float)w;
        }
    return true;
}

static void table_free(dense_table *D)
{
    free(D->W), free(D->a), free(D->y);
    memset(D, 0, sizeof *D);
}

sf_status sf_dense_create(sf_context *ctx, const sf_network *net, sf_dense **out)
{
    *out = NULL;
    const sf_model *m = net->m;
    if (m->sim.dense_off)
        return SF_OK;
    bool any = false;
    for (int i = 0; i < net->n_tables && !any; i++) {
        const sf_syn_table *T = &net->tables[i];
        const sf_projection *pr = &m->proj[T->proj];
        any = pr->rule == &sf_rule_all_to_all && T->syn == &sf_synapse_static &&
              m->pops[pr->source].type->continuous && sf_block_local(net, &net->blocks[T->block]);
    }
    if (!any)
        return SF_OK;
    sf_dense *d = calloc(1, sizeof *d);
    if (d)
        d->t = calloc((size_t)net->n_tables, sizeof *d->t);
    if (!d || !d->t) {
        free(d);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    d->n = net->n_tables;
    int count = 0;
    /* each table's matrix filled by one thread (first touch near its user) */
#pragma omp parallel for schedule(dynamic, 1) num_threads(net->threads) reduction(+ : count)
    for (int i = 0; i < net->n_tables; i++) {
        const sf_syn_table *T = &net->tables[i];
        const sf_projection *pr = &m->proj[T->proj];
        if (pr->rule != &sf_rule_all_to_all || T->syn != &sf_synapse_static ||
            !m->pops[pr->source].type->continuous || !sf_block_local(net, &net->blocks[T->block]))
            continue;
        if (fill(net, T, &d->t[i]))
            count++;
        else
            table_free(&d->t[i]);
    }
    d->count = count;
    if (!count) {
        sf_dense_destroy(d);
        return SF_OK;
    }
    *out = d;
    return SF_OK;
}

void sf_dense_destroy(sf_dense *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n; i++)
        table_free(&d->t[i]);
    free(d->t);
    free(d);
}

int sf_dense_count(const sf_dense *d)
{
    return d ? d->count : 0;
}

bool sf_dense_has(const sf_dense *d, int table)
{
    return d && d->t[table].W;
}

bool sf_dense_deliver(const sf_dense *d, const sf_network *net, const sf_thread_state *all,
                      int table, int par, int lag, int64_t k, int mask)
{
    if (!d || !d->t[table].W)
        return false;
    const dense_table *D = &d->t[table];
    const sf_syn_table *T = &net->tables[table];
    const sf_block *b = &net->blocks[T->block];
    const int p = net->m->proj[T->proj].source;
    double *restrict a = D->a;
    for (int tt = 0; tt < net->vthreads; tt++) { /* every process's threads */
        const sf_thread_state *src = &all[tt];
        const uint32_t *off = src->soff[par] + lag * src->nk, *ids = src->sbuf[par];
        const float *amp = src->samp[par];
        for (int kk = src->pop_lo[p]; kk < src->pop_hi[p]; kk++)
            for (uint32_t j = off[kk]; j < off[kk + 1]; j++)
                a[ids[j]] += (double)amp[j];
    }
    const size_t nb = b->n, np = (size_t)b->n_ports;
    sf_dense_gemv(D->W, T->n_src, nb, T->n_src, a, NULL, D->y, NULL);
    const int slot = (int)((k + D->d) & mask);
    if (b->q) /* event queues (network/evq.h): the slot's queued events first */
        sf_evq_spill(b->q, slot, b->ring);
    sf_acc *restrict dst = b->ring + ((size_t)slot * np + (size_t)T->port) * nb;
    for (size_t r = 0; r < nb; r++)
        dst[r] += D->y[r];
    memset(a, 0, T->n_src * sizeof(double));
    return true;
}
