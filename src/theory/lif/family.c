/* The LIF diffusion family (sf_theory_lif): networks of iaf_psc_delta and
 * iaf_psc_exp neurons in the diffusion approximation (docs/theory.md).
 *
 * Prediction (per population a): "mu", "sigma" (mV, the working point),
 * "rate" (Hz, self-consistent), "cv_isi"; for the whole network the
 * fixed point ("fixed_point_stable", "fixed_point_max_real_eigenvalue",
 * "fixed_point_iterations", "fixed_point_residual") and the linear
 * stability with delays on a grid 0..1 kHz in steps of 0.5 Hz
 * ("unstable_modes", "critical_frequency", "critical_eigenvalue",
 * "min_distance_to_1"); with frequencies, "transfer" (a), "spectrum" (a)
 * and "cross_spectrum" (a < b) over them. The notes of "rate" name the
 * violated assumptions of the theory.
 *
 * Estimates: "rate" and "cv_isi" with standard errors (sf_analysis_population
 * over the analysis window), "spectrum" of every recorded population and
 * "cross_spectrum" of every pair a < b on segments of 512 ms in bins of one
 * time step (f > 0; the cross-spectra are summarised over f <= 200 Hz, the
 * band where the linear theory is expected to hold); the expectation of
 * each spectrum estimator is the theory at the estimator's frequencies.
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
#include "theory/lif/lif_noise.h"
#include "theory/transfer.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIF_SCAN_N 2001            /* stability grid: 0 .. 1000 Hz         */
#define LIF_SCAN_STEP_HZ 0.5
#define LIF_SEGMENT_MS 512.0       /* spectrum estimator segments          */
#define LIF_CROSS_BAND_HZ 200.0    /* cross-spectrum evaluation band       */

static const char *const ASSUME_RATE = "diffusion approximation (Poisson input, small PSPs); "
                                       "stationary asynchronous state";
static const char *const ASSUME_SPEC = "linear response around the stationary state; "
                                       "Poisson-like output noise";

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
 * power spectra) at freq, for the working point rates, mu, sigma. */
