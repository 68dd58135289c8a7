/* The perfect-integrator theory family: one `pif_psc_delta` population of
 * independent neurons driven by Poisson inputs, with the overshoot-preserving
 * reset (Helias et al. 2010, arXiv:1010.3537). docs/pif.md lists the
 * quantities; with analysis.transfer also the dynamic response, exact and
 * in the diffusion approximation (pif_response.c, "transfer_*" and
 * "transfer_*_diffusion" against the same estimates).
 *
 * Invariant: the mapped sf_theory_pif is the only source of the theory's
 * parameters; estimate and expect bin the membrane potential by the same
 * rule (pif_bins), so that a histogram bin and its expected value cover the
 * same interval.
 */
#include "theory/family.h"
#include "theory/map.h"
#include "theory/transfer.h"

#include "neurons/pif_psc_delta.h"
#include "spikefield/analysis.h"
#include "spikefield/theory.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSUME "PIF with overshoot-preserving reset, Poisson input (Helias et al. 2010)"

static bool pif_accepts(const sf_model *m, char *why, size_t len)
{
    if (!sf_theory_map_one_type(m, &sf_pif_psc_delta, "PIF", why, len))
        return false;
    if (m->n_pops != 1) {
        snprintf(why, len,
                 "%s: populations %s and %s: the PIF theory is of a single pif_psc_delta "
                 "population (this model has %d)",
                 m->file, m->pops[0].name, m->pops[1].name, m->n_pops);
        return false;
    }
    if (m->n_proj > 0) {
        snprintf(why, len,
                 "%s: projection %s: the PIF theory is of single neurons driven by Poisson "
                 "input (no recurrent connections)",
                 m->file, m->proj[0].name);
        return false;
    }
    double I_e = sf_theory_map_param(m, 0, &sf_pif_psc_delta, SF_PIF_PSC_DELTA_I_E);
    if (I_e != 0) {
        snprintf(why, len, "%s: population %s: I_e = %g pA; the PIF theory has Poisson input only",
                 m->file, m->pops[0].name, I_e);
        return false;
    }
    if (!sf_theory_map_inputs_check(m, true, "", why, len))
        return false;
    double w_sign[2] = {0, 0};  /* excitatory, inhibitory */
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->type == &sf_input_dc_generator) {
            snprintf(why, len, "%s: input %s: a dc input is a drift the PIF theory does not have",
                     m->file, in->name);
            return false;
        }
        if (in->type == &sf_input_ac_generator) {
            snprintf(why, len, "%s: input %s: an ac current is a drift the PIF theory does not have",
                     m->file, in->name);
            return false;
        }
        if (in->type == &sf_input_sinusoidal_poisson_generator && !in->individual) {
            snprintf(why, len,
                     "%s: input %s: individual_spike_trains false gives all neurons the same "
                     "train; the PIF theory is of independent neurons",
                     m->file, in->name);
            return false;
        }
        if (in->type == &sf_input_sinusoidal_poisson_generator && fabs(in->amplitude) > in->rate) {
            snprintf(why, len,
                     "%s: input %s: amplitude %g Hz > rate %g Hz clips the rate at zero; the "
                     "PIF response theory is of a sinusoidal (linear) modulation",
                     m->file, in->name, fabs(in->amplitude), in->rate);
            return false;
        }
        if (in->weight == 0)
            continue;
        double *wp = &w_sign[in->weight > 0 ? 0 : 1], w = fabs(in->weight);
        if (*wp > 0 && *wp != w) {
            snprintf(why, len, "%s: input %s: the PIF theory has one %s weight (%g and %g mV given)",
                     m->file, in->name, in->weight > 0 ? "excitatory" : "inhibitory", *wp, w);
            return false;
        }
        *wp = w;
    }
    return true;
}

static void pif_unmap(void *mapped)
{
    free(mapped);
}

