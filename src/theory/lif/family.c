/* The LIF diffusion family (sf_theory_lif): networks of iaf_psc_delta and
 * iaf_psc_exp neurons in the diffusion approximation (docs/theory.md).
 *
 * Prediction (per population a): "mu", "sigma" (mV, the working point),
 * "rate" (Hz, self-consistent), "cv_isi"; for the whole network the
 * fixed point ("fixed_point_stable", "fixed_point_max_real_eigenvalue",
 * "fixed_point_iterations", "fixed_point_residual") and the linear
 * stability with delays on a grid 0..1 kHz in steps of 0.5 Hz and on to
 * 3 kHz in steps of 2 Hz (the
 * stability report, sf_theory_linear_stability_report: "unstable_modes",
 * "critical_frequency", "critical_eigenvalue", "min_distance_to_1",
 * "spectral_radius_at_scan_top", and when unstable "unstable_roots",
 * "dominant_root_growth_rate", "dominant_root_frequency",
 * "eigenvalue_crossings"); "eigenvalues" of the effective connectivity over
 * frequency (the --freq grid, else 0..1 kHz in steps of 2 Hz); with
 * frequencies, "transfer" (a), "spectrum" (a) and "cross_spectrum" (a < b)
 * over them, marked not valid when the state is linearly unstable. The
 * notes of "rate" name the violated assumptions of the theory.
 *
 * Estimates: "rate" and "cv_isi" with standard errors (sf_analysis_population
 * over the analysis window), "spectrum" of every recorded population and
 * "cross_spectrum" of every pair a < b on segments of 512 ms in bins of
 * analysis.spectrum_bin (default one time step), f > 0, summarised over
 * f <= sf_theory_map_spectrum_max (default 500 Hz, at most the Nyquist
 * frequency of the bins); the expectation of each spectrum estimator is the
 * theory at the estimator's frequencies, low-passed by the bins
 * (sinc^2(pi f bin) on the part beyond the flat Poisson level).
 * With analysis.transfer: "transfer_amplitude" and "transfer_phase" of each
 * measured population (src/theory/transfer.h), expected from the single-
 * neuron transfer function (lif_transfer_expect).
 * Invariant: every population's "rate" and "cv_isi" are in both lists, so
 * the comparison table has a row per population even when it is unrecorded.
 */
#include "theory/family.h"

#include "spikefield/analysis.h"
#include "neurons/iaf_psc_delta.h"
#include "neurons/iaf_psc_exp.h"
#include "theory/lif/lif_map.h"
#include "theory/theory_impl.h"
#include "theory/linear/stability.h"
#include "theory/map.h"
#include "theory/peak.h"
#include "theory/lif/lif_noise.h"
#include "theory/transfer.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIF_SCAN_FINE 2001         /* stability grid: 0 .. 1000 Hz by 0.5 Hz, */
#define LIF_SCAN_STEP_HZ 0.5
#define LIF_SCAN_N (LIF_SCAN_FINE + 1000) /* then to 3 kHz by 2 Hz, where the
                                             LIF transfer has decayed further */
#define LIF_SCAN_TOP_HZ (LIF_SCAN_STEP_HZ * (LIF_SCAN_FINE - 1) + 2.0 * (LIF_SCAN_N - LIF_SCAN_FINE))
#define LIF_SEGMENT_MS 512.0       /* spectrum estimator segments          */
#define LIF_MIN_SEGMENTS 2         /* segments a spectral SE needs         */
#define LIF_SMALL_PSP 0.05         /* PSPs up to this fraction of V_th -
                                      V_reset: the validated regime of the
                                      diffusion approximation                */
#define LIF_EIG_N 501              /* eigenvalue output: 0 .. 1000 Hz      */
#define LIF_EIG_STEP_HZ 2.0

static const char *const ASSUME_RATE = "diffusion approximation (Poisson input, small PSPs); "
                                       "stationary asynchronous state";
static const char *const ASSUME_SPEC = "linear response around the stationary state; "
                                       "Poisson-like output noise";
static const char *const ASSUME_SPEC_RENEWAL =
    "linear response around the stationary state; output noise of the renewal neuron with "
    "white-noise input (its spike-train spectrum, Lindner et al. 2002)";

static bool lif_accepts(const sf_model *m, char *why, size_t len)
{
    return sf_lif_map_accepts(m, why, len);
}

static sf_status lif_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    sf_lif_map *map = NULL;
    sf_status st = sf_lif_map_create(ctx, m, &map);
    *mapped = map;
    return st;
}

static void lif_unmap(void *mapped) { sf_lif_map_destroy(mapped); }

/* ---- spectra at a set of frequencies ------------------------------------- */

typedef struct {
    size_t n_f;
    double complex *H, *C;   /* H[k n + a], C[(k n + a) n + b]              */
} lif_spectra;

