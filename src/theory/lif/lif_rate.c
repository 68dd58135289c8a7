/* Stationary rate of a LIF neuron in the diffusion approximation (Siegert
 * formula), its derivatives with respect to the input mean and standard
 * deviation, and the colored-noise corrections of Fourcaud & Brunel (2002).
 *
 * Invariant: e^{u^2} and (1 + erf u) never appear separately. Every quantity
 * is written with erfcx(x) = e^{x^2} erfc(x) (<= 1 for x >= 0), Dawson's
 * function D(x) = e^{-x^2} int_0^x e^{t^2} dt, and an explicit scale e^{-s},
 * s = max(y_th, 0)^2, so that rates from 1e-300 Hz (deep in the
 * fluctuation-driven regime) to 1/t_ref (strongly mean-driven) are computed
 * to ~1e-13 relative accuracy.
 *
 * The Siegert integral (Siegert 1951; Brunel 2000 eq. 21, Amit & Brunel 1997)
 *   I(y_r, y_th) = int_{y_r}^{y_th} e^{u^2}(1 + erf u) du
 *                = int_{y_r}^{y_th} erfcx(-u) du
 * is split into pieces that are each free of cancellation:
 *   u < 0:  erfcx(-u) = erfcx(|u|), integrated as G(a,b) = int_a^b erfcx;
 *   u > 0:  erfcx(-u) = 2 e^{u^2} - erfcx(u) and int_0^y e^{u^2} du = e^{y^2} D(y).
 * G(a, b) is Gauss-Kronrod quadrature on [0, 8] and the integrated asymptotic
 * series of erfcx beyond (erfcx(x) ~ 1/(x sqrt(pi)) sum (-1)^n (2n-1)!!/(2x^2)^n,
 * DLMF 7.12.1), whose terms at x >= 8 fall below 1e-17 after 20 terms.
 */
#include "theory/theory_impl.h"

#include <cerf.h>
#include <gsl/gsl_errno.h>
#include <math.h>

/* Above this argument G(a, b) uses the asymptotic series. */
#define ERFCX_ASYMPT_X 8.0

static double erfcx_fn(double x, void *params)
{
    (void)params;
    return erfcx(x);
}

/* int_a^b f with GSL's non-adaptive Gauss-Kronrod-Patterson rule (no
 * workspace, up to 87 points); on the rare miss the interval is halved. */
static double qng_bisect(gsl_function *F, double a, double b, int depth)
{
    double r = 0, err = 0;
    size_t neval = 0;
    int st = gsl_integration_qng(F, a, b, 0.0, 1e-13, &r, &err, &neval);
    if (st != GSL_SUCCESS && depth < 12 && err > 1e-15 * fabs(r)) {
        double m = 0.5 * (a + b);
        return qng_bisect(F, a, m, depth + 1) + qng_bisect(F, m, b, depth + 1);
    }
    return r;
}

/* sum_{n>=1} (-1)^n (2n-1)!! / (2^n 2n x^{2n}) for x >= 8: the series part
 * of int erfcx dx = (ln x - series) / sqrt(pi). */
static double erfcx_int_series(double x)
{
    double inv2x2 = 1.0 / (2.0 * x * x);
    double term = 1.0;      /* (2n-1)!! / (2x^2)^n, with sign */
    double sum = 0.0;
    for (int n = 1; n <= 40; ++n) {
        term *= -(2.0 * n - 1.0) * inv2x2;
        double t = term / (2.0 * n);
        sum += t;
        if (fabs(t) < 1e-18 * fabs(sum))
            break;
    }
    return sum;
}

double sf__erfcx_integral(double a, double b)
{
    if (!(b > a))
        return 0.0;
    double res = 0.0;
    if (a < ERFCX_ASYMPT_X) {
        gsl_function F = {erfcx_fn, NULL};
        res += qng_bisect(&F, a, fmin(b, ERFCX_ASYMPT_X), 0);
    }
    if (b > ERFCX_ASYMPT_X) {
        double lo = fmax(a, ERFCX_ASYMPT_X);
        res += SF_INV_SQRT_PI * (log1p((b - lo) / lo) - erfcx_int_series(b)
                                 + erfcx_int_series(lo));
    }
    return res;
}

