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
#include "qverb.h"
#include "spikefield/ising.h"

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

int cli_ising(const char *cmd, cli_opts *o, sf_context *ctx, sf_model *m)
{
    cli_qverb v;
    if (cli_qverb_begin(&v, o, ctx, m) != 0)
        return 1;
    if (!strcmp(cmd, "predict"))
        return cli_qverb_predict(&v, o, sf_ising_predict(ctx, m, &v.pred));
    if (cli_outset_begin(&v.set, v.dir, o->replace) != 0)
        return cli_qverb_end(&v, 1);
    if (!o->quiet)
        fprintf(stderr, "spikefield: %s: %llu spins, %s\n", sf_model_file(m),
                (unsigned long long)sf_model_ising_spins(m), sf_model_ising_sampler(m));
    if (sf_ising_run(ctx, m, cli_stop_flag(), &v.est, &v.stopped) != SF_OK ||
        (!strcmp(cmd, "compare") && sf_ising_compare(ctx, m, v.est, &v.cmp) != SF_OK))
        return cli_qverb_fail(&v);
    return cli_qverb_finish(&v, o, "ising.json", print_comparison, print_estimates);
}
