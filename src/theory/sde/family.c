/* The sde theory family (issue 16, part 1): populations of independent
 * sde_poly units (src/neurons/sde_poly.c), each population one parameter
 * point of the nonlinear SDE of Stapmanns et al. 2020. Predictions: the exact
 * stationary moments, spectrum, response and correlation time
 * (sde_exact.c), and the same from every approximation (sde_approx.c) with
 * its error against the exact value. Estimates: the mean and variance of the
 * recorded trajectories (multimeter or voltmeter of x), compared with the
 * exact values and with every approximation. docs/fluctuations.md.
 *
 * Invariant: the mapped parameters (one sf_sde_params per population) are
 * the only source of the theory's numbers; times are converted between the
 * SDE's unit tau and ms / Hz only here.
 */
#include "theory/family.h"
#include "theory/map.h"
#include "theory/sde/sde.h"

#include "neurons/sde_poly.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSUME_EXACT "exact stationary statistics of the SDE (Fokker-Planck quadrature, eigenmodes)"
#define SECOND_WELL_MAX 0.01   /* beyond: perturbation theory about the first well fails */
#define N_DEFAULT_FREQ 30

static const char *const method_doc[SF_SDE_N_METHODS] = {
    "one-loop effective action (tadpole + bubble at the one-loop mean)",
    "Gaussian self-consistent (Hartree) closure",
    "fRG, mass regulator, vertex expansion to 4 legs with field-derivative (BMW-type) closure",
};

typedef struct {
    int n;
    sf_sde_params *p;
    double *tau, *hs;      /* ms; step in units of tau */
    int *scheme;
} sde_mapped;

static bool sde_accepts(const sf_model *m, char *why, size_t len)
{
    if (!sf_theory_map_one_type(m, &sf_sde_poly, "sde", why, len))
        return false;
    if (m->n_proj > 0) {
        snprintf(why, len, "%s: projection %s: the sde theory describes independent units "
                 "(no projections)", m->file, m->proj[0].name);
        return false;
    }
    if (m->n_inputs > 0) {
        snprintf(why, len, "%s: input %s: the sde theory describes the autonomous SDE (no "
                 "inputs)", m->file, m->inputs[0].name);
        return false;
    }
    for (int a = 0; a < m->n_pops; a++)
        if (m->pops[a].param_dist) {
            snprintf(why, len, "%s: population %s: heterogeneous parameters (the sde theory "
                     "needs one parameter point per population)", m->file, m->pops[a].name);
            return false;
        }
    return true;
}

static void sde_unmap(void *mapped)
{
    sde_mapped *sm = mapped;
    if (!sm)
        return;
    free(sm->p);
    free(sm->tau);
    free(sm->scheme);
    free(sm);
}

