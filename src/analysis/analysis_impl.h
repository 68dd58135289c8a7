/* Private helpers shared by the analysis sources: argument checks that put the
 * window and bins on the time grid, and a running mean / standard error. */
#ifndef SPIKEFIELD_ANALYSIS_IMPL_H
#define SPIKEFIELD_ANALYSIS_IMPL_H

#include "spikefield/analysis.h"

#include <stdint.h>

/* The window on the grid: steps k with k_start <= k < k_stop. */
typedef struct {
    int64_t k_start, k_stop;
} sf_an_window;

/* The window's full bins: bin b covers steps [k_start + b*width, k_start + (b+1)*width). */
typedef struct {
    int64_t width;  /* steps per bin */
    uint64_t count; /* full bins in the window */
} sf_an_bins;

/* Checks sp (not its arrays' contents) and the window; SF_ERR_ARG with a
 * message on ctx if anything is wrong. */
sf_status sf_an_check(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                      double t_stop_ms, sf_an_window *w);

/* Puts bins of bin_ms on the grid of the window; at least min_bins full bins
 * are required. who names the calling statistic in messages. */
sf_status sf_an_bins_make(sf_context *ctx, const char *who, const sf_spikes *sp,
                          const sf_an_window *w, double bin_ms, uint64_t min_bins,
                          sf_an_bins *b);

/* Reports a spike that breaks the input contract (unsorted or id >= n). */
sf_status sf_an_bad_spike(sf_context *ctx, const sf_spikes *sp, size_t i);

/* Running mean and variance (Welford 1962), for means over neurons or pairs. */
typedef struct {
    uint64_t n;
    double mean, m2;
} sf_an_acc;

static inline void sf_an_acc_add(sf_an_acc *a, double x)
{
    double d = x - a->mean;
    a->n++;
    a->mean += d / (double)a->n;
    a->m2 += d * (x - a->mean);
}

/* Mean (NaN if empty) and standard error of the mean (NaN if n < 2). */
void sf_an_acc_result(const sf_an_acc *a, double *mean, double *sem);

static inline void sf_an_set(double *p, double v)
{
    if (p)
        *p = v;
}
static inline void sf_an_setz(size_t *p, size_t v)
{
    if (p)
        *p = v;
}

#endif
