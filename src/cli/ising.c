/* The verbs for Ising models (a model file with an `ising:` section,
 * docs/dmft.md "Ising models"): `run` measures the means and correlations
 * (ising.json: exact enumeration, or a sampler with standard errors),
 * `predict` gives nMF and TAP, forward and inverse (prediction.json, or
 * --json), `compare` both, with the errors of nMF and TAP side by side
 * (ising.json and compare.json). Signals as in run.c: sampling stops at the
 * next sweep and what was measured is written (exit 130).
 * Built against the public headers alone.
 */
#include "cli.h"
#include "predict.h"
#include "spikefield/ising.h"

#include <stdlib.h>
#include <string.h>

static void print_estimates(const sf_quantities *q)
{
    printf("\n%-6s %14s %12s\n", "spin", "m", "± SE");
    long im = sf_quantities_find(q, "m", -1, -1);
    size_t n = im < 0 ? 0 : sf_quantity_rows(q, (size_t)im);
    for (size_t i = 0; i < n && i < 20; i++)
        printf("%-6zu %14.6g %12.3g\n", i, sf_quantity_values(q, (size_t)im)[i],
               sf_quantity_se(q, (size_t)im)[i]);
    if (n > 20)
        printf("(%zu more in ising.json)\n", n - 20);
    cli_print_notes(q, stdout);
}

/* One row per quantity and theory: the errors are in each quantity's notes. */
static void print_comparison(const sf_model *m, const sf_quantities *c)
{
    printf("\nising: nMF and TAP (%s)\n", sf_model_file(m));
    printf("%-8s %-10s %8s  %s\n", "quantity", "verdict", "med |z|", "errors");
    for (size_t i = 0; i < sf_quantities_count(c); i++)
        printf("%-8s %-10s %8.2f  %s\n", sf_quantity_name(c, i), sf_quantity_verdict(c, i),
               sf_quantity_median_abs_z(c, i), sf_quantity_notes(c, i));
    cli_print_notes(c, stdout);
}

static int fail_ctx(sf_context *ctx)
{
    fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
    return 1;
}

int cli_ising(const char *cmd, cli_opts *o, sf_context *ctx, sf_model *m)
{
    int rc = 1;
    bool stopped = false;
    sf_quantities *est = NULL, *pred = NULL, *cmp = NULL;
    cli_outset set = {0};
    char *dir = cli_out_dir(o), *text = NULL, path[4200];
    cli_signals_catch();
    if (!dir)
        goto out;
    if (!strcmp(cmd, "predict")) {
        int created;
        snprintf(path, sizeof path, "%s/prediction.json", dir);
        if (sf_ising_predict(ctx, m, &pred) != SF_OK ||
            (o->json && sf_quantities_json(ctx, pred, m, &text) != SF_OK)) {
            rc = fail_ctx(ctx);
            goto out;
        }
        if (o->json) {
            fputs(text, stdout);
            rc = 0;
            goto out;
        }
        if (cli_mkdirs(dir, &created) != 0 || sf_quantities_write_json(ctx, pred, m, path) != SF_OK) {
            fprintf(stderr, "spikefield: cannot write %s: %s\n", path, sf_context_errmsg(ctx));
            goto out;
        }
        if (!o->quiet)
            cli_print_prediction(m, pred, stdout);
        printf("prediction: %s\n", path);
        rc = 0;
        goto out;
    }
    if (cli_outset_begin(&set, dir, o->replace) != 0)
        goto out;
    if (!o->quiet)
        fprintf(stderr, "spikefield: %s: %llu spins, %s\n", sf_model_file(m),
                (unsigned long long)sf_model_ising_spins(m), sf_model_ising_sampler(m));
    snprintf(path, sizeof path, "%s/ising.json", set.tmp);
    if (sf_ising_run(ctx, m, cli_stop_flag(), &est, &stopped) != SF_OK ||
        sf_quantities_write_json(ctx, est, m, path) != SF_OK) {
        rc = fail_ctx(ctx);
        goto out;
    }
    if (!strcmp(cmd, "compare")) {
        snprintf(path, sizeof path, "%s/compare.json", set.tmp);
        if (sf_ising_compare(ctx, m, est, &cmp) != SF_OK ||
            sf_quantities_write_json(ctx, cmp, m, path) != SF_OK) {
            rc = fail_ctx(ctx);
            goto out;
        }
    }
    if ((rc = cli_outset_commit(&set) ? 1 : 0))
        goto out;
    if (cmp)
        print_comparison(m, cmp);
    else if (!o->quiet)
        print_estimates(est);
    printf("outputs: %s/ising.json%s%s%s\n", dir, cmp ? ", " : "", cmp ? dir : "",
           cmp ? "/compare.json" : "");
    if (stopped || *cli_stop_flag())
        rc = 130;
out:
    cli_outset_abort(&set);
    cli_signals_restore();
    free(text);
    free(dir);
    sf_quantities_destroy(est);
    sf_quantities_destroy(pred);
    sf_quantities_destroy(cmp);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return rc;
}
