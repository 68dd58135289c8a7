/* Parameter indices of sde_poly (src/neurons/sde_poly.c): the order of its
 * parameter table, so that the theory (src/theory/sde/) reads parameters by
 * constant index, never by name. */
#ifndef SF_NEURONS_SDE_POLY_H
#define SF_NEURONS_SDE_POLY_H

enum {
    SF_SDE_TAU,    /* ms: the unit of time of the dimensionless SDE     */
    SF_SDE_L,      /* leak l > 0                                         */
    SF_SDE_ALPHA,  /* quadratic coefficient: drift term (alpha/2!) x^2    */
    SF_SDE_BETA,   /* cubic coefficient: drift term (beta/3!) x^3         */
    SF_SDE_D,      /* noise intensity: <xi(t) xi(s)> = D delta(t - s)     */
    SF_SDE_SCHEME, /* 0 Euler-Maruyama, 1 stochastic Heun                */
    SF_SDE_N_PARAMS
};

/* The drift f(x) = -l x + (alpha/2) x^2 + (beta/6) x^3 (Stapmanns et al.
 * 2020, science notes theory.md section 4a), shared by the neuron and the
 * theory. */
static inline double sf_sde_drift(double l, double alpha, double beta, double x)
{
    return x * (-l + x * (0.5 * alpha + x * (beta / 6.0)));
}

#endif
