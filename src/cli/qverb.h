/* The verbs whose results are quantity lists (learning.c, ising.c): one
 * piece of code for what they share around their own library calls (the
 * output folder, the prediction, the output set, the printed lines, the
 * exit status, the freeing). Built against the public headers alone.
 *
 * A verb owns everything in its cli_qverb from cli_qverb_begin on; every
 * path ends in exactly one of cli_qverb_end, _fail, _predict or _finish,
 * which free it all and give the exit status.
 */
#ifndef SF_CLI_QVERB_H
#define SF_CLI_QVERB_H

#include "cli.h"
#include "spikefield/compare.h"

#include <stdbool.h>

typedef struct {
    sf_context *ctx;
    sf_model *m;
    sf_quantities *est, *pred, *cmp; /* measured, predicted, compared     */
    cli_outset set;
    char *dir;                       /* the output folder (cli_out_dir)   */
    bool stopped;                    /* the run stopped on a signal       */
} cli_qverb;

/* Takes ctx and m, catches the signals (run.c), finds the output folder:
 * 0, or 1 with everything freed. */
int cli_qverb_begin(cli_qverb *v, const cli_opts *o, sf_context *ctx, sf_model *m);
/* Frees what v holds, restores the signals; returns rc. */
int cli_qverb_end(cli_qverb *v, int rc);
/* Prints the library's message ("spikefield: ..."); ends v with 1. */
int cli_qverb_fail(cli_qverb *v);
/* `predict` after the library call that made v->pred (status st): the
 * prediction as JSON on stdout (--json), or prediction.json in the output
 * folder and printed; ends v with its exit status. */
int cli_qverb_predict(cli_qverb *v, const cli_opts *o, sf_status st);
/* The end of `run` and `compare` (v->set begun, v->est measured, v->cmp
 * made or NULL): writes est into the set as file and cmp as compare.json,
 * moves the set into place, prints cmp (print_cmp) or, unless quiet, est
 * (print_est), and the outputs line; ends v: 0, 130 when a signal stopped
 * the run, 1 on failure (the set then removed). */
int cli_qverb_finish(cli_qverb *v, const cli_opts *o, const char *file,
                     void (*print_cmp)(const sf_model *m, const sf_quantities *c),
                     void (*print_est)(const sf_quantities *q));

#endif