static sf_status sde_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    char why[1024];
    if (!sde_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    const int n = m->n_pops;
    sde_mapped *sm = calloc(1, sizeof *sm);
    if (!sm || !(sm->p = calloc((size_t)n, sizeof *sm->p)) ||
        !(sm->tau = calloc(2 * (size_t)n, sizeof(double))) ||
        !(sm->scheme = calloc((size_t)n, sizeof(int)))) {
        sde_unmap(sm);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    sm->n = n;
    sm->hs = sm->tau + n;
    for (int a = 0; a < n; a++) {
        sf_sde_params *p = &sm->p[a];
        p->l = sf_theory_map_param(m, a, &sf_sde_poly, SF_SDE_L);
        p->alpha = sf_theory_map_param(m, a, &sf_sde_poly, SF_SDE_ALPHA);
        p->beta = sf_theory_map_param(m, a, &sf_sde_poly, SF_SDE_BETA);
        p->D = sf_theory_map_param(m, a, &sf_sde_poly, SF_SDE_D);
        sm->tau[a] = sf_theory_map_param(m, a, &sf_sde_poly, SF_SDE_TAU);
        sm->hs[a] = m->sim.resolution / sm->tau[a];
        sm->scheme[a] = (int)sf_theory_map_param(m, a, &sf_sde_poly, SF_SDE_SCHEME);
        char what[512];
        snprintf(what, sizeof what, "%s: population %s", m->file, m->pops[a].name);
        sf_status st = sf_theory_sde_check(ctx, p, what);
        if (st != SF_OK) {
            sde_unmap(sm);
            return st;
        }
    }
    *mapped = sm;
    return SF_OK;
}

/* The stationary bias of the time-discrete scheme, relative, from the OU
 * closed forms at the effective rate k = D / (2 var) (docs/fluctuations.md):
 * Euler-Maruyama var D / (k (2 - k h)), Heun O((k h)^2 / 4); doubled for the
 * nonlinearity. */
static double scheme_bias(int scheme, double k, double hs)
{
    const double kh = k * hs;
    return 2.0 * (scheme == 0 ? 0.5 * kh : 0.25 * kh * kh);
}

static sf_status add_scalar(sf_context *ctx, sf_quantities *out, const char *name,
                            const char *unit, int a, double v, const char *assume, bool invalid,
                            sf_quantity **xo)
{
    sf_quantity *x = sf_quantities_add_scalar(ctx, out, name, unit, a, -1, v);
    if (!x || sf_quantity_assume(x, "%s", assume) != SF_OK)
        return SF_ERR_NOMEM;
    x->invalid = invalid;
    if (xo)
        *xo = x;
    return SF_OK;
}

/* One population: exact values and every method's. */
static sf_status predict_pop(sf_context *ctx, const sf_model *m, const sde_mapped *sm, int a,
                             const double *fr, size_t nf, sf_quantities *out)
{
    const sf_sde_params *p = &sm->p[a];
    const double tau = sm->tau[a], ts = tau * 1e-3; /* s */
    sf_sde_moments mo;
    sf_sde_modes md;
    sf_status st = sf_theory_sde_moments(ctx, p, &mo);
    if (st == SF_OK)
        st = sf_theory_sde_modes(ctx, p, 0, &md);
    if (st != SF_OK)
        return st;
    double *w = malloc(sizeof(double) * nf), *Sx = malloc(sizeof(double) * nf);
    if (!w || !Sx) {
        free(w);
        free(Sx);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    for (size_t j = 0; j < nf; j++)
        w[j] = 2 * M_PI * fr[j] * ts;
    const bool bimodal = mo.p_second_well > SECOND_WELL_MAX;
    const double bias = scheme_bias(sm->scheme[a], p->D / (2 * mo.var), sm->hs[a]);
    sf_quantity *x = NULL;
    st = add_scalar(ctx, out, "mean", "1", a, mo.mean, ASSUME_EXACT, false, &x);
    if (st == SF_OK && fabs(mo.mean) > 1e-12) /* a relative accuracy of 0 means nothing */
        st = sf_quantity_accuracy_set(x, bias * sqrt(mo.var) / fabs(mo.mean),
                                      "stationary bias of the %s step h/tau = %g (OU closed "
                                      "form at the effective rate, doubled)",
                                      sm->scheme[a] ? "Heun" : "Euler-Maruyama", sm->hs[a]);
    if (st == SF_OK)
        st = add_scalar(ctx, out, "variance", "1", a, mo.var, ASSUME_EXACT, false, &x);
    if (st == SF_OK)
        st = sf_quantity_accuracy_set(x, bias, "stationary bias of the %s step h/tau = %g (OU "
                                      "closed form at the effective rate, doubled)",
                                      sm->scheme[a] ? "Heun" : "Euler-Maruyama", sm->hs[a]);
    if (st == SF_OK)
        st = add_scalar(ctx, out, "skewness", "1", a, mo.skew, ASSUME_EXACT, false, NULL);
    if (st == SF_OK)
        st = add_scalar(ctx, out, "kurtosis_excess", "1", a, mo.kurt_excess, ASSUME_EXACT, false,
                        NULL);
    if (st == SF_OK)
        st = add_scalar(ctx, out, "p_second_well", "1", a, mo.p_second_well, ASSUME_EXACT, false,
                        &x);
    if (st == SF_OK && bimodal)
        st = sf_quantity_note(x, "the potential's second well (beyond x = %.4g) holds %.3g of "
                              "the probability: perturbation theory about x = 0 fails",
                              mo.x_barrier, mo.p_second_well);
    if (st == SF_OK)
        st = add_scalar(ctx, out, "corr_time", "ms", a, tau * sf_theory_sde_modes_tau_corr(&md),
                        ASSUME_EXACT, false, NULL);
    if (st == SF_OK)
        st = add_scalar(ctx, out, "relaxation_rate", "Hz", a, md.lambda[0] / ts, ASSUME_EXACT,
                        false, NULL);
    /* exact spectrum and response */
    sf_quantity *xs = NULL, *xr = NULL;
    if (st == SF_OK && !(xs = sf_quantities_add(ctx, out, "spectrum", "1/Hz", a, -1,
                                                SF_AXIS_FREQUENCY, nf, 1, false)))
        st = SF_ERR_NOMEM;
    for (size_t j = 0; st == SF_OK && j < nf; j++) {
        xs->axis_values[j] = fr[j];
        xs->value[j] = Sx[j] = ts * sf_theory_sde_modes_spectrum(&md, w[j]);
    }
    if (st == SF_OK)
        st = sf_quantity_assume(xs, ASSUME_EXACT "; %zu modes of a %zu-point grid", md.n, md.grid);
    if (st == SF_OK && !(xr = sf_quantities_add(ctx, out, "response", "1", a, -1,
                                                SF_AXIS_FREQUENCY, nf, 1, true)))
        st = SF_ERR_NOMEM;
    for (size_t j = 0; st == SF_OK && j < nf; j++) {
        double complex v = sf_theory_sde_modes_response(&md, p->D, w[j]);
        xr->axis_values[j] = fr[j];
        xr->value[2 * j] = creal(v);
        xr->value[2 * j + 1] = cimag(v);
    }
    if (st == SF_OK)
        st = sf_quantity_assume(xr, ASSUME_EXACT "; response of x to a drift input (dc "
                                "current), fluctuation-dissipation theorem");
    /* the approximations */
    for (int k = 0; k < SF_SDE_N_METHODS && st == SF_OK; k++) {
        sf_sde_approx ap;
        st = sf_theory_sde_approx(ctx, p, (sf_sde_method)k, w, nf, &ap);
        if (st != SF_OK)
            break;
        const bool inv = !ap.ok || bimodal;
        const char *mn = sf_sde_method_names[k];
        char name[64], as[256];
        snprintf(as, sizeof as, "%s", method_doc[k]);
        const double mean = ap.ok ? ap.mean : NAN, var = ap.ok ? ap.var : NAN;
        const double vals[4] = {mean, var, mean - mo.mean, var - mo.var};
        const char *base[4] = {"mean", "variance", "mean_error", "variance_error"};
        for (int q = 0; q < 4 && st == SF_OK; q++) {
            snprintf(name, sizeof name, "%s_%s", base[q], mn);
            st = add_scalar(ctx, out, name, "1", a, vals[q], as, inv, &x);
            if (st == SF_OK && !ap.ok)
                st = sf_quantity_note(x, "%s", ap.why);
            if (st == SF_OK && ap.ok && bimodal)
                st = sf_quantity_note(x, "second well holds %.3g of the probability",
                                      mo.p_second_well);
            /* a prediction of the simulation: the method's own error against
             * the exact value plus the scheme's bias */
            if (st == SF_OK && q < 2 && ap.ok && fabs(vals[q]) > 1e-12) {
                const double ex = q ? mo.var : mo.mean, scale = q ? mo.var : sqrt(mo.var);
                const double acc = (fabs(vals[q] - ex) + (q ? bias * mo.var : bias * scale)) /
                                   fabs(vals[q]);
                st = sf_quantity_accuracy_set(x, acc, "its error against the exact value "
                                              "(%.3g) plus the step bias", vals[q] - ex);
            }
        }
        if (st == SF_OK) {
            snprintf(name, sizeof name, "corr_time_%s", mn);
            st = add_scalar(ctx, out, name, "ms", a, ap.ok ? tau * ap.tau_corr : NAN, as, inv,
                            NULL);
        }
        /* (a quantity pointer is valid only until the next add: fill each
         * before adding the next) */
        double err = 0;
        sf_quantity *y = NULL;
        snprintf(name, sizeof name, "spectrum_%s", mn);
        if (st == SF_OK && !(y = sf_quantities_add(ctx, out, name, "1/Hz", a, -1,
                                                   SF_AXIS_FREQUENCY, nf, 1, false)))
            st = SF_ERR_NOMEM;
        for (size_t j = 0; st == SF_OK && j < nf; j++) {
            y->axis_values[j] = fr[j];
            y->value[j] = ap.ok ? ts * sf_theory_sde_approx_spectrum(&ap, p->D, w[j], j) : NAN;
            err = fmax(err, fabs(y->value[j] - Sx[j]) / Sx[j]);
        }
        if (st == SF_OK) {
            y->invalid = inv;
            st = sf_quantity_assume(y, "%s", as);
        }
        snprintf(name, sizeof name, "response_%s", mn);
        if (st == SF_OK && !(y = sf_quantities_add(ctx, out, name, "1", a, -1,
                                                   SF_AXIS_FREQUENCY, nf, 1, true)))
            st = SF_ERR_NOMEM;
        for (size_t j = 0; st == SF_OK && j < nf; j++) {
            double complex v = ap.ok ? sf_theory_sde_approx_response(&ap, w[j], j) : NAN;
            y->axis_values[j] = fr[j];
            y->value[2 * j] = creal(v);
            y->value[2 * j + 1] = cimag(v);
        }
        if (st == SF_OK) {
            y->invalid = inv;
            st = sf_quantity_assume(y, "%s", as);
        }
        if (st == SF_OK) {
            snprintf(name, sizeof name, "spectrum_error_%s", mn);
            st = add_scalar(ctx, out, name, "1", a, ap.ok && nf ? err : NAN, as, inv, NULL);
        }
        sf_theory_sde_approx_free(&ap);
    }
    free(w);
    free(Sx);
    if (st == SF_ERR_NOMEM)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    return st;
}

static sf_status sde_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                             const sf_predict_options *opt, sf_quantities *out)
{
    const sde_mapped *sm = mapped;
    sf_status st = SF_OK;
    for (int a = 0; a < sm->n && st == SF_OK; a++) {
        double fr[N_DEFAULT_FREQ];
        const double *f = fr;
        size_t nf = N_DEFAULT_FREQ;
        if (opt && opt->n_freq) {
            f = opt->freq;
            nf = opt->n_freq;
        } else {
            /* w = 0.01 l .. 100 l, log-spaced, in Hz */
            for (size_t j = 0; j < nf; j++)
                fr[j] = sm->p[a].l * pow(10.0, -2.0 + 4.0 * (double)j / (double)(nf - 1)) /
                        (2 * M_PI * sm->tau[a] * 1e-3);
        }
        st = predict_pop(ctx, m, sm, a, f, nf, out);
    }
    if (st == SF_OK)
        sf_quantities_note(out, "time in units of tau per population; the suffixes one_loop, "
                                "gaussian, frg name the approximations, the plain names the "
                                "exact values; *_error = approximation - exact; spectrum_error_*: the largest "
                                "relative error of the spectrum over the frequencies");
    return st;
}

/* The recorder of x of population a: recorder r, population k, variable v. */
static bool find_x(const sf_model *m, int a, int *ri, int *ki, int *vi)
{
    for (int r = 0; r < m->n_recorders; r++) {
        const sf_recorder *rc = &m->recorders[r];
        for (int k = 0; k < rc->n_pops; k++) {
            if (rc->pops[k] != a)
                continue;
            for (int v = 0; v < rc->n_vars; v++)
                if (rc->vars && !strcmp(rc->vars[v], "x")) {
                    *ri = r, *ki = k, *vi = v;
                    return true;
                }
            if (rc->n_vars == 0 && rc->variable && !strcmp(rc->variable, "x")) {
                *ri = r, *ki = k, *vi = 0;
                return true;
            }
        }
    }
    return false;
}

/* Segments of the spectrum estimate: at most SPEC_L samples, at least 8. */
#define SPEC_L 256

/* The periodogram of each unit's samples (mean M removed) in segments of
 * L samples of dt_ms, averaged over segments, then over units, with the SE
 * from the spread of the units (independent, so exact); f_j = j / (L dt),
 * j = 1 .. L/2 - 1; two-sided, x^2 per Hz. Its expected value is
 * dt sum_{|m| < L} (1 - |m|/L) C(m dt) e^{-2 pi i f m dt} (expect_spectrum). */
static sf_status estimate_spectrum(sf_context *ctx, const void *data, bool f64, size_t first,
                                   size_t T, uint32_t nn, double M, double dt_ms, int a,
                                   sf_quantities *out)
{
    size_t L = SPEC_L;
    while (L > 8 && L > T)
        L /= 2;
    if (T < L)
        return SF_OK; /* too short: no spectrum */
    const size_t S = T / L, nf = L / 2 - 1;
    double *seg = fftw_malloc(sizeof(double) * L);
    fftw_complex *F = fftw_malloc(sizeof(fftw_complex) * (L / 2 + 1));
    double *acc = calloc(2 * nf, sizeof(double)), *pu = malloc(sizeof(double) * nf);
    fftw_plan plan = seg && F ? fftw_plan_dft_r2c_1d((int)L, seg, F, FFTW_ESTIMATE) : NULL;
    sf_status st = SF_OK;
    if (!plan || !acc || !pu) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    const double dts = dt_ms * 1e-3, norm = dts / (double)L;
    const float *df = data;
    const double *dd = data;
    for (uint32_t i = 0; i < nn; i++) {
        for (size_t j = 0; j < nf; j++)
            pu[j] = 0;
        for (size_t sg = 0; sg < S; sg++) {
            for (size_t t = 0; t < L; t++) {
                size_t k = (first + sg * L + t) * nn + i;
                seg[t] = (f64 ? dd[k] : (double)df[k]) - M;
            }
            fftw_execute(plan);
            for (size_t j = 0; j < nf; j++)
                pu[j] += norm * (creal(F[j + 1]) * creal(F[j + 1]) + cimag(F[j + 1]) * cimag(F[j + 1])) / (double)S; /* fftw_complex is double complex after <complex.h> */
        }
        for (size_t j = 0; j < nf; j++) {
            acc[j] += pu[j];
            acc[nf + j] += pu[j] * pu[j];
        }
    }
    sf_quantity *x = sf_quantities_add(ctx, out, "spectrum", "1/Hz", a, -1, SF_AXIS_FREQUENCY, nf,
                                       1, false);
    if (!x) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < nf; j++) {
        const double m = acc[j] / nn, v = (acc[nf + j] / nn - m * m) * nn / (nn - 1.0);
        x->axis_values[j] = (double)(j + 1) / ((double)L * dts);
        x->value[j] = m;
        x->se[j] = sqrt(fmax(v, 0) / nn);
    }
    if (sf_quantity_note(x, "periodograms of %zu segments of %zu samples of %g ms per unit, "
                         "mean over %u units (SE from their spread)", S, L, dt_ms, nn) != SF_OK)
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
out:
    if (plan)
        fftw_destroy_plan(plan);
    fftw_free(seg);
    fftw_free(F);
    free(acc);
    free(pu);
    return st;
}

