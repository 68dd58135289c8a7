/* stdp_synapse and stdp_synapse_hom (NEST's names): pair-based STDP in the
 * form of Guetig et al. (2003) with the all-to-all pairing of Morrison et
 * al. (2008), as NEST documents it. At a presynaptic spike of time t_s
 * (stamp), for synapse x of delay D onto neuron j (the whole delay is
 * dendritic, NEST's convention):
 *   for every spike t_j of j in (t_last - D, t_s - D] (the archive):
 *     w <- facilitate(w, K_plus e^{(t_last - (t_j + D)) / tau_plus})
 *   w <- depress(w, K_minus_j(t_s - D))      (j's trace of spikes before)
 *   the spike is sent with the new w;
 *   K_plus <- K_plus e^{(t_last - t_s) / tau_plus} + 1,  t_last <- t_s,
 * with, for W = Wmax and w~ = w / W,
 *   facilitate(w, k) = W min(1, w~ + lambda (1 - w~)^mu_plus k),
 *   depress(w, k)    = W max(0, w~ - alpha lambda w~^mu_minus k).
 * K_plus and t_last depend only on the source's spikes, so they are kept
 * once per source (row) and table, not per synapse: per synapse the target
 * (2 B), the weight (8 B, double as in NEST) and, when delays vary, the
 * delay (2 B). An event of multiplicity m updates the weight once and sends
 * m w. tau_minus is the target population's (sf_population.tau_minus).
 * The _hom variant is the same type: parameters are per projection here
 * anyway. */
#include "synapses/spike_archive.h"
#include "synapses/syn_store.h"

#include <math.h>
#include <stdio.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

enum { P_TAU_PLUS, P_LAMBDA, P_ALPHA, P_MU_PLUS, P_MU_MINUS, P_WMAX, N_PARAMS };

static const sf_param_spec params[N_PARAMS] = {
    {"tau_plus", "ms", 20.0, 0, INFINITY, true, "time constant of the presynaptic trace K_plus"},
    {"lambda", "", 0.01, 0, INFINITY, false, "step size (learning rate)"},
    {"alpha", "", 1.0, 0, INFINITY, false, "asymmetry: depression relative to facilitation"},
    {"mu_plus", "", 1.0, 0, INFINITY, false, "weight dependence exponent of facilitation"},
    {"mu_minus", "", 1.0, 0, INFINITY, false, "weight dependence exponent of depression"},
    {"Wmax", "", 100.0, -INFINITY, INFINITY, false,
     "maximal weight (units of the weight; same sign as the weights)"},
};

typedef struct {
    double Kplus;
    int64_t t_last; /* stamp of the last presynaptic spike (0: none, as NEST's 0 ms) */
} row_state;

static double bytes_per_synapse(const sf_projection *p)
{
    return sf_syn_store_bytes(p, true);
}

static bool check(const double *sp, const sf_projection *p, char *msg, size_t len)
{
    double lo, hi, W = sp[P_WMAX];
    sf_dist_range(&p->weight, &lo, &hi);
    if (W == 0 || (W > 0 && lo < 0) || (W < 0 && hi > 0)) {
        snprintf(msg, len, "%s: the weights (in [%g, %g]) and Wmax = %g must have the same sign "
                 "(Wmax not 0)", p->synapse->name, lo, hi, W);
        return false;
    }
    return true;
}

static bool create(sf_syn_table *T, const sf_projection *p, double h)
{
    return sf_syn_store_create(T, p, h, true, sizeof(row_state)) &&
           sf_decay_init(&((sf_syn_store *)T->store)->dec, h, p->syn_params[P_TAU_PLUS]);
}

/* x^mu, with the exponents 1 (multiplicative) and 0 (additive), the common
 * ones, known at compile time in the specialised loops below (kind 1, 0;
 * kind 2: any mu through pow). */
static inline __attribute__((always_inline)) double powmu(double x, double mu, int kind)
{
    return kind == 1 ? x : kind == 0 ? 1.0 : pow(x, mu);
}

/* The rule on normalised weights u = w / Wmax (stored so: no divisions):
 * facilitation by k, depression by k. */
static inline double clip_hi(double x)
{
    return x < 1.0 ? x : 1.0;
}
static inline double clip_lo(double x)
{
    return x > 0.0 ? x : 0.0;
}
#define FACILITATE(u, k) clip_hi((u) + lambda * powmu(1.0 - (u), mu_p, kp_kind) * (k))
#define DEPRESS(u, k) clip_lo((u) - al * powmu((u), mu_m, km_kind) * (k))

