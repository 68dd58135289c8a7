/* The Clopath and Urbanczik-Senn rules over the archive's sums (voltage.h
 * has the equations and their NEST sources). */
#include "plasticity/voltage.h"
#include "engine/ckpt_io.h"
#include "neurons/aeif_psc_delta_clopath.h"
#include "neurons/pp_cond_exp_mc_urbanczik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CP(x) SF_CLOPATH_##x

bool sf_clopath_post_init(sf_clopath_post *cp, const double *np, double h, int max_delay_steps)
{
    memset(cp, 0, sizeof *cp);
    cp->len = (int)floor(np[CP(DELAY_U_BARS)] / h + 0.5) + 1;
    cp->ltd_len = max_delay_steps + 1;
    cp->ubp = calloc((size_t)cp->len, sizeof(double));
    cp->ubm = calloc((size_t)cp->len, sizeof(double));
    cp->ltd = calloc((size_t)cp->ltd_len, sizeof(double));
    cp->ltd_t = malloc((size_t)cp->ltd_len * sizeof(int64_t));
    if (!cp->ubp || !cp->ubm || !cp->ltd || !cp->ltd_t) {
        sf_clopath_post_free(cp);
        return false;
    }
    for (int i = 0; i < cp->ltd_len; i++)
        cp->ltd_t[i] = INT64_MIN;
    return true;
}

void sf_clopath_post_free(sf_clopath_post *cp)
{
    free(cp->ubp);
    free(cp->ubm);
    free(cp->ltd);
    free(cp->ltd_t);
    memset(cp, 0, sizeof *cp);
}

double sf_clopath_post_step(sf_clopath_post *cp, const double *np, double h, int64_t t,
                            double u, double ubp, double ubm, double ubb)
{
    /* write, advance, read the oldest: the value of delay_u_bars/h steps ago */
    cp->ubp[cp->idx] = ubp;
    cp->ubm[cp->idx] = ubm;
    cp->idx = (cp->idx + 1) % cp->len;
    const double dp = cp->ubp[cp->idx], dm = cp->ubm[cp->idx];
    const double th_p = np[CP(THETA_PLUS)], th_m = np[CP(THETA_MINUS)];
    const int slot = (int)(((t % cp->ltd_len) + cp->ltd_len) % cp->ltd_len);
    if (dm > th_m) {
        cp->ltd[slot] = np[CP(A_LTD_CONST)] != 0.0
                            ? np[CP(A_LTD)] * (dm - th_m)
                            : np[CP(A_LTD)] * ubb * ubb * (dm - th_m) / np[CP(U_REF_SQUARED)];
        cp->ltd_t[slot] = t;
    }
    if (u > th_p && dp > th_m)
        return np[CP(A_LTP)] * (u - th_p) * (dp - th_m) * h;
    return 0.0;
}

bool sf_clopath_post_ckpt(sf_clopath_post *cp, sf_ckpt_io *io)
{
    uint64_t len = (uint64_t)cp->len, ltd_len = (uint64_t)cp->ltd_len;
    if (!sf_ckpt_io_len(io, &len, (uint64_t)cp->len) || !sf_ckpt_io_len(io, &ltd_len, (uint64_t)cp->ltd_len) ||
        len != (uint64_t)cp->len || ltd_len != (uint64_t)cp->ltd_len) {
        sf_ckpt_io_fail(io);
        return false;
    }
    sf_ckpt_io_data(io, cp->ubp, sizeof(double) * len);
    sf_ckpt_io_data(io, cp->ubm, sizeof(double) * len);
    sf_ckpt_io_data(io, &cp->idx, sizeof cp->idx);
    sf_ckpt_io_data(io, cp->ltd, sizeof(double) * ltd_len);
    sf_ckpt_io_data(io, cp->ltd_t, sizeof(int64_t) * ltd_len);
    if (sf_ckpt_io_ok(io) && (cp->idx < 0 || cp->idx >= cp->len))
        sf_ckpt_io_fail(io);
    return sf_ckpt_io_ok(io);
}

double sf_clopath_post_ltd(const sf_clopath_post *cp, int64_t t)
{
    const int slot = (int)(((t % cp->ltd_len) + cp->ltd_len) % cp->ltd_len);
    return cp->ltd_t[slot] == t ? cp->ltd[slot] : 0.0;
}

double sf_clopath_trace(const sf_clopath_syn_params *sp, double x_bar, int64_t t_last,
                        int64_t t_s, double h)
{
    return x_bar * exp(-(double)(t_s - t_last) * h / sp->tau_x) + 1.0 / sp->tau_x;
}

/* ---------------------------------------------------------------------- */

#define UP(x) SF_URB_##x

double sf_urbanczik_post_m(const double *np, double v_dend, int n_spikes, double h)
{
    const double g_d = np[UP(G_SP)], g_l = np[UP(S_G_L)], e_l = np[UP(S_E_L)];
    const double vs = (e_l * g_l + v_dend * g_d) / (g_d + g_l);
    return ((double)n_spikes - sf_urbanczik_phi(np, vs) * h) * sf_urbanczik_h(np, vs);
}

void sf_urbanczik_kernel(sf_varch_kernel *k, const double *np, double h, double tau_delta)
{
    const double tau[3] = {np[UP(D_C_M)] / np[UP(D_G_L)], np[UP(D_TAU_SYN_EX)],
                           np[UP(D_TAU_SYN_IN)]};
    sf_varch_kernel_init(k, h, 3, tau, tau_delta);
}

void sf_urbanczik_syn_init(sf_urbanczik_syn *s, double w0, int64_t t_last)
{
    memset(s, 0, sizeof *s);
    s->w = s->w0 = w0;
    s->t_last = t_last;
}

double sf_urbanczik_spike(const sf_urbanczik_syn_params *sp, const double *np,
                          sf_urbanczik_syn *s, const sf_varch_sums *sums, int64_t t_s, double h)
{
    const double g_l = np[UP(D_G_L)], c_m = np[UP(D_C_M)], tau_l = c_m / g_l;
    const int is = s->w > 0.0 ? 1 : 2;
    const double tau_s = is == 1 ? np[UP(D_TAU_SYN_EX)] : np[UP(D_TAU_SYN_IN)];
    const double dt = (double)(t_s - s->t_last) * h;
    s->pi += s->tr_L * sums->I[0] - s->tr_s * sums->I[is];
    s->pi_exp = exp(-dt / sp->tau_delta) * s->pi_exp + (s->tr_L * sums->J[0] - s->tr_s * sums->J[is]);
    double w = s->w0 + (s->pi - s->pi_exp) * 15.0 * c_m * tau_s * sp->eta / (g_l * (tau_l - tau_s));
    w = w > sp->Wmax ? sp->Wmax : w < sp->Wmin ? sp->Wmin : w;
    s->w = w;
    s->tr_L = s->tr_L * exp(-dt / tau_l) + 1.0;
    s->tr_s = s->tr_s * exp(-dt / tau_s) + 1.0;
    s->t_last = t_s;
    return w;
}
