/* spikefield compare for the correlation models (see compare_corr.h).
 *
 * Networks (binary, hawkes, lin_rate). The analysis window [t_analysis,
 * t_end) is cut into S segments of T_seg = min(1 s, window / 10); every
 * simulated quantity is a mean over segments with the standard error over
 * segments (independent when T_seg >> the correlation time):
 *   - activity: hawkes spike counts in bins of Delta = h; binary states from
 *     their transitions sampled every Delta = 1 ms; lin_rate the voltmeter
 *     traces of the variable `rate` (input noise) or `output` (output
 *     noise) of all units, Delta = the recording interval;
 *   - rate / mean activity per population;
 *   - zero-lag covariances of every pair of populations a <= b: of the
 *     population averages ("pop") and of distinct neurons ("pair"); for
 *     spikes the count covariance in bins of the model's analysis bin,
 *     for signals the equal-time covariance of the samples;
 *   - spectra Re S_ab(f), averaged over the frequency bins within +-2 Hz of
 *     a few chosen frequencies, and covariance functions (figure; at most
 *     101 lags within +-50 ms, each the mean of the lags around it).
 * Theory: the mapping of sf_theory_corr_from_model, with the delays of the
 * time-discrete simulation (hawkes d + h/2: a spike is stamped at the end of
 * its step; lin_rate d - h/2: the sampled output is held over a step;
 * binary d), the working point (binary mean field, Hawkes rates, linear
 * means) and the equivalent linear network (input noise for binary and OU,
 * output noise for Hawkes). It is evaluated as the estimators see it:
 *   - count covariance in bins of T: int (T - |tau|)_+ C(tau) dtau plus the
 *     delta weight times T;
 *   - spectra: the expected periodogram of segments of L bins,
 *     Delta sum_{|m| < L} (1 - |m|/L) C(m Delta) e^{-2 pi i f m Delta} + the
 *     delta weight, which includes the leakage of a finite segment and the
 *     aliasing of the sampled signal (so no bias is left for the z-test);
 *   - pairs: binary c = C(0) - a/N on the diagonal (a = m(1 - m)); hawkes
 *     (C_pop - r T/N)/(1 - 1/N) (Poisson auto part, leading order in 1/N);
 *     lin_rate none (the single-unit variance is not predicted).
 *
 * PIF (one pif_psc_delta population, Poisson input, no coupling): rate, and
 * the membrane-potential density from a voltmeter recording of V_m: per
 * neuron histograms (neurons are independent, so the standard error is over
 * neurons), bins of the lattice width w when w_e = w_i divides L (else L/20),
 * against the exact density (Helias et al. 2010) and the diffusion
 * approximation averaged over each bin; near threshold the exact density is
 * finite, (1 - q)/L, and the diffusion density vanishes.
 */
#include "cli/compare_corr.h"

#include "spikefield/theory_corr.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_CHOSEN 5
static const double chosen_hz[N_CHOSEN] = {5.0, 10.0, 20.0, 50.0, 100.0};
#define BAND_HZ 2.0
#define LAG_MAX_MS 50.0
#define FREQ_MAX_HZ 250.0

typedef struct {
    double sim, sem, th;
} cq;

typedef struct {
    sim_result *r;
    const sf_model *m;
    sf_theory_corr_model cm;
    int np;
    double t0, t1;            /* analysis window, ms                       */
    double delta_ms;          /* bin / sample                              */
    size_t L, nseg;           /* segment bins, segments                    */
    double count_bin_ms;      /* spikes: zero-lag count bin                */
    double shift_ms;          /* delay correction of the discrete simulation */
    const char *activity;     /* what is analysed, for the notes           */
    /* per population */
    sf_spikes *sp;            /* hawkes, binary: spikes (transitions)      */
    double **sig;             /* binary, lin_rate: population signal       */
    size_t n_sig;
    double *var1;             /* single-neuron variance of the signal      */
    cq *mean;                 /* rate (Hz) or mean activity               */
    double *a_th;             /* binary: a = m (1 - m)                      */
    /* per pair a <= b */
    int npair;
    int *pa, *pb;
    cq *cpop, *cpair;
    cq *spec;                 /* [npair * N_CHOSEN]                         */
    size_t nlag, nfr;         /* figure curves                              */
    double *lag, *fr;
    double *cf_sim, *cf_sem, *cf_th, *sp_sim, *sp_sem, *sp_th;
    /* PIF */
    size_t nb;                /* density bins                               */
    double *lo, *hi, *dsim, *dsem, *dex, *ddif;
    double pif_w;             /* bin width                                  */
    bool lattice;
    double q, p_edge;         /* nu_i/nu_e, (1 - q)/L                       */
    size_t n_samples, n_nodes;
    double diff_at_theta;
    char note[1024];
} cc_data;

static double zscore(double sim, double sem, double th)
{
    return sem > 0 && isfinite(sem) && isfinite(th) ? (sim - th) / sem : NAN;
}

static const char *verdict(double z)
{
    return !isfinite(z) ? "n/a" : fabs(z) <= 3 ? "agree" : "differ";
}

static void add_note(cc_data *d, const char *s)
{
    size_t n = strlen(d->note);
    snprintf(d->note + n, sizeof d->note - n, "%s%s", n ? "; " : "", s);
}

int compare_corr_applies(const sf_model *m)
{
    if (m->n_pops < 1)
        return 0;
    const char *t = m->pops[0].type->name;
    for (int a = 1; a < m->n_pops; a++)
        if (strcmp(m->pops[a].type->name, t))
            return 0;
    return !strcmp(t, "binary") || !strcmp(t, "hawkes") || !strcmp(t, "lin_rate") ||
           (!strcmp(t, "pif_psc_delta") && m->n_pops == 1);
}

/* ------------------------------------------------------------------------
 * Simulated side. */