static const char *const est_names[SF_SDE_N_METHODS + 1] = {"", "_one_loop", "_gaussian", "_frg"};

static sf_status sde_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                              sf_quantities *out)
{
    sf_status st = SF_OK;
    for (int a = 0; a < m->n_pops && st == SF_OK; a++) {
        int r, k, v;
        const void *data;
        bool f64;
        size_t nt;
        uint32_t nn;
        const uint32_t *ids;
        double t0, dt;
        if (!find_x(m, a, &r, &k, &v) ||
            !sf_recording_trace_var(rec, r, k, v, &data, &f64, &nt, &nn, &ids, &t0, &dt))
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: population %s: the comparison needs a recording of x "
                           "(recorders: {kind: multimeter, populations: [%s], record_from: [x], "
                           "interval: ...})", m->file, m->pops[a].name, m->pops[a].name);
        size_t first = 0;
        while (first < nt && t0 + (double)first * dt < m->sim.t_analysis - 1e-9)
            first++;
        const size_t T = nt - first;
        if (T < 2 || nn < 2)
            return sf_fail(ctx, SF_ERR_MODEL, "%s: population %s: %zu samples of %u units after "
                           "%g ms (at least 2 of 2 needed)", m->file, m->pops[a].name, T, nn,
                           m->sim.t_analysis);
        double *mu = calloc(2 * (size_t)nn, sizeof(double));
        if (!mu)
            return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        double *vi = mu + nn;
        const float *df = data;
        const double *dd = data;
#define X(t, i) (f64 ? dd[(first + (t)) * nn + (i)] : (double)df[(first + (t)) * nn + (i)])
        for (size_t t = 0; t < T; t++)
            for (uint32_t i = 0; i < nn; i++)
                mu[i] += X(t, i);
        double M = 0;
        for (uint32_t i = 0; i < nn; i++)
            M += (mu[i] /= (double)T);
        M /= nn;
        for (size_t t = 0; t < T; t++)
            for (uint32_t i = 0; i < nn; i++) {
                const double y = X(t, i) - M;
                vi[i] += y * y;
            }
#undef X
        double V = 0, sm = 0, sv = 0;
        for (uint32_t i = 0; i < nn; i++)
            V += (vi[i] /= (double)T);
        V /= nn;
        for (uint32_t i = 0; i < nn; i++) {
            sm += (mu[i] - M) * (mu[i] - M);
            sv += (vi[i] - V) * (vi[i] - V);
        }
        const double se_m = sqrt(sm / (nn - 1) / nn), se_v = sqrt(sv / (nn - 1) / nn);
        free(mu);
        st = estimate_spectrum(ctx, data, f64, first, T, nn, M, dt, a, out);
        if (st != SF_OK)
            return st;
        for (int q = 0; q <= SF_SDE_N_METHODS && st == SF_OK; q++) {
            char name[64];
            sf_quantity *x;
            snprintf(name, sizeof name, "mean%s", est_names[q]);
            x = sf_quantities_add_scalar(ctx, out, name, "1", a, -1, M);
            if (!x)
                return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            x->se[0] = se_m;
            snprintf(name, sizeof name, "variance%s", est_names[q]);
            x = sf_quantities_add_scalar(ctx, out, name, "1", a, -1, V);
            if (!x)
                return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            x->se[0] = se_v;
            if (sf_quantity_note(x, "over %u independent units x %zu samples from %g ms; SE "
                                 "from the spread of the units' time averages", nn, T,
                                 m->sim.t_analysis) != SF_OK)
                return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        }
    }
    return st;
}

