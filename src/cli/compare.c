/* spikefield compare: simulate and predict the same model, side by side.
 *
 * Per population: the simulated rate and CV with their standard errors, the
 * predicted values, the difference in standard errors (z) and a verdict
 * ("agree" when |z| <= 3, else "differ"), with notes where the theory's
 * assumptions are violated (theory side: unstable fixed point, oscillatory
 * instability, large PSPs, few inputs, low rates; simulation side: strongly
 * correlated, i.e. synchronous, activity). The population-rate power spectra
 * of simulation (bins of one time step, segments of 512 ms, standard error
 * over segments) and theory are compared too. Writes compare.json and
 * compare.svg next to the simulation outputs.
 */
#include "cli/compare_corr.h"
#include "cli/predict.h"
#include "cli/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sim_result *r;
    prediction *p;
    size_t n_f;           /* spectrum frequencies (without f = 0)           */
    double *f;            /* Hz                                              */
    double *sim, *sem;    /* [a * n_f + k], Hz                               */
    bool *have_spec;      /* per population                                  */
    /* cross-spectra of population pairs a < b, [(a * n + b) * n_f + k]:
     * simulated real and imaginary parts with their standard errors */
    double *x_re, *x_re_sem, *x_im, *x_im_sem;
    bool *have_x;         /* [a * n + b]                                     */
} cmp_data;

static void cross_agreement(const cmp_data *d, int a, int b, double *med, double *frac,
                            size_t *cnt);

static double zscore(double sim, double sem, double th)
{
    return sem > 0 && isfinite(sem) ? (sim - th) / sem : NAN;
}

static const char *verdict(double z)
{
    return !isfinite(z) ? "n/a" : fabs(z) <= 3 ? "agree" : "differ";
}

/* Smallest simulated CV among the populations projecting onto a (NaN if none). */
static double source_cv(const sim_result *r, int a)
{
    double cv = NAN;
    for (int i = 0; i < r->m->n_proj; i++)
        if (r->m->proj[i].target == a) {
            double c = r->stats[r->m->proj[i].source].cv_isi;
            if (isfinite(c) && !(c >= cv))
                cv = c;
        }
    return cv;
}

static void sim_notes(const sf_pop_stats *s, double src_cv, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    if (isfinite(s->corr) && s->corr > 0.1)
        at += (size_t)snprintf(buf, len, "simulation strongly correlated (c = %.2f): synchronous state",
                               s->corr);
    if (isfinite(src_cv) && src_cv < 0.7 && at < len)
        snprintf(buf + at, len - at, "%srecurrent input spike trains far more regular than Poisson "
                 "(CV %.2f), while the diffusion theory assumes Poisson input",
                 at ? "; " : "", src_cv);
}

