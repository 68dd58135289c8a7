/* urbanczik_synapse (NEST's name, parameters and defaults): the dendritic
 * prediction rule of Urbanczik & Senn 2014 (Neuron 81:521) as NEST's
 * urbanczik_synapse documents and implements it, onto
 * pp_cond_exp_mc_urbanczik neurons, whose archive (sf_archive_urbanczik,
 * src/plasticity/varch_archive.c) holds dPI = (n_spikes - phi(V*) h) h(V*)
 * of every step (rule: src/plasticity/voltage.h). At a presynaptic spike of
 * time t_s the synapse reads the sums over (t_last - D, t_s - D] and sets
 *   w = w0 + (PI - PI_exp) 15 C_m tau_s eta / (g_L (tau_L - tau_s))
 * clipped to [Wmin, Wmax] (C_m, g_L, tau_L = C_m/g_L of the dendrite, tau_s
 * its tau_syn_ex, or tau_syn_in when w <= 0), then sends the spike with it.
 * Per synapse: the traces, PI, PI_exp, w0 and t_last (NEST: -1 ms), since
 * tau_s follows the sign of each synapse's weight. archiving: 0 full
 * history (NEST's), 1 compressed, 2 time-driven (phase_plasticity); one
 * tau_Delta per target population (the first projection's). */
#include "synapses/voltage_store.h"

#include <math.h>
#include <stdio.h>

enum { P_TAU_DELTA, P_ETA, P_WMIN, P_WMAX, P_ARCHIVING, N_PARAMS };

static const sf_param_spec params[N_PARAMS] = {
    {"tau_Delta", "ms", 100.0, 0, INFINITY, true, "time constant of the low-pass filtered weight change"},
    {"eta", "", 0.07, -INFINITY, INFINITY, false, "learning rate"},
    {"Wmin", "pA", 0.0, -INFINITY, INFINITY, false, "minimal weight"},
    {"Wmax", "pA", 100.0, -INFINITY, INFINITY, false, "maximal weight"},
    {"archiving", "", 0.0, 0.0, 2.0, false,
     "archive scheme: 0 full history (NEST's), 1 compressed, 2 time-driven"},
};

static double bytes_per_synapse(const sf_projection *p)
{
    return sf_syn_store_bytes(p, true) + sizeof(sf_urbanczik_syn) +
           (p->syn_params[P_ARCHIVING] == SF_VARCH_ARCHIVING_TIME ? sizeof(sf_vstore_td) : 0);
}

static bool check(const double *sp, const sf_projection *p, char *msg, size_t len)
{
    double lo, hi;
    sf_dist_range(&p->weight, &lo, &hi);
    if (sp[P_ARCHIVING] != floor(sp[P_ARCHIVING])) {
        snprintf(msg, len, "urbanczik_synapse: archiving (%g) must be 0, 1 or 2", sp[P_ARCHIVING]);
        return false;
    }
    if (!(sp[P_WMIN] <= lo && hi <= sp[P_WMAX])) {
        snprintf(msg, len, "urbanczik_synapse: the weights (in [%g, %g]) must lie within "
                 "[Wmin, Wmax] = [%g, %g]", lo, hi, sp[P_WMIN], sp[P_WMAX]);
        return false;
    }
    return true;
}

static int64_t t_last0(double h)
{
    return -(int64_t)nearbyint(1.0 / h); /* NEST: -1 ms */
}

static bool create(sf_syn_table *T, const sf_projection *p, double h)
{
    return sf_vstore_create(T, p, h, 0, sizeof(sf_urbanczik_syn), (int)p->syn_params[P_ARCHIVING]);
}

static void store(sf_syn_table *T, size_t n, const uint32_t *at, const uint16_t *tgt,
                  const double *w, const uint16_t *d)
{
    sf_syn_store_put(T, n, at, tgt, w, d);
    sf_vstore *V = T->store;
    sf_urbanczik_syn *Y = V->syn;
    for (size_t j = 0; j < n; j++)
        sf_urbanczik_syn_init(&Y[at[j]], V->s.w[at[j]], t_last0(V->s.h));
}

sf_varch_reader sf_urbanczik_synapse_reader(const sf_syn_table *T)
{
    const sf_vstore *V = T->store;
    return (sf_varch_reader){V->archiving, V->s.sp[P_TAU_DELTA], t_last0(V->s.h)};
}

static void deliver(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n)
{
    sf_vstore *V = T->store;
    sf_syn_store *S = &V->s;
    sf_urbanczik_syn *Y = V->syn;
    const sf_varch_block *A = T->arch;
    const double *np = sf_varch_block_params(A);
    const sf_urbanczik_syn_params sp = {S->sp[P_TAU_DELTA], S->sp[P_ETA], S->sp[P_WMIN],
                                        S->sp[P_WMAX]};
    const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
    sf_acc *ring = b->ring + (size_t)T->port * nb;
    const int64_t ts = k + 1;
    for (uint32_t a = 0; a < n;) {
        const uint32_t m = sf_syn_event_run(src, a, n), s = src[a];
        const double am = sf_syn_event_amp(amp, a, m);
        a += m;
        for (uint32_t x = T->row[s], x1 = T->row[s + 1]; x < x1; x++) {
            const uint32_t j = S->tgt[x];
            const int64_t D = S->d ? S->d[x] : S->d0;
            sf_varch_sums sums;
            sf_vstore_sums(T, x, j, Y[x].t_last - D, ts - D, &sums);
            const double w = sf_urbanczik_spike(&sp, np, &Y[x], &sums, ts, S->h);
            S->w[x] = w;
            ring[(size_t)((k + D) & mask) * stride + j] += w * am;
            if (T->wlog)
                sf_wlog_add(T->wlog, T->proj, k, s, b->first + j, w);
        }
    }
}

static int64_t t_l_of(const sf_syn_table *T, uint32_t s, uint32_t x)
{
    (void)s;
    const sf_vstore *V = T->store;
    const sf_urbanczik_syn *Y = V->syn;
    return Y[x].t_last - (V->s.d ? V->s.d[x] : V->s.d0);
}

static void slice_update(const sf_syn_table *T, const sf_block *b, int64_t s0, int64_t s1)
{
    (void)b;
    (void)s0;
    sf_vstore_slice_update(T, s1, t_l_of);
}

static void ckpt_state(const sf_syn_table *T, sf_syn_state *st)
{
    sf_vstore_state(T, st, sizeof(sf_urbanczik_syn), 0);
}

const sf_synapse_type sf_synapse_urbanczik = {
    .name = "urbanczik_synapse",
    .doc = "dendritic prediction rule of Urbanczik & Senn 2014 (NEST urbanczik_synapse) onto "
           "pp_cond_exp_mc_urbanczik; archiving: 0 full history (NEST), 1 compressed, "
           "2 time-driven",
    .params = params,
    .n_params = N_PARAMS,
    .plastic = true,
    .archive = &sf_archive_urbanczik,
    .target_type = "pp_cond_exp_mc_urbanczik",
    .check = check,
    .bytes_per_synapse = bytes_per_synapse,
    .create = create,
    .store = store,
    .get = sf_syn_store_get,
    .deliver = deliver,
    .slice_update = slice_update,
    .destroy = sf_vstore_destroy,
    .ckpt_state = ckpt_state,
};
