/* Parabolic cylinder functions U(a, x) of complex order a and real argument x
 * (DLMF chapter 12), computed by integrating a Riccati equation, and the
 * workspace that carries the integrator.
 *
 * Method. W(y) = e^{y^2/4} U(a, y) solves W'' - y W' - b W = 0, b = a + 1/2
 * (from Weber's equation U'' = (y^2/4 + a) U, DLMF 12.2.2). Its logarithmic
 * derivative p = W'/W obeys the Riccati equation
 *     p' = b + y p - p^2,
 * and log W(y1) - log W(y0) = int_{y0}^{y1} p dy. Integrated towards
 * decreasing y, the solution recessive at +infinity (U) attracts all others:
 * a perturbation decays like exp(-2 int Re sqrt(y^2/4 + a) dy).
 *   - Start: for y >= 1.5, p is known exactly from U(a+1,y)/U(a,y), a
 *     continued fraction (minimal solution of the recurrence DLMF 12.8.1):
 *     p = -(a + 1/2) U(a+1,y)/U(a,y). For |b| > 300 it is cheaper to start
 *     a little above the region of interest from the large-y expansion
 *     (DLMF 12.9.1) or the WKB value p = y/2 - sqrt(q) - q'/(4q),
 *     q = y^2/4 + a, at a point where the start error is damped by e^{-50}.
 *   - Integration downwards: Taylor series of order 24 whose coefficients
 *     follow exactly from the equation, with steps from the decay of the
 *     coefficients and the stability bound of the truncated series.
 *   - When the whole interval lies far in the recessive region (y >= 3 and
 *     y^2 >= 4|b|; the strongly mean-driven LIF with small sigma), the
 *     integration would be stiff over a long interval; there p is taken
 *     pointwise from the continued fraction and int p dy by Gauss-Legendre
 *     quadrature in log y.
 *
 * Why p and not U: p is smooth (it does not oscillate even where U does for
 * large |Im a|), it carries the factor b exactly (p = 0 solves the equation
 * for b = 0), so relative accuracy survives b -> 0 (the omega -> 0 limit of
 * the LIF transfer function), and values of U far outside double range stay
 * representable as logarithms.
 *
 * The normalisation for sf_theory_pcf_u comes from U(a,0) and U'(a,0)
 * (DLMF 12.2.6-7) through GSL's complex log-Gamma; the integrated p(0) is
 * checked against the exact U'(a,0)/U(a,0).
 */
#include "theory/theory_impl.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_result.h>
#include <math.h>
#include <stdlib.h>

/* ---------------------------------------------------------------------------
 * Workspace. */

sf_theory_workspace *sf_theory_workspace_create(int n_pop)
{
    if (n_pop < 0)
        return NULL;
    sf_theory_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->n_pop = n_pop;
    ws->q_limit = 512;
    ws->qw_outer = gsl_integration_workspace_alloc(ws->q_limit);
    ws->qw_inner = gsl_integration_workspace_alloc(ws->q_limit);
    ws->gl = gsl_integration_glfixed_table_alloc(16);
    size_t n = (size_t)(n_pop > 0 ? n_pop : 1);
    ws->m1 = malloc(n * n * sizeof *ws->m1);
    ws->m2 = malloc(n * n * sizeof *ws->m2);
    ws->w = malloc(n * n * sizeof *ws->w);
    ws->v1 = malloc(n * sizeof *ws->v1);
    ws->used = malloc(n * sizeof *ws->used);
    if (!ws->qw_outer || !ws->qw_inner || !ws->gl || !ws->m1 || !ws->m2 || !ws->w || !ws->v1
        || !ws->used || sf_lr_ws_init(&ws->lr, n_pop) != SF_OK) {
        sf_theory_workspace_destroy(ws);
        return NULL;
    }
    return ws;
}

void sf_theory_workspace_destroy(sf_theory_workspace *ws)
{
    if (!ws)
        return;
    if (ws->qw_outer)
        gsl_integration_workspace_free(ws->qw_outer);
    if (ws->qw_inner)
        gsl_integration_workspace_free(ws->qw_inner);
    if (ws->gl)
        gsl_integration_glfixed_table_free(ws->gl);
    free(ws->m1);
    free(ws->m2);
    free(ws->w);
    free(ws->v1);
    free(ws->used);
    sf_lr_ws_free(&ws->lr);
    free(ws);
}

double complex sf__cexpm1(double complex z)
{
    double x = creal(z), y = cimag(z);
    double s = sin(0.5 * y);
    /* e^x cos y - 1 = expm1(x) cos y - 2 sin^2(y/2) */
    return (expm1(x) * cos(y) - 2.0 * s * s) + I * (exp(x) * sin(y));
}

