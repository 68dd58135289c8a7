/* iaf_cond_alpha: leaky integrate-and-fire neuron with alpha-shaped synaptic
 * conductances, NEST 3.x's model of the same name, parameters, defaults and
 * update (Meffin et al. 2004; Bernander et al. 1991; Kuhn et al. 2004).
 *
 *   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_dc
 *   dg_x/dt = dg_x' - g_x / tau_syn_x,   d(dg_x')/dt = -dg_x' / tau_syn_x
 *
 * so that an input of weight w (nS) at t = 0 gives g_x(t) = w (t/tau) e^{1 - t/tau}
 * (peak w at t = tau): the input makes dg_x' jump by e w / tau_syn_x.
 * Integration (src/neurons/ode.h): adaptive RKF45 over each step h with GSL's
 * y-control, eps_abs = 1e-3, eps_rel = 0 (NEST's gsl_odeiv_control_y_new(1e-3,
 * 0)); integration step carried per neuron from step to step, starting at h.
 * In the right-hand side V is bounded by V_th and, while refractory, held at
 * V_reset with dV/dt = 0. At the end of a step, in NEST's order: a refractory
 * neuron counts down and is clamped to V_reset, otherwise V >= V_th emits a
 * spike, sets V = V_reset and starts t_ref (rounded to whole steps); then the
 * step's input adds to dg_ex' (w > 0) or dg_in' (w < 0, as |w|).
 *
 * State: [0] V_m (mV, absolute), [1] g_ex, [2] dg_ex (nS, nS/ms), [3] g_in,
 * [4] dg_in, [5] remaining refractory steps, [6] integration step (ms; 0:
 * not started). */
#include "model/model_impl.h"
#include "neurons/iaf_cond_alpha.h"
#include "neurons/ode.h"
#include "neurons/propagator.h"

#include <stdio.h>

#define P(x) SF_IAF_COND_ALPHA_##x

static const sf_param_spec params[P(N_PARAMS)] = {
    [P(E_L)] = {"E_L", "mV", -70.0, -1e6, 1e6, false, "leak reversal potential"},
    [P(C_M)] = {"C_m", "pF", 250.0, 0.0, 1e9, true, "membrane capacitance"},
    [P(G_L)] = {"g_L", "nS", 16.6667, 0.0, 1e9, false, "leak conductance"},
    [P(T_REF)] = {"t_ref", "ms", 2.0, 0.0, 1e9, false, "absolute refractory period"},
    [P(V_TH)] = {"V_th", "mV", -55.0, -1e6, 1e6, false, "spike threshold"},
    [P(V_RESET)] = {"V_reset", "mV", -60.0, -1e6, 1e6, false, "reset potential"},
    [P(E_EX)] = {"E_ex", "mV", 0.0, -1e6, 1e6, false, "excitatory reversal potential"},
    [P(E_IN)] = {"E_in", "mV", -85.0, -1e6, 1e6, false, "inhibitory reversal potential"},
    [P(TAU_SYN_EX)] = {"tau_syn_ex", "ms", 0.2, 0.0, 1e9, true,
                       "rise time (time to peak) of the excitatory conductance"},
    [P(TAU_SYN_IN)] = {"tau_syn_in", "ms", 2.0, 0.0, 1e9, true,
                       "rise time (time to peak) of the inhibitory conductance"},
    [P(I_E)] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
};
static const char *const state_names[] = {"V_m", "g_ex", "dg_ex", "g_in", "dg_in",
                                          "refractory_steps", "integration_step"};
static const char *const state_units[] = {"mV", "nS", "nS/ms", "nS", "nS/ms", "", "ms"};
enum { PORT_EX, PORT_IN };
enum { V, G_EX, DG_EX, G_IN, DG_IN, DIM };

SF_ODE_RHS rhs(const double *restrict y, double *restrict f, const void *vc)
{
    const sf_ode_cond_ctx *c = vc;
    const double *p = c->p;
    const double v = c->refractory ? p[P(V_RESET)] : fmin(y[V], p[P(V_TH)]);
    const double i_ex = y[G_EX] * (v - p[P(E_EX)]);
    const double i_in = y[G_IN] * (v - p[P(E_IN)]);
    const double i_l = p[P(G_L)] * (v - p[P(E_L)]);
    f[V] = c->refractory ? 0.0 : (-i_l - i_ex - i_in + c->i_stim + p[P(I_E)]) / p[P(C_M)];
    f[DG_EX] = -y[DG_EX] / p[P(TAU_SYN_EX)];
    f[G_EX] = y[DG_EX] - y[G_EX] / p[P(TAU_SYN_EX)];
    f[DG_IN] = -y[DG_IN] / p[P(TAU_SYN_IN)];
    f[G_IN] = y[DG_IN] - y[G_IN] / p[P(TAU_SYN_IN)];
}

static bool check(const double *p, char *msg, size_t len)
{
    return sf_prop_check_reset(p[P(V_RESET)], p[P(V_TH)], msg, len);
}

static void prepare(const double *p, double h, void *out)
{
    sf_ode_cond_derived *d = out;
    d->ref_steps = sf_prop_steps(p[P(T_REF)], h);
    d->g0_ex = M_E / p[P(TAU_SYN_EX)]; /* e / tau_syn: dg' jump per nS of weight */
    d->g0_in = M_E / p[P(TAU_SYN_IN)];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    sf_ode_init_rest(s, n, 7, p[P(E_L)]);
}

static const sf_ode_cond_layout layout = {DIM, DG_EX, DG_IN, P(V_TH), P(V_RESET), rhs};

SF_ODE_UPDATE static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    return sf_ode_cond_update(&layout, p, dv, s, n, input, i_dc, spikes, step);
}

static const sf_receptor_port ports[] = {
    [PORT_EX] = {"ex", P(TAU_SYN_EX), +1, "excitatory conductance g_ex (weights >= 0, nS: peak of the alpha function)"},
    [PORT_IN] = {"in", P(TAU_SYN_IN), -1, "inhibitory conductance g_in (weights <= 0, nS; peak |w|)"},
};

const sf_neuron_type sf_iaf_cond_alpha = {
    .name = "iaf_cond_alpha",
    .doc = "Leaky integrate-and-fire neuron with alpha-shaped synaptic conductances, "
           "as NEST 3.x iaf_cond_alpha. "
           "C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_dc, "
           "dg_x/dt = dg_x' - g_x/tau_syn_x, d(dg_x')/dt = -dg_x'/tau_syn_x: a weight w "
           "(nS) gives g_x(t) = |w| (t/tau_syn_x) e^{1 - t/tau_syn_x}, peak |w| at "
           "tau_syn_x (dg_x' jumps by e |w|/tau_syn_x at the end of the step; w > 0 port "
           "ex, w < 0 port in). Adaptive RKF45 (GSL's scheme, NEST's tolerance eps_abs = "
           "1e-3) with the integration step carried per neuron; V bounded by V_th in the "
           "equations; spike when V >= V_th after a step, then V = V_reset, clamped for "
           "t_ref with dV/dt = 0.",
    .params = params,
    .n_params = P(N_PARAMS),
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 7,
    .ports = ports,
    .n_ports = 2,
    .default_port = sf_prop_port_by_sign,
    .v_offset_param = -1,
    .weight_unit = "nS",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(sf_ode_cond_derived),
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