static void spectra_free(lif_spectra *s)
{
    free(s->H);
    free(s->C);
    memset(s, 0, sizeof *s);
}

/* Transfer functions and the cross-spectral matrix (its diagonal: the
 * power spectra) at freq, for the working point rates, mu, sigma; the noise
 * term nu (Poisson) or, with map->renewal_noise, the renewal neuron's
 * spike-train spectrum (theory.noise = renewal). */
static sf_status spectra_at(sf_context *ctx, const sf_lif_map *map, const double *rates,
                            const double *mu, const double *sigma, const double *freq, size_t n_f,
                            sf_theory_workspace *ws, lif_spectra *s)
{
    const sf_theory_network *net = &map->net;
    size_t n = (size_t)net->n_pop;
    s->n_f = n_f;
    s->H = malloc(sizeof(double complex) * n_f * n + 1);
    s->C = malloc(sizeof(double complex) * n_f * n * n + 1);
    if (!s->H || !s->C)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for %zu frequencies", n_f);
    sf_status st = sf_theory_network_transfer(ctx, net, mu, sigma, freq, n_f, ws, s->H);
    if (st != SF_OK || !map->renewal_noise)
        return st == SF_OK ? sf_theory_cross_spectra(ctx, net, rates, s->H, freq, n_f, ws, s->C)
                           : st;
    double *noise = malloc(sizeof(double) * n_f * n + 1), *col = malloc(sizeof(double) * n_f + 1);
    if (!noise || !col)
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory for %zu frequencies", n_f);
    for (size_t a = 0; st == SF_OK && a < n; a++) {
        st = sf_theory_lif_spike_spectrum(ctx, &net->pop[a], net->colored, mu[a], sigma[a], freq,
                                          n_f, ws, col);
        for (size_t k = 0; st == SF_OK && k < n_f; k++)
            noise[k * n + a] = col[k];
    }
    if (st == SF_OK)
        st = sf_theory_cross_spectra_noise(ctx, net, noise, s->H, freq, n_f, ws, s->C);
    free(noise);
    free(col);
    return st;
}

/* Fills x (a frequency vector of population a, or of pair a, b when b >= 0)
 * from s: "transfer" H_a, "spectrum" C_aa (real), "cross_spectrum" C_ab. */
static void spectra_fill(const lif_spectra *s, int n, const char *name, int a, int b, sf_quantity *x)
{
    bool transfer = !strcmp(name, "transfer"), cross = b >= 0;
    for (size_t k = 0; k < s->n_f; k++) {
        double complex v = transfer ? s->H[k * (size_t)n + (size_t)a]
                           : s->C[(k * (size_t)n + (size_t)a) * (size_t)n + (size_t)(cross ? b : a)];
        if (x->is_complex) {
            x->value[2 * k] = creal(v);
            x->value[2 * k + 1] = cimag(v);
        } else {
            x->value[k] = creal(v);
        }
    }
}

/* ---- prediction ------------------------------------------------------------ */

/* Conditions under which the diffusion-approximation theory is not expected
 * to hold; each adds a note to x. */
static sf_status theory_notes(const sf_lif_map *map, const double *rates,
                              const sf_theory_fixed_point *fp, const sf_theory_linear_stability *lin,
                              int pop, sf_quantity *x)
{
    const sf_theory_network *net = &map->net;
    int n = net->n_pop;
    const sf_theory_pop *tp = &net->pop[pop];
    double L = tp->V_th - tp->V_reset, jmax = 0, inputs = 0;
    for (int b = 0; b < n; b++) {
        if (net->K[pop * n + b] > 0)
            jmax = fmax(jmax, fabs(net->J[pop * n + b]));
        inputs += net->K[pop * n + b] * rates[b];
    }
    inputs += map->ext_events[pop];
    sf_status st = SF_OK;
    if (!fp->stable)
        st = sf_quantity_note(x, "fixed point unstable");
    if (st == SF_OK && lin->n_unstable > 0)
        st = sf_quantity_note(x, "oscillatory instability near %.0f Hz: synchronous state expected",
                              lin->f_critical);
    if (st == SF_OK && jmax > 0.1 * L)
        st = sf_quantity_note(x, "PSPs up to %.2g mV are large against V_th - V_reset = %.3g mV", jmax, L);
    if (st == SF_OK && inputs * tp->tau_m * 1e-3 < 20)
        st = sf_quantity_note(x, "few inputs per membrane time constant (%.0f)", inputs * tp->tau_m * 1e-3);
    if (st == SF_OK && rates[pop] < 1.0)
        st = sf_quantity_note(x, "low rate: fluctuation-driven tail, sensitive to the diffusion "
                                 "approximation");
    /* the accuracy the diffusion approximation is validated to, by regime
     * (docs/theory.md, "Validated accuracy") */
    if (st == SF_OK && jmax <= LIF_SMALL_PSP * L * (1 + 1e-9) && rates[pop] >= 1.0)
        st = sf_quantity_accuracy_set(
            x, 0.04,
            "diffusion approximation at PSPs up to %g %% of V_th - V_reset: -3.6 %% for "
            "independent neurons with the input of Brunel 2000 model A (J 0.1 and 0.5 mV, "
            "tests/validation/val_lif_theory.sh)",
            100 * LIF_SMALL_PSP);
    else if (st == SF_OK && jmax <= LIF_SMALL_PSP * L * (1 + 1e-9))
        st = sf_quantity_accuracy_set(x, 0.25,
                                      "rates below 1 Hz: +19 %% for L2/3E of the microcircuit "
                                      "(0.75 Hz, tests/validation/val_lif_theory.sh)");
    return st;
}

