/* The adaptive exponential integrate-and-fire models aeif_cond_exp and
 * aeif_cond_alpha (Brette & Gerstner 2005) share their parameter table, their
 * checks, the membrane and adaptation equations and the update loop with
 * NEST's in-step spike handling (src/neurons/aeif.c); the two model files add
 * their synaptic conductance equations. Private to src/neurons. */
#ifndef SF_NEURONS_AEIF_H
#define SF_NEURONS_AEIF_H

#include "model/model_impl.h"
#include "neurons/ode.h"

#include <math.h>

/* Parameter indices of both aeif_cond models (the order of sf_aeif_params). */
enum {
    SF_AEIF_E_L,
    SF_AEIF_C_M,
    SF_AEIF_G_L,
    SF_AEIF_T_REF,
    SF_AEIF_V_TH,
    SF_AEIF_DELTA_T,
    SF_AEIF_V_PEAK,
    SF_AEIF_V_RESET,
    SF_AEIF_A,
    SF_AEIF_B,
    SF_AEIF_TAU_W,
    SF_AEIF_E_EX,
    SF_AEIF_E_IN,
    SF_AEIF_TAU_SYN_EX,
    SF_AEIF_TAU_SYN_IN,
    SF_AEIF_I_E,
    SF_AEIF_GSL_ERROR_TOL,
    SF_AEIF_N_PARAMS
};

extern const sf_param_spec sf_aeif_params[SF_AEIF_N_PARAMS];

typedef struct {
    double ref_steps; /* t_ref in steps                                    */
    double v_spike;   /* spike detection: V_peak, or V_th when Delta_T = 0  */
    double g0_ex, g0_in; /* per nS of weight: 1 (exp) or e/tau_syn (alpha) */
} sf_aeif_derived;

bool sf_aeif_check(const double *p, char *msg, size_t len);
void sf_aeif_prepare(const double *p, double h, bool alpha, sf_aeif_derived *d);

/* What the right-hand sides read besides y. */
typedef struct {
    const double *p;
    double i_stim; /* I_dc of this step, pA */
    int refractory;
} sf_aeif_ctx;

/* dV/dt and dw/dt (written to *fv, *fw) at membrane potential vm, adaptation
 * w and conductances g_ex, g_in: V is bounded by V_peak (held at V_reset
 * while refractory, with dV/dt = 0), the exponential term is 0 when
 * Delta_T = 0. */
static inline void sf_aeif_membrane(const sf_aeif_ctx *c, double vm, double g_ex, double g_in,
                                    double w, double *fv, double *fw)
{
    const double *p = c->p;
    const double v = c->refractory ? p[SF_AEIF_V_RESET] : fmin(vm, p[SF_AEIF_V_PEAK]);
    const double i_ex = g_ex * (v - p[SF_AEIF_E_EX]);
    const double i_in = g_in * (v - p[SF_AEIF_E_IN]);
    const double dt = p[SF_AEIF_DELTA_T];
    const double i_spike = dt == 0.0 ? 0.0 : p[SF_AEIF_G_L] * dt * exp((v - p[SF_AEIF_V_TH]) / dt);
    *fv = c->refractory ? 0.0
                        : (-p[SF_AEIF_G_L] * (v - p[SF_AEIF_E_L]) + i_spike - i_ex - i_in - w +
                           p[SF_AEIF_I_E] + c->i_stim) /
                              p[SF_AEIF_C_M];
    *fw = (p[SF_AEIF_A] * (v - p[SF_AEIF_E_L]) - w) / p[SF_AEIF_TAU_W];
}

/* Where a model keeps its variables: y[0] = V_m and state[k] = y[k] for
 * k < dim; w at iw; the step's input adds g0 * w to y[in_ex] / y[in_in]
 * (the conductance, or its derivative for alpha synapses); state[dim] is the
 * refractory count, state[dim + 1] the integration step. */
typedef struct {
    int dim, iw, in_ex, in_in;
    sf_ode_rhs rhs;
} sf_aeif_layout;

/* Most spikes one neuron sends in one step (t_ref = 0 allows several). */
#define SF_AEIF_MAX_SPIKES 8

/* The update of both models (the loop described in aeif.c), inlined into
 * each model's (flattened) update so that its right-hand side L->rhs is
 * inlined too. */
static inline size_t sf_aeif_update(const sf_aeif_layout *L, const double *p,
                                    const sf_aeif_derived *d, double *const *s, size_t n,
                                    double *const *input, double i_dc, uint32_t *spikes,
                                    const sf_step *step)
{
    const sf_ode_tol tol = {p[SF_AEIF_GSL_ERROR_TOL], p[SF_AEIF_GSL_ERROR_TOL], 0.0, 1.0};
    const double h = step->h, h0 = h < 0.01 ? h : 0.01;
    const int dim = L->dim;
    double *restrict r = s[dim], *restrict hint = s[dim + 1];
    const double *restrict in_ex = input[0], *restrict in_in = input[1];
    const double refr_count = d->ref_steps > 0 ? d->ref_steps + 1.0 : 0.0;
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        double y[SF_ODE_MAX_DIM];
        sf_ode_load(s, i, dim, y);
        if (!(hint[i] > 0))
            hint[i] = h0;
        /* i_ext: the per-neuron current of current inputs on a subset */
        sf_aeif_ctx c = {p, step->i_ext ? i_dc + step->i_ext[i] : i_dc, r[i] > 0};
        int sent = 0;
        double t = 0.0;
        while (t < h) {
            sf_ode_evolve_apply(L->rhs, &c, dim, &tol, &t, h, &hint[i], y);
            if (r[i] > 0) {
                y[0] = p[SF_AEIF_V_RESET];
            } else if (y[0] >= d->v_spike) {
                y[0] = p[SF_AEIF_V_RESET];
                y[L->iw] += p[SF_AEIF_B];
                r[i] = refr_count;
                c.refractory = r[i] > 0;
                if (sent++ < SF_AEIF_MAX_SPIKES)
                    spikes[ns++] = (uint32_t)i;
            }
        }
        if (r[i] > 0)
            r[i] -= 1.0;
        y[L->in_ex] += in_ex[i] * d->g0_ex;
        y[L->in_in] += -in_in[i] * d->g0_in;
        sf_ode_store(s, i, dim, y);
    }
    return ns;
}

#endif
