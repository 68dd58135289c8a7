/* spikefield compare: simulate a model and compare the simulation with its
 * theory, from sf_compare.
 *
 * Runs the simulation (sim.h), calls sf_compare and prints the comparison
 * generically: a row per scalar (simulated, SE, predicted, z, relative
 * difference, verdict, notes), a row per value of short vectors, and one
 * summary line (median |z|, fraction beyond 3) per long vector. Writes
 * compare.json (the comparison list, docs/predict-compare.md), then the
 * figures of the folder through the Python package, as `spikefield plot`
 * does (plot.c; docs/figures.md). The figures are not the result: without
 * Python or matplotlib a one-line note says so and the command succeeds.
 */
#include "predict.h"
#include "sim.h"
#include "spikefield/predict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SHORT_VECTOR 8  /* vectors up to this length get a row per value */

static const char *axis_unit(sf_axis a)
{
    return a == SF_AXIS_FREQUENCY ? "Hz" : a == SF_AXIS_LAG ? "ms" : a == SF_AXIS_POTENTIAL ? "mV" : "";
}

static const char *axis_symbol(sf_axis a)
{
    return a == SF_AXIS_FREQUENCY ? "f" : a == SF_AXIS_LAG ? "lag" : a == SF_AXIS_POTENTIAL ? "V" : "";
}

/* v in printf format fmt, or "—" where it is not a number (the notes say
 * why): the table never shows nan. */
static const char *fmt_num(char *buf, size_t len, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, len, fmt, v);
    else
        snprintf(buf, len, "%s", "—");
    return buf;
}

static void row(const char *pops, const char *label, double sim, double se, double pred, double z,
                const char *verdict, const char *notes)
{
    char b[5][32];
    double rel = pred != 0 ? 100 * (sim - pred) / pred : NAN;
    /* "—" is 3 bytes, 1 column: pad by hand */
    const char *f[5] = {fmt_num(b[0], 32, "%.6g", sim), fmt_num(b[1], 32, "%.3g", se),
                        fmt_num(b[2], 32, "%.6g", pred), fmt_num(b[3], 32, "%.2f", z),
                        fmt_num(b[4], 32, "%.1f%%", rel)};
    const int w[5] = {12, 10, 12, 7, 8};
    printf("%-10s %-26s", pops, label);
    for (int k = 0; k < 5; k++)
        printf(" %*s", w[k] + (strcmp(f[k], "—") ? 0 : 2), f[k]);
    printf("  %-28s %s\n", verdict, notes);
}

