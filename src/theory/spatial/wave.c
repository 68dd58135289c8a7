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
    const bool two = P->space.dim == 2;
    size_t nb[2] = {two ? n_x / 2 : n_x, two ? n_x / 2 : 1};
    uint32_t *bin = malloc(sizeof(uint32_t) * 2 * (P->n + 1u));
    if (!bin)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < P->n; i++) {
        double x[2];
        sf_space_position(m, pop, i, x);
        for (int d = 0; d < 2; d++) {
            size_t b = d < P->space.dim ? (size_t)(x[d] / P->space.extent[d] * (double)nb[d]) : 0;
            bin[d * (P->n + 1u) + i] = (uint32_t)(b >= nb[d] ? nb[d] - 1 : b);
        }
    }
    sf_status st = sf_wave_spectrum_2d(ctx, ids, steps, ns, bin, nb[0], L, two ? bin + P->n + 1u : NULL,
                                       nb[1], two ? P->space.extent[1] : 1.0, k0, k1, w, h, n_t, out);
    if (st == SF_ERR_ARG) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", sf_context_errmsg(ctx));
        st = sf_fail(ctx, SF_ERR_ARG, "wave analysis of %s: %s", P->name, msg);
    }
    free(bin);
    return st;
}

sf_status sf_wave_spectrum(sf_context *ctx, const uint32_t *ids, const int64_t *steps, size_t ns,
                           const uint32_t *xbin, size_t n_x, double L, int64_t k0, int64_t k1,
                           int64_t w, double h, size_t n_t, sf_wave_result *out)
{
    return sf_wave_spectrum_2d(ctx, ids, steps, ns, xbin, n_x, L, NULL, 1, 1.0, k0, k1, w, h, n_t,
                               out);
}

/* Signed index of FFT bin i of n. */
static long signed_bin(long i, long n)
{
    return i > n / 2 ? i - n : i;
}

