/* The peak frequency of a spectrum with its standard error (see peak.h). */
#include "theory/peak.h"
#include "theory/linear/stability.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

static double val(const sf_quantity *x, size_t k)
{
    return x->is_complex ? x->value[2 * k] : x->value[k];
}

static double err(const sf_quantity *x, size_t k)
{
    if (!x->se)
        return NAN;
    return x->is_complex ? x->se[2 * k] : x->se[k];
}

/* The estimator on n values y (errors e, NULL: none) over the axis ax:
 * peak frequency, NaN when there is no interior peak. */
static double peak_core(const double *ax, const double *y, const double *e, size_t n, double lo,
                        double hi)
{
    size_t best = n;
    double bv = -HUGE_VAL;
    for (size_t k = 0; k < n; k++) {
        if (!(ax[k] >= lo && ax[k] <= hi))
            continue;
        double s = 0;
        int c = 0;
        for (size_t j = 0; j < n; j++)
            if (fabs(ax[j] - ax[k]) <= SF_PEAK_SMOOTH_HZ && isfinite(y[j])) {
                s += y[j];
                c++;
            }
        if (c && s / c > bv) {
            bv = s / c;
            best = k;
        }
    }
    if (best == n || ax[best] - SF_PEAK_SMOOTH_HZ < lo || ax[best] + SF_PEAK_SMOOTH_HZ > hi)
        return NAN; /* none, or at an end: no interior peak */
    /* least squares y = a + b u + c u^2, u = f - f_best, weights 1/e^2 */
    double S[5] = {0}, T[3] = {0};
    int cnt = 0;
    for (size_t j = 0; j < n; j++) {
        double u = ax[j] - ax[best];
        if (fabs(u) > SF_PEAK_FIT_HZ || !isfinite(y[j]))
            continue;
        double w = e && e[j] > 0 && isfinite(e[j]) ? 1.0 / (e[j] * e[j]) : 1.0, p = w;
        for (int i = 0; i < 5; i++, p *= u)
            S[i] += p;
        T[0] += w * y[j];
        T[1] += w * y[j] * u;
        T[2] += w * y[j] * u * u;
        cnt++;
    }
    if (cnt < 4)
        return NAN;
    /* c and b of the normal equations [[S0 S1 S2] [S1 S2 S3] [S2 S3 S4]] (Cramer) */
    double det = S[0] * (S[2] * S[4] - S[3] * S[3]) - S[1] * (S[1] * S[4] - S[3] * S[2]) +
                 S[2] * (S[1] * S[3] - S[2] * S[2]);
    if (!(fabs(det) > 0))
        return NAN;
    double b = (S[0] * (T[1] * S[4] - S[3] * T[2]) - T[0] * (S[1] * S[4] - S[3] * S[2]) +
                S[2] * (S[1] * T[2] - T[1] * S[2])) / det;
    double c = (S[0] * (S[2] * T[2] - T[1] * S[3]) - S[1] * (S[1] * T[2] - T[1] * S[2]) +
                T[0] * (S[1] * S[3] - S[2] * S[2])) / det;
    if (!(c < 0))
        return NAN;
    double v = -b / (2 * c);
    return fabs(v) <= SF_PEAK_FIT_HZ ? ax[best] + v : NAN;
}

void sf_theory_peak_of(const sf_quantity *x, double lo, double hi, double *f, double *se)
{
    *f = *se = NAN;
    size_t n = x->rows;
    if (!x->axis_values || n < 3)
        return;
    double *y = malloc(3 * n * sizeof *y), *e = y + n, *z = e + n;
    if (!y)
        return;
    bool have_se = x->se != NULL;
    for (size_t k = 0; k < n; k++) {
        y[k] = val(x, k);
        e[k] = err(x, k);
        have_se &= !isfinite(y[k]) || (e[k] > 0 && isfinite(e[k]));
    }
    *f = peak_core(x->axis_values, y, have_se ? e : NULL, n, lo, hi);
    if (have_se && isfinite(*f)) {
        /* parametric bootstrap: the estimator on values redrawn within their
         * SEs (fixed seed); its SD, with the draws without a peak counted
         * as a failure of the estimate */
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        double s1 = 0, s2 = 0;
        int ok = 0;
        for (int b = 0; r && b < SF_PEAK_BOOT; b++) {
            for (size_t k = 0; k < n; k++)
                z[k] = y[k] + e[k] * gsl_ran_gaussian(r, 1.0);
            double g = peak_core(x->axis_values, z, e, n, lo, hi);
            if (isfinite(g)) {
                s1 += g;
                s2 += g * g;
                ok++;
            }
        }
        gsl_rng_free(r);
        if (ok >= SF_PEAK_BOOT * 9 / 10)
            *se = sqrt(fmax(s2 / ok - (s1 / ok) * (s1 / ok), 0));
    }
    free(y);
}

sf_quantity *sf_theory_peak_add(sf_context *ctx, sf_quantities *out, const sf_quantity *x,
                                double lo, double hi)
{
    double f, se;
    sf_theory_peak_of(x, lo, hi, &f, &se);
    sf_quantity *p = sf_quantities_add_scalar(ctx, out, "spectrum_peak_frequency", "Hz",
                                              x->pop[0], x->pop[1], f);
    if (!p)
        return NULL;
    if (p->se)
        p->se[0] = se;
    p->band[0] = lo;
    p->band[1] = hi;
    if (sf_quantity_assume(p, "vertex of a weighted parabola through the spectrum within "
                              "+-%g Hz of its largest value (smoothed over +-%g Hz) in "
                              "[%g, %g] Hz",
                           SF_PEAK_FIT_HZ, SF_PEAK_SMOOTH_HZ, lo, hi) != SF_OK ||
        (isnan(f) && sf_quantity_note(p, "no interior peak of the spectrum in [%g, %g] Hz", lo,
                                      hi) != SF_OK) ||
        (isfinite(f) && x->se && isnan(se) &&
         sf_quantity_note(p, "no standard error: the peak does not survive the spectrum's "
                             "errors (more than 10%% of %d bootstrap draws without one); "
                             "simulate longer",
                          SF_PEAK_BOOT) != SF_OK)) {
        sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return p;
}

sf_status sf_theory_peak_expect(sf_context *ctx, sf_quantities *out, const char *spec_name,
                                const sf_quantity *e, const sf_quantities *pred)
{
    long j = sf_quantities_find(out, spec_name, e->pop[0], e->pop[1]);
    sf_quantity *p;
    if (j < 0) {
        if (!(p = sf_quantities_add_scalar(ctx, out, e->name, e->unit, e->pop[0], e->pop[1],
                                           NAN)) ||
            sf_quantity_note(p, "no prediction") != SF_OK)
            return SF_ERR_NOMEM;
        return SF_OK;
    }
    if (!(p = sf_theory_peak_add(ctx, out, &out->q[j], e->band[0], e->band[1])))
        return SF_ERR_NOMEM;
    long g = pred ? sf_quantities_find(pred, "leading_pole_growth_rate", -1, -1) : -1;
    long f = pred ? sf_quantities_find(pred, "leading_pole_frequency", -1, -1) : -1;
    if (g >= 0 && f >= 0 &&
        sf_quantity_note(p, "leading pole of the linear theory: %.4g Hz (growth rate %.4g/s)",
                         pred->q[f].value[0], pred->q[g].value[0]) != SF_OK)
        return SF_ERR_NOMEM;
    return sf_theory_stability_mark_pred(pred, p);
}
