/* spikefield predict for the correlation models (binary, Hawkes, linear rate,
 * PIF): the stationary working point and the zero-lag covariances of the
 * theory in src/theory/corr_*.c, from the model file (theory_corr.h).
 *
 *   binary:  mean activities m_a, input mu_a, sigma_a; distinct-pair
 *            covariances c_ab, correlation coefficients, and the split into
 *            internal (feedback) and external parts with the fast-tracking
 *            estimate (Helias et al. 2014);
 *   hawkes:  rates r = (1 - W)^-1 nu0; count covariances per second of window
 *            (population averages and distinct pairs), correlation
 *            coefficients;
 *   lin_rate: stationary means and the equal-time covariance of the
 *            population averages (Lyapunov equation; zero delays);
 *   pif:     rate mu / L and the density just below threshold, exact
 *            ((1 - q)/L) vs diffusion approximation (0).
 * Writes prediction.json (or prints it with --json) and a table.
 */
#include "cli/predict_corr.h"

#include "spikefield/theory_corr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const sf_model *m;
    sf_theory_corr_model *cm;
    int n;
    double *a, *mu, *sigma;                 /* per population             */
    double *c, *rho, *c_int, *c_ext, *c_tr; /* [n^2]                     */
    double *C0;                             /* [n^2] population averages */
    double pif_exact, pif_diff;
    char note[512];
} corr_pred;

static const char *kind_name(sf_theory_corr_kind k)
{
    return k == SF_CORR_MODEL_BINARY   ? "binary"
           : k == SF_CORR_MODEL_HAWKES ? "hawkes"
           : k == SF_CORR_MODEL_LINEAR ? "lin_rate"
                                       : "pif";
}

static void write_json(FILE *f, void *user)
{
    const corr_pred *p = user;
    const sf_model *m = p->m;
    int n = p->n;
    json_w j;
    json_begin(&j, f);
    json_obj(&j, NULL);
    json_str(&j, "model", m->file);
    json_str(&j, "theory", kind_name(p->cm->kind));
    json_str(&j, "notes", p->note);
    json_obj(&j, "populations");
    for (int a = 0; a < n; a++) {
        json_obj(&j, m->pops[a].name);
        if (p->cm->kind == SF_CORR_MODEL_BINARY) {
            json_num(&j, "activity", p->a[a]);
            json_num(&j, "mu", p->mu[a]);
            json_num(&j, "sigma", p->sigma[a]);
        } else if (p->cm->kind == SF_CORR_MODEL_LINEAR) {
            json_num(&j, "mean", p->a[a]);
        } else {
            json_num(&j, "rate_Hz", p->a[a]);
        }
        json_end_obj(&j);
    }
    json_end_obj(&j);
    if (p->cm->kind == SF_CORR_MODEL_PIF) {
        json_num(&j, "density_below_threshold_exact_per_mV", p->pif_exact);
        json_num(&j, "density_below_threshold_diffusion_per_mV", p->pif_diff);
    } else if (p->c || p->C0) {
        json_obj(&j, "pairs");
        for (int a = 0; a < n; a++)
            for (int b = a; b < n; b++) {
                char name[256];
                size_t ab = (size_t)a * (size_t)n + (size_t)b;
                snprintf(name, sizeof name, "%s-%s", m->pops[a].name, m->pops[b].name);
                json_obj(&j, name);
                if (p->c)
                    json_num(&j, p->cm->kind == SF_CORR_MODEL_HAWKES ? "count_cov_pair_Hz" : "cov_pair",
                             p->c[ab]);
                if (p->rho)
                    json_num(&j, "corr_coef", p->rho[ab]);
                if (p->c_int) {
                    json_num(&j, "cov_internal", p->c_int[ab]);
                    json_num(&j, "cov_external", p->c_ext[ab]);
                    json_num(&j, "cov_fast_tracking", p->c_tr[ab]);
                }
                if (p->C0)
                    json_num(&j, p->cm->kind == SF_CORR_MODEL_HAWKES ? "count_cov_pop_avg_Hz"
                                                                     : "cov_pop_avg",
                             p->C0[ab]);
                json_end_obj(&j);
            }
        json_end_obj(&j);
    }
    json_end_obj(&j);
}

