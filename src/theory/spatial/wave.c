/* The (k, f) spectrum of a spatial population's activity and the wave
 * verdict (wave.h).
 *
 * Invariant: the spectrum is a plain average of |FFT|^2 of the mean-removed
 * counts over whole segments; nothing depends on the order of spikes.
 */
#include "theory/spatial/wave.h"

#include <fftw3.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

sf_status sf_wave_analyse(sf_context *ctx, const sf_model *m, const sf_recording *rec, int pop,
                          double dt_ms, size_t n_t, size_t n_x, sf_wave_result *out)
{
    const sf_population *P = &m->pops[pop];
    memset(out, 0, sizeof *out);
    if (P->space.geometry == SF_SPACE_NONE)
        return sf_fail(ctx, SF_ERR_ARG, "wave analysis: population %s has no space", P->name);
    const uint32_t *ids;
    const int64_t *steps;
    size_t ns;
    if (!sf_recording_spikes(rec, pop, &ids, &steps, &ns))
        return sf_fail(ctx, SF_ERR_ARG, "wave analysis: the spikes of %s were not recorded",
                       P->name);
    double h = m->sim.resolution, L = P->space.extent[0];
    int64_t w = (int64_t)nearbyint(dt_ms / h);
    w = w < 1 ? 1 : w;
    int64_t k0 = sf_time_steps(m->sim.t_analysis, h), k1 = sf_time_steps(sf_recording_t_end(rec), h);
    uint32_t *xbin = malloc(sizeof(uint32_t) * (P->n + 1u));
    if (!xbin)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < P->n; i++) {
        double x[2];
        sf_space_position(m, pop, i, x);
        size_t b = (size_t)(x[0] / L * (double)n_x);
        xbin[i] = (uint32_t)(b >= n_x ? n_x - 1 : b);
    }
    sf_status st = sf_wave_spectrum(ctx, ids, steps, ns, xbin, n_x, L, k0, k1, w, h, n_t, out);
    if (st == SF_ERR_ARG) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", sf_context_errmsg(ctx));
        st = sf_fail(ctx, SF_ERR_ARG, "wave analysis of %s: %s", P->name, msg);
    }
    free(xbin);
    return st;
}

