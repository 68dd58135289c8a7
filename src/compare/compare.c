/* sf_compare: simulated estimates against the theory's expectation of the
 * same estimators, in one generic loop over quantities matched by (name,
 * populations). Nothing here knows a family: the family found by the
 * registry says what to estimate and what to expect (src/theory/family.h).
 * Invariant: a comparison holds one quantity per estimate, in the order of
 * the estimates.
 */
#include "compare/quantity_impl.h"
#include "theory/family.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the generic comparison ---------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static bool same_shape(const sf_quantity *a, const sf_quantity *b)
{
    if (a->rows != b->rows || a->cols != b->cols || a->is_complex != b->is_complex ||
        a->axis != b->axis)
        return false;
    for (size_t k = 0; a->axis_values && k < a->rows; k++)
        if (!(fabs(a->axis_values[k] - b->axis_values[k]) <= 1e-9 * fmax(1, fabs(a->axis_values[k]))))
            return false;
    return true;
}

/* The relative difference the accuracy is compared with: |rel_diff| of a
 * scalar; of a vector the median of |sim - pred| / |pred| over the values
 * in the band (complex values by modulus). scratch [size]. */
static double rel_within(const sf_quantity *c, double *scratch)
{
    if (sf_quantity_size(c) == 1)
        return fabs(c->rel_diff);
    size_t parts = c->is_complex ? 2 : 1, nv = c->rows * c->cols, per_row = c->cols, cnt = 0;
    for (size_t k = 0; k < nv; k++) {
        double a = c->axis_values ? c->axis_values[k / per_row] : 0;
        if (c->axis_values && !(a >= c->band[0] && a <= c->band[1]))
            continue;
        double dv = 0, pv = 0;
        for (size_t r = 0; r < parts; r++) {
            double d = c->value[k * parts + r] - c->predicted[k * parts + r];
            dv += d * d;
            pv += c->predicted[k * parts + r] * c->predicted[k * parts + r];
        }
        if (pv > 0 && isfinite(dv))
            scratch[cnt++] = sqrt(dv / pv);
    }
    if (!cnt)
        return INFINITY;
    qsort(scratch, cnt, sizeof *scratch, cmp_double);
    return scratch[cnt / 2];
}

/* z per value, and the summary over the values in the evaluation band:
 * median |z| (the element n/2 of the sorted |z|, the z of a scalar),
 * fraction with |z| > 3, verdict. */
static void summarise(sf_quantity *c, double *scratch)
{
    size_t n = sf_quantity_size(c), per_row = n / c->rows, cnt = 0, big = 0;
    for (size_t k = 0; k < n; k++) {
        double se = c->se[k];
        c->z[k] = se > 0 && isfinite(se) ? (c->value[k] - c->predicted[k]) / se : NAN;
        double a = c->axis_values ? c->axis_values[k / per_row] : 0;
        if (isfinite(c->z[k]) && (!c->axis_values || (a >= c->band[0] && a <= c->band[1]))) {
            scratch[cnt++] = fabs(c->z[k]);
            big += fabs(c->z[k]) > 3;
        }
    }
    c->n_z = cnt;
    if (n == 1 && isfinite(c->predicted[0]) && c->predicted[0] != 0)
        c->rel_diff = (c->value[0] - c->predicted[0]) / c->predicted[0];
    if (!cnt) {
        c->verdict = "n/a";
        return;
    }
    qsort(scratch, cnt, sizeof *scratch, cmp_double);
    c->median_abs_z = scratch[cnt / 2];
    c->frac_beyond_3 = (double)big / (double)cnt;
    if (c->invalid) { /* the state is linearly unstable: no verdict may agree */
        c->verdict = "not valid";
        return;
    }
    bool agree;
    if (n == 1)
        agree = c->median_abs_z <= 3;
    else if (c->correlated) {
        c->verdict = "n/a";
        return;
    } else
        agree = c->median_abs_z <= SF_COMPARE_VECTOR_MEDIAN &&
                c->frac_beyond_3 <= SF_COMPARE_VECTOR_FRACTION;
    c->verdict = agree ? SF_VERDICT_AGREE
                 : isfinite(c->accuracy) && rel_within(c, scratch) <= c->accuracy
                     ? SF_VERDICT_WITHIN
                     : SF_VERDICT_DIFFER;
}