static void print_table(const corr_pred *p)
{
    const sf_model *m = p->m;
    int n = p->n;
    sf_theory_corr_kind k = p->cm->kind;
    printf("%s theory (docs/theory-correlations.md)\n\n%-10s %12s", kind_name(k), "population",
           k == SF_CORR_MODEL_BINARY ? "activity" : k == SF_CORR_MODEL_LINEAR ? "mean" : "rate (Hz)");
    if (k == SF_CORR_MODEL_BINARY)
        printf(" %10s %10s", "mu", "sigma");
    printf("\n");
    for (int a = 0; a < n; a++) {
        printf("%-10s %12.6g", m->pops[a].name, p->a[a]);
        if (k == SF_CORR_MODEL_BINARY)
            printf(" %10.4g %10.4g", p->mu[a], p->sigma[a]);
        printf("\n");
    }
    if (p->note[0])
        printf("\nnote: %s\n", p->note);
    if (k == SF_CORR_MODEL_PIF) {
        printf("\ndensity just below threshold: exact %.6g /mV, diffusion approximation %.3g /mV\n",
               p->pif_exact, p->pif_diff);
        return;
    }
    if (!p->c && !p->C0)
        return;
    printf("\n%-12s", "pair");
    if (p->c)
        printf(" %14s %12s", k == SF_CORR_MODEL_HAWKES ? "c_pair (Hz)" : "c_pair", "corr coef");
    if (p->c_int)
        printf(" %12s %12s %12s", "internal", "external", "fast track");
    if (p->C0)
        printf(" %14s", "pop. average");
    printf("\n");
    for (int a = 0; a < n; a++)
        for (int b = a; b < n; b++) {
            size_t ab = (size_t)a * (size_t)n + (size_t)b;
            char name[64];
            snprintf(name, sizeof name, "%s-%s", m->pops[a].name, m->pops[b].name);
            printf("%-12s", name);
            if (p->c)
                printf(" %14.5g %12.5g", p->c[ab], p->rho ? p->rho[ab] : NAN);
            if (p->c_int)
                printf(" %12.5g %12.5g %12.5g", p->c_int[ab], p->c_ext[ab], p->c_tr[ab]);
            if (p->C0)
                printf(" %14.5g", p->C0[ab]);
            printf("\n");
        }
}

