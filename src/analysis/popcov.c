/* Population-resolved covariances: zero-lag covariances and cross-spectra /
 * covariance functions between two populations, from spike trains or from
 * continuous signals (binary states, rate traces). See analysis.h, section
 * "Population-resolved covariances", and docs/analysis.md.
 *
 * Everything is built on dense per-bin (per-sample) population sums, which
 * cost one pass over the spikes and 8 bytes per bin; what needs single
 * neurons (the auto part) is kept sparse:
 *   - zero lag, a == b: sum_i Var(x_i) per segment from
 *     sum_i sum_b x_ib^2 (accumulated spike by spike: (c+1)^2 - c^2 = 2c + 1
 *     for the c-th earlier spike of the neuron in the same bin),
 *     sum_i mu_i K_is (second pass) and B_s sum_i mu_i^2;
 *   - spectra, a == b: the auto part comes from sf_analysis_spectrum (its
 *     spike-pair method), run on the same segments.
 * Cross-spectra: per segment, Y_a and Y_b (DFTs of the mean-subtracted
 * activities, zero-padded to 2L) give S_ab = Y_a Y_b^* Delta / L on the even
 * indices of the 2L grid, and one inverse transform of Y_a Y_b^* gives the
 * linear cross-correlation sums at lags -L/2 .. L/2.
 *
 * Invariant: means are subtracted once over all segments used (like
 * spectrum.c), so the segment estimates are independent of each other's
 * means and their scatter is the standard error.
 */
#include "analysis_impl.h"

#include <complex.h>
#include <fftw3.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Shared helpers. */

static bool same_pop(const void *a, const void *b)
{
    return b == NULL || b == a;
}

/* Checks both views and that they share the grid; fills the window. */
static sf_status check_pair(sf_context *ctx, const char *who, const sf_spikes *a,
                            const sf_spikes *b, double t0, double t1, sf_an_window *w)
{
    sf_status st = sf_an_check(ctx, a, t0, t1, w);
    if (st != SF_OK)
        return st;
    if (!same_pop(a, b)) {
        sf_an_window wb;
        if ((st = sf_an_check(ctx, b, t0, t1, &wb)) != SF_OK)
            return st;
        if (fabs(a->h_ms - b->h_ms) > 1e-12 * a->h_ms)
            return sf_fail(ctx, SF_ERR_ARG,
                           "%s: populations on different grids (h = %g and %g ms)", who,
                           a->h_ms, b->h_ms);
    }
    return SF_OK;
}

/* Population count per bin on bins [0, nb) of width w from k0 into x (zeroed
 * here); checks the spike contract; cnt (optional, [n]) counts per neuron. */
static sf_status bin_counts(sf_context *ctx, const sf_spikes *sp, int64_t k0, int64_t w,
                            uint64_t nb, double *x, double *cnt)
{
    memset(x, 0, nb * sizeof *x);
    if (cnt)
        memset(cnt, 0, sp->n_neurons * sizeof *cnt);
    const int64_t k1 = k0 + (int64_t)nb * w;
    for (size_t i = 0; i < sp->n_spikes; i++) {
        int64_t k = sp->steps[i];
        if (sp->node_ids[i] >= sp->n_neurons || (i > 0 && k < sp->steps[i - 1]))
            return sf_an_bad_spike(ctx, sp, i);
        if (k >= k0 && k < k1) {
            x[(k - k0) / w] += 1.0;
            if (cnt)
                cnt[sp->node_ids[i]] += 1.0;
        }
    }
    return SF_OK;
}

