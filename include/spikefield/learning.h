/* spikefield learning: experiments that are not time-stepped (the
 * covariance perceptron and its capacity, ReLU networks that fold data,
 * learning curves of kernel regression, Langevin ensembles of two-layer
 * networks), described in a model file by a
 * top-level `learning:` section and run with the same three verbs as the
 * simulations (docs/learning.md).
 *
 *     sf_model *m;  sf_model_load(ctx, "examples/covariance_perceptron.yaml", NULL, 0, &m);
 *     if (sf_model_is_learning(m)) {
 *         sf_quantities *est = NULL, *pred = NULL, *cmp = NULL;
 *         sf_learning_run(ctx, m, NULL, &est, NULL);      // train and measure
 *         sf_learning_predict(ctx, m, &pred);             // the theory
 *         sf_learning_compare(ctx, m, est, pred, &cmp);   // side by side (z from the SE)
 *     }
 *
 * An experiment is a number of independent instances (`learning.seeds`):
 * instance s draws every random number from the Philox streams (seed,
 * SF_RNG_LEARN, s << 32 | stream), so the results are the same for any
 * number of threads (instances run in parallel; BLAS runs on one thread
 * inside each). An estimate is the mean over the instances with its
 * standard error (the sample standard deviation / sqrt(instances)).
 *
 * Ownership: the lists returned through out-pointers belong to the caller
 * (sf_quantities_destroy). Thread-safety: as the rest of the library, one
 * context per thread; the model is only read.
 */
#ifndef SPIKEFIELD_LEARNING_H
#define SPIKEFIELD_LEARNING_H

#include "spikefield/compare.h"
#include "spikefield/core.h"
#include "spikefield/model.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options of sf_learning_run; NULL or all-zero for the defaults. */
typedef struct {
    /* polled between training steps: when *stop becomes non-zero the
     * instances in progress end at the next step, keep what they learned
     * and are measured; instances not begun are left out */
    const volatile int *stop;
    /* called on the calling thread after each finished instance: done and
     * total instances, wall seconds so far */
    void (*progress)(void *user, int done, int total, double wall_s);
    void *user;
    int threads;          /* 0: the model's simulation.threads            */
} sf_learning_options;

/* True when m was loaded from a file with a `learning:` section (it then
 * has no populations; the simulation verbs do not apply to it). */
SF_API bool sf_model_is_learning(const sf_model *m);
/* The task kind of a learning model ("covariance_perceptron", "origami",
 * "learning_curve", "langevin"), NULL for other models. Static string. */
SF_API const char *sf_learning_task(const sf_model *m);

/* The registered task kinds: count, name and one-line description. */
SF_API int sf_learning_task_count(void);
SF_API const char *sf_learning_task_name(int i);
SF_API const char *sf_learning_task_doc(int i);

/* Trains and measures: *out is a list of kind SF_QUANTITIES_ESTIMATE (mean
 * and standard error over the instances). *interrupted (may be NULL) says
 * whether opt->stop ended it early (the list then holds the instances
 * measured so far and a note). */
SF_API sf_status sf_learning_run(sf_context *ctx, const sf_model *m, const sf_learning_options *opt,
                                 sf_quantities **out, bool *interrupted);
/* The theory of the experiment (kind SF_QUANTITIES_PREDICTION), named as
 * the estimates of sf_learning_run. */
SF_API sf_status sf_learning_predict(sf_context *ctx, const sf_model *m, sf_quantities **out);
/* Measured against predicted: the generic comparison of compare.h (z from
 * the standard errors over instances). pred NULL: computed here. */
SF_API sf_status sf_learning_compare(sf_context *ctx, const sf_model *m, const sf_quantities *est,
                                     const sf_quantities *pred, sf_quantities **out);

/* Hartigan's dip test of unimodality (Hartigan & Hartigan, Ann. Statist.
 * 13, 70, 1985) of the n values x (any order; n >= 2): *dip is the largest
 * distance sup |F_n - G| of the empirical distribution function from the
 * nearest unimodal G (at least 1/(2n)); *p (may be NULL) is its p-value
 * against `reps` uniform samples of size n drawn from the stream (seed,
 * SF_RNG_LEARN, entity 0): (1 + #{null dips >= dip}) / (reps + 1). reps 0
 * skips the p-value (*p NaN). */
SF_API sf_status sf_learning_dip_test(sf_context *ctx, const double *x, int n, int reps,
                                      uint64_t seed, double *dip, double *p);

#ifdef __cplusplus
}
#endif
#endif