double sf__xerfcx_m(double x)
{
    if (x < ERFCX_ASYMPT_X)
        return x * erfcx(x) - SF_INV_SQRT_PI;
    /* x erfcx(x) = (1/sqrt(pi)) sum_n (-1)^n (2n-1)!!/(2x^2)^n (DLMF 7.12.1) */
    double inv2x2 = 1.0 / (2.0 * x * x);
    double term = 1.0, sum = 0.0;
    for (int n = 1; n <= 40; ++n) {
        term *= -(2.0 * n - 1.0) * inv2x2;
        sum += term;
        if (fabs(term) < 1e-18 * fabs(sum))
            break;
    }
    return SF_INV_SQRT_PI * sum;
}

/* e^{u^2 - s} erfc(-u): the Siegert integrand scaled by e^{-s}. */
static double scaled_integrand(double u, void *params)
{
    double s = *(const double *)params;
    return exp(u * u - s) * erfc(-u);
}

/* erfcx(-y) e^{-s} */
static double E_scaled(double y, double s)
{
    if (y >= 0)
        return erfc(-y) * exp(y * y - s);
    return erfcx(-y) * exp(-s);
}

/* (y erfcx(-y) + 1/sqrt(pi)) e^{-s} */
static double H_scaled(double y, double s)
{
    if (y >= 0)
        return y * erfc(-y) * exp(y * y - s) + SF_INV_SQRT_PI * exp(-s);
    return -sf__xerfcx_m(-y) * exp(-s);
}

void sf__siegert_eval(double y_th, double y_r, double tau_m, double t_ref,
                      sf__siegert *out)
{
    double s, Is; /* Is = I e^{-s} */
    if (y_th <= 0) {
        s = 0;
        Is = sf__erfcx_integral(-y_th, -y_r);
    } else if (y_r < 0) {
        s = y_th * y_th;
        /* int_{y_r}^0 erfcx(-u) + int_0^{y_th} (2e^{u^2} - erfcx(u)); the
         * second difference loses at most one bit (erfcx(-u) >= 1 >= erfcx(u)) */
        double es = exp(-s);
        Is = es * sf__erfcx_integral(0, -y_r) + 2.0 * dawson(y_th)
             - es * sf__erfcx_integral(0, y_th);
    } else {
        s = y_th * y_th;
        if (s - y_r * y_r < 1.0) {
            /* short interval: the Dawson form would cancel; integrate the
             * scaled integrand directly (it varies by at most e^1 here) */
            gsl_function F = {scaled_integrand, &s};
            Is = qng_bisect(&F, y_r, y_th, 0);
        } else {
            Is = 2.0 * dawson(y_th) - 2.0 * exp(y_r * y_r - s) * dawson(y_r)
                 - exp(-s) * sf__erfcx_integral(y_r, y_th);
        }
    }
    double es = exp(-s);
    out->s = s;
    out->nu_s = 1.0 / (t_ref * es + tau_m * SF_SQRT_PI * Is);
    out->nu = out->nu_s * es;
    out->E_th = E_scaled(y_th, s);
    out->E_r = E_scaled(y_r, s);
    out->Hh_th = H_scaled(y_th, s);
    out->Hh_r = H_scaled(y_r, s);
}

double sf__fb_shift(const sf_theory_pop *p, double sigma)
{
    if (p->tau_s <= 0)
        return 0.0;
    return sigma * 0.5 * SF_FB_ALPHA * sqrt(p->tau_s / p->tau_m);
}

/* Deterministic LIF (sigma = 0): T = t_ref + tau ln((mu - V_r)/(mu - V_th)). */
static void deterministic_rate(double mu, double Vth, double Vr, double tau,
                               double t_ref, sf__rate *out)
{
    out->negative = false;
    out->dsigma = 0;
    if (mu <= Vth) {
        out->nu = 0;
        out->dmu = (mu == Vth) ? HUGE_VAL : 0.0;
        return;
    }
    double nu = 1.0 / (t_ref + tau * log1p((Vth - Vr) / (mu - Vth)));
    out->nu = nu;
    out->dmu = nu * nu * tau * (1.0 / (mu - Vth) - 1.0 / (mu - Vr));
}

