/* The adaptive ODE driver of the nonlinear neuron models (iaf_cond_exp,
 * iaf_cond_alpha, aeif_cond_exp, aeif_cond_alpha, hh_psc_alpha): the explicit
 * Runge-Kutta-Fehlberg 4(5) pair with GSL's standard step-size control and
 * GSL's evolve loop, exactly as NEST drives them through the gsl_odeiv API
 * (gsl_odeiv_step_rkf45, gsl_odeiv_control_y_new / _yp_new,
 * gsl_odeiv_evolve_apply called in `while (t < h)`), so that a neuron follows
 * the same sequence of substeps, and the same floating-point operations, as
 * NEST's. tests/unit/test_neurons_ode.c checks it bit for bit against the GSL
 * library itself.
 *
 * Why not call GSL: GSL's step/control/evolve objects are heap workspaces,
 * and the neuron descriptors have no per-block allocation hook; but those
 * workspaces carry nothing from one call to the next that changes a result
 * (they are scratch, counters and the constant tolerances). What NEST keeps
 * per neuron, the integration step size carried from one simulation step to
 * the next (IntegrationStep_), is a state variable of each model here. The
 * driver itself works on the stack (dimension <= SF_ODE_MAX_DIM) and
 * allocates nothing.
 *
 * Invariants: on return from sf_ode_evolve_apply, *t <= t1 and *t == t1
 * exactly after the step that reaches t1; *h > 0 is the step size suggested
 * for the next substep (GSL's gsl_odeiv semantics: also after the final,
 * possibly shortened substep of an interval, which is NEST's carry-over).
 *
 * The header also holds the per-neuron frame the models' updates share
 * (load/store of a neuron's system, the carried step, the resting state,
 * the iaf_cond threshold rule and the whole update of iaf_cond_exp and
 * iaf_cond_alpha, sf_ode_cond_update); aeif.h builds on it.
 *
 * References: Fehlberg E (1969) NASA TR R-315 (the 4(5) pair); Hairer,
 * Norsett, Wanner (1993) Solving ODEs I, II.4 (step-size control); GSL
 * reference manual, "Ordinary Differential Equations: Adaptive Step-size
 * Control" (the standard control: D_i = eps_abs + eps_rel (a_y |y_i| +
 * a_dydt h |y'_i|), decrease by S E^{-1/q} if E > 1.1, increase by
 * S E^{-1/(q+1)} (at most x5) if E < 0.5, S = 0.9, q = 5).
 */
#ifndef SF_NEURONS_ODE_H
#define SF_NEURONS_ODE_H

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "model/model_impl.h"
#include "neurons/propagator.h"

#define SF_ODE_MAX_DIM 8

/* For the models' right-hand sides and update functions: the update is
 * flattened, so that the driver and the right-hand side (called 7 times per
 * substep through a pointer that is a constant there) are inlined into it,
 * which saves a quarter of the run time; where the compiler cannot (no
 * optimisation), it calls them. */
#define SF_ODE_RHS static inline void
#define SF_ODE_UPDATE __attribute__((flatten))

/* Right-hand side f = dy/dt of an autonomous system (the models' systems do
 * not depend on t); ctx holds the model's parameters and inputs. */
typedef void (*sf_ode_rhs)(const double *restrict y, double *restrict f, const void *ctx);

/* Tolerances of GSL's standard control: y_new(eps_abs, eps_rel) is
 * {eps_abs, eps_rel, 1, 0}, yp_new(eps_abs, eps_rel) is {eps_abs, eps_rel, 0, 1}. */
typedef struct {
    double eps_abs, eps_rel, a_y, a_dydt;
} sf_ode_tol;

/* One Runge-Kutta-Fehlberg step of size h from y (derivative k1 = f(y)
 * given): y <- 5th-order solution, yerr <- difference of the 4th- and
 * 5th-order solutions, dydt_out <- f(new y). */
