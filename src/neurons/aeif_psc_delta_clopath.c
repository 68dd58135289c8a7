/* aeif_psc_delta_clopath: the adaptive exponential integrate-and-fire neuron
 * of Clopath et al. 2010 (Nat Neurosci 13:344), NEST 3.x's model of the same
 * name: its parameter table, defaults, units and update order (NEST's model
 * documentation and Clopath's ModelDB code, model 144566). An extension of
 * aeif_psc_delta with an adaptive threshold V_th, a depolarising spike
 * after-current z, clamping of V to V_clamp for t_clamp after each spike and
 * three low-pass filtered potentials for the Clopath rule:
 *
 *   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - w + z
 *               + I_e + I_dc
 *   tau_w dw/dt = a (V - E_L) - w          (dw/dt = 0 while clamped)
 *   tau_z dz/dt = -z,   tau_V_th dV_th/dt = -(V_th - V_th_rest)
 *   tau_u_bar_plus  du+/dt = V - u+,  tau_u_bar_minus du-/dt = V - u-,
 *   tau_u_bar_bar   du=/dt = u- - u=
 *
 * In the right-hand side V is min(V, V_peak), V_clamp while clamped and
 * V_reset while refractory (dV/dt = 0 in both), so the filters see the
 * clamped spike. Integration: adaptive RKF45 (src/neurons/ode.h, GSL's
 * scheme), yp-control with eps_abs = eps_rel = gsl_error_tol, first substep
 * min(0.01 ms, h), carried per neuron. After every substep, in NEST's order:
 * the step's input (mV, a delta jump) is added once, after the first
 * substep, unless the neuron is clamped or refractory (then it is lost);
 * V >= V_peak (V_th when Delta_T = 0) while not clamped is a spike: V =
 * V_clamp, w += b, z = I_sp, V_th = V_th_max and the clamp count becomes
 * t_clamp/h + 1 (0 if t_clamp rounds to 0 steps); else a clamp count of 1
 * ends the clamp: V = V_reset and the refractory count becomes t_ref/h + 1
 * (0 if none); while refractory V = V_reset. After the step both counts go
 * down by one. As in NEST, refractoriness starts only at the end of a clamp
 * (t_clamp = 0 means no refractory period). Invariant: each substep sees
 * the clamp and refractory state of that moment.
 *
 * State: [0] V_m, [1] w (pA), [2] z (pA), [3] V_th, [4] u_bar_plus,
 * [5] u_bar_minus, [6] u_bar_bar (mV), [7] clamp count, [8] refractory
 * count, [9] integration step (ms; 0: not started). The Clopath rule's
 * parameters (A_LTD, A_LTP, theta_plus, theta_minus, A_LTD_const,
 * delay_u_bars, u_ref_squared, NEST's ClopathArchivingNode defaults) are in
 * the table; the rule itself is src/plasticity/voltage.c. */
#include "neurons/aeif_psc_delta_clopath.h"
#include "neurons/ode.h"

#include <float.h>
#include <stdio.h>

#define P(x) SF_CLOPATH_##x
#define S(x) SF_CLOPATH_S_##x