void sf__lif_rate(const sf_theory_pop *p, sf_theory_colored method, double mu,
                  double sigma, sf__rate *out)
{
    double Vth = p->V_th - p->E_L, Vr = p->V_reset - p->E_L;
    double tau = p->tau_m, tr = p->t_ref;
    bool colored = p->tau_s > 0;
    double c = colored ? 0.5 * SF_FB_ALPHA * sqrt(p->tau_s / p->tau_m) : 0.0;

    if (sigma == 0) {
        deterministic_rate(mu, Vth, Vr, tau, tr, out);
        return;
    }
    out->negative = false;
    if (!colored || method == SF_THEORY_SHIFT) {
        /* shifted boundaries V + c sigma: y = (V - mu)/sigma + c */
        double y_th = (Vth - mu) / sigma + c, y_r = (Vr - mu) / sigma + c;
        sf__siegert S;
        sf__siegert_eval(y_th, y_r, tau, tr, &S);
        double k = S.nu * S.nu_s * tau * SF_SQRT_PI / sigma;
        out->nu = S.nu;
        out->dmu = k * (S.E_th - S.E_r);
        /* d y/d sigma = -(y - c)/sigma: the white-noise term minus c dnu/dmu */
        out->dsigma = k * (S.Hh_th - S.Hh_r) - c * out->dmu;
        return;
    }

    /* Taylor: nu = nu0 - c sigma dnu0/dmu (first order in sqrt(tau_s/tau_m);
     * Fourcaud & Brunel 2002 eq. 4.33, nnmt _firing_rate_taylor). */
    double y_th = (Vth - mu) / sigma, y_r = (Vr - mu) / sigma;
    sf__siegert S;
    sf__siegert_eval(y_th, y_r, tau, tr, &S);
    double k = tau * SF_SQRT_PI / sigma;
    double dE = S.E_th - S.E_r;
    double nu0 = S.nu;
    double d1 = S.nu * S.nu_s * k * dE;                    /* dnu0/dmu          */
    double ds = S.nu * S.nu_s * k * (S.Hh_th - S.Hh_r);    /* dnu0/dsigma       */
    double d1_over_nu0 = S.nu_s * k * dE;                  /* dnu0/dmu / nu0    */
    double d2 = 2.0 * d1 * d1_over_nu0 - 2.0 / sigma * ds; /* d2nu0/dmu2        */
    /* d/dsigma of dnu0/dmu = (2 ds/nu0 - 1/sigma) d1 - (2 A/sigma)(y h|_th - y h|_r),
     * A = nu0^2 tau sqrt(pi)/sigma, y h(y) = y (y erfcx(-y) + 1/sqrt(pi)) */
    double ds_over_nu0 = S.nu_s * k * (S.Hh_th - S.Hh_r);
    double yh = y_th * S.Hh_th - y_r * S.Hh_r;
    double d1s = (2.0 * ds_over_nu0 - 1.0 / sigma) * d1
                 - 2.0 / sigma * S.nu * S.nu_s * k * yh;
    out->nu = nu0 - c * sigma * d1;
    out->dmu = d1 - c * sigma * d2;
    out->dsigma = ds - c * d1 - c * sigma * d1s;
    out->negative = out->nu < 0;
}

double sf_theory_siegert(double mu, double sigma, double V_th, double V_r,
                         double tau_m, double t_ref)
{
    if (!isfinite(mu) || !(sigma >= 0) || !isfinite(sigma) || !isfinite(V_th)
        || !isfinite(V_r) || !(V_r < V_th) || !(tau_m > 0) || !(t_ref >= 0))
        return NAN;
    sf_theory_pop p = {.tau_m = tau_m, .t_ref = t_ref, .V_th = V_th,
                       .V_reset = V_r, .E_L = 0, .C_m = 1, .tau_s = 0};
    sf__rate r;
    sf__lif_rate(&p, SF_THEORY_SHIFT, mu, sigma, &r);
    return 1e3 * r.nu;
}