static inline void sf_ode_rkf45_step(sf_ode_rhs f, const void *ctx, int dim, double h,
                                     double *restrict y, double *restrict yerr,
                                     const double *restrict k1, double *restrict dydt_out)
{
    /* Fehlberg's coefficients (Hairer-Norsett-Wanner Table II.5.1) */
    static const double a2 = 1.0 / 4.0;
    static const double b31 = 3.0 / 32.0, b32 = 9.0 / 32.0;
    static const double b41 = 1932.0 / 2197.0, b42 = -7200.0 / 2197.0, b43 = 7296.0 / 2197.0;
    static const double b51 = 8341.0 / 4104.0, b52 = -32832.0 / 4104.0,
                        b53 = 29440.0 / 4104.0, b54 = -845.0 / 4104.0;
    static const double b61 = -6080.0 / 20520.0, b62 = 41040.0 / 20520.0,
                        b63 = -28352.0 / 20520.0, b64 = 9295.0 / 20520.0,
                        b65 = -5643.0 / 20520.0;
    /* 5th-order weights, and the 5th minus 4th order weights (error) */
    static const double c1 = 902880.0 / 7618050.0, c3 = 3953664.0 / 7618050.0,
                        c4 = 3855735.0 / 7618050.0, c5 = -1371249.0 / 7618050.0,
                        c6 = 277020.0 / 7618050.0;
    static const double e1 = 1.0 / 360.0, e3 = -128.0 / 4275.0, e4 = -2197.0 / 75240.0,
                        e5 = 1.0 / 50.0, e6 = 2.0 / 55.0;
    double k2[SF_ODE_MAX_DIM], k3[SF_ODE_MAX_DIM], k4[SF_ODE_MAX_DIM], k5[SF_ODE_MAX_DIM],
        k6[SF_ODE_MAX_DIM], z[SF_ODE_MAX_DIM];
    for (int i = 0; i < dim; i++)
        z[i] = y[i] + a2 * h * k1[i];
    f(z, k2, ctx);
    for (int i = 0; i < dim; i++)
        z[i] = y[i] + h * (b31 * k1[i] + b32 * k2[i]);
    f(z, k3, ctx);
    for (int i = 0; i < dim; i++)
        z[i] = y[i] + h * (b41 * k1[i] + b42 * k2[i] + b43 * k3[i]);
    f(z, k4, ctx);
    for (int i = 0; i < dim; i++)
        z[i] = y[i] + h * (b51 * k1[i] + b52 * k2[i] + b53 * k3[i] + b54 * k4[i]);
    f(z, k5, ctx);
    for (int i = 0; i < dim; i++)
        z[i] = y[i] + h * (b61 * k1[i] + b62 * k2[i] + b63 * k3[i] + b64 * k4[i] + b65 * k5[i]);
    f(z, k6, ctx);
    for (int i = 0; i < dim; i++)
        y[i] += h * (c1 * k1[i] + c3 * k3[i] + c4 * k4[i] + c5 * k5[i] + c6 * k6[i]);
    f(y, dydt_out, ctx);
    for (int i = 0; i < dim; i++)
        yerr[i] = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i]);
}

/* GSL's standard control: from the error estimate of a step of size *h,
 * proposes the next size in *h; returns -1 (step too large: decreased),
 * +1 (increased) or 0 (kept). */
static inline int sf_ode_hadjust(const sf_ode_tol *tol, int dim, const double *y,
                                 const double *yerr, const double *yp, double *h)
{
    const double S = 0.9, ord = 5.0, h_old = *h;
    double rmax = DBL_MIN;
    for (int i = 0; i < dim; i++) {
        const double D0 = tol->eps_rel * (tol->a_y * fabs(y[i]) + tol->a_dydt * fabs(h_old * yp[i])) +
                          tol->eps_abs;
        const double r = fabs(yerr[i]) / fabs(D0);
        rmax = r > rmax ? r : rmax;
    }
    if (rmax > 1.1) {
        double r = S / pow(rmax, 1.0 / ord);
        if (r < 0.2)
            r = 0.2;
        *h = r * h_old;
        return -1;
    }
    if (rmax < 0.5) {
        double r = S / pow(rmax, 1.0 / (ord + 1.0));
        if (r > 5.0)
            r = 5.0;
        if (r < 1.0)
            r = 1.0;
        *h = r * h_old;
        return 1;
    }
    return 0;
}

/* One accepted adaptive step from *t towards t1 (> *t) with trial size *h,
 * as gsl_odeiv_evolve_apply: a rejected trial is redone from the same y with
 * the smaller size; the step that would pass t1 is cut to end exactly at
 * t1. On return y and *t are advanced and *h is the size for the next step. */
static inline void sf_ode_evolve_apply(sf_ode_rhs f, const void *ctx, int dim,
                                       const sf_ode_tol *tol, double *t, double t1, double *h,
                                       double *y)
{
    const double t0 = *t, dt = t1 - t0;
    double y0[SF_ODE_MAX_DIM], yerr[SF_ODE_MAX_DIM], k1[SF_ODE_MAX_DIM], dydt_out[SF_ODE_MAX_DIM];
    double h0 = *h;
    memcpy(y0, y, sizeof(double) * (size_t)dim);
    f(y, k1, ctx);
    for (;;) {
        int final_step = 0;
        if (h0 >= dt) {
            h0 = dt;
            final_step = 1;
            /* the last stage is evaluated at t0 + h0; keep it from passing t1 */
            while (t0 + h0 > t1)
                h0 = nextafter(h0, 0.0);
        }
        sf_ode_rkf45_step(f, ctx, dim, h0, y, yerr, k1, dydt_out);
        *t = final_step ? t1 : t0 + h0;
        const double h_old = h0;
        if (sf_ode_hadjust(tol, dim, y, yerr, dydt_out, &h0) < 0) {
            /* redo with the smaller step unless it would not move t by one ulp */
            if (fabs(h0) < fabs(h_old) && *t + h0 != *t) {
                memcpy(y, y0, sizeof(double) * (size_t)dim);
                continue;
            }
            h0 = h_old;
        }
        break;
    }
    *h = h0;
}

/* Integrates y over one simulation step of length step (NEST's
 * `while (t < step) gsl_odeiv_evolve_apply(...)`), *h carrying the
 * integration step size from one call to the next. */