sf_status sf_wave_spectrum_2d(sf_context *ctx, const uint32_t *ids, const int64_t *steps,
                              size_t ns, const uint32_t *xbin, size_t n_x, double Lx,
                              const uint32_t *ybin, size_t n_y, double Ly, int64_t k0, int64_t k1,
                              int64_t w, double h, size_t n_t, sf_wave_result *out)
{
    memset(out, 0, sizeof *out);
    if (!ybin)
        n_y = 1;
    size_t n_seg = k1 > k0 ? (size_t)((k1 - k0) / w) / n_t : 0;
    if (n_seg < 2)
        return sf_fail(ctx, SF_ERR_ARG, "the analysis window holds %zu segments of %zu bins of "
                       "%g ms; it needs 2 (run longer)", n_seg, n_t, (double)w * h);
    /* cells (ix, iy, j): index (ix n_y + iy) nf + j */
    const size_t nf = n_t / 2 + 1, nk = n_x * n_y, cells = nk * nf;
    double *c = fftw_malloc(sizeof(double) * nk * n_t);
    fftw_complex *F = fftw_malloc(sizeof(fftw_complex) * cells);
    double *pow_ = calloc(cells, sizeof(double));
    fftw_plan plan = c && F ? fftw_plan_dft_r2c_3d((int)n_x, (int)n_y, (int)n_t, c, F,
                                                   FFTW_ESTIMATE) : NULL;
    sf_status st = SF_OK;
    if (!c || !F || !pow_ || !plan) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* spikes are in time order; a spike of step k lies in bin (k - k0) / w */
    size_t at = 0;
    double spikes_per_seg = 0;
    for (size_t s = 0; s < n_seg; s++) {
        memset(c, 0, sizeof(double) * nk * n_t);
        int64_t lo = k0 + (int64_t)(s * n_t) * w, hi = lo + (int64_t)n_t * w;
        while (at < ns && steps[at] < lo)
            at++;
        double total = 0;
        for (; at < ns && steps[at] < hi; at++) {
            size_t sb = (size_t)xbin[ids[at]] * n_y + (ybin ? ybin[ids[at]] : 0);
            c[sb * n_t + (size_t)((steps[at] - lo) / w)] += 1;
            total++;
        }
        spikes_per_seg += total / (double)n_seg;
        double mean = total / (double)(nk * n_t);
        for (size_t i = 0; i < nk * n_t; i++)
            c[i] -= mean;
        fftw_execute(plan);
        for (size_t i = 0; i < cells; i++)
            pow_[i] += (F[i][0] * F[i][0] + F[i][1] * F[i][1]) / (double)n_seg;
    }
    double *sorted = malloc(sizeof(double) * cells);
    if (!sorted) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* the dominant mode over every cell with f > 0, k = 0 included (a
     * global oscillation has it there); the background over k != 0 */
    size_t N = 0, best = 0;
    double pbest = -1;
    for (size_t q = 0; q < nk; q++)
        for (size_t j = 1; j < nf; j++) {
            double v = pow_[q * nf + j];
            if (q > 0)
                sorted[N++] = v;
            if (v > pbest)
                pbest = v, best = q * nf + j;
        }
    qsort(sorted, N, sizeof(double), cmp_d);
    double M = (double)n_seg, med = sorted[N / 2];
    double bg = med / ((M - 1.0 / 3 + 0.02 / M) / M); /* median of Gamma(M, 1/M) */
    free(sorted);
    const long bq = (long)(best / nf), bx = bq / (long)n_y, by = bq % (long)n_y, bj = (long)(best % nf);
    const long NX = (long)n_x, NY = (long)n_y;
    const int ry = n_y > 1 ? 1 : 0;
    /* power-weighted centroid over the 3 x 3 (x 3) cells around the peak,
     * staying on k = 0 or off it */
    double sw = 0, skx = 0, sky = 0, sfq = 0;
    for (int dx = -1; dx <= 1; dx++)
        for (int dy = -ry; dy <= ry; dy++)
            for (int dj = -1; dj <= 1; dj++) {
                long j = bj + dj, ix = ((bx + dx) % NX + NX) % NX, iy = ((by + dy) % NY + NY) % NY;
                if (j < 1 || j >= (long)nf || ((ix == 0 && iy == 0) != (bq == 0)))
                    continue;
                double v = pow_[(size_t)(ix * NY + iy) * nf + (size_t)j];
                sw += v;
                skx += v * (double)(signed_bin(bx, NX) + dx);
                sky += v * (double)(signed_bin(by, NY) + dy);
                sfq += v * (double)j;
            }
    double kix = skx / sw, kiy = sky / sw, fidx = sfq / sw;
    /* modulation depth: a mode C0 (1 + m cos(k.r - wt)) has |F| = C0 m
     * n_cells / 2 in its cell; the power of the cells around the peak and
     * around its mirror in k (a standing wave splits over both) */
    double pm = 0;
    for (int side = 0; side < 2; side++) {
        long cx = side ? (NX - bx) % NX : bx, cy = side ? (NY - by) % NY : by;
        if (side && cx == bx && cy == by)
            break;
        for (int dx = -1; dx <= 1; dx++)
            for (int dy = -ry; dy <= ry; dy++)
                for (int dj = -1; dj <= 1; dj++) {
                    long j = bj + dj, ix = ((cx + dx) % NX + NX) % NX, iy = ((cy + dy) % NY + NY) % NY;
                    if (j >= 1 && j < (long)nf && ((ix == 0 && iy == 0) == (bq == 0)))
                        pm += pow_[(size_t)(ix * NY + iy) * nf + (size_t)j];
                }
    }
    out->modulation = spikes_per_seg > 0 ? 2 * sqrt(pm) / spikes_per_seg : 0;
    size_t mirror = (size_t)(((NX - bx) % NX) * NY + (NY - by) % NY) * nf + (size_t)bj;
    out->n_x = n_x;
    out->n_y = n_y;
    out->n_t = n_t;
    out->n_seg = n_seg;
    out->dx = Lx / (double)n_x;
    out->dt = (double)w * h;
    /* FFTW's e^{-i(k.r + wt)}: a wave e^{i(K.r - Wt)} has its peak at -K */
    out->kx = -2 * M_PI * kix / Lx;
    out->ky = ybin ? -2 * M_PI * kiy / Ly : 0;
    out->k_peak = hypot(out->kx, out->ky);
    out->f_peak = fidx / ((double)n_t * out->dt * 1e-3);
    out->direction = out->kx > 0 || (out->kx == 0 && out->ky > 0) ? 1 : -1;
    out->velocity = out->direction * 2 * M_PI * out->f_peak / out->k_peak;
    out->snr = pbest / bg;
    out->asymmetry = pbest / pow_[mirror];
    double q = gsl_sf_gamma_inc_Q(M, M * out->snr);
    out->p_value = -expm1((double)N * log1p(-q));
    out->wave = out->p_value < 1e-3 && bq != 0 && out->modulation >= SF_WAVE_MIN_MODULATION;
out:
    if (plan)
        fftw_destroy_plan(plan);
    fftw_free(c);
    fftw_free(F);
    free(pow_);
    return st;
}
