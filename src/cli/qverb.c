/* The shared steps of the verbs whose results are quantity lists
 * (learning.c, ising.c; qverb.h). Every step that ends the verb frees all
 * it holds, so a verb cannot leak on one path and not another.
 */
#include "qverb.h"
#include "predict.h"

#include <stdlib.h>
#include <string.h>

int cli_qverb_begin(cli_qverb *v, const cli_opts *o, sf_context *ctx, sf_model *m)
{
    memset(v, 0, sizeof *v);
    v->ctx = ctx;
    v->m = m;
    cli_signals_catch();
    v->dir = cli_out_dir(o);
    return v->dir ? 0 : cli_qverb_end(v, 1);
}

int cli_qverb_end(cli_qverb *v, int rc)
{
    cli_outset_abort(&v->set);
    cli_signals_restore();
    free(v->dir);
    sf_quantities_destroy(v->est);
    sf_quantities_destroy(v->pred);
    sf_quantities_destroy(v->cmp);
    sf_model_destroy(v->m);
    sf_context_destroy(v->ctx);
    memset(v, 0, sizeof *v);
    return rc;
}

int cli_qverb_fail(cli_qverb *v)
{
    fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(v->ctx));
    return cli_qverb_end(v, 1);
}

int cli_qverb_predict(cli_qverb *v, const cli_opts *o, sf_status st)
{
    if (st != SF_OK)
        return cli_qverb_fail(v);
    if (o->json) {
        char *text = NULL;
        if (sf_quantities_json(v->ctx, v->pred, v->m, &text) != SF_OK)
            return cli_qverb_fail(v);
        fputs(text, stdout);
        free(text);
        return cli_qverb_end(v, 0);
    }
    char path[4200];
    int created;
    snprintf(path, sizeof path, "%s/prediction.json", v->dir);
    if (cli_mkdirs(v->dir, &created) != 0 ||
        sf_quantities_write_json(v->ctx, v->pred, v->m, path) != SF_OK) {
        fprintf(stderr, "spikefield: cannot write %s: %s\n", path, sf_context_errmsg(v->ctx));
        return cli_qverb_end(v, 1);
    }
    if (!o->quiet)
        cli_print_prediction(v->m, v->pred, stdout);
    printf("prediction: %s\n", path);
    return cli_qverb_end(v, 0);
}

int cli_qverb_finish(cli_qverb *v, const cli_opts *o, const char *file,
                     void (*print_cmp)(const sf_model *m, const sf_quantities *c),
                     void (*print_est)(const sf_quantities *q))
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", v->set.tmp, file);
    if (sf_quantities_write_json(v->ctx, v->est, v->m, path) != SF_OK)
        return cli_qverb_fail(v);
    snprintf(path, sizeof path, "%s/compare.json", v->set.tmp);
    if (v->cmp && sf_quantities_write_json(v->ctx, v->cmp, v->m, path) != SF_OK)
        return cli_qverb_fail(v);
    if (cli_outset_commit(&v->set))
        return cli_qverb_end(v, 1);
    if (v->cmp)
        print_cmp(v->m, v->cmp);
    else if (!o->quiet)
        print_est(v->est);
    printf("outputs: %s/%s%s%s%s\n", v->dir, file, v->cmp ? ", " : "", v->cmp ? v->dir : "",
           v->cmp ? "/compare.json" : "");
    return cli_qverb_end(v, v->stopped || *cli_stop_flag() ? 130 : 0);
}
