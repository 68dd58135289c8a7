/* The stability report of a linearised network (see stability.h): Nyquist
 * count, eigenvalue branches and their crossings, unstable roots refined in
 * the complex plane.
 *
 * Invariant: every determinant comes from the linear-response kernel; the
 * scan and the refinement allocate once per call.
 */
#include "theory/linear/stability.h"

#include <lapacke.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STARTS 48 /* local minima of |det| tried, besides the crossings */
#define REAL_STEP 5.0  /* 1/s, the scan of the real axis for real roots    */
#define REAL_MAX 5000.0

void sf_lr_eig_follow(int n, const double complex *prev, const double complex *cur, int *used,
                      double complex *out)
{
    for (int i = 0; i < n; ++i)
        used[i] = 0;
    for (int i = 0; i < n; ++i) {
        int best = -1;
        double bd = HUGE_VAL;
        for (int j = 0; j < n; ++j) {
            if (used[j])
                continue;
            double d = cabs(cur[j] - prev[i]);
            if (best < 0 || d < bd) {
                bd = d;
                best = j;
            }
        }
        used[best] = 1;
        out[i] = cur[best];
    }
}

/* det(1 - M(s)) into *g, divided by (s - r)(s - conj r) for the n_known
 * roots r already found (deflation, so that Muller does not return to
 * them); non-OK when M cannot be evaluated at s. */
static sf_status det_at(sf_context *ctx, sf_lr_ws *ws, const sf_lr_system *sys,
                        double complex *M, double complex s, const double complex *known,
                        int n_known, double complex *g)
{
    sf_status st = sys->at(ctx, sys->user, s, M);
    if (st != SF_OK)
        return st;
    for (int i = 0; i < sys->n * sys->n; ++i)
        if (!isfinite(creal(M[i])) || !isfinite(cimag(M[i])))
            return SF_ERR_NUMERIC;
    sf_lr_factor(NULL, ws, sys->n, M, NAN);
    *g = sf_lr_det(ws);
    for (int j = 0; j < n_known; ++j)
        *g /= cimag(known[j]) != 0 ? (s - known[j]) * (s - conj(known[j])) : s - known[j];
    return isfinite(creal(*g)) && isfinite(cimag(*g)) ? SF_OK : SF_ERR_NUMERIC;
}

/* Adds root r (Re > 0; its conjugate taken when Im < 0) to out unless known. */
static void add_root(sf_theory_linear_stability *out, double complex r)
{
    if (cimag(r) < 0)
        r = conj(r);
    if (fabs(cimag(r)) < 1e-9 * cabs(r))
        r = creal(r);
    for (int i = 0; i < out->n_roots; ++i)
        if (cabs(out->roots[i] - r) < 1e-6 * (cabs(r) + 1.0))
            return;
    int n = out->n_roots;
    if (n == SF_THEORY_MAX_ROOTS) {
        if (creal(r) <= creal(out->roots[n - 1]))
            return;
        n--;
    } else {
        out->n_roots++;
    }
    /* insertion by decreasing growth rate */
    while (n > 0 && creal(out->roots[n - 1]) < creal(r)) {
        out->roots[n] = out->roots[n - 1];
        n--;
    }
    out->roots[n] = r;
}