/* Population signals of binary (transitions) and lin_rate (traces). */
static int load_signals(cc_data *d)
{
    const sf_model *m = d->m;
    sf_context *ctx = d->r->ctx;
    for (int a = 0; a < d->np; a++) {
        if (d->cm.kind == SF_CORR_MODEL_BINARY) {
            size_t n;
            if (!d->sp[a].n_neurons) {
                fprintf(stderr, "spikefield compare: spikes of population %s are not recorded; "
                        "binary states are reconstructed from them\n", m->pops[a].name);
                return 1;
            }
            if (sf_analysis_binary_signal(ctx, &d->sp[a], NULL, d->t0, d->t1, d->delta_ms, NULL,
                                          0, &n, NULL) != SF_OK ||
                !(d->sig[a] = malloc(n * sizeof(double))) ||
                sf_analysis_binary_signal(ctx, &d->sp[a], NULL, d->t0, d->t1, d->delta_ms,
                                          d->sig[a], n, &n, &d->var1[a]) != SF_OK) {
                fprintf(stderr, "spikefield compare: %s: %s\n", m->pops[a].name,
                        sf_context_errmsg(ctx));
                return 1;
            }
            d->n_sig = n;
            continue;
        }
        /* lin_rate: a voltmeter of all units of a, variable rate / output */
        const char *var = d->cm.noise == SF_THEORY_NOISE_OUTPUT ? "output" : "rate";
        bool found = false;
        for (int ri = 0; ri < m->n_recorders && !found; ri++) {
            const sf_recorder *rc = &m->recorders[ri];
            if (rc->kind != SF_REC_VOLTMETER || strcmp(rc->variable, var))
                continue;
            for (int k = 0; k < rc->n_pops && !found; k++) {
                const float *data;
                size_t nt;
                uint32_t nn;
                double tt0, dt;
                if (rc->pops[k] != a || rc->n_record < m->pops[a].n ||
                    !sf_recording_trace(d->r->rec, ri, k, &data, &nt, &nn, &tt0, &dt))
                    continue;
                found = true;
                size_t first = 0;
                while (first < nt && tt0 + (double)first * dt < d->t0 - 1e-9)
                    first++;
                if (first >= nt) {
                    fprintf(stderr, "spikefield compare: recorder %s has no samples after "
                            "%g ms\n", rc->name, d->t0);
                    return 1;
                }
                if (d->cm.noise == SF_THEORY_NOISE_OUTPUT &&
                    fabs(dt - m->sim.resolution) > 1e-9 * dt) {
                    fprintf(stderr, "spikefield compare: recorder %s: output noise is white; "
                            "record it every step (interval %g ms, not %g ms)\n", rc->name,
                            m->sim.resolution, dt);
                    return 1;
                }
                d->delta_ms = dt;
                d->n_sig = nt - first;
                d->sig[a] = malloc(d->n_sig * sizeof(double));
                if (!d->sig[a] || sf_analysis_trace_signal(d->r->ctx, data + first * nn,
                                                           d->n_sig, nn, d->sig[a],
                                                           &d->var1[a]) != SF_OK)
                    return 1;
            }
        }
        if (!found) {
            fprintf(stderr, "spikefield compare: population %s: the comparison needs a voltmeter "
                    "recording `%s` of all %u units (recorders: {kind: voltmeter, variable: %s, "
                    "n: %u, ...})\n", m->pops[a].name, var, m->pops[a].n, var, m->pops[a].n);
            return 1;
        }
    }
    return 0;
}

/* Mean and SE over segments of a series x[0..S L). */
static void seg_mean(const double *x, size_t S, size_t L, double scale, cq *out)
{
    double s1 = 0, s2 = 0;
    for (size_t s = 0; s < S; s++) {
        double v = 0;
        for (size_t b = 0; b < L; b++)
            v += x[s * L + b];
        v *= scale / (double)L;
        s1 += v;
        s2 += v * v;
    }
    out->sim = s1 / (double)S;
    out->sem = S > 1 ? sqrt(fmax(s2 / S - out->sim * out->sim, 0) / (double)(S - 1)) : NAN;
}

/* Figure lags: |tau| <= LAG_MAX_MS at an odd stride giving <= 101 points;
 * each point is the mean over the stride's lags centred on it. */
static size_t lag_stride(const cc_data *d)
{
    double span = fmin(LAG_MAX_MS, (double)(d->L / 2) * d->delta_ms);
    size_t half = (size_t)floor(span / d->delta_ms + 1e-9);
    size_t s = half > 50 ? (half + 49) / 50 : 1;
    return s | 1;
}

/* Mean of row[j0 - w .. j0 + w] (clamped to [0, n)), w = stride / 2; sem
 * (optional row) combined as if independent. */
static double lag_mean(const double *row, const double *sem, size_t n, size_t j0, size_t stride,
                       double *se)
{
    long w = (long)(stride / 2), c = 0;
    double s = 0, v = 0;
    for (long j = (long)j0 - w; j <= (long)j0 + w; j++)
        if (j >= 0 && j < (long)n) {
            s += row[j];
            if (sem)
                v += sem[j] * sem[j];
            c++;
        }
    if (se)
        *se = sqrt(v) / (double)c;
    return s / (double)c;
}

static int simulate_side(cc_data *d)
{
    const sf_model *m = d->m;
    sf_context *ctx = d->r->ctx;
    const bool spikes = d->cm.kind == SF_CORR_MODEL_HAWKES;
    const size_t n = d->L + 1, hh = d->L / 2;
    double *out = malloc(SF_XSPEC_ROWS * n * sizeof *out);
    if (!out)
        return 1;
    /* means */
    for (int a = 0; a < d->np; a++) {
        if (spikes) {
            double *rate = NULL;
            size_t nbins;
            if (sf_analysis_pop_rate_alloc(ctx, &d->sp[a], d->t0, d->t1, (double)d->L * d->delta_ms,
                                           &rate, &nbins) != SF_OK) {
                free(out);
                return 1;
            }
            seg_mean(rate, nbins < d->nseg ? nbins : d->nseg, 1, 1.0, &d->mean[a]);
            sf_analysis_free(rate);
        } else {
            seg_mean(d->sig[a], d->nseg, d->L, 1.0, &d->mean[a]);
        }
    }
    /* pairs */
    const size_t stride = lag_stride(d);
    for (int p = 0; p < d->npair; p++) {
        const int a = d->pa[p], b = d->pb[p];
        const bool same = a == b;
        sf_pop_cov c;
        sf_status st;
        sf_xspectrum_plan *plan = NULL;
        if (spikes) {
            st = sf_analysis_count_cov(ctx, &d->sp[a], same ? NULL : &d->sp[b], d->t0, d->t1,
                                       d->count_bin_ms, d->nseg, &c);
            if (st == SF_OK)
                st = sf_analysis_xspectrum_plan_create(ctx, d->L, same ? m->pops[a].n : 0, &plan);
            if (st == SF_OK)
                st = sf_analysis_xspectrum(ctx, plan, &d->sp[a], same ? NULL : &d->sp[b], d->t0,
                                           d->t1, d->delta_ms, out, NULL);
        } else {
            sf_signal A = {d->sig[a], d->n_sig, d->delta_ms, m->pops[a].n, d->var1[a]};
            sf_signal B = {d->sig[b], d->n_sig, d->delta_ms, m->pops[b].n, d->var1[b]};
            st = sf_analysis_signal_cov(ctx, &A, same ? NULL : &B, d->nseg, &c);
            if (st == SF_OK)
                st = sf_analysis_xspectrum_plan_create(ctx, d->L, 0, &plan);
            if (st == SF_OK)
                st = sf_analysis_signal_xspectrum(ctx, plan, &A, same ? NULL : &B, out, NULL);
        }
        sf_analysis_xspectrum_plan_destroy(plan);
        if (st != SF_OK) {
            fprintf(stderr, "spikefield compare: %s-%s: %s\n", m->pops[a].name, m->pops[b].name,
                    sf_context_errmsg(ctx));
            free(out);
            return 1;
        }
        d->cpop[p].sim = c.pop, d->cpop[p].sem = c.pop_sem;
        d->cpair[p].sim = c.cross, d->cpair[p].sem = c.cross_sem;
        /* chosen frequencies: band averages of Re S_ab over f >= 0 bins */
        for (int k = 0; k < N_CHOSEN; k++) {
            double s = 0, v = 0;
            int cnt = 0;
            for (size_t j = hh; j < n; j++) {
                double f = out[SF_XSPEC_FREQ_HZ * n + j];
                if (fabs(f - chosen_hz[k]) <= BAND_HZ + 1e-9) {
                    s += out[SF_XSPEC_RE * n + j];
                    v += pow(out[SF_XSPEC_RE_SEM * n + j], 2);
                    cnt++;
                }
            }
            cq *q = &d->spec[(size_t)p * N_CHOSEN + k];
            q->sim = cnt ? s / cnt : NAN;
            q->sem = cnt ? sqrt(v) / cnt : NAN;
        }
        /* figure curves */
        const int cov_row = spikes && same ? SF_XCOV_CROSS : SF_XCOV;
        for (size_t i = 0; i < d->nlag; i++) {
            size_t j = hh + (size_t)((long)i - (long)(d->nlag / 2)) * stride;
            d->cf_sim[(size_t)p * d->nlag + i] =
                lag_mean(out + cov_row * n, out + (cov_row + 1) * n, n, j, stride,
                         &d->cf_sem[(size_t)p * d->nlag + i]);
        }
        for (size_t i = 0; i < d->nfr; i++) {
            d->sp_sim[(size_t)p * d->nfr + i] = out[SF_XSPEC_RE * n + hh + 1 + i];
            d->sp_sem[(size_t)p * d->nfr + i] = out[SF_XSPEC_RE_SEM * n + hh + 1 + i];
        }
    }
    free(out);
    return 0;
}