/* The PIF of m (accepted), checked. */
static sf_status pif_read(sf_context *ctx, const sf_model *m, sf_theory_pif *p)
{
    char why[1024];
    if (!pif_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    memset(p, 0, sizeof *p);
    p->theta = sf_theory_map_param(m, 0, &sf_pif_psc_delta, SF_PIF_PSC_DELTA_V_TH);
    p->V_r = sf_theory_map_param(m, 0, &sf_pif_psc_delta, SF_PIF_PSC_DELTA_V_RESET);
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->weight == 0)
            continue;
        double *nu = in->weight > 0 ? &p->nu_e : &p->nu_i;
        double *wp = in->weight > 0 ? &p->w_e : &p->w_i;
        *nu += in->rate; /* Hz per target neuron; the one population */
        *wp = fabs(in->weight);
    }
    if (p->w_i == 0)
        p->w_i = p->w_e; /* no inhibition: its weight is irrelevant */
    return sf_theory_pif_check(ctx, p);
}

static sf_status pif_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    sf_theory_pif *p = malloc(sizeof *p);
    if (!p)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_status st = pif_read(ctx, m, p);
    if (st != SF_OK) {
        free(p);
        return st;
    }
    *mapped = p;
    return SF_OK;
}

/* Density bins: bin k (0 = just below threshold) is [theta - (k+1) w,
 * theta - k w); w the lattice width when w_e = w_i divides L (else L/20),
 * down to where the diffusion tail below V_r is 1e-3 of the plateau. */
typedef struct {
    double w;
    size_t nb;
    bool lattice;
} pif_bins;

static pif_bins pif_binning(const sf_theory_pif *P)
{
    const double Lv = P->theta - P->V_r, w = P->w_e;
    pif_bins b;
    b.lattice = (P->nu_i == 0 || fabs(P->w_i - w) <= 1e-12 * w) &&
                fabs(Lv / w - nearbyint(Lv / w)) <= 1e-9 * (Lv / w) && Lv / w <= 400;
    b.w = b.lattice ? w : Lv / 20;
    const double mu = P->nu_e * P->w_e - P->nu_i * P->w_i;
    const double Dd = 0.5 * (P->nu_e * P->w_e * P->w_e + P->nu_i * P->w_i * P->w_i);
    double below = P->nu_i > 0 ? fmin(3 * Lv, Dd / mu * log(1e3)) : 0;
    b.nb = (size_t)nearbyint(Lv / b.w) + (size_t)ceil(below / b.w);
    return b;
}

static double bin_hi(const sf_theory_pif *P, const pif_bins *b, size_t k)
{
    return P->theta - (double)k * b->w;
}

/* With a transfer measurement: the exact and the diffusion response at its
 * points, "response_amplitude_exact" (Hz/Hz), "response_phase_exact" (deg)
 * and the same "_diffusion" (docs/pif.md "Dynamic response"); the exact
 * ones NaN with a note off the lattice. */