static void write_cmp(FILE *f, void *user)
{
    const cmp_data *d = user;
    const sf_model *m = d->r->m;
    json_w j;
    json_begin(&j, f);
    json_obj(&j, NULL);
    json_str(&j, "model", m->file);
    json_str(&j, "verdict_rule", "agree when |simulated - predicted| <= 3 standard errors");
    json_obj(&j, "populations");
    for (int a = 0; a < m->n_pops; a++) {
        const sf_pop_stats *s = &d->r->stats[a];
        char tn[512], sn[256];
        pred_notes(m, d->p, a, tn, sizeof tn);
        sim_notes(s, source_cv(d->r, a), sn, sizeof sn);
        double zr = zscore(s->rate_Hz, s->rate_sem, d->p->rates[a]);
        double zc = zscore(s->cv_isi, s->cv_sem, d->p->cv[a]);
        json_obj(&j, m->pops[a].name);
        json_obj(&j, "rate_Hz");
        json_num(&j, "simulated", s->rate_Hz);
        json_num(&j, "sem", s->rate_sem);
        json_num(&j, "predicted", d->p->rates[a]);
        json_num(&j, "z", zr);
        json_str(&j, "verdict", verdict(zr));
        json_end_obj(&j);
        json_obj(&j, "cv_isi");
        json_num(&j, "simulated", s->cv_isi);
        json_num(&j, "sem", s->cv_sem);
        json_num(&j, "predicted", d->p->cv[a]);
        json_num(&j, "z", zc);
        json_str(&j, "verdict", verdict(zc));
        json_end_obj(&j);
        json_num(&j, "mu_mV", d->p->mu[a]);
        json_num(&j, "sigma_mV", d->p->sigma[a]);
        json_str(&j, "theory_notes", tn);
        json_str(&j, "simulation_notes", sn);
        json_end_obj(&j);
    }
    json_end_obj(&j);
    json_obj(&j, "spectra");
    json_arr(&j, "freq_Hz");
    for (size_t k = 0; k < d->n_f; k++)
        json_num(&j, NULL, d->f[k]);
    json_end_arr(&j);
    for (int a = 0; a < m->n_pops; a++) {
        if (!d->have_spec[a])
            continue;
        json_obj(&j, m->pops[a].name);
        json_arr(&j, "simulated");
        for (size_t k = 0; k < d->n_f; k++)
            json_num(&j, NULL, d->sim[(size_t)a * d->n_f + k]);
        json_end_arr(&j);
        json_arr(&j, "sem");
        for (size_t k = 0; k < d->n_f; k++)
            json_num(&j, NULL, d->sem[(size_t)a * d->n_f + k]);
        json_end_arr(&j);
        json_arr(&j, "predicted");
        for (size_t k = 0; k < d->n_f; k++)
            json_num(&j, NULL, d->p->P[k * (size_t)d->p->n + (size_t)a]);
        json_end_arr(&j);
        json_end_obj(&j);
    }
    json_obj(&j, "cross");
    for (int a = 0; a < m->n_pops; a++)
        for (int b = a + 1; b < m->n_pops; b++) {
            size_t np = (size_t)m->n_pops, ab = (size_t)a * np + (size_t)b;
            if (!d->have_x || !d->have_x[ab])
                continue;
            char name[256];
            snprintf(name, sizeof name, "%s-%s", m->pops[a].name, m->pops[b].name);
            double med, frac;
            size_t cnt;
            cross_agreement(d, a, b, &med, &frac, &cnt);
            json_obj(&j, name);
            json_num(&j, "median_abs_z_below_200Hz", med);
            json_num(&j, "fraction_abs_z_above_3", frac);
            const double *rows[4] = {d->x_re, d->x_re_sem, d->x_im, d->x_im_sem};
            const char *names[4] = {"simulated_re", "sem_re", "simulated_im", "sem_im"};
            for (int q = 0; q < 4; q++) {
                json_arr(&j, names[q]);
                for (size_t k = 0; k < d->n_f; k++)
                    json_num(&j, NULL, rows[q][ab * d->n_f + k]);
                json_end_arr(&j);
            }
            for (int part = 0; part < 2; part++) {
                json_arr(&j, part ? "predicted_im" : "predicted_re");
                for (size_t k = 0; k < d->n_f; k++) {
                    double complex c = d->p->C[(k * np + (size_t)a) * np + (size_t)b];
                    json_num(&j, NULL, part ? cimag(c) : creal(c));
                }
                json_end_arr(&j);
            }
            json_end_obj(&j);
        }
    json_end_obj(&j);
    json_end_obj(&j);
    json_obj(&j, "prediction");
    pred_json(&j, m, d->p);
    json_end_obj(&j);
    json_end_obj(&j);
}

/* ---- figure: rates (left) and spectra (right), SVG ---------------------- */

static const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                               "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