/* ------------------------------------------------------------------------
 * Theory side. */

static int theory_side(cc_data *d)
{
    const sf_model *m = d->m;
    sf_context *ctx = d->r->ctx;
    const int np = d->np;
    const size_t n2 = (size_t)np * np, L = d->L, nt = 2 * L;
    const double dls = d->delta_ms * 1e-3;
    double *W = calloc(n2, sizeof *W), *D = calloc(n2, sizeof *D), *tau = calloc(np, sizeof *tau);
    double *rate = calloc(np, sizeof *rate), *Ct = malloc(nt * n2 * sizeof *Ct);
    double *delta = calloc(n2, sizeof *delta);
    double *g = fftw_alloc_real(nt);
    fftw_complex *G = fftw_alloc_complex(L + 1);
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(np, nt);
    fftw_plan plan = g && G ? fftw_plan_dft_r2c_1d((int)nt, g, G, FFTW_ESTIMATE) : NULL;
    int rc = 1;
    if (!W || !D || !tau || !rate || !Ct || !delta || !ws || !plan) {
        fprintf(stderr, "spikefield compare: out of memory for the theory\n");
        goto out;
    }
    sf_theory_linear_net lin;
    sf_theory_noise_class cls;
    sf_status st = SF_OK;
    if (d->cm.kind == SF_CORR_MODEL_BINARY) {
        double mu[16], sg[16], S[16];
        sf_theory_binary_point pt = {rate, np <= 16 ? mu : NULL, np <= 16 ? sg : NULL,
                                     np <= 16 ? S : NULL, 0, 0};
        st = sf_theory_binary_solve(ctx, &d->cm.binary, NULL, NULL, &pt);
        if (st == SF_OK)
            st = sf_theory_binary_to_linear(ctx, &d->cm.binary, rate, W, tau, D, &lin);
        for (int a = 0; a < np; a++)
            d->a_th[a] = rate[a] * (1 - rate[a]);
        cls = SF_THEORY_NOISE_INPUT;
    } else if (d->cm.kind == SF_CORR_MODEL_HAWKES) {
        double rho;
        st = sf_theory_hawkes_rates(ctx, &d->cm.hawkes, ws, rate, &rho);
        if (st == SF_OK)
            st = sf_theory_hawkes_to_linear(ctx, &d->cm.hawkes, rate, W, D, &lin);
        cls = SF_THEORY_NOISE_OUTPUT;
    } else {
        memcpy(rate, d->cm.mean, np * sizeof *rate);
        lin = d->cm.linear;
        cls = d->cm.noise;
    }
    if (st == SF_OK)
        st = sf_theory_linear_cov_time(ctx, &lin, cls, d->delta_ms, ws, Ct,
                                       cls == SF_THEORY_NOISE_OUTPUT ? delta : NULL);
    if (st != SF_OK) {
        fprintf(stderr, "spikefield compare: theory: %s\n", sf_context_errmsg(ctx));
        goto out;
    }
    for (int a = 0; a < np; a++)
        d->mean[a].th = rate[a];
    const bool spikes = d->cm.kind == SF_CORR_MODEL_HAWKES;
    const double T = d->count_bin_ms * 1e-3;
    const size_t stride = lag_stride(d);
    for (int p = 0; p < d->npair; p++) {
        const int a = d->pa[p], b = d->pb[p];
        const size_t ab = (size_t)a * np + b;
        const double Na = m->pops[a].n;
        /* zero lag */
        if (spikes) {
            double s = 0;
            for (size_t k = 0; k < nt; k++) {
                double tau_s = ((double)k - (double)L) * dls;
                if (fabs(tau_s) < T)
                    s += (T - fabs(tau_s)) * Ct[k * n2 + ab] * dls;
            }
            d->cpop[p].th = s + T * delta[ab];
            d->cpair[p].th = a == b ? (d->cpop[p].th - rate[a] * T / Na) / (1 - 1 / Na)
                                    : d->cpop[p].th;
        } else {
            d->cpop[p].th = Ct[L * n2 + ab] + delta[ab] / dls;
            d->cpair[p].th = d->cm.kind == SF_CORR_MODEL_BINARY
                                 ? Ct[L * n2 + ab] - (a == b ? d->a_th[a] / Na : 0.0)
                                 : (a == b ? NAN : d->cpop[p].th);
        }
        /* expected periodogram on the grid f_j = j / (L Delta) */
        for (size_t k = 0; k < nt; k++)
            g[k] = 0;
        for (long mm = -(long)L + 1; mm < (long)L; mm++) {
            size_t i = mm >= 0 ? (size_t)mm : nt - (size_t)(-mm);
            g[i] = (1.0 - fabs((double)mm) / (double)L) * Ct[(size_t)(mm + (long)L) * n2 + ab];
        }
        fftw_execute(plan);
        for (int k = 0; k < N_CHOSEN; k++) {
            double s = 0;
            int cnt = 0;
            for (size_t j = 0; j <= L / 2; j++) {
                double f = (double)j / ((double)L * dls);
                if (fabs(f - chosen_hz[k]) <= BAND_HZ + 1e-9) {
                    s += dls * creal(G[2 * j]) + delta[ab];
                    cnt++;
                }
            }
            d->spec[(size_t)p * N_CHOSEN + k].th = cnt ? s / cnt : NAN;
        }
        for (size_t i = 0; i < d->nfr; i++)
            d->sp_th[(size_t)p * d->nfr + i] = dls * creal(G[2 * (i + 1)]) + delta[ab];
        for (size_t k = 0; k < nt; k++) /* reuse g: the lag row of this pair */
            g[k] = Ct[k * n2 + ab];
        for (size_t i = 0; i < d->nlag; i++) {
            long mm = ((long)i - (long)(d->nlag / 2)) * (long)stride;
            d->cf_th[(size_t)p * d->nlag + i] =
                lag_mean(g, NULL, nt, (size_t)(mm + (long)L), stride, NULL);
        }
    }
    rc = 0;
out:
    if (plan)
        fftw_destroy_plan(plan);
    fftw_free(g);
    fftw_free(G);
    sf_theory_corr_workspace_destroy(ws);
    free(W);
    free(D);
    free(tau);
    free(rate);
    free(Ct);
    free(delta);
    return rc;
}

