/* iaf_psc_alpha: leaky integrate-and-fire neuron with alpha-shaped synaptic
 * currents (NEST 3.x iaf_psc_alpha: names, parameters, defaults, units).
 *
 *   tau_m dV/dt = -(V - E_L) + tau_m/C_m (I_ex + I_in + I_e + I_dc)
 *   an input spike of weight w (pA) at t0 adds w (e/tau) (t - t0) e^{-(t-t0)/tau}
 *   to I_ex (w >= 0, tau = tau_syn_ex) or I_in (w < 0, tau = tau_syn_in):
 *   the current peaks at w, tau after the spike.
 * Each current is the second component of the linear system
 *   d(dI)/dt = -dI/tau,  dI/dt = dI - I/tau,   a spike makes dI jump by w e/tau.
 * Exact integration (Rotter & Diesmann 1999, Biol Cybern 81:381), per step h,
 * in NEST's order of updates:
 *   y <- P22 y + P31x dI_x + P32x I_x + P20 (I_e + I_dc), y = V - E_L   (not refractory),
 *        then bounded below by V_min
 *   I_x <- P11x I_x + h P11x dI_x,  dI_x <- P11x dI_x
 *   dI_x += (e/tau_x) (input of this step)
 *   y >= V_th - E_L: spike, y <- V_reset - E_L, refractory for t_ref
 * with P22 = e^{-h/tau_m}, P11x = e^{-h/tau_x}, P20 = tau_m/C_m (1 - P22), P32x
 * the exponential current's propagator and P31x the alpha one (propagator.h),
 * both exact also in the singular case tau_x = tau_m. During the refractory
 * period V is clamped at V_reset while the currents go on integrating input.
 * The DC current of inputs (I_dc) acts in the step it is given, like I_e
 * (the convention of every model here; NEST delays a current generator's
 * current by one step).
 *
 * State: [0] V_m (relative to E_L), [1] I_syn_ex, [2] I_syn_in (pA),
 *        [3] dI_syn_ex, [4] dI_syn_in (pA/ms), [5] remaining refractory steps. */
#include "neurons/propagator.h"
#include "model/model_impl.h"
#include "neurons/iaf_psc_alpha.h"

#include <stdio.h>

#define P(k) SF_IAF_PSC_ALPHA_##k

static const sf_param_spec params[P(N_PARAMS)] = {
    [P(E_L)] = {"E_L", "mV", -70.0, -1e6, 1e6, false, "resting potential"},
    [P(C_M)] = {"C_m", "pF", 250.0, 0.0, 1e9, true, "membrane capacitance"},
    [P(TAU_M)] = {"tau_m", "ms", 10.0, 0.0, 1e9, true, "membrane time constant"},
    [P(TAU_SYN_EX)] = {"tau_syn_ex", "ms", 2.0, 0.0, 1e9, true,
                       "rise time of the excitatory synaptic alpha function"},
    [P(TAU_SYN_IN)] = {"tau_syn_in", "ms", 2.0, 0.0, 1e9, true,
                       "rise time of the inhibitory synaptic alpha function"},
    [P(T_REF)] = {"t_ref", "ms", 2.0, 0.0, 1e9, false, "absolute refractory period"},
    [P(V_TH)] = {"V_th", "mV", -55.0, -1e6, 1e6, false, "spike threshold"},
    [P(V_RESET)] = {"V_reset", "mV", -70.0, -1e6, 1e6, false, "reset potential"},
    [P(I_E)] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
    [P(V_MIN)] = {"V_min", "mV", -INFINITY, -INFINITY, 1e6, false,
                  "lower bound of the membrane potential"},
};
static const char *const state_names[] = {"V_m",       "I_syn_ex",  "I_syn_in",
                                          "dI_syn_ex", "dI_syn_in", "refractory_steps"};
static const char *const state_units[] = {"mV", "pA", "pA", "pA/ms", "pA/ms", ""};
enum { PORT_EX, PORT_IN };