/* The regime of the CV: mean-driven populations (mu above the effective
 * threshold) fire regularly, their spike trains are far from the Poisson
 * input the theory assumes for the recurrent connections, and the CV is not
 * described; fluctuation-driven ones are validated for Poisson input. */
static sf_status cv_notes(const sf_lif_map *map, const double *mu, const double *sigma,
                          const double *cv, int pop, sf_quantity *x)
{
    const sf_theory_pop *tp = &map->net.pop[pop];
    const double theta = tp->V_th - tp->E_L + sf__fb_shift(tp, sigma[pop]);
    if (mu[pop] > theta)
        return sf_quantity_note(x,
                                "mean-driven (mu = %.3g mV above the threshold %.3g mV; predicted "
                                "CV %.2f): the Poisson closure of the recurrent input fails, the "
                                "simulated spike trains are more regular than the theory's; the CV "
                                "is not described here (Brunel model A: simulated 0.43, theory "
                                "0.68)",
                                mu[pop], theta, cv[pop]);
    return sf_quantity_accuracy_set(x, 0.05,
                                    "fluctuation-driven, Poisson input: -1.5 %% for independent "
                                    "neurons with the input of Brunel 2000 model A (CV 0.665 "
                                    "simulated, 0.675 theory, tests/validation/val_lif_theory.sh)");
}

#define ADD(call)                                                                          \
    do {                                                                                   \
        if (!(x = (call))) {                                                               \
            st = SF_ERR_NOMEM;                                                             \
            goto out;                                                                      \
        }                                                                                  \
    } while (0)