/* Muller with deflation by the known roots. */
static sf_status refine(sf_lr_ws *ws, const sf_lr_system *sys, double complex *M,
                        double complex s0, const double complex *known, int n_known,
                        double complex *root, int *iterations)
{
    /* three points around s0, then the parabola through the last three */
    double d = 0.02 * cabs(s0) + 1.0;
    double complex x[3] = {s0 - d, s0 + I * d, s0}, f[3];
    for (int i = 0; i < 3; ++i)
        if (det_at(NULL, ws, sys, M, x[i], known, n_known, &f[i]) != SF_OK)
            return SF_ERR_NOCONV;
    for (int it = 1; it <= 100; ++it) {
        double complex h1 = x[1] - x[0], h2 = x[2] - x[1];
        double complex d1 = (f[1] - f[0]) / h1, d2 = (f[2] - f[1]) / h2;
        double complex a = (d2 - d1) / (h2 + h1), b = a * h2 + d2;
        double complex D = csqrt(b * b - 4.0 * f[2] * a);
        double complex E = cabs(b - D) < cabs(b + D) ? b + D : b - D;
        double complex dx = E != 0 ? -2.0 * f[2] / E : 0.5 * (cabs(h2) + 1e-6);
        /* keep the iteration local: a step at most 4 times the last */
        double lim = fmax(4.0 * cabs(h2), 1e-3 * cabs(x[2]));
        if (cabs(dx) > lim)
            dx *= lim / cabs(dx);
        double complex xn = x[2] + dx, fn;
        if (det_at(NULL, ws, sys, M, xn, known, n_known, &fn) != SF_OK)
            return SF_ERR_NOCONV;
        x[0] = x[1];
        f[0] = f[1];
        x[1] = x[2];
        f[1] = f[2];
        x[2] = xn;
        f[2] = fn;
        if (cabs(dx) < 1e-11 * cabs(xn) + 1e-9 || fn == 0) {
            *root = xn;
            if (iterations)
                *iterations = it;
            return SF_OK;
        }
    }
    return SF_ERR_NOCONV;
}

/* Refines from s0, deflated by the roots in out; adds an unstable root. */
static void try_start(sf_lr_ws *ws, const sf_lr_system *sys, double complex *M,
                      double complex s0, sf_theory_linear_stability *out)
{
    double complex r;
    if (refine(ws, sys, M, s0, out->roots, out->n_roots, &r, NULL) == SF_OK &&
        creal(r) > 1e-9 * cabs(r))
        add_root(out, r);
}