/* ------------------------------------------------------------------------
 * PIF: density near threshold. */

static int pif_side(cc_data *d)
{
    const sf_model *m = d->m;
    sf_context *ctx = d->r->ctx;
    const sf_theory_pif *P = &d->cm.pif;
    const double Lv = P->theta - P->V_r;
    sf_status st = sf_theory_pif_rate(ctx, P, &d->mean[0].th);
    if (st != SF_OK) {
        fprintf(stderr, "spikefield compare: theory: %s\n", sf_context_errmsg(ctx));
        return 1;
    }
    d->mean[0].sim = d->r->stats[0].rate_Hz;
    d->mean[0].sem = d->r->stats[0].rate_sem;
    /* the voltmeter of V_m */
    const float *data = NULL;
    size_t nt = 0;
    uint32_t nn = 0;
    double tt0 = 0, dt = 0;
    for (int ri = 0; ri < m->n_recorders && !data; ri++)
        if (m->recorders[ri].kind == SF_REC_VOLTMETER && !strcmp(m->recorders[ri].variable, "V_m"))
            if (!sf_recording_trace(d->r->rec, ri, 0, &data, &nt, &nn, &tt0, &dt))
                data = NULL;
    if (!data || nn < 2) {
        fprintf(stderr, "spikefield compare: the PIF comparison needs a voltmeter recording of "
                "V_m of at least 2 neurons ({kind: voltmeter, populations: [%s], n: 1000, "
                "interval: 1.0})\n", m->pops[0].name);
        return 1;
    }
    size_t first = 0;
    while (first < nt && tt0 + (double)first * dt < d->t0 - 1e-9)
        first++;
    if (nt - first < 2) {
        fprintf(stderr, "spikefield compare: too few V_m samples after %g ms\n", d->t0);
        return 1;
    }
    d->n_samples = nt - first;
    d->n_nodes = nn;
    /* bins: the lattice when w_e = w_i divides L */
    const double w = P->w_e;
    d->lattice = (P->nu_i == 0 || fabs(P->w_i - w) <= 1e-12 * w) &&
                 fabs(Lv / w - nearbyint(Lv / w)) <= 1e-9 * (Lv / w) && Lv / w <= 400;
    d->q = P->nu_i / P->nu_e;
    d->p_edge = (1 - d->q) / Lv;
    d->pif_w = d->lattice ? w : Lv / 20;
    const double mu = P->nu_e * P->w_e - P->nu_i * P->w_i;
    const double Dd = 0.5 * (P->nu_e * P->w_e * P->w_e + P->nu_i * P->w_i * P->w_i);
    /* down to where the diffusion tail below V_r is 1e-3 of the plateau */
    double below = P->nu_i > 0 ? fmin(3 * Lv, Dd / mu * log(1e3)) : 0;
    size_t nabove = (size_t)nearbyint(Lv / d->pif_w);
    d->nb = nabove + (size_t)ceil(below / d->pif_w);
    d->lo = calloc(d->nb, sizeof(double));
    d->hi = calloc(d->nb, sizeof(double));
    d->dsim = calloc(d->nb, sizeof(double));
    d->dsem = calloc(d->nb, sizeof(double));
    d->dex = calloc(d->nb, sizeof(double));
    d->ddif = calloc(d->nb, sizeof(double));
    double *cnt = calloc(d->nb, sizeof(double)), *s1 = calloc(d->nb, sizeof(double)),
           *s2 = calloc(d->nb, sizeof(double));
    if (!d->lo || !d->hi || !d->dsim || !d->dsem || !d->dex || !d->ddif || !cnt || !s1 || !s2) {
        free(cnt), free(s1), free(s2);
        return 1;
    }
    /* bin k (0 = just below threshold): [theta - (k+1) w, theta - k w) */
    for (size_t k = 0; k < d->nb; k++) {
        d->hi[k] = P->theta - (double)k * d->pif_w;
        d->lo[k] = d->hi[k] - d->pif_w;
    }
    const double rel = 1e-9 * fmax(1.0, fabs(P->theta));
    for (uint32_t j = 0; j < nn; j++) {
        memset(cnt, 0, d->nb * sizeof *cnt);
        for (size_t t = first; t < nt; t++) {
            double v = (double)data[t * nn + j];
            double k = floor((P->theta - v - rel) / d->pif_w); /* v = lattice point: its bin */
            if (k >= 0 && k < (double)d->nb)
                cnt[(size_t)k] += 1;
        }
        for (size_t k = 0; k < d->nb; k++) {
            double dens = cnt[k] / (double)d->n_samples / d->pif_w;
            s1[k] += dens;
            s2[k] += dens * dens;
        }
    }
    for (size_t k = 0; k < d->nb; k++) {
        d->dsim[k] = s1[k] / nn;
        d->dsem[k] = sqrt(fmax(s2[k] / nn - d->dsim[k] * d->dsim[k], 0) / (nn - 1));
        /* exact: piecewise constant on lattice intervals, so the bin's
         * centre; diffusion: the bin average (Simpson, 64 intervals) */
        double c = 0.5 * (d->lo[k] + d->hi[k]), V[65], pd[65];
        if (sf_theory_pif_density_exact(NULL, P, &c, 1, &d->dex[k]) != SF_OK)
            d->dex[k] = NAN;
        for (int i = 0; i <= 64; i++)
            V[i] = d->lo[k] + d->pif_w * i / 64.0;
        V[64] = d->hi[k] - 1e-12 * d->pif_w; /* [lo, hi) */
        sf_theory_pif_density_diffusion(NULL, P, V, 65, pd);
        double s = pd[0] + pd[64];
        for (int i = 1; i < 64; i++)
            s += (i % 2 ? 4 : 2) * pd[i];
        d->ddif[k] = s / (3.0 * 64);
    }
    double th = P->theta;
    sf_theory_pif_density_diffusion(NULL, P, &th, 1, &d->diff_at_theta);
    free(cnt);
    free(s1);
    free(s2);
    if (!d->lattice)
        add_note(d, "weights do not put V on a lattice: bins of L/20, exact density known only "
                    "for excitation alone");
    return 0;
}

/* ------------------------------------------------------------------------
 * Outputs. */

static void json_cq(json_w *j, const char *key, const cq *q)
{
    double z = zscore(q->sim, q->sem, q->th);
    json_obj(j, key);
    json_num(j, "simulated", q->sim);
    json_num(j, "sem", q->sem);
    json_num(j, "predicted", q->th);
    json_num(j, "z", z);
    json_str(j, "verdict", verdict(z));
    json_end_obj(j);
}