static sf_status pif_predict_response(sf_context *ctx, const sf_model *m, const sf_theory_pif *P,
                                      sf_quantities *out)
{
    const size_t n = sf_transfer_points(m, 0, NULL, 0);
    if (!n)
        return SF_OK;
    sf_transfer_point *pts = malloc(n * sizeof *pts);
    double complex *H = malloc(2 * n * sizeof *H);
    sf_status st = pts && H ? SF_OK : sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    bool exact = true;
    if (st == SF_OK)
        sf_transfer_points(m, 0, pts, n);
    for (size_t k = 0; st == SF_OK && k < n; k++) {
        const sf_input *in = &m->inputs[pts[k].input];
        const double a_e = in->weight > 0, a_i = in->weight < 0;
        st = sf_theory_pif_response(ctx, P, a_e, a_i, &pts[k].f, 1, NULL, &H[n + k]);
        if (st == SF_OK && sf_theory_pif_response(NULL, P, a_e, a_i, &pts[k].f, 1, &H[k], NULL))
            H[k] = NAN, exact = false;
    }
    static const char *const names[4] = {"response_amplitude_exact", "response_phase_exact",
                                          "response_amplitude_diffusion",
                                          "response_phase_diffusion"};
    for (int w = 0; w < 4 && st == SF_OK; w++) {
        sf_quantity *x = sf_quantities_add(ctx, out, names[w], w & 1 ? "deg" : "Hz/Hz", 0, -1,
                                           SF_AXIS_FREQUENCY, n, 1, false);
        if (!x) {
            st = SF_ERR_NOMEM;
            break;
        }
        const double complex *h = H + (w < 2 ? 0 : n);
        for (size_t k = 0; k < n; k++) {
            x->axis_values[k] = pts[k].f;
            x->value[k] = w & 1 ? carg(h[k]) * 180 / M_PI : cabs(h[k]);
        }
        st = sf_quantity_assume(x, "%s; linear response to the rate of input %s",
                                w < 2 ? ASSUME : "diffusion approximation",
                                m->inputs[pts[0].input].name);
        if (st == SF_OK && w < 2 && !exact)
            st = sf_quantity_note(x, "no exact response: w_e != w_i or L not a multiple of the "
                                     "weight");
    }
    free(pts);
    free(H);
    return st;
}

static sf_status pif_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                             const sf_predict_options *opt, sf_quantities *out)
{
    const sf_theory_pif *P = mapped;
    double rate, ex, df;
    double V = P->theta - 1e-9 * (P->theta - P->V_r);
    sf_status st = sf_theory_pif_rate(ctx, P, &rate);
    /* the exact density has a closed form on the lattice and for excitation
     * alone; otherwise it is not predicted (NaN, with a note) */
    const bool closed = sf_theory_pif_density_exact(NULL, P, &V, 1, &ex) == SF_OK;
    if (!closed)
        ex = NAN;
    if (st == SF_OK)
        st = sf_theory_pif_density_diffusion(ctx, P, &V, 1, &df);
    if (st != SF_OK)
        return st;
    sf_quantity *x;
    if (!(x = sf_quantities_add_scalar(ctx, out, "rate", "Hz", 0, -1, rate)) ||
        sf_quantity_assume(x, ASSUME) != SF_OK ||
        !(x = sf_quantities_add_scalar(ctx, out, "density_below_threshold_exact", "1/mV", 0, -1,
                                       ex)) ||
        sf_quantity_assume(x, ASSUME) != SF_OK ||
        (!closed && sf_quantity_note(x, "no closed form (w_e != w_i, or L not a multiple of "
                                        "the weight)") != SF_OK) ||
        !(x = sf_quantities_add_scalar(ctx, out, "density_below_threshold_diffusion", "1/mV", 0,
                                       -1, df)) ||
        sf_quantity_assume(x, "diffusion approximation") != SF_OK)
        return SF_ERR_NOMEM;
    /* the limits at threshold: exact (1 - q)/L on the lattice (NaN
     * otherwise), the diffusion density at theta itself (0) */
    const pif_bins b = pif_binning(P);
    const double q = P->nu_i / P->nu_e, th = P->theta;
    double p0 = NAN;
    if ((st = sf_theory_pif_density_diffusion(ctx, P, &th, 1, &p0)) != SF_OK)
        return st;
    if (!(x = sf_quantities_add_scalar(ctx, out, "q", "1", 0, -1, q)) ||
        sf_quantity_note(x, "nu_i / nu_e") != SF_OK ||
        !(x = sf_quantities_add_scalar(ctx, out, "density_threshold_limit_exact", "1/mV", 0, -1,
                                       b.lattice ? (1 - q) / (P->theta - P->V_r) : NAN)) ||
        sf_quantity_assume(x, ASSUME) != SF_OK ||
        sf_quantity_note(x, b.lattice ? "p(theta-) = (1 - q)/L: V on the lattice theta - k w"
                                      : "V is not on a lattice: no closed form") != SF_OK ||
        !(x = sf_quantities_add_scalar(ctx, out, "density_at_threshold_diffusion", "1/mV", 0, -1,
                                       p0)) ||
        sf_quantity_assume(x, "diffusion approximation") != SF_OK)
        return SF_ERR_NOMEM;
    return pif_predict_response(ctx, m, P, out);
}

