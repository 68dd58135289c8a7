/* spikefield predict: the theory of a model file, from sf_predict.
 *
 * Parses the options, calls sf_predict and prints the prediction
 * generically: one table per kind of row (populations, population pairs)
 * with a column per scalar quantity and the notes, then the whole-network
 * scalars, one line per vector quantity, and the list's notes. Writes
 * prediction.json (docs/predict-compare.md), or prints it with --json.
 */
#include "cli.h"
#include "predict.h"
#include "spikefield/predict.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cli_pops_label(const sf_model *m, const sf_quantities *q, size_t i, char *buf, size_t len)
{
    int a = sf_quantity_pop(q, i, 0), b = sf_quantity_pop(q, i, 1);
    if (a < 0)
        snprintf(buf, len, "%s", "");
    else if (b < 0)
        snprintf(buf, len, "%s", sf_model_population_name(m, a));
    else
        snprintf(buf, len, "%s-%s", sf_model_population_name(m, a), sf_model_population_name(m, b));
}

void cli_quantity_label(const sf_quantities *q, size_t i, char *buf, size_t len)
{
    const char *u = sf_quantity_unit(q, i);
    snprintf(buf, len, u[0] ? "%s (%s)" : "%s", sf_quantity_name(q, i), u);
}

bool cli_is_scalar(const sf_quantities *q, size_t i)
{
    return sf_quantity_rows(q, i) * sf_quantity_cols(q, i) == 1 && !sf_quantity_is_complex(q, i);
}

void cli_print_notes(const sf_quantities *q, FILE *f)
{
    const char *s = sf_quantities_notes(q);
    while (*s) {
        const char *e = strstr(s, "; ");
        int n = e ? (int)(e - s) : (int)strlen(s);
        fprintf(f, "note: %.*s\n", n, s);
        s += n + (e ? 2 : 0);
    }
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
            !(a >= 0) || !(b >= a) || !isfinite(b) || !(*out = malloc(sizeof(double) * (size_t)k)))
            return -1;
        for (long i = 0; i < k; i++)
            (*out)[i] = k == 1 ? a : a + (b - a) * (double)i / (double)(k - 1);
        *n = (size_t)k;
        return 0;
    }
    size_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    if (!(*out = malloc(sizeof(double) * cap)))
        return -1;
    for (const char *s = list; *s;) {
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

static int freqs_from_opts(const cli_opts *o, double **freq, size_t *n)
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

/* The table of the real scalars with `arity` populations (1 or 2): a row per
 * population (pair), a column per quantity name, in order of appearance. */
static void print_table(const sf_model *m, const sf_quantities *p, int arity, FILE *f)
{
    size_t n = sf_quantities_count(p), n_col = 0, n_row = 0;
    size_t *col = calloc(n + 1, sizeof(size_t)), *row = calloc(n + 1, sizeof(size_t));
    if (!col || !row)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!cli_is_scalar(p, i) || sf_quantity_pop(p, i, 0) < 0 || (sf_quantity_pop(p, i, 1) >= 0) != (arity == 2))
            continue;
        bool new_col = true, new_row = true;
        for (size_t c = 0; c < n_col; c++)
            new_col &= strcmp(sf_quantity_name(p, col[c]), sf_quantity_name(p, i)) != 0;
        for (size_t r = 0; r < n_row; r++)
            new_row &= sf_quantity_pop(p, row[r], 0) != sf_quantity_pop(p, i, 0) ||
                       sf_quantity_pop(p, row[r], 1) != sf_quantity_pop(p, i, 1);
        if (new_col)
            col[n_col++] = i;
        if (new_row)
            row[n_row++] = i;
    }
    if (!n_row)
        goto out;
    char lab[256];
    int *w = calloc(n_col, sizeof(int));
    if (!w)
        goto out;
    fprintf(f, "\n%-12s", arity == 2 ? "pair" : "population");
    for (size_t c = 0; c < n_col; c++) {
        cli_quantity_label(p, col[c], lab, sizeof lab);
        w[c] = strlen(lab) > 12 ? (int)strlen(lab) : 12;
        fprintf(f, " %*s", w[c], lab);
    }
    fprintf(f, "  notes\n");
    for (size_t r = 0; r < n_row; r++) {
        int a = sf_quantity_pop(p, row[r], 0), b = sf_quantity_pop(p, row[r], 1);
        cli_pops_label(m, p, row[r], lab, sizeof lab);
        fprintf(f, "%-12s", lab);
        for (size_t c = 0; c < n_col; c++) {
            long i = sf_quantities_find(p, sf_quantity_name(p, col[c]), a, b);
            double v = i >= 0 ? sf_quantity_values(p, (size_t)i)[0] : 0;
            if (i >= 0 && isfinite(v))
                fprintf(f, " %*.6g", w[c], v);
            else if (i >= 0) /* never nan: "—" (3 bytes, 1 column) */
                fprintf(f, " %*s", w[c] + 2, "—");
            else
                fprintf(f, " %*s", w[c], "");
        }
        fprintf(f, " ");
        for (size_t c = 0, any = 0; c < n_col; c++) {
            long i = sf_quantities_find(p, sf_quantity_name(p, col[c]), a, b);
            const char *note = i >= 0 ? sf_quantity_notes(p, (size_t)i) : "";
            if (note[0])
                fprintf(f, "%s%s", any++ ? "; " : " ", note);
        }
        fprintf(f, "\n");
    }
    free(w);