void cli_print_comparison(const sf_model *m, const sf_quantities *c)
{
    printf("\n%s theory vs simulation (%s)\n", sf_quantities_family(c), sf_model_file(m));
    printf("%-10s %-26s %12s %11s %12s %7s %8s  %-28s %s\n", "population", "quantity", "simulated",
           "± SE", "predicted", "z", "rel.diff", "verdict", "notes");
    char pops[256], last[256] = "\x01", lab[256], vl[300];
    size_t n = sf_quantities_count(c);
    for (size_t i = 0; i < n; i++) {
        size_t nv = sf_quantity_rows(c, i) * sf_quantity_cols(c, i);
        if (nv > SHORT_VECTOR)
            continue;
        cli_pops_label(m, c, i, pops, sizeof pops);
        cli_quantity_label(c, i, lab, sizeof lab);
        const char *shown = strcmp(pops, last) ? pops : "";
        snprintf(last, sizeof last, "%s", pops);
        const double *v = sf_quantity_values(c, i), *se = sf_quantity_se(c, i),
                     *p = sf_quantity_predicted(c, i), *z = sf_quantity_z(c, i),
                     *ax = sf_quantity_axis_values(c, i);
        if (cli_is_scalar(c, i)) {
            row(shown, lab, v[0], se[0], p[0], z[0], sf_quantity_verdict(c, i), sf_quantity_notes(c, i));
            continue;
        }
        int parts = sf_quantity_is_complex(c, i) ? 2 : 1;
        for (size_t k = 0; k < nv; k++)
            for (int part = 0; part < parts; part++) {
                size_t j = k * (size_t)parts + (size_t)part;
                const char *pre = parts == 2 ? (part ? "Im " : "Re ") : "";
                if (ax)
                    snprintf(vl, sizeof vl, "%s%s(%g %s)", pre, sf_quantity_name(c, i), ax[k / sf_quantity_cols(c, i)],
                             axis_unit(sf_quantity_axis(c, i)));
                else
                    snprintf(vl, sizeof vl, "%s%s[%zu]", pre, sf_quantity_name(c, i), k);
                const char *verdict = !isfinite(z[j]) ? "n/a" : fabs(z[j]) <= 3 ? "agree" : "differ";
                if (parts == 1 && nv == 1)
                    verdict = sf_quantity_verdict(c, i);
                row(shown, vl, v[j], se[j], p[j], z[j], verdict, k || part ? "" : sf_quantity_notes(c, i));
                shown = "";
            }
    }
    for (size_t i = 0; i < n; i++) {
        if (sf_quantity_rows(c, i) * sf_quantity_cols(c, i) <= SHORT_VECTOR)
            continue;
        cli_pops_label(m, c, i, pops, sizeof pops);
        sf_axis a = sf_quantity_axis(c, i);
        double hi = sf_quantity_band_hi(c, i);
        char band[64] = "";
        if (isfinite(hi))
            snprintf(band, sizeof band, "%s <= %g %s, ", axis_symbol(a), hi, axis_unit(a));
        char mz[32], fr[32];
        fmt_num(mz, sizeof mz, "%.2f", sf_quantity_median_abs_z(c, i));
        fmt_num(fr, sizeof fr, "%.1f%%", 100 * sf_quantity_fraction_beyond_3(c, i));
        printf("%s %s (%s%zu values): median |z| %s (about 0.67 if it agrees), %s with |z| > 3: "
               "%s%s%s\n",
               sf_quantity_name(c, i), pops, band, sf_quantity_z_count(c, i), mz, fr,
               sf_quantity_verdict(c, i), sf_quantity_notes(c, i)[0] ? "; " : "",
               sf_quantity_notes(c, i));
    }
    cli_print_notes(c, stdout);
    printf("\nverdict: agree when |simulated - predicted| <= 3 standard errors (z); a vector when "
           "its median |z| <= 1.5 and at most 5%% of its values have |z| > 3; agree within theory "
           "accuracy when not, but the relative difference is within the accuracy the theory "
           "states for this regime (its source in the notes); else differ; n/a: no standard "
           "error (the notes say why); —: no number\n");
}

/* The theory's prediction of the model file, before anything is simulated:
 * a model no theory family describes (or one whose theory fails, e.g. no
 * fixed point) is refused here, with the family's reasons, instead of after
 * the simulation. NULL after printing the reason. */
static sf_quantities *predict_first(const cli_opts *o)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_quantities *p = NULL;
    if (!ctx)
        return NULL;
    if (sf_model_load(ctx, o->model, o->sets, o->n_sets, &m) != SF_OK)
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
    else if (sf_predict(ctx, m, NULL, &p) != SF_OK)
        fprintf(stderr, "spikefield compare: no theory for %s, nothing simulated: %s\n", o->model,
                sf_context_errmsg(ctx));
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return p;
}

int cmd_compare(cli_opts *o)
{
    sim_result r;
    sf_quantities *c = NULL, *pred = predict_first(o);
    if (!pred)
        return 1;
    int rc = sim_execute(o, &r);
    if (rc == 0)
        rc = sim_write_summary(&r);
    if (rc)
        goto out;
    char path[4200];
    snprintf(path, sizeof path, "%s/compare.json", r.write_dir);
    if (sf_compare(r.ctx, r.m, r.rec, pred, &c) != SF_OK ||
        sf_quantities_write_json(r.ctx, c, r.m, path) != SF_OK) {
        cli_outset_error(&r.set, sf_context_errmsg(r.ctx));
        rc = 1;
        goto out;
    }
    cli_print_comparison(r.m, c);
    /* the figures belong to the set: drawn before it is moved into place */
    int prc = cli_plot_folder(r.write_dir, NULL, 1, 1);
    if ((rc = sim_commit(&r)))
        goto out;
    if (r.net)
        printf("outputs: %s/spikes.h5, %s/summary.json, %s/compare.json\n", r.out_dir, r.out_dir,
               r.out_dir);
    else /* a field model */
        printf("outputs: %s/field.h5, %s/compare.json\n", r.out_dir, r.out_dir);
    const char *why = cli_plot_missing(prc);
    if (prc && why)
        printf("note: no figures: %s; compare.json holds the comparison\n", why);
    else if (prc)
        printf("note: the figures failed (above); compare.json holds the comparison\n");
    else
        printf("figures (png, pdf) in %s/figures/\n", r.out_dir);
    rc = sim_exit_status(&r);
out:
    sf_quantities_destroy(c);
    sf_quantities_destroy(pred);
    sim_free(&r);
    return rc;
}