static void json_arr_d(json_w *j, const char *key, const double *x, size_t n)
{
    json_arr(j, key);
    for (size_t i = 0; i < n; i++)
        json_num(j, NULL, x[i]);
    json_end_arr(j);
}

static void pair_name(const cc_data *d, int p, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%s", d->m->pops[d->pa[p]].name, d->m->pops[d->pb[p]].name);
}

static const char *model_kind(const cc_data *d)
{
    static const char *names[] = {"binary", "hawkes", "linear rate (Ornstein-Uhlenbeck)", "pif"};
    return names[d->cm.kind];
}

static void write_json(FILE *f, void *user)
{
    const cc_data *d = user;
    const sf_model *m = d->m;
    json_w j;
    json_begin(&j, f);
    json_obj(&j, NULL);
    json_str(&j, "model", m->file);
    json_str(&j, "theory", model_kind(d));
    json_str(&j, "verdict_rule", "agree when |simulated - predicted| <= 3 standard errors");
    json_str(&j, "notes", d->note);
    json_obj(&j, "analysis");
    json_num(&j, "start_ms", d->t0);
    json_num(&j, "stop_ms", d->t1);
    if (d->cm.kind != SF_CORR_MODEL_PIF) {
        json_str(&j, "activity", d->activity);
        json_num(&j, "delta_ms", d->delta_ms);
        json_num(&j, "segment_ms", (double)d->L * d->delta_ms);
        json_int(&j, "segments", (long long)d->nseg);
        json_num(&j, "count_bin_ms", d->count_bin_ms);
        json_num(&j, "band_Hz", BAND_HZ);
        json_num(&j, "theory_delay_shift_ms", d->shift_ms);
    } else {
        json_int(&j, "neurons", (long long)d->n_nodes);
        json_int(&j, "samples_per_neuron", (long long)d->n_samples);
    }
    json_end_obj(&j);
    json_obj(&j, "populations");
    for (int a = 0; a < d->np; a++) {
        json_obj(&j, m->pops[a].name);
        json_int(&j, "n", m->pops[a].n);
        json_cq(&j, d->cm.kind == SF_CORR_MODEL_BINARY   ? "mean_activity"
                    : d->cm.kind == SF_CORR_MODEL_LINEAR ? "mean_rate"
                                                         : "rate_Hz",
                &d->mean[a]);
        json_end_obj(&j);
    }
    json_end_obj(&j);
    if (d->cm.kind == SF_CORR_MODEL_PIF) {
        const sf_theory_pif *P = &d->cm.pif;
        json_obj(&j, "pif");
        json_num(&j, "theta_mV", P->theta);
        json_num(&j, "V_reset_mV", P->V_r);
        json_num(&j, "nu_e_Hz", P->nu_e);
        json_num(&j, "w_e_mV", P->w_e);
        json_num(&j, "nu_i_Hz", P->nu_i);
        json_num(&j, "w_i_mV", P->w_i);
        json_num(&j, "q", d->q);
        json_bool(&j, "lattice", d->lattice);
        json_end_obj(&j);
        json_obj(&j, "density");
        json_str(&j, "unit", "1/mV");
        json_arr_d(&j, "V_lo_mV", d->lo, d->nb);
        json_arr_d(&j, "V_hi_mV", d->hi, d->nb);
        json_arr_d(&j, "simulated", d->dsim, d->nb);
        json_arr_d(&j, "sem", d->dsem, d->nb);
        json_arr_d(&j, "exact", d->dex, d->nb);
        json_arr_d(&j, "diffusion", d->ddif, d->nb);
        json_end_obj(&j);
        json_obj(&j, "threshold");
        json_num(&j, "bin_lo_mV", d->lo[0]);
        json_num(&j, "bin_hi_mV", d->hi[0]);
        json_num(&j, "exact_limit", d->lattice ? d->p_edge : NAN);
        json_num(&j, "diffusion_at_threshold", d->diff_at_theta);
        cq e = {d->dsim[0], d->dsem[0], d->dex[0]}, df = {d->dsim[0], d->dsem[0], d->ddif[0]};
        json_cq(&j, "exact", &e);
        json_cq(&j, "diffusion", &df);
        json_end_obj(&j);
    } else {
        json_obj(&j, "covariances");
        json_str(&j, "unit", d->cm.kind == SF_CORR_MODEL_HAWKES ? "spike count^2 per bin"
                                                                : "activity^2 (equal time)");
        for (int p = 0; p < d->npair; p++) {
            char name[256];
            pair_name(d, p, name, sizeof name);
            json_obj(&j, name);
            json_cq(&j, "pop", &d->cpop[p]);
            json_cq(&j, "pair", &d->cpair[p]);
            json_end_obj(&j);
        }
        json_end_obj(&j);
        json_obj(&j, "spectra");
        json_str(&j, "quantity", "Re S_ab(f), band average over +-band_Hz");
        json_arr_d(&j, "freq_Hz", chosen_hz, N_CHOSEN);
        for (int p = 0; p < d->npair; p++) {
            char name[256];
            pair_name(d, p, name, sizeof name);
            json_arr(&j, name);
            for (int k = 0; k < N_CHOSEN; k++)
                json_cq(&j, NULL, &d->spec[(size_t)p * N_CHOSEN + k]);
            json_end_arr(&j);
        }
        json_end_obj(&j);
        json_obj(&j, "curves");
        json_arr_d(&j, "lag_ms", d->lag, d->nlag);
        json_arr_d(&j, "freq_Hz", d->fr, d->nfr);
        for (int p = 0; p < d->npair; p++) {
            char name[256];
            pair_name(d, p, name, sizeof name);
            json_obj(&j, name);
            json_arr_d(&j, "cov_simulated", d->cf_sim + (size_t)p * d->nlag, d->nlag);
            json_arr_d(&j, "cov_sem", d->cf_sem + (size_t)p * d->nlag, d->nlag);
            json_arr_d(&j, "cov_predicted", d->cf_th + (size_t)p * d->nlag, d->nlag);
            json_arr_d(&j, "spec_simulated", d->sp_sim + (size_t)p * d->nfr, d->nfr);
            json_arr_d(&j, "spec_sem", d->sp_sem + (size_t)p * d->nfr, d->nfr);
            json_arr_d(&j, "spec_predicted", d->sp_th + (size_t)p * d->nfr, d->nfr);
            json_end_obj(&j);
        }
        json_end_obj(&j);
    }
    json_end_obj(&j);
}

static const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                               "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

/* A framed panel with a title; returns nothing, the caller maps values. */
static void panel(FILE *f, int x, int y, int w, int h, const char *title, const char *xl,
                  const char *yl)
{
    fprintf(f, "<text x='%d' y='%d' font-size='14'>%s</text>\n", x, y - 12, title);
    fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='black'/>\n", x, y,
            w, h);
    fprintf(f, "<text x='%d' y='%d' text-anchor='middle'>%s</text>\n", x + w / 2, y + h + 34, xl);
    fprintf(f, "<text transform='translate(%d,%d) rotate(-90)' text-anchor='middle'>%s</text>\n",
            x - 48, y + h / 2, yl);
}