sf_status sf_lr_stability(sf_context *ctx, sf_lr_ws *ws, const sf_lr_system *sys,
                          const double *freq, size_t n_freq, double complex *eig,
                          sf_theory_linear_stability *out)
{
    const int n = sys->n;
    const size_t un = (size_t)n;
    memset(out, 0, sizeof *out);
    out->min_distance = HUGE_VAL;
    out->f_critical = NAN;
    out->eig_critical = NAN;
    out->pole = NAN;
    double complex *M = malloc(sizeof(double complex) * (un * un + 3 * un));
    double *absdet = malloc(sizeof(double) * 2 * n_freq), *mindet = absdet + n_freq;
    int *used = malloc(sizeof(int) * un);
    if (!M || !absdet || !used) {
        free(M);
        free(absdet);
        free(used);
        return sf_fail(ctx, SF_ERR_NOMEM, "stability: out of memory");
    }
    double complex *cur = M + un * un, *prev = cur + un, *raw = prev + un;
    double complex dlam[SF_THEORY_MAX_ROOTS]; /* d lambda / d omega at the crossings */
    double complex dlam_c = 0;                /* ... at the closest approach to 1 */
    int i_c = -1;                             /* its branch                       */
    size_t k_c = 0;                           /* and frequency index              */
    double phase0 = 0.0, phase = 0.0, arg_prev = 0.0;
    sf_status st = SF_OK;
    for (size_t k = 0; k < n_freq && st == SF_OK; ++k) {
        if ((st = sys->grid(ctx, sys->user, k, M)) != SF_OK)
            break;
        /* det(1 - M) from the kernel's LU factors; a singular 1 - M (det 0)
         * is no error here (ctx NULL) */
        sf_lr_factor(NULL, ws, n, M, freq[k]);
        double complex det = sf_lr_det(ws);
        absdet[k] = cabs(det);
        double arg = carg(det);
        if (k == 0) {
            /* det(1 - M(0)) is real, so its continuous phase at omega = 0 is
             * the multiple of pi nearest to the first grid point's */
            phase0 = M_PI * nearbyint(arg / M_PI);
            phase = arg;
        } else {
            double d = arg - arg_prev;
            d -= 2.0 * M_PI * floor((d + M_PI) / (2.0 * M_PI)); /* into [-pi, pi) */
            phase += d;
        }
        arg_prev = arg;
        /* eigenvalues of M (zgeev overwrites M), ordered along branches */
        lapack_int info = LAPACKE_zgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, M, n, raw, NULL, 1, NULL, 1);
        if (info != 0) {
            st = sf_fail(ctx, SF_ERR_NUMERIC, "theory: zgeev failed at f = %g Hz (%d)", freq[k],
                         (int)info);
            break;
        }
        if (k == 0)
            memcpy(cur, raw, un * sizeof *cur);
        else
            sf_lr_eig_follow(n, prev, raw, used, cur);
        for (int i = 0; i < n; ++i) {
            double dist = cabs(1.0 - cur[i]);
            if (dist < out->min_distance) {
                out->min_distance = dist;
                out->f_critical = freq[k];
                out->eig_critical = cur[i];
                i_c = i;
                dlam_c = k > 0 ? (cur[i] - prev[i]) / (2 * M_PI * (freq[k] - freq[k - 1])) : 0;
                k_c = k;
            }
            if (k == 1 && k_c == 0 && i == i_c) /* closest at the first point: its slope */
                dlam_c = (cur[i] - prev[i]) / (2 * M_PI * (freq[1] - freq[0]));
            /* crossings of the real axis right of 1 */
            double fc = NAN, vc = NAN;
            double complex dl = 0;
            if (k == 0 && fabs(cimag(cur[i])) <= 1e-12 * cabs(cur[i]) && creal(cur[i]) > 1) {
                fc = freq[0];
                vc = creal(cur[i]);
            } else if (k > 0 && ((cimag(prev[i]) > 0 && cimag(cur[i]) <= 0) ||
                                 (cimag(prev[i]) < 0 && cimag(cur[i]) >= 0))) {
                double t = cimag(prev[i]) / (cimag(prev[i]) - cimag(cur[i]));
                vc = creal(prev[i]) + t * (creal(cur[i]) - creal(prev[i]));
                fc = freq[k - 1] + t * (freq[k] - freq[k - 1]);
                dl = (cur[i] - prev[i]) / (2 * M_PI * (freq[k] - freq[k - 1]));
            }
            if (vc > 1 && out->n_crossings < SF_THEORY_MAX_ROOTS) {
                out->crossing_freq[out->n_crossings] = fc;
                out->crossing_value[out->n_crossings] = vc;
                out->crossing_branch[out->n_crossings] = i;
                dlam[out->n_crossings] = dl;
                out->n_crossings++;
            }
        }
        if (eig)
            memcpy(eig + k * un, cur, un * sizeof *cur);
        memcpy(prev, cur, un * sizeof *cur);
    }
    if (st != SF_OK)
        goto done;
    out->radius_top = 0;
    for (int i = 0; i < n; ++i)
        out->radius_top = fmax(out->radius_top, cabs(prev[i]));
    /* from the last grid point to infinity, where det -> 1 (arg 0) */
    phase += -arg_prev;
    out->winding = (phase - phase0) / M_PI;
    double z = -out->winding;
    out->n_unstable = z > 0.5 ? (int)lround(z) : 0;
    if (!sys->at)
        goto done;
    /* the local minima of |det| along the axis (for the leading pole) */
    for (size_t k = 0; k < n_freq; ++k)
        mindet[k] = k > 0 && k + 1 < n_freq && absdet[k] < absdet[k - 1] &&
                            absdet[k] <= absdet[k + 1]
                        ? absdet[k]
                        : HUGE_VAL;
    /* root refinement: from every crossing, a real start when the count is
     * odd, and the deepest local minima of |det| along the axis */
    for (int c = 0; c < out->n_crossings; ++c) {
        /* first order in the branch: lambda(s0) = 1 with d lambda/ds =
         * -i d lambda/d omega */
        double complex s0 = 2 * M_PI * I * out->crossing_freq[c], dls = -I * dlam[c];
        if (dls != 0 && cabs((1 - out->crossing_value[c]) / dls) < 0.5 * cabs(s0) + 1e3)
            s0 += (1 - out->crossing_value[c]) / dls;
        else
            s0 += 0.05 * cabs(s0) + 1.0;
        try_start(ws, sys, M, s0, out);
    }
    if (out->n_unstable % 2)
        try_start(ws, sys, M, 10.0, out);
    for (int t = 0; t < MAX_STARTS; ++t) {
        size_t best = 0;
        double bd = HUGE_VAL;
        for (size_t k = 1; k + 1 < n_freq; ++k)
            if (absdet[k] < absdet[k - 1] && absdet[k] <= absdet[k + 1] && absdet[k] < bd) {
                bd = absdet[k];
                best = k;
            }
        if (!(bd < HUGE_VAL))
            break;
        absdet[best] = HUGE_VAL; /* used */
        int found = 0;
        for (int i = 0; i < out->n_roots; ++i)
            found += cimag(out->roots[i]) != 0 ? 2 : 1;
        if (found >= out->n_unstable)
            break;
        try_start(ws, sys, M, 2 * M_PI * freq[best] * (I + 0.02) + 1.0, out);
    }
    for (int i = 0; i < out->n_roots; ++i)
        out->n_found += cimag(out->roots[i]) != 0 ? 2 : 1;
    /* the leading pole: the unstable root growing fastest, else the least
     * damped root refined from the deepest minima of |det| along the axis */
    out->pole = out->n_roots ? out->roots[0] : NAN;
    if (!out->n_roots && i_c >= 0 && dlam_c != 0) {
        /* first order in the branch closest to 1: lambda(s0) = 1 */
        double complex r, s0 = 2 * M_PI * I * out->f_critical;
        double complex step = (1 - out->eig_critical) / (-I * dlam_c);
        /* a third of the first-order step: the continuation may be singular
         * further into the left half plane (poles of the filters at -1/tau),
         * and the limited Muller steps then walk there */
        s0 += cabs(step) < 0.5 * cabs(s0) + 1e3 ? step / 3 : -0.05 * cabs(s0) - 1.0;
        if (refine(ws, sys, M, s0, NULL, 0, &r, NULL) == SF_OK)
            out->pole = cimag(r) < 0 ? conj(r) : r;
    }
    for (int t = 0; t < 8 && !out->n_roots; ++t) {
        size_t best = 0;
        double bd = HUGE_VAL;
        for (size_t k = 1; k + 1 < n_freq; ++k)
            if (mindet[k] < bd) {
                bd = mindet[k];
                best = k;
            }
        if (!(bd < HUGE_VAL))
            break;
        mindet[best] = HUGE_VAL;
        double complex r;
        if (refine(ws, sys, M, 2 * M_PI * freq[best] * (I - 0.02) - 1.0, NULL, 0, &r, NULL) ==
            SF_OK) {
            if (cimag(r) < 0)
                r = conj(r);
            if (isnan(creal(out->pole)) || creal(r) > creal(out->pole))
                out->pole = r;
        }
    }
    if (!out->n_roots) {
        /* real roots: det(1 - M(sigma)) is real on the real axis; the first
         * sign change below 0 that bisection closes on a zero (not on a pole
         * of M, where |det| grows) is the leading real root */
        double complex g0, g1;
        double a = 0, ga = NAN;
        if (det_at(NULL, ws, sys, M, 0.0, NULL, 0, &g0) == SF_OK)
            ga = creal(g0);
        /* grid points off round numbers, which the poles of filters
         * (-1/tau) tend to be; a point where M cannot be evaluated breaks
         * the bracket */
        for (int j = 0; j < (int)(REAL_MAX / REAL_STEP); ++j) {
            double b = -(j + 0.371) * REAL_STEP;
            if (!isnan(creal(out->pole)) && b < creal(out->pole))
                break; /* below the pole found: no real root can lead */
            if (det_at(NULL, ws, sys, M, b, NULL, 0, &g1) != SF_OK) {
                ga = NAN;
                continue;
            }
            double gb = creal(g1);
            if (isnan(ga)) {
                a = b;
                ga = gb;
                continue;
            }
            if ((ga > 0) != (gb > 0)) {
                double lo = b, hi = a, glo = gb;
                for (int it = 0; it < 60; ++it) {
                    double mid = 0.5 * (lo + hi), gm;
                    if (det_at(NULL, ws, sys, M, mid, NULL, 0, &g1) != SF_OK)
                        break;
                    gm = creal(g1);
                    if ((gm > 0) == (glo > 0)) {
                        lo = mid;
                        glo = gm;
                    } else {
                        hi = mid;
                    }
                }
                double r = 0.5 * (lo + hi);
                double mmax = 0;
                bool at_zero = det_at(NULL, ws, sys, M, r, NULL, 0, &g1) == SF_OK &&
                               cabs(g1) < 1e-6 * (fabs(ga) + fabs(gb));
                for (int i = 0; at_zero && i < sys->n * sys->n; ++i)
                    mmax = fmax(mmax, cabs(M[i]));
                if (at_zero && mmax < 1e6) { /* (at a pole of M, det cancels) */
                    if (isnan(creal(out->pole)) || r > creal(out->pole))
                        out->pole = r;
                    break;
                }
            }
            a = b;
            ga = gb;
        }
    }
    if (out->n_roots > 0) {
        /* the critical eigenvalue of the unstable state: the branch that
         * encircles 1 nearest to the fastest-growing root's frequency */
        double fr = cimag(out->roots[0]) / (2 * M_PI);
        out->f_critical = fr;
        double bd = HUGE_VAL;
        for (int c = 0; c < out->n_crossings; ++c)
            if (fabs(out->crossing_freq[c] - fr) < bd) {
                bd = fabs(out->crossing_freq[c] - fr);
                out->eig_critical = out->crossing_value[c];
            }
    }
