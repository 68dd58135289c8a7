/* Covariance estimators of the network families and their expectations (see
 * netcorr.h). Invariant: an estimate and its expectation are evaluated on
 * the same grid: the segment of L bins of Delta, the chosen frequencies and
 * their +-2 Hz bands, the figure's lags; the expectation reads L from the
 * estimate's frequency axis, never from a second copy of the rules.
 */
#include "theory/linear/netcorr.h"
#include "theory/linear/stability.h"
#include "theory/map.h"
#include "theory/peak.h"

#include "spikefield/analysis.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_CHOSEN 8
static const double chosen_hz[N_CHOSEN] = {5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 350.0, 500.0};
#define BAND_HZ 2.0
#define LAG_MAX_MS 50.0

/* Figure lags: |tau| <= LAG_MAX_MS at an odd stride giving <= 101 points;
 * each point is the mean over the stride's lags centred on it. */
static size_t lag_stride(size_t L, double delta_ms)
{
    double span = fmin(LAG_MAX_MS, (double)(L / 2) * delta_ms);
    size_t half = (size_t)floor(span / delta_ms + 1e-9);
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

/* Mean and SE over segments of a series x[0..S L). */
static void seg_mean(const double *x, size_t S, size_t L, double *mean, double *sem)
{
    double s1 = 0, s2 = 0;
    for (size_t s = 0; s < S; s++) {
        double v = 0;
        for (size_t b = 0; b < L; b++)
            v += x[s * L + b];
        v /= (double)L;
        s1 += v;
        s2 += v * v;
    }
    *mean = s1 / (double)S;
    *sem = S > 1 ? sqrt(fmax(s2 / S - *mean * *mean, 0) / (double)(S - 1)) : NAN;
}

/* ------------------------------------------------------------------------
 * Estimates. */

sf_status sf_theory_netcorr_signals_alloc(sf_context *ctx, sf_theory_netcorr_input *in,
                                          int n_pops)
{
    in->sig = calloc((size_t)n_pops, sizeof *in->sig);
    in->var1 = calloc((size_t)n_pops, sizeof *in->var1);
    in->n_sig = 0;
    return in->sig && in->var1 ? SF_OK : sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
}

void sf_theory_netcorr_signals_free(sf_theory_netcorr_input *in, int n_pops)
{
    for (int a = 0; in->sig && a < n_pops; a++)
        free(in->sig[a]);
    free(in->sig);
    free(in->var1);
    in->sig = NULL;
    in->var1 = NULL;
}

sf_status sf_theory_netcorr_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                                     const sf_theory_netcorr_input *in, sf_quantities *out)
{
    const int np = m->n_pops;
    const double h = m->sim.resolution, delta = in->delta_ms;
    const double t0 = m->sim.t_analysis, t1 = sf_recording_t_end(rec);
    if (!(t1 > t0))
        return sf_fail(ctx, SF_ERR_MODEL, "%s: nothing simulated after the analysis start %g ms",
                       m->file, t0);
    sf_spikes *sp = calloc((size_t)np, sizeof *sp);
    if (!sp)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_status st = SF_OK;
    for (int a = 0; a < np && in->spikes; a++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t ns;
        if (!sf_recording_spikes(rec, a, &ids, &steps, &ns)) {
            st = sf_fail(ctx, SF_ERR_MODEL, "%s: spikes of population %s are not recorded",
                         m->file, m->pops[a].name);
            goto out;
        }
        sp[a] = (sf_spikes){ids, steps, ns, m->pops[a].n, (uint32_t)a, h};
    }
    const double T = t1 - t0, seg = fmin(1000.0, T / 10);
    size_t L = (size_t)floor(seg / delta);
    L -= L % 2;
    if (L < 4) {
        st = sf_fail(ctx, SF_ERR_MODEL, "%s: the analysis window of %g ms is too short", m->file,
                     T);
        goto out;
    }
    size_t nseg = in->spikes ? (size_t)floor(T / ((double)L * delta) + 1e-9) : in->n_sig / L;
    const double count_bin_ms = m->sim.bin;
    const size_t stride = lag_stride(L, delta);
    const size_t half = (size_t)floor(fmin(LAG_MAX_MS, (double)(L / 2) * delta) /
                                      (delta * (double)stride) + 1e-9);
    const size_t nlag = 2 * half + 1;
    const double fres = 1.0 / ((double)L * delta * 1e-3);
    const size_t nfr =
        (size_t)fmin((double)(L / 2), floor(sf_theory_map_spectrum_max(m, delta) / fres));
    /* the chosen frequencies whose band lies below the top */
    int n_chosen = 0;
    while (n_chosen < N_CHOSEN &&
           chosen_hz[n_chosen] + BAND_HZ <= sf_theory_map_spectrum_max(m, delta) + 1e-9)
        n_chosen++;
    sf_quantities_note(out,
                       "activity: %s; Delta = %g ms; %zu segments of %g ms; count bin %g ms; "
                       "spectra averaged over +-%g Hz",
                       in->activity, delta, nseg, (double)L * delta, count_bin_ms, BAND_HZ);
    /* means */
    for (int a = 0; a < np; a++) {
        sf_quantity *x = sf_quantities_add(ctx, out, in->mean_name, in->mean_unit, a, -1,
                                           SF_AXIS_NONE, 1, 1, false);
        if (!x) {
            st = SF_ERR_NOMEM;
            goto out;
        }
        if (in->spikes) {
            double *rate = NULL;
            size_t nbins;
            if ((st = sf_analysis_pop_rate_alloc(ctx, &sp[a], t0, t1, (double)L * delta, &rate,
                                                 &nbins)) != SF_OK)
                goto out;
            seg_mean(rate, nbins < nseg ? nbins : nseg, 1, &x->value[0], &x->se[0]);
            sf_analysis_free(rate);
        } else {
            seg_mean(in->sig[a], nseg, L, &x->value[0], &x->se[0]);
        }
    }
    /* pairs */
    const size_t n = L + 1, hh = L / 2;
    double *o = malloc(SF_XSPEC_ROWS * n * sizeof *o);
    if (!o) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int a = 0; a < np && st == SF_OK; a++)
        for (int b = a; b < np && st == SF_OK; b++) {
            const bool same = a == b;
            sf_pop_cov c;
            sf_xspectrum_plan *plan = NULL;
            if (in->spikes) {
                st = sf_analysis_count_cov(ctx, &sp[a], same ? NULL : &sp[b], t0, t1,
                                           count_bin_ms, nseg, &c);
                if (st == SF_OK)
                    st = sf_analysis_xspectrum_plan_create(ctx, L, same ? m->pops[a].n : 0,
                                                           &plan);
                if (st == SF_OK)
                    st = sf_analysis_xspectrum(ctx, plan, &sp[a], same ? NULL : &sp[b], t0, t1,
                                               delta, o, NULL);
            } else {
                sf_signal A = {in->sig[a], in->n_sig, delta, m->pops[a].n, in->var1[a]};
                sf_signal B = {in->sig[b], in->n_sig, delta, m->pops[b].n, in->var1[b]};
                st = sf_analysis_signal_cov(ctx, &A, same ? NULL : &B, nseg, &c);
                if (st == SF_OK)
                    st = sf_analysis_xspectrum_plan_create(ctx, L, 0, &plan);
                if (st == SF_OK)
                    st = sf_analysis_signal_xspectrum(ctx, plan, &A, same ? NULL : &B, o, NULL);
            }
            sf_analysis_xspectrum_plan_destroy(plan);
            if (st != SF_OK) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s", sf_context_errmsg(ctx));
                sf_fail(ctx, st, "%s: %s-%s: %s", m->file, m->pops[a].name, m->pops[b].name, msg);
                break;
            }
            sf_quantity *x;
            if (!(x = sf_quantities_add_scalar(ctx, out, "cov_pop", in->cov_unit, a, b, c.pop))) {
                st = SF_ERR_NOMEM;
                break;
            }
            x->se[0] = c.pop_sem;
            if (!(x = sf_quantities_add_scalar(ctx, out, "cov_pair", in->cov_unit, a, b,
                                               c.cross))) {
                st = SF_ERR_NOMEM;
                break;
            }
            x->se[0] = c.cross_sem;
            /* chosen frequencies: band averages of Re S_ab over f >= 0 bins */
            if (!(x = sf_quantities_add(ctx, out, "spectrum_re_band", in->spec_unit, a, b,
                                        SF_AXIS_FREQUENCY, (size_t)n_chosen, 1, false))) {
                st = SF_ERR_NOMEM;
                break;
            }
            for (int k = 0; k < n_chosen; k++) {
                double s = 0, v = 0;
                int cnt = 0;
                for (size_t j = hh; j < n; j++) {
                    double f = o[SF_XSPEC_FREQ_HZ * n + j];
                    if (fabs(f - chosen_hz[k]) <= BAND_HZ + 1e-9) {
                        s += o[SF_XSPEC_RE * n + j];
                        v += pow(o[SF_XSPEC_RE_SEM * n + j], 2);
                        cnt++;
                    }
                }
                x->axis_values[k] = chosen_hz[k];
                x->value[k] = cnt ? s / cnt : NAN;
                x->se[k] = cnt ? sqrt(v) / cnt : NAN;
            }
            /* figure curves */
            if (!(x = sf_quantities_add(ctx, out, "spectrum_re", in->spec_unit, a, b,
                                        SF_AXIS_FREQUENCY, nfr, 1, false))) {
                st = SF_ERR_NOMEM;
                break;
            }
            for (size_t i = 0; i < nfr; i++) {
                x->axis_values[i] = (double)(i + 1) * fres;
                x->value[i] = o[SF_XSPEC_RE * n + hh + 1 + i];
                x->se[i] = o[SF_XSPEC_RE_SEM * n + hh + 1 + i];
            }
            if (same && !sf_theory_peak_add(ctx, out, x, SF_PEAK_LO_HZ,
                                            sf_theory_map_spectrum_max(m, delta))) {
                st = SF_ERR_NOMEM;
                break;
            }
            if (!(x = sf_quantities_add(ctx, out, "cov_function",
                                        in->spikes ? "Hz^2" : in->cov_unit, a, b, SF_AXIS_LAG,
                                        nlag, 1, false))) {
                st = SF_ERR_NOMEM;
                break;
            }
            /* neighbouring lags share most of their data (and a == b is even
             * in the lag): their z are not independent, so no vector verdict */
            x->correlated = true;
            sf_quantity_note(x, "values at neighbouring lags are correlated: summary without "
                                "a verdict (the count covariances and band spectra are the tests)");
            if (in->spikes && same)
                sf_quantity_note(x, "cross part (distinct neurons): the delta peak of the "
                                    "neurons' own spikes is left out");
            const int cov_row = in->spikes && same ? SF_XCOV_CROSS : SF_XCOV;
            for (size_t i = 0; i < nlag; i++) {
                size_t j = hh + (size_t)((long)i - (long)half) * stride;
                x->axis_values[i] = ((double)i - (double)half) * (double)stride * delta;
                x->value[i] = lag_mean(o + cov_row * n, o + (cov_row + 1) * n, n, j, stride,
                                       &x->se[i]);
            }
        }
    free(o);
