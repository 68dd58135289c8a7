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
    return sf_syn_store_create(T, p, h, true, sizeof(row_state));
}

/* (1 - w~)^mu, w~^mu with the common exponents 1 (multiplicative) and 0
 * (additive) without pow. */
static inline double powmu(double x, double mu)
{
    return mu == 1.0 ? x : mu == 0.0 ? 1.0 : pow(x, mu);
}

static void deliver(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n)
{
    sf_syn_store *S = T->store;
    row_state *R = S->rows;
    const double *sp = S->sp, h = S->h;
    const double tau_p = sp[P_TAU_PLUS], lambda = sp[P_LAMBDA], al = sp[P_ALPHA] * sp[P_LAMBDA];
    const double mu_p = sp[P_MU_PLUS], mu_m = sp[P_MU_MINUS], W = sp[P_WMAX];
    const size_t nb = b->n, np = (size_t)b->n_ports, stride = np * nb;
    double *ring = b->ring + (size_t)T->port * nb;
    const int64_t ts = k + 1;
    for (uint32_t a = 0; a < n;) {
        const uint32_t m = sf_syn_event_run(src, a, n), s = src[a];
        const double am = sf_syn_event_amp(amp, a, m);
        a += m;
        const double Kp = R[s].Kplus;
        const int64_t tl = R[s].t_last;
        for (uint32_t x = T->row[s], x1 = T->row[s + 1]; x < x1; x++) {
            const uint32_t j = S->tgt[x];
            const int64_t D = S->d ? S->d[x] : S->d0;
            double w = S->w[x];
            const sf_spike_entry *e;
            size_t ne = sf_spike_archive_history(T->arch, j, tl - D, ts - D, &e);
            for (size_t q = 0; q < ne; q++) {
                double kp = Kp * exp((double)(tl - (e[q].t + D)) * h / tau_p);
                double nw = w / W + lambda * powmu(1.0 - w / W, mu_p) * kp;
                w = nw < 1.0 ? nw * W : W;
            }
            double km = sf_spike_archive_K(T->arch, j, ts - D);
            double nw = w / W - al * powmu(w / W, mu_m) * km;
            w = nw > 0.0 ? nw * W : 0.0;
            S->w[x] = w;
            ring[(size_t)((k + D) & mask) * stride + j] += w * am;
            if (T->wlog)
                sf_wlog_add(T->wlog, T->proj, k, s, b->first + j, w);
        }
        R[s].Kplus = Kp * exp((double)(tl - ts) * h / tau_p) + 1.0;
        R[s].t_last = ts;
    }
}

#define STDP_TYPE(NAME, DOC)                                                                  \
    {                                                                                         \
        .name = NAME, .doc = DOC, .params = params, .n_params = N_PARAMS, .plastic = true,    \
        .archive = &sf_archive_spikes, .check = check, .bytes_per_synapse = bytes_per_synapse, \
        .row_bytes = sizeof(row_state), .create = create, .store = sf_syn_store_put,          \
        .get = sf_syn_store_get, .deliver = deliver, .destroy = sf_syn_store_destroy,         \
    }

const sf_synapse_type sf_synapse_stdp = STDP_TYPE(
    "stdp_synapse", "pair-based STDP (Guetig et al. 2003, all-to-all pairing; NEST stdp_synapse), "
                    "the whole delay dendritic; tau_minus from the target population");
const sf_synapse_type sf_synapse_stdp_hom = STDP_TYPE(
    "stdp_synapse_hom", "stdp_synapse with parameters shared by the projection (NEST "
                        "stdp_synapse_hom; the same storage, as parameters are per projection)");