out:
    free(col);
    free(row);
}

void cli_print_prediction(const sf_model *m, const sf_quantities *p, FILE *f)
{
    fprintf(f, "%s theory (%s)\n", sf_quantities_family(p), sf_model_file(m));
    print_table(m, p, 1, f);
    print_table(m, p, 2, f);
    char pops[256], lab[256];
    fprintf(f, "\n");
    for (size_t i = 0; i < sf_quantities_count(p); i++) {
        cli_pops_label(m, p, i, pops, sizeof pops);
        cli_quantity_label(p, i, lab, sizeof lab);
        const double *v = sf_quantity_values(p, i);
        size_t rows = sf_quantity_rows(p, i);
        if (cli_is_scalar(p, i) && !pops[0] && isfinite(v[0]))
            fprintf(f, "%s: %.6g\n", lab, v[0]);
        else if (cli_is_scalar(p, i) && !pops[0])
            fprintf(f, "%s: —%s%s\n", lab, sf_quantity_notes(p, i)[0] ? " " : "",
                    sf_quantity_notes(p, i));
        else if (!cli_is_scalar(p, i) && rows * sf_quantity_cols(p, i) == 1 && isfinite(v[0]) &&
                 isfinite(v[1]))
            fprintf(f, "%s%s%s: %.6g %+.6gi\n", pops, pops[0] ? " " : "", lab, v[0], v[1]);
        else if (!cli_is_scalar(p, i) && rows * sf_quantity_cols(p, i) == 1)
            fprintf(f, "%s%s%s: —\n", pops, pops[0] ? " " : "", lab);
        else if (!cli_is_scalar(p, i) && !sf_quantity_axis_values(p, i) &&
                 !sf_quantity_is_complex(p, i) && rows * sf_quantity_cols(p, i) <= 32) {
            /* a small table without axis (unstable roots, crossings): rows */
            size_t cols = sf_quantity_cols(p, i);
            fprintf(f, "%s%s%s:", pops, pops[0] ? " " : "", lab);
            for (size_t r = 0; r < rows; r++) {
                fprintf(f, r ? "; " : " ");
                for (size_t c = 0; c < cols; c++) {
                    double x = v[r * cols + c];
                    fprintf(f, isfinite(x) ? (c ? ", %.6g" : "%.6g") : (c ? ", —" : "—"), x);
                }
            }
            fprintf(f, "\n");
        } else if (!cli_is_scalar(p, i)) {
            const double *ax = sf_quantity_axis_values(p, i);
            fprintf(f, "%s %s: %zu x %zu%s values", pops, lab, rows, sf_quantity_cols(p, i),
                    sf_quantity_is_complex(p, i) ? " complex" : "");
            if (ax)
                fprintf(f, " over %g .. %g", ax[0], ax[rows - 1]);
            fprintf(f, " (in the JSON output)\n");
        }
    }
    cli_print_notes(p, f);
}

int cmd_predict(cli_opts *o)
{
    double *freq;
    size_t nf;
    int rc = freqs_from_opts(o, &freq, &nf);
    if (rc)
        return rc;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_quantities *p = NULL;
    char *dir = NULL, *text = NULL;
    rc = 1;
    if (!ctx)
        goto out;
    sf_predict_options opt = {.freq = freq, .n_freq = nf};
    double t0 = 0;
    if (sf_model_load(ctx, o->model, o->sets, o->n_sets, &m) != SF_OK ||
        (t0 = sf_wall_time(), sf_predict(ctx, m, &opt, &p)) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
        goto out;
    }
    double seconds = sf_wall_time() - t0;
    if (o->json) {
        if (sf_quantities_json(ctx, p, m, &text) != SF_OK) {
            fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
            goto out;
        }
        fputs(text, stdout);
        rc = 0;
        goto out;
    }
    int created;
    dir = cli_out_dir(o);
    if (!dir || cli_mkdirs(dir, &created) != 0) {
        fprintf(stderr, "spikefield: cannot create output directory %s\n", dir ? dir : "");
        goto out;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/prediction.json", dir);
    if (sf_quantities_write_json(ctx, p, m, path) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
        goto out;
    }
    if (!o->quiet)
        cli_print_prediction(m, p, stdout);
    printf("prediction: %s (%.3f s)\n", path, seconds);
    rc = 0;
out:
    free(text);
    free(dir);
    sf_quantities_destroy(p);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    free(freq);
    return rc;
}
