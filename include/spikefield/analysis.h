/* spikefield analysis: spike-train statistics of one population.
 *
 * Input is a borrowed view of a population's spikes (sf_spikes): two parallel
 * arrays, the local node id (0..n_neurons-1) and the time step of each spike,
 * sorted by step (the order of spikes within one step does not matter). A
 * spike at step k happened at t = k * h_ms. Every statistic looks only at
 * spikes inside the analysis window [t_start_ms, t_stop_ms); the window is
 * put on the time grid as the steps k with t_start <= k*h < t_stop, so its
 * duration is T = (k_stop - k_start) * h.
 *
 * Statistics that bin spikes use bins of bin_ms, which must be a whole number
 * of steps; bins start at the window's first step and only full bins are used
 * (spikes after the last full bin are ignored by binned statistics).
 *
 * A mean over an empty set (no neuron qualifies, no usable pair) is NaN with
 * its count 0; a standard error needs two contributors, else it is NaN. Only
 * invalid arguments are errors (SF_ERR_ARG, message on ctx).
 *
 * Usage:
 *     sf_spikes sp = {.node_ids = ids, .steps = steps, .n_spikes = m,
 *                     .n_neurons = 10000, .population = 0, .h_ms = 0.1};
 *     sf_pop_stats st;
 *     if (sf_analysis_population(ctx, &sp, 500.0, 100500.0, 10.0, 1000, 42, &st))
 *         fprintf(stderr, "%s\n", sf_context_errmsg(ctx));
 *
 * Ownership and threads (applies to every function below unless it says
 * otherwise): inputs are borrowed, read only and not kept after the call;
 * outputs are written through caller pointers, any of which may be NULL when
 * the value is not wanted; scratch memory is allocated and freed inside the
 * call (O(n_neurons) plus what a function states). Functions are reentrant:
 * concurrent calls are safe with one ctx per thread.
 *
 * docs/analysis.md defines each estimator precisely.
 */
#ifndef SPIKEFIELD_ANALYSIS_H
#define SPIKEFIELD_ANALYSIS_H

#include "spikefield/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Borrowed view of one population's spikes. Nothing here is owned or freed by
 * the analysis functions. node_ids and steps may be NULL when n_spikes == 0. */
typedef struct {
    const uint32_t *node_ids; /* [n_spikes] local ids, < n_neurons          */
    const int64_t *steps;     /* [n_spikes] non-decreasing time steps       */
    size_t n_spikes;
    uint32_t n_neurons;       /* population size n >= 1 (silent ones count) */
    uint32_t population;      /* population index: entity of the stream that
                                 samples pairs (SF_RNG_ANALYSIS)            */
    double h_ms;              /* time grid resolution h > 0                 */
} sf_spikes;

/* Mean firing rate per neuron in Hz (count in window / T, averaged over all
 * n_neurons neurons) and its standard error over neurons. */
sf_status sf_analysis_rate(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                           double t_stop_ms, double *rate_Hz, double *rate_sem);

/* Coefficient of variation of the inter-spike intervals: per neuron
 * CV_i = s_i / mean_i over the ISIs between its spikes in the window (s_i with
 * n-1 normalisation), averaged over the n_cv neurons with >= 3 spikes in the
 * window; cv_sem is the standard error of that average. */
sf_status sf_analysis_cv_isi(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                             double t_stop_ms, double *cv, double *cv_sem,
                             size_t *n_cv);

/* Fano factor of spike counts in bins of bin_ms: per neuron
 * F_i = var_i / mean_i over its counts in the window's B >= 2 full bins (var
 * with B-1 normalisation), averaged over the n_fano neurons with a nonzero
 * mean count; fano_sem is the standard error of that average. */
sf_status sf_analysis_fano(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                           double t_stop_ms, double bin_ms, double *fano,
                           double *fano_sem, size_t *n_fano);

/* Pearson correlation coefficient of the spike counts of two neurons in the
 * window's B >= 2 full bins of bin_ms, averaged over min(n_pairs, n(n-1)/2)
 * distinct unordered pairs drawn uniformly without replacement from the
 * stream (seed, SF_RNG_ANALYSIS, sp->population) (all pairs when n_pairs is at
 * least their number). Pairs where a neuron's counts have zero variance are
 * skipped: n_used + n_skipped = pairs drawn. corr_sem is the standard error
 * over the used pairs, treating them as independent. Extra memory: 4 bytes
 * per spike of the sampled neurons, 16 bytes per pair, 4 per neuron. Pairs
 * are processed by OpenMP threads; the result does not depend on their
 * number. */
sf_status sf_analysis_corr(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                           double t_stop_ms, double bin_ms, size_t n_pairs,
                           uint64_t seed, double *corr, double *corr_sem,
                           size_t *n_used, size_t *n_skipped);

/* Population rate histogram: rate_Hz[b] = (spikes in bin b) / (n_neurons *
 * bin_ms / 1000) for the window's full bins b = 0..nbins-1 (nbins >= 1).
 * *nbins (not NULL) receives the number of bins. rate_Hz == NULL only queries
 * *nbins; otherwise capacity must be >= *nbins (else SF_ERR_ARG). */
