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
 * a perturbation decays like exp(-2 int Re sqrt(y^2/4 + a) dy). So we start
 * at a point X0 above the region of interest, chosen such that this factor is
 * below e^{-50}, from the large-y expansion of U (DLMF 12.9.1) or, where it
 * does not converge, the WKB value p = y/2 - sqrt(q) - q'/(4q), q = y^2/4 + a,
 * and integrate downwards with GSL's 8th-order Runge-Kutta-Prince-Dormand.
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
#include "theory_impl.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_result.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>

/* ---------------------------------------------------------------------------
 * Workspace. */

static int riccati_rhs(double t, const double y[], double dydt[], void *params);

#define PCF_EPSREL 1e-8

sf_theory_workspace *sf_theory_workspace_create(int n_pop)
{
    if (n_pop < 0)
        return NULL;
    sf_theory_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    gsl_set_error_handler_off();
    ws->n_pop = n_pop;
    ws->q_limit = 512;
    ws->qw_outer = gsl_integration_workspace_alloc(ws->q_limit);
    ws->qw_inner = gsl_integration_workspace_alloc(ws->q_limit);
    ws->sys.function = riccati_rhs;
    ws->sys.jacobian = NULL;
    ws->sys.dimension = 4;
    ws->sys.params = ws;
    ws->drv = gsl_odeiv2_driver_alloc_y_new(&ws->sys, gsl_odeiv2_step_rk8pd, -1e-2,
                                            1e-13, PCF_EPSREL);
    size_t n = (size_t)(n_pop > 0 ? n_pop : 1);
    ws->m1 = malloc(n * n * sizeof *ws->m1);
    ws->m2 = malloc(n * n * sizeof *ws->m2);
    ws->m3 = malloc(n * n * sizeof *ws->m3);
    ws->v1 = malloc(n * sizeof *ws->v1);
    ws->v2 = malloc(n * sizeof *ws->v2);
    ws->ipiv = malloc(n * sizeof *ws->ipiv);
    if (!ws->qw_outer || !ws->qw_inner || !ws->drv || !ws->m1 || !ws->m2 || !ws->m3
        || !ws->v1 || !ws->v2 || !ws->ipiv) {
        sf_theory_workspace_destroy(ws);
        return NULL;
    }
    gsl_odeiv2_driver_set_nmax(ws->drv, 2000000);
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
    if (ws->drv)
        gsl_odeiv2_driver_free(ws->drv);
    free(ws->m1);
    free(ws->m2);
    free(ws->m3);
    free(ws->v1);
    free(ws->v2);
    free(ws->ipiv);
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
 * The Riccati equation: state (Re p, Im p, Re S, Im S), S' = p. */

long sf__nevals;
static int riccati_rhs(double t, const double y[], double dydt[], void *params)
{
    sf__nevals++; if (getenv("SF_TRACE")) fprintf(stderr, "%g\n", t);
    const sf_theory_workspace *ws = params;
    double br = creal(ws->ode_b), bi = cimag(ws->ode_b);
    double pr = y[0], pi = y[1];
    /* p' = b + t p - p^2 */
    dydt[0] = br + t * pr - (pr * pr - pi * pi);
    dydt[1] = bi + t * pi - 2.0 * pr * pi;
    dydt[2] = pr;
    dydt[3] = pi;
    return GSL_SUCCESS;
}

/* Integrates from t0 (state p0, S = 0) to t1 < t0; returns p(t1) and
 * S = int_{t0}^{t1} p dt. */
static int pcf_integrate(sf_theory_workspace *ws, double complex b, double t0,
                         double complex p0, double t1, double complex *p1,
                         double complex *S)
{
    if (t1 == t0) {
        *p1 = p0;
        *S = 0;
        return GSL_SUCCESS;
    }
    ws->ode_b = b;
    /* absolute tolerance scaled with b, since p and S are O(b) as b -> 0 */
    double scale = fmin(1.0, cabs(b) + 1e-300);
    gsl_odeiv2_control_init(ws->drv->c, 1e-13 * scale, PCF_EPSREL, 1.0, 0.0);
    /* first step: resolve the fastest local rate |y - 2p| */
    double rate = fabs(t0) + 2.0 * cabs(p0) + sqrt(cabs(b)) + 1.0;
    double h0 = fmin(0.5 / rate, fabs(t1 - t0));
    gsl_odeiv2_driver_reset_hstart(ws->drv, t1 < t0 ? -h0 : h0);
    double y[4] = {creal(p0), cimag(p0), 0.0, 0.0};
    double t = t0;
    int st = gsl_odeiv2_driver_apply(ws->drv, &t, t1, y);
    *p1 = y[0] + I * y[1];
    *S = y[2] + I * y[3];
    return st;
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

int sf__pcf_track(sf_theory_workspace *ws, double complex b, double y_hi,
                  double y_lo, double complex *p_hi, double complex *p_lo,
                  double complex *S)
{
    double complex a = b - 0.5;
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
    double X0 = y;
    double complex p0 = pcf_start_value(b, X0), S1, S2;
    int st = pcf_integrate(ws, b, X0, p0, y_hi, p_hi, &S1);
    if (st != GSL_SUCCESS)
        return st;
    st = pcf_integrate(ws, b, y_hi, *p_hi, y_lo, p_lo, &S2);
    *S = S2;
    return st;
}

sf_status sf_theory_pcf_u(double complex a, double x, sf_theory_workspace *ws,
                          double complex *log_u, double complex *dlog_u,
                          sf_context *ctx)
{
    if (!ws || !log_u || !dlog_u)
        return sf_fail(ctx, SF_ERR_ARG, "pcf: workspace or output is NULL");
    if (!isfinite(creal(a)) || !isfinite(cimag(a)) || !isfinite(x))
        return sf_fail(ctx, SF_ERR_ARG, "pcf: a = %g%+gi, x = %g must be finite",
                       creal(a), cimag(a), x);
    gsl_set_error_handler_off();
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
    double complex logU0 = 0.5 * log(SF_PI) - (0.5 * a + 0.25) * log(2.0) - lng3;
    double complex r0;
    if (gsl_sf_lngamma_complex_e(creal(g1), cimag(g1), &lr1, &ar1) != GSL_SUCCESS)
        r0 = 0.0; /* Gamma(1/4 + a/2) infinite: U'(a,0) = 0 */
    else
        r0 = -sqrt(2.0) * cexp(lng3 - (lr1.val + I * ar1.val));

    double complex p_x, p_0, S;
    int st;
    if (x >= 0) {
        st = sf__pcf_track(ws, b, x, 0.0, &p_x, &p_0, &S);
        if (st == GSL_SUCCESS
            && cabs(p_0 - r0) > 1e-7 * cabs(r0) + 1e-9 * fmin(1.0, cabs(b)))
            return sf_fail(ctx, SF_ERR_NUMERIC,
                           "pcf: integration of U(a = %g%+gi, x) inconsistent at x = 0 "
                           "(U'/U = %g%+gi, exact %g%+gi); is U near a zero?",
                           creal(a), cimag(a), creal(p_0), cimag(p_0), creal(r0),
                           cimag(r0));
        /* S = log W(0) - log W(x) */
        *log_u = logU0 - S - 0.25 * x * x;
    } else {
        st = pcf_integrate(ws, b, 0.0, r0, x, &p_x, &S);
        *log_u = logU0 + S - 0.25 * x * x;
    }
    if (st != GSL_SUCCESS)
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "pcf: ODE integration failed for a = %g%+gi, x = %g (%s)",
                       creal(a), cimag(a), x, gsl_strerror(st));
    *dlog_u = p_x - 0.5 * x;
    return SF_OK;
}