/* One event of source s (presynaptic trace Kp after its previous event tl)
 * through a synapse onto j with delay D: the normalised weight after it.
 * The common case reads only the target's hot archive part: when the
 * oldest of its last SF_SPIKE_HOT spikes precedes t_l - D (so that they
 * hold every spike of (t_l - D, t_s - D]), the newest spike before t_s - D
 * is one of the last two (whose K_minus it holds) and the row is `near`
 * (t_s - t_l within the decay table, so every index of the candidates is);
 * it is free of branches. The general one walks the entries. Both apply
 * the same operations in the same order, so they give the same bits. */
static inline __attribute__((always_inline)) double
update_one(const sf_syn_store *S, const sf_spike_archive *A, uint32_t j, int64_t D, double u,
           double Kp, int64_t tl, int64_t ts, bool near, double lambda, double al, double mu_p,
           double mu_m, const int kp_kind, const int km_kind)
{
    const int64_t t1 = tl - D, t2 = ts - D;
    const int64_t t1r = t1 - A->base, t2r = t2 - A->base; /* relative to the hot stamps */
    const sf_spike_hot *o = &A->hot[j];
    double km;
    if (near && o->t[SF_SPIKE_HOT - 1] <= t1r && o->t[1] < t2r) {
        const double *dv = S->dec.v;
        /* oldest first; the oldest hot spike is at or before t1 here */
        for (int q = SF_SPIKE_HOT - 2; q >= 0; q--) {
            const int64_t tq = o->t[q];
            const bool c = tq > t1r && tq <= t2r;
            const double f = FACILITATE(u, Kp * dv[c ? tq - t1r : 0]);
            u = c ? f : u;
        }
        const int last = o->t[0] < t2r ? 0 : 1; /* the newest spike before t2 */
        const int64_t tq = o->t[last];
        km = tq == SF_SPIKE_NONE32 ? 0.0 : o->K[last] * sf_decay_at(&A->dec, t2r - tq);
    } else {
        const sf_spike_entry *e;
        const size_t ne = sf_spike_archive_history(A, j, t1, t2, &e);
        for (size_t q = 0; q < ne; q++)
            u = FACILITATE(u, Kp * sf_decay_at(&S->dec, e[q].t + D - tl));
        km = sf_spike_archive_K(A, j, t2);
    }
    return DEPRESS(u, km);
}

#ifdef __AVX2__
/* A row's quantities for update4, loaded once per event (the vector
 * stores may alias any memory, so what update4 read through S and A would
 * be reloaded for every four synapses). */
typedef struct {
    __m128i v1, v2, vn; /* t1, t2 relative to the hot stamps; the K_minus table's length */
    const double *dv, *kv; /* the decay tables: tau_plus, tau_minus */
} row4;

static inline __attribute__((always_inline)) row4 row4_of(const sf_syn_store *S,
                                                          const sf_spike_archive *A,
                                                          int64_t D, int64_t tl, int64_t ts)
{
    return (row4){_mm_set1_epi32((int32_t)(tl - D - A->base)),
                  _mm_set1_epi32((int32_t)(ts - D - A->base)),
                  _mm_set1_epi32((int32_t)A->dec.n), S->dec.v, A->dec.v};
}

/* Four consecutive synapses of a near row with one delay D, targets
 * tg[0..3] and normalised weights wx[0..3], one per lane of AVX2 vectors:
 * update_one's common case with the operations in the same order for each
 * lane (IEEE arithmetic per lane; min(x, 1) and max(x, 0) as vminpd /
 * vmaxpd, which return the second operand unless x is below / above it, as
 * clip_hi / clip_lo). A candidate spike outside (t1, t2] of a lane reads the trace 0
 * (a masked gather): facilitate(u, 0) = u exactly for u <= 1. The oldest
 * hot spike is never a candidate in the common case, the third newest
 * rarely (a few per cent of the lanes), so its step runs only when a lane
 * needs it; the second and third newest precede t2 in the common case
 * (t[1] < t2), so only the newest is compared with t2. A lane outside the
 * common case (its interval not within the hot spikes, its K_minus not
 * from the last two or beyond the decay table, or u > 1: initial weights
 * above Wmax, which only a facilitation clips) is redone by update_one.
 * For mu = 1 (kind 1) and mu = 0 (kind 0). */