static void write_svg_net(FILE *f, const cc_data *d)
{
    const int W = 1040, H = 440, x0 = 70, y0 = 40, pw = 400, ph = 320, x1 = 590;
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='sans-serif' font-size='12'>\n<rect width='100%%' height='100%%' "
            "fill='white'/>\n", W, H);
    /* left: covariance functions, linear axes */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)d->npair * d->nlag; i++) {
        if (isfinite(d->cf_sim[i]))
            lo = fmin(lo, d->cf_sim[i]), hi = fmax(hi, d->cf_sim[i]);
        if (isfinite(d->cf_th[i]))
            lo = fmin(lo, d->cf_th[i]), hi = fmax(hi, d->cf_th[i]);
    }
    if (!(hi > lo))
        lo = -1, hi = 1;
    double pad = 0.05 * (hi - lo);
    lo -= pad, hi += pad;
    panel(f, x0, y0, pw, ph, d->cm.kind == SF_CORR_MODEL_HAWKES
                                 ? "Covariance functions (cross part), sim (solid) vs theory (dashed)"
                                 : "Covariance functions, sim (solid) vs theory (dashed)",
          "lag (ms)", d->cm.kind == SF_CORR_MODEL_HAWKES ? "C(tau) (Hz^2)" : "C(tau)");
    double lmin = d->lag[0], lmax = d->lag[d->nlag - 1];
#define PX(t) (x0 + pw * ((t) - lmin) / (lmax - lmin))
#define PY(v) (y0 + ph - ph * ((v) - lo) / (hi - lo))
    for (int t = 0; t <= 4; t++) {
        double v = lo + (hi - lo) * t / 4;
        fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/><text x='%d' "
                "y='%.1f' text-anchor='end'>%.2g</text>\n", x0, x0 + pw, PY(v), PY(v), x0 - 4,
                PY(v) + 4, v);
    }
    double step = pow(10, floor(log10((lmax - lmin) / 4))), r = (lmax - lmin) / 4 / step;
    step *= r >= 5 ? 5 : r >= 2 ? 2 : 1; /* 1, 2 or 5 times a power of 10 */
    for (double tl = ceil(lmin / step) * step; tl <= lmax + 1e-9; tl += step)
        fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#eee'/><text x='%.1f' "
                "y='%d' text-anchor='middle'>%g</text>\n", PX(tl), PX(tl), y0, y0 + ph, PX(tl),
                y0 + ph + 16, fabs(tl) < 1e-9 ? 0.0 : tl);
    if (lo < 0 && hi > 0)
        fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#888'/>\n", x0, x0 + pw,
                PY(0.0), PY(0.0));
    for (int p = 0; p < d->npair; p++) {
        const char *c = colors[p % 8];
        for (int pass = 0; pass < 2; pass++) {
            const double *y = (pass ? d->cf_th : d->cf_sim) + (size_t)p * d->nlag;
            fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%s'%s points='", c,
                    pass ? "2" : "1", pass ? " stroke-dasharray='6,3'" : " opacity='0.7'");
            for (size_t i = 0; i < d->nlag; i++)
                if (isfinite(y[i]))
                    fprintf(f, "%.1f,%.1f ", PX(d->lag[i]), PY(y[i]));
            fprintf(f, "'/>\n");
        }
        char name[256];
        pair_name(d, p, name, sizeof name);
        fprintf(f, "<text x='%d' y='%d' fill='%s'>%s</text>\n", x0 + 8, y0 + 16 * (p + 1), c, name);
    }
#undef PX
#undef PY
    /* right: spectra of a == b, log-log */
    lo = INFINITY, hi = 0;
    for (int p = 0; p < d->npair; p++) {
        if (d->pa[p] != d->pb[p])
            continue;
        for (size_t i = 0; i < d->nfr; i++) {
            double v1 = d->sp_sim[(size_t)p * d->nfr + i], v2 = d->sp_th[(size_t)p * d->nfr + i];
            if (v1 > 0)
                lo = fmin(lo, v1), hi = fmax(hi, v1);
            if (v2 > 0)
                lo = fmin(lo, v2), hi = fmax(hi, v2);
        }
    }
    panel(f, x1, y0, pw, ph, "Population spectra, sim (solid) vs theory (dashed)",
          "frequency (Hz)", d->cm.kind == SF_CORR_MODEL_HAWKES ? "S(f) (Hz)" : "S(f) (1/Hz)");
    if (d->nfr > 1 && hi > 0 && isfinite(lo)) {
        double llo = floor(log10(lo)), lhi = ceil(log10(hi));
        if (lhi <= llo)
            lhi = llo + 1;
        double fl = log10(d->fr[0]), fh = log10(d->fr[d->nfr - 1]);
#define PX(fr) (x1 + pw * (log10(fr) - fl) / (fh - fl))
#define PY(v) (y0 + ph - ph * (log10(v) - llo) / (lhi - llo))
        for (double e = llo; e <= lhi; e++)
            fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>1e%.0f</text>\n", x1 - 4,
                    PY(pow(10, e)) + 4, e);
        for (double fr = pow(10, ceil(fl)); fr <= d->fr[d->nfr - 1]; fr *= 10)
            fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#ddd'/><text x='%.1f' "
                    "y='%d' text-anchor='middle'>%g</text>\n", PX(fr), PX(fr), y0, y0 + ph,
                    PX(fr), y0 + ph + 16, fr);
        int row = 0;
        for (int p = 0; p < d->npair; p++) {
            if (d->pa[p] != d->pb[p])
                continue;
            const char *c = colors[p % 8];
            for (int pass = 0; pass < 2; pass++) {
                const double *y = (pass ? d->sp_th : d->sp_sim) + (size_t)p * d->nfr;
                fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%s'%s points='", c,
                        pass ? "2" : "1", pass ? " stroke-dasharray='6,3'" : " opacity='0.6'");
                for (size_t i = 0; i < d->nfr; i++)
                    if (y[i] > 0)
                        fprintf(f, "%.1f,%.1f ", PX(d->fr[i]), PY(y[i]));
                fprintf(f, "'/>\n");
            }
            fprintf(f, "<text x='%d' y='%d' fill='%s'>%s</text>\n", x1 + pw + 8, y0 + 14 * ++row,
                    c, d->m->pops[d->pa[p]].name);
        }
#undef PX
#undef PY
    }
    fprintf(f, "</svg>\n");
}

static void write_svg_pif(FILE *f, const cc_data *d)
{
    const int W = 620, H = 440, x0 = 80, y0 = 40, pw = 480, ph = 320;
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='sans-serif' font-size='12'>\n<rect width='100%%' height='100%%' "
            "fill='white'/>\n", W, H);
    panel(f, x0, y0, pw, ph, "PIF membrane potential density: sim (dots, ±SE), exact (black), "
          "diffusion (red)", "V (mV)", "p(V) (1/mV)");
    double vlo = d->lo[d->nb - 1], vhi = d->hi[0], top = 0;
    for (size_t k = 0; k < d->nb; k++)
        top = fmax(top, fmax(d->dsim[k] + d->dsem[k], fmax(d->dex[k], d->ddif[k])));
    top = top > 0 ? 1.15 * top : 1;
