/* iaf_psc_delta: leaky integrate-and-fire neuron with delta-shaped synaptic
 * input (NEST's model of the same name and parameters).
 *
 *   tau_m dV/dt = -(V - E_L) + tau_m/C_m (I_e + I_dc),
 *   an input spike of weight J (mV) makes V jump by J.
 * Exact integration over a step h (Rotter & Diesmann 1999):
 *   y <- P33 y + P30 (I_e + I_dc) + J_sum,   y = V - E_L,
 *   P33 = e^{-h/tau_m}, P30 = tau_m/C_m (1 - P33).
 * On V >= V_th: spike, V <- V_reset, then V is clamped for t_ref; input that
 * arrives during the refractory period is discarded (NEST's default
 * refractory_input = false). V is bounded below by V_min.
 *
 * State: [0] V_m (stored relative to E_L), [1] remaining refractory steps. */
#include "neurons/propagator.h"
#include "model/model_impl.h"
#include "neurons/iaf_psc_delta.h"

#include <stdio.h>


static const sf_param_spec params[SF_IAF_PSC_DELTA_N_PARAMS] = {
    [SF_IAF_PSC_DELTA_E_L] = {"E_L", "mV", -70.0, -1e6, 1e6, false, "resting potential"},
    [SF_IAF_PSC_DELTA_C_M] = {"C_m", "pF", 250.0, 0.0, 1e9, true, "membrane capacitance"},
    [SF_IAF_PSC_DELTA_TAU_M] = {"tau_m", "ms", 10.0, 0.0, 1e9, true, "membrane time constant"},
    [SF_IAF_PSC_DELTA_T_REF] = {"t_ref", "ms", 2.0, 0.0, 1e9, false, "absolute refractory period"},
    [SF_IAF_PSC_DELTA_V_TH] = {"V_th", "mV", -55.0, -1e6, 1e6, false, "spike threshold"},
    [SF_IAF_PSC_DELTA_V_RESET] = {"V_reset", "mV", -70.0, -1e6, 1e6, false, "reset potential"},
    [SF_IAF_PSC_DELTA_I_E] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
    [SF_IAF_PSC_DELTA_V_MIN] = {"V_min", "mV", -INFINITY, -INFINITY, 1e6, false,
               "lower bound of the membrane potential"},
};
static const char *const state_names[] = {"V_m", "refractory_steps"};
static const char *const state_units[] = {"mV", ""};

typedef struct {
    double p33, p30, ref_steps, v_th, v_reset; /* relative to E_L; finite */
    double v_min; /* may be -inf (no lower bound) */
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    return sf_prop_check_reset(p[SF_IAF_PSC_DELTA_V_RESET], p[SF_IAF_PSC_DELTA_V_TH], msg, len);
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->p33 = exp(-h / p[SF_IAF_PSC_DELTA_TAU_M]);
    d->p30 = sf_prop_p20(p[SF_IAF_PSC_DELTA_TAU_M], p[SF_IAF_PSC_DELTA_C_M], h);
    d->ref_steps = sf_prop_steps(p[SF_IAF_PSC_DELTA_T_REF], h);
    d->v_th = p[SF_IAF_PSC_DELTA_V_TH] - p[SF_IAF_PSC_DELTA_E_L];
    d->v_reset = p[SF_IAF_PSC_DELTA_V_RESET] - p[SF_IAF_PSC_DELTA_E_L];
    d->v_min = p[SF_IAF_PSC_DELTA_V_MIN] - p[SF_IAF_PSC_DELTA_E_L];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s[0][i] = 0.0;
        s[1][i] = 0.0;
    }
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step)
{
    const derived *d = dv;
    double *restrict v = s[0], *restrict r = s[1];
    const double *restrict in = input[0];
    const double drive = d->p30 * (p[SF_IAF_PSC_DELTA_I_E] + i_dc);
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i] == 0.0) {
            double y = d->p33 * v[i] + drive + in[i] + (ix ? d->p30 * ix[i] : 0.0);
            v[i] = y < d->v_min ? d->v_min : y;
        } else {
            r[i] -= 1.0;
        }
        if (sf_prop_fire(&v[i], &r[i], d->v_th, d->v_reset, d->ref_steps))
            spikes[ns++] = (uint32_t)i;
    }
    return ns;
}

const sf_neuron_type sf_iaf_psc_delta = {
    .name = "iaf_psc_delta",
    .doc = "Leaky integrate-and-fire neuron, delta-shaped synaptic input (weights in "
           "mV are jumps of V), exact integration, absolute refractory period during "
           "which V is clamped at V_reset and input is discarded. As NEST iaf_psc_delta.",
    .params = params,
    .n_params = SF_IAF_PSC_DELTA_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 2,
    .ports = sf_port_single,
    .n_ports = 1,
    .v_offset_param = SF_IAF_PSC_DELTA_E_L,
    .weight_unit = "mV",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(derived),
    .derived_finite = 5,
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