static inline void sf_ode_advance(sf_ode_rhs f, const void *ctx, int dim, const sf_ode_tol *tol,
                                  double step, double *h, double *y)
{
    double t = 0.0;
    while (t < step)
        sf_ode_evolve_apply(f, ctx, dim, tol, &t, step, h, y);
}

/* The per-neuron frame shared by the models' updates. Neuron i's system is
 * the first dim state columns (s[k][i], k < dim); sf_ode_load copies it into
 * y, sf_ode_store back. */
static inline void sf_ode_load(double *const *s, size_t i, int dim, double *y)
{
    for (int k = 0; k < dim; k++)
        y[k] = s[k][i];
}

static inline void sf_ode_store(double *const *s, size_t i, int dim, const double *y)
{
    for (int k = 0; k < dim; k++)
        s[k][i] = y[k];
}

/* The resting state of the models whose only nonzero initial state is V:
 * state[0] = v0, the other n_state - 1 columns (the rest of the system, the
 * refractory count, the carried integration step) zero. */
static inline void sf_ode_init_rest(double *const *s, size_t n, int n_state, double v0)
{
    for (size_t i = 0; i < n; i++) {
        s[0][i] = v0;
        for (int k = 1; k < n_state; k++)
            s[k][i] = 0.0;
    }
}

/* sf_ode_advance over one simulation step h with the integration step size
 * carried in *hint, which starts at h (*hint <= 0: not started). */
static inline void sf_ode_advance_carried(sf_ode_rhs f, const void *ctx, int dim,
                                          const sf_ode_tol *tol, double h, double *hint,
                                          double *y)
{
    if (!(*hint > 0))
        *hint = h;
    sf_ode_advance(f, ctx, dim, tol, h, hint, y);
}

/* NEST's end-of-step rule of iaf_cond_exp and iaf_cond_alpha: a refractory
 * neuron (*r > 0) counts down and is clamped to v_reset; otherwise
 * *v >= v_th is a spike: *v = v_reset and *r = ref_steps. Returns whether it
 * spiked. */
static inline bool sf_ode_threshold(double *v, double *r, double v_th, double v_reset,
                                    double ref_steps)
{
    if (*r > 0) {
        *r -= 1.0;
        *v = v_reset;
        return false;
    }
    return sf_prop_fire(v, r, v_th, v_reset, ref_steps);
}

/* The update of iaf_cond_exp and iaf_cond_alpha, in NEST's order: the
 * system (state columns 0..dim-1, V first) is integrated over the step with
 * the carried step size (column dim + 1), V bounded by V_th and, while
 * refractory, held at V_reset in the right-hand side; then the threshold
 * rule (sf_ode_threshold, count in column dim); then the step's input: port
 * 0 (weights >= 0) adds g0_ex in_ex to y[in_ex], port 1 (weights <= 0) adds
 * g0_in |in_in| to y[in_in] (g0 = 1 for exponential conductances, whose
 * input is a jump of g; e / tau_syn for alpha conductances, a jump of g').
 * The input does not touch V, so it commutes with the threshold rule.
 * Inlined into each model's (flattened) update so that L->rhs is inlined. */
typedef struct {
    const double *p;
    double i_stim; /* I_dc of this step, pA */
    int refractory;
} sf_ode_cond_ctx;

typedef struct {
    double ref_steps, g0_ex, g0_in;
} sf_ode_cond_derived;

typedef struct {
    int dim, in_ex, in_in; /* system size; where the input of each port goes */
    int v_th, v_reset;     /* parameter indices */
    sf_ode_rhs rhs;        /* takes an sf_ode_cond_ctx */
} sf_ode_cond_layout;

static inline size_t sf_ode_cond_update(const sf_ode_cond_layout *L, const double *p,
                                        const sf_ode_cond_derived *d, double *const *s,
                                        size_t n, double *const *input, double i_dc,
                                        uint32_t *spikes, const sf_step *step)
{
    static const sf_ode_tol tol = {1e-3, 0.0, 1.0, 0.0};
    const double h = step->h;
    const int dim = L->dim;
    double *restrict r = s[dim], *restrict hint = s[dim + 1];
    const double *restrict in_ex = input[0], *restrict in_in = input[1];
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        /* i_ext: the per-neuron current of current inputs on a subset */
        sf_ode_cond_ctx c = {p, step->i_ext ? i_dc + step->i_ext[i] : i_dc, r[i] > 0};
        double y[SF_ODE_MAX_DIM];
        sf_ode_load(s, i, dim, y);
        sf_ode_advance_carried(L->rhs, &c, dim, &tol, h, &hint[i], y);
        if (sf_ode_threshold(&y[0], &r[i], p[L->v_th], p[L->v_reset], d->ref_steps))
            spikes[ns++] = (uint32_t)i;
        y[L->in_ex] += in_ex[i] * d->g0_ex;
        y[L->in_in] += -in_in[i] * d->g0_in;
        sf_ode_store(s, i, dim, y);
    }
    return ns;
}

#endif