#define PX(v) (x0 + pw * ((v) - vlo) / (vhi - vlo))
#define PY(v) (y0 + ph - ph * (v) / top)
    for (int t = 0; t <= 4; t++) {
        double v = top * t / 4, x = vlo + (vhi - vlo) * t / 4;
        fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/><text x='%d' "
                "y='%.1f' text-anchor='end'>%.3g</text>\n", x0, x0 + pw, PY(v), PY(v), x0 - 4,
                PY(v) + 4, v);
        fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%.3g</text>\n", PX(x), y0 + ph + 16,
                x);
    }
    /* exact: steps; diffusion: the continuous curve */
    fprintf(f, "<polyline fill='none' stroke='black' stroke-width='2' points='");
    for (size_t k = d->nb; k-- > 0;)
        if (isfinite(d->dex[k]))
            fprintf(f, "%.1f,%.1f %.1f,%.1f ", PX(d->lo[k]), PY(d->dex[k]), PX(d->hi[k]),
                    PY(d->dex[k]));
    fprintf(f, "'/>\n<polyline fill='none' stroke='#d62728' stroke-width='2' points='");
    const sf_theory_pif *P = &d->cm.pif;
    for (int i = 0; i <= 400; i++) {
        double v = vlo + (vhi - vlo) * i / 400.0, p;
        if (i == 400)
            v = vhi;
        if (sf_theory_pif_density_diffusion(NULL, P, &v, 1, &p) == SF_OK)
            fprintf(f, "%.1f,%.1f ", PX(v), PY(p));
    }
    fprintf(f, "'/>\n");
    for (size_t k = 0; k < d->nb; k++) {
        double c = 0.5 * (d->lo[k] + d->hi[k]);
        fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#1f77b4'/>"
                "<circle cx='%.1f' cy='%.1f' r='3' fill='#1f77b4'/>\n", PX(c), PX(c),
                PY(d->dsim[k] - d->dsem[k]), PY(d->dsim[k] + d->dsem[k]), PX(c), PY(d->dsim[k]));
    }
    fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#888' stroke-dasharray='3,3'/>"
            "<text x='%.1f' y='%d' text-anchor='end'>threshold</text>\n", PX(vhi), PX(vhi), y0,
            y0 + ph, PX(vhi) - 4, y0 + 14);
#undef PX
#undef PY
    fprintf(f, "</svg>\n");
}

static void write_svg(FILE *f, void *user)
{
    const cc_data *d = user;
    if (d->cm.kind == SF_CORR_MODEL_PIF)
        write_svg_pif(f, d);
    else
        write_svg_net(f, d);
}

static void print_cq(const char *who, const char *what, const cq *q, const char *fmt_note)
{
    double z = zscore(q->sim, q->sem, q->th);
    printf("%-10s %-22s %12.5g %11.3g %12.5g %7.2f  %-7s %s\n", who, what, q->sim, q->sem, q->th,
           z, verdict(z), fmt_note ? fmt_note : "");
}

static void print_table(const cc_data *d)
{
    const sf_model *m = d->m;
    printf("\n%s theory vs simulation (%s)\n", model_kind(d), m->file);
    printf("%-10s %-22s %12s %11s %12s %7s  %-7s\n", "", "quantity", "simulated", "± SE",
           "predicted", "z", "verdict");
    for (int a = 0; a < d->np; a++)
        print_cq(m->pops[a].name,
                 d->cm.kind == SF_CORR_MODEL_BINARY   ? "mean activity"
                 : d->cm.kind == SF_CORR_MODEL_LINEAR ? "mean rate"
                                                      : "rate (Hz)",
                 &d->mean[a], NULL);
    if (d->cm.kind == SF_CORR_MODEL_PIF) {
        char what[64];
        cq e = {d->dsim[0], d->dsem[0], d->dex[0]}, df = {d->dsim[0], d->dsem[0], d->ddif[0]};
        snprintf(what, sizeof what, "p(V) in [%.4g,%.4g) ex", d->lo[0], d->hi[0]);
        print_cq("threshold", what, &e, "exact density (1/mV)");
        snprintf(what, sizeof what, "p(V) in [%.4g,%.4g) df", d->lo[0], d->hi[0]);
        print_cq("", what, &df, "diffusion approximation");
        printf("exact p(theta-) = (1 - q)/L = %.5g /mV; diffusion p(theta) = %.3g /mV\n",
               d->lattice ? d->p_edge : NAN, d->diff_at_theta);
    } else {
        for (int p = 0; p < d->npair; p++) {
            char name[256];
            pair_name(d, p, name, sizeof name);
            print_cq(name, d->cm.kind == SF_CORR_MODEL_HAWKES ? "count cov, pop avg"
                                                               : "cov(0), pop avg",
                     &d->cpop[p], NULL);
            print_cq("", d->cm.kind == SF_CORR_MODEL_HAWKES ? "count cov, pairs"
                                                            : "cov(0), pairs",
                     &d->cpair[p], NULL);
        }
        for (int p = 0; p < d->npair; p++) {
            char name[256], what[64];
            pair_name(d, p, name, sizeof name);
            for (int k = 0; k < N_CHOSEN; k++) {
                const cq *q = &d->spec[(size_t)p * N_CHOSEN + k];
                if (!isfinite(q->sim))
                    continue;
                snprintf(what, sizeof what, "Re S(%g Hz)", chosen_hz[k]);
                print_cq(k ? "" : name, what, q, NULL);
            }
        }
    }
    if (d->note[0])
        printf("notes: %s\n", d->note);
    printf("\nverdict: agree when |simulated - predicted| <= 3 standard errors (z)\n");
}

static void cc_free(cc_data *d)
{
    sf_theory_corr_model_free(&d->cm);
    free(d->sp);
    if (d->sig)
        for (int a = 0; a < d->np; a++)
            free(d->sig[a]);
    free(d->sig);
    free(d->var1);
    free(d->mean);
    free(d->a_th);
    free(d->pa);
    free(d->pb);
    free(d->cpop);
    free(d->cpair);
    free(d->spec);
    free(d->lag);
    free(d->fr);
    free(d->cf_sim);
    free(d->cf_sem);
    free(d->cf_th);
    free(d->sp_sim);
    free(d->sp_sem);
    free(d->sp_th);
    free(d->lo);
    free(d->hi);
    free(d->dsim);
    free(d->dsem);
    free(d->dex);
    free(d->ddif);
}

