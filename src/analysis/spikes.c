/* Single-neuron spike-train statistics of one population: rate, CV of the
 * ISIs, Fano factor of binned counts, and the population rate histogram.
 *
 * Invariant: one sequential pass over the time-sorted spikes with O(1) state
 * per neuron (neuron_acc). Because each neuron's spikes arrive in time order,
 * its ISIs are differences of consecutive spikes and its bin counts close one
 * bin at a time: sum_b c_b^2 needs only the count of the bin still open. Empty
 * bins contribute nothing to sum_b c_b and sum_b c_b^2, so they are never
 * visited. Memory: sizeof(neuron_acc) = 64 bytes per neuron.
 */
#include "analysis_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Shared checks (declared in analysis_impl.h). */

/* Relative slack when deciding that t/h or bin/h is a whole number: absorbs
 * the rounding of decimal inputs such as 0.1 and 100.3 ms. */
#define GRID_TOL 1e-9
/* Largest |step| accepted for a window bound, far from int64 overflow. */
#define GRID_MAX 4.0e18

static int on_grid(double x, double *r)
{
    *r = nearbyint(x);
    return fabs(x - *r) <= GRID_TOL * fmax(1.0, fabs(x));
}

/* First step k with k*h >= t (t itself when t is on the grid). */
static int64_t grid_ceil(double x)
{
    double r;
    return on_grid(x, &r) ? (int64_t)r : (int64_t)ceil(x);
}

sf_status sf_an_check(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                      double t_stop_ms, sf_an_window *w)
{
    if (!sp)
        return sf_fail(ctx, SF_ERR_ARG, "analysis: spikes view is NULL");
    if (sp->n_neurons == 0)
        return sf_fail(ctx, SF_ERR_ARG, "analysis: population has n_neurons = 0");
    if (!(isfinite(sp->h_ms) && sp->h_ms > 0.0))
        return sf_fail(ctx, SF_ERR_ARG, "analysis: resolution h_ms = %g must be > 0",
                       sp->h_ms);
    if (sp->n_spikes > 0 && (!sp->node_ids || !sp->steps))
        return sf_fail(ctx, SF_ERR_ARG,
                       "analysis: %zu spikes but node_ids or steps is NULL", sp->n_spikes);
    if (!(isfinite(t_start_ms) && isfinite(t_stop_ms) && t_stop_ms > t_start_ms))
        return sf_fail(ctx, SF_ERR_ARG,
                       "analysis: window [%g, %g) ms is empty or not finite", t_start_ms,
                       t_stop_ms);
    double a = t_start_ms / sp->h_ms, b = t_stop_ms / sp->h_ms;
    if (fabs(a) > GRID_MAX || fabs(b) > GRID_MAX)
        return sf_fail(ctx, SF_ERR_ARG,
                       "analysis: window [%g, %g) ms is too far from 0 for h = %g ms",
                       t_start_ms, t_stop_ms, sp->h_ms);
    w->k_start = grid_ceil(a);
    w->k_stop = grid_ceil(b);
    if (w->k_stop <= w->k_start)
        return sf_fail(ctx, SF_ERR_ARG,
                       "analysis: window [%g, %g) ms holds no step of the h = %g ms grid",
                       t_start_ms, t_stop_ms, sp->h_ms);
    return SF_OK;
}