out:
    free(sp);
    return st;
}

/* ------------------------------------------------------------------------
 * Expectations. */

/* A quantity of out shaped like e (name, unit, populations, axis). */
static sf_quantity *add_like(sf_context *ctx, sf_quantities *out, const sf_quantity *e)
{
    sf_quantity *x = sf_quantities_add(ctx, out, e->name, e->unit, e->pop[0], e->pop[1], e->axis,
                                       e->rows, e->cols, e->is_complex);
    if (x && e->axis_values)
        memcpy(x->axis_values, e->axis_values, e->rows * sizeof *x->axis_values);
    return x;
}

static const sf_quantity *find_est(const sf_quantities *est, const char *name)
{
    for (size_t i = 0; i < est->n; i++)
        if (!strcmp(est->q[i].name, name))
            return &est->q[i];
    return NULL;
}

sf_status sf_theory_netcorr_expect(sf_context *ctx, const sf_model *m,
                                   const sf_theory_netcorr_theory *th, const sf_quantities *est,
                                   sf_quantities *out)
{
    const int np = m->n_pops;
    const size_t n2 = (size_t)np * (size_t)np;
    const double delta = th->delta_ms, dls = delta * 1e-3;
    /* the segment: L from the frequency grid of the spectra */
    const sf_quantity *spec = find_est(est, "spectrum_re");
    if (!spec || spec->rows < 1 || !(spec->axis_values[0] > 0))
        return sf_fail(ctx, SF_ERR_ARG, "%s: the estimates have no spectrum_re", m->file);
    const size_t L = (size_t)nearbyint(1e3 / (spec->axis_values[0] * delta));
    const size_t nt = 2 * L;
    const sf_quantity *cf = find_est(est, "cov_function");
    const size_t stride =
        cf && cf->rows > 1 ? (size_t)nearbyint((cf->axis_values[1] - cf->axis_values[0]) / delta)
                           : 1;
    double *Ct = malloc(nt * n2 * sizeof *Ct), *dw = calloc(n2, sizeof *dw);
    double *g = fftw_alloc_real(nt);
    fftw_complex *G = fftw_alloc_complex(L + 1);
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(np, nt);
    fftw_plan plan = g && G ? fftw_plan_dft_r2c_1d((int)nt, g, G, FFTW_ESTIMATE) : NULL;
    sf_status st = SF_OK;
    if (!Ct || !dw || !g || !G || !ws || !plan) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory for the theory");
        goto out;
    }
    if ((st = sf_theory_linear_cov_time(ctx, &th->lin, th->cls, delta, ws, Ct,
                                        th->cls == SF_THEORY_NOISE_OUTPUT ? dw : NULL)) != SF_OK)
        goto out;
    const double T = m->sim.bin * 1e-3;
    for (size_t i = 0; i < est->n && st == SF_OK; i++) {
        const sf_quantity *e = &est->q[i];
        const int a = e->pop[0], b = e->pop[1];
        if (!strcmp(e->name, "spectrum_peak_frequency")) {
            st = sf_theory_peak_expect(ctx, out, "spectrum_re", e, th->pred);
            continue;
        }
        sf_quantity *x = add_like(ctx, out, e);
        if (!x) {
            st = SF_ERR_NOMEM;
            break;
        }
        if (th->assumptions)
            sf_quantity_assume(x, "%s", th->assumptions);
        if (strcmp(e->name, "rate") && strcmp(e->name, "activity") &&
            (st = sf_theory_stability_mark_pred(th->pred, x)) != SF_OK)
            break;
        if (b < 0) { /* the mean of population a */
            x->value[0] = th->mean[a];
            continue;
        }
        const size_t ab = (size_t)a * (size_t)np + (size_t)b;
        const double Na = m->pops[a].n;
        if (!strcmp(e->name, "cov_pop") || !strcmp(e->name, "cov_pair")) {
            double pop;
            if (th->spikes) {
                double s = 0;
                for (size_t k = 0; k < nt; k++) {
                    double tau_s = ((double)k - (double)L) * dls;
                    if (fabs(tau_s) < T)
                        s += (T - fabs(tau_s)) * Ct[k * n2 + ab] * dls;
                }
                pop = s + T * dw[ab];
            } else {
                pop = Ct[L * n2 + ab] + dw[ab] / dls;
            }
            double pair = th->pair == SF_NETCORR_PAIR_HAWKES
                              ? (a == b ? (pop - th->mean[a] * T / Na) / (1 - 1 / Na) : pop)
                          : th->pair == SF_NETCORR_PAIR_BINARY
                              ? Ct[L * n2 + ab] - (a == b ? th->a_single[a] / Na : 0.0)
                              : (a == b ? NAN : pop);
            x->value[0] = !strcmp(e->name, "cov_pop") ? pop : pair;
            if (!strcmp(e->name, "cov_pair") && th->pair == SF_NETCORR_PAIR_HAWKES)
                sf_quantity_note(x, "Poisson auto part, leading order in 1/N");
            if (!strcmp(e->name, "cov_pair") && th->pair == SF_NETCORR_PAIR_NONE && a == b)
                sf_quantity_note(x, "no prediction (needs the single-unit variance)");
            continue;
        }
        if (!strcmp(e->name, "cov_function")) {
            for (size_t k = 0; k < nt; k++) /* the lag row of this pair */
                g[k] = Ct[k * n2 + ab];
            for (size_t r = 0; r < e->rows; r++) {
                long mm = ((long)r - (long)(e->rows / 2)) * (long)stride;
                x->value[r] = lag_mean(g, NULL, nt, (size_t)(mm + (long)L), stride, NULL);
            }
            continue;
        }
        if (strcmp(e->name, "spectrum_re") && strcmp(e->name, "spectrum_re_band")) {
            sf_quantity_note(x, "no prediction");
            for (size_t r = 0; r < e->rows * e->cols; r++)
                x->value[r] = NAN;
            continue;
        }
        /* expected periodogram on the grid f_j = j / (L Delta) */
        for (size_t k = 0; k < nt; k++)
            g[k] = 0;
        for (long mm = -(long)L + 1; mm < (long)L; mm++) {
            size_t k = mm >= 0 ? (size_t)mm : nt - (size_t)(-mm);
            g[k] = (1.0 - fabs((double)mm) / (double)L) * Ct[(size_t)(mm + (long)L) * n2 + ab];
        }
        fftw_execute(plan);
        if (!strcmp(e->name, "spectrum_re")) {
            for (size_t r = 0; r < e->rows; r++) {
                size_t j = (size_t)nearbyint(e->axis_values[r] * (double)L * dls);
                x->value[r] = j <= L / 2 ? dls * creal(G[2 * j]) + dw[ab] : NAN;
            }
            continue;
        }
        for (size_t r = 0; r < e->rows; r++) {
            double s = 0;
            int cnt = 0;
            for (size_t j = 0; j <= L / 2; j++) {
                double f = (double)j / ((double)L * dls);
                if (fabs(f - e->axis_values[r]) <= BAND_HZ + 1e-9) {
                    s += dls * creal(G[2 * j]) + dw[ab];
                    cnt++;
                }
            }
            x->value[r] = cnt ? s / cnt : NAN;
        }
    }
    st = sf_quantities_note(out, "theory delays: the model's delays in whole steps %+g ms "
                                 "(the neuron model's timing within a step; docs/theory.md, "
                                 "\"Delay model\")", th->shift_ms);
    if (st == SF_OK && !th->fixed_outdegree)
        st = sf_quantities_note(out, "not all projections fixed_outdegree: population-averaged "
                                     "covariances approximate (Grytskyy et al. 2013)");
out:
    if (plan)
        fftw_destroy_plan(plan);
    fftw_free(g);
    fftw_free(G);
    sf_theory_corr_workspace_destroy(ws);
    free(Ct);
    free(dw);
    return st;
}

sf_status sf_theory_netcorr_add_pairs(sf_context *ctx, sf_quantities *out, int n,
                                      const char *name, const char *unit, const double *M,
                                      const char *assumptions)
{
    for (int a = 0; a < n; a++)
        for (int b = a; b < n; b++) {
            sf_quantity *x = sf_quantities_add_scalar(ctx, out, name, unit, a, b,
                                                      M[(size_t)a * (size_t)n + (size_t)b]);
            if (!x || (assumptions && sf_quantity_assume(x, "%s", assumptions) != SF_OK))
                return SF_ERR_NOMEM;
        }
    return SF_OK;
}