static inline __attribute__((always_inline)) __m256d
update4(const sf_syn_store *S, const sf_spike_archive *A, const row4 *rw,
        const sf_spike_hot *restrict hot, const uint16_t *tg, const double *wx, int64_t D,
        double Kp, int64_t tl, int64_t ts, double lambda, double al, double mu_p, double mu_m,
        const int kp_kind, const int km_kind)
{
    const sf_spike_hot *o0 = &hot[tg[0]], *o1 = &hot[tg[1]], *o2 = &hot[tg[2]],
                       *o3 = &hot[tg[3]];
    const double *dv = rw->dv;
    /* the hot stamps, lanes = synapses: tq[q] the q-th newest spike */
    const __m128i r0 = _mm_load_si128((const __m128i *)o0->t),
                  r1 = _mm_load_si128((const __m128i *)o1->t),
                  r2 = _mm_load_si128((const __m128i *)o2->t),
                  r3 = _mm_load_si128((const __m128i *)o3->t);
    const __m128i l01 = _mm_unpacklo_epi32(r0, r1), h01 = _mm_unpackhi_epi32(r0, r1);
    const __m128i l23 = _mm_unpacklo_epi32(r2, r3), h23 = _mm_unpackhi_epi32(r2, r3);
    const __m128i tq0 = _mm_unpacklo_epi64(l01, l23), tq1 = _mm_unpackhi_epi64(l01, l23),
                  tq2 = _mm_unpacklo_epi64(h01, h23), tq3 = _mm_unpackhi_epi64(h01, h23);
    const __m128i v1 = rw->v1, v2 = rw->v2;
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    const __m256d vKp = _mm256_set1_pd(Kp), vl = _mm256_set1_pd(lambda), va = _mm256_set1_pd(al);
    const __m256d u0 = _mm256_loadu_pd(wx);
    __m256d u = u0;
#define SF_FACILITATE4(c, tq)                                                                   \
    do {                                                                                      \
        const __m256d m_ = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(c));                     \
        const __m256d e_ = _mm256_mask_i32gather_pd(zero, dv, _mm_sub_epi32(tq, v1), m_, 8);  \
        const __m256d k_ = _mm256_mul_pd(vKp, e_);                                            \
        const __m256d g_ = kp_kind == 1 ? _mm256_mul_pd(vl, _mm256_sub_pd(one, u)) : vl;      \
        u = _mm256_min_pd(_mm256_add_pd(u, _mm256_mul_pd(g_, k_)), one);                      \
    } while (0)
    const __m128i c2 = _mm_cmpgt_epi32(tq2, v1);
    if (__builtin_expect(_mm_movemask_ps(_mm_castsi128_ps(c2)) != 0, 0))
        SF_FACILITATE4(c2, tq2);
    SF_FACILITATE4(_mm_cmpgt_epi32(tq1, v1), tq1);
    SF_FACILITATE4(_mm_andnot_si128(_mm_cmpgt_epi32(tq0, v2), _mm_cmpgt_epi32(tq0, v1)), tq0);
#undef SF_FACILITATE4
    /* K_minus(t2) from the newest spike before t2: t[0], else t[1] */
    const __m128i s0 = _mm_cmpgt_epi32(v2, tq0); /* t[0] < t2 */
    const __m128i tn = _mm_blendv_epi8(tq1, tq0, s0);
    const __m128i none = _mm_cmpeq_epi32(tn, _mm_set1_epi32(SF_SPIKE_NONE32));
    const __m128i dk = _mm_sub_epi32(v2, tn);
    const __m128d k0 = _mm_load_pd(o0->K), k1 = _mm_load_pd(o1->K), k2 = _mm_load_pd(o2->K),
                  k3 = _mm_load_pd(o3->K);
    const __m256d K0 = _mm256_set_m128d(_mm_unpacklo_pd(k2, k3), _mm_unpacklo_pd(k0, k1));
    const __m256d K1 = _mm256_set_m128d(_mm_unpackhi_pd(k2, k3), _mm_unpackhi_pd(k0, k1));
    const __m256d Kn = _mm256_blendv_pd(K1, K0, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(s0)));
    const __m128i inb = _mm_cmpgt_epi32(rw->vn, dk);
    const __m128i use = _mm_andnot_si128(none, inb); /* K_minus from the table */
    const __m256d e = _mm256_mask_i32gather_pd(
        zero, rw->kv, dk, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(use)), 8);
    const __m256d km = _mm256_mul_pd(Kn, e); /* K_minus >= 0: +0 where none */
    const __m256d g = km_kind == 1 ? _mm256_mul_pd(va, u) : va;
    u = _mm256_max_pd(_mm256_sub_pd(u, _mm256_mul_pd(g, km)), zero);
    /* the common case per lane: t[3] <= t1, t[1] < t2, K_minus's index in
     * the table, u <= 1 */
    const __m128i ok = _mm_and_si128(_mm_andnot_si128(_mm_cmpgt_epi32(tq3, v1),
                                                      _mm_cmpgt_epi32(v2, tq1)),
                                     _mm_or_si128(none, inb));
    const int bad = ~(_mm_movemask_ps(_mm_castsi128_ps(ok)) &
                      _mm256_movemask_pd(_mm256_cmp_pd(u0, one, _CMP_LE_OQ))) & 15;
    if (__builtin_expect(bad != 0, 0)) {
        double u4[4];
        _mm256_storeu_pd(u4, u);
        for (int l = 0; l < 4; l++)
            if (bad >> l & 1)
                u4[l] = update_one(S, A, tg[l], D, wx[l], Kp, tl, ts, true, lambda, al, mu_p,
                                   mu_m, kp_kind, km_kind);
        u = _mm256_loadu_pd(u4);
    }
    return u;
}
#endif