/* ---------------------------------------------------------------------------
 * Taylor-series integration of p' = b + y p - p^2, S' = p.
 *
 * At (y0, p0) the Taylor coefficients follow exactly from the equation
 * (Cauchy product for p^2):
 *   (k+1) c_{k+1} = b [k = 0] + y0 c_k + c_{k-1} - sum_{j=0}^{k} c_j c_{k-j}.
 * The step h is the smaller of (i) the accuracy bound from the last two
 * coefficients, |c_k| h^k <= eps |p| for k = N-1, N (Jorba & Zou 2005, Exp.
 * Math. 14:99), and (ii) the stability bound |(y0 - 2 p0) h| <= N/4: the
 * truncated exponential of degree N is contractive for |z| < 0.37 N + 1.3,
 * which keeps the (damped) perturbations damped. */

#define TAYLOR_N 24
#define TAYLOR_EPS 4e-16
#define TAYLOR_MAX_STEPS 200000

static const double inv_k1[TAYLOR_N + 2] = {
    1.0,      1.0 / 2,  1.0 / 3,  1.0 / 4,  1.0 / 5,  1.0 / 6,  1.0 / 7,
    1.0 / 8,  1.0 / 9,  1.0 / 10, 1.0 / 11, 1.0 / 12, 1.0 / 13, 1.0 / 14,
    1.0 / 15, 1.0 / 16, 1.0 / 17, 1.0 / 18, 1.0 / 19, 1.0 / 20, 1.0 / 21,
    1.0 / 22, 1.0 / 23, 1.0 / 24, 1.0 / 25, 1.0 / 26};

/* Integrates from t0 (state p0, S = 0) to t1; returns p(t1) and
 * S = int_{t0}^{t1} p dt. 0 on success, -1 when the step count explodes. */
static int pcf_integrate(double complex b, double t0, double complex p0, double t1,
                         double complex *p1, double complex *S)
{
    double complex c[TAYLOR_N + 1];
    double complex p = p0, s = 0.0;
    double t = t0;
    double dir = (t1 < t0) ? -1.0 : 1.0;
    for (long steps = 0; (t1 - t) * dir > 0; ++steps) {
        if (steps > TAYLOR_MAX_STEPS || !isfinite(creal(p)) || !isfinite(cimag(p)))
            return -1;
        c[0] = p;
        for (int k = 0; k < TAYLOR_N; ++k) {
            double complex conv = 0.0;
            for (int j = 0; j < (k + 1) / 2; ++j)
                conv += c[j] * c[k - j];
            conv *= 2.0;
            if (k % 2 == 0)
                conv += c[k / 2] * c[k / 2];
            double complex rhs = t * c[k] - conv + (k == 0 ? b : c[k - 1]);
            c[k + 1] = rhs * inv_k1[k];
        }
        double scale = cabs(c[0]);
        double tol = TAYLOR_EPS * (scale > 0 ? scale : 1e-300);
        double h = fabs(t1 - t);
        double aN = cabs(c[TAYLOR_N]), aN1 = cabs(c[TAYLOR_N - 1]);
        if (aN > 0)
            h = fmin(h, pow(tol / aN, 1.0 / TAYLOR_N));
        if (aN1 > 0)
            h = fmin(h, pow(tol / aN1, 1.0 / (TAYLOR_N - 1)));
        double lam = cabs(t - 2.0 * p);
        if (lam > 0)
            h = fmin(h, 0.25 * TAYLOR_N / lam);
        bool last = h >= fabs(t1 - t);
        double hh = last ? t1 - t : dir * h;
        double complex pn = c[TAYLOR_N], sn = c[TAYLOR_N] * inv_k1[TAYLOR_N];
        for (int k = TAYLOR_N - 1; k >= 0; --k) {
            pn = pn * hh + c[k];
            sn = sn * hh + c[k] * inv_k1[k];
        }
        p = pn;
        s += sn * hh;
        t = last ? t1 : t + hh;
    }
    *p1 = p;
    *S = s;
    return 0;
}

/* U(a+1, y)/U(a, y) from the continued fraction of the recurrence
 * U(a-1, y) = y U(a, y) + (a + 1/2) U(a+1, y) (DLMF 12.8.1), whose minimal
 * solution in a is U:
 *   R_a = 1/(y + (a+3/2)/(y + (a+5/2)/(y + ...))),
 * evaluated with the modified Lentz method. y > 0. Returns the number of
 * terms used, or -1 when it did not converge within max_terms. */