static void write_svg(FILE *f, void *user)
{
    const cmp_data *d = user;
    const sf_model *m = d->r->m;
    const int W = 1000, H = 420, x0 = 60, y0 = 40, pw = 380, ph = 320, x1 = 560;
    int n = m->n_pops;
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='sans-serif' font-size='12'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
            W, H);
    /* left: rates */
    double rmax = 0;
    for (int a = 0; a < n; a++)
        rmax = fmax(rmax, fmax(d->r->stats[a].rate_Hz + fmax(d->r->stats[a].rate_sem, 0), d->p->rates[a]));
    rmax = rmax > 0 ? rmax * 1.15 : 1;
    fprintf(f, "<text x='%d' y='20' font-size='14'>Firing rates: simulation (circles, ±SE) vs "
            "theory (bars)</text>\n", x0);
    fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='black'/>\n", x0, y0, pw, ph);
    for (int t = 0; t <= 4; t++) {
        double v = rmax * t / 4;
        double y = y0 + ph - ph * v / rmax;
        fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/><text x='%d' y='%.1f' "
                "text-anchor='end'>%.3g</text>\n", x0, x0 + pw, y, y, x0 - 4, y + 4, v);
    }
    fprintf(f, "<text transform='translate(15,%d) rotate(-90)' text-anchor='middle'>rate (Hz)</text>\n",
            y0 + ph / 2);
    double slot = (double)pw / n;
    for (int a = 0; a < n; a++) {
        double cx = x0 + slot * (a + 0.5), th = d->p->rates[a];
        const sf_pop_stats *s = &d->r->stats[a];
        const char *c = colors[a % 8];
        fprintf(f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s' opacity='0.35'/>\n",
                cx - slot * 0.3, y0 + ph - ph * th / rmax, slot * 0.6, ph * th / rmax, c);
        if (isfinite(s->rate_Hz)) {
            double e = isfinite(s->rate_sem) ? s->rate_sem : 0;
            fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='black'/>\n", cx, cx,
                    y0 + ph - ph * (s->rate_Hz - e) / rmax, y0 + ph - ph * (s->rate_Hz + e) / rmax);
            fprintf(f, "<circle cx='%.1f' cy='%.1f' r='4' fill='black'/>\n", cx,
                    y0 + ph - ph * s->rate_Hz / rmax);
        }
        fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>\n", cx, y0 + ph + 16,
                m->pops[a].name);
    }
    /* right: spectra, log-log */
    double lo = INFINITY, hi = 0;
    for (int a = 0; a < n; a++)
        for (size_t k = 0; k < d->n_f; k++) {
            double th = d->p->P[k * (size_t)n + (size_t)a];
            if (th > 0) {
                lo = fmin(lo, th);
                hi = fmax(hi, th);
            }
            if (d->have_spec[a] && d->sim[(size_t)a * d->n_f + k] > 0) {
                lo = fmin(lo, d->sim[(size_t)a * d->n_f + k]);
                hi = fmax(hi, d->sim[(size_t)a * d->n_f + k]);
            }
        }
    fprintf(f, "<text x='%d' y='20' font-size='14'>Population rate spectra: simulation (solid) vs "
            "theory (dashed)</text>\n", x1);
    fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='black'/>\n", x1, y0, pw, ph);
    if (d->n_f > 1 && hi > 0 && isfinite(lo)) {
        double llo = floor(log10(lo)), lhi = ceil(log10(hi));
        if (lhi <= llo)
            lhi = llo + 1;
        double fl = log10(d->f[0]), fh = log10(d->f[d->n_f - 1]);
#define PX(fr) (x1 + pw * (log10(fr) - fl) / (fh - fl))
#define PY(v) (y0 + ph - ph * (log10(v) - llo) / (lhi - llo))
        for (double e = llo; e <= lhi; e++)
            fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>1e%.0f</text>\n", x1 - 4, PY(pow(10, e)) + 4, e);
        for (double fr = pow(10, ceil(fl)); fr <= d->f[d->n_f - 1]; fr *= 10)
            fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#ddd'/><text x='%.1f' y='%d' "
                    "text-anchor='middle'>%g</text>\n", PX(fr), PX(fr), y0, y0 + ph, PX(fr), y0 + ph + 16, fr);
        fprintf(f, "<text x='%d' y='%d' text-anchor='middle'>frequency (Hz)</text>\n", x1 + pw / 2, y0 + ph + 34);
        for (int a = 0; a < n; a++) {
            const char *c = colors[a % 8];
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 0 && !d->have_spec[a])
                    continue;
                fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%s'%s points='", c,
                        pass ? "2" : "1", pass ? " stroke-dasharray='6,3'" : " opacity='0.6'");
                for (size_t k = 0; k < d->n_f; k++) {
                    double v = pass ? d->p->P[k * (size_t)n + (size_t)a] : d->sim[(size_t)a * d->n_f + k];
                    if (v > 0)
                        fprintf(f, "%.1f,%.1f ", PX(d->f[k]), PY(v));
                }
                fprintf(f, "'/>\n");
            }
            fprintf(f, "<text x='%d' y='%d' fill='%s'>%s</text>\n", x1 + pw + 8, y0 + 14 * (a + 1), c,
                    m->pops[a].name);
        }