int predict_corr(cli_opts *o, const sf_model *m, sf_context *ctx)
{
    sf_theory_corr_model cm;
    memset(&cm, 0, sizeof cm);
    corr_pred p = {.m = m, .cm = &cm};
    sf_theory_corr_workspace *ws = NULL;
    int rc = 1;
    if (sf_theory_corr_from_model(ctx, m, &cm) != SF_OK)
        goto fail;
    int n = p.n = cm.n_pop;
    size_t n2 = (size_t)n * (size_t)n;
    p.a = calloc((size_t)n, sizeof(double));
    p.mu = calloc((size_t)n, sizeof(double));
    p.sigma = calloc((size_t)n, sizeof(double));
    /* lag grid for delayed networks: 8192 x 0.1 ms, long against tau */
    const size_t n_time = 8192;
    const double dt = 0.1;
    ws = sf_theory_corr_workspace_create(n > 0 ? n : 1, n_time);
    if (!p.a || !p.mu || !p.sigma || !ws) {
        sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto fail;
    }
    sf_status st = SF_OK;
    if (cm.kind == SF_CORR_MODEL_BINARY) {
        p.c = calloc(n2, sizeof(double));
        p.rho = calloc(n2, sizeof(double));
        p.c_int = calloc(n2, sizeof(double));
        p.c_ext = calloc(n2, sizeof(double));
        p.c_tr = calloc(n2, sizeof(double));
        p.C0 = calloc(n2, sizeof(double));
        sf_theory_binary_point pt = {p.a, p.mu, p.sigma, NULL, 0, 0};
        st = sf_theory_binary_solve(ctx, &cm.binary, NULL, NULL, &pt);
        sf_theory_binary_cov cv = {p.c, p.C0, p.rho, p.c_int, p.c_ext, p.c_tr};
        if (st == SF_OK)
            st = sf_theory_binary_covariance(ctx, &cm.binary, p.a, ws, &cv);
        bool delayed = cm.binary.delay > 0;
        for (size_t k = 0; cm.binary.delays && k < n2; k++)
            delayed |= cm.binary.delays[k] > 0;
        if (delayed && st == SF_OK) {
            /* with delays: the equivalent input-noise linear network
             * (Grytskyy et al. 2013), its covariance function at lag 0 */
            double *W = calloc(n2, sizeof(double)), *D = calloc(n2, sizeof(double));
            double *tau = calloc((size_t)n, sizeof(double));
            double *Ct = malloc(sizeof(double) * n_time * n2);
            sf_theory_linear_net lin;
            if (!W || !D || !tau || !Ct)
                st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            if (st == SF_OK)
                st = sf_theory_binary_to_linear(ctx, &cm.binary, p.a, W, tau, D, &lin);
            if (st == SF_OK)
                st = sf_theory_linear_cov_time(ctx, &lin, SF_THEORY_NOISE_INPUT, dt, ws, Ct, NULL);
            for (int a = 0; st == SF_OK && a < n; a++)
                for (int b = 0; b < n; b++) {
                    size_t ab = (size_t)a * (size_t)n + (size_t)b;
                    double Na = cm.binary.pop[a].N, aa = p.a[a] * (1 - p.a[a]);
                    p.C0[ab] = Ct[(n_time / 2) * n2 + ab];
                    p.c[ab] = a == b ? (p.C0[ab] - aa / Na) / (1 - 1 / Na) : p.C0[ab];
                    double ab2 = aa * p.a[b] * (1 - p.a[b]);
                    p.rho[ab] = ab2 > 0 ? p.c[ab] / sqrt(ab2) : NAN;
                }
            free(W);
            free(D);
            free(tau);
            free(Ct);
            snprintf(p.note, sizeof p.note, "with the delays: pair covariances and population "
                     "averages at lag 0 from the equivalent input-noise linear network "
                     "(Grytskyy et al. 2013); the internal / external / fast-tracking split is "
                     "that of the undelayed network (Helias et al. 2014)");
        }
    } else if (cm.kind == SF_CORR_MODEL_HAWKES) {
        double rho_w;
        p.c = calloc(n2, sizeof(double));
        p.rho = calloc(n2, sizeof(double));
        p.C0 = calloc(n2, sizeof(double));
        st = sf_theory_hawkes_rates(ctx, &cm.hawkes, ws, p.a, &rho_w);
        if (st == SF_OK)
            st = sf_theory_hawkes_count_cov(ctx, &cm.hawkes, p.a, ws, p.C0, p.c, p.rho);
    } else if (cm.kind == SF_CORR_MODEL_LINEAR) {
        memcpy(p.a, cm.mean, sizeof(double) * (size_t)n);
        bool delayed = cm.linear.delay > 0;
        for (size_t k = 0; cm.linear.delays && k < n2; k++)
            delayed |= cm.linear.delays[k] > 0;
        if (delayed && cm.noise == SF_THEORY_NOISE_INPUT) {
            double *Ct = malloc(sizeof(double) * n_time * n2);
            p.C0 = calloc(n2, sizeof(double));
            if (!Ct || !p.C0)
                st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            if (st == SF_OK)
                st = sf_theory_linear_cov_time(ctx, &cm.linear, cm.noise, dt, ws, Ct, NULL);
            for (size_t k = 0; st == SF_OK && k < n2; k++)
                p.C0[k] = Ct[(n_time / 2) * n2 + k];
            free(Ct);
            snprintf(p.note, sizeof p.note, "equal-time covariance of the population averages "
                     "with the delays, from the covariance function at lag 0");
        } else if (delayed) {
            snprintf(p.note, sizeof p.note, "output noise is white: the equal-time covariance "
                     "has a delta part; spikefield compare evaluates the covariance functions "
                     "and spectra");
        } else {
            p.C0 = calloc(n2, sizeof(double));
            st = sf_theory_linear_cov_equal_time(ctx, &cm.linear, ws, p.C0);
        }
    } else {
        st = sf_theory_pif_rate(ctx, &cm.pif, &p.a[0]);
        double V = cm.pif.theta - 1e-9 * (cm.pif.theta - cm.pif.V_r);
        if (st == SF_OK)
            st = sf_theory_pif_density_exact(ctx, &cm.pif, &V, 1, &p.pif_exact);
        if (st == SF_OK)
            st = sf_theory_pif_density_diffusion(ctx, &cm.pif, &V, 1, &p.pif_diff);
    }
    if (st != SF_OK)
        goto fail;
    if (o->json) {
        write_json(stdout, &p);
    } else {
        char *dir = cli_out_dir(o), path[4200];
        int created;
        if (!dir || cli_mkdirs(dir, &created) != 0) {
            fprintf(stderr, "spikefield: cannot create output directory %s\n", dir ? dir : "");
            free(dir);
            goto out;
        }
        snprintf(path, sizeof path, "%s/prediction.json", dir);
        free(dir);
        if (cli_write_atomic(path, write_json, &p) != 0) {
            fprintf(stderr, "spikefield: cannot write %s\n", path);
            goto out;
        }
        if (!o->quiet)
            print_table(&p);
        printf("prediction: %s\n", path);
    }
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
out:
    free(p.a);
    free(p.mu);
    free(p.sigma);
    free(p.c);
    free(p.rho);
    free(p.c_int);
    free(p.c_ext);
    free(p.c_tr);
    free(p.C0);
    sf_theory_corr_workspace_destroy(ws);
    sf_theory_corr_model_free(&cm);
    return rc;
}