sf_status sf_an_bins_make(sf_context *ctx, const char *who, const sf_spikes *sp,
                          const sf_an_window *w, double bin_ms, uint64_t min_bins,
                          sf_an_bins *b)
{
    double r;
    if (!(isfinite(bin_ms) && bin_ms > 0.0))
        return sf_fail(ctx, SF_ERR_ARG, "%s: bin width bin_ms = %g must be > 0", who,
                       bin_ms);
    if (!on_grid(bin_ms / sp->h_ms, &r) || r < 1.0)
        return sf_fail(ctx, SF_ERR_ARG,
                       "%s: bin width %g ms is not a whole number of steps of h = %g ms",
                       who, bin_ms, sp->h_ms);
    double span = (double)(w->k_stop - w->k_start);
    if (r > span) /* also keeps the cast below in range */
        return sf_fail(ctx, SF_ERR_ARG,
                       "%s: window of %g ms is shorter than one bin of %g ms", who,
                       span * sp->h_ms, bin_ms);
    b->width = (int64_t)r;
    b->count = (uint64_t)((w->k_stop - w->k_start) / b->width);
    if (b->count < min_bins)
        return sf_fail(ctx, SF_ERR_ARG,
                       "%s: window of %g ms holds %llu full bin(s) of %g ms, need >= %llu",
                       who, span * sp->h_ms, (unsigned long long)b->count, bin_ms,
                       (unsigned long long)min_bins);
    return SF_OK;
}

sf_status sf_an_bad_spike(sf_context *ctx, const sf_spikes *sp, size_t i)
{
    if (sp->node_ids[i] >= sp->n_neurons)
        return sf_fail(ctx, SF_ERR_ARG,
                       "analysis: spike %zu has node id %u >= n_neurons = %u", i,
                       sp->node_ids[i], sp->n_neurons);
    return sf_fail(ctx, SF_ERR_ARG,
                   "analysis: spikes not sorted by time: spike %zu at step %lld follows "
                   "step %lld",
                   i, (long long)sp->steps[i], (long long)sp->steps[i - 1]);
}

void sf_an_acc_result(const sf_an_acc *a, double *mean, double *sem)
{
    sf_an_set(mean, a->n > 0 ? a->mean : NAN);
    sf_an_set(sem, a->n > 1 ? sqrt(a->m2 / (double)(a->n - 1) / (double)a->n) : NAN);
}

void sf_analysis_free(void *p)
{
    free(p);
}

/* ------------------------------------------------------------------------
 * The per-neuron pass. */

typedef struct {
    int64_t last;            /* step of the neuron's previous spike in window */
    uint64_t n_win;          /* spikes in the window                          */
    double isi_mean, isi_m2; /* Welford sums over its ISIs (in steps)         */
    uint64_t bin;            /* index of the open bin                         */
    uint64_t cnt;            /* spikes in the open bin                        */
    uint64_t s1, s2;         /* sum_b c_b and sum_b c_b^2 over closed bins    */
} neuron_acc;

typedef struct {
    sf_an_acc rate, cv, fano;
} pass_result;

/* bins == NULL skips the Fano factor. */
static sf_status neuron_pass(sf_context *ctx, const sf_spikes *sp, const sf_an_window *w,
                             const sf_an_bins *bins, pass_result *res)
{
    const uint32_t n = sp->n_neurons;
    neuron_acc *acc = calloc(n, sizeof *acc);
    if (!acc)
        return sf_fail(ctx, SF_ERR_NOMEM, "analysis: no memory for %u neurons", n);

    /* binned statistics stop at the last full bin */
    const int64_t k_bins_end =
        bins ? w->k_start + (int64_t)bins->count * bins->width : w->k_start;
    const uint32_t *ids = sp->node_ids;
    const int64_t *steps = sp->steps;
    int64_t prev = INT64_MIN;
    for (size_t i = 0; i < sp->n_spikes; i++) {
        const int64_t k = steps[i];
        const uint32_t id = ids[i];
        if (id >= n || k < prev) {
            free(acc);
            return sf_an_bad_spike(ctx, sp, i);
        }
        prev = k;
        if (k < w->k_start || k >= w->k_stop)
            continue;
        neuron_acc *a = &acc[id];
        if (a->n_win > 0) {
            double isi = (double)(k - a->last), d = isi - a->isi_mean;
            uint64_t m = a->n_win; /* ISIs so far, this one included */
            a->isi_mean += d / (double)m;
            a->isi_m2 += d * (isi - a->isi_mean);
        }
        a->last = k;
        a->n_win++;
        if (k < k_bins_end) {
            uint64_t b = (uint64_t)((k - w->k_start) / bins->width);
            if (b != a->bin) {
                a->s2 += a->cnt * a->cnt;
                a->cnt = 0;
                a->bin = b;
            }
            a->cnt++;
            a->s1++;
        }
    }

    const double T_s = (double)(w->k_stop - w->k_start) * sp->h_ms * 1e-3;
    const double B = bins ? (double)bins->count : 0.0;
    memset(res, 0, sizeof *res);
    for (uint32_t j = 0; j < n; j++) {
        const neuron_acc *a = &acc[j];
        sf_an_acc_add(&res->rate, (double)a->n_win / T_s);
        if (a->n_win >= 3) /* >= 2 ISIs: their standard deviation exists */
            sf_an_acc_add(&res->cv,
                          sqrt(a->isi_m2 / (double)(a->n_win - 2)) / a->isi_mean);
        if (bins && a->s1 > 0) {
            /* var with B-1 normalisation: (sum c^2 - (sum c)^2 / B) / (B - 1);
             * the integer sums keep a constant count series exactly at 0 */
            double s1 = (double)a->s1, s2 = (double)(a->s2 + a->cnt * a->cnt);
            double mean = s1 / B, var = (s2 - s1 * mean) / (B - 1.0);
            sf_an_acc_add(&res->fano, fmax(var, 0.0) / mean);
        }
    }
    free(acc);
    return SF_OK;
}