static const sf_param_spec params[P(N_PARAMS)] = {
    [P(C_M)] = {"C_m", "pF", 281.0, 0.0, 1e9, true, "membrane capacitance"},
    [P(T_REF)] = {"t_ref", "ms", 0.0, 0.0, 1e9, false,
                  "refractory period after the clamp (V held at V_reset)"},
    [P(V_RESET)] = {"V_reset", "mV", -60.0, -1e6, 1e6, false, "reset potential"},
    [P(E_L)] = {"E_L", "mV", -70.6, -1e6, 1e6, false, "leak reversal potential"},
    [P(G_L)] = {"g_L", "nS", 30.0, 0.0, 1e9, false, "leak conductance"},
    [P(I_E)] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
    [P(TAU_U_BAR_PLUS)] = {"tau_u_bar_plus", "ms", 7.0, 0.0, 1e9, true,
                           "time constant of u_bar_plus"},
    [P(TAU_U_BAR_MINUS)] = {"tau_u_bar_minus", "ms", 10.0, 0.0, 1e9, true,
                            "time constant of u_bar_minus"},
    [P(TAU_U_BAR_BAR)] = {"tau_u_bar_bar", "ms", 500.0, 0.0, 1e9, true,
                          "time constant of u_bar_bar (low-pass of u_bar_minus)"},
    [P(A)] = {"a", "nS", 4.0, -1e9, 1e9, false, "subthreshold adaptation"},
    [P(B)] = {"b", "pA", 80.5, -1e9, 1e9, false, "spike-triggered adaptation"},
    [P(DELTA_T)] = {"Delta_T", "mV", 2.0, 0.0, 1e6, false,
                    "slope factor (0: threshold V_th, no exponential term)"},
    [P(TAU_W)] = {"tau_w", "ms", 144.0, 0.0, 1e9, true, "adaptation time constant"},
    [P(TAU_Z)] = {"tau_z", "ms", 40.0, 0.0, 1e9, true,
                  "time constant of the spike after-current z"},
    [P(I_SP)] = {"I_sp", "pA", 400.0, -1e9, 1e9, false,
                 "depolarising spike after-current: z after a spike"},
    [P(V_PEAK)] = {"V_peak", "mV", 33.0, -1e6, 1e6, false, "spike detection threshold"},
    [P(V_TH_MAX)] = {"V_th_max", "mV", 30.4, -1e6, 1e6, false, "V_th after a spike"},
    [P(V_TH_REST)] = {"V_th_rest", "mV", -50.4, -1e6, 1e6, false, "resting value of V_th"},
    [P(TAU_V_TH)] = {"tau_V_th", "ms", 50.0, 0.0, 1e9, true,
                     "relaxation time constant of V_th"},
    [P(T_CLAMP)] = {"t_clamp", "ms", 2.0, 0.0, 1e9, false,
                    "duration of the clamp of V to V_clamp after a spike"},
    [P(V_CLAMP)] = {"V_clamp", "mV", 33.0, -1e6, 1e6, false, "clamp value of V after a spike"},
    [P(GSL_ERROR_TOL)] = {"gsl_error_tol", "", 1e-6, 0.0, 1.0, true,
                          "absolute and relative error tolerance of the integrator"},
    [P(A_LTD)] = {"A_LTD", "1/mV", 14e-5, -1e9, 1e9, false,
                  "Clopath rule: amplitude of depression"},
    [P(A_LTP)] = {"A_LTP", "1/mV^2", 8e-5, -1e9, 1e9, false,
                  "Clopath rule: amplitude of potentiation"},
    [P(THETA_PLUS)] = {"theta_plus", "mV", -45.3, -1e6, 1e6, false,
                       "Clopath rule: threshold of u for potentiation"},
    [P(THETA_MINUS)] = {"theta_minus", "mV", -70.6, -1e6, 1e6, false,
                        "Clopath rule: threshold of u_bar_plus / u_bar_minus"},
    [P(A_LTD_CONST)] = {"A_LTD_const", "", 1.0, 0.0, 1.0, false,
                        "Clopath rule: 1 (true): A_LTD constant; 0: times u_bar_bar^2/u_ref_squared"},
    [P(DELAY_U_BARS)] = {"delay_u_bars", "ms", 5.0, 0.0, 1e6, false,
                         "Clopath rule: delay of u_bar_plus / u_bar_minus in the rule"},
    [P(U_REF_SQUARED)] = {"u_ref_squared", "mV^2", 60.0, 0.0, 1e9, true,
                          "Clopath rule: reference value of u_bar_bar^2"},
};

