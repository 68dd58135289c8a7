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
 * The common case reads only the target's hot archive part (its last
 * SF_SPIKE_HOT spikes, when the oldest of them precedes t_l - D, so that
 * they hold every spike of (t_l - D, t_s - D] and the last before t_s - D)
 * and is free of branches; the general one walks the entries. Both apply
 * the same operations in the same order, so they give the same bits. */
static inline __attribute__((always_inline)) double
update_one(const sf_syn_store *S, const sf_spike_archive *A, uint32_t j, int64_t D, double u,
           double Kp, int64_t tl, int64_t ts, double lambda, double al, double mu_p, double mu_m,
           const int kp_kind, const int km_kind)
{
    const int64_t t1 = tl - D, t2 = ts - D;
    const sf_spike_hot *o = &A->hot[j];
    double km;
    if (o->t[SF_SPIKE_HOT - 1] <= t1) {
        int last = SF_SPIKE_HOT - 1; /* the newest spike before t2 */
        for (int q = SF_SPIKE_HOT - 1; q >= 0; q--) { /* oldest first */
            const bool c = o->t[q] > t1 && o->t[q] <= t2;
            const double f = FACILITATE(u, Kp * sf_decay_at(&S->dec, c ? o->t[q] + D - tl : 0));
            u = c ? f : u;
            last = o->t[q] < t2 ? q : last;
        }
        const int64_t tq = o->t[last];
        km = tq == SF_SPIKE_NONE ? 0.0 : o->K[last] * sf_decay_at(&A->dec, t2 - tq);
    } else {
        const sf_spike_entry *e;
        const size_t ne = sf_spike_archive_history(A, j, t1, t2, &e);
        for (size_t q = 0; q < ne; q++)
            u = FACILITATE(u, Kp * sf_decay_at(&S->dec, e[q].t + D - tl));
        km = sf_spike_archive_K(A, j, t2);
    }
    return DEPRESS(u, km);
}

/* Synapses ahead whose target's hot archive line is fetched: a row's
 * targets ascend but are sparse, so these are random accesses, and with
 * 12,500 targets (800 kB of hot lines) they miss the caches; 24 was the
 * best of 12, 24, 48 on examples/stdp_brunel.yaml (docs/plasticity.md). */
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
    double *ring = b->ring + (size_t)T->port * nb;
    const sf_spike_archive *A = T->arch;
    const int64_t ts = k + 1;
    for (uint32_t a = 0; a < n;) {
        const uint32_t m = sf_syn_event_run(src, a, n), s = src[a];
        const double am = sf_syn_event_amp(amp, a, m) * W;
        a += m;
        const double Kp = R[s].Kplus;
        const int64_t tl = R[s].t_last;
        const uint32_t x0 = T->row[s], x1 = T->row[s + 1];
        if (!S->d) { /* one delay: one ring row */
            const int64_t D = S->d0;
            double *restrict dst = ring + (size_t)((k + D) & mask) * stride;
            for (uint32_t x = x0; x < x1; x++) {
                if (x + PREFETCH < x1)
                    __builtin_prefetch(&A->hot[S->tgt[x + PREFETCH]]);
                const uint32_t j = S->tgt[x];
                const double u = update_one(S, A, j, D, S->w[x], Kp, tl, ts, lambda, al, mu_p,
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
                const double u = update_one(S, A, j, D, S->w[x], Kp, tl, ts, lambda, al, mu_p,
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