int compare_corr(cli_opts *o, sim_result *r)
{
    (void)o;
    cc_data d;
    memset(&d, 0, sizeof d);
    d.r = r;
    d.m = r->m;
    const sf_model *m = r->m;
    int rc = 1;
    if (sf_theory_corr_from_model(r->ctx, m, &d.cm) != SF_OK) {
        fprintf(stderr, "spikefield compare: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    d.np = m->n_pops;
    d.t0 = m->sim.t_analysis;
    d.t1 = sf_recording_t_end(r->rec);
    const double h = m->sim.resolution;
    d.mean = calloc((size_t)d.np, sizeof *d.mean);
    if (!d.mean)
        goto out;
    if (!(d.t1 > d.t0)) {
        fprintf(stderr, "spikefield compare: nothing simulated after the analysis start %g ms\n",
                d.t0);
        goto out;
    }
    if (d.cm.kind == SF_CORR_MODEL_PIF) {
        if (pif_side(&d))
            goto out;
        add_note(&d, "PIF with overshoot-preserving reset, Poisson input (Helias et al. 2010); "
                     "SE over neurons (independent)");
    } else {
        const int np = d.np;
        d.npair = np * (np + 1) / 2;
        d.sp = calloc((size_t)np, sizeof *d.sp);
        d.sig = calloc((size_t)np, sizeof *d.sig);
        d.var1 = calloc((size_t)np, sizeof *d.var1);
        d.a_th = calloc((size_t)np, sizeof *d.a_th);
        d.pa = calloc((size_t)d.npair, sizeof *d.pa);
        d.pb = calloc((size_t)d.npair, sizeof *d.pb);
        d.cpop = calloc((size_t)d.npair, sizeof *d.cpop);
        d.cpair = calloc((size_t)d.npair, sizeof *d.cpair);
        d.spec = calloc((size_t)d.npair * N_CHOSEN, sizeof *d.spec);
        if (!d.sp || !d.sig || !d.var1 || !d.a_th || !d.pa || !d.pb || !d.cpop || !d.cpair ||
            !d.spec)
            goto out;
        for (int a = 0, p = 0; a < np; a++)
            for (int b = a; b < np; b++, p++)
                d.pa[p] = a, d.pb[p] = b;
        for (int a = 0; a < np; a++) {
            const uint32_t *ids;
            const int64_t *steps;
            size_t ns;
            if (sf_recording_spikes(r->rec, a, &ids, &steps, &ns))
                d.sp[a] = (sf_spikes){ids, steps, ns, m->pops[a].n, (uint32_t)a, h};
            else if (d.cm.kind == SF_CORR_MODEL_HAWKES) {
                fprintf(stderr, "spikefield compare: spikes of population %s are not recorded\n",
                        m->pops[a].name);
                goto out;
            }
        }
        /* activity, delays of the discrete simulation */
        if (d.cm.kind == SF_CORR_MODEL_HAWKES) {
            d.delta_ms = h;
            d.shift_ms = 0.5 * h;
            d.activity = "spike counts in bins of one step";
        } else if (d.cm.kind == SF_CORR_MODEL_BINARY) {
            d.delta_ms = fmax(h, h * nearbyint(1.0 / h));
            d.shift_ms = 0.0;
            d.activity = "binary states (from their transitions) sampled every delta_ms";
        } else {
            d.shift_ms = -0.5 * h;
            d.activity = "voltmeter traces of all units";
        }
        if (d.cm.kind != SF_CORR_MODEL_HAWKES && load_signals(&d))
            goto out;
        for (int k = 0; k < np * np; k++)
            if (d.cm.K[k] > 0)
                d.cm.delays[k] = fmax(0.0, d.cm.delays[k] + d.shift_ms);
        double T = d.t1 - d.t0, seg = fmin(1000.0, T / 10);
        d.L = (size_t)floor(seg / d.delta_ms);
        d.L -= d.L % 2;
        if (d.L < 4) {
            fprintf(stderr, "spikefield compare: the analysis window of %g ms is too short\n", T);
            goto out;
        }
        d.nseg = (size_t)floor(T / ((double)d.L * d.delta_ms) + 1e-9);
        if (d.cm.kind != SF_CORR_MODEL_HAWKES)
            d.nseg = d.n_sig / d.L;
        d.count_bin_ms = m->sim.bin;
        const size_t stride = lag_stride(&d);
        size_t half = (size_t)floor(fmin(LAG_MAX_MS, (double)(d.L / 2) * d.delta_ms) /
                                    (d.delta_ms * stride) + 1e-9);
        d.nlag = 2 * half + 1;
        double fres = 1.0 / ((double)d.L * d.delta_ms * 1e-3);
        d.nfr = (size_t)fmin((double)(d.L / 2), floor(fmin(FREQ_MAX_HZ, 0.5e3 / d.delta_ms) / fres));
        d.lag = calloc(d.nlag, sizeof *d.lag);
        d.fr = calloc(d.nfr + 1, sizeof *d.fr);
        size_t nc = (size_t)d.npair * d.nlag, nf = (size_t)d.npair * d.nfr + 1;
        d.cf_sim = calloc(nc, sizeof(double)), d.cf_sem = calloc(nc, sizeof(double));
        d.cf_th = calloc(nc, sizeof(double));
        d.sp_sim = calloc(nf, sizeof(double)), d.sp_sem = calloc(nf, sizeof(double));
        d.sp_th = calloc(nf, sizeof(double));
        if (!d.lag || !d.fr || !d.cf_sim || !d.cf_sem || !d.cf_th || !d.sp_sim || !d.sp_sem ||
            !d.sp_th)
            goto out;
        for (size_t i = 0; i < d.nlag; i++)
            d.lag[i] = ((double)i - (double)half) * (double)stride * d.delta_ms;
        for (size_t i = 0; i < d.nfr; i++)
            d.fr[i] = (double)(i + 1) * fres;
        if (simulate_side(&d) || theory_side(&d))
            goto out;
        char buf[512];
        snprintf(buf, sizeof buf, "theory delays = model delays %+g ms (the time-discrete "
                 "simulation's effective delay)", d.shift_ms);
        add_note(&d, buf);
        if (d.cm.kind == SF_CORR_MODEL_HAWKES)
            add_note(&d, "pair covariances: Poisson auto part, leading order in 1/N");
        if (d.cm.kind == SF_CORR_MODEL_LINEAR)
            add_note(&d, "pair covariances: no prediction (needs the single-unit variance)");
        if (!d.cm.fixed_outdegree)
            add_note(&d, "not all projections fixed_outdegree: population-averaged covariances "
                         "approximate (Grytskyy et al. 2013)");
        if (d.cm.kind == SF_CORR_MODEL_BINARY)
            add_note(&d, "binary: Gaussian mean field and linearised (Glauber) dynamics");
    }
    char path[4200], svg[4200];
    snprintf(path, sizeof path, "%s/compare.json", r->out_dir);
    snprintf(svg, sizeof svg, "%s/compare.svg", r->out_dir);
    if (cli_write_atomic(path, write_json, &d) != 0 || cli_write_atomic(svg, write_svg, &d) != 0) {
        fprintf(stderr, "spikefield compare: cannot write %s\n", path);
        goto out;
    }
    print_table(&d);
    printf("outputs: %s/spikes.h5, %s/summary.json, %s, %s\n", r->out_dir, r->out_dir, path, svg);
    rc = sf_recording_interrupted(r->rec) ? 130 : 0;
out:
    cc_free(&d);
    return rc;
}