/* Synapses ahead whose target's hot archive line is fetched: a
 * row's targets ascend but are sparse, so these are random accesses; 24
 * was the best of 12, 24, 48 on examples/stdp_brunel.yaml
 * (docs/plasticity.md). */
#define PREFETCH 24

static inline __attribute__((always_inline)) void
deliver_kind(const sf_syn_table *T, const sf_block *b, int64_t k, int mask, const uint32_t *src,
             const float *amp, uint32_t n, const int kp_kind, const int km_kind)
{
    sf_syn_store *S = T->store;
    row_state *R = S->rows;
    const double *sp = S->sp;
    const double lambda = sp[P_LAMBDA], al = sp[P_ALPHA] * sp[P_LAMBDA];
    const double mu_p = sp[P_MU_PLUS], mu_m = sp[P_MU_MINUS], W = sp[P_WMAX];
    const size_t nb = b->n, np = (size_t)b->n_ports, stride = np * nb;
    sf_acc *ring = b->ring + (size_t)T->port * nb;
    const sf_spike_archive *A = T->arch;
    const int64_t ts = k + 1;
    for (uint32_t a = 0; a < n;) {
        const uint32_t m = sf_syn_event_run(src, a, n), s = src[a];
        const double am = sf_syn_event_amp(amp, a, m) * W;
        a += m;
        const double Kp = R[s].Kplus;
        const int64_t tl = R[s].t_last;
        const bool near = ts - tl < S->dec.n;
        const uint32_t x0 = T->row[s], x1 = T->row[s + 1];
        if (!S->d) { /* one delay: one ring row */
            const int64_t D = S->d0;
            sf_acc *restrict dst = ring + (size_t)((k + D) & mask) * stride;
            uint32_t x = x0;
#ifdef __AVX2__
            if (near && kp_kind != 2 && km_kind != 2 && x1 - x0 >= 4) {
                /* the table's arrays in locals: the vector stores may alias */
                const uint16_t *restrict tg = S->tgt + x0;
                double *restrict w = S->w + x0;
                const sf_spike_hot *restrict hot = A->hot;
                const size_t nx = x1 - x0, n4 = nx & ~(size_t)3;
                const row4 rw = row4_of(S, A, D, tl, ts);
                for (size_t y = 0; y < n4; y += 4) {
                    if (y + PREFETCH + 4 <= nx)
                        for (int l = 0; l < 4; l++)
                            __builtin_prefetch(&hot[tg[y + PREFETCH + l]]);
                    const __m256d u = update4(S, A, &rw, hot, tg + y, w + y, D, Kp, tl, ts,
                                              lambda, al, mu_p, mu_m, kp_kind, km_kind);
                    _mm256_storeu_pd(w + y, u);
                    /* u w am per lane (IEEE, as the scalar loop), added in
                     * synapse order (repeated targets) */
                    const __m256d c = _mm256_mul_pd(u, _mm256_set1_pd(am));
                    const __m128d c01 = _mm256_castpd256_pd128(c),
                                  c23 = _mm256_extractf128_pd(c, 1);
                    dst[tg[y]] += _mm_cvtsd_f64(c01);
                    dst[tg[y + 1]] += _mm_cvtsd_f64(_mm_unpackhi_pd(c01, c01));
                    dst[tg[y + 2]] += _mm_cvtsd_f64(c23);
                    dst[tg[y + 3]] += _mm_cvtsd_f64(_mm_unpackhi_pd(c23, c23));
                }
                x = x0 + (uint32_t)n4;
            }
#endif
            for (; x < x1; x++) {
                if (x + PREFETCH < x1)
                    __builtin_prefetch(&A->hot[S->tgt[x + PREFETCH]]);
                const uint32_t j = S->tgt[x];
                const double u = update_one(S, A, j, D, S->w[x], Kp, tl, ts, near, lambda, al, mu_p,
                                            mu_m, kp_kind, km_kind);
                S->w[x] = u;
                dst[j] += u * am;
            }
        } else {
            for (uint32_t x = x0; x < x1; x++) {
                if (x + PREFETCH < x1)
                    __builtin_prefetch(&A->hot[S->tgt[x + PREFETCH]]);
                const uint32_t j = S->tgt[x];
                const int64_t D = S->d[x];
                const double u = update_one(S, A, j, D, S->w[x], Kp, tl, ts, near, lambda, al, mu_p,
                                            mu_m, kp_kind, km_kind);
                S->w[x] = u;
                ring[(size_t)((k + D) & mask) * stride + j] += u * am;
            }
        }
        if (T->wlog)
            for (uint32_t x = x0; x < x1; x++)
                sf_wlog_add(T->wlog, T->proj, k, s, b->first + S->tgt[x], S->w[x] * W);
        R[s].Kplus = Kp * sf_decay_at(&S->dec, ts - tl) + 1.0;
        R[s].t_last = ts;
    }
}