double sf_theory_psc_to_psp(double w_pA, double tau_s, double C_m)
{
    /* pA ms / pF = mV */
    return w_pA * tau_s / C_m;
}

sf_status sf_theory_pop_check(sf_context *ctx, const sf_theory_pop *p)
{
    if (!p)
        return sf_fail(ctx, SF_ERR_ARG, "theory: population is NULL");
    const double v[] = {p->tau_m, p->t_ref, p->V_th, p->V_reset, p->E_L,
                        p->C_m,   p->tau_s, p->I_e,  p->N,       p->ext_rate,
                        p->J_ext};
    static const char *const names[] = {"tau_m", "t_ref", "V_th", "V_reset",
                                        "E_L", "C_m", "tau_s", "I_e", "N",
                                        "ext_rate", "J_ext"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; ++i)
        if (!isfinite(v[i]))
            return sf_fail(ctx, SF_ERR_ARG, "theory: %s = %g is not finite",
                           names[i], v[i]);
    if (!(p->tau_m > 0))
        return sf_fail(ctx, SF_ERR_RANGE, "theory: tau_m = %g ms must be > 0", p->tau_m);
    if (!(p->t_ref >= 0))
        return sf_fail(ctx, SF_ERR_RANGE, "theory: t_ref = %g ms must be >= 0", p->t_ref);
    if (!(p->V_reset < p->V_th))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "theory: V_reset = %g mV must be below V_th = %g mV",
                       p->V_reset, p->V_th);
    if (!(p->C_m > 0))
        return sf_fail(ctx, SF_ERR_RANGE, "theory: C_m = %g pF must be > 0", p->C_m);
    if (!(p->tau_s >= 0))
        return sf_fail(ctx, SF_ERR_RANGE, "theory: tau_s = %g ms must be >= 0", p->tau_s);
    if (!(p->ext_rate >= 0))
        return sf_fail(ctx, SF_ERR_RANGE, "theory: ext_rate = %g Hz must be >= 0",
                       p->ext_rate);
    if (!(p->N >= 0))
        return sf_fail(ctx, SF_ERR_RANGE, "theory: N = %g must be >= 0", p->N);
    return SF_OK;
}

static sf_status check_working_point(sf_context *ctx, double mu, double sigma)
{
    if (!isfinite(mu))
        return sf_fail(ctx, SF_ERR_ARG, "theory: mean input mu = %g mV is not finite", mu);
    if (!(sigma >= 0) || !isfinite(sigma))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "theory: input standard deviation sigma = %g mV must be finite and >= 0",
                       sigma);
    return SF_OK;
}

sf_status sf_theory_lif_rate(sf_context *ctx, const sf_theory_pop *p, sf_theory_colored method,
                             double mu, double sigma, sf_theory_rate_result *out)
{
    sf_status st = sf_theory_pop_check(ctx, p);
    if (st != SF_OK)
        return st;
    if ((st = check_working_point(ctx, mu, sigma)) != SF_OK)
        return st;
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "theory: output is NULL");
    if (method != SF_THEORY_SHIFT && method != SF_THEORY_TAYLOR)
        return sf_fail(ctx, SF_ERR_ARG, "theory: unknown colored-noise method %d",
                       (int)method);
    sf__rate r;
    sf__lif_rate(p, method, mu, sigma, &r);
    /* 1/ms -> Hz */
    out->rate = 1e3 * r.nu;
    out->drate_dmu = 1e3 * r.dmu;
    out->drate_dsigma = 1e3 * r.dsigma;
    out->negative = r.negative;
    return SF_OK;
}

