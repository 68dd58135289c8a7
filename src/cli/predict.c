/* spikefield predict: the LIF mean-field theory of a model file.
 *
 * Prints per population the working point (mu, sigma), the self-consistent
 * rate and the CV of the ISI, whether the fixed point is stable, and writes
 * prediction.json (or prints it with --json): populations.<name>.{rate_Hz,
 * mu_mV, sigma_mV, cv_isi}, fixed_point, linear_stability and, with --freq or
 * --freq-range, spectra.{freq_Hz, power.<name>} and transfer.<name>.
 */
#include "cli/predict.h"

#include "cli/compare_corr.h"
#include "cli/predict_corr.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pred_free(prediction *p)
{
    sf_theory_model_free(&p->tm);
    free(p->rates);
    free(p->mu);
    free(p->sigma);
    free(p->cv);
    free(p->eig);
    free(p->freq);
    free(p->P);
    free(p->H);
    free(p->C);
    free(p->scan_freq);
    free(p->scan_H);
    memset(p, 0, sizeof *p);
}

/* Parses "f1,f2,..." or "a:b:n" (n points from a to b inclusive). */
static int parse_freqs(const char *list, const char *range, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (range) {
        double a, b;
        long k;
        char tail;
        if (sscanf(range, "%lf:%lf:%ld%c", &a, &b, &k, &tail) != 3 || k < 1 || k > 10000000 ||
            !(a >= 0) || !(b >= a) || !isfinite(b))
            return -1;
        *out = malloc(sizeof(double) * (size_t)k);
        if (!*out)
            return -1;
        for (long i = 0; i < k; i++)
            (*out)[i] = k == 1 ? a : a + (b - a) * (double)i / (double)(k - 1);
        *n = (size_t)k;
        return 0;
    }
    size_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    *out = malloc(sizeof(double) * cap);
    if (!*out)
        return -1;
    const char *s = list;
    while (*s) {
        char *end;
        errno = 0;
        double f = strtod(s, &end);
        if (end == s || errno || !(f >= 0) || !isfinite(f) || (*end && *end != ',')) {
            free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[(*n)++] = f;
        s = *end ? end + 1 : end;
    }
    return *n ? 0 : -1;
}

int pred_compute(sf_context *ctx, const sf_model *m, const double *freq, size_t n_freq,
                 prediction *p)
{
    memset(p, 0, sizeof *p);
    double t0 = sf_wall_time();
    if (sf_theory_from_model(ctx, m, &p->tm) != SF_OK)
        return 1;
    const sf_theory_network *net = &p->tm.net;
    int n = net->n_pop;
    p->n = n;
    p->rates = calloc((size_t)n, sizeof(double));
    p->mu = calloc((size_t)n, sizeof(double));
    p->sigma = calloc((size_t)n, sizeof(double));
    p->cv = calloc((size_t)n, sizeof(double));
    p->eig = calloc((size_t)n, sizeof(double complex));
    if (!p->rates || !p->mu || !p->sigma || !p->cv || !p->eig)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory"), 1;
    p->fp = (sf_theory_fixed_point){.rates = p->rates, .mu = p->mu, .sigma = p->sigma, .eig = p->eig};
    if (sf_theory_rates_solve(ctx, net, NULL, NULL, &p->fp) != SF_OK)
        return 1;
    sf_theory_workspace *ws = sf_theory_workspace_create(n);
    if (!ws)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory"), 1;
    int rc = 1;
    if (sf_theory_network_cv(ctx, net, p->rates, ws, p->cv) != SF_OK)
        goto out;
    /* linear stability with delays: a grid from 0 to 1 kHz in 0.5 Hz steps */
    p->n_scan = 2001;
    p->scan_freq = malloc(sizeof(double) * p->n_scan);
    p->scan_H = malloc(sizeof(double complex) * p->n_scan * (size_t)n);
    if (!p->scan_freq || !p->scan_H) {
        sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < p->n_scan; k++)
        p->scan_freq[k] = 0.5 * (double)k;
    if (sf_theory_network_transfer(ctx, net, p->mu, p->sigma, p->scan_freq, p->n_scan, ws,
                                   p->scan_H) != SF_OK ||
        sf_theory_linear_stability_scan(ctx, net, p->scan_H, p->scan_freq, p->n_scan, ws,
                                        &p->lin) != SF_OK)
        goto out;
    if (n_freq) {
        p->n_freq = n_freq;
        p->freq = malloc(sizeof(double) * n_freq);
        p->P = malloc(sizeof(double) * n_freq * (size_t)n);
        p->H = malloc(sizeof(double complex) * n_freq * (size_t)n);
        p->C = malloc(sizeof(double complex) * n_freq * (size_t)n * (size_t)n);
        if (!p->freq || !p->P || !p->H || !p->C) {
            sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            goto out;
        }
        memcpy(p->freq, freq, sizeof(double) * n_freq);
        if (sf_theory_network_transfer(ctx, net, p->mu, p->sigma, freq, n_freq, ws,
                                       p->H) != SF_OK ||
            sf_theory_power_spectra(ctx, net, p->rates, p->H, freq, n_freq, ws, p->P) != SF_OK ||
            sf_theory_cross_spectra(ctx, net, p->rates, p->H, freq, n_freq, ws, p->C) != SF_OK)
            goto out;
    }
    rc = 0;
out:
    sf_theory_workspace_destroy(ws);
    p->seconds = sf_wall_time() - t0;
    return rc;
}

/* Conditions under which the diffusion-approximation theory is not expected
 * to hold; each adds a note. */
void pred_notes(const sf_model *m, const prediction *p, int pop, char *buf, size_t len)
{
    buf[0] = '\0';
    const sf_theory_network *net = &p->tm.net;
    int n = net->n_pop;
    const sf_theory_pop *tp = &net->pop[pop];
    double L = tp->V_th - tp->V_reset, jmax = 0, inputs = 0;
    for (int b = 0; b < n; b++) {
        double J = fabs(net->J[pop * n + b]);
        if (net->K[pop * n + b] > 0)
            jmax = fmax(jmax, J);
        inputs += net->K[pop * n + b] * p->rates[b];
    }
    inputs += p->tm.ext_events[pop];
    size_t at = 0;
#define NOTE(...) at += (size_t)snprintf(buf + at, at < len ? len - at : 0, __VA_ARGS__)
    if (!p->fp.stable)
        NOTE("%sfixed point unstable", at ? "; " : "");
    if (p->lin.n_unstable > 0)
        NOTE("%soscillatory instability near %.0f Hz: synchronous state expected", at ? "; " : "",
             p->lin.f_critical);
    if (jmax > 0.1 * L)
        NOTE("%sPSPs up to %.2g mV are large against V_th - V_reset = %.3g mV", at ? "; " : "", jmax, L);
    if (inputs * tp->tau_m * 1e-3 < 20)
        NOTE("%sfew inputs per membrane time constant (%.0f)", at ? "; " : "",
             inputs * tp->tau_m * 1e-3);
    if (p->rates[pop] < 1.0)
        NOTE("%slow rate: fluctuation-driven tail, sensitive to the diffusion approximation",
             at ? "; " : "");
#undef NOTE
    (void)m;
}

void pred_json(json_w *j, const sf_model *m, const prediction *p)
{
    json_obj(j, "populations");
    for (int a = 0; a < p->n; a++) {
        char notes[512];
        pred_notes(m, p, a, notes, sizeof notes);
        json_obj(j, m->pops[a].name);
        json_num(j, "rate_Hz", p->rates[a]);
        json_num(j, "mu_mV", p->mu[a]);
        json_num(j, "sigma_mV", p->sigma[a]);
        json_num(j, "cv_isi", p->cv[a]);
        json_str(j, "notes", notes);
        json_end_obj(j);
    }
    json_end_obj(j);
    json_obj(j, "fixed_point");
    json_bool(j, "stable", p->fp.stable);
    json_num(j, "max_real_eigenvalue", p->fp.max_real_eig);
    json_int(j, "iterations", p->fp.iterations);
    json_num(j, "residual_Hz", p->fp.residual);
    json_end_obj(j);
    json_obj(j, "linear_stability");
    json_int(j, "unstable_modes", p->lin.n_unstable);
    json_num(j, "critical_frequency_Hz", p->lin.f_critical);
    json_num(j, "critical_eigenvalue_re", creal(p->lin.eig_critical));
    json_num(j, "critical_eigenvalue_im", cimag(p->lin.eig_critical));
    json_num(j, "min_distance_to_1", p->lin.min_distance);
    json_end_obj(j);
    if (p->n_freq) {
        json_obj(j, "spectra");
        json_arr(j, "freq_Hz");
        for (size_t k = 0; k < p->n_freq; k++)
            json_num(j, NULL, p->freq[k]);
        json_end_arr(j);
        json_obj(j, "power");
        for (int a = 0; a < p->n; a++) {
            json_arr(j, m->pops[a].name);
            for (size_t k = 0; k < p->n_freq; k++)
                json_num(j, NULL, p->P[k * (size_t)p->n + (size_t)a]);
            json_end_arr(j);
        }
        json_end_obj(j);
        json_obj(j, "cross");
        for (int a = 0; a < p->n; a++)
            for (int b = a + 1; b < p->n; b++) {
                char name[256];
                snprintf(name, sizeof name, "%s-%s", m->pops[a].name, m->pops[b].name);
                json_obj(j, name);
                for (int part = 0; part < 2; part++) {
                    json_arr(j, part ? "im" : "re");
                    for (size_t k = 0; k < p->n_freq; k++) {
                        double complex c = p->C[(k * (size_t)p->n + (size_t)a) * (size_t)p->n + (size_t)b];
                        json_num(j, NULL, part ? cimag(c) : creal(c));
                    }
                    json_end_arr(j);
                }
                json_end_obj(j);
            }
        json_end_obj(j);
        json_end_obj(j);
        json_obj(j, "transfer");
        for (int a = 0; a < p->n; a++) {
            json_obj(j, m->pops[a].name);
            json_arr(j, "re");
            for (size_t k = 0; k < p->n_freq; k++)
                json_num(j, NULL, creal(p->H[k * (size_t)p->n + (size_t)a]));
            json_end_arr(j);
            json_arr(j, "im");
            for (size_t k = 0; k < p->n_freq; k++)
                json_num(j, NULL, cimag(p->H[k * (size_t)p->n + (size_t)a]));
            json_end_arr(j);
            json_end_obj(j);
        }
        json_end_obj(j);
    }
    json_num(j, "seconds", p->seconds);
}

typedef struct {
    const sf_model *m;
    const prediction *p;
} pred_doc;

static void write_pred(FILE *f, void *user)
{
    const pred_doc *d = user;
    json_w j;
    json_begin(&j, f);
    json_obj(&j, NULL);
    json_str(&j, "model", d->m->file);
    json_str(&j, "units", "rates Hz, potentials mV, transfer Hz/mV, power spectra Hz");
    pred_json(&j, d->m, d->p);
    json_end_obj(&j);
}

static void print_table(const sf_model *m, const prediction *p, FILE *f)
{
    fprintf(f, "%-12s %9s %10s %10s %8s  %s\n", "population", "mu (mV)", "sigma (mV)", "rate (Hz)",
            "CV ISI", "notes");
    for (int a = 0; a < p->n; a++) {
        char notes[512];
        pred_notes(m, p, a, notes, sizeof notes);
        fprintf(f, "%-12s %9.3f %10.3f %10.4f %8.3f  %s\n", m->pops[a].name, p->mu[a], p->sigma[a],
                p->rates[a], p->cv[a], notes);
    }
    fprintf(f, "\nfixed point: %s (largest real part of the eigenvalues of dPhi/dnu - 1: %.3g), "
            "%d iterations, residual %.2g Hz\n",
            p->fp.stable ? "stable" : "UNSTABLE", p->fp.max_real_eig, p->fp.iterations, p->fp.residual);
    fprintf(f, "linear stability with delays: %s; eigenvalue of M closest to 1 at %.1f Hz "
            "(distance %.3g)\n",
            p->lin.n_unstable ? "UNSTABLE" : "stable", p->lin.f_critical, p->lin.min_distance);
}

int pred_freqs_from_opts(const cli_opts *o, double **freq, size_t *n)
{
    *freq = NULL;
    *n = 0;
    if (o->freq && o->freq_range) {
        fprintf(stderr, "spikefield predict: give --freq or --freq-range, not both\n");
        return 2;
    }
    if ((o->freq || o->freq_range) && parse_freqs(o->freq, o->freq_range, freq, n) != 0) {
        fprintf(stderr, "spikefield predict: %s %s: expected %s\n", o->freq ? "--freq" : "--freq-range",
                o->freq ? o->freq : o->freq_range,
                o->freq ? "comma-separated frequencies >= 0 Hz, e.g. 10,50,100"
                        : "a:b:n with 0 <= a <= b and n >= 1, e.g. 1:500:500");
        return 2;
    }
    return 0;
}

int cmd_predict(cli_opts *o)
{
    double *freq;
    size_t nf;
    int rc = pred_freqs_from_opts(o, &freq, &nf);
    if (rc)
        return rc;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    prediction p;
    memset(&p, 0, sizeof p);
    rc = 1;
    if (!ctx)
        goto out;
    if (sf_model_load(ctx, o->model, o->sets, o->n_sets, &m) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
        goto out;
    }
    if (compare_corr_applies(m)) { /* binary, Hawkes, rate, PIF */
        rc = predict_corr(o, m, ctx);
        goto out;
    }
    if (pred_compute(ctx, m, freq, nf, &p) != 0) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
        goto out;
    }
    pred_doc d = {m, &p};
    if (o->json) {
        write_pred(stdout, &d);
        rc = 0;
        goto out;
    }
    char *dir = cli_out_dir(o);
    int created;
    if (!dir || cli_mkdirs(dir, &created) != 0) {
        fprintf(stderr, "spikefield: cannot create output directory %s\n", dir ? dir : "");
        free(dir);
        goto out;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/prediction.json", dir);
    free(dir);
    if (cli_write_atomic(path, write_pred, &d) != 0) {
        fprintf(stderr, "spikefield: cannot write %s\n", path);
        goto out;
    }
    if (!o->quiet)
        print_table(m, &p, stdout);
    printf("prediction: %s (%.3f s)\n", path, p.seconds);
    rc = 0;
out:
    pred_free(&p);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    free(freq);
    return rc;
}