static int mu_kind(double mu)
{
    return mu == 1.0 ? 1 : mu == 0.0 ? 0 : 2;
}

static void deliver(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n)
{
    const sf_syn_store *S = T->store;
    const int kp = mu_kind(S->sp[P_MU_PLUS]), km = mu_kind(S->sp[P_MU_MINUS]);
    if (kp == 1 && km == 1)
        deliver_kind(T, b, k, mask, src, amp, n, 1, 1);
    else if (kp == 0 && km == 0)
        deliver_kind(T, b, k, mask, src, amp, n, 0, 0);
    else
        deliver_kind(T, b, k, mask, src, amp, n, 2, 2);
}

/* After each slice: the archive may free the entries every synapse of the
 * table has passed, those at or before min_s t_last(s) - the longest
 * delay (a synapse reads (t_last - D, t_s - D] next). */
static void slice_update(const sf_syn_table *T, const sf_block *b, int64_t s0, int64_t s1)
{
    (void)b;
    (void)s0;
    (void)s1;
    const sf_syn_store *S = T->store;
    const row_state *R = S->rows;
    int64_t lo = INT64_MAX;
    for (uint32_t s = 0; s < T->n_src; s++)
        if (T->row[s + 1] > T->row[s] && R[s].t_last < lo)
            lo = R[s].t_last;
    if (lo != INT64_MAX)
        sf_spike_archive_consumed(T->arch, T, lo - S->dmax);
}

/* Weights are stored divided by Wmax. */
static void store_n(sf_syn_table *T, size_t n, const uint32_t *at, const uint16_t *tgt,
                    const double *w, const uint16_t *d)
{
    sf_syn_store_put(T, n, at, tgt, w, d);
    sf_syn_store *S = T->store;
    for (size_t j = 0; j < n; j++)
        S->w[at[j]] /= S->sp[P_WMAX];
}

static void get(const sf_syn_table *T, uint32_t at, uint16_t *tgt, double *w, uint16_t *d)
{
    sf_syn_store_get(T, at, tgt, w, d);
    *w *= ((const sf_syn_store *)T->store)->sp[P_WMAX];
}

static void ckpt_state(const sf_syn_table *T, sf_syn_state *st)
{
    sf_syn_store_state(T, st, true, sizeof(row_state));
}

#define STDP_TYPE(NAME, DOC)                                                                  \
    {                                                                                         \
        .name = NAME, .doc = DOC, .params = params, .n_params = N_PARAMS, .plastic = true,    \
        .archive = &sf_archive_spikes, .check = check, .bytes_per_synapse = bytes_per_synapse, \
        .row_bytes = sizeof(row_state), .create = create, .store = store_n, .get = get,          \
        .deliver = deliver, .slice_update = slice_update, .destroy = sf_syn_store_destroy,    \
        .ckpt_state = ckpt_state,                                                             \
    }

const sf_synapse_type sf_synapse_stdp = STDP_TYPE(
    "stdp_synapse", "pair-based STDP (Guetig et al. 2003, all-to-all pairing; NEST stdp_synapse), "
                    "the whole delay dendritic; tau_minus from the target population");
const sf_synapse_type sf_synapse_stdp_hom = STDP_TYPE(
    "stdp_synapse_hom", "stdp_synapse with parameters shared by the projection (NEST "
                        "stdp_synapse_hom; the same storage, as parameters are per projection)");
