/* The shared part of aeif_cond_exp and aeif_cond_alpha (see aeif.h): the
 * parameter table with NEST 3.x's names, units and defaults, NEST's checks,
 * and the update loop (sf_aeif_update, inline in aeif.h).
 *
 * Update, as NEST's aeif models: the step h is integrated by adaptive RKF45
 * substeps (src/neurons/ode.h) with GSL's yp-control, eps_abs = eps_rel =
 * gsl_error_tol (NEST's gsl_odeiv_control_yp_new(tol, tol)), the first
 * substep of a neuron min(0.01 ms, h) and then carried per neuron. Spikes
 * are handled after every substep, inside the step (spike-triggered
 * adaptation): while refractory V is reset to V_reset; otherwise V >= V_peak
 * (V_th when Delta_T = 0) is a spike: V = V_reset, w += b, and the refractory
 * count becomes t_ref/h + 1 (0 when t_ref rounds to 0 steps, so that several
 * spikes may fall in one step). After the step the count goes down by one
 * and the step's input adds to the conductances (exp) or their derivatives
 * (alpha). Invariant: each substep sees the refractory state of that moment.
 *
 * NEST throws NumericalInstability when V < -1000 mV or |w| > 1e6 pA; an
 * update here cannot stop the run, and such a neuron goes on with its state. */
#include "neurons/aeif.h"
#include "neurons/propagator.h"

#include <float.h>
#include <stdio.h>

#define P(x) SF_AEIF_##x

const sf_param_spec sf_aeif_params[P(N_PARAMS)] = {
    [P(E_L)] = {"E_L", "mV", -70.6, -1e6, 1e6, false, "leak reversal potential"},
    [P(C_M)] = {"C_m", "pF", 281.0, 0.0, 1e9, true, "membrane capacitance"},
    [P(G_L)] = {"g_L", "nS", 30.0, 0.0, 1e9, false, "leak conductance"},
    [P(T_REF)] = {"t_ref", "ms", 0.0, 0.0, 1e9, false, "absolute refractory period"},
    [P(V_TH)] = {"V_th", "mV", -50.4, -1e6, 1e6, false, "spike initiation threshold"},
    [P(DELTA_T)] = {"Delta_T", "mV", 2.0, 0.0, 1e6, false,
                    "slope factor of the exponential term (0: leaky IAF with threshold V_th)"},
    [P(V_PEAK)] = {"V_peak", "mV", 0.0, -1e6, 1e6, false, "spike detection threshold"},
    [P(V_RESET)] = {"V_reset", "mV", -60.0, -1e6, 1e6, false, "reset potential"},
    [P(A)] = {"a", "nS", 4.0, -1e9, 1e9, false, "subthreshold adaptation"},
    [P(B)] = {"b", "pA", 80.5, -1e9, 1e9, false, "spike-triggered adaptation"},
    [P(TAU_W)] = {"tau_w", "ms", 144.0, 0.0, 1e9, true, "adaptation time constant"},
    [P(E_EX)] = {"E_ex", "mV", 0.0, -1e6, 1e6, false, "excitatory reversal potential"},
    [P(E_IN)] = {"E_in", "mV", -85.0, -1e6, 1e6, false, "inhibitory reversal potential"},
    [P(TAU_SYN_EX)] = {"tau_syn_ex", "ms", 0.2, 0.0, 1e9, true,
                       "time constant of the excitatory conductance"},
    [P(TAU_SYN_IN)] = {"tau_syn_in", "ms", 2.0, 0.0, 1e9, true,
                       "time constant of the inhibitory conductance"},
    [P(I_E)] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
    [P(GSL_ERROR_TOL)] = {"gsl_error_tol", "", 1e-6, 0.0, 1.0, true,
                          "absolute and relative error tolerance of the integrator"},
};

bool sf_aeif_check(const double *p, char *msg, size_t len)
{
    if (!(p[P(V_RESET)] < p[P(V_PEAK)])) {
        snprintf(msg, len, "V_reset (%g mV) must be below V_peak (%g mV)", p[P(V_RESET)],
                 p[P(V_PEAK)]);
        return false;
    }
    if (!(p[P(V_PEAK)] >= p[P(V_TH)])) {
        snprintf(msg, len, "V_peak (%g mV) must not be below V_th (%g mV)", p[P(V_PEAK)],
                 p[P(V_TH)]);
        return false;
    }
    /* NEST's overflow guard: exp((V_peak - V_th)/Delta_T) must stay 1e20 below
     * the largest double */
    if (p[P(DELTA_T)] > 0 &&
        (p[P(V_PEAK)] - p[P(V_TH)]) / p[P(DELTA_T)] >= log(DBL_MAX / 1e20)) {
        snprintf(msg, len,
                 "(V_peak - V_th)/Delta_T = %g overflows the exponential term at the spike; "
                 "increase Delta_T or lower V_peak",
                 (p[P(V_PEAK)] - p[P(V_TH)]) / p[P(DELTA_T)]);
        return false;
    }
    return true;
}

void sf_aeif_prepare(const double *p, double h, bool alpha, sf_aeif_derived *d)
{
    d->ref_steps = sf_prop_steps(p[P(T_REF)], h);
    d->v_spike = p[P(DELTA_T)] > 0 ? p[P(V_PEAK)] : p[P(V_TH)];
    d->g0_ex = alpha ? M_E / p[P(TAU_SYN_EX)] : 1.0;
    d->g0_in = alpha ? M_E / p[P(TAU_SYN_IN)] : 1.0;
}