/* ------------------------------------------------------------------------
 * Public functions. */

sf_status sf_analysis_rate(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                           double t_stop_ms, double *rate_Hz, double *rate_sem)
{
    sf_an_window w;
    pass_result r;
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, &w);
    if (st == SF_OK)
        st = neuron_pass(ctx, sp, &w, NULL, &r);
    if (st != SF_OK)
        return st;
    sf_an_acc_result(&r.rate, rate_Hz, rate_sem);
    return SF_OK;
}

sf_status sf_analysis_cv_isi(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                             double t_stop_ms, double *cv, double *cv_sem, size_t *n_cv)
{
    sf_an_window w;
    pass_result r;
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, &w);
    if (st == SF_OK)
        st = neuron_pass(ctx, sp, &w, NULL, &r);
    if (st != SF_OK)
        return st;
    sf_an_acc_result(&r.cv, cv, cv_sem);
    sf_an_setz(n_cv, (size_t)r.cv.n);
    return SF_OK;
}

sf_status sf_analysis_fano(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                           double t_stop_ms, double bin_ms, double *fano,
                           double *fano_sem, size_t *n_fano)
{
    sf_an_window w;
    sf_an_bins b;
    pass_result r;
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, &w);
    if (st == SF_OK)
        st = sf_an_bins_make(ctx, "Fano factor", sp, &w, bin_ms, 2, &b);
    if (st == SF_OK)
        st = neuron_pass(ctx, sp, &w, &b, &r);
    if (st != SF_OK)
        return st;
    sf_an_acc_result(&r.fano, fano, fano_sem);
    sf_an_setz(n_fano, (size_t)r.fano.n);
    return SF_OK;
}

/* Counts into rate_Hz[0..nb) (zeroed here), then scales to Hz. */
static sf_status pop_rate_fill(sf_context *ctx, const sf_spikes *sp, const sf_an_window *w,
                               const sf_an_bins *b, double *rate_Hz)
{
    const size_t nb = (size_t)b->count;
    const int64_t k_end = w->k_start + (int64_t)b->count * b->width;
    int64_t prev = INT64_MIN;
    memset(rate_Hz, 0, nb * sizeof *rate_Hz);
    for (size_t i = 0; i < sp->n_spikes; i++) {
        const int64_t k = sp->steps[i];
        if (sp->node_ids[i] >= sp->n_neurons || k < prev)
            return sf_an_bad_spike(ctx, sp, i);
        prev = k;
        if (k >= w->k_start && k < k_end)
            rate_Hz[(k - w->k_start) / b->width] += 1.0;
    }
    const double scale = 1.0 / ((double)sp->n_neurons * (double)b->width * sp->h_ms * 1e-3);
    for (size_t j = 0; j < nb; j++)
        rate_Hz[j] *= scale;
    return SF_OK;
}