static sf_status pif_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                              sf_quantities *out)
{
    sf_theory_pif P;
    sf_status st = pif_read(ctx, m, &P);
    if (st != SF_OK)
        return st;
    const double t0 = m->sim.t_analysis, t1 = sf_recording_t_end(rec);
    if (!(t1 > t0))
        return sf_fail(ctx, SF_ERR_MODEL, "%s: nothing simulated after the analysis start %g ms",
                       m->file, t0);
    /* rate: spike counts over the window, SE over neurons */
    const uint32_t *ids;
    const int64_t *steps;
    size_t ns;
    if (sf_recording_spikes(rec, 0, &ids, &steps, &ns)) {
        sf_spikes sp = {ids, steps, ns, m->pops[0].n, 0, m->sim.resolution};
        sf_quantity *x = sf_quantities_add_scalar(ctx, out, "rate", "Hz", 0, -1, NAN);
        if (!x)
            return SF_ERR_NOMEM;
        if ((st = sf_analysis_rate(ctx, &sp, t0, t1, &x->value[0], &x->se[0])) != SF_OK)
            return st;
    }
    /* the voltmeter of V_m */
    const float *data = NULL;
    size_t nt = 0;
    uint32_t nn = 0;
    double tt0 = 0, dt = 0;
    for (int ri = 0; ri < m->n_recorders && !data; ri++)
        if (m->recorders[ri].type == &sf_recorder_voltmeter && !strcmp(m->recorders[ri].variable, "V_m"))
            if (!sf_recording_trace(rec, ri, 0, &data, &nt, &nn, &tt0, &dt))
                data = NULL;
    const bool transfer = sf_transfer_points(m, -1, NULL, 0) > 0;
    if ((!data || nn < 2) && transfer)
        return sf_transfer_estimate(ctx, m, rec, "", out) != SF_OK
                   ? sf_context_status(ctx)
                   : sf_transfer_estimate(ctx, m, rec, "_diffusion", out);
    if (!data || nn < 2)
        return sf_fail(ctx, SF_ERR_MODEL,
                       "%s: the PIF comparison needs a voltmeter recording of V_m of at least 2 "
                       "neurons ({kind: voltmeter, populations: [%s], n: 1000, interval: 1.0})",
                       m->file, m->pops[0].name);
    size_t first = 0;
    while (first < nt && tt0 + (double)first * dt < t0 - 1e-9)
        first++;
    if (nt - first < 2)
        return sf_fail(ctx, SF_ERR_MODEL, "%s: too few V_m samples after %g ms", m->file, t0);
    const size_t n_samples = nt - first;
    const pif_bins b = pif_binning(&P);
    double *cnt = calloc(3 * b.nb, sizeof *cnt), *s1 = cnt + b.nb, *s2 = s1 + b.nb;
    if (!cnt)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    const double rel = 1e-9 * fmax(1.0, fabs(P.theta));
    for (uint32_t j = 0; j < nn; j++) {
        memset(cnt, 0, b.nb * sizeof *cnt);
        for (size_t t = first; t < nt; t++) {
            double v = (double)data[t * nn + j];
            double k = floor((P.theta - v - rel) / b.w); /* v = lattice point: its bin */
            if (k >= 0 && k < (double)b.nb)
                cnt[(size_t)k] += 1;
        }
        for (size_t k = 0; k < b.nb; k++) {
            double dens = cnt[k] / (double)n_samples / b.w;
            s1[k] += dens;
            s2[k] += dens * dens;
        }
    }
    /* the same histogram against the exact density and against the
     * diffusion approximation; and its bin just below threshold */
    static const char *const names[] = {"density", "density_diffusion"};
    static const char *const names_th[] = {"density_threshold", "density_threshold_diffusion"};
    for (int pass = 0; pass < 2 && st == SF_OK; pass++) {
        sf_quantity *x = sf_quantities_add(ctx, out, names[pass], "1/mV", 0, -1,
                                           SF_AXIS_POTENTIAL, b.nb, 1, false);
        if (!x) {
            st = SF_ERR_NOMEM;
            break;
        }
        for (size_t k = 0; k < b.nb; k++) {
            x->axis_values[k] = bin_hi(&P, &b, k) - 0.5 * b.w; /* bin centre */
            x->value[k] = s1[k] / nn;
            x->se[k] = sqrt(fmax(s2[k] / nn - x->value[k] * x->value[k], 0) / (nn - 1));
        }
        double v0 = x->value[0], se0 = x->se[0];
        sf_quantity *y = sf_quantities_add_scalar(ctx, out, names_th[pass], "1/mV", 0, -1, v0);
        if (!y) {
            st = SF_ERR_NOMEM;
            break;
        }
        y->se[0] = se0;
    }
    free(cnt);
    if (st == SF_OK)
        sf_quantities_note(out,
                           "V_m histograms per neuron over %zu samples of %u neurons, bins of "
                           "%g mV from the threshold down",
                           n_samples, nn, b.w);
    if (st == SF_OK && transfer && (st = sf_transfer_estimate(ctx, m, rec, "", out)) == SF_OK)
        st = sf_transfer_estimate(ctx, m, rec, "_diffusion", out);
    return st;
}