static int pcf_ratio_cf(double complex a, double y, int max_terms, double complex *R)
{
    const double tiny = 1e-300;
    double complex f = tiny, C = tiny, D = 0.0;
    for (int k = 1; k <= max_terms; ++k) {
        double complex ak = (k == 1) ? 1.0 : a + (k - 0.5);
        D = y + ak * D;
        if (D == 0.0)
            D = tiny;
        C = y + ak / C;
        if (C == 0.0)
            C = tiny;
        D = 1.0 / D;
        double complex delta = C * D;
        f *= delta;
        if (cabs(delta - 1.0) < 1e-16) {
            *R = f;
            return k;
        }
    }
    return -1;
}

/* Start value p(X) for large X: the expansion of U (DLMF 12.9.1),
 * W ~ X^{-b} sum_s c_s X^{-2s}, c_s = (-1)^s (b)_{2s} / (s! 2^s), when its
 * terms fall below 1e-17 before they start to grow; else WKB. */
static double complex pcf_start_value(double complex b, double X)
{
    double complex a = b - 0.5;
    double complex c = 1.0, sum = 1.0, dsum = 0.0;
    double invX2 = 1.0 / (X * X);
    double complex Xp = 1.0; /* X^{-2s} */
    double last = HUGE_VAL;
    for (int s = 1; s < 200; ++s) {
        c *= -(b + (2.0 * s - 2.0)) * (b + (2.0 * s - 1.0)) / (2.0 * s);
        Xp *= invX2;
        double complex term = c * Xp;
        double mag = cabs(term);
        if (mag > last)
            break; /* diverging: use WKB */
        last = mag;
        sum += term;
        dsum += -2.0 * s * term / X;
        if (mag < 1e-17 * cabs(sum))
            return -b / X + dsum / sum;
    }
    double complex q = 0.25 * X * X + a;
    double complex sq = csqrt(q);
    return -a / (0.5 * X + sq) - X / (8.0 * q);
}

/* Below this y the continued fraction needs too many terms. */
#define PCF_CF_YMIN 1.5
/* Above this |b| the WKB start (close to y_hi) is cheaper than the CF. */
#define PCF_CF_BMAX 300.0

/* A point y0 >= y_hi and the exact (CF) or asymptotically exact (WKB start
 * plus damping distance) value p(y0). */
static void pcf_start(double complex b, double y_hi, double *y0, double complex *p0)
{
    double complex a = b - 0.5;
    if (cabs(b) <= PCF_CF_BMAX) {
        double y = fmax(y_hi, PCF_CF_YMIN);
        double complex R;
        if (pcf_ratio_cf(a, y, 20000, &R) > 0) {
            /* p = r + y/2 = -(a + 1/2) U(a+1,y)/U(a,y) (DLMF 12.8.2) */
            *y0 = y;
            *p0 = -b * R;
            return;
        }
    }
    /* For |Im b| > 5 U follows the decaying WKB branch on the whole real line
     * (its dominant part at -infinity has weight 1/Gamma(b), |1/Gamma(5i)|^2
     * = 5 sinh(5 pi)/pi ~ 1e7); otherwise start the damping estimate at 0,
     * right of which U is recessive. */
    double y = (fabs(cimag(b)) > 5.0) ? y_hi : fmax(y_hi, 0.0);
    double acc = 0.0, h = 0.25;
    /* damping of the start error: exp(-2 int Re sqrt(q)) <= e^{-50} */
    while (acc < 25.0 && y < y_hi + 1e4) {
        double complex q0 = 0.25 * y * y + a;
        y += h;
        double complex q1 = 0.25 * y * y + a;
        acc += 0.5 * h * (creal(csqrt(q0)) + creal(csqrt(q1)));
        h = fmin(1.0, fmax(0.05, 1.0 / (creal(csqrt(q1)) + 1.0)));
    }
    *y0 = y;
    *p0 = pcf_start_value(b, y);
}

/* Both ends far in the recessive region (y_lo >= 3, y_lo^2 >= 4|b|): p is
 * smooth there and known pointwise from the continued fraction, while the
 * backward integration would be stiff (decay rate ~y over a long interval
 * when sigma is small). So S = int p dy by Gauss-Legendre quadrature in
 * log y (p ~ -b/y), 16 nodes per 0.25 in log y. */
