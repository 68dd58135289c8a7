/* The delay model of the theory: the one place that says which delays the
 * simulated network has, used by every family (LIF, Hawkes, binary, linear
 * rate). docs/theory.md, "Delay model".
 *
 * What the builder and the engine do (src/network/build.c, src/model/model.c
 * sf_dist_draw_n, src/network/network_impl.h sf_delay_steps,
 * docs/ARCHITECTURE.md "Engine"):
 *   - a synapse's delay X is drawn from the projection's distribution;
 *     values outside the redraw bounds [min, max] are drawn again, so X has
 *     the distribution conditioned on [min, max] (a truncated normal for a
 *     bounded normal);
 *   - it is stored in whole steps, D = nearbyint(X / h) clamped to
 *     [1, 65535];
 *   - update k advances from k h to (k + 1) h; an event it emits is stamped
 *     (k + 1) h and is input of update k + D, whose result is stamped
 *     (k + D + 1) h: from stamp to stamp the delay is exactly D h.
 * So the delay distribution of a pair is a distribution over the integers D,
 * p_D = P(nearbyint(X / h) = D | min <= X <= max) (the normal's mass on each
 * rounding interval, renormalised), and its transform is the finite sum
 *     E[e^{-s T}] = sum_D p_D e^{-s (D h + offset)},
 * exact, not a continuous approximation.
 *
 * The offset is the timing of the neuron model's output within a step
 * (sf_theory_timing): the events of LIF and binary neurons happen at the
 * stamp; a Hawkes neuron's count of a step integrates its intensity over the
 * step before the stamp (mean h/2 earlier, so the response sits h/2 later);
 * a rate unit's output is a sample held over the next step (h/2 earlier).
 *
 * Invariant: nothing here changes the model; the pmfs are read once per map
 * and owned by sf_theory_delays.
 */
#ifndef SF_THEORY_DELAY_H
#define SF_THEORY_DELAY_H

#include "model/model_impl.h"
#include "spikefield/theory.h"

/* How a neuron model's output is timed within a step, relative to the stamp
 * of the step's events. */
typedef enum {
    SF_THEORY_TIMING_EVENT = 0,  /* at the stamp (LIF spikes, binary transitions): 0 */
    SF_THEORY_TIMING_COUNT = 1,  /* the step's integral before the stamp (Hawkes): +h/2 */
    SF_THEORY_TIMING_HELD = 2    /* a sample held over the next step (rate units): -h/2 */
} sf_theory_timing;

/* The offset (ms) of a timing at step h. */
double sf_theory_timing_offset(sf_theory_timing t, double h);

/* Steps of the delay distribution d at step h: the smallest step *first and
 * the number of steps (>= 1) that carry probability. */
int sf_theory_delay_dist_steps(const sf_dist *d, double h, int *first);
/* Their probabilities p[0 .. n-1] (n from sf_theory_delay_dist_steps). */
void sf_theory_delay_dist_pmf(const sf_dist *d, double h, int first, int n, double *p);

/* The delays of every population pair of a model (a <- b at a * n + b: the
 * pair's projection with a positive mean in-degree; pairs without one have
 * no delay, n = 0), their mean and standard deviation (ms, offset
 * included). One allocation, owned by the struct. */
typedef struct {
    int n;
    sf_theory_delay_pmf *pmf;   /* [n^2]                                    */
    double *mean, *sd;          /* [n^2] ms                                 */
    double *store;              /* the probabilities                        */
    double offset;              /* ms, the timing offset of every pmf       */
} sf_theory_delays;

/* Fills d from m for the timing t (SF_ERR_NOMEM on ctx; d is then empty).
 * Free with sf_theory_delays_free (a zeroed struct is fine). */
sf_status sf_theory_delays_read(sf_context *ctx, const sf_model *m, sf_theory_timing t,
                                sf_theory_delays *d);
void sf_theory_delays_free(sf_theory_delays *d);

/* E[e^{-s T}] of the delay (dist, mean, sd) of sf_theory_delay_transform at
 * complex s (1/s), the analytic continuation of the transform; the
 * Gaussian and truncated Gaussian continue through erfc / Faddeeva. */
double complex sf_theory_delay_dist_laplace(sf_theory_delay_dist dist, double mean, double sd,
                                            double complex s);

/* The delay factor of pair i of net at s: its pmf when net has them, else
 * its (dist, mean, sd). */
double complex sf_theory_network_delay_laplace(const sf_theory_network *net, size_t i,
                                               double complex s);

#endif