/* The expectation of a transfer estimate e: at each of its points the
 * response to the measured input's rate, exact or in the diffusion
 * approximation (by e's name), per Hz of modulation (sf_theory_pif_response;
 * docs/pif.md "Dynamic response"). */
static sf_status pif_transfer_expect(sf_context *ctx, const sf_model *m, const sf_theory_pif *P,
                                     const sf_quantity *e, sf_quantities *out)
{
    const bool diffusion = strstr(e->name, "diffusion") != NULL;
    const size_t n = sf_transfer_points(m, e->pop[0], NULL, 0);
    sf_transfer_point *pts = malloc((n + 1) * sizeof *pts);
    double complex *H = malloc((n + 1) * sizeof *H);
    sf_status st = pts && H ? SF_OK : sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    bool no_exact = false;
    if (st == SF_OK)
        sf_transfer_points(m, e->pop[0], pts, n);
    for (size_t k = 0; st == SF_OK && k < n && k < e->rows; k++) {
        const sf_input *in = &m->inputs[pts[k].input];
        const double a_e = in->weight > 0, a_i = in->weight < 0;
        st = sf_theory_pif_response(diffusion ? ctx : NULL, P, a_e, a_i, &pts[k].f, 1,
                                    diffusion ? NULL : &H[k], diffusion ? &H[k] : NULL);
        if (st != SF_OK && !diffusion) { /* no exact solution for these weights */
            H[k] = NAN;
            no_exact = true;
            st = SF_OK;
        }
    }
    for (size_t k = n; k < e->rows; k++)
        H[k] = NAN;
    if (st == SF_OK)
        st = sf_transfer_expect(ctx, e, H, diffusion ? "diffusion approximation; linear response"
                                                     : ASSUME "; linear response", out);
    if (st == SF_OK && no_exact)
        st = sf_quantity_note(&out->q[out->n - 1], "no exact response: w_e != w_i or L not a "
                                                   "multiple of the weight");
    free(pts);
    free(H);
    return st;
}