static sf_status sde_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                            const sf_quantities *pred, const sf_quantities *est,
                            sf_quantities *out)
{
    const sde_mapped *sm = mapped;
    for (size_t i = 0; i < est->n; i++) {
        const sf_quantity *e = &est->q[i];
        if (!strcmp(e->name, "spectrum") && e->rows > 0) {
            /* the expected periodogram of the estimator, from the modes */
            const int a = e->pop[0];
            const double f1 = e->axis_values[0], ts = sm->tau[a] * 1e-3;
            const size_t L = 2 * (e->rows + 1);
            const double dts = 1.0 / (f1 * (double)L);
            sf_sde_modes md;
            sf_status st = sf_theory_sde_modes(ctx, &sm->p[a], 0, &md);
            if (st != SF_OK)
                return st;
            sf_quantity *x = sf_quantities_add(ctx, out, "spectrum", "1/Hz", a, -1,
                                               SF_AXIS_FREQUENCY, e->rows, 1, false);
            if (!x)
                return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            for (size_t j = 0; j < e->rows; j++) {
                const double f = e->axis_values[j];
                double sum = 0;
                for (size_t k = 0; k < md.n; k++) {
                    /* sum_{|m| < L} (1 - |m|/L) q^|m| cos(2 pi f m dt), q = e^{-lambda dt/tau} */
                    const double q = exp(-md.lambda[k] * dts / ts);
                    double term = 1.0, qm = 1.0;
                    for (size_t lag = 1; lag < L; lag++) {
                        qm *= q;
                        if (qm < 1e-17)
                            break;
                        term += 2.0 * (1.0 - (double)lag / (double)L) * qm *
                                cos(2 * M_PI * f * (double)lag * dts);
                    }
                    sum += md.c2[k] * term;
                }
                x->axis_values[j] = f;
                x->value[j] = dts * sum;
            }
            if (sf_quantity_assume(x, ASSUME_EXACT "; the expected periodogram of the "
                                   "estimator (segments, sampling and aliasing included)") != SF_OK)
                return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            continue;
        }
        long j = sf_quantities_find(pred, e->name, e->pop[0], e->pop[1]);
        if (j >= 0 && !sf_quantities_add_copy(ctx, out, &pred->q[j]))
            return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    return SF_OK;
}

static const sf_neuron_type *const sde_covers[] = {&sf_sde_poly, NULL};

const sf_theory_type sf_theory_family_sde = {
    .name = "sde",
    .doc = "nonlinear neuronal SDE (Stapmanns et al. 2020): exact Fokker-Planck moments and "
           "spectra; one-loop, Gaussian self-consistent and fRG approximations",
    .covers = sde_covers,
    .accepts = sde_accepts,
    .map = sde_map,
    .unmap = sde_unmap,
    .predict = sde_predict,
    .estimate = sde_estimate,
    .expect = sde_expect,
};