static double mean_of(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static void set_nan_cov(sf_pop_cov *out)
{
    out->pop = out->pop_sem = out->cross = out->cross_sem = NAN;
    out->auto_var = out->auto_sem = out->mean_a = out->mean_b = NAN;
    out->n_segments = out->seg_len = 0;
}

/* Zero-lag covariance from dense series: per segment of len samples the
 * products of x - mx and y - my; vi[s] (NULL: unknown) the per-segment
 * sum of single-neuron variances (already normalised per sample). */
static void cov_segments(const double *x, const double *y, double mx, double my, size_t nseg,
                         size_t len, double na, double nb, bool same, const double *vi,
                         double vconst, sf_pop_cov *out)
{
    const double used = (double)nseg * (double)len, g = used > 1 ? used / (used - 1) : NAN;
    sf_an_acc pop = {0}, cross = {0}, au = {0};
    for (size_t s = 0; s < nseg; s++) {
        double v = 0;
        const double *xs = x + s * len, *ys = y + s * len;
        for (size_t b = 0; b < len; b++)
            v += (xs[b] - mx) * (ys[b] - my);
        v *= g / (double)len;          /* Cov of the sums X_a, X_b in this segment */
        sf_an_acc_add(&pop, v / (na * nb));
        if (!same) {
            sf_an_acc_add(&cross, v / (na * nb));
            continue;
        }
        double sv = vi ? vi[s] * g : vconst * na; /* sum_i Var(x_i) */
        sf_an_acc_add(&au, sv / na);
        sf_an_acc_add(&cross, na > 1 ? (v - sv) / (na * (na - 1)) : NAN);
    }
    sf_an_acc_result(&pop, &out->pop, &out->pop_sem);
    const bool known = vi || isfinite(vconst);
    if (!same) {
        sf_an_acc_result(&cross, &out->cross, &out->cross_sem);
    } else if (known) {
        sf_an_acc_result(&au, &out->auto_var, &out->auto_sem);
        if (!vi) /* a constant: no scatter of its own */
            out->auto_sem = 0.0;
        if (na > 1)
            sf_an_acc_result(&cross, &out->cross, &out->cross_sem);
    }
    out->n_segments = nseg;
    out->seg_len = len;
}

/* ------------------------------------------------------------------------
 * Zero-lag spike-count covariance. */

sf_status sf_analysis_count_cov(sf_context *ctx, const sf_spikes *a, const sf_spikes *b,
                                double t_start_ms, double t_stop_ms, double bin_ms,
                                size_t n_segments, sf_pop_cov *out)
{
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "count_cov: out is NULL");
    set_nan_cov(out);
    sf_an_window win;
    sf_an_bins bins;
    sf_status st = check_pair(ctx, "count_cov", a, b, t_start_ms, t_stop_ms, &win);
    if (st != SF_OK)
        return st;
    if (n_segments < 2)
        return sf_fail(ctx, SF_ERR_ARG, "count_cov: n_segments = %zu, need >= 2", n_segments);
    if ((st = sf_an_bins_make(ctx, "count_cov", a, &win, bin_ms, 2 * (uint64_t)n_segments,
                              &bins)) != SF_OK)
        return st;
    const bool same = same_pop(a, b);
    const size_t len = (size_t)(bins.count / n_segments), nb = len * n_segments;
    const uint32_t n = a->n_neurons;
    double *x = malloc(nb * sizeof *x), *y = same ? x : malloc(nb * sizeof *y);
    double *mu = same ? malloc(n * sizeof *mu) : NULL;
    int64_t *last = same ? malloc(n * sizeof *last) : NULL;
    uint32_t *c = same ? malloc(n * sizeof *c) : NULL;
    double *vi = same ? calloc(n_segments, sizeof *vi) : NULL;
    if (!x || !y || (same && (!mu || !last || !c || !vi))) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "count_cov: no memory for %zu bins", nb);
        goto out;
    }
    if ((st = bin_counts(ctx, a, win.k_start, bins.width, nb, x, mu)) != SF_OK)
        goto out;
    if (!same && (st = bin_counts(ctx, b, win.k_start, bins.width, nb, y, NULL)) != SF_OK)
        goto out;
    const double mx = mean_of(x, nb), my = same ? mx : mean_of(y, nb);
    if (same) {
        /* sum_i sum_{b in s} (x_ib - mu_i)^2 = sq_s - 2 sum_i mu_i K_is + len sum_i mu_i^2 */
        double sum_mu2 = 0;
        for (uint32_t i = 0; i < n; i++) {
            mu[i] /= (double)nb;
            sum_mu2 += mu[i] * mu[i];
            last[i] = -1;
            c[i] = 0;
        }
        const int64_t k1 = win.k_start + (int64_t)nb * bins.width;
        for (size_t i = 0; i < a->n_spikes; i++) {
            int64_t k = a->steps[i];
            if (k < win.k_start || k >= k1)
                continue;
            uint32_t id = a->node_ids[i];
            int64_t bin = (k - win.k_start) / bins.width;
            if (last[id] != bin) {
                last[id] = bin;
                c[id] = 0;
            }
            vi[(size_t)bin / len] += 2.0 * c[id] + 1.0 - 2.0 * mu[id];
            c[id]++;
        }
        for (size_t s = 0; s < n_segments; s++)
            vi[s] = (vi[s] + (double)len * sum_mu2) / (double)len;
    }
    cov_segments(x, y, mx, my, n_segments, len, n, same ? n : b->n_neurons, same, vi, NAN, out);
    out->mean_a = mx / n;
    out->mean_b = my / (same ? n : b->n_neurons);