static sf_status lif_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                             const sf_predict_options *opt, sf_quantities *out)
{
    const sf_lif_map *map = mapped;
    const sf_theory_network *net = &map->net;
    int n = net->n_pop;
    size_t nn = (size_t)n;
    double *rates = calloc(4 * nn, sizeof(double)), *mu = rates + nn, *sigma = rates + 2 * nn,
           *cv = rates + 3 * nn, *scan_f = malloc(sizeof(double) * LIF_SCAN_N);
    double complex *eig = calloc(nn, sizeof(double complex));
    sf_theory_workspace *ws = sf_theory_workspace_create(n);
    lif_spectra sp = {0};
    sf_quantity *x;
    sf_status st;
    if (!rates || !eig || !scan_f || !ws) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    sf_theory_fixed_point fp = {.rates = rates, .mu = mu, .sigma = sigma, .eig = eig};
    sf_theory_linear_stability lin;
    st = sf_theory_rates_solve(ctx, net, NULL, NULL, &fp);
    if (st == SF_OK)
        st = sf_theory_network_cv(ctx, net, rates, ws, cv);
    for (size_t k = 0; k < LIF_SCAN_N; k++)
        scan_f[k] = k < LIF_SCAN_FINE ? LIF_SCAN_STEP_HZ * (double)k
                                      : LIF_SCAN_STEP_HZ * (LIF_SCAN_FINE - 1) +
                                            2.0 * (double)(k - LIF_SCAN_FINE + 1);
    if (st == SF_OK)
        st = sf_theory_linear_stability_report(ctx, net, mu, sigma, scan_f, LIF_SCAN_N, ws, &lin);
    if (st != SF_OK)
        goto out;
    for (int a = 0; a < n; a++) {
        ADD(sf_quantities_add_scalar(ctx, out, "mu", "mV", a, -1, mu[a]));
        sf_quantity_assume(x, "%s", ASSUME_RATE);
        ADD(sf_quantities_add_scalar(ctx, out, "sigma", "mV", a, -1, sigma[a]));
        sf_quantity_assume(x, "%s", ASSUME_RATE);
        ADD(sf_quantities_add_scalar(ctx, out, "rate", "Hz", a, -1, rates[a]));
        sf_quantity_assume(x, "%s", ASSUME_RATE);
        if ((st = theory_notes(map, rates, &fp, &lin, a, x)) != SF_OK)
            goto out;
        ADD(sf_quantities_add_scalar(ctx, out, "cv_isi", "", a, -1, cv[a]));
        sf_quantity_assume(x, "%s; renewal output", ASSUME_RATE);
        if ((st = cv_notes(map, mu, sigma, cv, a, x)) != SF_OK)
            goto out;
    }
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_stable", "", -1, -1, fp.stable));
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_max_real_eigenvalue", "", -1, -1,
                                 fp.max_real_eig));
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_iterations", "", -1, -1, fp.iterations));
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_residual", "Hz", -1, -1, fp.residual));
    if ((st = sf_quantities_note(out, "fixed point: %s (largest real part of the eigenvalues of "
                                      "dPhi/dnu - 1: %.3g), %d iterations, residual %.2g Hz",
                                 fp.stable ? "stable" : "UNSTABLE", fp.max_real_eig, fp.iterations,
                                 fp.residual)) != SF_OK ||
        (st = sf_theory_stability_add(ctx, &lin, LIF_SCAN_TOP_HZ, out)) != SF_OK)
        goto out;
    for (int i = 0; i < m->n_proj; i++) {
        sf_dist_kind k = m->proj[i].delay.kind;
        if ((k == SF_DIST_LOGNORMAL || k == SF_DIST_GAMMA) &&
            (st = sf_quantities_note(out, "projection %s: the %s delays enter the stability "
                                          "analysis as a Gaussian of the same mean and sd (an "
                                          "approximation)",
                                     m->proj[i].name, k == SF_DIST_GAMMA ? "gamma" : "lognormal")) !=
                SF_OK)
            goto out;
    }
    bool colored = false;
    for (int a = 0; a < n; a++)
        colored |= net->pop[a].tau_s > 0;
    if (colored &&
        (st = sf_quantities_note(out, "colored noise (tau_s > 0): %s",
                                 net->colored == SF_THEORY_TAYLOR
                                     ? "Taylor method (first order in sqrt(tau_s/tau_m); "
                                       "Schuecker et al. 2015), theory.method = taylor"
                                     : "shifted boundaries (Fourcaud & Brunel 2002; Schuecker "
                                       "et al. 2015), theory.method = shift")) != SF_OK)
        goto out;
    size_t nf = opt ? opt->n_freq : 0;
    {
        /* the eigenvalues of M over frequency, branch-ordered */
        size_t ne = nf ? nf : LIF_EIG_N;
        double *ef = malloc(sizeof(double) * ne);
        double complex *eH = malloc(sizeof(double complex) * ne * nn),
                       *ev = malloc(sizeof(double complex) * ne * nn);
        st = ef && eH && ev ? SF_OK : sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        for (size_t k = 0; st == SF_OK && k < ne; k++)
            ef[k] = nf ? opt->freq[k] : LIF_EIG_STEP_HZ * (double)k;
        if (st == SF_OK)
            st = sf_theory_network_transfer(ctx, net, mu, sigma, ef, ne, ws, eH);
        if (st == SF_OK)
            st = sf_theory_connectivity_eigenvalues(ctx, net, eH, ef, ne, ws, ev);
        if (st == SF_OK &&
            !(x = sf_quantities_add(ctx, out, "eigenvalues", "", -1, -1, SF_AXIS_FREQUENCY, ne, nn,
                                    true)))
            st = SF_ERR_NOMEM;
        if (st == SF_OK) {
            memcpy(x->axis_values, ef, ne * sizeof(double));
            memcpy(x->value, ev, ne * nn * sizeof(double complex));
            st = sf_quantity_assume(x, "eigenvalues of the effective connectivity M(f), ordered "
                                       "along continuous branches; %s", ASSUME_SPEC);
        }
        free(ef);
        free(eH);
        free(ev);
        if (st != SF_OK)
            goto out;
    }
    if (nf) {
        if ((st = spectra_at(ctx, map, rates, mu, sigma, opt->freq, nf, ws, &sp)) != SF_OK)
            goto out;
        static const char *const names[3] = {"transfer", "spectrum", "cross_spectrum"};
        static const char *const units[3] = {"Hz/mV", "Hz", "Hz"};
        for (int w = 0; w < 3; w++)
            for (int a = 0; a < n; a++)
                for (int b = w == 2 ? a + 1 : -1; b < (w == 2 ? n : 0); b++) {
                    ADD(sf_quantities_add(ctx, out, names[w], units[w], a, b, SF_AXIS_FREQUENCY, nf,
                                          1, w != 1));
                    memcpy(x->axis_values, opt->freq, nf * sizeof(double));
                    spectra_fill(&sp, n, names[w], a, b, x);
                    sf_quantity_assume(x, "%s", map->renewal_noise ? ASSUME_SPEC_RENEWAL : ASSUME_SPEC);
                    if (w > 0 && (st = sf_theory_stability_mark(&lin, x)) != SF_OK)
                        goto out;
                }
    }
