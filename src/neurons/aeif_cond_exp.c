/* aeif_cond_exp: adaptive exponential integrate-and-fire neuron (Brette &
 * Gerstner 2005, J Neurophysiol 94:3637) with exponentially decaying synaptic
 * conductances, NEST 3.x's model of the same name, parameters and defaults.
 *
 *   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T)
 *               - g_ex (V - E_ex) - g_in (V - E_in) - w + I_e + I_dc
 *   tau_w dw/dt = a (V - E_L) - w
 *   dg_ex/dt = -g_ex / tau_syn_ex,   dg_in/dt = -g_in / tau_syn_in
 *
 * with V bounded by V_peak in the right-hand side. A weight w > 0 (nS) adds
 * to g_ex, w < 0 adds |w| to g_in, at the end of the step. Integration and
 * spike handling (in the step, after every substep): src/neurons/aeif.c.
 *
 * State: [0] V_m (mV, absolute), [1] g_ex, [2] g_in (nS), [3] w (pA),
 * [4] refractory count, [5] integration step (ms; 0: not started). */
#include "neurons/aeif_cond_exp.h"

enum { V, G_EX, G_IN, W, DIM };

SF_ODE_RHS rhs(const double *restrict y, double *restrict f, const void *vc)
{
    const sf_aeif_ctx *c = vc;
    const double *p = c->p;
    sf_aeif_membrane(c, y[V], y[G_EX], y[G_IN], y[W], &f[V], &f[W]);
    f[G_EX] = -y[G_EX] / p[SF_AEIF_TAU_SYN_EX];
    f[G_IN] = -y[G_IN] / p[SF_AEIF_TAU_SYN_IN];
}

static const sf_aeif_layout layout = {DIM, W, G_EX, G_IN, rhs};

static const char *const state_names[] = {"V_m", "g_ex", "g_in", "w", "refractory_steps",
                                          "integration_step"};
static const char *const state_units[] = {"mV", "nS", "nS", "pA", "", "ms"};

static void prepare(const double *p, double h, void *out)
{
    sf_aeif_prepare(p, h, false, out);
}

static void init_state(const double *p, double *const *s, size_t n)
{
    sf_ode_init_rest(s, n, DIM + 2, p[SF_AEIF_E_L]);
}

SF_ODE_UPDATE static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    return sf_aeif_update(&layout, p, dv, s, n, input, i_dc, spikes, step);
}

static const sf_receptor_port ports[] = {
    {"ex", SF_AEIF_TAU_SYN_EX, +1, "excitatory conductance g_ex (weights >= 0, nS)"},
    {"in", SF_AEIF_TAU_SYN_IN, -1, "inhibitory conductance g_in (weights <= 0, nS; g_in grows by |w|)"},
};

const sf_neuron_type sf_aeif_cond_exp = {
    .name = "aeif_cond_exp",
    .doc = "Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005) with "
           "exponentially decaying synaptic conductances, as NEST 3.x aeif_cond_exp. "
           "C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - g_ex (V - E_ex) "
           "- g_in (V - E_in) - w + I_e + I_dc, tau_w dw/dt = a (V - E_L) - w, "
           "dg_x/dt = -g_x/tau_syn_x; V bounded by V_peak in the equations. Weights in nS "
           "(w > 0 port ex, w < 0 port in as |w|), added at the end of the step. Adaptive "
           "RKF45 (GSL's scheme, NEST's yp-control with eps_abs = eps_rel = gsl_error_tol, "
           "first substep min(0.01 ms, h), then carried per neuron); spikes are checked after "
           "every substep: V >= V_peak (V_th if Delta_T = 0) sets V = V_reset, w += b and "
           "clamps V for t_ref; with t_ref = 0 a neuron may fire up to 8 times in a step.",
    .params = sf_aeif_params,
    .n_params = SF_AEIF_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = DIM + 2,
    .ports = ports,
    .n_ports = 2,
    .default_port = sf_prop_port_by_sign,
    .v_offset_param = -1,
    .weight_unit = "nS",
    .max_spikes_per_step = SF_AEIF_MAX_SPIKES,
    .derived_size = sizeof(sf_aeif_derived),
    .check = sf_aeif_check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