out:
    free(x);
    if (!same)
        free(y);
    free(mu);
    free(last);
    free(c);
    free(vi);
    return st;
}

/* ------------------------------------------------------------------------
 * Signals. */

sf_status sf_analysis_binary_signal(sf_context *ctx, const sf_spikes *sp, const uint8_t *initial,
                                    double t_start_ms, double t_stop_ms, double dt_ms,
                                    double *mean, size_t capacity, size_t *n_samples,
                                    double *var_single)
{
    sf_an_window win;
    sf_an_bins bins;
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, &win);
    if (st != SF_OK)
        return st;
    if (!n_samples)
        return sf_fail(ctx, SF_ERR_ARG, "binary_signal: n_samples is NULL");
    if ((st = sf_an_bins_make(ctx, "binary_signal", sp, &win, dt_ms, 1, &bins)) != SF_OK)
        return st;
    const int64_t w = bins.width, span = win.k_stop - win.k_start;
    const size_t ns = (size_t)((span + w - 1) / w);
    *n_samples = ns;
    if (!mean)
        return SF_OK;
    if (capacity < ns)
        return sf_fail(ctx, SF_ERR_ARG, "binary_signal: capacity %zu < %zu samples", capacity,
                       ns);
    const uint32_t n = sp->n_neurons;
    uint8_t *s = malloc(n);
    size_t *start = malloc(n * sizeof *start), *up = calloc(n, sizeof *up);
    double *d = calloc(ns + 1, sizeof *d);
    if (!s || !start || !up || !d) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "binary_signal: no memory for %u neurons", n);
        goto out;
    }
    double base = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (initial && initial[i] > 1) {
            st = sf_fail(ctx, SF_ERR_ARG, "binary_signal: initial[%u] = %u is not 0 or 1", i,
                         initial[i]);
            goto out;
        }
        s[i] = initial ? initial[i] : 0;
        start[i] = 0;
        base += s[i];
    }
    for (size_t q = 0; q < sp->n_spikes; q++) {
        const int64_t k = sp->steps[q];
        const uint32_t id = sp->node_ids[q];
        if (id >= n || (q > 0 && k < sp->steps[q - 1])) {
            st = sf_an_bad_spike(ctx, sp, q);
            goto out;
        }
        /* first sample that sees this event: k_start + j w >= k */
        int64_t j = k <= win.k_start ? 0 : (k - win.k_start + w - 1) / w;
        size_t j0 = j > (int64_t)ns ? ns : (size_t)j;
        if (s[id]) {
            up[id] += j0 - start[id];
            d[j0] -= 1.0;
        } else {
            start[id] = j0;
            d[j0] += 1.0;
        }
        s[id] ^= 1u;
    }
    double acc = base, v = 0;
    for (size_t j = 0; j < ns; j++) {
        acc += d[j];
        mean[j] = acc / n;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (s[i])
            up[i] += ns - start[i];
        double m = (double)up[i] / (double)ns;
        v += m * (1 - m);
    }
    sf_an_set(var_single, v / n);
out:
    free(s);
    free(start);
    free(up);
    free(d);
    return st;
}