out:
    if (st == SF_ERR_NOMEM && sf_context_status(ctx) != SF_ERR_NOMEM)
        sf_fail(ctx, st, "out of memory for the prediction");
    spectra_free(&sp);
    sf_theory_workspace_destroy(ws);
    free(rates);
    free(eig);
    free(scan_f);
    (void)m;
    return st;
}

/* ---- estimates --------------------------------------------------------------- */

/* Simulation-side notes of population a: synchrony, and input spike trains
 * far more regular than the Poisson input the theory assumes (src_cv: the
 * smallest simulated CV of the populations projecting onto a). */
static sf_status sim_notes(const sf_pop_stats *s, double src_cv, sf_quantity *x)
{
    sf_status st = SF_OK;
    if (isfinite(s->corr) && s->corr > 0.1)
        st = sf_quantity_note(x, "simulation strongly correlated (c = %.2f): synchronous state", s->corr);
    if (st == SF_OK && isfinite(src_cv) && src_cv < 0.7)
        st = sf_quantity_note(x, "recurrent input spike trains far more regular than Poisson (CV "
                                 "%.2f), while the diffusion theory assumes Poisson input",
                              src_cv);
    return st;
}

static sf_status lif_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                              sf_quantities *out)
{
    int n = m->n_pops;
    size_t nn = (size_t)n;
    double h = m->sim.resolution, t0 = m->sim.t_analysis, t1 = sf_recording_t_end(rec);
    const double bin = sf_theory_map_spectrum_bin(m, h), top = sf_theory_map_spectrum_max(m, bin);
    size_t seg = (size_t)nearbyint(LIF_SEGMENT_MS / bin);
    seg += seg & 1;
    size_t n_out = seg / 2 + 1, n_f = n_out - 1; /* f = 0 dropped: the mean */
    sf_pop_stats *stats = calloc(nn, sizeof *stats);
    bool *rec_ok = calloc(nn, sizeof(bool));
    double *buf = malloc(sizeof(double) * (SF_SPEC_ROWS * n_out + SF_XSPEC_ROWS * (seg + 1)));
    sf_xspectrum_plan *xp = NULL;
    sf_quantity *x;
    sf_status st = SF_OK;
    if (!stats || !rec_ok || !buf) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int a = 0; a < n; a++) {
        sf_pop_stats *s = &stats[a];
        const uint32_t *ids;
        const int64_t *steps;
        size_t ns;
        s->rate_Hz = s->cv_isi = s->corr = s->rate_sem = s->cv_sem = NAN;
        rec_ok[a] = sf_recording_spikes(rec, a, &ids, &steps, &ns) && t1 > t0;
        if (!rec_ok[a])
            continue;
        sf_spikes sp = {ids, steps, ns, m->pops[a].n, (uint32_t)a, h};
        if ((st = sf_analysis_population(ctx, &sp, t0, t1, m->sim.bin, m->sim.corr_pairs, m->sim.seed,
                                         s)) != SF_OK)
            goto out;
    }
    for (int a = 0; a < n; a++) {
        double src_cv = NAN;
        for (int i = 0; i < m->n_proj; i++)
            if (m->proj[i].target == a) {
                double c = stats[m->proj[i].source].cv_isi;
                if (isfinite(c) && !(c >= src_cv))
                    src_cv = c;
            }
        ADD(sf_quantities_add_scalar(ctx, out, "rate", "Hz", a, -1, stats[a].rate_Hz));
        x->se[0] = stats[a].rate_sem;
        if ((st = sim_notes(&stats[a], src_cv, x)) != SF_OK)
            goto out;
        ADD(sf_quantities_add_scalar(ctx, out, "cv_isi", "", a, -1, stats[a].cv_isi));
        x->se[0] = stats[a].cv_sem;
    }
    /* the standard errors of spectra are over segments: one segment has none */
    double n_seg = floor((t1 - t0) / ((double)seg * bin) + 1e-9);
    /* what a standard error needs, from the estimator's settings */
    char need[256] = "";
    if (n_seg < LIF_MIN_SEGMENTS)
        snprintf(need, sizeof need,
                 "the analysis window (%g ms) holds %.0f segment(s) of %g ms, a standard error "
                 "needs >= %d segments: run for at least %.4g s (simulation.duration)",
                 t1 - t0, n_seg, (double)seg * bin, LIF_MIN_SEGMENTS,
                 1e-3 * (t0 + LIF_MIN_SEGMENTS * (double)seg * bin));
    if (need[0] && (st = sf_quantities_note(out, "spectra: %s", need)) != SF_OK)
        goto out;
    /* population spectra, then cross-spectra, on the same segments and bins */
    for (int a = 0; a < n; a++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t ns;
        if (!rec_ok[a] || !sf_recording_spikes(rec, a, &ids, &steps, &ns))
            continue;
        sf_spikes sp = {ids, steps, ns, m->pops[a].n, (uint32_t)a, h};
        sf_spectrum_plan *plan = NULL;
        if ((st = sf_analysis_spectrum_plan_create(ctx, m->pops[a].n, seg, &plan)) == SF_OK)
            st = sf_analysis_spectrum(ctx, plan, &sp, t0, t1, bin, buf, NULL);
        sf_analysis_spectrum_plan_destroy(plan);
        if (st == SF_ERR_NOMEM)
            goto out;
        ADD(sf_quantities_add(ctx, out, "spectrum", "Hz", a, -1, SF_AXIS_FREQUENCY, n_f, 1, false));
        bool ok = st == SF_OK;
        if (!ok) { /* e.g. a window shorter than a segment: no estimate */
            st = sf_quantity_note(x, "no simulated spectrum: %s", sf_context_errmsg(ctx));
            sf_context_clear(ctx);
            if (st != SF_OK)
                goto out;
        }
        if (need[0] && (st = sf_quantity_note(x, "%s", need)) != SF_OK)
            goto out;
        x->band[1] = top;
        for (size_t k = 0; k < n_f; k++) {
            x->axis_values[k] = (double)(k + 1) / ((double)seg * bin * 1e-3);
            x->value[k] = ok ? buf[SF_SPEC_POP * n_out + k + 1] : NAN;
            x->se[k] = ok ? buf[SF_SPEC_POP_SEM * n_out + k + 1] : NAN;
        }
        if (!sf_theory_peak_add(ctx, out, x, SF_PEAK_LO_HZ, top)) {
            st = SF_ERR_NOMEM;
            goto out;
        }
    }
    if ((st = sf_analysis_xspectrum_plan_create(ctx, seg, 0, &xp)) != SF_OK)
        goto out;
    double *xo = buf + SF_SPEC_ROWS * n_out;
    size_t L1 = seg + 1;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            const uint32_t *ia, *ib;
            const int64_t *sa, *sb;
            size_t na, nb;
            if (!rec_ok[a] || !rec_ok[b] || !sf_recording_spikes(rec, a, &ia, &sa, &na) ||
                !sf_recording_spikes(rec, b, &ib, &sb, &nb))
                continue;
            sf_spikes A = {ia, sa, na, m->pops[a].n, (uint32_t)a, h};
            sf_spikes B = {ib, sb, nb, m->pops[b].n, (uint32_t)b, h};
            st = sf_analysis_xspectrum(ctx, xp, &A, &B, t0, t1, bin, xo, NULL);
            if (st == SF_ERR_NOMEM)
                goto out;
            ADD(sf_quantities_add(ctx, out, "cross_spectrum", "Hz", a, b, SF_AXIS_FREQUENCY, n_f, 1,
                                  true));
            bool ok = st == SF_OK;
            if (!ok) {
                st = sf_quantity_note(x, "no simulated cross-spectrum: %s", sf_context_errmsg(ctx));
                sf_context_clear(ctx);
                if (st != SF_OK)
                    goto out;
            }
            if (need[0] && (st = sf_quantity_note(x, "%s", need)) != SF_OK)
                goto out;
            x->band[1] = top;
            static const int rows[4] = {SF_XSPEC_RE, SF_XSPEC_IM, SF_XSPEC_RE_SEM, SF_XSPEC_IM_SEM};
            for (size_t k = 0; k < n_f; k++) { /* f_k = (k+1)/(L h): index L/2 + k + 1 */
                size_t j = seg / 2 + k + 1;
                x->axis_values[k] = (double)(k + 1) / ((double)seg * bin * 1e-3);
                for (int r = 0; r < 4; r++)
                    (r < 2 ? x->value : x->se)[2 * k + (r & 1)] = ok ? xo[(size_t)rows[r] * L1 + j] : NAN;
            }
        }
    /* the transfer measurement (analysis.transfer), if the model has one */
    if ((st = sf_transfer_estimate(ctx, m, rec, "", out)) != SF_OK)
        goto out;
