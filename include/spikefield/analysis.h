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
#include "spikefield/network.h"

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
SF_API sf_status sf_analysis_rate(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                                  double t_stop_ms, double *rate_Hz, double *rate_sem);

/* Coefficient of variation of the inter-spike intervals: per neuron
 * CV_i = s_i / mean_i over the ISIs between its spikes in the window (s_i with
 * n-1 normalisation), averaged over the n_cv neurons with >= 3 spikes in the
 * window; cv_sem is the standard error of that average. */
SF_API sf_status sf_analysis_cv_isi(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                                    double t_stop_ms, double *cv, double *cv_sem,
                                    size_t *n_cv);

/* Fano factor of spike counts in bins of bin_ms: per neuron
 * F_i = var_i / mean_i over its counts in the window's B >= 2 full bins (var
 * with B-1 normalisation), averaged over the n_fano neurons with a nonzero
 * mean count; fano_sem is the standard error of that average. */
SF_API sf_status sf_analysis_fano(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
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
SF_API sf_status sf_analysis_corr(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                                  double t_stop_ms, double bin_ms, size_t n_pairs,
                                  uint64_t seed, double *corr, double *corr_sem,
                                  size_t *n_used, size_t *n_skipped);

/* Population rate histogram: rate_Hz[b] = (spikes in bin b) / (n_neurons *
 * bin_ms / 1000) for the window's full bins b = 0..nbins-1 (nbins >= 1).
 * *nbins (not NULL) receives the number of bins. rate_Hz == NULL only queries
 * *nbins; otherwise capacity must be >= *nbins (else SF_ERR_ARG). */
SF_API sf_status sf_analysis_pop_rate(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                                      double t_stop_ms, double bin_ms, double *rate_Hz,
                                      size_t capacity, size_t *nbins);

/* Same, into an array allocated here: *rate_Hz is owned by the caller and
 * freed with sf_analysis_free; it is NULL after a failure. */
SF_API sf_status sf_analysis_pop_rate_alloc(sf_context *ctx, const sf_spikes *sp,
                                            double t_start_ms, double t_stop_ms, double bin_ms,
                                            double **rate_Hz, size_t *nbins);

/* Frees an array returned by an sf_analysis_*_alloc function. NULL is a no-op. */
SF_API void sf_analysis_free(void *p);

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

SF_API sf_status sf_analysis_population(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                                        double t_stop_ms, double bin_ms, size_t n_pairs,
                                        uint64_t seed, sf_pop_stats *out);

/* ---------------------------------------------------------------------------
 * The summary of a run (what `spikefield run` writes as summary.json and
 * prints as its table; src/engine/summary.c). */

/* Statistics of every population of rec (a recording of a network built
 * from m) as the summary reports them: sf_analysis_population over the
 * window [analysis.start, t_end of the recording) with analysis.bin,
 * analysis.pairs and the model's seed. stats has sf_model_population_count
 * entries (caller-owned); a population that is not spike-recorded, or a
 * window that is empty, gets NaN values and zero counts. When the analysis
 * of a population fails, its entry stays NaN, the others are still
 * computed, and the first failure is returned with the message "analysis of
 * POP: what". */
SF_API sf_status sf_recording_analyse(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                                      sf_pop_stats *stats);

/* The summary of rec, a recording of net, as JSON text (the layout of
 * summary.json, docs/cli.md): model file, seed, threads, interrupted,
 * t_end_ms, duration_ms, analysis window, per population the statistics
 * (stats from sf_recording_analyse, or NULL to compute them here), the
 * network's synapse counts, timing and the output file names of
 * sf_recording_write. *text is NUL-terminated and owned by the caller
 * (free()); NULL after a failure. */
SF_API sf_status sf_recording_summary_json(sf_context *ctx, const sf_recording *rec,
                                           const sf_network *net, const sf_pop_stats *stats,
                                           char **text);
/* The same text written to path (temporary name .NAME.part in the same
 * folder, renamed when complete; fails with SF_ERR_IO "cannot write PATH"). */
SF_API sf_status sf_recording_write_summary(sf_context *ctx, const sf_recording *rec,
                                            const sf_network *net, const sf_pop_stats *stats,
                                            const char *path);

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
SF_API sf_status sf_analysis_spectrum_plan_create(sf_context *ctx, uint32_t n_neurons,
                                                  size_t seg_bins, sf_spectrum_plan **plan);
SF_API void sf_analysis_spectrum_plan_destroy(sf_spectrum_plan *plan);

/* Estimates the spectra and covariance functions of sp (sp->n_neurons must be
 * the plan's) from the window's first n_segments = floor(B / seg_bins) >= 1
 * segments of bins of bin_ms. out has SF_SPEC_ROWS * (seg_bins/2 + 1)
 * doubles (caller-owned); standard errors are NaN when n_segments == 1.
 * n_segments may be NULL. Allocates only when a segment holds more spikes
 * than any segment before on this plan. */
SF_API sf_status sf_analysis_spectrum(sf_context *ctx, sf_spectrum_plan *plan, const sf_spikes *sp,
                                      double t_start_ms, double t_stop_ms, double bin_ms,
                                      double *out, size_t *n_segments);

/* ===========================================================================
 * Population-resolved covariances (src/analysis/popcov.c; the estimators are
 * defined here, their use in `spikefield compare` in docs/binary.md,
 * hawkes.md, ou.md). Two populations a and b (a == b allowed), from spike
 * trains (sf_spikes views) or from continuous signals (binary states, rate
 * traces: sf_signal below). Tests: tests/unit/test_popcov.c; benchmark:
 * bench/bench_popcov.c (10^4 neurons, 100 s: 0.33 s for E-E, E-I, I-I).
 *
 * Same population: pass b == NULL or b == a (the same pointer). Then the
 * statistics are split into the neurons' own part (auto) and the part from
 * distinct pairs (cross), as in sf_analysis_spectrum.
 *
 * Standard errors come from independent segments: the analysed stretch is
 * cut into equal segments, each gives one estimate, the result is the mean
 * over segments and the SE their standard error (segments treated as
 * independent, which holds when a segment is much longer than the
 * correlation time). Means are subtracted once, over all segments used.
 * =========================================================================== */

/* Zero-lag covariance between populations a and b, in the units of the
 * input squared (counts^2 per bin for spikes; [signal]^2 for signals):
 *   pop   Cov(A_a, A_b) of the population averages A = (1/n) sum_i x_i;
 *   cross a != b: equal to pop, = Cov(X_a, X_b)/(n_a n_b) with X the
 *         population sums (the average over all pairs i in a, j in b);
 *         a == b: the average over distinct pairs,
 *         (Var(X_a) - sum_i Var(x_i)) / (n (n - 1));
 *   auto  a == b: the average single-neuron variance (1/n) sum_i Var(x_i)
 *         (pop = auto/n + (1 - 1/n) cross); a != b: NaN.
 * Each with its standard error over n_segments segments. */
typedef struct {
    double pop, pop_sem;
    double cross, cross_sem;
    double auto_var, auto_sem;
    double mean_a, mean_b;     /* mean of x per neuron (count per bin, or signal) */
    size_t n_segments;         /* segments used                                  */
    size_t seg_len;            /* bins (samples) per segment                     */
} sf_pop_cov;

/* Zero-lag spike-count covariance at bin size bin_ms between populations a
 * and b (both on the same grid h), over the window's B full bins: segments
 * of floor(B / n_segments) bins (n_segments >= 2, at least 2 bins each),
 * the bins left over at the end unused. Per segment s the estimate is
 * (1/B_s) sum_b (x_b - mu)(y_b - nu) with means over all used bins, times
 * B/(B - 1) so that the mean over segments is unbiased for independent
 * bins. One pass over the spikes of each population (two for a == b);
 * memory 8 bytes per bin and population and (a == b) 20 bytes per neuron. */
SF_API sf_status sf_analysis_count_cov(sf_context *ctx, const sf_spikes *a, const sf_spikes *b,
                                       double t_start_ms, double t_stop_ms, double bin_ms,
                                       size_t n_segments, sf_pop_cov *out);

/* A continuous signal of one population, borrowed: the population average
 * of the neurons' signals x_i sampled every dt_ms, plus (optionally) the
 * average single-neuron variance, which the auto / cross split needs.
 * sf_analysis_binary_signal and sf_analysis_trace_signal build one. */
typedef struct {
    const double *mean;       /* [n_samples] A(t_k) = (1/n) sum_i x_i(t_k)    */
    size_t n_samples;
    double dt_ms;             /* sampling interval > 0                        */
    uint32_t n_neurons;       /* n >= 1 neurons averaged                      */
    double var_single;        /* (1/n) sum_i Var_t(x_i) over the same samples,
                                 NaN if unknown (no auto / cross split)       */
} sf_signal;

/* Binary states reconstructed from transition events: every event of a
 * neuron toggles its state (0 <-> 1); initial[i] in {0, 1} is the state of
 * neuron i before its first event (NULL: all 0). The state at step k counts
 * the events with step <= k. Samples are taken at the steps
 * k_start + j w, w = dt_ms / h (a whole number >= 1), j = 0 .. n - 1, inside
 * the window; *n_samples (not NULL) receives n; mean == NULL only queries n,
 * else capacity >= n. var_single (optional) receives (1/n) sum_i m_i (1 - m_i)
 * with m_i neuron i's fraction of up-samples (the exact time variance of a
 * 0/1 signal on those samples). O(spikes + n_neurons). */
SF_API sf_status sf_analysis_binary_signal(sf_context *ctx, const sf_spikes *transitions,
                                           const uint8_t *initial, double t_start_ms,
                                           double t_stop_ms, double dt_ms, double *mean,
                                           size_t capacity, size_t *n_samples, double *var_single);

/* Traces of n_nodes neurons (a voltmeter recording: data[t * n_nodes + j],
 * t < n_times): mean[t] = (1/n_nodes) sum_j data[t * n_nodes + j] (caller
 * array of n_times), var_single (optional) = (1/n_nodes) sum_j of the time
 * variance of neuron j (1/n_times normalisation, as for the covariances). */
SF_API sf_status sf_analysis_trace_signal(sf_context *ctx, const float *data, size_t n_times,
                                          uint32_t n_nodes, double *mean, double *var_single);

/* Zero-lag covariance of two signals (same n_samples and dt_ms; b == NULL
 * or b == a: the same population), segments as sf_analysis_count_cov over
 * the samples. For a == b the auto / cross split uses a->var_single (NaN if
 * unknown) as the same constant in every segment, so the SEs of cross and
 * auto carry only the fluctuation of Var(A). */
SF_API sf_status sf_analysis_signal_cov(sf_context *ctx, const sf_signal *a, const sf_signal *b,
                                        size_t n_segments, sf_pop_cov *out);

/* Cross-spectra and covariance functions between two populations, by FFT of
 * segments of seg_bins (L, even) bins zero-padded to 2L (linear, not
 * circular, correlations), averaged over floor(B / L) >= 1 segments.
 * Output: SF_XSPEC_ROWS rows of n = L + 1 doubles, row r at out + r n.
 * Frequencies and lags are two-sided, index j = 0 .. L:
 *   f_j   = (j - L/2) / (L Delta)   (Hz; both ends are the Nyquist frequency)
 *   tau_j = (j - L/2) Delta         (ms)
 * Activities: spikes A(t) = X(t) / (n Delta) (Hz, as sf_analysis_spectrum);
 * signals A(t) as given, Delta = dt. With y = A - mean and Y its DFT,
 *   S_ab(f)   = Y_a(f) Y_b(f)^* Delta / L          ([A]^2 / Hz), complex,
 *               S_ab(-f) = S_ab(f)^*, S_ba = S_ab^*;
 *   C_ab(tau) = sum_t y_a(t + tau) y_b(t) / (L - |tau|/Delta)   ([A]^2),
 *               the covariance <dA_a(t + tau) dA_b(t)> (tau > 0: a follows b),
 * matching the theory's conventions (theory.h). Split for a == b with
 * spikes (needs a plan made with n_auto = n of the population): AUTO / CROSS
 * rows from sf_analysis_spectrum (the neurons' own spectra and the rest),
 * mirrored to negative f and tau; for a != b AUTO = 0 and CROSS = the
 * whole; for signals, or a plan without n_auto, AUTO and CROSS are NaN. */
typedef enum {
    SF_XSPEC_FREQ_HZ = 0,
    SF_XSPEC_RE, SF_XSPEC_RE_SEM,        /* Re S_ab(f)                        */
    SF_XSPEC_IM, SF_XSPEC_IM_SEM,        /* Im S_ab(f)                        */
    SF_XSPEC_AUTO, SF_XSPEC_AUTO_SEM,    /* a == b: sum_i |Y_i|^2 part (real) */
    SF_XSPEC_CROSS, SF_XSPEC_CROSS_SEM,  /* Re S_ab - AUTO                    */
    SF_XCOV_LAG_MS,
    SF_XCOV, SF_XCOV_SEM,                /* C_ab(tau)                         */
    SF_XCOV_AUTO, SF_XCOV_AUTO_SEM,
    SF_XCOV_CROSS, SF_XCOV_CROSS_SEM,
    SF_XSPEC_ROWS
} sf_xspectrum_row;

typedef struct sf_xspectrum_plan sf_xspectrum_plan;

/* Plans segments of seg_bins (even, >= 2) bins. n_auto > 0 also plans the
 * auto / cross split of spikes of a population of n_auto neurons (an inner
 * sf_spectrum_plan); 0: no split. Memory ~ 100 L bytes (+ the inner plan).
 * FFTW planning: never concurrently with other planning (see
 * sf_analysis_spectrum_plan_create). destroy(NULL) is a no-op. */
SF_API sf_status sf_analysis_xspectrum_plan_create(sf_context *ctx, size_t seg_bins,
                                                   uint32_t n_auto, sf_xspectrum_plan **plan);
SF_API void sf_analysis_xspectrum_plan_destroy(sf_xspectrum_plan *plan);

/* From spikes, bins of bin_ms over the window (both populations on the same
 * grid). Allocates the binned counts (8 bytes per bin and population) per
 * call. n_segments (optional) receives the segments used; SEs are NaN for 1. */
SF_API sf_status sf_analysis_xspectrum(sf_context *ctx, sf_xspectrum_plan *plan, const sf_spikes *a,
                                       const sf_spikes *b, double t_start_ms, double t_stop_ms,
                                       double bin_ms, double *out, size_t *n_segments);

/* From signals (same n_samples and dt_ms); Delta = dt. */
SF_API sf_status sf_analysis_signal_xspectrum(sf_context *ctx, sf_xspectrum_plan *plan,
                                              const sf_signal *a, const sf_signal *b, double *out,
                                              size_t *n_segments);

/* Cross-spectra and covariance functions of n_pairs sampled neuron pairs
 * (i from a, j from b; i != j when b is NULL or a), averaged over the pairs:
 * out has the layout of sf_analysis_xspectrum with seg_bins + 1 columns;
 * the rows SF_XSPEC_RE, SF_XSPEC_IM and SF_XCOV hold the pair averages and
 * their _SEM rows the standard error over pairs (pairs drawn independently
 * from the stream (seed, SF_RNG_ANALYSIS, pair entity), so a pair may repeat);
 * the AUTO/CROSS rows are NaN. *n_used (optional) receives the pairs used.
 * Memory: 8 bytes per spike of a and b. */
SF_API sf_status sf_analysis_pair_xspectrum(sf_context *ctx, const sf_spikes *a, const sf_spikes *b,
                                            size_t n_pairs, uint64_t seed, size_t seg_bins,
                                            double t_start_ms, double t_stop_ms, double bin_ms,
                                            double *out, size_t *n_used);

/* Response of a population's rate to a sinusoidal modulation at f_Hz: the
 * complex amplitude X (Hz) of r(t) = r_0 + Im(X e^{i omega t}), so that a
 * modulation amp sin(omega t + phi) = Im(amp e^{i phi} e^{i omega t}) with
 * transfer function H gives X = H amp e^{i phi}. Estimated from the neurons
 * first .. first + count - 1 (independent of each other: one independent
 * sample per neuron), over the longest stretch of whole periods from
 * t_start_ms within the window (so that the constant rate has no Fourier
 * component there):
 *     Z_j = i (2/T) sum_{spikes s of neuron j} e^{-i omega t_s},  X = mean_j Z_j,
 * with the variance of X from the spread of the Z_j over neurons
 * (docs/analysis.md, "Response to a modulation"). amplitude is |X| with its
 * first-order noise bias removed, phase = arg X in (-pi, pi], each with the
 * delta-method standard error. SF_ERR_RANGE when the window holds no whole
 * period or count < 2. */
typedef struct {
    double re, im;                  /* X, Hz                                  */
    double var_re, var_im, cov;     /* of the estimate X (Hz^2)               */
    double amplitude, amplitude_se; /* Hz                                     */
    double phase, phase_se;         /* rad                                    */
    double t_used_ms;               /* the whole periods used                 */
    uint32_t n_neurons;
} sf_response;

SF_API sf_status sf_analysis_response(sf_context *ctx, const sf_spikes *sp, uint32_t first,
                                      uint32_t count, double t_start_ms, double t_stop_ms,
                                      double f_Hz, sf_response *out);

#ifdef __cplusplus
}
#endif
#endif
