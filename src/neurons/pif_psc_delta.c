/* pif_psc_delta: perfect (non-leaky) integrator with delta-shaped input and
 * an overshoot-preserving reset (Helias et al. 2010, arXiv:1010.3537; see
 * science notes spiking.md §1).
 *
 *   dV/dt = (I_e + I_dc)/C_m + sum_k w_k delta(t - t_k)
 * When V reaches V_th + delta (delta >= 0) the neuron spikes and V becomes
 * V_reset + delta, i.e. V <- V - (V_th - V_reset); if V is still above
 * threshold it spikes again in the same step (a jump w > V_th - V_reset can
 * cause several spikes), at most max_spikes_per_step = 8 times per step; a
 * remaining excess stays in V and is released in the next step. There is no
 * refractory period. With V uniform on [V_reset, V_th) and excitatory Poisson
 * input of rate nu and weight w < L, the output rate is exactly nu w / L.
 *
 * State: [0] V_m (absolute, mV). */
#include "model/model_impl.h"
#include "neurons/pif_psc_delta.h"
#include "neurons/propagator.h"

#include <stdio.h>

#define PIF_MAX_SPIKES 8

static const sf_param_spec params[SF_PIF_PSC_DELTA_N_PARAMS] = {
    [SF_PIF_PSC_DELTA_C_M] = {"C_m", "pF", 250.0, 0.0, 1e9, true, "membrane capacitance"},
    [SF_PIF_PSC_DELTA_V_TH] = {"V_th", "mV", 20.0, -1e6, 1e6, false, "spike threshold"},
    [SF_PIF_PSC_DELTA_V_RESET] = {"V_reset", "mV", 0.0, -1e6, 1e6, false, "reset potential"},
    [SF_PIF_PSC_DELTA_I_E] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
};
static const char *const state_names[] = {"V_m"};
static const char *const state_units[] = {"mV"};

typedef struct {
    double h_over_c, L;
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    return sf_prop_check_reset(p[SF_PIF_PSC_DELTA_V_RESET], p[SF_PIF_PSC_DELTA_V_TH], msg, len);
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->h_over_c = h / p[SF_PIF_PSC_DELTA_C_M];
    d->L = p[SF_PIF_PSC_DELTA_V_TH] - p[SF_PIF_PSC_DELTA_V_RESET];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[0][i] = p[SF_PIF_PSC_DELTA_V_RESET];
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step)
{
    const derived *d = dv;
    double *restrict v = s[0];
    const double *restrict in = input[0];
    const double drift = d->h_over_c * (p[SF_PIF_PSC_DELTA_I_E] + i_dc), vth = p[SF_PIF_PSC_DELTA_V_TH];
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] += drift + in[i] + (ix ? d->h_over_c * ix[i] : 0.0);
        for (int k = 0; k < PIF_MAX_SPIKES && v[i] >= vth; k++) {
            v[i] -= d->L;
            spikes[ns++] = (uint32_t)i;
        }
    }
    return ns;
}

const sf_neuron_type sf_pif_psc_delta = {
    .name = "pif_psc_delta",
    .doc = "Perfect integrate-and-fire neuron (no leak) with delta-shaped input "
           "(weights in mV) and an overshoot-preserving reset V <- V - (V_th - V_reset) "
           "(Helias et al. 2010). No refractory period.",
    .params = params,
    .n_params = SF_PIF_PSC_DELTA_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 1,
    .ports = sf_port_single,
    .n_ports = 1,
    .v_offset_param = -1,
    .weight_unit = "mV",
    .max_spikes_per_step = PIF_MAX_SPIKES,
    .derived_size = sizeof(derived),
    .derived_finite = sizeof(derived) / sizeof(double),
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
