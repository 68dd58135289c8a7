/* tsodyks_synapse and tsodyks2_synapse (NEST's names): short-term
 * depression and facilitation (Tsodyks, Uziel & Markram 2000; Tsodyks,
 * Pawelzik & Markram 1998; Fuhrmann et al. 2002), updated at presynaptic
 * spikes as NEST documents them. With Delta the time since the source's
 * previous spike (its first spike counts from t = 0, NEST's t_lastspike
 * of 0 ms):
 *
 * tsodyks_synapse (resources x, active y, inactive z = 1 - x - y, u):
 *   Puu = e^{-Delta/tau_fac} (0 if tau_fac = 0), Pyy = e^{-Delta/tau_psc},
 *   Pzz = e^{-Delta/tau_rec},
 *   Pxy = ((Pzz - 1) tau_rec - (Pyy - 1) tau_psc) / (tau_psc - tau_rec),
 *   Pxz = 1 - Pzz;
 *   u <- u Puu;  x <- x + Pxy y + Pxz z;  y <- y Pyy;
 *   u <- u + U (1 - u);  dy = u x;  x <- x - dy;  y <- y + dy;
 *   the spike carries weight dy * w.
 * tsodyks2_synapse (x, u):
 *   x <- 1 + (x - x u - 1) e^{-Delta/tau_rec};
 *   u <- U + u (1 - U) e^{-Delta/tau_fac} (the decay 0 if tau_fac < 1e-10);
 *   the spike carries weight x u w.
 * The state depends only on the source's spikes and the (per projection)
 * parameters, so it is kept once per source and table; per synapse only
 * the target, and the weight and delay when they vary (syn_store.h). An
 * event of multiplicity m is one update, sent with m times its weight. The
 * weight recorder logs the weight each spike carries (NEST's weight_recorder
 * records the event's weight). */
#include "synapses/syn_store.h"

#include <math.h>
#include <stdio.h>

/* ---- tsodyks_synapse ---------------------------------------------------- */

enum { T1_U, T1_TAU_PSC, T1_TAU_FAC, T1_TAU_REC, T1_X, T1_Y, T1_U0, T1_N };

static const sf_param_spec params1[T1_N] = {
    {"U", "", 0.5, 0, 1, false, "increment of u at a spike (utilisation)"},
    {"tau_psc", "ms", 3.0, 0, INFINITY, true, "time constant of the active state y (the PSC)"},
    {"tau_fac", "ms", 0.0, 0, INFINITY, false, "facilitation time constant (0: none)"},
    {"tau_rec", "ms", 800.0, 0, INFINITY, true, "recovery time constant"},
    {"x", "", 1.0, 0, 1, false, "initial fraction of available resources"},
    {"y", "", 0.0, 0, 1, false, "initial fraction of active resources"},
    {"u", "", 0.0, 0, 1, false, "initial utilisation"},
};

typedef struct {
    double x, y, u;
    int64_t t_last;
} row1;

static bool check1(const double *sp, const sf_projection *p, char *msg, size_t len)
{
    (void)p;
    if (sp[T1_X] + sp[T1_Y] > 1) {
        snprintf(msg, len, "tsodyks_synapse: x + y = %g must not exceed 1", sp[T1_X] + sp[T1_Y]);
        return false;
    }
    if (sp[T1_TAU_PSC] == sp[T1_TAU_REC]) {
        snprintf(msg, len, "tsodyks_synapse: tau_psc and tau_rec must differ");
        return false;
    }
    return true;
}

static double bytes_static_w(const sf_projection *p)
{
    return sf_syn_store_bytes(p, false);
}

static bool create1(sf_syn_table *T, const sf_projection *p, double h)
{
    if (!sf_syn_store_create(T, p, h, false, sizeof(row1)))
        return false;
    sf_syn_store *S = T->store;
    row1 *R = S->rows;
    for (uint32_t s = 0; s < T->n_src; s++)
        R[s] = (row1){p->syn_params[T1_X], p->syn_params[T1_Y], p->syn_params[T1_U0], 0};
    return true;
}

/* Sends the event of source s with efficacy f (times the synapse weight)
 * along its row, logging the weights it carries. */
static void send_row(const sf_syn_table *T, const sf_block *b, int64_t k, int mask, uint32_t s,
                     double f, double am)
{
    const sf_syn_store *S = T->store;
    const size_t nb = b->n, stride = (size_t)b->n_ports * nb;
    sf_acc *ring = b->ring + (size_t)T->port * nb;
    for (uint32_t x = T->row[s], x1 = T->row[s + 1]; x < x1; x++) {
        const uint32_t j = S->tgt[x];
        const int64_t D = S->d ? S->d[x] : S->d0;
        const double w = f * (S->w ? S->w[x] : S->w0);
        ring[(size_t)((k + D) & mask) * stride + j] += w * am;
        if (T->wlog)
            sf_wlog_add(T->wlog, T->proj, k, s, b->first + j, w);
    }
}