typedef struct {
    double clamp_steps, ref_steps;
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    if (!(p[P(V_RESET)] < p[P(V_PEAK)])) {
        snprintf(msg, len, "V_reset (%g mV) must be below V_peak (%g mV)", p[P(V_RESET)],
                 p[P(V_PEAK)]);
        return false;
    }
    if (!(p[P(V_TH_MAX)] >= p[P(V_TH_REST)])) {
        snprintf(msg, len, "V_th_max (%g mV) must not be below V_th_rest (%g mV)",
                 p[P(V_TH_MAX)], p[P(V_TH_REST)]);
        return false;
    }
    if (!(p[P(V_PEAK)] >= p[P(V_TH_REST)])) {
        snprintf(msg, len, "V_peak (%g mV) must not be below V_th_rest (%g mV)", p[P(V_PEAK)],
                 p[P(V_TH_REST)]);
        return false;
    }
    /* NEST's overflow guard, 1e20 below the largest double */
    if (p[P(DELTA_T)] > 0 &&
        (p[P(V_PEAK)] - p[P(V_TH_REST)]) / p[P(DELTA_T)] >= log(DBL_MAX / 1e20)) {
        snprintf(msg, len,
                 "(V_peak - V_th_rest)/Delta_T = %g overflows the exponential term at the "
                 "spike; increase Delta_T or lower V_peak",
                 (p[P(V_PEAK)] - p[P(V_TH_REST)]) / p[P(DELTA_T)]);
        return false;
    }
    if (p[P(A_LTD_CONST)] != 0.0 && p[P(A_LTD_CONST)] != 1.0) {
        snprintf(msg, len, "A_LTD_const (%g) must be 0 (false) or 1 (true)", p[P(A_LTD_CONST)]);
        return false;
    }
    return true;
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->clamp_steps = sf_prop_steps(p[P(T_CLAMP)], h);
    d->ref_steps = sf_prop_steps(p[P(T_REF)], h);
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < SF_CLOPATH_N_STATE; k++)
            s[k][i] = 0.0;
        s[S(V_M)][i] = p[P(E_L)];
        s[S(V_TH)][i] = p[P(V_TH_REST)];
        s[S(U_BAR_PLUS)][i] = p[P(E_L)];
        s[S(U_BAR_MINUS)][i] = p[P(E_L)];
        s[S(U_BAR_BAR)][i] = p[P(E_L)];
    }
}

typedef struct {
    const double *p;
    double i_stim;
    int clamped, refractory;
} ctx;

SF_ODE_RHS rhs(const double *restrict y, double *restrict f, const void *vc)
{
    const ctx *c = vc;
    const double *p = c->p;
    const bool held = c->clamped || c->refractory;
    const double v = c->clamped      ? p[P(V_CLAMP)]
                     : c->refractory ? p[P(V_RESET)]
                                     : fmin(y[S(V_M)], p[P(V_PEAK)]);
    const double dt = p[P(DELTA_T)];
    const double i_spike =
        dt == 0.0 ? 0.0 : p[P(G_L)] * dt * exp((v - y[S(V_TH)]) / dt);
    f[S(V_M)] = held ? 0.0
                     : (-p[P(G_L)] * (v - p[P(E_L)]) + i_spike - y[S(W)] + y[S(Z)] + p[P(I_E)] +
                        c->i_stim) /
                           p[P(C_M)];
    f[S(W)] = c->clamped ? 0.0 : (p[P(A)] * (v - p[P(E_L)]) - y[S(W)]) / p[P(TAU_W)];
    f[S(Z)] = -y[S(Z)] / p[P(TAU_Z)];
    f[S(V_TH)] = -(y[S(V_TH)] - p[P(V_TH_REST)]) / p[P(TAU_V_TH)];
    f[S(U_BAR_PLUS)] = (v - y[S(U_BAR_PLUS)]) / p[P(TAU_U_BAR_PLUS)];
    f[S(U_BAR_MINUS)] = (v - y[S(U_BAR_MINUS)]) / p[P(TAU_U_BAR_MINUS)];
    f[S(U_BAR_BAR)] = (y[S(U_BAR_MINUS)] - y[S(U_BAR_BAR)]) / p[P(TAU_U_BAR_BAR)];
}

#define MAX_SPIKES 8

