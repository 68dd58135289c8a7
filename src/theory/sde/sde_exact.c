/* Exact references of the sde family (src/theory/sde/sde.h): stationary
 * moments by quadrature of the stationary Fokker-Planck density, and the
 * eigenmodes of the Fokker-Planck operator.
 *
 * Moments: p(x) ~ exp(-phi(x)), phi = 2 U / D, integrated by GSL's adaptive
 * Gauss-Kronrod (qag, 61 points) between the stationary points and out to
 * where phi exceeds its minimum by 60 (the rest weighs < e^-60 relative).
 * The exponent is taken relative to its minimum, so nothing overflows for
 * small D.
 *
 * Modes: the Fokker-Planck operator L = -d/dx f + (D/2) d^2/dx^2 is
 * discretised on a uniform grid of the same interval as the reversible
 * nearest-neighbour chain with rates k(i -> i+-1) = (D / 2 dx^2)
 * exp(-(phi_{i+-1} - phi_i) / 2): its stationary distribution is exactly
 * exp(-phi_i) on the grid (detailed balance), it converges to L with an
 * error O(dx^2) (the drift is the centred difference of -phi'/2 times D), and
 * Pi^{1/2} Q Pi^{-1/2} is symmetric tridiagonal with off-diagonal D / (2
 * dx^2): LAPACKE dstevr gives its slowest eigenpairs. With the eigenvectors
 * psi_k, the correlation function of x is C(s) = sum_k c_k^2 e^{-lambda_k s},
 * c_k = sum_i x_i sqrt(pi_i) psi_k,i; the response to a drift input follows
 * from the fluctuation-dissipation theorem of this gradient system,
 * chi(s) = -(2/D) C'(s) for s > 0 (Risken 1989, section 7.2).
 */
#include "theory/sde/sde.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PHI_SPAN 60.0

sf_status sf_theory_sde_check(sf_context *ctx, const sf_sde_params *p, const char *what)
{
    if (!(p->l > 0) || !isfinite(p->l))
        return sf_fail(ctx, SF_ERR_MODEL, "%s: l = %g: the sde theory needs a leak l > 0", what,
                       p->l);
    if (!(p->D > 0) || !isfinite(p->D))
        return sf_fail(ctx, SF_ERR_MODEL, "%s: D = %g: the sde theory needs noise D > 0", what,
                       p->D);
    if (!(p->beta < 0) && !(p->beta == 0 && p->alpha == 0))
        return sf_fail(ctx, SF_ERR_MODEL,
                       "%s: alpha = %g, beta = %g: no stationary density (the potential "
                       "l x^2/2 - alpha x^3/6 - beta x^4/24 is unbounded below); the sde "
                       "theory needs beta < 0, or alpha = beta = 0", what, p->alpha, p->beta);
    if (!isfinite(p->alpha) || !isfinite(p->beta))
        return sf_fail(ctx, SF_ERR_MODEL, "%s: alpha, beta must be finite", what);
    return SF_OK;
}

static double U(const sf_sde_params *p, double x)
{
    return x * x * (0.5 * p->l - x * (p->alpha / 6.0 + x * p->beta / 24.0));
}

/* The stationary points of U besides 0, roots of (beta/6) x^2 + (alpha/2) x
 * - l = 0, into r (ascending); their count (0 or 2). */
static int side_roots(const sf_sde_params *p, double r[2])
{
    if (p->beta == 0)
        return 0;
    const double A = p->beta / 6.0, B = 0.5 * p->alpha, C = -p->l;
    const double disc = B * B - 4 * A * C;
    if (!(disc > 0))
        return 0;
    const double q = -0.5 * (B + copysign(sqrt(disc), B));
    double r1 = q / A, r2 = C / q;
    r[0] = fmin(r1, r2);
    r[1] = fmax(r1, r2);
    return 2;
}

typedef struct {
    const sf_sde_params *p;
    double phimin, twoD;
    int k;          /* power of x */
    double shift;   /* (x - shift)^k */
} integrand;

static double weight_fn(double x, void *vp)
{
    const integrand *ig = vp;
    double y = x - ig->shift, w = exp(-(U(ig->p, x) * ig->twoD - ig->phimin));
    for (int k = 0; k < ig->k; k++)
        w *= y;
    return w;
}