static sf_status pop_rate_bins(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                               double t_stop_ms, double bin_ms, sf_an_window *w,
                               sf_an_bins *b)
{
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, w);
    if (st == SF_OK)
        st = sf_an_bins_make(ctx, "population rate", sp, w, bin_ms, 1, b);
    if (st == SF_OK && b->count > SIZE_MAX / sizeof(double))
        st = sf_fail(ctx, SF_ERR_ARG, "population rate: %llu bins do not fit in memory",
                     (unsigned long long)b->count);
    return st;
}

sf_status sf_analysis_pop_rate(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                               double t_stop_ms, double bin_ms, double *rate_Hz,
                               size_t capacity, size_t *nbins)
{
    sf_an_window w;
    sf_an_bins b;
    if (!nbins)
        return sf_fail(ctx, SF_ERR_ARG, "population rate: nbins is NULL");
    *nbins = 0;
    sf_status st = pop_rate_bins(ctx, sp, t_start_ms, t_stop_ms, bin_ms, &w, &b);
    if (st != SF_OK)
        return st;
    *nbins = (size_t)b.count;
    if (!rate_Hz)
        return SF_OK;
    if (capacity < *nbins)
        return sf_fail(ctx, SF_ERR_ARG,
                       "population rate: capacity %zu < %zu bins of the window", capacity,
                       *nbins);
    return pop_rate_fill(ctx, sp, &w, &b, rate_Hz);
}

sf_status sf_analysis_pop_rate_alloc(sf_context *ctx, const sf_spikes *sp,
                                     double t_start_ms, double t_stop_ms, double bin_ms,
                                     double **rate_Hz, size_t *nbins)
{
    sf_an_window w;
    sf_an_bins b;
    if (!rate_Hz || !nbins)
        return sf_fail(ctx, SF_ERR_ARG, "population rate: rate_Hz or nbins is NULL");
    *rate_Hz = NULL;
    *nbins = 0;
    sf_status st = pop_rate_bins(ctx, sp, t_start_ms, t_stop_ms, bin_ms, &w, &b);
    if (st != SF_OK)
        return st;
    double *r = malloc((size_t)b.count * sizeof *r);
    if (!r)
        return sf_fail(ctx, SF_ERR_NOMEM, "population rate: no memory for %llu bins",
                       (unsigned long long)b.count);
    st = pop_rate_fill(ctx, sp, &w, &b, r);
    if (st != SF_OK) {
        free(r);
        return st;
    }
    *rate_Hz = r;
    *nbins = (size_t)b.count;
    return SF_OK;
}

sf_status sf_analysis_population(sf_context *ctx, const sf_spikes *sp, double t_start_ms,
                                 double t_stop_ms, double bin_ms, size_t n_pairs,
                                 uint64_t seed, sf_pop_stats *out)
{
    sf_an_window w;
    sf_an_bins b;
    pass_result r;
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "analysis: output sf_pop_stats is NULL");
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, &w);
    if (st == SF_OK)
        st = sf_an_bins_make(ctx, "analysis", sp, &w, bin_ms, 2, &b);
    if (st == SF_OK)
        st = neuron_pass(ctx, sp, &w, &b, &r);
    if (st == SF_OK)
        st = sf_analysis_corr(ctx, sp, t_start_ms, t_stop_ms, bin_ms, n_pairs, seed,
                              &out->corr, &out->corr_sem, &out->n_pairs_used,
                              &out->n_pairs_skipped);
    if (st != SF_OK)
        return st;
    sf_an_acc_result(&r.rate, &out->rate_Hz, &out->rate_sem);
    sf_an_acc_result(&r.cv, &out->cv_isi, &out->cv_sem);
    out->n_cv = (size_t)r.cv.n;
    sf_an_acc_result(&r.fano, &out->fano, &out->fano_sem);
    out->n_fano = (size_t)r.fano.n;
    return SF_OK;
}
