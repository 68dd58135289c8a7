/* iaf_psc_exp: leaky integrate-and-fire neuron with exponentially decaying
 * synaptic currents (NEST's model of the same name and parameters).
 *
 *   tau_m dV/dt = -(V - E_L) + tau_m/C_m (I_ex + I_in + I_e + I_dc)
 *   tau_syn_ex dI_ex/dt = -I_ex,  tau_syn_in dI_in/dt = -I_in,
 *   an input spike of weight w (pA) makes I_ex (w > 0) or I_in (w < 0) jump by w.
 * Exact integration (Rotter & Diesmann 1999), per step h, in NEST's order:
 *   y <- P22 y + P21ex I_ex + P21in I_in + P20 (I_e + I_dc)   (not refractory)
 *   I_x <- P11x I_x + (input of this step)
 * with P22 = e^{-h/tau_m}, P11x = e^{-h/tau_syn_x}, P20 = tau_m/C_m (1 - P22)
 * and P21x the current-to-voltage propagator (propagator.h), which is exact
 * also in the singular case tau_syn_x = tau_m. During the refractory period V
 * is held at V_reset while the synaptic currents go on integrating input.
 *
 * State: [0] V_m (relative to E_L), [1] I_syn_ex, [2] I_syn_in,
 *        [3] remaining refractory steps. */
#include "neurons/propagator.h"
#include "model/model_impl.h"
#include "neurons/iaf_psc_exp.h"

#include <stdio.h>


static const sf_param_spec params[SF_IAF_PSC_EXP_N_PARAMS] = {
    [SF_IAF_PSC_EXP_E_L] = {"E_L", "mV", -70.0, -1e6, 1e6, false, "resting potential"},
    [SF_IAF_PSC_EXP_C_M] = {"C_m", "pF", 250.0, 0.0, 1e9, true, "membrane capacitance"},
    [SF_IAF_PSC_EXP_TAU_M] = {"tau_m", "ms", 10.0, 0.0, 1e9, true, "membrane time constant"},
    [SF_IAF_PSC_EXP_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, 0.0, 1e9, true,
                    "time constant of the excitatory synaptic current"},
    [SF_IAF_PSC_EXP_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, 0.0, 1e9, true,
                    "time constant of the inhibitory synaptic current"},
    [SF_IAF_PSC_EXP_T_REF] = {"t_ref", "ms", 2.0, 0.0, 1e9, false, "absolute refractory period"},
    [SF_IAF_PSC_EXP_V_TH] = {"V_th", "mV", -55.0, -1e6, 1e6, false, "spike threshold"},
    [SF_IAF_PSC_EXP_V_RESET] = {"V_reset", "mV", -70.0, -1e6, 1e6, false, "reset potential"},
    [SF_IAF_PSC_EXP_I_E] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
};
static const char *const state_names[] = {"V_m", "I_syn_ex", "I_syn_in", "refractory_steps"};
static const char *const state_units[] = {"mV", "pA", "pA", ""};
enum { PORT_EX, PORT_IN }; /* receptor ports: input[PORT_EX], input[PORT_IN] */

typedef struct {
    double p22, p20, p21ex, p21in, p11ex, p11in, ref_steps, v_th, v_reset;
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    return sf_prop_check_reset(p[SF_IAF_PSC_EXP_V_RESET], p[SF_IAF_PSC_EXP_V_TH], msg, len);
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->p22 = exp(-h / p[SF_IAF_PSC_EXP_TAU_M]);
    d->p20 = sf_prop_p20(p[SF_IAF_PSC_EXP_TAU_M], p[SF_IAF_PSC_EXP_C_M], h);
    d->p21ex = sf_prop_p21(p[SF_IAF_PSC_EXP_TAU_SYN_EX], p[SF_IAF_PSC_EXP_TAU_M], p[SF_IAF_PSC_EXP_C_M], h);
    d->p21in = sf_prop_p21(p[SF_IAF_PSC_EXP_TAU_SYN_IN], p[SF_IAF_PSC_EXP_TAU_M], p[SF_IAF_PSC_EXP_C_M], h);
    d->p11ex = exp(-h / p[SF_IAF_PSC_EXP_TAU_SYN_EX]);
    d->p11in = exp(-h / p[SF_IAF_PSC_EXP_TAU_SYN_IN]);
    d->ref_steps = sf_prop_steps(p[SF_IAF_PSC_EXP_T_REF], h);
    d->v_th = p[SF_IAF_PSC_EXP_V_TH] - p[SF_IAF_PSC_EXP_E_L];
    d->v_reset = p[SF_IAF_PSC_EXP_V_RESET] - p[SF_IAF_PSC_EXP_E_L];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < n; i++)
            s[k][i] = 0.0;
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step)
{
    const derived *d = dv;
    double *restrict v = s[0], *restrict iex = s[1], *restrict iin = s[2], *restrict r = s[3];
    const double *restrict in_ex = input[PORT_EX], *restrict in_in = input[PORT_IN];
    const double drive = d->p20 * (p[SF_IAF_PSC_EXP_I_E] + i_dc);
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i] == 0.0)
            v[i] = d->p22 * v[i] + d->p21ex * iex[i] + d->p21in * iin[i] + drive +
                   (ix ? d->p20 * ix[i] : 0.0);
        else
            r[i] -= 1.0;
        iex[i] = d->p11ex * iex[i] + in_ex[i];
        iin[i] = d->p11in * iin[i] + in_in[i];
        if (sf_prop_fire(&v[i], &r[i], d->v_th, d->v_reset, d->ref_steps))
            spikes[ns++] = (uint32_t)i;
    }
    return ns;
}

static const sf_receptor_port ports[] = {
    [PORT_EX] = {"ex", SF_IAF_PSC_EXP_TAU_SYN_EX, +1, "excitatory current I_syn_ex (weights >= 0)"},
    [PORT_IN] = {"in", SF_IAF_PSC_EXP_TAU_SYN_IN, -1, "inhibitory current I_syn_in (weights <= 0)"},
};


const sf_neuron_type sf_iaf_psc_exp = {
    .name = "iaf_psc_exp",
    .doc = "Leaky integrate-and-fire neuron with exponentially decaying synaptic "
           "currents (weights in pA; ports ex and in, chosen by the sign of the "
           "weight unless a receptor is named: w >= 0 ex, w < 0 in), exact "
           "integration including tau_syn = tau_m, absolute refractory period during "
           "which V is clamped while synaptic currents integrate input. As NEST iaf_psc_exp.",
    .params = params,
    .n_params = SF_IAF_PSC_EXP_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 4,
    .ports = ports,
    .n_ports = 2,
    .default_port = sf_prop_port_by_sign,
    .v_offset_param = SF_IAF_PSC_EXP_E_L,
    .weight_unit = "pA",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(derived),
    .derived_finite = sizeof(derived) / sizeof(double),
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
