/* Spike-count correlation coefficients over a random sample of neuron pairs.
 *
 * Invariant: counts are kept sparse. Each sampled neuron's spikes in the
 * window's full bins are stored as the list of their bin indices (ascending,
 * because the input is time-sorted; a bin with c spikes appears c times), so
 * memory is 4 bytes per spike of a sampled neuron instead of 8 bytes per bin
 * per neuron. sum_b c_ib c_jb of a pair is a merge of two such lists.
 *
 * Pairs are sampled as distinct linear indices p in [0, n(n-1)/2) with
 * Floyd's algorithm (Bentley & Floyd 1987, CACM 30:754), which draws k of M
 * without replacement in k steps, then unranked to (i < j) with
 * p = j(j-1)/2 + i.
 */
#include "analysis_impl.h"

#include <math.h>
#include <stdlib.h>

/* Open-addressing set of uint64 (< 2^63; the empty slot is UINT64_MAX). */
typedef struct {
    uint64_t *slot;
    size_t mask;
} u64set;

static int u64set_init(u64set *s, size_t k)
{
    size_t cap = 16;
    while (cap < 2 * k)
        cap <<= 1;
    s->slot = malloc(cap * sizeof *s->slot);
    if (!s->slot)
        return 0;
    for (size_t i = 0; i < cap; i++)
        s->slot[i] = UINT64_MAX;
    s->mask = cap - 1;
    return 1;
}

/* Inserts x; returns 0 if it was already there. */
static int u64set_insert(u64set *s, uint64_t x)
{
    size_t i = (size_t)((x * 0x9E3779B97F4A7C15ull) >> 17) & s->mask;
    while (s->slot[i] != UINT64_MAX) {
        if (s->slot[i] == x)
            return 0;
        i = (i + 1) & s->mask;
    }
    s->slot[i] = x;
    return 1;
}

/* Largest j with j(j-1)/2 <= p, then i = p - j(j-1)/2 < j. */
static void unrank_pair(uint64_t p, uint32_t *i, uint32_t *j)
{
    uint64_t jj = (uint64_t)((1.0 + sqrt(1.0 + 8.0 * (double)p)) * 0.5);
    while (jj * (jj - 1) / 2 > p)
        jj--;
    while ((jj + 1) * jj / 2 <= p)
        jj++;
    *j = (uint32_t)jj;
    *i = (uint32_t)(p - jj * (jj - 1) / 2);
}

/* k distinct pair indices out of M, into out[0..k). */
static sf_status sample_pairs(sf_context *ctx, uint64_t M, size_t k, uint64_t seed,
                              uint32_t population, uint64_t *out)
{
    if (k == M) { /* every pair: no randomness needed */
        for (size_t t = 0; t < k; t++)
            out[t] = t;
        return SF_OK;
    }
    u64set set;
    if (!u64set_init(&set, k))
        return sf_fail(ctx, SF_ERR_NOMEM, "correlation: no memory to sample %zu pairs", k);
    sf_rng rng;
    sf_rng_init(&rng, seed, SF_RNG_ANALYSIS, population);
    size_t t = 0;
    for (uint64_t m = M - k; m < M; m++) {
        uint64_t x = sf_rng_below(&rng, m + 1);
        if (!u64set_insert(&set, x)) {
            x = m; /* m itself is new: everything drawn so far is < m */
            u64set_insert(&set, x);
        }
        out[t++] = x;
    }
    free(set.slot);
    return SF_OK;
}

/* sum_b c_ib c_jb from two ascending bin lists. */
static double count_product(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t p = 0, q = 0;
    double sum = 0.0;
    while (p < na && q < nb) {
        if (a[p] < b[q]) {
            p++;
        } else if (a[p] > b[q]) {
            q++;
        } else {
            uint32_t bin = a[p];
            size_t ra = 0, rb = 0;
            while (p < na && a[p] == bin)
                p++, ra++;
            while (q < nb && b[q] == bin)
                q++, rb++;
            sum += (double)ra * (double)rb;
        }
    }
    return sum;
}

typedef struct {
    uint64_t *pairs;  /* [k] sampled pair indices                 */
    int32_t *slot;    /* [n] slot of a sampled neuron, else -1    */
    uint32_t *neuron; /* [k*2 at most] neuron of each slot       */
    size_t *off;      /* [n_slots + 1] CSR offsets into bins      */
    uint32_t *bins;   /* [off[n_slots]] bin of each spike          */
    double *s1, *s2;  /* [n_slots] sum_b c_b, sum_b c_b^2          */
    double *r;        /* [k] coefficient of each pair, NaN: skipped */
} corr_work;

static void corr_work_free(corr_work *cw)
{
    free(cw->pairs);
    free(cw->slot);
    free(cw->neuron);
    free(cw->off);
    free(cw->bins);
    free(cw->s1);
    free(cw->s2);
    free(cw->r);
}

