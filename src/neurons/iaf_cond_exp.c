/* iaf_cond_exp: leaky integrate-and-fire neuron with exponentially decaying
 * synaptic conductances, NEST 3.x's model of the same name, parameters,
 * defaults and update (Meffin et al. 2004; Kumar et al. 2008; the neuron of
 * the Vogels & Abbott 2005 COBA benchmark, Brette et al. 2007).
 *
 *   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_dc
 *   dg_ex/dt = -g_ex / tau_syn_ex,   dg_in/dt = -g_in / tau_syn_in
 *
 * Integration (src/neurons/ode.h): adaptive RKF45 over each step h with GSL's
 * y-control, eps_abs = 1e-3, eps_rel = 0 (NEST's gsl_odeiv_control_y_new(1e-3,
 * 0)); the integration step size is carried per neuron from step to step,
 * starting at h. In the right-hand side V is bounded by V_th and, while
 * refractory, held at V_reset with dV/dt = 0. At the end of a step, in NEST's
 * order: the step's input adds to the conductances (a weight w > 0 nS to
 * g_ex, w < 0 to g_in as |w|); then a refractory neuron counts down and is
 * clamped to V_reset, otherwise V >= V_th emits a spike, sets V = V_reset and
 * starts t_ref (rounded to whole steps).
 *
 * State: [0] V_m (mV, absolute), [1] g_ex, [2] g_in (nS), [3] remaining
 * refractory steps, [4] integration step (ms; 0: not started). */
#include "model/model_impl.h"
#include "neurons/iaf_cond_exp.h"
#include "neurons/ode.h"
#include "neurons/propagator.h"

#include <stdio.h>

#define P(x) SF_IAF_COND_EXP_##x

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
                       "decay time of the excitatory conductance"},
    [P(TAU_SYN_IN)] = {"tau_syn_in", "ms", 2.0, 0.0, 1e9, true,
                       "decay time of the inhibitory conductance"},
    [P(I_E)] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
};
static const char *const state_names[] = {"V_m", "g_ex", "g_in", "refractory_steps",
                                          "integration_step"};
static const char *const state_units[] = {"mV", "nS", "nS", "", "ms"};
enum { PORT_EX, PORT_IN };
enum { V, G_EX, G_IN, DIM };

SF_ODE_RHS rhs(const double *restrict y, double *restrict f, const void *vc)
{
    const sf_ode_cond_ctx *c = vc;
    const double *p = c->p;
    const double v = c->refractory ? p[P(V_RESET)] : fmin(y[V], p[P(V_TH)]);
    const double i_ex = y[G_EX] * (v - p[P(E_EX)]);
    const double i_in = y[G_IN] * (v - p[P(E_IN)]);
    const double i_l = p[P(G_L)] * (v - p[P(E_L)]);
    f[V] = c->refractory ? 0.0 : (-i_l + c->i_stim + p[P(I_E)] - i_ex - i_in) / p[P(C_M)];
    f[G_EX] = -y[G_EX] / p[P(TAU_SYN_EX)];
    f[G_IN] = -y[G_IN] / p[P(TAU_SYN_IN)];
}

static bool check(const double *p, char *msg, size_t len)
{
    return sf_prop_check_reset(p[P(V_RESET)], p[P(V_TH)], msg, len);
}

static void prepare(const double *p, double h, void *out)
{
    sf_ode_cond_derived *d = out;
    d->ref_steps = sf_prop_steps(p[P(T_REF)], h);
    d->g0_ex = d->g0_in = 1.0; /* the input is a jump of g */
}

static void init_state(const double *p, double *const *s, size_t n)
{
    sf_ode_init_rest(s, n, 5, p[P(E_L)]);
}

static const sf_ode_cond_layout layout = {DIM, G_EX, G_IN, P(V_TH), P(V_RESET), rhs};

SF_ODE_UPDATE static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    return sf_ode_cond_update(&layout, p, dv, s, n, input, i_dc, spikes, step);
}

static const sf_receptor_port ports[] = {
    [PORT_EX] = {"ex", P(TAU_SYN_EX), +1, "excitatory conductance g_ex (weights >= 0, nS)"},
    [PORT_IN] = {"in", P(TAU_SYN_IN), -1, "inhibitory conductance g_in (weights <= 0, nS; g_in grows by |w|)"},
};

const sf_neuron_type sf_iaf_cond_exp = {
    .name = "iaf_cond_exp",
    .doc = "Leaky integrate-and-fire neuron with exponentially decaying synaptic "
           "conductances, as NEST 3.x iaf_cond_exp. "
           "C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_dc, "
           "dg_ex/dt = -g_ex/tau_syn_ex, dg_in/dt = -g_in/tau_syn_in. Weights in nS: "
           "w > 0 adds w to g_ex (port ex), w < 0 adds |w| to g_in (port in), at the end "
           "of the step. Adaptive RKF45 (GSL's scheme, NEST's tolerance eps_abs = 1e-3) "
           "with the integration step carried per neuron; V bounded by V_th in the "
           "equations; spike when V >= V_th after a step, then V = V_reset, clamped "
           "for t_ref with dV/dt = 0.",
    .params = params,
    .n_params = P(N_PARAMS),
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 5,
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
