/* The voltage-based plasticity rules as NEST 3.x implements them, as
 * functions over the archive's sums (src/plasticity/archive.h), so that one
 * rule serves the three archiving schemes:
 *
 *  - Clopath et al. 2010 (clopath_synapse + aeif_psc_delta_clopath, NEST's
 *    ClopathArchivingNode): the postsynaptic side writes, per step, the LTP
 *    factor M(t) = A_LTP (u - theta_plus)(u+_d - theta_minus) h when
 *    u > theta_plus and u+_d > theta_minus (sparse: essentially during
 *    spikes), and the LTD value A_LTD (u-_d - theta_minus) (times
 *    u_bar_bar^2/u_ref_squared unless A_LTD_const) when u-_d > theta_minus,
 *    u+_d and u-_d being u_bar_plus and u_bar_minus delayed by delay_u_bars
 *    (a ring of delay_u_bars/h + 1 values that starts at 0 mV, as NEST's).
 *    A presynaptic spike at t_s with delay d reads I_x (tau_x) over
 *    (t_last - d, t_s - d]: w = min(w + x_bar I_x, Wmax), then
 *    w = max(w - LTD(t_s - d), Wmin); then x_bar = x_bar e^{-(t_s - t_last)/tau_x}
 *    + 1/tau_x.
 *  - Urbanczik & Senn 2014 (urbanczik_synapse + pp_cond_exp_mc_urbanczik,
 *    NEST's UrbanczikArchivingNode): M(t) = (n_spikes - phi(V*) h) h(V*) every
 *    step, V* = (E_L,s g_L,s + V_p g_sp)/(g_sp + g_L,s); a presynaptic spike
 *    reads I and J (tau_L = C_m,p/g_L,p, tau_s = tau_syn_ex,p or tau_syn_in,p
 *    by the sign of the weight, tau_Delta) and sets
 *    PI += tr_L I_L - tr_s I_s, PI_exp = e^{-(t_s - t_last)/tau_Delta} PI_exp
 *    + tr_L J_L - tr_s J_s, w = w0 + (PI - PI_exp) 15 C_m,p tau_s eta /
 *    (g_L,p (tau_L - tau_s)) clipped to [Wmin, Wmax], then the traces
 *    tr <- tr e^{-(t_s - t_last)/tau} + 1.
 *
 * Where NEST sums entry by entry (and clips after every LTP entry), these
 * sum first: the same result to rounding, since the LTP terms are all >= 0.
 * Times in integer steps (t_s = presynaptic spike time / h). */
#ifndef SF_PLASTICITY_VOLTAGE_H
#define SF_PLASTICITY_VOLTAGE_H

#include "plasticity/archive.h"

#include <stdbool.h>
#include <stdint.h>

/* --- Clopath ------------------------------------------------------------ */

/* The postsynaptic side of one neuron: the delay rings of u_bar_plus and
 * u_bar_minus and the ring of the last ltd_len LTD values. */
typedef struct {
    double *ubp, *ubm; /* delay_steps + 1 */
    int len, idx;
    double *ltd;       /* ltd_len values, the one of step t at t % ltd_len */
    int64_t *ltd_t;
    int ltd_len;
} sf_clopath_post;

/* np: the aeif_psc_delta_clopath parameters; max_delay_steps: the longest
 * dendritic delay of the synapses that read the LTD values. */
bool sf_clopath_post_init(sf_clopath_post *cp, const double *np, double h, int max_delay_steps);
void sf_clopath_post_free(sf_clopath_post *cp);
/* After the neuron update that ends at step t, with the neuron's V_m, u_bar_plus,
 * u_bar_minus, u_bar_bar: stores the LTD value of t and returns the LTP factor
 * M(t) (0: nothing to archive). */
double sf_clopath_post_step(sf_clopath_post *cp, const double *np, double h, int64_t t,
                            double u, double ubp, double ubm, double ubb);
/* The LTD value of step t (0 when none was written or t is out of the ring). */
double sf_clopath_post_ltd(const sf_clopath_post *cp, int64_t t);

/* Checkpoints (src/engine/ckpt_io.h): the rings through io (reading: into
 * one made by sf_clopath_post_init with the same parameters); false when
 * reading fails. */
struct sf_ckpt_io;
bool sf_clopath_post_ckpt(sf_clopath_post *cp, struct sf_ckpt_io *io);

typedef struct {
    double tau_x, Wmin, Wmax;
} sf_clopath_syn_params;

/* The weight after a presynaptic spike, from the archive's I (tau_x) and the
 * LTD value at t_s - d; x_bar is the source's trace before the spike. */
static inline double sf_clopath_weight(const sf_clopath_syn_params *sp, double w, double x_bar,
                                       double I_x, double ltd)
{
    w += x_bar * I_x;
    w = w < sp->Wmax ? w : sp->Wmax;
    w -= ltd;
    return w > sp->Wmin ? w : sp->Wmin;
}

/* The trace after a spike at t_s (steps), last spike t_last. */
double sf_clopath_trace(const sf_clopath_syn_params *sp, double x_bar, int64_t t_last,
                        int64_t t_s, double h);

/* --- Urbanczik-Senn ------------------------------------------------------- */

/* np: the pp_cond_exp_mc_urbanczik parameters. */
double sf_urbanczik_post_m(const double *np, double v_dend, int n_spikes, double h);
/* The kernel of the archive sums: tau = {tau_L, tau_syn_ex, tau_syn_in} of
 * the dendrite (indices 0, 1, 2), tau_delta of the synapse type. */
void sf_urbanczik_kernel(sf_varch_kernel *k, const double *np, double h, double tau_delta);

typedef struct {
    double tau_delta, eta, Wmin, Wmax;
} sf_urbanczik_syn_params;

typedef struct {
    double w, w0, pi, pi_exp, tr_L, tr_s;
    int64_t t_last; /* steps */
} sf_urbanczik_syn;

/* Initial state of a synapse with weight w0 whose (virtual) last spike is at
 * t_last (NEST: -1 ms). */
void sf_urbanczik_syn_init(sf_urbanczik_syn *s, double w0, int64_t t_last);
/* Updates s for a presynaptic spike at t_s from the sums over its interval
 * and returns the new weight. */
double sf_urbanczik_spike(const sf_urbanczik_syn_params *sp, const double *np,
                          sf_urbanczik_syn *s, const sf_varch_sums *sums, int64_t t_s, double h);

#endif