/* The interval where phi - phimin < PHI_SPAN (U grows like x^4 or x^2). */
static void interval(const sf_sde_params *p, double phimin, double xs_lo, double xs_hi,
                     double *lo, double *hi)
{
    const double twoD = 2.0 / p->D;
    for (int side = 0; side < 2; side++) {
        double x0 = side ? xs_hi : xs_lo, dir = side ? 1.0 : -1.0;
        double step = sqrt(p->D / p->l) + 1e-3, a = x0, b = x0 + dir * step;
        while (U(p, b) * twoD - phimin < PHI_SPAN) {
            a = b;
            step *= 2;
            b = x0 + dir * step;
        }
        for (int it = 0; it < 200; it++) {
            double c = 0.5 * (a + b);
            if (U(p, c) * twoD - phimin < PHI_SPAN)
                a = c;
            else
                b = c;
        }
        if (side)
            *hi = b;
        else
            *lo = b;
    }
}

sf_status sf_theory_sde_moments(sf_context *ctx, const sf_sde_params *p, sf_sde_moments *out)
{
    sf_status st = sf_theory_sde_check(ctx, p, "sde moments");
    if (st != SF_OK)
        return st;
    memset(out, 0, sizeof *out);
    double r[2], pts[6];
    const int nr = side_roots(p, r);
    const double twoD = 2.0 / p->D;
    double phimin = 0.0, xs_lo = 0.0, xs_hi = 0.0;
    int np = 0;
    pts[np++] = 0.0;
    for (int k = 0; k < nr; k++) {
        phimin = fmin(phimin, U(p, r[k]) * twoD);
        pts[np++] = r[k];
        xs_lo = fmin(xs_lo, r[k]);
        xs_hi = fmax(xs_hi, r[k]);
    }
    /* the barrier is the root nearer 0 (U has a maximum there) */
    out->x_barrier = NAN;
    if (nr == 2)
        out->x_barrier = fabs(r[0]) < fabs(r[1]) ? r[0] : r[1];
    double lo = 0, hi = 0;
    interval(p, phimin, xs_lo, xs_hi, &lo, &hi);
    out->lo = lo;
    out->hi = hi;
    /* sorted breakpoints inside (lo, hi) */
    double br[8];
    int nb = 0;
    br[nb++] = lo;
    for (int i = 0; i < np; i++)
        for (int j = i + 1; j < np; j++)
            if (pts[j] < pts[i]) {
                double t = pts[i];
                pts[i] = pts[j];
                pts[j] = t;
            }
    for (int i = 0; i < np; i++)
        if (pts[i] > lo && pts[i] < hi && (nb == 1 || pts[i] > br[nb - 1]))
            br[nb++] = pts[i];
    br[nb++] = hi;
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(512);
    if (!w)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    integrand ig = {p, phimin, twoD, 0, 0.0};
    gsl_function F = {weight_fn, &ig};
    double mom[5] = {0};
    /* pass 1: mass and mean; pass 2: central moments about the mean */
    for (int pass = 0; pass < 2 && st == SF_OK; pass++) {
        for (int k = pass ? 2 : 0; k <= (pass ? 4 : 1) && st == SF_OK; k++) {
            ig.k = k;
            ig.shift = pass ? mom[1] : 0.0;
            double sum = 0;
            for (int s = 0; s + 1 < nb; s++) {
                double v, err;
                int rc = gsl_integration_qag(&F, br[s], br[s + 1], 1e-300, 1e-13, 512,
                                             GSL_INTEG_GAUSS61, w, &v, &err);
                if (rc && rc != GSL_EROUND && rc != GSL_ETOL)
                    st = sf_fail(ctx, SF_ERR_NUMERIC, "sde moments: quadrature failed (%s)",
                                 gsl_strerror(rc));
                sum += v;
            }
            mom[k] = sum;
            if (pass == 0 && k == 1)
                mom[1] /= mom[0];
        }
    }
    if (st == SF_OK) {
        out->mean = mom[1];
        out->var = mom[2] / mom[0];
        out->skew = mom[3] / mom[0] / pow(out->var, 1.5);
        out->kurt_excess = mom[4] / mom[0] / (out->var * out->var) - 3.0;
        out->p_second_well = 0.0;
        if (nr == 2) {
            ig.k = 0;
            ig.shift = 0;
            double v, err, a = out->x_barrier > 0 ? out->x_barrier : lo,
                          b = out->x_barrier > 0 ? hi : out->x_barrier;
            if (b > a) {
                gsl_integration_qag(&F, a, b, 1e-300, 1e-10, 512, GSL_INTEG_GAUSS61, w, &v, &err);
                out->p_second_well = v / mom[0];
            }
        }
    }
    gsl_integration_workspace_free(w);
    return st;
}