#undef PX
#undef PY
    }
    fprintf(f, "</svg>\n");
}

static void simulated_spectra(cmp_data *d)
{
    sim_result *r = d->r;
    const sf_model *m = r->m;
    double h = m->sim.resolution, t0 = m->sim.t_analysis, t1 = sf_recording_t_end(r->rec);
    size_t seg = (size_t)nearbyint(512.0 / h);
    seg += seg & 1;
    size_t n_out = seg / 2 + 1;
    d->n_f = n_out - 1; /* f = 0 dropped: the mean */
    d->f = calloc(d->n_f + 1, sizeof(double));
    d->sim = calloc((size_t)m->n_pops * d->n_f + 1, sizeof(double));
    d->sem = calloc((size_t)m->n_pops * d->n_f + 1, sizeof(double));
    d->have_spec = calloc((size_t)m->n_pops, sizeof(bool));
    double *out = malloc(sizeof(double) * SF_SPEC_ROWS * n_out);
    if (!d->f || !d->sim || !d->sem || !d->have_spec || !out) {
        free(out);
        d->n_f = 0;
        return;
    }
    for (size_t k = 0; k < d->n_f; k++)
        d->f[k] = (double)(k + 1) / (seg * h * 1e-3);
    for (int a = 0; a < m->n_pops; a++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t ns;
        if (!sf_recording_spikes(r->rec, a, &ids, &steps, &ns))
            continue;
        sf_spikes sp = {ids, steps, ns, m->pops[a].n, (uint32_t)a, h};
        sf_spectrum_plan *plan = NULL;
        if (sf_analysis_spectrum_plan_create(r->ctx, m->pops[a].n, seg, &plan) != SF_OK ||
            sf_analysis_spectrum(r->ctx, plan, &sp, t0, t1, h, out, NULL) != SF_OK) {
            fprintf(stderr, "spikefield compare: no simulated spectrum of %s: %s\n", m->pops[a].name,
                    sf_context_errmsg(r->ctx));
            sf_analysis_spectrum_plan_destroy(plan);
            continue;
        }
        sf_analysis_spectrum_plan_destroy(plan);
        for (size_t k = 0; k < d->n_f; k++) {
            d->sim[(size_t)a * d->n_f + k] = out[SF_SPEC_POP * n_out + k + 1];
            d->sem[(size_t)a * d->n_f + k] = out[SF_SPEC_POP_SEM * n_out + k + 1];
        }
        d->have_spec[a] = true;
    }
    free(out);
    /* cross-spectra between populations, on the same segments and bins */
    size_t np = (size_t)m->n_pops, L = seg;
    d->x_re = calloc(np * np * d->n_f + 1, sizeof(double));
    d->x_re_sem = calloc(np * np * d->n_f + 1, sizeof(double));
    d->x_im = calloc(np * np * d->n_f + 1, sizeof(double));
    d->x_im_sem = calloc(np * np * d->n_f + 1, sizeof(double));
    d->have_x = calloc(np * np, sizeof(bool));
    double *xo = malloc(sizeof(double) * SF_XSPEC_ROWS * (L + 1));
    sf_xspectrum_plan *xp = NULL;
    if (!d->x_re || !d->x_re_sem || !d->x_im || !d->x_im_sem || !d->have_x || !xo ||
        sf_analysis_xspectrum_plan_create(r->ctx, L, 0, &xp) != SF_OK) {
        free(xo);
        return;
    }
    for (int a = 0; a < m->n_pops; a++)
        for (int b = a + 1; b < m->n_pops; b++) {
            const uint32_t *ia, *ib;
            const int64_t *sa, *sb;
            size_t na, nb;
            if (!sf_recording_spikes(r->rec, a, &ia, &sa, &na) ||
                !sf_recording_spikes(r->rec, b, &ib, &sb, &nb))
                continue;
            sf_spikes A = {ia, sa, na, m->pops[a].n, (uint32_t)a, h};
            sf_spikes B = {ib, sb, nb, m->pops[b].n, (uint32_t)b, h};
            if (sf_analysis_xspectrum(r->ctx, xp, &A, &B, t0, t1, h, xo, NULL) != SF_OK)
                continue;
            size_t ab = (size_t)a * np + (size_t)b;
            for (size_t k = 0; k < d->n_f; k++) { /* f_k = (k+1)/(L h): index L/2 + k + 1 */
                size_t j = L / 2 + k + 1;
                d->x_re[ab * d->n_f + k] = xo[SF_XSPEC_RE * (L + 1) + j];
                d->x_re_sem[ab * d->n_f + k] = xo[SF_XSPEC_RE_SEM * (L + 1) + j];
                d->x_im[ab * d->n_f + k] = xo[SF_XSPEC_IM * (L + 1) + j];
                d->x_im_sem[ab * d->n_f + k] = xo[SF_XSPEC_IM_SEM * (L + 1) + j];
            }
            d->have_x[ab] = true;
        }
    sf_analysis_xspectrum_plan_destroy(xp);
    free(xo);
}