static sf_status pif_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                            const sf_quantities *pred, const sf_quantities *est,
                            sf_quantities *out)
{
    const sf_theory_pif *P = mapped;
    const pif_bins b = pif_binning(P);
    const double Lv = P->theta - P->V_r;
    double *dex = calloc(2 * b.nb, sizeof *dex), *ddif = dex + b.nb;
    if (!dex)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < b.nb; k++) {
        double hi = bin_hi(P, &b, k), lo = hi - b.w;
        /* exact: piecewise constant on lattice intervals, so the bin's
         * centre; diffusion: the bin average (Simpson, 64 intervals) */
        double c = 0.5 * (lo + hi), V[65], pd[65];
        if (sf_theory_pif_density_exact(NULL, P, &c, 1, &dex[k]) != SF_OK)
            dex[k] = NAN;
        for (int i = 0; i <= 64; i++)
            V[i] = lo + b.w * i / 64.0;
        V[64] = hi - 1e-12 * b.w; /* [lo, hi) */
        sf_theory_pif_density_diffusion(NULL, P, V, 65, pd);
        double s = pd[0] + pd[64];
        for (int i = 1; i < 64; i++)
            s += (i % 2 ? 4 : 2) * pd[i];
        ddif[k] = s / (3.0 * 64);
    }
    sf_status st = SF_OK;
    for (size_t i = 0; i < est->n && st == SF_OK; i++) {
        const sf_quantity *e = &est->q[i];
        if (sf_transfer_is_quantity(e)) {
            st = pif_transfer_expect(ctx, m, P, e, out);
            continue;
        }
        sf_quantity *x = sf_quantities_add(ctx, out, e->name, e->unit, e->pop[0], e->pop[1],
                                           e->axis, e->rows, e->cols, e->is_complex);
        if (!x) {
            st = SF_ERR_NOMEM;
            break;
        }
        if (e->axis_values)
            memcpy(x->axis_values, e->axis_values, e->rows * sizeof *x->axis_values);
        const bool diffusion = strstr(e->name, "diffusion") != NULL;
        sf_quantity_assume(x, diffusion ? "diffusion approximation" : ASSUME);
        if (!strcmp(e->name, "rate")) {
            long j = sf_quantities_find(pred, "rate", 0, -1);
            x->value[0] = j >= 0 ? pred->q[j].value[0] : NAN;
        } else if (!strncmp(e->name, "density", 7)) {
            const double *d = diffusion ? ddif : dex;
            for (size_t k = 0; k < e->rows; k++)
                x->value[k] = k < b.nb ? d[k] : NAN;
            if (!diffusion && !strcmp(e->name, "density_threshold") && b.lattice)
                sf_quantity_note(x, "exact p(theta-) = (1 - q)/L = %.5g /mV",
                                 (1 - P->nu_i / P->nu_e) / Lv);
            if (diffusion && !strcmp(e->name, "density_threshold_diffusion")) {
                double th = P->theta, p0 = NAN;
                sf_theory_pif_density_diffusion(NULL, P, &th, 1, &p0);
                sf_quantity_note(x, "diffusion p(theta) = %.3g /mV", p0);
            }
        } else {
            x->value[0] = NAN;
            sf_quantity_note(x, "no prediction");
        }
    }
    free(dex);
    if (st == SF_OK) {
        sf_quantities_note(out, "PIF with overshoot-preserving reset, Poisson input (Helias et "
                                "al. 2010); SE over neurons (independent)");
        if (!b.lattice)
            sf_quantities_note(out, "weights do not put V on a lattice: bins of L/20, exact "
                                    "density known only for excitation alone");
    }
    return st;
}

static const sf_neuron_type *const pif_covers[] = {&sf_pif_psc_delta, NULL};

const sf_theory_type sf_theory_family_pif = {
    .name = "pif",
    .doc = "perfect integrator with Poisson input: rate and membrane-potential density, exact "
           "vs diffusion (Helias et al. 2010)",
    .covers = pif_covers,
    .accepts = pif_accepts,
    .map = pif_map,
    .unmap = pif_unmap,
    .predict = pif_predict,
    .estimate = pif_estimate,
    .expect = pif_expect,
};
