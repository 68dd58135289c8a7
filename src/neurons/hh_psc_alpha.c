/* hh_psc_alpha: Hodgkin-Huxley neuron with alpha-shaped synaptic currents,
 * NEST 3.x's model of the same name, parameters, defaults and update
 * (Hodgkin & Huxley 1952; Gerstner & Kistler 2002; Dayan & Abbott 2001).
 *
 *   C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
 *               + I_syn_ex + I_syn_in + I_e + I_dc
 *   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x   for x = m, h, n, with (V in mV, 1/ms)
 *     alpha_n = 0.01 (V + 55) / (1 - e^{-(V + 55)/10}),  beta_n = 0.125 e^{-(V + 65)/80}
 *     alpha_m = 0.1 (V + 40) / (1 - e^{-(V + 40)/10}),    beta_m = 4 e^{-(V + 65)/18}
 *     alpha_h = 0.07 e^{-(V + 65)/20},                    beta_h = 1 / (1 + e^{-(V + 35)/10})
 *   dI_x/dt = dI_x' - I_x / tau_syn_x,  d(dI_x')/dt = -dI_x' / tau_syn_x
 *
 * A weight w (pA, sign kept: w > 0 port ex, w < 0 port in) gives
 * I_x(t) = w (t/tau) e^{1 - t/tau}, peak w: dI_x' jumps by e w / tau_syn_x.
 * Integration (src/neurons/ode.h): adaptive RKF45 over each step h with GSL's
 * y-control, eps_abs = 1e-3, eps_rel = 0 (NEST's gsl_odeiv_control_y_new(1e-3,
 * 0)), integration step carried per neuron, starting at h. At the end of a
 * step, in NEST's order: the step's input adds to dI_x'; then a refractory
 * neuron counts down (t_ref is a pseudo-refractory time: V is not clamped),
 * otherwise a spike is a local maximum of V above 0 mV seen on the grid:
 * V >= 0 and V below its value at the start of the step. Initial state: V =
 * -65 mV (not E_L, as NEST) with m, h, n at their steady state there.
 *
 * State: [0] V_m (mV), [1] Act_m, [2] Inact_h, [3] Act_n, [4] I_syn_ex,
 * [5] dI_syn_ex, [6] I_syn_in, [7] dI_syn_in (pA, pA/ms), [8] remaining
 * refractory steps, [9] integration step (ms; 0: not started). */
#include "model/model_impl.h"
#include "neurons/hh_psc_alpha.h"
#include "neurons/ode.h"
#include "neurons/propagator.h"

#define P(x) SF_HH_PSC_ALPHA_##x

static const sf_param_spec params[P(N_PARAMS)] = {
    [P(E_L)] = {"E_L", "mV", -54.402, -1e6, 1e6, false, "leak reversal potential"},
    [P(C_M)] = {"C_m", "pF", 100.0, 0.0, 1e9, true, "membrane capacitance"},
    [P(G_L)] = {"g_L", "nS", 30.0, 0.0, 1e9, false, "leak conductance"},
    [P(G_NA)] = {"g_Na", "nS", 12000.0, 0.0, 1e9, false, "sodium peak conductance"},
    [P(E_NA)] = {"E_Na", "mV", 50.0, -1e6, 1e6, false, "sodium reversal potential"},
    [P(G_K)] = {"g_K", "nS", 3600.0, 0.0, 1e9, false, "potassium peak conductance"},
    [P(E_K)] = {"E_K", "mV", -77.0, -1e6, 1e6, false, "potassium reversal potential"},
    [P(T_REF)] = {"t_ref", "ms", 2.0, 0.0, 1e9, false,
                  "pseudo-refractory time: no spike is detected (V is not clamped)"},
    [P(TAU_SYN_EX)] = {"tau_syn_ex", "ms", 0.2, 0.0, 1e9, true,
                       "rise time (time to peak) of the excitatory current"},
    [P(TAU_SYN_IN)] = {"tau_syn_in", "ms", 2.0, 0.0, 1e9, true,
                       "rise time (time to peak) of the inhibitory current"},
    [P(I_E)] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
};
static const char *const state_names[] = {"V_m", "Act_m", "Inact_h", "Act_n",
                                          "I_syn_ex", "dI_syn_ex", "I_syn_in", "dI_syn_in",
                                          "refractory_steps", "integration_step"};
static const char *const state_units[] = {"mV", "", "", "", "pA", "pA/ms", "pA", "pA/ms", "",
                                          "ms"};
enum { PORT_EX, PORT_IN };
enum { V, HH_M, HH_H, HH_N, I_EX, DI_EX, I_IN, DI_IN, DIM };

typedef struct {
    double ref_steps, i0_ex, i0_in; /* i0 = e / tau_syn: dI jump per pA of weight */
} derived;

typedef struct {
    const double *p;
    double i_stim; /* I_dc of this step, pA */
} rhs_ctx;

/* The rate functions (1/ms) at V (mV). */
typedef struct {
    double an, bn, am, bm, ah, bh;
} rates;

static rates hh_rates(double v)
{
    rates r;
    r.an = (0.01 * (v + 55.)) / (1. - exp(-(v + 55.) / 10.));
    r.bn = 0.125 * exp(-(v + 65.) / 80.);
    r.am = (0.1 * (v + 40.)) / (1. - exp(-(v + 40.) / 10.));
    r.bm = 4. * exp(-(v + 65.) / 18.);
    r.ah = 0.07 * exp(-(v + 65.) / 20.);
    r.bh = 1. / (1. + exp(-(v + 35.) / 10.));
    return r;
}