static int pcf_track_quadrature(const sf_theory_workspace *ws, double complex b,
                                double y_hi, double y_lo, double complex *p_hi,
                                double complex *p_lo, double complex *S)
{
    double complex a = b - 0.5, R;
    if (pcf_ratio_cf(a, y_hi, 20000, &R) < 0)
        return -1;
    *p_hi = -b * R;
    if (pcf_ratio_cf(a, y_lo, 20000, &R) < 0)
        return -1;
    *p_lo = -b * R;
    double u0 = log(y_lo), u1 = log(y_hi);
    int pieces = (int)ceil((u1 - u0) / 0.25);
    if (pieces < 1)
        pieces = 1;
    double du = (u1 - u0) / pieces;
    double complex sum = 0.0;
    for (int k = 0; k < pieces; ++k) {
        double ua = u0 + k * du, ub = ua + du;
        for (size_t i = 0; i < ws->gl->n; ++i) {
            double u, w;
            gsl_integration_glfixed_point(ua, ub, i, &u, &w, ws->gl);
            double y = exp(u);
            if (pcf_ratio_cf(a, y, 20000, &R) < 0)
                return -1;
            sum += w * y * (-b * R); /* dy = y du */
        }
    }
    *S = -sum; /* int_{y_hi}^{y_lo} */
    return 0;
}

int sf__pcf_track(sf_theory_workspace *ws, double complex b, double y_hi,
                  double y_lo, double complex *p_hi, double complex *p_lo,
                  double complex *S)
{
    if (ws && ws->gl && y_lo >= 3.0 && y_lo * y_lo >= 4.0 * cabs(b) && y_hi > y_lo)
        return pcf_track_quadrature(ws, b, y_hi, y_lo, p_hi, p_lo, S);
    double y0;
    double complex p0, S1;
    pcf_start(b, y_hi, &y0, &p0);
    if (pcf_integrate(b, y0, p0, y_hi, p_hi, &S1) != 0)
        return -1;
    return pcf_integrate(b, y_hi, *p_hi, y_lo, p_lo, S);
}

sf_status sf_theory_pcf_u(sf_context *ctx, double complex a, double x, sf_theory_workspace *ws,
                          double complex *log_u, double complex *dlog_u)
{
    if (!ws || !log_u || !dlog_u)
        return sf_fail(ctx, SF_ERR_ARG, "pcf: workspace or output is NULL");
    if (!isfinite(creal(a)) || !isfinite(cimag(a)) || !isfinite(x))
        return sf_fail(ctx, SF_ERR_ARG, "pcf: a = %g%+gi, x = %g must be finite",
                       creal(a), cimag(a), x);
    double complex b = a + 0.5;
    /* U(a,0) = sqrt(pi) / (2^{a/2+1/4} Gamma(3/4 + a/2)),
     * U'(a,0)/U(a,0) = -sqrt(2) Gamma(3/4 + a/2)/Gamma(1/4 + a/2) */
    gsl_sf_result lr3, ar3, lr1, ar1;
    double complex g3 = 0.75 + 0.5 * a, g1 = 0.25 + 0.5 * a;
    if (gsl_sf_lngamma_complex_e(creal(g3), cimag(g3), &lr3, &ar3) != GSL_SUCCESS)
        return sf_fail(ctx, SF_ERR_RANGE,
                       "pcf: U(a, 0) = 0 for a = %g%+gi (pole of Gamma(3/4 + a/2))",
                       creal(a), cimag(a));
    double complex lng3 = lr3.val + I * ar3.val;
    double complex logU0 = 0.5 * log(M_PI) - (0.5 * a + 0.25) * log(2.0) - lng3;
    double complex r0;
    if (gsl_sf_lngamma_complex_e(creal(g1), cimag(g1), &lr1, &ar1) != GSL_SUCCESS)
        r0 = 0.0; /* Gamma(1/4 + a/2) infinite: U'(a,0) = 0 */
    else
        r0 = -sqrt(2.0) * cexp(lng3 - (lr1.val + I * ar1.val));

    double complex p_x, p_0, S;
    int st;
    if (x >= 0) {
        st = sf__pcf_track(ws, b, x, 0.0, &p_x, &p_0, &S);
        if (st == 0
            && cabs(p_0 - r0) > 1e-7 * cabs(r0) + 1e-9 * fmin(1.0, cabs(b)))
            return sf_fail(ctx, SF_ERR_NUMERIC,
                           "pcf: integration of U(a = %g%+gi, x) inconsistent at x = 0 "
                           "(U'/U = %g%+gi, exact %g%+gi); is U near a zero?",
                           creal(a), cimag(a), creal(p_0), cimag(p_0), creal(r0),
                           cimag(r0));
        /* S = log W(0) - log W(x) */
        *log_u = logU0 - S - 0.25 * x * x;
    } else {
        st = pcf_integrate(b, 0.0, r0, x, &p_x, &S);
        *log_u = logU0 + S - 0.25 * x * x;
    }
    if (st != 0)
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "pcf: integration failed for a = %g%+gi, x = %g (U too close to "
                       "a zero, or |a|, |x| too large)",
                       creal(a), cimag(a), x);
    *dlog_u = p_x - 0.5 * x;
    return SF_OK;
}