sf_status sf_quantities_compare(sf_context *ctx, const sf_quantities *est,
                                const sf_quantities *expect, sf_quantities **out)
{
    assert(est && expect && out);
    *out = NULL;
    sf_quantities *c = sf_quantities_new(ctx, SF_QUANTITIES_COMPARISON, expect->family);
    if (!c)
        return SF_ERR_NOMEM;
    c->doc = expect->doc;
    size_t big = 1;
    for (size_t i = 0; i < est->n; i++)
        big = sf_quantity_size(&est->q[i]) > big ? sf_quantity_size(&est->q[i]) : big;
    double *scratch = malloc(big * sizeof(double));
    sf_status st = scratch ? SF_OK : SF_ERR_NOMEM;
    if (st == SF_OK && expect->notes[0])
        st = sf_quantities_note(c, "%s", expect->notes);
    if (st == SF_OK && est->notes[0])
        st = sf_quantities_note(c, "%s", est->notes);
    for (size_t i = 0; st == SF_OK && i < est->n; i++) {
        const sf_quantity *e = &est->q[i];
        long j = sf_quantities_find(expect, e->name, e->pop[0], e->pop[1]);
        const sf_quantity *p = j >= 0 ? &expect->q[j] : NULL;
        sf_quantity *x = sf_quantities_add(ctx, c, e->name, e->unit, e->pop[0], e->pop[1], e->axis,
                                           e->rows, e->cols, e->is_complex);
        if (!x) {
            st = SF_ERR_NOMEM;
            break;
        }
        size_t n = sf_quantity_size(e);
        memcpy(x->value, e->value, n * sizeof(double));
        memcpy(x->se, e->se, n * sizeof(double));
        if (e->axis_values)
            memcpy(x->axis_values, e->axis_values, e->rows * sizeof(double));
        memcpy(x->band, e->band, sizeof x->band);
        x->correlated = e->correlated;
        bool ok = p && same_shape(p, e);
        for (size_t k = 0; k < n; k++)
            x->predicted[k] = ok ? p->value[k] : NAN;
        if (ok) {
            if (p->accuracy_source[0])
                st = sf_quantity_accuracy_set(x, p->accuracy, "%s", p->accuracy_source);
            else
                x->accuracy = p->accuracy;
            x->invalid = p->invalid;
            if (p->band[0] > x->band[0])
                x->band[0] = p->band[0];
            if (p->band[1] < x->band[1])
                x->band[1] = p->band[1];
            if (st == SF_OK && p->assumptions[0])
                st = sf_quantity_assume(x, "%s", p->assumptions);
            if (st == SF_OK && p->notes[0])
                st = sf_quantity_note(x, "%s", p->notes);
        } else {
            st = sf_quantity_note(x, p ? "prediction has another shape" : "no prediction");
        }
        if (st == SF_OK && e->notes[0])
            st = sf_quantity_note(x, "%s", e->notes);
        summarise(x, scratch);
        /* the verdict says where it comes from */
        if (st == SF_OK && !strcmp(x->verdict, SF_VERDICT_WITHIN))
            st = sf_quantity_note(x, "%.3g %% from the theory, beyond the statistical error but "
                                     "within its stated accuracy of %.3g %% (%s)",
                                  100 * rel_within(x, scratch), 100 * x->accuracy,
                                  x->accuracy_source[0] ? x->accuracy_source : "no source given");
        else if (st == SF_OK && !strcmp(x->verdict, SF_VERDICT_DIFFER) && isfinite(x->accuracy))
            st = sf_quantity_note(x, "%.3g %% from the theory, beyond its stated accuracy of %.3g %% "
                                     "(%s)",
                                  100 * rel_within(x, scratch), 100 * x->accuracy,
                                  x->accuracy_source[0] ? x->accuracy_source : "no source given");
        else if (st == SF_OK && !x->n_z && ok && !e->notes[0])
            st = sf_quantity_note(x, "no standard error: the estimator could not measure the "
                                     "spread of this value in this recording");
    }
    free(scratch);
    if (st != SF_OK) {
        sf_quantities_destroy(c);
        return sf_fail(ctx, st, "out of memory comparing quantities");
    }
    *out = c;
    return SF_OK;
}

sf_status sf_compare(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                     const sf_quantities *pred, sf_quantities **out)
{
    if (!m || !rec || !out)
        return sf_fail(ctx, SF_ERR_ARG, "sf_compare: no model, recording or output");
    *out = NULL;
    const sf_theory_type *fam = sf_theory_family_find(ctx, m);
    if (!fam)
        return SF_ERR_MODEL;
    sf_quantities *own = NULL, *est = NULL, *expect = NULL;
    void *mapped = NULL;
    sf_status st = SF_OK;
    if (!pred) {
        st = sf_predict(ctx, m, NULL, &own);
        pred = own;
    }
    if (st == SF_OK)
        st = fam->map(ctx, m, &mapped);
    if (st == SF_OK)
        st = sf_estimate(ctx, m, rec, &est);
    if (st == SF_OK && !(expect = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, fam->name)))
        st = SF_ERR_NOMEM;
    if (expect)
        expect->doc = fam->doc;
    if (st == SF_OK)
        st = fam->expect(ctx, m, mapped, pred, est, expect);
    if (st == SF_OK)
        st = sf_quantities_compare(ctx, est, expect, out);
    if (mapped)
        fam->unmap(mapped);
    sf_quantities_destroy(expect);
    sf_quantities_destroy(est);
    sf_quantities_destroy(own);
    return st;
}