sf_status sf_analysis_trace_signal(sf_context *ctx, const float *data, size_t n_times,
                                   uint32_t n_nodes, double *mean, double *var_single)
{
    if (!data || !mean || n_times == 0 || n_nodes == 0)
        return sf_fail(ctx, SF_ERR_ARG,
                       "trace_signal: need data and mean arrays and n_times, n_nodes >= 1 "
                       "(got %zu, %u)", n_times, n_nodes);
    double *s1 = calloc(n_nodes, sizeof *s1), *s2 = calloc(n_nodes, sizeof *s2);
    if (!s1 || !s2) {
        free(s1);
        free(s2);
        return sf_fail(ctx, SF_ERR_NOMEM, "trace_signal: no memory for %u nodes", n_nodes);
    }
    for (size_t t = 0; t < n_times; t++) {
        const float *row = data + t * n_nodes;
        double m = 0;
        for (uint32_t j = 0; j < n_nodes; j++) {
            double v = (double)row[j], dv = v - (double)data[j]; /* shifted: stable */
            m += v;
            s1[j] += dv;
            s2[j] += dv * dv;
        }
        mean[t] = m / n_nodes;
    }
    double v = 0;
    for (uint32_t j = 0; j < n_nodes; j++) {
        double mj = s1[j] / (double)n_times;
        v += s2[j] / (double)n_times - mj * mj;
    }
    free(s1);
    free(s2);
    sf_an_set(var_single, v / n_nodes);
    return SF_OK;
}

static sf_status check_signals(sf_context *ctx, const char *who, const sf_signal *a,
                               const sf_signal *b)
{
    if (!a)
        return sf_fail(ctx, SF_ERR_ARG, "%s: signal is NULL", who);
    const sf_signal *v[2] = {a, b};
    for (int q = 0; q < 2; q++) {
        if (!v[q])
            continue;
        if (!v[q]->mean || v[q]->n_samples == 0 || v[q]->n_neurons == 0)
            return sf_fail(ctx, SF_ERR_ARG, "%s: signal without samples or neurons", who);
        if (!(isfinite(v[q]->dt_ms) && v[q]->dt_ms > 0))
            return sf_fail(ctx, SF_ERR_ARG, "%s: dt_ms = %g must be > 0", who, v[q]->dt_ms);
    }
    if (b && b != a &&
        (b->n_samples != a->n_samples || fabs(b->dt_ms - a->dt_ms) > 1e-12 * a->dt_ms))
        return sf_fail(ctx, SF_ERR_ARG,
                       "%s: signals differ in length or sampling (%zu x %g ms vs %zu x %g ms)",
                       who, a->n_samples, a->dt_ms, b->n_samples, b->dt_ms);
    return SF_OK;
}

sf_status sf_analysis_signal_cov(sf_context *ctx, const sf_signal *a, const sf_signal *b,
                                 size_t n_segments, sf_pop_cov *out)
{
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "signal_cov: out is NULL");
    set_nan_cov(out);
    sf_status st = check_signals(ctx, "signal_cov", a, b);
    if (st != SF_OK)
        return st;
    if (n_segments < 2 || a->n_samples / n_segments < 2)
        return sf_fail(ctx, SF_ERR_ARG,
                       "signal_cov: %zu samples cannot make n_segments = %zu (>= 2) segments of "
                       ">= 2 samples", a->n_samples, n_segments);
    const bool same = same_pop(a, b);
    const size_t len = a->n_samples / n_segments, nb = len * n_segments;
    const double mx = mean_of(a->mean, nb), my = same ? mx : mean_of(b->mean, nb);
    /* the signals are averages: scale to sums so that cov_segments' pair
     * formula applies, then back (X = n A) */
    const double na = a->n_neurons, nbn = same ? na : b->n_neurons;
    double *x = malloc(nb * sizeof *x), *y = same ? x : malloc(nb * sizeof *y);
    if (!x || !y) {
        free(x);
        if (!same)
            free(y);
        return sf_fail(ctx, SF_ERR_NOMEM, "signal_cov: no memory for %zu samples", nb);
    }
    for (size_t i = 0; i < nb; i++) {
        x[i] = a->mean[i] * na;
        if (!same)
            y[i] = b->mean[i] * nbn;
    }
    cov_segments(x, y, mx * na, my * nbn, n_segments, len, na, nbn, same, NULL,
                 same ? a->var_single : NAN, out);
    out->mean_a = mx;
    out->mean_b = my;
    free(x);
    if (!same)
        free(y);
    return SF_OK;
}

/* ------------------------------------------------------------------------
 * Cross-spectra and covariance functions. */

enum { Q_RE, Q_IM, Q_COV, Q_N };

