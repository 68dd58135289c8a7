/* Quantity lists: the builder the theory families fill, the public
 * accessors, and the generic comparison of estimates with expectations.
 *
 * Invariant (quantity_impl.h): every quantity owns rows * cols values (x2
 * when complex); lists of kind ESTIMATE and COMPARISON own as many standard
 * errors, COMPARISON lists as many predicted values and z; axis_values has
 * rows entries exactly when axis != SF_AXIS_NONE. Strings are owned by the
 * list ("" rather than NULL once the list is returned).
 */
#include "compare/quantity_impl.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

static void quantity_free(sf_quantity *x)
{
    free(x->name);
    free(x->unit);
    free(x->assumptions);
    free(x->notes);
    free(x->accuracy_source);
    free(x->axis_values);
    free(x->value);
    free(x->se);
    free(x->predicted);
    free(x->z);
}

sf_quantities *sf_quantities_new(sf_context *ctx, sf_quantities_kind kind, const char *family)
{
    sf_quantities *q = calloc(1, sizeof *q);
    if (q) {
        q->kind = kind;
        q->family = dup_str(family);
        q->notes = dup_str("");
    }
    if (!q || !q->family || !q->notes) {
        sf_quantities_destroy(q);
        sf_fail(ctx, SF_ERR_NOMEM, "out of memory for a quantity list");
        return NULL;
    }
    return q;
}

void sf_quantities_destroy(sf_quantities *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++)
        quantity_free(&q->q[i]);
    free(q->q);
    free(q->family);
    free(q->notes);
    free(q);
}

size_t sf_quantity_size(const sf_quantity *x)
{
    return x->rows * x->cols * (x->is_complex ? 2 : 1);
}

sf_quantity *sf_quantities_add(sf_context *ctx, sf_quantities *q, const char *name,
                               const char *unit, int pop0, int pop1, sf_axis axis, size_t rows,
                               size_t cols, bool is_complex)
{
    if (!q || !name || rows == 0 || cols == 0) {
        sf_fail(ctx, SF_ERR_ARG, "quantity %s: empty shape", name ? name : "(null)");
        return NULL;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        sf_quantity *nq = realloc(q->q, cap * sizeof *nq);
        if (!nq)
            goto nomem;
        q->q = nq;
        q->cap = cap;
    }
    sf_quantity *x = &q->q[q->n];
    memset(x, 0, sizeof *x);
    x->pop[0] = pop0;
    x->pop[1] = pop1;
    x->axis = axis;
    x->rows = rows;
    x->cols = cols;
    x->is_complex = is_complex;
    x->accuracy = x->median_abs_z = x->frac_beyond_3 = x->rel_diff = NAN;
    x->band[0] = -INFINITY;
    x->band[1] = INFINITY;
    x->verdict = "n/a";
    size_t n = sf_quantity_size(x);
    x->name = dup_str(name);
    x->unit = dup_str(unit);
    x->assumptions = dup_str("");
    x->notes = dup_str("");
    x->accuracy_source = dup_str("");
    x->value = calloc(n, sizeof(double));
    if (axis != SF_AXIS_NONE)
        x->axis_values = calloc(rows, sizeof(double));
    if (q->kind != SF_QUANTITIES_PREDICTION)
        x->se = calloc(n, sizeof(double));
    if (q->kind == SF_QUANTITIES_COMPARISON) {
        x->predicted = calloc(n, sizeof(double));
        x->z = calloc(n, sizeof(double));
    }
    if (!x->name || !x->unit || !x->assumptions || !x->notes || !x->accuracy_source || !x->value ||
        (axis != SF_AXIS_NONE && !x->axis_values) || (q->kind != SF_QUANTITIES_PREDICTION && !x->se) ||
        (q->kind == SF_QUANTITIES_COMPARISON && (!x->predicted || !x->z))) {
        quantity_free(x);
        goto nomem;
    }
    q->n++;
    return x;
nomem:
    sf_fail(ctx, SF_ERR_NOMEM, "out of memory for quantity %s", name);
    return NULL;
}

sf_quantity *sf_quantities_add_scalar(sf_context *ctx, sf_quantities *q, const char *name,
                                      const char *unit, int pop0, int pop1, double value)
{
    sf_quantity *x = sf_quantities_add(ctx, q, name, unit, pop0, pop1, SF_AXIS_NONE, 1, 1, false);
    if (x) {
        x->value[0] = value;
        if (x->se)
            x->se[0] = NAN;
    }
    return x;
}

sf_quantity *sf_quantities_add_copy(sf_context *ctx, sf_quantities *q, const sf_quantity *x)
{
    sf_quantity *c = sf_quantities_add(ctx, q, x->name, x->unit, x->pop[0], x->pop[1], x->axis,
                                       x->rows, x->cols, x->is_complex);
    if (!c)
        return NULL;
    size_t n = sf_quantity_size(x);
    memcpy(c->value, x->value, n * sizeof(double));
    if (x->axis_values)
        memcpy(c->axis_values, x->axis_values, x->rows * sizeof(double));
    if (c->se && x->se)
        memcpy(c->se, x->se, n * sizeof(double));
    else if (c->se)
        for (size_t k = 0; k < n; k++)
            c->se[k] = NAN;
    memcpy(c->band, x->band, sizeof c->band);
    c->accuracy = x->accuracy;
    c->correlated = x->correlated;
    c->invalid = x->invalid;
    if ((x->accuracy_source[0] &&
         sf_quantity_accuracy_set(c, x->accuracy, "%s", x->accuracy_source) != SF_OK) ||
        (x->assumptions[0] && sf_quantity_assume(c, "%s", x->assumptions) != SF_OK) ||
        (x->notes[0] && sf_quantity_note(c, "%s", x->notes) != SF_OK)) {
        q->n--;
        quantity_free(c);
        sf_fail(ctx, SF_ERR_NOMEM, "out of memory for quantity %s", x->name);
        return NULL;
    }
    return c;
}

