/* The stopping rule of the covariance perceptron's soft-margin ascent
 * (covariance_perceptron.c; docs/learning.md, "Training").
 *
 * Fixed budget (tol = 0, the default): `ramp` steps, over which eta grows
 * geometrically from eta_start to eta_end, then the load is abandoned.
 * Converged (tol > 0): the ramp, then steps at eta = eta_end, checked
 * every `window` steps: the load has stalled when the best smallest
 * margin seen so far has risen by no more than tol * max(1, |best|) over
 * the last window. A stall halves the step size and doubles eta (a
 * smaller step resolves a sharper soft minimum), up to `decays` times;
 * the next stall abandons the load, and so does reaching `cap` steps. The rule sees
 * only the sequence of smallest margins, so it is deterministic for a seed
 * (one instance runs on one thread). Header-only, so that the unit test
 * drives it with margin sequences written by hand.
 */
#ifndef SF_LEARNING_COV_CONVERGE_H
#define SF_LEARNING_COV_CONVERGE_H

#include <math.h>
#include <stdbool.h>

typedef struct {
    int ramp, window, cap; /* steps of the eta ramp; check interval; hard cap */
    double tol;            /* 0: the fixed budget `ramp`                      */
    double best, ref;      /* best smallest margin so far; at the last check  */
    int decays, ndecay;    /* step-size halvings allowed; done               */
    double lr_f, eta_f;    /* factors on lr and eta_end: 2^-ndecay, 2^ndecay */
} sf_cov_conv;

static inline void sf_cov_conv_init(sf_cov_conv *c, int ramp, double tol, int window, int cap,
                                    int decays)
{
    c->decays = decays, c->ndecay = 0, c->lr_f = c->eta_f = 1;
    c->ramp = ramp, c->tol = tol, c->window = window < 1 ? 1 : window;
    c->cap = cap < ramp ? ramp : cap;
    c->best = c->ref = -INFINITY;
}

/* Called after the margins of step t (t = 0, 1, ...) are known, mu their
 * smallest, and before step t is taken; true: abandon the load. */
static inline bool sf_cov_conv_stop(sf_cov_conv *c, int t, double mu)
{
    c->best = fmax(c->best, mu);
    if (c->tol <= 0 || t >= c->cap)
        return t >= (c->tol <= 0 ? c->ramp : c->cap);
    if (t < c->ramp)
        return false;
    if (t == c->ramp) {
        c->ref = c->best;
        return false;
    }
    if ((t - c->ramp) % c->window)
        return false;
    bool stalled = !(c->best - c->ref > c->tol * fmax(1.0, fabs(c->ref)));
    c->ref = c->best;
    if (stalled && c->ndecay < c->decays) {
        c->ndecay++, c->lr_f *= 0.5, c->eta_f *= 2;
        return false;
    }
    return stalled;
}

/* eta at step t: geometric from e0 to e1 over the ramp, then e1 eta_f
 * (the step size is lr lr_f) */
static inline double sf_cov_conv_eta(const sf_cov_conv *c, int t, double e0, double e1)
{
    return t < c->ramp ? e0 * pow(e1 / e0, (double)t / c->ramp) : e1 * c->eta_f;
}

#endif
