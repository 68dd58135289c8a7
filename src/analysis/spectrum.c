/* Spectra and covariance functions of population-averaged binned activity,
 * split into auto and cross parts, with standard errors over segments.
 *
 * Per segment of L bins, with x_i,b the counts of neuron i, mu_i its mean
 * count per bin over all segments used, and every series zero-padded to 2L so
 * that circular correlations are linear ones:
 *   pop(f)  = |sum_i X~_i(f)|^2,      X~_i = DFT_2L(x_i - mu_i on [0, L))
 *   auto(f) = sum_i |X~_i(f)|^2,      cross(f) = pop(f) - auto(f)
 * (cross is the sum over pairs i != j of X~_i X~_j^*). The population part is
 * one FFT of the summed counts. The auto part would be one FFT per neuron and
 * segment; instead, for a neuron with k spikes in the segment it is the DFT
 * of the neuron's linear autocorrelation, which its k(k-1)/2 spike pairs give
 * directly, summed over neurons before one FFT. The mean subtraction enters
 * this sum through the prefix sums of w_b = sum_i mu_i x_i,b (see
 * sparse_autocorr). Neurons with many spikes in a segment, where pairs cost
 * more than a transform, get their own FFT. So a segment costs
 * O(spikes + pairs of spikes of a neuron + L log L), independent of n except
 * through the spikes.
 *
 * Invariant: execution allocates nothing except growing the grouping buffer
 * (plan->grp) to the largest segment seen; FFTW plans are made once per plan.
 */
#include "analysis_impl.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { Q_SPEC_POP, Q_SPEC_AUTO, Q_SPEC_CROSS, Q_COV_POP, Q_COV_AUTO, Q_COV_CROSS, Q_COUNT };

struct sf_spectrum_plan {
    uint32_t n;            /* neurons                                     */
    size_t L, n_out;       /* segment bins, L/2 + 1 outputs              */
    fftw_plan r2c, c2r;    /* 2L reals <-> L + 1 complex                 */
    double *tbuf;          /* [2L] time-domain transform buffer          */
    fftw_complex *fbuf;    /* [L + 1] frequency-domain transform buffer  */
    double *pop_f, *auto_f; /* [L + 1] pop(f), auto(f) on the 2L grid    */
    double *R, *w;         /* [L] pair autocorrelation, weighted counts  */
    double *mu;            /* [n] mean count per bin                      */
    size_t *cnt, *start;   /* [n] spikes of a neuron in the segment      */
    uint32_t *touched;     /* [n] neurons with spikes in the segment     */
    uint32_t *grp;         /* [grp_cap] segment bins grouped by neuron   */
    size_t grp_cap;
    sf_an_acc *acc;        /* [Q_COUNT * n_out] running means            */
};

void sf_analysis_spectrum_plan_destroy(sf_spectrum_plan *p)
{
    if (!p)
        return;
    if (p->r2c)
        fftw_destroy_plan(p->r2c);
    if (p->c2r)
        fftw_destroy_plan(p->c2r);
    fftw_free(p->tbuf);
    fftw_free(p->fbuf);
    free(p->pop_f);
    free(p->auto_f);
    free(p->R);
    free(p->w);
    free(p->mu);
    free(p->cnt);
    free(p->start);
    free(p->touched);
    free(p->grp);
    free(p->acc);
    free(p);
}