sf_status sf_analysis_pop_rate(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                               double t_stop_ms, double bin_ms, double *rate_Hz,
                               size_t capacity, size_t *nbins);

/* Same, into an array allocated here: *rate_Hz is owned by the caller and
 * freed with sf_analysis_free; it is NULL after a failure. */
sf_status sf_analysis_pop_rate_alloc(sf_context *ctx, const sf_spikes *sp,
                                     double t_start_ms, double t_stop_ms, double bin_ms,
                                     double **rate_Hz, size_t *nbins);

/* Frees an array returned by an sf_analysis_*_alloc function. NULL is a no-op. */
void sf_analysis_free(void *p);

/* All of the above at once (two passes over the spikes). */
typedef struct {
    double rate_Hz, rate_sem;   /* over all n_neurons neurons             */
    double cv_isi, cv_sem;      /* over n_cv neurons with >= 3 spikes     */
    size_t n_cv;
    double fano, fano_sem;      /* over n_fano neurons with spikes in bins */
    size_t n_fano;
    double corr, corr_sem;      /* over n_pairs_used pairs               */
    size_t n_pairs_used, n_pairs_skipped;
} sf_pop_stats;

sf_status sf_analysis_population(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                                 double t_stop_ms, double bin_ms, size_t n_pairs,
                                 uint64_t seed, sf_pop_stats *out);

/* ---------------------------------------------------------------------------
 * Spectra and covariance functions of the population-averaged activity
 * a(t) = (1/n) sum_i x_i(t) / bin, x_i(t) the count of neuron i in the bin at
 * t, split into the part from the neurons' own autocorrelations (auto) and
 * the part from pairs of distinct neurons (cross = population - auto). The
 * window's full bins are cut into segments of seg_bins bins; every segment
 * gives one estimate and the result is the mean over segments with its
 * standard error (segments treated as independent). Describe, plan, execute:
 * the plan holds the FFTW plans and all buffers, and is reused across
 * segments and calls. See docs/analysis.md for the estimators.
 */
typedef struct sf_spectrum_plan sf_spectrum_plan;

/* Rows of the output of sf_analysis_spectrum: out[row * n_out + j],
 * j = 0..n_out-1 with n_out = seg_bins/2 + 1. Spectra are two-sided power
 * spectral densities of a(t) in Hz^2/Hz = Hz at f_j = j / (seg_bins * bin);
 * covariance functions are in Hz^2 at lags tau_j = j * bin (they are even in
 * tau, so only tau >= 0 is given). */
typedef enum {
    SF_SPEC_FREQ_HZ = 0,            /* f_j                                   */
    SF_SPEC_POP, SF_SPEC_POP_SEM,   /* spectrum of a(t)                      */
    SF_SPEC_AUTO, SF_SPEC_AUTO_SEM, /* sum_i |Y_i(f)|^2 / (L bin n^2)       */
    SF_SPEC_CROSS, SF_SPEC_CROSS_SEM,
    SF_COV_LAG_MS,                  /* tau_j                                  */
    SF_COV_POP, SF_COV_POP_SEM,     /* covariance function of a(t)           */
    SF_COV_AUTO, SF_COV_AUTO_SEM,
    SF_COV_CROSS, SF_COV_CROSS_SEM,
    SF_SPEC_ROWS                    /* number of rows                         */
} sf_spectrum_row;

/* Plans transforms of segments of seg_bins bins (even, >= 2) for a
 * population of n_neurons. *plan is owned by the caller and released with
 * sf_analysis_spectrum_plan_destroy (NULL is a no-op). Memory: about
 * 140 * seg_bins + 28 * n_neurons bytes. Threads: creating and destroying
 * plans calls FFTW's planner, which is not thread-safe: never concurrently
 * with other FFTW planning in the process. Executing is safe concurrently on
 * different plans; one plan is used by one thread at a time. */
sf_status sf_analysis_spectrum_plan_create(sf_context *ctx, uint32_t n_neurons,
                                           size_t seg_bins, sf_spectrum_plan **plan);
void sf_analysis_spectrum_plan_destroy(sf_spectrum_plan *plan);

/* Estimates the spectra and covariance functions of sp (sp->n_neurons must be
 * the plan's) from the window's first n_segments = floor(B / seg_bins) >= 1
 * segments of bins of bin_ms. out has SF_SPEC_ROWS * (seg_bins/2 + 1)
 * doubles (caller-owned); standard errors are NaN when n_segments == 1.
 * n_segments may be NULL. Allocates only when a segment holds more spikes
 * than any segment before on this plan. */
sf_status sf_analysis_spectrum(sf_context *ctx, sf_spectrum_plan *plan, const sf_spikes *sp,
                               double t_start_ms, double t_stop_ms, double bin_ms,
                               double *out, size_t *n_segments);

#ifdef __cplusplus
}
#endif
#endif
