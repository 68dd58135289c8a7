/* pp_cond_exp_mc_urbanczik: the two-compartment point-process neuron of
 * Urbanczik & Senn 2014 (Neuron 81:521), NEST 3.x's model of the same name:
 * parameters, defaults, units, receptor ports and update order (NEST's model
 * documentation). Soma s and dendrite p:
 *
 *   C_s dV_s/dt = -g_L,s (V_s - E_L,s) - g_ex (V_s - E_ex,s) - g_in (V_s - E_in,s)
 *                 + g_sp (V_p - V_s) + I_e,s + I_dc
 *   C_p dV_p/dt = -g_L,p (V_p - E_L,p) + I_ex + I_in + g_ps (V_s - V_p) + I_e,p
 *   dg_x/dt = -g_x / tau_syn_x,s,   dI_x/dt = -I_x / tau_syn_x,p
 *
 * The soma's synapses are conductances (nS), the dendrite's currents (pA)
 * (NEST's model, although its name says cond; the dendrite's E_ex, E_in are
 * in the table but unused, as in NEST). Ports, NEST's receptor names:
 * soma_exc (g_ex += w), soma_inh (g_in += w), dendritic_exc (I_ex += w),
 * dendritic_inh (I_in -= w); NEST wants positive weights on every port and
 * so does the parser for the somatic conductances (the dendritic ports take
 * any sign: urbanczik_synapse weights may be negative). Current inputs (I_dc,
 * i_ext) go to the soma (NEST's soma_curr).
 *
 * Update, NEST's order: the system is integrated over the step by adaptive
 * RKF45 (src/neurons/ode.h) with GSL's y-control eps_abs = 1e-3, eps_rel = 0,
 * first substep h, carried per neuron; then the step's input is added; then,
 * unless in dead time, the soma spikes with rate 1000 phi(V_s) Hz (phi of
 * src/neurons/pp_cond_exp_mc_urbanczik.h): with t_ref > 0 one spike with
 * probability 1 - exp(-rate h), with t_ref = 0 a Poisson number of spikes
 * (mean rate h, at most 8 sent); a spike starts the dead time of t_ref/h
 * steps (a count that goes down by one in each later step). V is not reset.
 * One uniform per neuron and step from the neuron's stream (SF_RNG_NEURON,
 * global id, block = step): independent of threads and blocks.
 *
 * State: [0] V_m (soma, mV), [1] g_ex, [2] g_in (soma, nS), [3] V_m.p
 * (dendrite, mV), [4] I_ex.p, [5] I_in.p (dendrite, pA), [6] dead-time count,
 * [7] integration step (ms; 0: not started). */
#include "neurons/pp_cond_exp_mc_urbanczik.h"
#include "model/model_impl.h"
#include "neurons/ode.h"

#include <stdio.h>

#define P(x) SF_URB_##x

static const sf_param_spec params[P(N_PARAMS)] = {
    [P(T_REF)] = {"t_ref", "ms", 3.0, 0.0, 1e9, false, "dead time after a spike"},
    [P(PHI_MAX)] = {"phi_max", "1/ms", 0.15, 0.0, 1e9, false, "maximal rate of phi"},
    [P(RATE_SLOPE)] = {"rate_slope", "", 0.5, 0.0, 1e9, false, "k of phi and h"},
    [P(BETA)] = {"beta", "1/mV", 1.0 / 3.0, -1e9, 1e9, false, "slope of phi and h"},
    [P(THETA)] = {"theta", "mV", -55.0, -1e6, 1e6, false, "midpoint of phi and h"},
    [P(G_SP)] = {"g_sp", "nS", 600.0, -1e9, 1e9, false, "coupling of the dendrite onto the soma"},
    [P(G_PS)] = {"g_ps", "nS", 0.0, -1e9, 1e9, false, "coupling of the soma onto the dendrite"},
    [P(S_G_L)] = {"soma_g_L", "nS", 30.0, -1e9, 1e9, false, "soma: leak conductance"},
    [P(S_C_M)] = {"soma_C_m", "pF", 300.0, 0.0, 1e9, true, "soma: capacitance"},
    [P(S_E_EX)] = {"soma_E_ex", "mV", 0.0, -1e6, 1e6, false, "soma: excitatory reversal potential"},
    [P(S_E_IN)] = {"soma_E_in", "mV", -75.0, -1e6, 1e6, false, "soma: inhibitory reversal potential"},
    [P(S_E_L)] = {"soma_E_L", "mV", -70.0, -1e6, 1e6, false, "soma: leak reversal potential"},
    [P(S_TAU_SYN_EX)] = {"soma_tau_syn_ex", "ms", 3.0, 0.0, 1e9, true,
                         "soma: excitatory conductance time constant"},
    [P(S_TAU_SYN_IN)] = {"soma_tau_syn_in", "ms", 3.0, 0.0, 1e9, true,
                         "soma: inhibitory conductance time constant"},
    [P(S_I_E)] = {"soma_I_e", "pA", 0.0, -1e9, 1e9, false, "soma: constant current"},
    [P(D_G_L)] = {"dendritic_g_L", "nS", 30.0, 0.0, 1e9, true, "dendrite: leak conductance"},
    [P(D_C_M)] = {"dendritic_C_m", "pF", 300.0, 0.0, 1e9, true, "dendrite: capacitance"},
    [P(D_E_EX)] = {"dendritic_E_ex", "mV", 0.0, -1e6, 1e6, false,
                   "dendrite: excitatory reversal potential (unused, as in NEST)"},
    [P(D_E_IN)] = {"dendritic_E_in", "mV", 0.0, -1e6, 1e6, false,
                   "dendrite: inhibitory reversal potential (unused, as in NEST)"},
    [P(D_E_L)] = {"dendritic_E_L", "mV", -70.0, -1e6, 1e6, false, "dendrite: leak reversal potential"},
    [P(D_TAU_SYN_EX)] = {"dendritic_tau_syn_ex", "ms", 3.0, 0.0, 1e9, true,
                         "dendrite: excitatory current time constant"},
    [P(D_TAU_SYN_IN)] = {"dendritic_tau_syn_in", "ms", 3.0, 0.0, 1e9, true,
                         "dendrite: inhibitory current time constant"},
    [P(D_I_E)] = {"dendritic_I_e", "pA", 0.0, -1e9, 1e9, false, "dendrite: constant current"},
};

