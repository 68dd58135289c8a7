/* The peak frequency of a spectrum with its standard error (see peak.h). */
#include "theory/peak.h"
#include "theory/linear/stability.h"

#include <math.h>

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

void sf_theory_peak_of(const sf_quantity *x, double lo, double hi, double *f, double *se)
{
    *f = *se = NAN;
    const double *ax = x->axis_values;
    size_t n = x->rows, best = n;
    double bv = -HUGE_VAL;
    if (!ax || n < 3)
        return;
    for (size_t k = 0; k < n; k++) {
        if (!(ax[k] >= lo && ax[k] <= hi))
            continue;
        double s = 0;
        int c = 0;
        for (size_t j = 0; j < n; j++)
            if (fabs(ax[j] - ax[k]) <= SF_PEAK_SMOOTH_HZ && isfinite(val(x, j))) {
                s += val(x, j);
                c++;
            }
        if (c && s / c > bv) {
            bv = s / c;
            best = k;
        }
    }
    if (best == n || ax[best] - SF_PEAK_SMOOTH_HZ < lo || ax[best] + SF_PEAK_SMOOTH_HZ > hi)
        return; /* none, or at an end: no interior peak */
    /* weighted least squares y = a + b u + c u^2, u = f - f_best */
    double S[5] = {0}, T[3] = {0};
    bool have_se = x->se != NULL;
    int cnt = 0;
    for (size_t j = 0; j < n; j++) {
        double u = ax[j] - ax[best], y = val(x, j), e = err(x, j);
        if (fabs(u) > SF_PEAK_FIT_HZ || !isfinite(y))
            continue;
        if (have_se && !(e > 0 && isfinite(e)))
            have_se = false;
        double w = have_se ? 1.0 / (e * e) : 1.0, p = w;
        for (int i = 0; i < 5; i++, p *= u)
            S[i] += p;
        T[0] += w * y;
        T[1] += w * y * u;
        T[2] += w * y * u * u;
        cnt++;
    }
    if (cnt < 4)
        return;
    if (!have_se) { /* some SE missing: unweighted fit, no error */
        for (int i = 0; i < 5; i++)
            S[i] = 0;
        T[0] = T[1] = T[2] = 0;
        for (size_t j = 0; j < n; j++) {
            double u = ax[j] - ax[best], y = val(x, j), p = 1;
            if (fabs(u) > SF_PEAK_FIT_HZ || !isfinite(y))
                continue;
            for (int i = 0; i < 5; i++, p *= u)
                S[i] += p;
            T[0] += y;
            T[1] += y * u;
            T[2] += y * u * u;
        }
    }
    /* normal matrix A = [[S0 S1 S2] [S1 S2 S3] [S2 S3 S4]], its inverse */
    double A[3][3] = {{S[0], S[1], S[2]}, {S[1], S[2], S[3]}, {S[2], S[3], S[4]}}, Ai[3][3];
    double det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) -
                 A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
                 A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
    if (!(fabs(det) > 0))
        return;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            Ai[i][j] = (A[r0][c0] * A[r1][c1] - A[r0][c1] * A[r1][c0]) / det;
        }
    double b = Ai[1][0] * T[0] + Ai[1][1] * T[1] + Ai[1][2] * T[2];
    double c = Ai[2][0] * T[0] + Ai[2][1] * T[1] + Ai[2][2] * T[2];
    if (!(c < 0))
        return;
    double v = -b / (2 * c);
    if (fabs(v) > SF_PEAK_FIT_HZ)
        return;
    *f = ax[best] + v;
    if (have_se) {
        /* delta method: dv/db = -1/(2c), dv/dc = b/(2c^2); Cov(b, c) = Ai */
        double gb = -1 / (2 * c), gc = b / (2 * c * c);
        double var = gb * gb * Ai[1][1] + 2 * gb * gc * Ai[1][2] + gc * gc * Ai[2][2];
        *se = var >= 0 ? sqrt(var) : NAN;
    }
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
                                      hi) != SF_OK)) {
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
