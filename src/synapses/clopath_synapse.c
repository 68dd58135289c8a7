/* clopath_synapse (NEST's name, parameters and defaults): the voltage-based
 * STDP rule of Clopath et al. 2010 (Nat Neurosci 13:344) as NEST's
 * clopath_synapse documents and implements it, onto aeif_psc_delta_clopath
 * neurons, whose archive (sf_archive_clopath, src/plasticity/varch_archive.c)
 * holds the LTP factor and the LTD values (rule: src/plasticity/voltage.h).
 * At a presynaptic spike of time t_s, for synapse x of delay D onto j:
 *   w <- min(w + x_bar I_x(t_last - D, t_s - D), Wmax)   (potentiation)
 *   w <- max(w - LTD_j(t_s - D), Wmin)                     (depression)
 *   the spike is sent with the new w;
 *   x_bar <- x_bar e^{-(t_s - t_last)/tau_x} + 1/tau_x,  t_last <- t_s
 * (NEST's t_last starts at 0 ms). x_bar and t_last depend only on the
 * source's spikes: kept once per source and table. The parameter archiving
 * picks the archive scheme of the projection (0: full history, NEST's;
 * 1: compressed; 2: time-driven, every synapse folds every step, in
 * phase_plasticity); the three give the same weights to rounding. An event
 * of multiplicity m updates the weight once and sends m w. */
#include "synapses/voltage_store.h"

#include <math.h>
#include <stdio.h>

enum { P_TAU_X, P_WMIN, P_WMAX, P_ARCHIVING, N_PARAMS };

static const sf_param_spec params[N_PARAMS] = {
    {"tau_x", "ms", 15.0, 0, INFINITY, true, "time constant of the presynaptic trace x_bar"},
    {"Wmin", "mV", 0.0, -INFINITY, INFINITY, false, "minimal weight"},
    {"Wmax", "mV", 100.0, -INFINITY, INFINITY, false, "maximal weight"},
    {"archiving", "", 0.0, 0.0, 2.0, false,
     "archive scheme: 0 full history (NEST's), 1 compressed, 2 time-driven"},
};

typedef struct {
    double x_bar;
    int64_t t_last; /* stamp of the last presynaptic spike (steps; NEST: 0 ms) */
} row_state;

static double bytes_per_synapse(const sf_projection *p)
{
    return sf_syn_store_bytes(p, true) +
           (p->syn_params[P_ARCHIVING] == SF_VARCH_ARCHIVING_TIME ? sizeof(sf_vstore_td) : 0);
}

static bool check(const double *sp, const sf_projection *p, char *msg, size_t len)
{
    double lo, hi;
    sf_dist_range(&p->weight, &lo, &hi);
    if (sp[P_ARCHIVING] != floor(sp[P_ARCHIVING])) {
        snprintf(msg, len, "clopath_synapse: archiving (%g) must be 0, 1 or 2", sp[P_ARCHIVING]);
        return false;
    }
    if (!(sp[P_WMIN] <= lo && hi <= sp[P_WMAX])) {
        snprintf(msg, len, "clopath_synapse: the weights (in [%g, %g]) must lie within "
                 "[Wmin, Wmax] = [%g, %g]", lo, hi, sp[P_WMIN], sp[P_WMAX]);
        return false;
    }
    return true;
}

static bool create(sf_syn_table *T, const sf_projection *p, double h)
{
    return sf_vstore_create(T, p, h, sizeof(row_state), 0, (int)p->syn_params[P_ARCHIVING]);
}

sf_varch_reader sf_clopath_synapse_reader(const sf_syn_table *T)
{
    const sf_vstore *V = T->store;
    return (sf_varch_reader){V->archiving, V->s.sp[P_TAU_X], 0};
}

static void deliver(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n)
{
    sf_vstore *V = T->store;
    sf_syn_store *S = &V->s;
    row_state *R = S->rows;
    const sf_varch_block *A = T->arch;
    const sf_clopath_syn_params sp = {S->sp[P_TAU_X], S->sp[P_WMIN], S->sp[P_WMAX]};
    const int ix = sf_varch_block_tau(A, sp.tau_x);
    const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
    sf_acc *ring = b->ring + (size_t)T->port * nb;
    const int64_t ts = k + 1;
    for (uint32_t a = 0; a < n;) {
        const uint32_t m = sf_syn_event_run(src, a, n), s = src[a];
        const double am = sf_syn_event_amp(amp, a, m);
        a += m;
        const double xb = R[s].x_bar;
        const int64_t tl = R[s].t_last;
        for (uint32_t x = T->row[s], x1 = T->row[s + 1]; x < x1; x++) {
            const uint32_t j = S->tgt[x];
            const int64_t D = S->d ? S->d[x] : S->d0;
            sf_varch_sums sums;
            sf_vstore_sums(T, x, j, tl - D, ts - D, &sums);
            const double w = sf_clopath_weight(&sp, S->w[x], xb, sums.I[ix],
                                               sf_varch_block_ltd(A, j, ts - D));
            S->w[x] = w;
            ring[(size_t)((k + D) & mask) * stride + j] += w * am;
            if (T->wlog)
                sf_wlog_add(T->wlog, T->proj, k, s, b->first + j, w);
        }
        R[s].x_bar = sf_clopath_trace(&sp, xb, tl, ts, S->h);
        R[s].t_last = ts;
    }
}

static int64_t t_l_of(const sf_syn_table *T, uint32_t s, uint32_t x)
{
    const sf_vstore *V = T->store;
    const row_state *R = V->s.rows;
    return R[s].t_last - (V->s.d ? V->s.d[x] : V->s.d0);
}

static void slice_update(const sf_syn_table *T, const sf_block *b, int64_t s0, int64_t s1)
{
    (void)b;
    (void)s0;
    sf_vstore_slice_update(T, s1, t_l_of);
}

static void ckpt_state(const sf_syn_table *T, sf_syn_state *st)
{
    sf_vstore_state(T, st, 0, sizeof(row_state));
}

const sf_synapse_type sf_synapse_clopath = {
    .name = "clopath_synapse",
    .doc = "voltage-based STDP of Clopath et al. 2010 (NEST clopath_synapse) onto "
           "aeif_psc_delta_clopath; the rule's amplitudes and thresholds are the neuron's; "
           "archiving: 0 full history (NEST), 1 compressed, 2 time-driven",
    .params = params,
    .n_params = N_PARAMS,
    .plastic = true,
    .archive = &sf_archive_clopath,
    .target_type = "aeif_psc_delta_clopath",
    .check = check,
    .bytes_per_synapse = bytes_per_synapse,
    .row_bytes = sizeof(row_state),
    .create = create,
    .store = sf_syn_store_put,
    .get = sf_syn_store_get,
    .deliver = deliver,
    .slice_update = slice_update,
    .destroy = sf_vstore_destroy,
    .ckpt_state = ckpt_state,
};