sf_status sf_analysis_spectrum_plan_create(sf_context *ctx, uint32_t n_neurons,
                                           size_t seg_bins, sf_spectrum_plan **plan)
{
    if (!plan)
        return sf_fail(ctx, SF_ERR_ARG, "spectrum: plan pointer is NULL");
    *plan = NULL;
    if (n_neurons == 0)
        return sf_fail(ctx, SF_ERR_ARG, "spectrum: n_neurons = 0");
    if (seg_bins < 2 || seg_bins % 2 || seg_bins > ((size_t)1 << 30))
        return sf_fail(ctx, SF_ERR_ARG,
                       "spectrum: seg_bins = %zu must be even and in [2, 2^30]", seg_bins);
    sf_spectrum_plan *p = calloc(1, sizeof *p);
    if (!p)
        return sf_fail(ctx, SF_ERR_NOMEM, "spectrum: no memory for a plan");
    const size_t L = seg_bins;
    p->n = n_neurons;
    p->L = L;
    p->n_out = L / 2 + 1;
    p->tbuf = fftw_alloc_real(2 * L);
    p->fbuf = fftw_alloc_complex(L + 1);
    p->pop_f = malloc((L + 1) * sizeof *p->pop_f);
    p->auto_f = malloc((L + 1) * sizeof *p->auto_f);
    p->R = malloc(L * sizeof *p->R);
    p->w = malloc(L * sizeof *p->w);
    p->mu = malloc(n_neurons * sizeof *p->mu);
    p->cnt = calloc(n_neurons, sizeof *p->cnt);
    p->start = malloc(n_neurons * sizeof *p->start);
    p->touched = malloc(n_neurons * sizeof *p->touched);
    p->acc = malloc(Q_COUNT * p->n_out * sizeof *p->acc);
    if (!p->tbuf || !p->fbuf || !p->pop_f || !p->auto_f || !p->R || !p->w || !p->mu ||
        !p->cnt || !p->start || !p->touched || !p->acc) {
        sf_analysis_spectrum_plan_destroy(p);
        return sf_fail(ctx, SF_ERR_NOMEM, "spectrum: no memory for segments of %zu bins", L);
    }
    p->r2c = fftw_plan_dft_r2c_1d((int)(2 * L), p->tbuf, p->fbuf, FFTW_ESTIMATE);
    p->c2r = fftw_plan_dft_c2r_1d((int)(2 * L), p->fbuf, p->tbuf, FFTW_ESTIMATE);
    if (!p->r2c || !p->c2r) {
        sf_analysis_spectrum_plan_destroy(p);
        return sf_fail(ctx, SF_ERR_NOMEM, "spectrum: FFTW could not plan %zu points", 2 * L);
    }
    *plan = p;
    return SF_OK;
}

/* A pair of spikes costs ~1 operation, a transform of 2L points ~4L. */
static int wants_fft(size_t k, size_t L)
{
    return k * (k - 1) / 2 > 4 * L;
}

/* tbuf = x - mu on [0, L), 0 after; auto_f += |DFT|^2. */
static void dense_neuron(sf_spectrum_plan *p, const uint32_t *bins, size_t k, double mu)
{
    const size_t L = p->L;
    for (size_t b = 0; b < L; b++)
        p->tbuf[b] = -mu;
    memset(p->tbuf + L, 0, L * sizeof *p->tbuf);
    for (size_t q = 0; q < k; q++)
        p->tbuf[bins[q]] += 1.0;
    fftw_execute(p->r2c);
    for (size_t j = 0; j <= L; j++) {
        double re = creal(p->fbuf[j]), im = cimag(p->fbuf[j]);
        p->auto_f[j] += re * re + im * im;
    }
}

/* Sum over the sparse neurons of sum_b (x_b - mu)(x_{b+m} - mu), b and b+m in
 * [0, L), = R(m) - mu (S[0, L-1-m] + S[m, L-1]) + mu^2 (L - m) per neuron, with
 * R from spike pairs and the sums S through prefix sums of w; placed as an
 * even sequence on the 2L circle in tbuf, transformed, added to auto_f. */
static void sparse_autocorr(sf_spectrum_plan *p, double mu2)
{
    const size_t L = p->L;
    double *P = p->w; /* prefix sums in place: P[b] = sum_{c <= b} w_c */
    for (size_t b = 1; b < L; b++)
        P[b] += P[b - 1];
    const double total = P[L - 1];
    for (size_t m = 0; m < L; m++) {
        double head = P[L - 1 - m], tail = total - (m > 0 ? P[m - 1] : 0.0);
        double A = p->R[m] - (head + tail) + mu2 * (double)(L - m);
        p->tbuf[m] = A;
        if (m > 0)
            p->tbuf[2 * L - m] = A;
    }
    p->tbuf[L] = 0.0;
    fftw_execute(p->r2c);
    for (size_t j = 0; j <= L; j++)
        p->auto_f[j] += creal(p->fbuf[j]); /* even sequence: imaginary part 0 */
}