typedef struct {
    double ref_steps;
    bool dead_time; /* t_ref > 0: Bernoulli spikes (NEST tests t_ref, not its steps) */
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    if (p[P(D_C_M)] / p[P(D_G_L)] == p[P(D_TAU_SYN_EX)] ||
        p[P(D_C_M)] / p[P(D_G_L)] == p[P(D_TAU_SYN_IN)]) {
        snprintf(msg, len,
                 "the dendrite's membrane time constant dendritic_C_m/dendritic_g_L (%g ms) "
                 "must differ from its synaptic time constants (the Urbanczik-Senn rule "
                 "divides by their difference)",
                 p[P(D_C_M)] / p[P(D_G_L)]);
        return false;
    }
    return true;
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->ref_steps = sf_prop_steps(p[P(T_REF)], h);
    d->dead_time = p[P(T_REF)] > 0;
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < P(N_STATE); k++)
            s[k][i] = 0.0;
        s[P(V_S)][i] = p[P(S_E_L)];
        s[P(V_D)][i] = p[P(D_E_L)];
    }
}

typedef struct {
    const double *p;
    double i_stim;
} ctx;

SF_ODE_RHS rhs(const double *restrict y, double *restrict f, const void *vc)
{
    const ctx *c = vc;
    const double *p = c->p;
    const double v = y[P(V_S)], vd = y[P(V_D)];
    f[P(V_S)] = (-p[P(S_G_L)] * (v - p[P(S_E_L)]) - y[P(G_EX_S)] * (v - p[P(S_E_EX)]) -
                 y[P(G_IN_S)] * (v - p[P(S_E_IN)]) + p[P(G_SP)] * (vd - v) + c->i_stim +
                 p[P(S_I_E)]) /
                p[P(S_C_M)];
    f[P(G_EX_S)] = -y[P(G_EX_S)] / p[P(S_TAU_SYN_EX)];
    f[P(G_IN_S)] = -y[P(G_IN_S)] / p[P(S_TAU_SYN_IN)];
    f[P(V_D)] = (-p[P(D_G_L)] * (vd - p[P(D_E_L)]) + y[P(I_EX_D)] + y[P(I_IN_D)] +
                 p[P(G_PS)] * (v - vd) + p[P(D_I_E)]) /
                p[P(D_C_M)];
    f[P(I_EX_D)] = -y[P(I_EX_D)] / p[P(D_TAU_SYN_EX)];
    f[P(I_IN_D)] = -y[P(I_IN_D)] / p[P(D_TAU_SYN_IN)];
}

#define MAX_SPIKES 8

