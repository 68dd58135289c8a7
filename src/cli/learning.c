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
#include "qverb.h"
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

/* Trains and measures into the output set (begun here): 0, or 1 with
 * the message printed. */
static int learn_run(const cli_opts *o, cli_qverb *v)
{
    if (cli_outset_begin(&v->set, v->dir, o->replace) != 0)
        return 1;
    sf_learning_options lo = {.stop = cli_stop_flag()};
    if (!o->quiet && isatty(STDERR_FILENO))
        lo.progress = progress;
    if (!o->quiet)
        fprintf(stderr, "spikefield: training %s (%s, %d thread%s)\n", sf_model_file(v->m),
                sf_learning_task(v->m), sf_model_threads(v->m), sf_model_threads(v->m) > 1 ? "s" : "");
    if (sf_learning_run(v->ctx, v->m, &lo, &v->est, &v->stopped) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(v->ctx));
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
    cli_qverb v;
    if (cli_qverb_begin(&v, o, ctx, m) != 0)
        return 1;
    if (!strcmp(cmd, "predict"))
        return cli_qverb_predict(&v, o, sf_learning_predict(ctx, m, &v.pred));
    if (!strcmp(cmd, "compare") && sf_learning_predict(ctx, m, &v.pred) != SF_OK) {
        fprintf(stderr, "spikefield compare: no theory for %s, nothing trained: %s\n", o->model,
                sf_context_errmsg(ctx));
        return cli_qverb_end(&v, 1);
    }
    if (learn_run(o, &v) != 0)
        return cli_qverb_end(&v, 1);
    if (v.pred && sf_learning_compare(ctx, m, v.est, v.pred, &v.cmp) != SF_OK)
        return cli_qverb_fail(&v);
    return cli_qverb_finish(&v, o, "learning.json", cli_print_comparison, print_estimates);
}