static void deliver1(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                     const uint32_t *src, const float *amp, uint32_t n)
{
    sf_syn_store *S = T->store;
    row1 *R = S->rows;
    const double *sp = S->sp;
    const double U = sp[T1_U], tp = sp[T1_TAU_PSC], tf = sp[T1_TAU_FAC], tr = sp[T1_TAU_REC];
    for (uint32_t a = 0; a < n;) {
        const uint32_t m = sf_syn_event_run(src, a, n), s = src[a];
        const double am = sf_syn_event_amp(amp, a, m);
        a += m;
        row1 *r = &R[s];
        const double dt = (double)(k + 1 - r->t_last) * S->h;
        const double Puu = tf == 0.0 ? 0.0 : exp(-dt / tf), Pyy = exp(-dt / tp),
                     Pzz = exp(-dt / tr);
        const double Pxy = ((Pzz - 1.0) * tr - (Pyy - 1.0) * tp) / (tp - tr), Pxz = 1.0 - Pzz;
        const double z = 1.0 - r->x - r->y;
        r->u *= Puu;
        r->x += Pxy * r->y + Pxz * z;
        r->y *= Pyy;
        r->u += U * (1.0 - r->u);
        const double dy = r->u * r->x;
        r->x -= dy;
        r->y += dy;
        r->t_last = k + 1;
        send_row(T, b, k, mask, s, dy, am);
    }
}

static void ckpt_state1(const sf_syn_table *T, sf_syn_state *st)
{
    sf_syn_store_state(T, st, false, sizeof(row1));
}

const sf_synapse_type sf_synapse_tsodyks = {
    .name = "tsodyks_synapse",
    .doc = "short-term depression and facilitation with an active state y (Tsodyks, Uziel & "
           "Markram 2000; NEST tsodyks_synapse)",
    .params = params1,
    .n_params = T1_N,
    .plastic = true,
    .check = check1,
    .bytes_per_synapse = bytes_static_w,
    .row_bytes = sizeof(row1),
    .create = create1,
    .store = sf_syn_store_put,
    .get = sf_syn_store_get,
    .deliver = deliver1,
    .destroy = sf_syn_store_destroy,
    .ckpt_state = ckpt_state1,
};

/* ---- tsodyks2_synapse --------------------------------------------------- */

enum { T2_U, T2_U0, T2_X, T2_TAU_REC, T2_TAU_FAC, T2_N };

static const sf_param_spec params2[T2_N] = {
    {"U", "", 0.5, 0, 1, false, "parameter determining the increase in u with each spike"},
    {"u", "", 0.5, 0, 1, false, "initial release probability"},
    {"x", "", 1.0, 0, 1, false, "initial fraction of available resources"},
    {"tau_rec", "ms", 800.0, 0, INFINITY, true, "recovery time constant"},
    {"tau_fac", "ms", 0.0, 0, INFINITY, false, "facilitation time constant (0: none)"},
};

typedef struct {
    double x, u;
    int64_t t_last;
} row2;

static bool create2(sf_syn_table *T, const sf_projection *p, double h)
{
    if (!sf_syn_store_create(T, p, h, false, sizeof(row2)))
        return false;
    sf_syn_store *S = T->store;
    row2 *R = S->rows;
    for (uint32_t s = 0; s < T->n_src; s++)
        R[s] = (row2){p->syn_params[T2_X], p->syn_params[T2_U0], 0};
    return true;
}

static void deliver2(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                     const uint32_t *src, const float *amp, uint32_t n)
{
    sf_syn_store *S = T->store;
    row2 *R = S->rows;
    const double *sp = S->sp;
    const double U = sp[T2_U], tr = sp[T2_TAU_REC], tf = sp[T2_TAU_FAC];
    for (uint32_t a = 0; a < n;) {
        const uint32_t m = sf_syn_event_run(src, a, n), s = src[a];
        const double am = sf_syn_event_amp(amp, a, m);
        a += m;
        row2 *r = &R[s];
        const double dt = (double)(k + 1 - r->t_last) * S->h;
        const double xd = exp(-dt / tr), ud = tf < 1e-10 ? 0.0 : exp(-dt / tf);
        r->x = 1.0 + (r->x - r->x * r->u - 1.0) * xd;
        r->u = U + r->u * (1.0 - U) * ud;
        r->t_last = k + 1;
        send_row(T, b, k, mask, s, r->x * r->u, am);
    }
}

static void ckpt_state2(const sf_syn_table *T, sf_syn_state *st)
{
    sf_syn_store_state(T, st, false, sizeof(row2));
}

const sf_synapse_type sf_synapse_tsodyks2 = {
    .name = "tsodyks2_synapse",
    .doc = "short-term depression and facilitation (Tsodyks & Markram 1997, Fuhrmann et al. "
           "2002; NEST tsodyks2_synapse)",
    .params = params2,
    .n_params = T2_N,
    .plastic = true,
    .bytes_per_synapse = bytes_static_w,
    .row_bytes = sizeof(row2),
    .create = create2,
    .store = sf_syn_store_put,
    .get = sf_syn_store_get,
    .deliver = deliver2,
    .destroy = sf_syn_store_destroy,
    .ckpt_state = ckpt_state2,
};