SF_ODE_UPDATE static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                                   double *const *input, double i_dc, uint32_t *spikes,
                                   const sf_step *step)
{
    static const sf_ode_tol tol = {1e-3, 0.0, 1.0, 0.0};
    const derived *d = dv;
    const double h = step->h;
    double *restrict r = s[P(REFRACTORY)], *restrict hint = s[P(STEP)];
    double *restrict u = step->scratch;
    sf_rng_uniforms(step->seed, SF_RNG_NEURON, 0, (uint64_t)step->step, step->first_gid,
                    (uint32_t)n, u);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        double y[SF_ODE_MAX_DIM];
        sf_ode_load(s, i, P(DIM), y);
        ctx c = {p, step->i_ext ? i_dc + step->i_ext[i] : i_dc};
        sf_ode_advance_carried(rhs, &c, P(DIM), &tol, h, &hint[i], y);
        y[P(G_EX_S)] += input[SF_URB_SOMA_EXC][i];
        y[P(G_IN_S)] += input[SF_URB_SOMA_INH][i];
        y[P(I_EX_D)] += input[SF_URB_DEND_EXC][i];
        y[P(I_IN_D)] -= input[SF_URB_DEND_INH][i];
        if (r[i] == 0) {
            const double mean = sf_urbanczik_phi(p, y[P(V_S)]) * h; /* 1000 phi Hz * h ms */
            int k = 0;
            if (mean > 0) {
                if (d->dead_time) {
                    k = u[i] <= -expm1(-mean);
                } else {
                    /* Poisson count by inversion of the one uniform */
                    double pk = exp(-mean), cdf = pk;
                    while (u[i] > cdf && k < 1000) {
                        k++;
                        pk *= mean / k;
                        cdf += pk;
                    }
                }
            }
            if (k > 0) {
                r[i] = d->ref_steps;
                for (int j = 0; j < k && j < MAX_SPIKES; j++)
                    spikes[ns++] = (uint32_t)i;
            }
        } else {
            r[i] -= 1.0;
        }
        sf_ode_store(s, i, P(DIM), y);
    }
    return ns;
}

/* NEST has no default receptor (port 0 is refused there); a projection or
 * input that names none goes to dendritic_exc, the port of the plastic
 * inputs, which takes weights of either sign. */
static int default_port(double w_min, double w_max)
{
    (void)w_min;
    (void)w_max;
    return SF_URB_DEND_EXC;
}

/* dendritic_inh subtracts its weights from I_in (NEST: all weights positive) */
static const sf_receptor_port ports[SF_URB_N_PORTS] = {
    [SF_URB_SOMA_EXC] = {"soma_exc", P(S_TAU_SYN_EX), +1,
                         "soma, excitatory conductance g_ex (nS, weights >= 0)"},
    [SF_URB_SOMA_INH] = {"soma_inh", P(S_TAU_SYN_IN), +1,
                         "soma, inhibitory conductance g_in (nS, weights >= 0, as NEST)"},
    [SF_URB_DEND_EXC] = {"dendritic_exc", P(D_TAU_SYN_EX), 0,
                         "dendrite, current I_ex (pA): I_ex += w"},
    [SF_URB_DEND_INH] = {"dendritic_inh", P(D_TAU_SYN_IN), 0,
                         "dendrite, current I_in (pA): I_in -= w (positive w inhibits)"},
};

static const char *const state_names[] = {"V_m",    "g_ex", "g_in",          "V_m_p",
                                          "I_ex_p", "I_in_p", "refractory_steps", "integration_step"};
static const char *const state_units[] = {"mV", "nS", "nS", "mV", "pA", "pA", "", "ms"};

const sf_neuron_type sf_pp_cond_exp_mc_urbanczik = {
    .name = "pp_cond_exp_mc_urbanczik",
    .doc = "Two-compartment point-process neuron of Urbanczik & Senn 2014 (NEST 3.x "
           "pp_cond_exp_mc_urbanczik): soma with conductance-based exponential synapses "
           "(ports soma_exc, soma_inh, nS), dendrite with exponential currents (ports "
           "dendritic_exc: I_ex += w, dendritic_inh: I_in -= w, pA), coupled by g_sp (onto "
           "the soma) and g_ps (onto the dendrite). The soma spikes with escape-noise rate "
           "phi(V) = phi_max/(1 + rate_slope exp(beta (theta - V))) (1/ms), Bernoulli per step "
           "with probability 1 - exp(-phi h) and a dead time t_ref after a spike (Poisson "
           "counts when t_ref = 0); V is not reset. Per-compartment parameters are NEST's "
           "sub-dictionaries soma/dendritic as prefixes soma_*, dendritic_*. Adaptive RKF45 "
           "(NEST's y-control, eps_abs 1e-3). Current inputs go to the soma; a projection that "
           "names no receptor goes to dendritic_exc.",
    .params = params,
    .n_params = P(N_PARAMS),
    .state_names = state_names,
    .state_units = state_units,
    .n_state = P(N_STATE),
    .ports = ports,
    .n_ports = SF_URB_N_PORTS,
    .default_port = default_port,
    .v_offset_param = -1,
    .weight_unit = "nS (soma) / pA (dendrite)",
    .max_spikes_per_step = MAX_SPIKES,
    .derived_size = sizeof(derived),
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