SF_ODE_UPDATE static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                                   double *const *input, double i_dc, uint32_t *spikes,
                                   const sf_step *step)
{
    const derived *d = dv;
    const sf_ode_tol tol = {p[P(GSL_ERROR_TOL)], p[P(GSL_ERROR_TOL)], 0.0, 1.0};
    const double h = step->h, h0 = h < 0.01 ? h : 0.01;
    double *restrict cl = s[S(CLAMP)], *restrict r = s[S(REFRACTORY)], *restrict hint = s[S(STEP)];
    const double *restrict in = input[0];
    const double clamp_count = d->clamp_steps > 0 ? d->clamp_steps + 1.0 : 0.0;
    const double ref_count = d->ref_steps > 0 ? d->ref_steps + 1.0 : 0.0;
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        double y[SF_ODE_MAX_DIM];
        sf_ode_load(s, i, S(DIM), y);
        if (!(hint[i] > 0))
            hint[i] = h0;
        ctx c = {p, step->i_ext ? i_dc + step->i_ext[i] : i_dc, cl[i] > 0, r[i] > 0};
        double jump = in[i]; /* added once, after the first substep */
        int sent = 0;
        double t = 0.0;
        while (t < h) {
            sf_ode_evolve_apply(rhs, &c, S(DIM), &tol, &t, h, &hint[i], y);
            if (cl[i] == 0 && r[i] == 0)
                y[S(V_M)] += jump;
            jump = 0.0;
            const double v_peak = p[P(DELTA_T)] == 0.0 ? y[S(V_TH)] : p[P(V_PEAK)];
            if (y[S(V_M)] >= v_peak && cl[i] == 0) {
                y[S(V_M)] = p[P(V_CLAMP)];
                y[S(W)] += p[P(B)];
                y[S(Z)] = p[P(I_SP)];
                y[S(V_TH)] = p[P(V_TH_MAX)];
                cl[i] = clamp_count;
                if (sent++ < MAX_SPIKES)
                    spikes[ns++] = (uint32_t)i;
            } else if (cl[i] == 1) {
                y[S(V_M)] = p[P(V_RESET)];
                cl[i] = 0;
                r[i] = ref_count;
            }
            if (r[i] > 0)
                y[S(V_M)] = p[P(V_RESET)];
            c.clamped = cl[i] > 0;
            c.refractory = r[i] > 0;
        }
        if (cl[i] > 0)
            cl[i] -= 1.0;
        if (r[i] > 0)
            r[i] -= 1.0;
        sf_ode_store(s, i, S(DIM), y);
    }
    return ns;
}

static const char *const state_names[] = {"V_m",         "w",          "z",
                                          "V_th",        "u_bar_plus", "u_bar_minus",
                                          "u_bar_bar",   "clamp_steps", "refractory_steps",
                                          "integration_step"};
static const char *const state_units[] = {"mV", "pA", "pA", "mV", "mV", "mV", "mV", "", "", "ms"};

const sf_neuron_type sf_aeif_psc_delta_clopath = {
    .name = "aeif_psc_delta_clopath",
    .doc = "Adaptive exponential integrate-and-fire neuron of Clopath et al. 2010 (NEST 3.x "
           "aeif_psc_delta_clopath): aeif_psc_delta with an adaptive threshold V_th "
           "(tau_V_th dV_th/dt = V_th_rest - V_th, V_th = V_th_max after a spike), a spike "
           "after-current z (tau_z dz/dt = -z, z = I_sp after a spike, adds to the membrane "
           "current), clamping of V to V_clamp for t_clamp after each spike (then t_ref at "
           "V_reset), and the filtered potentials u_bar_plus, u_bar_minus (of V) and "
           "u_bar_bar (of u_bar_minus) read by clopath_synapse. Weights are jumps of V (mV), "
           "added after the first integration substep of the step unless clamped or "
           "refractory. Adaptive RKF45 as NEST (yp-control, eps = gsl_error_tol, first "
           "substep min(0.01 ms, h)), spikes checked after every substep. The Clopath rule's "
           "parameters (A_LTD, A_LTP, theta_plus, theta_minus, A_LTD_const, delay_u_bars, "
           "u_ref_squared) are the neuron's, as in NEST.",
    .params = params,
    .n_params = P(N_PARAMS),
    .state_names = state_names,
    .state_units = state_units,
    .n_state = SF_CLOPATH_N_STATE,
    .ports = sf_port_single,
    .n_ports = 1,
    .v_offset_param = -1,
    .weight_unit = "mV",
    .max_spikes_per_step = MAX_SPIKES,
    .derived_size = sizeof(derived),
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