done:
    free(M);
    free(absdet);
    free(used);
    return st;
}

/* ---- the report as quantities ---------------------------------------------- */

sf_status sf_theory_stability_add(sf_context *ctx, const sf_theory_linear_stability *lin,
                                  double f_top, sf_quantities *out)
{
    sf_quantity *x;
    if (!sf_quantities_add_scalar(ctx, out, "unstable_modes", "", -1, -1, lin->n_unstable) ||
        !sf_quantities_add_scalar(ctx, out, "critical_frequency", "Hz", -1, -1, lin->f_critical) ||
        !(x = sf_quantities_add(ctx, out, "critical_eigenvalue", "", -1, -1, SF_AXIS_NONE, 1, 1,
                                true)))
        return SF_ERR_NOMEM;
    x->value[0] = creal(lin->eig_critical);
    x->value[1] = cimag(lin->eig_critical);
    if (!isnan(creal(lin->pole)) &&
        (!sf_quantities_add_scalar(ctx, out, "leading_pole_growth_rate", "1/s", -1, -1,
                                   creal(lin->pole)) ||
         !sf_quantities_add_scalar(ctx, out, "leading_pole_frequency", "Hz", -1, -1,
                                   cimag(lin->pole) / (2 * M_PI))))
        return SF_ERR_NOMEM;
    if (!sf_quantities_add_scalar(ctx, out, "min_distance_to_1", "", -1, -1, lin->min_distance) ||
        !sf_quantities_add_scalar(ctx, out, "spectral_radius_at_scan_top", "", -1, -1,
                                  lin->radius_top))
        return SF_ERR_NOMEM;
    if (lin->n_roots > 0) {
        if (!(x = sf_quantities_add(ctx, out, "unstable_roots", "1/s, Hz", -1, -1, SF_AXIS_NONE,
                                    (size_t)lin->n_roots, 2, false)))
            return SF_ERR_NOMEM;
        for (int i = 0; i < lin->n_roots; i++) {
            x->value[2 * i] = creal(lin->roots[i]);
            x->value[2 * i + 1] = cimag(lin->roots[i]) / (2 * M_PI);
        }
        if (sf_quantity_assume(x, "roots s of det(1 - M(s)) with Re s > 0, one per conjugate "
                                  "pair: growth rate Re s, frequency Im s / (2 pi)") != SF_OK ||
            !sf_quantities_add_scalar(ctx, out, "dominant_root_growth_rate", "1/s", -1, -1,
                                      creal(lin->roots[0])) ||
            !sf_quantities_add_scalar(ctx, out, "dominant_root_frequency", "Hz", -1, -1,
                                      cimag(lin->roots[0]) / (2 * M_PI)))
            return SF_ERR_NOMEM;
    }
    if (lin->n_crossings > 0) {
        if (!(x = sf_quantities_add(ctx, out, "eigenvalue_crossings", "Hz, 1", -1, -1,
                                    SF_AXIS_NONE, (size_t)lin->n_crossings, 2, false)))
            return SF_ERR_NOMEM;
        for (int i = 0; i < lin->n_crossings; i++) {
            x->value[2 * i] = lin->crossing_freq[i];
            x->value[2 * i + 1] = lin->crossing_value[i];
        }
        if (sf_quantity_assume(x, "an eigenvalue branch of M(f) crosses the real axis right of "
                                  "1 (it encircles 1): frequency, real eigenvalue") != SF_OK)
            return SF_ERR_NOMEM;
    }
    sf_status st;
    if (!lin->n_unstable) {
        st = sf_quantities_note(out, "linear stability with delays: stable (eigenvalue of M "
                                     "closest to 1 at %.1f Hz, distance %.3g)",
                                lin->f_critical, lin->min_distance);
    } else {
        char buf[1024];
        int len = 0;
        for (int i = 0; i < lin->n_roots && len < (int)sizeof buf - 80; i++)
            len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%.4g/s at %.1f Hz",
                            i ? ", " : "", creal(lin->roots[i]),
                            cimag(lin->roots[i]) / (2 * M_PI));
        st = sf_quantities_note(out, "linear stability with delays: UNSTABLE, %d root(s) of "
                                     "det(1 - M(s)) with Re s > 0 (Nyquist count)%s%s%s",
                                lin->n_unstable, lin->n_roots ? "; growth rates and frequencies "
                                                                "of the refined roots: " : "",
                                lin->n_roots ? buf : "",
                                lin->n_found != lin->n_unstable
                                    ? "; the refinement did not find all counted roots" : "");
        for (int i = 0; st == SF_OK && i < lin->n_crossings; i++)
            st = sf_quantities_note(out, "eigenvalue branch %d of M encircles 1 (crosses the real "
                                         "axis at %.4g, %.1f Hz)",
                                    lin->crossing_branch[i], lin->crossing_value[i],
                                    lin->crossing_freq[i]);
        if (st == SF_OK)
            st = sf_quantities_note(out, "the linear theory's spectra are not valid for a "
                                         "linearly unstable state (the network oscillates)");
    }
    /* beyond the scan the count needs every eigenvalue inside the unit
     * circle (then each factor 1 - lambda of det(1 - M) stays in the right
     * half-plane and cannot wind around 0) */
    if (st == SF_OK && !(lin->radius_top < 0.5))
        st = sf_quantities_note(out, "the spectral radius of M at the top of the scan (%.3g Hz) "
                                     "is %.3g: the Nyquist count assumes it stays below 1 beyond",
                                f_top, lin->radius_top);
    return st;
}