out:
    if (st == SF_ERR_NOMEM && sf_context_status(ctx) != SF_ERR_NOMEM)
        sf_fail(ctx, st, "out of memory for the estimates");
    sf_analysis_xspectrum_plan_destroy(xp);
    free(stats);
    free(rec_ok);
    free(buf);
    return st;
}

/* ---- expectations of the estimators ----------------------------------------- */

#define LIF_INSTABILITY_SEARCH_HZ 60.0

/* When pred says the state is unstable: the peak of the simulated spectrum
 * e near the fastest root's frequency, as a note on its expectation x (the
 * predicted instability next to the simulated oscillation). */
static sf_status instability_note(const sf_quantities *pred, const sf_quantity *e, sf_quantity *x)
{
    long g = sf_quantities_find(pred, "dominant_root_growth_rate", -1, -1);
    long f = sf_quantities_find(pred, "dominant_root_frequency", -1, -1);
    if (g < 0 || f < 0)
        return SF_OK;
    double fd = pred->q[f].value[0], fp, sep;
    sf_theory_peak_of(e, fd - LIF_INSTABILITY_SEARCH_HZ, fd + LIF_INSTABILITY_SEARCH_HZ, &fp, &sep);
    if (isnan(fp))
        return sf_quantity_note(x, "no simulated peak within %g Hz of the predicted instability "
                                   "(%.1f Hz, growth rate %.4g/s)",
                                LIF_INSTABILITY_SEARCH_HZ, fd, pred->q[g].value[0]);
    if (isnan(sep))
        return sf_quantity_note(x, "the simulated spectrum peaks at %.1f Hz (no standard error: "
                                   "too noisy, simulate longer), next to the predicted "
                                   "instability (%.1f Hz, growth rate %.4g/s)",
                                fp, fd, pred->q[g].value[0]);
    return sf_quantity_note(x, "the simulated spectrum peaks at %.1f +- %.1f Hz, next to the "
                               "predicted instability (%.1f Hz, growth rate %.4g/s)",
                            fp, sep, fd, pred->q[g].value[0]);
}