sf_status sf_analysis_corr(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                           double t_stop_ms, double bin_ms, size_t n_pairs,
                           uint64_t seed, double *corr, double *corr_sem, size_t *n_used,
                           size_t *n_skipped)
{
    sf_an_window w;
    sf_an_bins b;
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, &w);
    if (st == SF_OK)
        st = sf_an_bins_make(ctx, "correlation", sp, &w, bin_ms, 2, &b);
    if (st != SF_OK)
        return st;
    if (b.count > UINT32_MAX)
        return sf_fail(ctx, SF_ERR_ARG,
                       "correlation: %llu bins in the window, at most 2^32-1 supported",
                       (unsigned long long)b.count);

    const uint32_t n = sp->n_neurons;
    const uint64_t M = (uint64_t)n * (n - 1) / 2;
    const size_t k = (uint64_t)n_pairs < M ? n_pairs : (size_t)M;
    sf_an_acc acc = {0};
    size_t skipped = 0;
    corr_work cw = {0};

    /* Contract check of the whole input, as every statistic does, even when
     * no pair is drawn. */
    for (size_t i = 0; i < sp->n_spikes; i++)
        if (sp->node_ids[i] >= n || (i > 0 && sp->steps[i] < sp->steps[i - 1]))
            return sf_an_bad_spike(ctx, sp, i);
    if (k == 0)
        goto done;

    const size_t max_slots = k >= n / 2 ? n : 2 * k; /* neurons in the pairs */
    if (max_slots > INT32_MAX)
        return sf_fail(ctx, SF_ERR_ARG,
                       "correlation: up to %zu neurons in the pairs, at most 2^31-1 "
                       "supported",
                       max_slots);
    cw.pairs = malloc(k * sizeof *cw.pairs);
    cw.slot = malloc((size_t)n * sizeof *cw.slot);
    cw.neuron = malloc(max_slots * sizeof *cw.neuron);
    cw.off = calloc(max_slots + 1, sizeof *cw.off);
    if (!cw.pairs || !cw.slot || !cw.neuron || !cw.off)
        goto nomem;
    st = sample_pairs(ctx, M, k, seed, sp->population, cw.pairs);
    if (st != SF_OK)
        goto fail;

    /* slots for the neurons that occur in a pair */
    for (uint32_t j = 0; j < n; j++)
        cw.slot[j] = -1;
    size_t n_slots = 0;
    for (size_t t = 0; t < k; t++) {
        uint32_t ij[2];
        unrank_pair(cw.pairs[t], &ij[0], &ij[1]);
        for (int e = 0; e < 2; e++)
            if (cw.slot[ij[e]] < 0) {
                cw.slot[ij[e]] = (int32_t)n_slots;
                cw.neuron[n_slots++] = ij[e];
            }
    }

    /* their spikes' bins, CSR by slot: count, prefix sum, fill */
    const int64_t k_end = w.k_start + (int64_t)b.count * b.width;
    for (size_t i = 0; i < sp->n_spikes; i++) {
        int64_t s = sp->steps[i];
        int32_t sl = cw.slot[sp->node_ids[i]];
        if (sl >= 0 && s >= w.k_start && s < k_end)
            cw.off[sl + 1]++;
    }
    for (size_t s = 0; s < n_slots; s++)
        cw.off[s + 1] += cw.off[s];
    cw.bins = malloc((cw.off[n_slots] ? cw.off[n_slots] : 1) * sizeof *cw.bins);
    cw.s1 = malloc(n_slots * sizeof *cw.s1);
    cw.s2 = malloc(n_slots * sizeof *cw.s2);
    if (!cw.bins || !cw.s1 || !cw.s2)
        goto nomem;
    for (size_t i = 0; i < sp->n_spikes; i++) {
        int64_t s = sp->steps[i];
        int32_t sl = cw.slot[sp->node_ids[i]];
        if (sl >= 0 && s >= w.k_start && s < k_end)
            cw.bins[cw.off[sl]++] = (uint32_t)((s - w.k_start) / b.width);
    }
    for (size_t s = n_slots; s > 0; s--) /* undo the fill's shift of offsets */
        cw.off[s] = cw.off[s - 1];
    cw.off[0] = 0;
    for (size_t s = 0; s < n_slots; s++) {
        const uint32_t *l = cw.bins + cw.off[s];
        size_t m = cw.off[s + 1] - cw.off[s];
        cw.s1[s] = (double)m;
        cw.s2[s] = count_product(l, m, l, m);
    }

    /* r = (B S_ij - S_i S_j) / sqrt((B Q_i - S_i^2)(B Q_j - S_j^2)): the count
     * sums are integers, exact in double below 2^53, so a constant count
     * series gives a variance of exactly 0 */
    const double B = (double)b.count;
    cw.r = malloc(k * sizeof *cw.r);
    if (!cw.r)
        goto nomem;
    /* pairs in parallel, each r into its own slot; the sum below runs in
     * sample order, so the result does not depend on the thread count */
    const long long kk = (long long)k;
#pragma omp parallel for schedule(dynamic, 64) if (kk > 2048)
    for (long long t = 0; t < kk; t++) {
        uint32_t i, j;
        unrank_pair(cw.pairs[t], &i, &j);
        size_t si = (size_t)cw.slot[i], sj = (size_t)cw.slot[j];
        double vi = B * cw.s2[si] - cw.s1[si] * cw.s1[si];
        double vj = B * cw.s2[sj] - cw.s1[sj] * cw.s1[sj];
        if (!(vi > 0.0 && vj > 0.0)) {
            cw.r[t] = NAN; /* a constant count series: r undefined */
            continue;
        }
        double sij = count_product(cw.bins + cw.off[si], cw.off[si + 1] - cw.off[si],
                                   cw.bins + cw.off[sj], cw.off[sj + 1] - cw.off[sj]);
        double r = (B * sij - cw.s1[si] * cw.s1[sj]) / sqrt(vi * vj);
        cw.r[t] = fmin(1.0, fmax(-1.0, r));
    }
    for (size_t t = 0; t < k; t++) {
        if (isnan(cw.r[t]))
            skipped++;
        else
            sf_an_acc_add(&acc, cw.r[t]);
    }
    corr_work_free(&cw);

done:
    sf_an_acc_result(&acc, corr, corr_sem);
    sf_an_setz(n_used, (size_t)acc.n);
    sf_an_setz(n_skipped, skipped);
    return SF_OK;

nomem:
    st = sf_fail(ctx, SF_ERR_NOMEM, "correlation: no memory for %zu pairs", k);
fail:
    corr_work_free(&cw);
    return st;
}