struct sf_xspectrum_plan {
    size_t L, n_out;          /* segment bins; outputs L + 1               */
    fftw_plan r2c, c2r;       /* 2L reals <-> L + 1 complex                */
    double *tbuf;             /* [2L]                                       */
    fftw_complex *fbuf;       /* [L + 1]                                    */
    double complex *ya;       /* [L + 1] transform of a's segment          */
    sf_an_acc *acc;           /* [Q_N * (L + 1)]                            */
    uint32_t n_auto;          /* neurons of the inner plan, 0: none        */
    sf_spectrum_plan *inner;  /* auto / cross split of one population      */
    double *inner_out;        /* [SF_SPEC_ROWS * (L/2 + 1)]                 */
};

void sf_analysis_xspectrum_plan_destroy(sf_xspectrum_plan *p)
{
    if (!p)
        return;
    if (p->r2c)
        fftw_destroy_plan(p->r2c);
    if (p->c2r)
        fftw_destroy_plan(p->c2r);
    fftw_free(p->tbuf);
    fftw_free(p->fbuf);
    free(p->ya);
    free(p->acc);
    sf_analysis_spectrum_plan_destroy(p->inner);
    free(p->inner_out);
    free(p);
}

sf_status sf_analysis_xspectrum_plan_create(sf_context *ctx, size_t seg_bins, uint32_t n_auto,
                                            sf_xspectrum_plan **plan)
{
    if (!plan)
        return sf_fail(ctx, SF_ERR_ARG, "xspectrum: plan pointer is NULL");
    *plan = NULL;
    if (seg_bins < 2 || seg_bins % 2 || seg_bins > ((size_t)1 << 30))
        return sf_fail(ctx, SF_ERR_ARG,
                       "xspectrum: seg_bins = %zu must be even and in [2, 2^30]", seg_bins);
    sf_xspectrum_plan *p = calloc(1, sizeof *p);
    if (!p)
        return sf_fail(ctx, SF_ERR_NOMEM, "xspectrum: no memory for a plan");
    const size_t L = seg_bins;
    p->L = L;
    p->n_out = L + 1;
    p->n_auto = n_auto;
    p->tbuf = fftw_alloc_real(2 * L);
    p->fbuf = fftw_alloc_complex(L + 1);
    p->ya = malloc((L + 1) * sizeof *p->ya);
    p->acc = malloc(Q_N * (L + 1) * sizeof *p->acc);
    if (!p->tbuf || !p->fbuf || !p->ya || !p->acc) {
        sf_analysis_xspectrum_plan_destroy(p);
        return sf_fail(ctx, SF_ERR_NOMEM, "xspectrum: no memory for segments of %zu bins", L);
    }
    p->r2c = fftw_plan_dft_r2c_1d((int)(2 * L), p->tbuf, p->fbuf, FFTW_ESTIMATE);
    p->c2r = fftw_plan_dft_c2r_1d((int)(2 * L), p->fbuf, p->tbuf, FFTW_ESTIMATE);
    if (!p->r2c || !p->c2r) {
        sf_analysis_xspectrum_plan_destroy(p);
        return sf_fail(ctx, SF_ERR_NOMEM, "xspectrum: FFTW could not plan %zu points", 2 * L);
    }
    if (n_auto > 0) {
        sf_status st = sf_analysis_spectrum_plan_create(ctx, n_auto, L, &p->inner);
        p->inner_out = malloc(SF_SPEC_ROWS * (L / 2 + 1) * sizeof *p->inner_out);
        if (st != SF_OK || !p->inner_out) {
            sf_analysis_xspectrum_plan_destroy(p);
            return st != SF_OK ? st : sf_fail(ctx, SF_ERR_NOMEM, "xspectrum: no memory");
        }
    }
    *plan = p;
    return SF_OK;
}

/* Transform of segment y[0..L) (zero-padded) into fbuf. */
static void seg_fft(sf_xspectrum_plan *p, const double *y)
{
    memcpy(p->tbuf, y, p->L * sizeof *y);
    memset(p->tbuf + p->L, 0, p->L * sizeof *p->tbuf);
    fftw_execute(p->r2c);
}

/* ya, yb: mean-subtracted activities over nseg segments of L; delta_s: the
 * bin (sample) in seconds. Fills the mean / SEM rows RE, IM, XCOV and the
 * axes of out. */