/* Agreement of a simulated cross-spectrum with the theory over f <= 200 Hz:
 * median |z| of the real and imaginary parts (about 0.67 when they agree)
 * and the fraction with |z| > 3. */
static void cross_agreement(const cmp_data *d, int a, int b, double *med, double *frac, size_t *cnt)
{
    size_t np = (size_t)d->r->m->n_pops, ab = (size_t)a * np + (size_t)b, n = 0, big = 0;
    double *z = malloc(sizeof(double) * 2 * d->n_f + 1);
    *med = *frac = NAN;
    *cnt = 0;
    if (!z)
        return;
    for (size_t k = 0; k < d->n_f && d->f[k] <= 200.0; k++) {
        double complex c = d->p->C[(k * np + (size_t)a) * np + (size_t)b];
        double zr = zscore(d->x_re[ab * d->n_f + k], d->x_re_sem[ab * d->n_f + k], creal(c));
        double zi = zscore(d->x_im[ab * d->n_f + k], d->x_im_sem[ab * d->n_f + k], cimag(c));
        if (isfinite(zr))
            z[n++] = fabs(zr);
        if (isfinite(zi))
            z[n++] = fabs(zi);
    }
    for (size_t i = 0; i < n; i++)
        big += z[i] > 3;
    /* median by partial selection sort (n is a few hundred) */
    for (size_t i = 0; i <= n / 2 && i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (z[j] < z[i]) {
                double t = z[i];
                z[i] = z[j];
                z[j] = t;
            }
    if (n) {
        *med = z[n / 2];
        *frac = (double)big / (double)n;
        *cnt = n;
    }
    free(z);
}

int cmd_compare(cli_opts *o)
{
    sim_result r;
    prediction p;
    cmp_data d = {&r, &p, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    memset(&p, 0, sizeof p);
    int rc = sim_execute(o, &r);
    if (rc == 0)
        rc = sim_write_summary(&r);
    if (rc)
        goto out;
    if (compare_corr_applies(r.m)) { /* binary, Hawkes, rate, PIF models */
        rc = compare_corr(o, &r);
        goto out;
    }
    simulated_spectra(&d);
    if (pred_compute(r.ctx, r.m, d.f, d.n_f, &p) != 0) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r.ctx));
        rc = 1;
        goto out;
    }
    char path[4200], svg[4200];
    snprintf(path, sizeof path, "%s/compare.json", r.out_dir);
    snprintf(svg, sizeof svg, "%s/compare.svg", r.out_dir);
    if (cli_write_atomic(path, write_cmp, &d) != 0 || cli_write_atomic(svg, write_svg, &d) != 0) {
        fprintf(stderr, "spikefield: cannot write %s\n", path);
        rc = 1;
        goto out;
    }
    const sf_model *m = r.m;
    printf("\n%-10s %-8s %10s %9s %10s %7s %8s  %-7s %s\n", "population", "quantity", "simulated",
           "± SE", "predicted", "z", "rel.diff", "verdict", "notes");
    for (int a = 0; a < m->n_pops; a++) {
        const sf_pop_stats *s = &r.stats[a];
        char tn[512], sn[256], both[800];
        pred_notes(m, &p, a, tn, sizeof tn);
        sim_notes(s, source_cv(&r, a), sn, sizeof sn);
        snprintf(both, sizeof both, "%s%s%s", tn, tn[0] && sn[0] ? "; " : "", sn);
        double zr = zscore(s->rate_Hz, s->rate_sem, p.rates[a]);
        double zc = zscore(s->cv_isi, s->cv_sem, p.cv[a]);
        printf("%-10s %-8s %10.4f %9.4f %10.4f %7.2f %7.1f%%  %-7s %s\n", m->pops[a].name, "rate Hz",
               s->rate_Hz, s->rate_sem, p.rates[a], zr, 100 * (s->rate_Hz - p.rates[a]) / p.rates[a],
               verdict(zr), both);
        printf("%-10s %-8s %10.4f %9.4f %10.4f %7.2f %7.1f%%  %-7s\n", "", "CV ISI", s->cv_isi, s->cv_sem,
               p.cv[a], zc, 100 * (s->cv_isi - p.cv[a]) / p.cv[a], verdict(zc));
    }
    for (int a = 0; a < m->n_pops; a++)
        for (int b = a + 1; b < m->n_pops; b++) {
            if (!d.have_x || !d.have_x[(size_t)a * (size_t)m->n_pops + (size_t)b])
                continue;
            double med, frac;
            size_t cnt;
            cross_agreement(&d, a, b, &med, &frac, &cnt);
            printf("cross-spectrum %s-%s (f <= 200 Hz, %zu values): median |z| %.2f "
                   "(about 0.67 if it agrees), %.1f%% with |z| > 3\n",
                   m->pops[a].name, m->pops[b].name, cnt, med, 100 * frac);
        }
    printf("\nverdict: agree when |simulated - predicted| <= 3 standard errors (z)\n");
    printf("outputs: %s/spikes.h5, %s/summary.json, %s, %s\n", r.out_dir, r.out_dir, path, svg);
    if (sf_recording_interrupted(r.rec))
        rc = 130;
out:
    pred_free(&p);
    free(d.f);
    free(d.sim);
    free(d.sem);
    free(d.have_spec);
    free(d.x_re);
    free(d.x_re_sem);
    free(d.x_im);
    free(d.x_im_sem);
    free(d.have_x);
    sim_free(&r);
    return rc;
}