/* Appends "; " + formatted text to *s. */
static sf_status append(char **s, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return SF_ERR_ARG;
    if (n == 0)
        return SF_OK;
    size_t old = strlen(*s), sep = old ? 2 : 0;
    char *d = realloc(*s, old + sep + (size_t)n + 1);
    if (!d)
        return SF_ERR_NOMEM;
    if (sep)
        memcpy(d + old, "; ", 2);
    vsnprintf(d + old + sep, (size_t)n + 1, fmt, ap);
    *s = d;
    return SF_OK;
}

sf_status sf_quantity_accuracy_set(sf_quantity *x, double accuracy, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    x->accuracy = accuracy;
    x->accuracy_source[0] = '\0';
    sf_status st = append(&x->accuracy_source, fmt, ap);
    va_end(ap);
    return st;
}

sf_status sf_quantity_note(sf_quantity *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sf_status st = append(&x->notes, fmt, ap);
    va_end(ap);
    return st;
}

sf_status sf_quantity_assume(sf_quantity *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sf_status st = append(&x->assumptions, fmt, ap);
    va_end(ap);
    return st;
}

sf_status sf_quantities_note(sf_quantities *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sf_status st = append(&q->notes, fmt, ap);
    va_end(ap);
    return st;
}

/* ---- accessors ------------------------------------------------------------ */

sf_quantities_kind sf_quantities_get_kind(const sf_quantities *q) { return q->kind; }
const char *sf_quantities_family(const sf_quantities *q) { return q->family; }
const char *sf_quantities_notes(const sf_quantities *q) { return q->notes; }
size_t sf_quantities_count(const sf_quantities *q) { return q ? q->n : 0; }

long sf_quantities_find(const sf_quantities *q, const char *name, int pop0, int pop1)
{
    for (size_t i = 0; q && name && i < q->n; i++)
        if (q->q[i].pop[0] == pop0 && q->q[i].pop[1] == pop1 && !strcmp(q->q[i].name, name))
            return (long)i;
    return -1;
}

static const sf_quantity *at(const sf_quantities *q, size_t i)
{
    return i < q->n ? &q->q[i] : NULL;
}

#define GET(type, expr, none)                                                              \
    {                                                                                      \
        const sf_quantity *x = at(q, i);                                                   \
        return x ? (expr) : (none);                                                        \
    }

const char *sf_quantity_name(const sf_quantities *q, size_t i) GET(const char *, x->name, "")
const char *sf_quantity_unit(const sf_quantities *q, size_t i) GET(const char *, x->unit, "")
int sf_quantity_pop(const sf_quantities *q, size_t i, int k)
    GET(int, k == 0 || k == 1 ? x->pop[k] : -1, -1)
sf_axis sf_quantity_axis(const sf_quantities *q, size_t i) GET(sf_axis, x->axis, SF_AXIS_NONE)
size_t sf_quantity_rows(const sf_quantities *q, size_t i) GET(size_t, x->rows, 0)
size_t sf_quantity_cols(const sf_quantities *q, size_t i) GET(size_t, x->cols, 0)
const double *sf_quantity_axis_values(const sf_quantities *q, size_t i)
    GET(const double *, x->axis_values, NULL)
bool sf_quantity_is_complex(const sf_quantities *q, size_t i) GET(bool, x->is_complex, false)
const double *sf_quantity_values(const sf_quantities *q, size_t i) GET(const double *, x->value, NULL)
const double *sf_quantity_se(const sf_quantities *q, size_t i) GET(const double *, x->se, NULL)
const double *sf_quantity_predicted(const sf_quantities *q, size_t i)
    GET(const double *, x->predicted, NULL)
const double *sf_quantity_z(const sf_quantities *q, size_t i) GET(const double *, x->z, NULL)
double sf_quantity_median_abs_z(const sf_quantities *q, size_t i) GET(double, x->median_abs_z, NAN)
double sf_quantity_fraction_beyond_3(const sf_quantities *q, size_t i)
    GET(double, x->frac_beyond_3, NAN)
size_t sf_quantity_z_count(const sf_quantities *q, size_t i) GET(size_t, x->n_z, 0)
double sf_quantity_rel_diff(const sf_quantities *q, size_t i) GET(double, x->rel_diff, NAN)
const char *sf_quantity_verdict(const sf_quantities *q, size_t i) GET(const char *, x->verdict, "n/a")
const char *sf_quantity_assumptions(const sf_quantities *q, size_t i)
    GET(const char *, x->assumptions, "")
double sf_quantity_accuracy(const sf_quantities *q, size_t i) GET(double, x->accuracy, NAN)
const char *sf_quantity_accuracy_source(const sf_quantities *q, size_t i)
    GET(const char *, x->accuracy_source, "")
const char *sf_quantity_notes(const sf_quantities *q, size_t i) GET(const char *, x->notes, "")
double sf_quantity_band_lo(const sf_quantities *q, size_t i) GET(double, x->band[0], NAN)
double sf_quantity_band_hi(const sf_quantities *q, size_t i) GET(double, x->band[1], NAN)

#undef GET