typedef struct {
    double p22, p20, p11ex, p11in, p21ex, p21in, p31ex, p31in, p32ex, p32in;
    double jump_ex, jump_in; /* e / tau: dI per pA of weight */
    double ref_steps, v_th, v_reset, v_min;
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    return sf_prop_check_reset(p[P(V_RESET)], p[P(V_TH)], msg, len);
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    const double tm = p[P(TAU_M)], c = p[P(C_M)], te = p[P(TAU_SYN_EX)], ti = p[P(TAU_SYN_IN)];
    d->p22 = exp(-h / tm);
    d->p20 = sf_prop_p20(tm, c, h);
    d->p11ex = exp(-h / te);
    d->p11in = exp(-h / ti);
    d->p21ex = h * d->p11ex;
    d->p21in = h * d->p11in;
    d->p31ex = sf_prop_p31(te, tm, c, h);
    d->p31in = sf_prop_p31(ti, tm, c, h);
    d->p32ex = sf_prop_p21(te, tm, c, h);
    d->p32in = sf_prop_p21(ti, tm, c, h);
    d->jump_ex = M_E / te;
    d->jump_in = M_E / ti;
    d->ref_steps = sf_prop_steps(p[P(T_REF)], h);
    d->v_th = p[P(V_TH)] - p[P(E_L)];
    d->v_reset = p[P(V_RESET)] - p[P(E_L)];
    d->v_min = p[P(V_MIN)] - p[P(E_L)];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (int k = 0; k < 6; k++)
        for (size_t i = 0; i < n; i++)
            s[k][i] = 0.0;
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    const derived *d = dv;
    double *restrict v = s[0], *restrict iex = s[1], *restrict iin = s[2];
    double *restrict dex = s[3], *restrict din = s[4], *restrict r = s[5];
    const double *restrict in_ex = input[PORT_EX], *restrict in_in = input[PORT_IN];
    const double drive = d->p20 * (p[P(I_E)] + i_dc);
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i] == 0.0) {
            double y = d->p22 * v[i] + d->p31ex * dex[i] + d->p32ex * iex[i] +
                       d->p31in * din[i] + d->p32in * iin[i] + drive +
                       (ix ? d->p20 * ix[i] : 0.0);
            v[i] = y < d->v_min ? d->v_min : y;
        } else {
            r[i] -= 1.0;
        }
        iex[i] = d->p11ex * iex[i] + d->p21ex * dex[i];
        iin[i] = d->p11in * iin[i] + d->p21in * din[i];
        dex[i] = d->p11ex * dex[i] + d->jump_ex * in_ex[i];
        din[i] = d->p11in * din[i] + d->jump_in * in_in[i];
        if (sf_prop_fire(&v[i], &r[i], d->v_th, d->v_reset, d->ref_steps))
            spikes[ns++] = (uint32_t)i;
    }
    return ns;
}

static const sf_receptor_port ports[] = {
    [PORT_EX] = {"ex", P(TAU_SYN_EX), +1, "excitatory alpha current I_syn_ex (weights >= 0)"},
    [PORT_IN] = {"in", P(TAU_SYN_IN), -1, "inhibitory alpha current I_syn_in (weights <= 0)"},
};


const sf_neuron_type sf_iaf_psc_alpha = {
    .name = "iaf_psc_alpha",
    .doc = "Leaky integrate-and-fire neuron with alpha-shaped synaptic currents "
           "(a weight w in pA gives the current w e/tau t e^{-t/tau}, peak w at t = tau; "
           "ports ex and in, chosen by the sign of the weight unless a receptor is named). "
           "tau_m dV/dt = -(V - E_L) + tau_m/C_m (I_syn_ex + I_syn_in + I_e); exact "
           "integration (Rotter & Diesmann 1999) including tau_syn = tau_m, in NEST's order "
           "(V, then the currents, then this step's input, then the threshold): per step h, "
           "y <- e^{-h/tau_m} y + P31 dI + P32 I + P20 I_e, I <- e^{-h/tau} (I + h dI), "
           "dI <- e^{-h/tau} dI + (e/tau) w, with P20 = tau_m/C_m (1 - e^{-h/tau_m}), "
           "P32 = (h/C_m) e^{-h/tau} exprel(x), P31 = (h^2/(2 C_m)) e^{-h/tau} exprel_2(x), "
           "x = h (1/tau - 1/tau_m), exact at tau = tau_m; V is "
           "clamped at V_reset for t_ref while the currents integrate input, and bounded "
           "below by V_min. As NEST 3.x iaf_psc_alpha.",
    .params = params,
    .n_params = P(N_PARAMS),
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 6,
    .ports = ports,
    .n_ports = 2,
    .default_port = sf_prop_port_by_sign,
    .v_offset_param = P(E_L),
    .weight_unit = "pA",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(derived),
    .derived_finite = 15, /* all but v_min, which may be -inf */
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