sf_status sf_theory_sde_modes(sf_context *ctx, const sf_sde_params *p, size_t grid,
                              sf_sde_modes *out)
{
    sf_sde_moments mo;
    sf_status st = sf_theory_sde_moments(ctx, p, &mo);
    if (st != SF_OK)
        return st;
    const size_t N = grid ? grid : 1600;
    if (N < 16)
        return sf_fail(ctx, SF_ERR_ARG, "sde modes: grid of %zu points (at least 16)", N);
    const size_t K = sizeof out->lambda / sizeof out->lambda[0] + 1; /* + stationary */
    double *buf = malloc(sizeof(double) * (5 * N + K * N + K));
    lapack_int *isup = malloc(sizeof(lapack_int) * 2 * K);
    if (!buf || !isup) {
        free(buf);
        free(isup);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    double *x = buf, *phi = x + N, *d = phi + N, *e = d + N, *sq = e + N, *Z = sq + N,
           *ev = Z + K * N;
    const double dx = (mo.hi - mo.lo) / (double)(N - 1), c = p->D / (2 * dx * dx);
    double phimin = INFINITY, Zs = 0;
    for (size_t i = 0; i < N; i++) {
        x[i] = mo.lo + (double)i * dx;
        phi[i] = 2.0 * U(p, x[i]) / p->D;
        phimin = fmin(phimin, phi[i]);
    }
    for (size_t i = 0; i < N; i++) {
        sq[i] = exp(-0.5 * (phi[i] - phimin));
        Zs += sq[i] * sq[i];
    }
    double mean = 0, var = 0;
    for (size_t i = 0; i < N; i++) {
        sq[i] /= sqrt(Zs);              /* sqrt(pi_i), sum pi_i = 1 */
        mean += x[i] * sq[i] * sq[i];
    }
    for (size_t i = 0; i < N; i++)
        var += (x[i] - mean) * (x[i] - mean) * sq[i] * sq[i];
    /* -A: the positive semi-definite symmetric form of -Q */
    for (size_t i = 0; i < N; i++) {
        double kp = i + 1 < N ? c * exp(-0.5 * (phi[i + 1] - phi[i])) : 0.0;
        double km = i > 0 ? c * exp(-0.5 * (phi[i - 1] - phi[i])) : 0.0;
        d[i] = kp + km;
        if (i + 1 < N)
            e[i] = -c;
    }
    lapack_int m = 0;
    lapack_int info = LAPACKE_dstevr(LAPACK_COL_MAJOR, 'V', 'I', (lapack_int)N, d, e, 0.0, 0.0, 1,
                                     (lapack_int)K, 0.0, &m, ev, Z, (lapack_int)N, isup);
    if (info != 0 || m < 2) {
        st = sf_fail(ctx, SF_ERR_NUMERIC, "sde modes: eigensolver failed (info %d)", (int)info);
    } else {
        memset(out, 0, sizeof *out);
        out->grid = N;
        out->mean_grid = mean;
        out->var_grid = var;
        for (lapack_int k = 1; k < m; k++) {
            double ck = 0;
            const double *z = Z + (size_t)k * N;
            for (size_t i = 0; i < N; i++)
                ck += (x[i] - mean) * sq[i] * z[i];
            out->lambda[out->n] = ev[k];
            out->c2[out->n] = ck * ck;
            out->n++;
        }
    }
    free(buf);
    free(isup);
    return st;
}

double sf_theory_sde_modes_spectrum(const sf_sde_modes *md, double w)
{
    double s = 0;
    for (size_t k = 0; k < md->n; k++)
        s += 2 * md->c2[k] * md->lambda[k] / (md->lambda[k] * md->lambda[k] + w * w);
    return s;
}

double complex sf_theory_sde_modes_response(const sf_sde_modes *md, double D, double w)
{
    double complex s = 0;
    for (size_t k = 0; k < md->n; k++)
        s += md->c2[k] * md->lambda[k] / (md->lambda[k] - I * w);
    return (2.0 / D) * s;
}

double sf_theory_sde_modes_tau_corr(const sf_sde_modes *md)
{
    double a = 0, b = 0;
    for (size_t k = 0; k < md->n; k++) {
        a += md->c2[k] / md->lambda[k];
        b += md->c2[k];
    }
    return a / b;
}