sf_status sf_theory_stability_mark(const sf_theory_linear_stability *lin, sf_quantity *x)
{
    if (!lin->n_unstable)
        return SF_OK;
    x->invalid = true;
    if (lin->n_roots > 0)
        return sf_quantity_note(x, "not valid: the state is linearly unstable (fastest root "
                                   "%.4g/s at %.1f Hz)",
                                creal(lin->roots[0]), cimag(lin->roots[0]) / (2 * M_PI));
    return sf_quantity_note(x, "not valid: the state is linearly unstable");
}

sf_status sf_theory_stability_mark_pred(const sf_quantities *pred, sf_quantity *x)
{
    long i = pred ? sf_quantities_find(pred, "unstable_modes", -1, -1) : -1;
    if (i < 0 || !(pred->q[i].value[0] > 0))
        return SF_OK;
    sf_theory_linear_stability lin = {.n_unstable = (int)pred->q[i].value[0]};
    long g = sf_quantities_find(pred, "dominant_root_growth_rate", -1, -1);
    long f = sf_quantities_find(pred, "dominant_root_frequency", -1, -1);
    if (g >= 0 && f >= 0) {
        lin.n_roots = 1;
        lin.roots[0] = pred->q[g].value[0] + 2 * M_PI * I * pred->q[f].value[0];
    }
    return sf_theory_stability_mark(&lin, x);
}
