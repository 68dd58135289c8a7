/* The neural-field mathematics of the spatial family (field.h; Senk et al.
 * 2020; Corless et al. 1996 for the Lambert W function).
 *
 * Invariant: every root reported solves its characteristic equation; the
 * Lambert W roots are exact up to Halley's convergence (|dw| <= 1e-15 (1 +
 * |w|)), the LIF roots up to the root finder's tolerance on |G|.
 */
#include "theory/spatial/field.h"
#include "core/linalg.h"

#include <cerf.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_sf_bessel.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 16

double sf_field_profile_ft(sf_profile_kind kind, double R, int dim, double k)
{
    double x = fabs(k) * R;
    switch (kind) {
    case SF_PROFILE_BOXCAR:
        if (x < 1e-4) /* series: 1 - x^2/6 (1-D), 1 - x^2/8 (2-D) */
            return dim == 1 ? 1 - x * x / 6 : 1 - x * x / 8;
        return dim == 1 ? sin(x) / x : 2 * gsl_sf_bessel_J1(x) / x;
    case SF_PROFILE_EXPONENTIAL:
        return dim == 1 ? 1 / (1 + x * x) : pow(1 + x * x, -1.5);
    case SF_PROFILE_GAUSSIAN:
        return exp(-0.5 * x * x);
    default:
        return k == 0 ? 1 : 0; /* no profile: uniform over the space */
    }
}

/* (1 - e^{-zR}) / z, its series near z = 0 */
static double complex boxcar_g(double complex z, double R)
{
    double complex x = z * R;
    if (cabs(x) < 1e-3)
        return R * (1 - x / 2 + x * x / 6 - x * x * x / 24);
    return (1 - cexp(-x)) / z;
}