/* The spectrum x of counts in bins of bin ms: the flat Poisson level flat
 * (nu/N for a population, 0 across populations) as it is, the rest
 * low-passed by the bin, sinc^2(pi f bin) (aliasing of that rest
 * neglected: it is below the flat level at the frequencies compared). */
static void bin_filter(sf_quantity *x, double bin, double flat)
{
    for (size_t k = 0; k < x->rows; k++) {
        double a = M_PI * x->axis_values[k] * bin * 1e-3, g = a > 0 ? sin(a) / a : 1.0;
        g *= g;
        if (x->is_complex) {
            x->value[2 * k] *= g;
            x->value[2 * k + 1] *= g;
        } else {
            x->value[k] = flat + (x->value[k] - flat) * g;
        }
    }
}

/* The expectation of a transfer estimate e of population a: the
 * single-neuron transfer function at the working point (mu, sigma) of the
 * prediction, for an ac current (a modulation of mu by amplitude tau_m/C_m
 * mV per pA, which enters the membrane directly: no synaptic filter), in
 * Hz/pA; for a modulated Poisson rate of weight J (iaf_psc_delta) both
 * channels, mu_1 = tau J and D_1 = tau J^2 / 2 per Hz (tau in s):
 * H = H_mu tau J + H_D tau J^2 / 2 in Hz/Hz (lif_noise.c). Not predicted
 * (NaN and a note): a population with recurrent input (the network's
 * response differs from the single neuron's) and a modulated rate into
 * iaf_psc_exp (the noise channel is of white noise only). */