/* tbuf = inverse DFT of the real spectrum f (length L + 1). */
static void inverse(sf_spectrum_plan *p, const double *f)
{
    for (size_t j = 0; j <= p->L; j++)
        p->fbuf[j] = f[j];
    fftw_execute(p->c2r);
}

sf_status sf_analysis_spectrum(sf_context *ctx, sf_spectrum_plan *p, const sf_spikes *sp,
                               double t_start_ms, double t_stop_ms, double bin_ms,
                               double *out, size_t *n_segments)
{
    sf_an_window win;
    sf_an_bins bins;
    if (!p || !out)
        return sf_fail(ctx, SF_ERR_ARG, "spectrum: plan or out is NULL");
    sf_status st = sf_an_check(ctx, sp, t_start_ms, t_stop_ms, &win);
    if (st != SF_OK)
        return st;
    if (sp->n_neurons != p->n)
        return sf_fail(ctx, SF_ERR_ARG,
                       "spectrum: population has %u neurons, the plan was made for %u",
                       sp->n_neurons, p->n);
    st = sf_an_bins_make(ctx, "spectrum", sp, &win, bin_ms, p->L, &bins);
    if (st != SF_OK)
        return st;

    const uint32_t n = p->n;
    const size_t L = p->L, n_out = p->n_out;
    const uint64_t nseg = bins.count / L;
    const int64_t seg_steps = (int64_t)L * bins.width;
    const int64_t k_end = win.k_start + (int64_t)nseg * seg_steps;

    /* pass 0: input contract, mean count per bin of every neuron */
    memset(p->mu, 0, n * sizeof *p->mu);
    size_t first = sp->n_spikes;
    for (size_t i = 0; i < sp->n_spikes; i++) {
        int64_t k = sp->steps[i];
        if (sp->node_ids[i] >= n || (i > 0 && k < sp->steps[i - 1]))
            return sf_an_bad_spike(ctx, sp, i);
        if (k >= win.k_start && k < k_end) {
            p->mu[sp->node_ids[i]] += 1.0;
            if (first == sp->n_spikes)
                first = i;
        }
    }
    double sum_mu = 0.0, sum_mu2 = 0.0;
    for (uint32_t j = 0; j < n; j++) {
        p->mu[j] /= (double)nseg * (double)L;
        sum_mu += p->mu[j];
        sum_mu2 += p->mu[j] * p->mu[j];
    }

    memset(p->acc, 0, Q_COUNT * n_out * sizeof *p->acc);
    const double bin_s = (double)bins.width * sp->h_ms * 1e-3;
    const double nn = (double)n * (double)n;
    const double norm_spec = 1.0 / ((double)L * bin_s * nn);
    size_t i = first;
    for (uint64_t s = 0; s < nseg; s++) {
        const int64_t k0 = win.k_start + (int64_t)s * seg_steps, k1 = k0 + seg_steps;
        const size_t i0 = i;
        while (i < sp->n_spikes && sp->steps[i] < k1)
            i++;
        const size_t m = i - i0;
        if (m > p->grp_cap) {
            uint32_t *g = realloc(p->grp, m * sizeof *g);
            if (!g)
                return sf_fail(ctx, SF_ERR_NOMEM,
                               "spectrum: no memory for %zu spikes in a segment", m);
            p->grp = g;
            p->grp_cap = m;
        }

        /* population: one transform of the summed counts minus sum_i mu_i */
        memset(p->tbuf + L, 0, L * sizeof *p->tbuf);
        for (size_t b = 0; b < L; b++)
            p->tbuf[b] = -sum_mu;
        size_t nt = 0;
        for (size_t q = i0; q < i; q++) {
            uint32_t id = sp->node_ids[q];
            p->tbuf[(sp->steps[q] - k0) / bins.width] += 1.0;
            if (p->cnt[id]++ == 0)
                p->touched[nt++] = id;
        }
        fftw_execute(p->r2c);
        for (size_t j = 0; j <= L; j++) {
            double re = creal(p->fbuf[j]), im = cimag(p->fbuf[j]);
            p->pop_f[j] = re * re + im * im;
        }

        /* group the segment's bins by neuron (counting sort, touched only) */
        size_t off = 0;
        for (size_t t = 0; t < nt; t++) {
            p->start[p->touched[t]] = off;
            off += p->cnt[p->touched[t]];
        }
        for (size_t q = i0; q < i; q++)
            p->grp[p->start[sp->node_ids[q]]++] =
                (uint32_t)((sp->steps[q] - k0) / bins.width);

        /* auto part: pairs of spikes, or a transform for busy neurons */
        memset(p->R, 0, L * sizeof *p->R);
        memset(p->w, 0, L * sizeof *p->w);
        memset(p->auto_f, 0, (L + 1) * sizeof *p->auto_f);
        double mu2 = sum_mu2; /* over the neurons handled by pairs */
        for (size_t t = 0; t < nt; t++) {
            const uint32_t id = p->touched[t];
            const size_t k = p->cnt[id];
            const uint32_t *bl = p->grp + p->start[id] - k;
            const double mu = p->mu[id];
            p->cnt[id] = 0;
            if (wants_fft(k, L)) {
                mu2 -= mu * mu;
                dense_neuron(p, bl, k, mu);
                continue;
            }
            p->R[0] += (double)k;
            for (size_t a = 0; a < k; a++) {
                p->w[bl[a]] += mu;
                for (size_t c = a + 1; c < k; c++) {
                    uint32_t d = bl[c] - bl[a];
                    p->R[d] += d ? 1.0 : 2.0;
                }
            }
        }
        sparse_autocorr(p, mu2);

        /* spectra on the unpadded grid f_j = j / (L bin): even 2L indices */
        for (size_t j = 0; j < n_out; j++) {
            double sp_pop = p->pop_f[2 * j] * norm_spec, sp_auto = p->auto_f[2 * j] * norm_spec;
            sf_an_acc_add(&p->acc[Q_SPEC_POP * n_out + j], sp_pop);
            sf_an_acc_add(&p->acc[Q_SPEC_AUTO * n_out + j], sp_auto);
            sf_an_acc_add(&p->acc[Q_SPEC_CROSS * n_out + j], sp_pop - sp_auto);
        }
        /* covariance functions: inverse transforms give 2L times the linear
         * correlation sums; divide by the L - m products at lag m */
        inverse(p, p->pop_f);
        for (size_t j = 0; j < n_out; j++)
            p->R[j] = p->tbuf[j]; /* R is free again: keep the pop sums */
        inverse(p, p->auto_f);
        for (size_t j = 0; j < n_out; j++) {
            double norm = 1.0 / (2.0 * (double)L * (double)(L - j) * nn * bin_s * bin_s);
            double c_pop = p->R[j] * norm, c_auto = p->tbuf[j] * norm;
            sf_an_acc_add(&p->acc[Q_COV_POP * n_out + j], c_pop);
            sf_an_acc_add(&p->acc[Q_COV_AUTO * n_out + j], c_auto);
            sf_an_acc_add(&p->acc[Q_COV_CROSS * n_out + j], c_pop - c_auto);
        }
    }

    static const size_t row_of[Q_COUNT] = {SF_SPEC_POP, SF_SPEC_AUTO, SF_SPEC_CROSS,
                                        SF_COV_POP,  SF_COV_AUTO,  SF_COV_CROSS};
    for (size_t j = 0; j < n_out; j++) {
        out[SF_SPEC_FREQ_HZ * n_out + j] = (double)j / ((double)L * bin_s);
        out[SF_COV_LAG_MS * n_out + j] = (double)j * (double)bins.width * sp->h_ms;
        for (int q = 0; q < Q_COUNT; q++)
            sf_an_acc_result(&p->acc[(size_t)q * n_out + j], &out[row_of[q] * n_out + j],
                             &out[(row_of[q] + 1) * n_out + j]);
    }
    sf_an_setz(n_segments, (size_t)nseg);
    return SF_OK;
}