double complex sf_field_profile_delay_ft(sf_profile_kind kind, double R, double k,
                                         double complex a)
{
    double complex zp = a + I * k, zm = a - I * k;
    switch (kind) {
    case SF_PROFILE_BOXCAR:
        return (boxcar_g(zp, R) + boxcar_g(zm, R)) / (2 * R);
    case SF_PROFILE_EXPONENTIAL:
        return 0.5 * (1 / (1 + zp * R) + 1 / (1 + zm * R));
    case SF_PROFILE_GAUSSIAN:
        return 0.5 * (w_of_z(I * zp * R / M_SQRT2) + w_of_z(I * zm * R / M_SQRT2));
    default:
        return k == 0 ? 1 : 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Lambert W. */

double complex sf_field_lambertw(double complex z, int b)
{
    const double e = M_E;
    if (z == 0)
        return b == 0 ? 0 : NAN;
    double complex w, p = csqrt(2 * (e * z + 1));
    bool near_bp = cabs(z + 1 / e) < 0.3;
    if (b == 0 && near_bp)
        w = -1 + p - p * p / 3 + 11.0 / 72 * p * p * p;
    else if (((b == -1 && cimag(z) >= 0) || (b == 1 && cimag(z) < 0)) && near_bp)
        w = -1 - p - p * p / 3 - 11.0 / 72 * p * p * p;
    else if (b == 0 && cabs(z) < 0.5)
        w = z * (1 - z); /* W_0 = z - z^2 + ... */
    else {
        double complex L1 = clog(z) + 2 * M_PI * I * b, L2 = clog(L1);
        w = L1 - L2 + L2 / L1 + L2 * (L2 - 2) / (2 * L1 * L1);
    }
    for (int it = 0; it < 100; it++) {
        double complex ew = cexp(w), f = w * ew - z, wp1 = w + 1;
        if (wp1 == 0)
            return w;
        double complex dw = f / (ew * wp1 - (w + 2) * f / (2 * wp1));
        w -= dw;
        if (!(cabs(dw) > 1e-15 * (1 + cabs(w))))
            return isfinite(creal(w)) && isfinite(cimag(w)) ? w : NAN;
    }
    return NAN;
}

/* ------------------------------------------------------------------------ */
/* Low-pass fit. */

typedef struct {
    const double *f;
    const double *a; /* |H| */
} fit_data;

static int fit_f(const gsl_vector *x, void *data, gsl_vector *r)
{
    const fit_data *D = data;
    double h0 = gsl_vector_get(x, 0), tau = gsl_vector_get(x, 1);
    for (size_t i = 0; i < r->size; i++) {
        double a = 2 * M_PI * D->f[i] * tau;
        gsl_vector_set(r, i, D->a[i] - h0 / sqrt(1 + a * a));
    }
    return GSL_SUCCESS;
}
static int fit_df(const gsl_vector *x, void *data, gsl_matrix *J)
{
    const fit_data *D = data;
    double h0 = gsl_vector_get(x, 0), tau = gsl_vector_get(x, 1);
    for (size_t i = 0; i < J->size1; i++) {
        double om = 2 * M_PI * D->f[i], a = om * tau, q = 1 + a * a;
        gsl_matrix_set(J, i, 0, -1 / sqrt(q));
        gsl_matrix_set(J, i, 1, h0 * a * om / (q * sqrt(q)));
    }
    return GSL_SUCCESS;
}

sf_status sf_field_fit_lowpass(sf_context *ctx, const double *f, const double complex *H,
                               size_t n, sf_field_fit *out)
{
    if (n < 3)
        return sf_fail(ctx, SF_ERR_ARG, "low-pass fit: needs at least 3 frequencies");
    double *a = malloc(sizeof(double) * n);
    if (!a)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        a[i] = cabs(H[i]);
    /* start: h0 from the lowest frequency, tau from where |H| halves */
    double h0 = a[0], tau = 0.005;
    for (size_t i = 1; i < n; i++)
        if (a[i] < h0 / sqrt(2.0)) {
            tau = 1 / (2 * M_PI * f[i]);
            break;
        }
    fit_data D = {f, a};
    gsl_multifit_nlinear_fdf fdf = {.f = fit_f, .df = fit_df, .n = n, .p = 2, .params = &D};
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, 2);
    gsl_matrix *cov = gsl_matrix_alloc(2, 2);
    if (!w || !cov) {
        gsl_multifit_nlinear_free(w);
        gsl_matrix_free(cov);
        free(a);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    double x0[2] = {h0, tau};
    gsl_vector_view xv = gsl_vector_view_array(x0, 2);
    gsl_multifit_nlinear_init(&xv.vector, &fdf, w);
    int info = 0;
    int gs = gsl_multifit_nlinear_driver(500, 1e-12, 1e-12, 1e-12, NULL, NULL, &info, w);
    sf_status st = SF_OK;
    if (gs != GSL_SUCCESS && gs != GSL_EMAXITER)
        st = sf_fail(ctx, SF_ERR_NOCONV, "low-pass fit of the transfer function did not converge "
                     "(%s)", gsl_strerror(gs));
    if (st == SF_OK) {
        gsl_matrix *J = gsl_multifit_nlinear_jac(w);
        gsl_multifit_nlinear_covar(J, 0.0, cov);
        gsl_vector *r = gsl_multifit_nlinear_residual(w);
        double chi2 = 0, rel = 0;
        for (size_t i = 0; i < n; i++) {
            chi2 += gsl_vector_get(r, i) * gsl_vector_get(r, i);
            double q = gsl_vector_get(r, i) / a[i];
            rel += q * q;
        }
        double s2 = chi2 / (double)(n - 2);
        out->h0 = gsl_vector_get(w->x, 0);
        out->tau = fabs(gsl_vector_get(w->x, 1));
        out->se_h0 = sqrt(s2 * gsl_matrix_get(cov, 0, 0));
        out->se_tau = sqrt(s2 * gsl_matrix_get(cov, 1, 1));
        out->eta = hypot(out->se_tau / out->tau, out->se_h0 / out->h0);
        out->rms_rel = sqrt(rel / (double)n);
    }
    gsl_multifit_nlinear_free(w);
    gsl_matrix_free(cov);
    free(a);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Rate-model stability. */

static sf_status eigenvalues(sf_context *ctx, int n, const double complex *A, double complex *ev)
{
    if (n == 1) {
        ev[0] = A[0];
        return SF_OK;
    }
    if (n == 2) {
        double complex tr = A[0] + A[3], det = A[0] * A[3] - A[1] * A[2];
        double complex s = csqrt(tr * tr / 4 - det);
        ev[0] = tr / 2 + s;
        ev[1] = tr / 2 - s;
        return SF_OK;
    }
    double complex M[MAXN * MAXN];
    memcpy(M, A, sizeof(double complex) * (size_t)n * (size_t)n);
    lapack_int info = LAPACKE_zgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, M, n, ev, NULL, 1, NULL, 1);
    if (info)
        return sf_fail(ctx, SF_ERR_NUMERIC, "eigenvalues of the spatial coupling: LAPACK zgeev "
                       "failed (%d)", (int)info);
    return SF_OK;
}

sf_status sf_field_stability(sf_context *ctx, int n, const double complex *W, const double *k,
                             size_t n_k, double tau, double d, const int *branches, int n_b,
                             double complex *lam, sf_field_root *lead)
{
    if (n < 1 || n > MAXN)
        return sf_fail(ctx, SF_ERR_ARG, "spatial stability: 1 to %d populations (got %d)", MAXN, n);
    if (!(tau > 0) || !(d >= 0))
        return sf_fail(ctx, SF_ERR_ARG, "spatial stability: tau > 0 and d >= 0 needed");
    lead->lambda = -INFINITY;
    lead->k_index = -1;
    double complex ev[MAXN];
    double scale = d / tau * exp(d / tau);
    for (size_t i = 0; i < n_k; i++) {
        sf_status st = eigenvalues(ctx, n, W + i * (size_t)n * n, ev);
        if (st)
            return st;
        for (int e = 0; e < n; e++)
            for (int bi = 0; bi < n_b; bi++) {
                double complex l;
                if (d == 0)
                    l = bi == 0 ? (ev[e] - 1) / tau : NAN;
                else if (ev[e] == 0)
                    l = branches[bi] == 0 ? -1 / tau : NAN;
                else
                    l = -1 / tau + sf_field_lambertw(ev[e] * scale, branches[bi]) / d;
                if (lam)
                    lam[(i * (size_t)n + (size_t)e) * (size_t)n_b + (size_t)bi] = l;
                if (isfinite(creal(l)) && (lead->k_index < 0 || creal(l) > creal(lead->lambda))) {
                    *lead = (sf_field_root){l, k[i], (int)i, branches[bi], e};
                }
            }
    }
    if (lead->k_index < 0)
        return sf_fail(ctx, SF_ERR_NUMERIC, "spatial stability: no root found");
    return SF_OK;
}

sf_field_kind sf_field_classify(const sf_field_root *lead)
{
    if (!(creal(lead->lambda) > 0))
        return SF_FIELD_STABLE;
    /* a complex pair: |Im| beyond rounding of the real-axis roots */
    bool osc = fabs(cimag(lead->lambda)) > 1e-9 * (1 + fabs(creal(lead->lambda)));
    if (lead->k == 0)
        return osc ? SF_FIELD_OSCILLATION : SF_FIELD_RATE;
    return osc ? SF_FIELD_WAVE : SF_FIELD_PATTERN;
}

const char *sf_field_kind_name(sf_field_kind k)
{
    static const char *const names[] = {"stable", "rate", "oscillation", "pattern", "wave"};
    return k >= 0 && k <= SF_FIELD_WAVE ? names[k] : "?";
}

/* ------------------------------------------------------------------------ */
/* The LIF continuation. */

sf_status sf_field_lif_G(sf_context *ctx, const sf_field_lif *L, double complex lambda,
                         double alpha, double complex *G)
{
    int n = L->n;
    double complex A[MAXN * MAXN], T[MAXN];
    int piv[MAXN];
    double complex delay = cexp(-lambda * L->d), Cl[MAXN * MAXN];
    if (L->coupling) {
        sf_status st = L->coupling(L->user, lambda, Cl);
        if (st)
            return st;
    } else {
        for (int a = 0; a < n * n; a++)
            Cl[a] = L->C[a];
    }
    for (int a = 0; a < n; a++) {
        double complex H = 0;
        if (alpha != 0) {
            sf_status st = sf_theory_lif_transfer_s(ctx, &L->pop[a], L->mu[a], L->sigma[a], lambda,
                                                    true, L->ws, &H);
            if (st)
                return st;
        }
        double tm = L->pop[a].tau_m * 1e-3;
        T[a] = (alpha * H + (1 - alpha) * L->h0[a] / (1 + lambda * L->tau[a])) * tm;
    }
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            A[a * n + b] = (a == b) - T[a] * Cl[a * n + b] * delay;
    sf_linalg_lu(n, A, piv);
    *G = sf_linalg_lu_det(n, A, piv);
    return SF_OK;
}

static double complex step_h(double complex l)
{
    return 1e-6 * (1 + cabs(l));
}

/* dG/dlambda by central differences (G is analytic in lambda). */
static sf_status dG_dl(sf_context *ctx, const sf_field_lif *L, double complex l, double alpha,
                       double complex *g, double complex *dg)
{
    double complex h = step_h(l), gp, gm;
    sf_status st = sf_field_lif_G(ctx, L, l, alpha, g);
    if (!st)
        st = sf_field_lif_G(ctx, L, l + h, alpha, &gp);
    if (!st)
        st = sf_field_lif_G(ctx, L, l - h, alpha, &gm);
    *dg = (gp - gm) / (2 * h);
    return st;
}

/* Newton's method on G(., alpha) from l. */
static sf_status newton(sf_context *ctx, const sf_field_lif *L, double alpha, double complex *l)
{
    for (int it = 0; it < 60; it++) {
        double complex g, dg;
        sf_status st = dG_dl(ctx, L, *l, alpha, &g, &dg);
        if (st)
            return st;
        if (dg == 0)
            break;
        double complex dl = g / dg;
        *l -= dl;
        if (cabs(dl) < 1e-10 * (1 + cabs(*l)))
            return SF_OK;
    }
    return sf_fail(ctx, SF_ERR_NOCONV, "continuation of the rate-model eigenvalue to the LIF "
                   "network: Newton's method did not converge at alpha = %g", alpha);
}

sf_status sf_field_lif_root(sf_context *ctx, const sf_field_lif *L, double alpha,
                            double complex *lambda)
{
    return newton(ctx, L, alpha, lambda);
}

static sf_status slope(sf_context *ctx, const sf_field_lif *L, double complex l, double alpha,
                       double complex *out)
{
    double complex g, dg, ga, gb;
    double ha = 1e-4;
    double a0 = alpha - ha < 0 ? 0 : alpha - ha, a1 = alpha + ha > 1 ? 1 : alpha + ha;
    sf_status st = dG_dl(ctx, L, l, alpha, &g, &dg);
    if (!st)
        st = sf_field_lif_G(ctx, L, l, a1, &gb);
    if (!st)
        st = sf_field_lif_G(ctx, L, l, a0, &ga);
    if (st)
        return st;
    *out = -((gb - ga) / (a1 - a0)) / dg;
    return SF_OK;
}

sf_status sf_field_continue(sf_context *ctx, const sf_field_lif *L, double complex lambda0,
                            int n_steps, double complex *by_roots, double complex *by_ode)
{
    if (n_steps < 1)
        n_steps = 1;
    double complex l = lambda0;
    sf_status st = newton(ctx, L, 0.0, &l);
    for (int s = 1; st == SF_OK && s <= n_steps; s++)
        st = newton(ctx, L, (double)s / n_steps, &l);
    if (st)
        return st;
    *by_roots = l;
    /* RK4 on d lambda / d alpha from the alpha = 0 root */
    l = lambda0;
    if ((st = newton(ctx, L, 0.0, &l)))
        return st;
    double h = 1.0 / n_steps;
    for (int s = 0; s < n_steps; s++) {
        double a = s * h;
        double complex k1, k2, k3, k4;
        if ((st = slope(ctx, L, l, a, &k1)) || (st = slope(ctx, L, l + h / 2 * k1, a + h / 2, &k2)) ||
            (st = slope(ctx, L, l + h / 2 * k2, a + h / 2, &k3)) ||
            (st = slope(ctx, L, l + h * k3, a + h, &k4)))
            return st;
        l += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    *by_ode = l;
    return SF_OK;
}