SF_ODE_RHS rhs(const double *restrict y, double *restrict f, const void *vc)
{
    const rhs_ctx *c = vc;
    const double *p = c->p;
    const double v = y[V], m = y[HH_M], h = y[HH_H], n = y[HH_N];
    const rates r = hh_rates(v);
    const double i_na = p[P(G_NA)] * m * m * m * h * (v - p[P(E_NA)]);
    const double i_k = p[P(G_K)] * n * n * n * n * (v - p[P(E_K)]);
    const double i_l = p[P(G_L)] * (v - p[P(E_L)]);
    f[V] = (-(i_na + i_k + i_l) + c->i_stim + p[P(I_E)] + y[I_EX] + y[I_IN]) / p[P(C_M)];
    f[HH_M] = r.am * (1 - m) - r.bm * m;
    f[HH_H] = r.ah * (1 - h) - r.bh * h;
    f[HH_N] = r.an * (1 - n) - r.bn * n;
    f[DI_EX] = -y[DI_EX] / p[P(TAU_SYN_EX)];
    f[I_EX] = y[DI_EX] - y[I_EX] / p[P(TAU_SYN_EX)];
    f[DI_IN] = -y[DI_IN] / p[P(TAU_SYN_IN)];
    f[I_IN] = y[DI_IN] - y[I_IN] / p[P(TAU_SYN_IN)];
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->ref_steps = sf_prop_steps(p[P(T_REF)], h);
    d->i0_ex = M_E / p[P(TAU_SYN_EX)];
    d->i0_in = M_E / p[P(TAU_SYN_IN)];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    const double v0 = -65.0;
    const rates r = hh_rates(v0);
    for (size_t i = 0; i < n; i++) {
        s[V][i] = v0;
        s[HH_M][i] = r.am / (r.am + r.bm);
        s[HH_H][i] = r.ah / (r.ah + r.bh);
        s[HH_N][i] = r.an / (r.an + r.bn);
        for (int k = I_EX; k < DIM + 2; k++)
            s[k][i] = 0.0;
    }
}

SF_ODE_UPDATE static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    const derived *d = dv;
    static const sf_ode_tol tol = {1e-3, 0.0, 1.0, 0.0};
    const double h = step->h;
    double *restrict r = s[DIM], *restrict hint = s[DIM + 1];
    const double *restrict in_ex = input[PORT_EX], *restrict in_in = input[PORT_IN];
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        /* i_ext: the per-neuron current of current inputs on a subset */
        const rhs_ctx c = {p, step->i_ext ? i_dc + step->i_ext[i] : i_dc};
        double y[DIM];
        sf_ode_load(s, i, DIM, y);
        const double v_old = y[V];
        sf_ode_advance_carried(rhs, &c, DIM, &tol, h, &hint[i], y);
        y[DI_EX] += in_ex[i] * d->i0_ex;
        y[DI_IN] += in_in[i] * d->i0_in;
        if (r[i] > 0) {
            r[i] -= 1.0;
        } else if (y[V] >= 0 && v_old > y[V]) {
            r[i] = d->ref_steps;
            spikes[ns++] = (uint32_t)i;
        }
        sf_ode_store(s, i, DIM, y);
    }
    return ns;
}

static const sf_receptor_port ports[] = {
    [PORT_EX] = {"ex", P(TAU_SYN_EX), +1, "excitatory current I_syn_ex (weights >= 0, pA: peak of the alpha function)"},
    [PORT_IN] = {"in", P(TAU_SYN_IN), -1, "inhibitory current I_syn_in (weights <= 0, pA; sign kept)"},
};

const sf_neuron_type sf_hh_psc_alpha = {
    .name = "hh_psc_alpha",
    .doc = "Hodgkin-Huxley neuron with alpha-shaped synaptic currents, as NEST 3.x "
           "hh_psc_alpha. C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) "
           "+ I_syn_ex + I_syn_in + I_e + I_dc, dx/dt = alpha_x(V)(1 - x) - beta_x(V) x for "
           "x = m (Act_m), h (Inact_h), n (Act_n) with alpha_n = 0.01(V+55)/(1-e^{-(V+55)/10}), "
           "beta_n = 0.125 e^{-(V+65)/80}, alpha_m = 0.1(V+40)/(1-e^{-(V+40)/10}), beta_m = "
           "4 e^{-(V+65)/18}, alpha_h = 0.07 e^{-(V+65)/20}, beta_h = 1/(1+e^{-(V+35)/10}) "
           "(mV, 1/ms). A weight w (pA) gives I_x(t) = w (t/tau_syn_x) e^{1 - t/tau_syn_x} "
           "(w > 0 port ex, w < 0 port in). Adaptive RKF45 (GSL's scheme, NEST's tolerance "
           "eps_abs = 1e-3) with the integration step carried per neuron. A spike is a local "
           "maximum of V above 0 mV on the grid (V >= 0 and falling over the step), then "
           "t_ref of pseudo-refractoriness without clamping. Starts at V = -65 mV with the "
           "gating variables at steady state.",
    .params = params,
    .n_params = P(N_PARAMS),
    .state_names = state_names,
    .state_units = state_units,
    .n_state = DIM + 2,
    .ports = ports,
    .n_ports = 2,
    .default_port = sf_prop_port_by_sign,
    .v_offset_param = -1,
    .weight_unit = "pA",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(derived),
    .check = NULL,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