static void xspec_segments(sf_xspectrum_plan *p, const double *ya, const double *yb,
                           size_t nseg, double delta_s, double *out)
{
    const size_t L = p->L, n = p->n_out, h = L / 2;
    memset(p->acc, 0, Q_N * n * sizeof *p->acc);
    for (size_t s = 0; s < nseg; s++) {
        seg_fft(p, ya + s * L);
        memcpy(p->ya, p->fbuf, (L + 1) * sizeof *p->ya);
        if (yb != ya)
            seg_fft(p, yb + s * L);
        for (size_t j = 0; j <= L; j++) {
            double complex fb = p->fbuf[j];
            p->fbuf[j] = p->ya[j] * conj(fb);
        }
        /* spectra: L-grid frequency k is 2L index 2k; negative f conjugate */
        for (size_t k = 0; k <= h; k++) {
            double complex S = p->fbuf[2 * k] * (delta_s / (double)L);
            sf_an_acc_add(&p->acc[Q_RE * n + h + k], creal(S));
            sf_an_acc_add(&p->acc[Q_IM * n + h + k], cimag(S));
            if (k > 0) {
                sf_an_acc_add(&p->acc[Q_RE * n + h - k], creal(S));
                sf_an_acc_add(&p->acc[Q_IM * n + h - k], -cimag(S));
            }
        }
        /* covariance function: c2r gives 2L sum_t y_a(t + m) y_b(t) at m mod 2L */
        fftw_execute(p->c2r);
        for (size_t j = 0; j <= L; j++) {
            long m = (long)j - (long)h;
            size_t idx = m >= 0 ? (size_t)m : 2 * L - (size_t)(-m);
            double c = p->tbuf[idx] / (2.0 * (double)L * (double)(L - (size_t)labs(m)));
            sf_an_acc_add(&p->acc[Q_COV * n + j], c);
        }
    }
    static const int row_of[Q_N] = {SF_XSPEC_RE, SF_XSPEC_IM, SF_XCOV};
    for (size_t j = 0; j < n; j++) {
        out[SF_XSPEC_FREQ_HZ * n + j] = ((double)j - (double)h) / ((double)L * delta_s);
        out[SF_XCOV_LAG_MS * n + j] = ((double)j - (double)h) * delta_s * 1e3;
        for (int q = 0; q < Q_N; q++)
            sf_an_acc_result(&p->acc[(size_t)q * n + j], &out[(size_t)row_of[q] * n + j],
                             &out[(size_t)(row_of[q] + 1) * n + j]);
    }
}

/* AUTO / CROSS rows: NaN (unknown), zero auto (a != b), or mirrored from
 * the inner one-sided spectrum result. */
static void split_rows(sf_xspectrum_plan *p, int mode, double *out)
{
    const size_t n = p->n_out, h = p->L / 2, ni = h + 1;
    for (size_t j = 0; j < n; j++) {
        size_t k = j >= h ? j - h : h - j; /* |f| or |tau| index */
        for (int part = 0; part < 2; part++) { /* spectrum, covariance */
            int ra = part ? SF_XCOV_AUTO : SF_XSPEC_AUTO;
            int rc = part ? SF_XCOV_CROSS : SF_XSPEC_CROSS;
            int rt = part ? SF_XCOV : SF_XSPEC_RE;
            if (mode == 0) {
                out[ra * n + j] = out[(ra + 1) * n + j] = NAN;
                out[rc * n + j] = out[(rc + 1) * n + j] = NAN;
            } else if (mode == 1) {
                out[ra * n + j] = out[(ra + 1) * n + j] = 0.0;
                out[rc * n + j] = out[rt * n + j];
                out[(rc + 1) * n + j] = out[(rt + 1) * n + j];
            } else {
                int ia = part ? SF_COV_AUTO : SF_SPEC_AUTO;
                int ic = part ? SF_COV_CROSS : SF_SPEC_CROSS;
                out[ra * n + j] = p->inner_out[ia * ni + k];
                out[(ra + 1) * n + j] = p->inner_out[(ia + 1) * ni + k];
                out[rc * n + j] = p->inner_out[ic * ni + k];
                out[(rc + 1) * n + j] = p->inner_out[(ic + 1) * ni + k];
            }
        }
    }
}

