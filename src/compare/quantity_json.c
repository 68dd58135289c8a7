/* The JSON form of a quantity list (docs/predict-compare.md): the only
 * writer of predictions, estimates and comparisons, for the CLI and every
 * other caller. Written to a temporary name and renamed when complete, so a
 * reader never sees a partial file. Non-finite numbers are written as null.
 */
#include "compare/quantity_impl.h"
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if ((unsigned char)*c < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

static const char *kind_name(sf_quantities_kind k)
{
    return k == SF_QUANTITIES_PREDICTION ? "prediction"
           : k == SF_QUANTITIES_ESTIMATE ? "estimate"
                                         : "comparison";
}

static const char *axis_name(sf_axis a)
{
    static const char *const names[] = {"none", "frequency_Hz", "lag_ms", "potential_mV"};
    return (unsigned)a < 4 ? names[a] : "none";
}

/* A value array: a number for a real scalar, else a flat row-major array,
 * complex values as [re, im] pairs. */
static void values(FILE *f, const sf_quantity *x, const double *v)
{
    size_t n = x->rows * x->cols;
    if (n == 1 && !x->is_complex) {
        num(f, v[0]);
        return;
    }
    fputc('[', f);
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputs(", ", f);
        if (x->is_complex) {
            fputc('[', f);
            num(f, v[2 * k]);
            fputs(", ", f);
            num(f, v[2 * k + 1]);
            fputc(']', f);
        } else {
            num(f, v[k]);
        }
    }
    fputc(']', f);
}

static void pop_name(FILE *f, const sf_model *m, int p)
{
    if (m && p >= 0 && p < sf_model_population_count(m))
        str(f, sf_model_population_name(m, p));
    else
        fprintf(f, "%d", p);
}

static void write_list(FILE *f, const sf_quantities *q, const sf_model *m)
{
    fprintf(f, "{\n  \"kind\": ");
    str(f, kind_name(q->kind));
    fprintf(f, ",\n  \"family\": ");
    str(f, q->family);
    fprintf(f, ",\n  \"theory\": ");
    str(f, q->doc ? q->doc : "");
    fprintf(f, ",\n  \"model\": ");
    str(f, m ? sf_model_file(m) : "");
    fprintf(f, ",\n  \"notes\": ");
    str(f, q->notes);
    if (q->kind == SF_QUANTITIES_COMPARISON)
        fprintf(f, ",\n  \"verdict_rule\": \"agree: within the statistical error (scalars "
                   "when |simulated - predicted| <= 3 standard errors (z); vectors when median |z| "
                   "<= %g and at most %g %% of the values have |z| > 3); agree within theory "
                   "accuracy: beyond the statistical error, but the relative difference (of "
                   "vectors the median over the band) is within the accuracy the theory states "
                   "for this regime (accuracy, accuracy_source); otherwise differ; n/a without a "
                   "usable standard error (the notes say why)\"",
                SF_COMPARE_VECTOR_MEDIAN, 100 * SF_COMPARE_VECTOR_FRACTION);
    fprintf(f, ",\n  \"quantities\": [");
    for (size_t i = 0; i < q->n; i++) {
        const sf_quantity *x = &q->q[i];
        bool scalar = x->rows * x->cols == 1 && !x->is_complex;
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        str(f, x->name);
        fprintf(f, ", \"populations\": [");
        for (int k = 0; k < 2 && x->pop[k] >= 0; k++) {
            if (k)
                fputs(", ", f);
            pop_name(f, m, x->pop[k]);
        }
        fprintf(f, "], \"unit\": ");
        str(f, x->unit);
        fprintf(f, ", \"axis\": ");
        str(f, axis_name(x->axis));
        fprintf(f, ", \"shape\": [%zu, %zu], \"complex\": %s", x->rows, x->cols,
                x->is_complex ? "true" : "false");
        if (x->axis_values) {
            fprintf(f, ",\n     \"axis_values\": [");
            for (size_t k = 0; k < x->rows; k++) {
                if (k)
                    fputs(", ", f);
                num(f, x->axis_values[k]);
            }
            fputc(']', f);
        }
        const char *vkey = scalar ? "value" : "values";
        fprintf(f, ",\n     \"%s\": ", vkey);
        values(f, x, x->value);
        if (x->se) {
            fprintf(f, ",\n     \"se\": ");
            values(f, x, x->se);
        }
        if (x->predicted) {
            fprintf(f, ",\n     \"predicted\": ");
            values(f, x, x->predicted);
            fprintf(f, ",\n     \"z\": ");
            values(f, x, x->z);
            fprintf(f, ",\n     \"median_abs_z\": ");
            num(f, x->median_abs_z);
            fprintf(f, ", \"fraction_abs_z_above_3\": ");
            num(f, x->frac_beyond_3);
            fprintf(f, ", \"z_count\": %zu, \"rel_diff\": ", x->n_z);
            num(f, x->rel_diff);
            fprintf(f, ", \"verdict\": ");
            str(f, x->verdict);
        }
        if (isfinite(x->band[0]) || isfinite(x->band[1])) {
            fprintf(f, ", \"band\": [");
            num(f, x->band[0]);
            fputs(", ", f);
            num(f, x->band[1]);
            fputc(']', f);
        }
        fprintf(f, ",\n     \"accuracy\": ");
        num(f, x->accuracy);
        fprintf(f, ", \"accuracy_source\": ");
        str(f, x->accuracy_source);
        fprintf(f, ", \"assumptions\": ");
        str(f, x->assumptions);
        fprintf(f, ", \"notes\": ");
        str(f, x->notes);
        fputc('}', f);
    }
    fprintf(f, "\n  ]\n}\n");
}

sf_status sf_quantities_json(sf_context *ctx, const sf_quantities *q, const sf_model *m,
                             char **text)
{
    if (!q || !text)
        return sf_fail(ctx, SF_ERR_ARG, "sf_quantities_json: no list or no output");
    size_t n = 0;
    *text = NULL;
    FILE *f = open_memstream(text, &n);
    if (!f)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for JSON text");
    write_list(f, q, m);
    if (fclose(f) != 0 || !*text) {
        free(*text);
        *text = NULL;
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for JSON text");
    }
    return SF_OK;
}

sf_status sf_quantities_write_json(sf_context *ctx, const sf_quantities *q, const sf_model *m,
                                   const char *path)
{
    if (!q || !path)
        return sf_fail(ctx, SF_ERR_ARG, "sf_quantities_write_json: no list or no path");
    char *text = NULL;
    sf_status s = sf_quantities_json(ctx, q, m, &text);
    if (s == SF_OK)
        s = sf_text_write_file(ctx, path, text);
    free(text);
    return s;
}