/* ---------------------------------------------------------------------------
 * CV of the inter-spike interval, Brunel 2000 eq. A.1:
 *   CV^2 = 2 pi (tau nu)^2 int_{y_r}^{y_th} F(x) dx,
 *   F(x) = e^{x^2} int_{-inf}^x e^{y^2} (1 + erf y)^2 dy.
 * Scaled forms (s = max(y_th, 0)^2, nu e^{s} = nu_s):
 *   x <= 0: F(x) = int_0^inf e^{-2|x| t - t^2} erfcx(|x| + t)^2 dt      (y = x - t)
 *   x > 0:  F(x) e^{-2x^2} = e^{-x^2} C0 + int_0^x e^{y^2 - x^2} erfc(-y)^2 dy,
 *           C0 = int_0^inf erfc(t) erfcx(t) dt,
 * and the outer integrand is F(x) e^{-2s}, multiplied by 2 pi (tau nu_s)^2.
 */

/* C0 = int_0^inf erfc(t) erfcx(t) dt (mpmath, 30 digits). */
#define CV_C0 0.391066419137416976554959805465

typedef struct {
    double x, s;
    sf_theory_workspace *ws;
} cv_params;

static double cv_inner_neg(double t, void *vp)
{
    const cv_params *cp = vp;
    double ax = -cp->x;
    double e = erfcx(ax + t);
    return exp(-2.0 * ax * t - t * t) * e * e;
}

static double cv_inner_pos(double y, void *vp)
{
    const cv_params *cp = vp;
    double e = erfc(-y);
    return exp((y - cp->x) * (y + cp->x)) * e * e;
}

static double cv_outer(double x, void *vp)
{
    cv_params *cp = vp;
    cv_params in = {x, cp->s, cp->ws};
    double r = 0, err = 0;
    if (x <= 0) {
        /* integrand <= e^{-t^2 - 2|x|t}: beyond T it is below e^{-40} */
        double T = fmin(9.0, 20.0 / fmax(-x, 1e-300));
        gsl_function F = {cv_inner_neg, &in};
        gsl_integration_qag(&F, 0.0, T, 0.0, 1e-12, cp->ws->q_limit,
                            GSL_INTEG_GAUSS21, cp->ws->qw_inner, &r, &err);
        return r * exp(-2.0 * cp->s);
    }
    gsl_function F = {cv_inner_pos, &in};
    gsl_integration_qag(&F, 0.0, x, 0.0, 1e-12, cp->ws->q_limit, GSL_INTEG_GAUSS21,
                        cp->ws->qw_inner, &r, &err);
    double Fs = exp(-x * x) * CV_C0 + r;  /* F(x) e^{-2x^2} */
    return Fs * exp(2.0 * (x * x - cp->s));
}

sf_status sf_theory_lif_cv(sf_context *ctx, const sf_theory_pop *p, double mu, double sigma,
                           sf_theory_workspace *ws, double *cv)
{
    sf_status st = sf_theory_pop_check(ctx, p);
    if (st != SF_OK)
        return st;
    if ((st = check_working_point(ctx, mu, sigma)) != SF_OK)
        return st;
    if (!ws || !cv)
        return sf_fail(ctx, SF_ERR_ARG, "theory: workspace or output is NULL");
    if (sigma == 0) {
        *cv = 0.0; /* deterministic: regular firing (or no firing) */
        return SF_OK;
    }
    double c = sf__fb_shift(p, sigma);
    double y_th = (p->V_th - p->E_L + c - mu) / sigma;
    double y_r = (p->V_reset - p->E_L + c - mu) / sigma;
    sf__siegert S;
    sf__siegert_eval(y_th, y_r, p->tau_m, p->t_ref, &S);
    cv_params cp = {0, S.s, ws};
    gsl_function F = {cv_outer, &cp};
    double r = 0, err = 0;
    int gst = gsl_integration_qag(&F, y_r, y_th, 0.0, 1e-10, ws->q_limit,
                                  GSL_INTEG_GAUSS21, ws->qw_outer, &r, &err);
    if (gst != GSL_SUCCESS && !(err <= 1e-8 * fabs(r)))
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "theory: CV quadrature failed (%s) at mu = %g mV, sigma = %g mV",
                       gsl_strerror(gst), mu, sigma);
    double tn = p->tau_m * S.nu_s;
    double cv2 = 2.0 * M_PI * tn * tn * r;
    *cv = sqrt(cv2);
    return SF_OK;
}
