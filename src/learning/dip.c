/* Hartigan's dip (Hartigan & Hartigan, Ann. Statist. 13, 70, 1985; the
 * algorithm of Hartigan, Appl. Statist. 34, 320, 1985, AS 217), written
 * from the papers' description: alternately the greatest convex minorant
 * (GCM) of the points (x_i, i - 1) and the least concave majorant (LCM) of
 * (x_i, i) are taken on the current modal interval [x_low, x_high]; where
 * they are farthest apart defines the next, narrower modal interval, and
 * the distances of F_n from the GCM left of it and from the LCM right of it
 * raise the dip. It stops when the GCM and LCM of the interval are closer
 * than the dip found so far. Counts are in units of one sample; the dip is
 * half the largest distance, divided by n.
 *
 * Invariant: 1 <= low <= high <= n (1-based) and the dip (in counts)
 * never falls; sf_dip is checked against an independent linear-programming
 * computation in tests/python/test_learning_binding.py.
 */
#include "learning/dip.h"
#include "spikefield/learning.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sf_dip(const double *x0, int n, int *work)
{
    if (n < 2 || x0[n - 1] == x0[0])
        return 0.0;
    const double *x = x0 - 1; /* 1-based: x[1..n] */
    int *mn = work, *mj = work + (n + 1), *gcm = work + 2 * (n + 1), *lcm = work + 3 * (n + 1);
    /* mn[j]: the vertex before j of the GCM of points 1..j */
    mn[1] = 1;
    for (int j = 2; j <= n; j++) {
        mn[j] = j - 1;
        for (;;) {
            int a = mn[j], b = mn[a];
            if (a == 1 || (x[j] - x[a]) * (a - b) < (x[a] - x[b]) * (j - a))
                break;
            mn[j] = b;
        }
    }
    /* mj[k]: the vertex after k of the LCM of points k..n */
    mj[n] = n;
    for (int k = n - 1; k >= 1; k--) {
        mj[k] = k + 1;
        for (;;) {
            int a = mj[k], b = mj[a];
            if (a == n || (x[k] - x[a]) * (a - b) < (x[a] - x[b]) * (k - a))
                break;
            mj[k] = b;
        }
    }
    int low = 1, high = n;
    double dip = 1.0;
    for (;;) {
        /* GCM vertices from high down to low, LCM vertices from low up */
        int lg = 1, ll = 1;
        gcm[1] = high;
        while (gcm[lg] > low)
            gcm[lg + 1] = mn[gcm[lg]], lg++;
        lcm[1] = low;
        while (lcm[ll] < high)
            lcm[ll + 1] = mj[lcm[ll]], ll++;
        /* largest distance LCM - GCM, at a vertex of either */
        int ig = lg, ih = ll, ix = lg - 1, iv = 2;
        double d = 0;
        if (lg != 2 || ll != 2) {
            do {
                int gx = gcm[ix], lv = lcm[iv];
                double dx;
                if (gx > lv) { /* the next vertex is the LCM's, at x[lv] */
                    int g1 = gcm[ix + 1];
                    dx = (lv - g1 + 1) - (x[lv] - x[g1]) * (gx - g1) / (x[gx] - x[g1]);
                    iv++;
                    if (dx >= d)
                        d = dx, ig = ix + 1, ih = iv - 1;
                } else { /* the GCM's, at x[gx] */
                    int l1 = lcm[iv - 1];
                    dx = (x[gx] - x[l1]) * (lv - l1) / (x[lv] - x[l1]) - (gx - l1 - 1);
                    ix--;
                    if (dx >= d)
                        d = dx, ig = ix + 1, ih = iv;
                }
                if (ix < 1)
                    ix = 1;
                if (iv > ll)
                    iv = ll;
            } while (gcm[ix] != lcm[iv]);
        } else
            d = 1.0;
        if (d < dip)
            break;
        /* F_n against the GCM on [low, gcm[ig]] and the LCM on [lcm[ih], high] */
        double dl = 0, du = 0;
        for (int j = ig; j < lg; j++) {
            int jb = gcm[j + 1], je = gcm[j];
            double t = 1;
            if (je - jb > 1 && x[je] != x[jb]) {
                double c = (je - jb) / (x[je] - x[jb]);
                for (int i = jb; i <= je; i++) {
                    double u = (i - jb + 1) - (x[i] - x[jb]) * c;
                    if (u > t)
                        t = u;
                }
            }
            if (t > dl)
                dl = t;
        }
        for (int j = ih; j < ll; j++) {
            int jb = lcm[j], je = lcm[j + 1];
            double t = 1;
            if (je - jb > 1 && x[je] != x[jb]) {
                double c = (je - jb) / (x[je] - x[jb]);
                for (int i = jb; i <= je; i++) {
                    double u = (x[i] - x[jb]) * c - (i - jb - 1);
                    if (u > t)
                        t = u;
                }
            }
            if (t > du)
                du = t;
        }
        dip = fmax(dip, fmax(dl, du));
        if (low == gcm[ig] && high == lcm[ih])
            break;
        low = gcm[ig], high = lcm[ih];
    }
    return dip / (2.0 * n);
}

int sf_dip_null(uint64_t seed, uint64_t entity, int n, int reps, double *null)
{
    double *u = malloc(sizeof(double) * (size_t)n);
    int *w = malloc(sizeof(int) * 4 * ((size_t)n + 1));
    if (!u || !w) {
        free(u), free(w);
        return -1;
    }
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_LEARN, entity);
    for (int k = 0; k < reps; k++) {
        for (int i = 0; i < n; i++)
            u[i] = sf_rng_uniform(&r);
        qsort(u, (size_t)n, sizeof(double), cmp_double);
        null[k] = sf_dip(u, n, w);
    }
    qsort(null, (size_t)reps, sizeof(double), cmp_double);
    free(u), free(w);
    return 0;
}

double sf_dip_pvalue(double dip, const double *null, int reps)
{
    /* first index with null >= dip (null sorted ascending) */
    int lo = 0, hi = reps;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (null[mid] >= dip)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (1.0 + (reps - lo)) / (reps + 1.0);
}

sf_status sf_learning_dip_test(sf_context *ctx, const double *x, int n, int reps, uint64_t seed,
                               double *dip, double *p)
{
    if (!x || !dip || n < 2 || reps < 0)
        return sf_fail(ctx, SF_ERR_ARG, "dip test: needs n >= 2 values (got %d) and reps >= 0 (got %d)",
                       n, reps);
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return sf_fail(ctx, SF_ERR_ARG, "dip test: value %d is not finite", i);
    double *s = malloc(sizeof(double) * (size_t)n), *null = malloc(sizeof(double) * ((size_t)reps + 1));
    int *w = malloc(sizeof(int) * 4 * ((size_t)n + 1));
    if (!s || !null || !w) {
        free(s), free(null), free(w);
        return sf_fail(ctx, SF_ERR_NOMEM, "dip test: out of memory (n = %d)", n);
    }
    for (int i = 0; i < n; i++)
        s[i] = x[i];
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    *dip = sf_dip(s, n, w);
    sf_status st = SF_OK;
    if (p) {
        *p = NAN;
        if (reps > 0) {
            if (sf_dip_null(seed, 0, n, reps, null))
                st = sf_fail(ctx, SF_ERR_NOMEM, "dip test: out of memory (n = %d)", n);
            else
                *p = sf_dip_pvalue(*dip, null, reps);
        }
    }
    free(s), free(null), free(w);
    return st;
}