static sf_status lif_transfer_expect(sf_context *ctx, const sf_model *m, const sf_lif_map *map,
                                     const double *mu, const double *sigma, const sf_quantity *e,
                                     sf_theory_workspace *ws, sf_quantities *out)
{
    const int a = e->pop[0];
    const sf_theory_pop *tp = &map->net.pop[a];
    const size_t n = sf_transfer_points(m, a, NULL, 0);
    sf_transfer_point *pts = malloc((n + 1) * sizeof *pts);
    double complex *H = malloc((e->rows + 1) * sizeof *H);
    if (!pts || !H) {
        free(pts);
        free(H);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    sf_transfer_points(m, a, pts, n);
    bool recurrent = false, rate = false;
    for (int i = 0; i < m->n_proj; i++)
        recurrent |= m->proj[i].target == a && sf_model_mean_indegree(m, &m->proj[i]) > 0;
    sf_status st = SF_OK;
    for (size_t k = 0; k < e->rows && st == SF_OK; k++) {
        H[k] = NAN;
        if (k >= n || recurrent)
            continue;
        const sf_input *in = &m->inputs[pts[k].input];
        const bool ac = in->type == &sf_input_ac_generator;
        if (!ac && tp->tau_s > 0) {
            rate = true;
            continue;
        }
        double complex h, hd = 0;
        st = sf_theory_lif_transfer(ctx, tp, mu[a], sigma[a], &pts[k].f, 1, false, ws, &h);
        if (st == SF_OK && !ac)
            st = sf_theory_lif_transfer_noise(ctx, tp, mu[a], sigma[a], &pts[k].f, 1, ws, &hd);
        const double tau_s = tp->tau_m * 1e-3, J = in->weight;
        H[k] = ac ? h * tp->tau_m / tp->C_m : h * tau_s * J + hd * 0.5 * tau_s * J * J;
    }
    if (st == SF_OK)
        st = sf_transfer_expect(ctx, e, H, "linear response of single neurons around the "
                                           "stationary state; diffusion approximation",
                                out);
    if (st == SF_OK && recurrent)
        st = sf_quantity_note(&out->q[out->n - 1],
                              "not predicted: population %s has recurrent input, whose feedback "
                              "the single-neuron transfer function leaves out",
                              m->pops[a].name);
    if (st == SF_OK && rate)
        st = sf_quantity_note(&out->q[out->n - 1],
                              "not predicted: a modulated Poisson rate into iaf_psc_exp modulates "
                              "colored noise, and the noise channel is of white noise only "
                              "(modulate a current: ac_generator)");
    free(pts);
    free(H);
    return st;
}

/* Scalars of the prediction as they are; spectra and cross-spectra from the
 * working point of pred at the estimator's frequencies. */
static sf_status lif_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                            const sf_quantities *pred, const sf_quantities *est, sf_quantities *out)
{
    const sf_lif_map *map = mapped;
    const sf_theory_network *net = &map->net;
    int n = net->n_pop;
    size_t nn = (size_t)n;
    double *wp = malloc(3 * nn * sizeof(double) + 1), *rates = wp, *mu = wp + nn, *sigma = wp + 2 * nn;
    sf_theory_workspace *ws = sf_theory_workspace_create(n);
    lif_spectra sp = {0};
    const double *sp_f = NULL; /* frequencies sp was computed at */
    const double bin = sf_theory_map_spectrum_bin(m, m->sim.resolution);
    sf_status st = SF_OK;
    sf_quantity *x;
    if (!wp || !ws) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int a = 0; a < n; a++) {
        static const char *const wpn[3] = {"rate", "mu", "sigma"};
        for (int w = 0; w < 3; w++) {
            long i = sf_quantities_find(pred, wpn[w], a, -1);
            if (i < 0) {
                st = sf_fail(ctx, SF_ERR_ARG, "the prediction has no %s of population %s", wpn[w],
                             m->pops[a].name);
                goto out;
            }
            wp[(size_t)w * nn + (size_t)a] = sf_quantity_values(pred, (size_t)i)[0];
        }
    }
    for (size_t i = 0; i < sf_quantities_count(est); i++) {
        const sf_quantity *e = &est->q[i];
        if (sf_transfer_is_quantity(e)) {
            if ((st = lif_transfer_expect(ctx, m, map, mu, sigma, e, ws, out)) != SF_OK)
                goto out;
            continue;
        }
        bool spec = !strcmp(e->name, "spectrum") || !strcmp(e->name, "cross_spectrum");
        if (!strcmp(e->name, "spectrum_peak_frequency")) {
            if ((st = sf_theory_peak_expect(ctx, out, "spectrum", e, pred)) != SF_OK)
                goto out;
            continue;
        }
        if (!spec) {
            long j = sf_quantities_find(pred, e->name, e->pop[0], e->pop[1]);
            if (j >= 0)
                ADD(sf_quantities_add_copy(ctx, out, &pred->q[j]));
            continue;
        }
        if (!sp_f || sp.n_f != e->rows || memcmp(sp_f, e->axis_values, e->rows * sizeof(double))) {
            spectra_free(&sp);
            if ((st = spectra_at(ctx, map, rates, mu, sigma, e->axis_values, e->rows, ws, &sp)) != SF_OK)
                goto out;
            sp_f = e->axis_values;
        }
        ADD(sf_quantities_add(ctx, out, e->name, e->unit, e->pop[0], e->pop[1], SF_AXIS_FREQUENCY,
                              e->rows, 1, e->is_complex));
        memcpy(x->axis_values, e->axis_values, e->rows * sizeof(double));
        spectra_fill(&sp, n, e->name, e->pop[0], e->pop[1], x);
        bin_filter(x, bin, e->pop[1] < 0 ? rates[e->pop[0]] / net->pop[e->pop[0]].N : 0.0);
        memcpy(x->band, e->band, sizeof x->band);
        sf_quantity_assume(x, "%s", map->renewal_noise ? ASSUME_SPEC_RENEWAL : ASSUME_SPEC);
        if (e->pop[1] < 0 && (st = instability_note(pred, e, x)) != SF_OK)
            goto out;
        if ((st = sf_theory_stability_mark_pred(pred, x)) != SF_OK)
            goto out;
    }
out:
    if (st == SF_ERR_NOMEM && sf_context_status(ctx) != SF_ERR_NOMEM)
        sf_fail(ctx, st, "out of memory for the expectations");
    spectra_free(&sp);
    sf_theory_workspace_destroy(ws);
    free(wp);
    return st;
}

static const sf_neuron_type *const lif_covers[] = {&sf_iaf_psc_delta, &sf_iaf_psc_exp, NULL};

const sf_theory_type sf_theory_family_lif = {
    .name = "lif_diffusion",
    .doc = "LIF networks (iaf_psc_delta, iaf_psc_exp) in the diffusion approximation: rates, CVs, "
           "stability, spectra",
    .covers = lif_covers,
    .accepts = lif_accepts,
    .map = lif_map,
    .unmap = lif_unmap,
    .predict = lif_predict,
    .estimate = lif_estimate,
    .expect = lif_expect,
};
