/* The verbs for learning experiments (a model file with a `learning:`
 * section, docs/learning.md): `run` trains and measures (learning.json, the
 * estimates with their standard errors over instances), `predict` the
 * theory (prediction.json), `compare` both side by side (compare.json).
 * Signals as in run.c: the instances in progress stop at the next training
 * step and are measured, what was measured is written (exit 130).
 * Built against the public headers alone.
 */
#include "cli.h"
#include "predict.h"
#include "spikefield/ising.h"
#include "spikefield/learning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void progress(void *user, int done, int total, double wall)
{
    (void)user;
    fprintf(stderr, "\r  instance %d / %d   wall %7.1f s   left %6.1f s ", done, total, wall,
            done ? wall * (total - done) / done : 0.0);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void print_estimates(const sf_quantities *q)
{
    char lab[256];
    printf("\n%-34s %14s %12s  %s\n", "quantity", "measured", "± SE", "notes");
    for (size_t i = 0; i < sf_quantities_count(q); i++) {
        cli_quantity_label(q, i, lab, sizeof lab);
        printf("%-34s %14.6g %12.3g  %s\n", lab, sf_quantity_values(q, i)[0],
               sf_quantity_se(q, i)[0], sf_quantity_notes(q, i));
    }
    cli_print_notes(q, stdout);
}

/* Trains and measures into the output set; *est for compare. */
static int learn_run(cli_opts *o, sf_context *ctx, const sf_model *m, const char *dir,
                     sf_quantities **est, cli_outset *set, bool *stopped)
{
    if (cli_outset_begin(set, dir, o->replace) != 0)
        return 1;
    sf_learning_options lo = {.stop = cli_stop_flag()};
    if (!o->quiet && isatty(STDERR_FILENO))
        lo.progress = progress;
    if (!o->quiet)
        fprintf(stderr, "spikefield: training %s (%s, %d thread%s)\n", sf_model_file(m),
                sf_learning_task(m), sf_model_threads(m), sf_model_threads(m) > 1 ? "s" : "");
    char path[4200];
    snprintf(path, sizeof path, "%s/learning.json", set->tmp);
    if (sf_learning_run(ctx, m, &lo, est, stopped) != SF_OK ||
        sf_quantities_write_json(ctx, *est, m, path) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
        return 1;
    }
    return 0;
}

int cli_learning(const char *cmd, cli_opts *o)
{
    if (strcmp(cmd, "run") && strcmp(cmd, "predict") && strcmp(cmd, "compare"))
        return -1;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    if (!ctx)
        return 1;
    if (sf_model_load(ctx, o->model, o->sets, o->n_sets, &m) == SF_OK && sf_model_is_ising(m))
        return cli_ising(cmd, o, ctx, m); /* an Ising model: ising.c */
    if (!m || !sf_model_is_learning(m)) {
        sf_model_destroy(m);
        sf_context_destroy(ctx);
        return -1; /* not ours: the verb loads it again and says what is wrong */
    }
    int rc = 1;
    bool stopped = false;
    sf_quantities *est = NULL, *pred = NULL, *cmp = NULL;
    cli_outset set = {0};
    char *dir = cli_out_dir(o), *text = NULL;
    cli_signals_catch();
    if (!dir)
        goto out;
    if (!strcmp(cmd, "predict")) {
        int created;
        char path[4200];
        snprintf(path, sizeof path, "%s/prediction.json", dir);
        if (sf_learning_predict(ctx, m, &pred) != SF_OK ||
            (o->json && sf_quantities_json(ctx, pred, m, &text) != SF_OK)) {
            fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
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
    if (!strcmp(cmd, "compare") && sf_learning_predict(ctx, m, &pred) != SF_OK) {
        fprintf(stderr, "spikefield compare: no theory for %s, nothing trained: %s\n", o->model,
                sf_context_errmsg(ctx));
        goto out;
    }
    if ((rc = learn_run(o, ctx, m, dir, &est, &set, &stopped)))
        goto out;
    if (pred) {
        char path[4200];
        snprintf(path, sizeof path, "%s/compare.json", set.tmp);
        if (sf_learning_compare(ctx, m, est, pred, &cmp) != SF_OK ||
            sf_quantities_write_json(ctx, cmp, m, path) != SF_OK) {
            fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
            rc = 1;
            goto out;
        }
    }
    if ((rc = cli_outset_commit(&set) ? 1 : 0))
        goto out;
    if (cmp)
        cli_print_comparison(m, cmp);
    else if (!o->quiet)
        print_estimates(est);
    printf("outputs: %s/learning.json%s%s%s\n", dir, cmp ? ", " : "", cmp ? dir : "",
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
