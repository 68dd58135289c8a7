/* izhikevich: the simple spiking neuron of Izhikevich (2003, IEEE Trans
 * Neural Netw 14:1569), with NEST 3.x's names, defaults and numerics.
 *
 *   dV/dt = 0.04 V^2 + 5 V + 140 - U + I_e + I_dc
 *   dU/dt = a (b V - U)
 *   V >= V_th:  spike, V <- c, U <- U + d;  V is bounded below by V_min.
 * Input spikes (weights in mV) are jumps of V.
 *
 * One step h, as NEST does it:
 *  consistent_integration = 1 (default): forward Euler on the old values,
 *    V' = V + h f(V, U) + J,  U' = U + h a (b V - U);
 *  consistent_integration = 0: the published numerics (two half steps of V,
 *    then U from the new V; the input J enters both half steps as a current),
 *    V1 = V + h/2 (f(V, U) + J),  V' = V1 + h/2 (f(V1, U) + J),
 *    U' = U + h a (b V' - U);
 * with f(V, U) = 0.04 V^2 + 5 V + 140 - U + I_e + I_dc; then V' <- max(V', V_min),
 * then the threshold. The DC current of inputs acts in the step it is given
 * (NEST delays a current generator's current by one step). The published
 * numerics assume h = 1 ms (NEST says so too); with other steps they
 * integrate a different system.
 *
 * State: [0] V_m (mV), [1] U_m. Initial state V_m = -65 mV, U_m = 0 (NEST's). */
#include "model/model_impl.h"
#include "neurons/izhikevich.h"

#include <math.h>
#include <stdio.h>

#define P(k) SF_IZHIKEVICH_##k

static const sf_param_spec params[P(N_PARAMS)] = {
    [P(A)] = {"a", "", 0.02, -1e6, 1e6, false, "time scale of the recovery variable U (1/ms)"},
    [P(B)] = {"b", "", 0.2, -1e6, 1e6, false, "sensitivity of U to V (1/ms)"},
    [P(C)] = {"c", "mV", -65.0, -1e6, 1e6, false, "after-spike reset value of V"},
    [P(D)] = {"d", "mV", 8.0, -1e6, 1e6, false, "after-spike increment of U"},
    [P(I_E)] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant input current (R = 1)"},
    [P(V_TH)] = {"V_th", "mV", 30.0, -1e6, 1e6, false, "spike threshold (peak)"},
    [P(V_MIN)] = {"V_min", "mV", -INFINITY, -INFINITY, 1e6, false,
                  "lower bound of the membrane potential"},
    [P(CONSISTENT_INTEGRATION)] = {"consistent_integration", "bool", 1.0, 0.0, 1.0, false,
                                   "true: forward Euler; false: the published numerics of "
                                   "Izhikevich (2003), for h = 1 ms"},
};
static const char *const state_names[] = {"V_m", "U_m"};
static const char *const state_units[] = {"mV", "mV"};

static bool check(const double *p, char *msg, size_t len)
{
    double ci = p[P(CONSISTENT_INTEGRATION)];
    if (ci != 0.0 && ci != 1.0) {
        snprintf(msg, len, "consistent_integration must be true or false (1 or 0), not %g", ci);
        return false;
    }
    return true;
}

typedef struct {
    double h;
} derived;

static void prepare(const double *p, double h, void *out)
{
    ((derived *)out)->h = h;
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s[0][i] = -65.0;
        s[1][i] = 0.0;
    }
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    const double h = ((const derived *)dv)->h, a = p[P(A)], b = p[P(B)], c = p[P(C)],
                 d = p[P(D)], vth = p[P(V_TH)], vmin = p[P(V_MIN)], I = p[P(I_E)] + i_dc;
    double *restrict v = s[0], *restrict u = s[1];
    const double *restrict in = input[0];
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    size_t ns = 0;
    if (p[P(CONSISTENT_INTEGRATION)] != 0.0) {
        for (size_t i = 0; i < n; i++) {
            const double v0 = v[i], u0 = u[i], Ii = ix ? I + ix[i] : I;
            v[i] = v0 + h * (0.04 * v0 * v0 + 5.0 * v0 + 140.0 - u0 + Ii) + in[i];
            u[i] = u0 + h * a * (b * v0 - u0);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const double J = in[i], Ii = ix ? I + ix[i] : I;
            double x = v[i];
            x += 0.5 * h * (0.04 * x * x + 5.0 * x + 140.0 - u[i] + Ii + J);
            x += 0.5 * h * (0.04 * x * x + 5.0 * x + 140.0 - u[i] + Ii + J);
            v[i] = x;
            u[i] += h * a * (b * x - u[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < vmin)
            v[i] = vmin;
        if (v[i] >= vth) {
            v[i] = c;
            u[i] += d;
            spikes[ns++] = (uint32_t)i;
        }
    }
    return ns;
}

const sf_neuron_type sf_izhikevich = {
    .name = "izhikevich",
    .doc = "Izhikevich (2003) simple model: dV/dt = 0.04 V^2 + 5 V + 140 - U + I_e, "
           "dU/dt = a (b V - U); at V >= V_th: V <- c, U <- U + d; V bounded below by V_min; "
           "input spikes (weights in mV) are jumps of V. Forward Euler "
           "(consistent_integration: true, default) or the published numerics (two half "
           "steps of V, then U from the new V; false, meant for h = 1 ms). As NEST 3.x izhikevich.",
    .params = params,
    .n_params = P(N_PARAMS),
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 2,
    .ports = sf_port_single,
    .n_ports = 1,
    .v_offset_param = -1,
    .weight_unit = "mV",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(derived),
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