sf_status sf_wave_spectrum(sf_context *ctx, const uint32_t *ids, const int64_t *steps, size_t ns,
                           const uint32_t *xbin, size_t n_x, double L, int64_t k0, int64_t k1,
                           int64_t w, double h, size_t n_t, sf_wave_result *out)
{
    memset(out, 0, sizeof *out);
    size_t n_seg = k1 > k0 ? (size_t)((k1 - k0) / w) / n_t : 0;
    if (n_seg < 2)
        return sf_fail(ctx, SF_ERR_ARG, "the analysis window holds %zu segments of %zu bins of "
                       "%g ms; it needs 2 (run longer)", n_seg, n_t, (double)w * h);
    size_t nf = n_t / 2 + 1, cells = n_x * nf;
    double *c = fftw_malloc(sizeof(double) * n_x * n_t);
    fftw_complex *F = fftw_malloc(sizeof(fftw_complex) * cells);
    double *pow_ = calloc(cells, sizeof(double));
    fftw_plan plan = c && F ? fftw_plan_dft_r2c_2d((int)n_x, (int)n_t, c, F, FFTW_ESTIMATE) : NULL;
    sf_status st = SF_OK;
    if (!c || !F || !pow_ || !plan) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* spikes are in time order; a spike of step k lies in bin (k - k0) / w */
    size_t at = 0;
    double spikes_per_seg = 0;
    for (size_t s = 0; s < n_seg; s++) {
        memset(c, 0, sizeof(double) * n_x * n_t);
        int64_t lo = k0 + (int64_t)(s * n_t) * w, hi = lo + (int64_t)n_t * w;
        while (at < ns && steps[at] < lo)
            at++;
        double total = 0;
        for (; at < ns && steps[at] < hi; at++) {
            c[(size_t)xbin[ids[at]] * n_t + (size_t)((steps[at] - lo) / w)] += 1;
            total++;
        }
        spikes_per_seg += total / (double)n_seg;
        double mean = total / (double)(n_x * n_t);
        for (size_t i = 0; i < n_x * n_t; i++)
            c[i] -= mean;
        fftw_execute(plan);
        for (size_t i = 0; i < cells; i++)
            pow_[i] += (F[i][0] * F[i][0] + F[i][1] * F[i][1]) / (double)n_seg;
    }
    /* peak and background over k != 0, f > 0 */
    double *sorted = malloc(sizeof(double) * cells);
    if (!sorted) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* the dominant mode over every cell with f > 0, k = 0 included (a
     * global oscillation has it there); the background over k != 0 */
    size_t N = 0, best = 0;
    double pbest = -1;
    for (size_t i = 0; i < n_x; i++)
        for (size_t j = 1; j < nf; j++) {
            double v = pow_[i * nf + j];
            if (i > 0)
                sorted[N++] = v;
            if (v > pbest)
                pbest = v, best = i * nf + j;
        }
    qsort(sorted, N, sizeof(double), cmp_d);
    double M = (double)n_seg, med = sorted[N / 2];
    double bg = med / ((M - 1.0 / 3 + 0.02 / M) / M); /* median of Gamma(M, 1/M) */
    free(sorted);
    size_t bi = best / nf, bj = best % nf;
    /* power-weighted centroid over the 3 x 3 cells around the peak */
    double sw = 0, sk = 0, sfq = 0;
    for (int di = -1; di <= 1; di++)
        for (int dj = -1; dj <= 1; dj++) {
            long i = (long)bi + di, j = (long)bj + dj;
            if (j < 1 || j >= (long)nf)
                continue;
            size_t ii = (size_t)((i + (long)n_x) % (long)n_x);
            if ((ii == 0) != (bi == 0)) /* stay on k = 0, or off it */
                continue;
            double v = pow_[ii * nf + (size_t)j];
            long ks = i > (long)n_x / 2 ? i - (long)n_x : i;
            sw += v;
            sk += v * (double)ks;
            sfq += v * (double)j;
        }
    double kidx = sk / sw, fidx = sfq / sw;
    /* modulation depth: a mode C0 (1 + m cos(kx - wt)) has |F| = C0 m n_x
     * n_t / 2 in its cell; the power of the 3 x 3 cells around the peak and
     * around its mirror in k (a standing wave splits over both) */
    double pm = 0;
    for (int side = 0; side < 2; side++) {
        size_t ci = side ? (n_x - bi) % n_x : bi;
        if (side && ci == bi)
            break;
        for (int di = -1; di <= 1; di++)
            for (int dj = -1; dj <= 1; dj++) {
                long j = (long)bj + dj;
                size_t ii = (size_t)(((long)ci + di + (long)n_x) % (long)n_x);
                if (j >= 1 && j < (long)nf && (ii == 0) == (bi == 0))
                    pm += pow_[ii * nf + (size_t)j];
            }
    }
    out->modulation = spikes_per_seg > 0 ? 2 * sqrt(pm) / spikes_per_seg : 0;
    size_t mirror = ((n_x - bi) % n_x) * nf + bj;
    out->n_x = n_x;
    out->n_t = n_t;
    out->n_seg = n_seg;
    out->dx = L / (double)n_x;
    out->dt = (double)w * h;
    out->k_peak = 2 * M_PI * fabs(kidx) / L;
    out->f_peak = fidx / ((double)n_t * out->dt * 1e-3);
    /* FFTW's e^{-i(kx + wt)}: a wave e^{i(Kx - Wt)} has its peak at -K */
    out->direction = kidx < 0 ? 1 : -1;
    out->velocity = out->direction * 2 * M_PI * out->f_peak / out->k_peak;
    out->snr = pbest / bg;
    out->asymmetry = pbest / pow_[mirror];
    double q = gsl_sf_gamma_inc_Q(M, M * out->snr);
    out->p_value = -expm1((double)N * log1p(-q));
    out->wave = out->p_value < 1e-3 && bi != 0 && out->modulation >= SF_WAVE_MIN_MODULATION;
out:
    if (plan)
        fftw_destroy_plan(plan);
    fftw_free(c);
    fftw_free(F);
    free(pow_);
    return st;
}
