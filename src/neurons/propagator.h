/* Exact-integration propagators shared by the neuron models (Rotter &
 * Diesmann 1999, Biol Cybern 81:381), and what the integrate-and-fire models
 * share besides: the threshold rule, the V_reset < V_th check, the receptor
 * rule by weight sign. Private to src/neurons. */
#ifndef SF_NEURONS_PROPAGATOR_H
#define SF_NEURONS_PROPAGATOR_H

#include <gsl/gsl_sf_exp.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Membrane response at time h to a unit step current 1 pA switched on at 0:
 * P20 = tau_m/C_m (1 - e^{-h/tau_m})  [mV/pA]. */
static inline double sf_prop_p20(double tau_m, double c_m, double h)
{
    return -tau_m / c_m * expm1(-h / tau_m);
}

/* Membrane response at time h to an exponentially decaying current that was
 * 1 pA at time 0 (time constant tau_s):
 *   P21 = tau_s tau_m / (C (tau_m - tau_s)) (e^{-h/tau_m} - e^{-h/tau_s}).
 * Written as (h/C) e^{-h/tau_s} exprel(h (1/tau_s - 1/tau_m)), which is exact
 * in the singular case tau_s = tau_m (limit (h/C) e^{-h/tau_m}) and has no
 * cancellation near it; for h (1/tau_s - 1/tau_m) > 1 the first form, which
 * then has no cancellation and stays finite for tau_s -> 0. [mV/pA] */
static inline double sf_prop_p21(double tau_s, double tau_m, double c_m, double h)
{
    double x = h * (1.0 / tau_s - 1.0 / tau_m);
    if (x > 1.0) /* tau_s well below tau_m: no cancellation, and e^{-h/tau_s} exprel(x)
                    would be 0 * inf for tau_s << h */
        return tau_s * tau_m / (c_m * (tau_m - tau_s)) * (exp(-h / tau_m) - exp(-h / tau_s));
    return h / c_m * exp(-h / tau_s) * gsl_sf_exprel(x);
}

/* Membrane response at time h to an alpha-shaped current t e^{-t/tau_s}
 * (1 pA ms^-1 slope at 0, i.e. the current of the state dI = 1 pA/ms,
 * I = 0 at time 0):
 *   P31 = (1/C) int_0^h e^{-(h-s)/tau_m} s e^{-s/tau_s} ds
 *       = (e^{-h/tau_m}/C) (1 - e^{-x} (1 + x)) / g^2,  g = 1/tau_s - 1/tau_m, x = g h,
 * written as (h^2/(2C)) e^{-h/tau_s} exprel_2(x), exprel_2(x) = 2 (e^x - 1 - x)/x^2,
 * which is exact in the singular case tau_s = tau_m (limit h^2/(2C) e^{-h/tau_m})
 * and free of cancellation near it. For x > 50 (tau_s << h) the direct form
 * has no cancellation and exprel_2 would overflow. [mV ms / pA] */
static inline double sf_prop_p31(double tau_s, double tau_m, double c_m, double h)
{
    double g = 1.0 / tau_s - 1.0 / tau_m, x = h * g;
    if (x > 50.0)
        return exp(-h / tau_m) / c_m * (1.0 - exp(-x) * (1.0 + x)) / (g * g);
    return h * h / (2.0 * c_m) * exp(-h / tau_s) * gsl_sf_exprel_n(2, x);
}

/* Number of whole steps in a refractory period t (ms), as NEST's
 * Time(ms(t)).get_steps(): rounded to the nearest step. */
static inline double sf_prop_steps(double t, double h)
{
    return floor(t / h + 0.5);
}

/* The parameter check of the integrate-and-fire models: V_reset < V_th
 * (false, with the message in msg, otherwise). */
static inline bool sf_prop_check_reset(double v_reset, double v_th, char *msg, size_t len)
{
    if (!(v_reset < v_th)) {
        snprintf(msg, len, "V_reset (%g mV) must be below V_th (%g mV)", v_reset, v_th);
        return false;
    }
    return true;
}

/* NEST's threshold of the integrate-and-fire models at the end of a step:
 * *v >= v_th is a spike, *v = v_reset and *r = ref_steps (the refractory
 * steps). Returns whether it spiked. */
static inline bool sf_prop_fire(double *v, double *r, double v_th, double v_reset,
                                double ref_steps)
{
    if (*v >= v_th) {
        *r = ref_steps;
        *v = v_reset;
        return true;
    }
    return false;
}

/* NEST's receptor rule of the models with ports ex (0) and in (1): a weight
 * w > 0 goes to ex, w < 0 to in (whose weights are <= 0); -1 when a
 * projection's weights take both signs. */
static inline int sf_prop_port_by_sign(double w_min, double w_max)
{
    return w_min >= 0 ? 0 : w_max <= 0 ? 1 : -1;
}

#endif