static sf_status spectra_at(sf_context *ctx, const sf_theory_network *net, const double *rates,
                            const double *mu, const double *sigma, const double *freq, size_t n_f,
                            sf_theory_workspace *ws, lif_spectra *s)
{
    size_t n = (size_t)net->n_pop;
    s->n_f = n_f;
    s->H = malloc(sizeof(double complex) * n_f * n + 1);
    s->C = malloc(sizeof(double complex) * n_f * n * n + 1);
    if (!s->H || !s->C)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for %zu frequencies", n_f);
    sf_status st = sf_theory_network_transfer(ctx, net, mu, sigma, freq, n_f, ws, s->H);
    if (st == SF_OK)
        st = sf_theory_cross_spectra(ctx, net, rates, s->H, freq, n_f, ws, s->C);
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
    return st;
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
    double complex *eig = calloc(nn, sizeof(double complex)),
                   *scan_H = malloc(sizeof(double complex) * LIF_SCAN_N * nn);
    sf_theory_workspace *ws = sf_theory_workspace_create(n);
    lif_spectra sp = {0};
    sf_quantity *x;
    sf_status st;
    if (!rates || !eig || !scan_f || !scan_H || !ws) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    sf_theory_fixed_point fp = {.rates = rates, .mu = mu, .sigma = sigma, .eig = eig};
    sf_theory_linear_stability lin;
    st = sf_theory_rates_solve(ctx, net, NULL, NULL, &fp);
    if (st == SF_OK)
        st = sf_theory_network_cv(ctx, net, rates, ws, cv);
    for (size_t k = 0; k < LIF_SCAN_N; k++)
        scan_f[k] = LIF_SCAN_STEP_HZ * (double)k;
    if (st == SF_OK)
        st = sf_theory_network_transfer(ctx, net, mu, sigma, scan_f, LIF_SCAN_N, ws, scan_H);
    if (st == SF_OK)
        st = sf_theory_linear_stability_scan(ctx, net, scan_H, scan_f, LIF_SCAN_N, ws, &lin);
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
    }
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_stable", "", -1, -1, fp.stable));
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_max_real_eigenvalue", "", -1, -1,
                                 fp.max_real_eig));
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_iterations", "", -1, -1, fp.iterations));
    ADD(sf_quantities_add_scalar(ctx, out, "fixed_point_residual", "Hz", -1, -1, fp.residual));
    ADD(sf_quantities_add_scalar(ctx, out, "unstable_modes", "", -1, -1, lin.n_unstable));
    ADD(sf_quantities_add_scalar(ctx, out, "critical_frequency", "Hz", -1, -1, lin.f_critical));
    ADD(sf_quantities_add(ctx, out, "critical_eigenvalue", "", -1, -1, SF_AXIS_NONE, 1, 1, true));
    x->value[0] = creal(lin.eig_critical);
    x->value[1] = cimag(lin.eig_critical);
    ADD(sf_quantities_add_scalar(ctx, out, "min_distance_to_1", "", -1, -1, lin.min_distance));
    if ((st = sf_quantities_note(out, "fixed point: %s (largest real part of the eigenvalues of "
                                      "dPhi/dnu - 1: %.3g), %d iterations, residual %.2g Hz",
                                 fp.stable ? "stable" : "UNSTABLE", fp.max_real_eig, fp.iterations,
                                 fp.residual)) != SF_OK ||
        (st = sf_quantities_note(out, "linear stability with delays: %s (eigenvalue of M closest "
                                      "to 1 at %.1f Hz, distance %.3g)",
                                 lin.n_unstable ? "UNSTABLE" : "stable", lin.f_critical,
                                 lin.min_distance)) != SF_OK)
        goto out;
    size_t nf = opt ? opt->n_freq : 0;
    if (nf) {
        if ((st = spectra_at(ctx, net, rates, mu, sigma, opt->freq, nf, ws, &sp)) != SF_OK)
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
                    sf_quantity_assume(x, "%s", ASSUME_SPEC);
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
    free(scan_H);
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
    size_t seg = (size_t)nearbyint(LIF_SEGMENT_MS / h);
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
    double n_seg = floor((t1 - t0) / ((double)seg * h) + 1e-9);
    if (n_seg < 2 && (st = sf_quantities_note(out, "the analysis window (%g ms) holds %.0f "
                                                   "segment(s) of %g ms, so spectra have no standard "
                                                   "error (simulate longer, simulation.duration, "
                                                   "to compare them)", t1 - t0, n_seg,
                                              (double)seg * h)) != SF_OK)
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
            st = sf_analysis_spectrum(ctx, plan, &sp, t0, t1, h, buf, NULL);
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
        for (size_t k = 0; k < n_f; k++) {
            x->axis_values[k] = (double)(k + 1) / ((double)seg * h * 1e-3);
            x->value[k] = ok ? buf[SF_SPEC_POP * n_out + k + 1] : NAN;
            x->se[k] = ok ? buf[SF_SPEC_POP_SEM * n_out + k + 1] : NAN;
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
            st = sf_analysis_xspectrum(ctx, xp, &A, &B, t0, t1, h, xo, NULL);
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
            x->band[1] = LIF_CROSS_BAND_HZ;
            static const int rows[4] = {SF_XSPEC_RE, SF_XSPEC_IM, SF_XSPEC_RE_SEM, SF_XSPEC_IM_SEM};
            for (size_t k = 0; k < n_f; k++) { /* f_k = (k+1)/(L h): index L/2 + k + 1 */
                size_t j = seg / 2 + k + 1;
                x->axis_values[k] = (double)(k + 1) / ((double)seg * h * 1e-3);
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
        if (!spec) {
            long j = sf_quantities_find(pred, e->name, e->pop[0], e->pop[1]);
            if (j >= 0)
                ADD(sf_quantities_add_copy(ctx, out, &pred->q[j]));
            continue;
        }
        if (!sp_f || sp.n_f != e->rows || memcmp(sp_f, e->axis_values, e->rows * sizeof(double))) {
            spectra_free(&sp);
            if ((st = spectra_at(ctx, net, rates, mu, sigma, e->axis_values, e->rows, ws, &sp)) != SF_OK)
                goto out;
            sp_f = e->axis_values;
        }
        ADD(sf_quantities_add(ctx, out, e->name, e->unit, e->pop[0], e->pop[1], SF_AXIS_FREQUENCY,
                              e->rows, 1, e->is_complex));
        memcpy(x->axis_values, e->axis_values, e->rows * sizeof(double));
        spectra_fill(&sp, n, e->name, e->pop[0], e->pop[1], x);
        sf_quantity_assume(x, "%s", ASSUME_SPEC);
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