sf_status sf_analysis_xspectrum(sf_context *ctx, sf_xspectrum_plan *p, const sf_spikes *a,
                                const sf_spikes *b, double t_start_ms, double t_stop_ms,
                                double bin_ms, double *out, size_t *n_segments)
{
    if (!p || !out)
        return sf_fail(ctx, SF_ERR_ARG, "xspectrum: plan or out is NULL");
    sf_an_window win;
    sf_an_bins bins;
    sf_status st = check_pair(ctx, "xspectrum", a, b, t_start_ms, t_stop_ms, &win);
    if (st != SF_OK)
        return st;
    if ((st = sf_an_bins_make(ctx, "xspectrum", a, &win, bin_ms, p->L, &bins)) != SF_OK)
        return st;
    const bool same = same_pop(a, b);
    if (same && p->n_auto && p->n_auto != a->n_neurons)
        return sf_fail(ctx, SF_ERR_ARG,
                       "xspectrum: population has %u neurons, the plan's auto split was made "
                       "for %u", a->n_neurons, p->n_auto);
    const size_t nseg = (size_t)(bins.count / p->L), nb = nseg * p->L;
    double *x = malloc(nb * sizeof *x), *y = same ? x : malloc(nb * sizeof *y);
    if (!x || !y) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "xspectrum: no memory for %zu bins", nb);
        goto out;
    }
    if ((st = bin_counts(ctx, a, win.k_start, bins.width, nb, x, NULL)) != SF_OK)
        goto out;
    if (!same && (st = bin_counts(ctx, b, win.k_start, bins.width, nb, y, NULL)) != SF_OK)
        goto out;
    const double delta_s = (double)bins.width * a->h_ms * 1e-3;
    const double mx = mean_of(x, nb), my = same ? mx : mean_of(y, nb);
    const double sa = 1.0 / (a->n_neurons * delta_s);
    const double sb = same ? sa : 1.0 / (b->n_neurons * delta_s);
    for (size_t i = 0; i < nb; i++) {
        x[i] = (x[i] - mx) * sa;
        if (!same)
            y[i] = (y[i] - my) * sb;
    }
    xspec_segments(p, x, y, nseg, delta_s, out);
    int mode = !same ? 1 : p->inner ? 2 : 0;
    if (mode == 2 && (st = sf_analysis_spectrum(ctx, p->inner, a, t_start_ms, t_stop_ms, bin_ms,
                                                p->inner_out, NULL)) != SF_OK)
        goto out;
    split_rows(p, mode, out);
    sf_an_setz(n_segments, nseg);
out:
    free(x);
    if (!same)
        free(y);
    return st;
}

sf_status sf_analysis_signal_xspectrum(sf_context *ctx, sf_xspectrum_plan *p, const sf_signal *a,
                                       const sf_signal *b, double *out, size_t *n_segments)
{
    if (!p || !out)
        return sf_fail(ctx, SF_ERR_ARG, "signal_xspectrum: plan or out is NULL");
    sf_status st = check_signals(ctx, "signal_xspectrum", a, b);
    if (st != SF_OK)
        return st;
    if (a->n_samples < p->L)
        return sf_fail(ctx, SF_ERR_ARG,
                       "signal_xspectrum: %zu samples are fewer than one segment of %zu",
                       a->n_samples, p->L);
    const bool same = same_pop(a, b);
    const size_t nseg = a->n_samples / p->L, nb = nseg * p->L;
    double *x = malloc(nb * sizeof *x), *y = same ? x : malloc(nb * sizeof *y);
    if (!x || !y) {
        free(x);
        if (!same)
            free(y);
        return sf_fail(ctx, SF_ERR_NOMEM, "signal_xspectrum: no memory for %zu samples", nb);
    }
    const double mx = mean_of(a->mean, nb), my = same ? mx : mean_of(b->mean, nb);
    for (size_t i = 0; i < nb; i++) {
        x[i] = a->mean[i] - mx;
        if (!same)
            y[i] = b->mean[i] - my;
    }
    xspec_segments(p, x, y, nseg, a->dt_ms * 1e-3, out);
    split_rows(p, same ? 0 : 1, out);
    sf_an_setz(n_segments, nseg);
    free(x);
    if (!same)
        free(y);
    return SF_OK;
}
