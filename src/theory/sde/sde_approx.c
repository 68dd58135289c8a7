/* Approximations of the sde family (src/theory/sde/sde.h), each giving the
 * mean, the variance and the effective linear system chi(w) = 1/(m - i w -
 * dSigma(w)), var = D / (2 m) (the fluctuation-dissipation theorem, which
 * every method here respects: S(w) = (D / w) Im chi(w)). f, f', f'', f'''
 * are the drift and its derivatives at the mean; L = -f'(mean).
 *
 * One loop (loopwise expansion of the MSRDJ effective action; Stapmanns et
 * al. 2020, section III; science notes theory.md 4b): the equation of state
 *   0 = f(x) + f''(x) D / (4 L(x)),
 * the one-loop self-energy at that mean: the tadpole (beta/2) D/(2L) and the
 * bubble Sigma_b(w) = f''^2 C0(s) G0(s) (Fourier), C0 = D/(2L) e^{-L|s|},
 * G0 = e^{-L s}: Sigma_b(w) = f''^2 D / (2L (2L - i w)). So
 *   m = L - beta D / (4L) - f''^2 D / (4 L^2),   dSigma = Sigma_b(w) - Sigma_b(0),
 * and var = D/(2m) = D/(2l) + (D^2/4)(alpha^2/l^4 + beta/(2 l^3)) + O(D^3),
 * the exact expansion (theory.md 4c): errors O(D^2) in the mean, O(D^3) in
 * the variance.
 *
 * Gaussian self-consistent (Hartree): x ~ N(mean, v) inserted into the
 * stationarity conditions <f(x)> = 0 and the Gaussian linearisation
 * <f'(x)> = -m:  0 = f + (f''/2) v,  m = L - (beta/2) v,  v = D / (2m),
 * no frequency-dependent self-energy (theory.md 4b). It misses the bubble:
 * variance error O(D^2) when alpha != 0, O(D^3) when alpha = 0.
 *
 * fRG (Wetterich flow in MSRDJ form, Stapmanns et al. section IV): a mass
 * regulator R = Lambda (drift -Lambda x), Lambda from infinity (the bare
 * theory) to 0. The static part of the flowing effective drift F_Lambda obeys
 *   d F_Lambda(x) / d Lambda = -(D/4) F''(x) / (Lambda - F'(x))^2
 * (the one-loop structure with running couplings; integrated at fixed
 * couplings it gives the one-loop equation of state), expanded in vertices
 * about the running mean x_L (F(x_L) = Lambda x_L): g_n = F^(n)(x_L), n =
 * 1, 2, 3 (vertices up to four legs; g_4 = 0: the truncation). The vertices'
 * flow is the field derivative of the flow of the lower ones at zero
 * frequency -- the Blaizot-Mendez-Wschebor-type closure of the paper --, so
 *   d x_L = (K0 - x_L) / M dLambda,  d g_n = (K_n + g_{n+1} d x_L) dLambda,
 *   M = Lambda - g1, K_n = d^n/dx^n of -(D/4) F''/(Lambda - F')^2 at x_L.
 * The frequency dependence of the self-energy flows with the same running
 * couplings: d dSigma(w) = dLambda-derivative through the regulator of
 * g2^2 D [1/(2M (2M - i w)) - 1/(4 M^2)]. In s = l / (Lambda + l) (0 ->
 * 1) the flow is regular; GSL odeiv2 rk8pd from s = 1e-9 (bare values).
 * Static part: the variance error is O(D^3) like one loop, with the
 * fluctuation corrections resummed along the flow.
 */
#include "theory/sde/sde.h"
#include "neurons/sde_poly.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sf_sde_method_names[SF_SDE_N_METHODS] = {"one_loop", "gaussian", "frg"};

static double fpp(const sf_sde_params *p, double x) { return p->alpha + p->beta * x; }
static double Lof(const sf_sde_params *p, double x)
{
    return p->l - x * (p->alpha + 0.5 * p->beta * x);
}

/* one loop: the equation of state; NaN outside L > 0 */
static double eos_one_loop(double x, void *vp)
{
    const sf_sde_params *p = vp;
    const double L = Lof(p, x);
    if (!(L > 0))
        return NAN;
    return sf_sde_drift(p->l, p->alpha, p->beta, x) + fpp(p, x) * p->D / (4 * L);
}

/* Hartree: the variance at mean x (the positive root of 2 L v - beta v^2 = D) */
static double hartree_v(const sf_sde_params *p, double x)
{
    const double L = Lof(p, x), b = -p->beta;
    if (b == 0)
        return L > 0 ? p->D / (2 * L) : NAN;
    return p->D / (L + sqrt(L * L + b * p->D)); /* = (-L + sqrt(L^2 + b D)) / b */
}

static double eos_gaussian(double x, void *vp)
{
    const sf_sde_params *p = vp;
    const double v = hartree_v(p, x);
    return sf_sde_drift(p->l, p->alpha, p->beta, x) + 0.5 * fpp(p, x) * v;
}

/* The root of h nearest 0 on the side where h(0) points (h decreases
 * through its root like -l x near 0): bracketed by steps growing from
 * 1e-3 sqrt(D / l), refined by Brent. False when h leaves its domain (NaN)
 * before changing sign. */
static bool root_near_zero(double (*h)(double, void *), const sf_sde_params *p, double *x)
{
    double h0 = h(0.0, (void *)p);
    if (h0 == 0) {
        *x = 0;
        return true;
    }
    if (!isfinite(h0))
        return false;
    const double dir = h0 > 0 ? 1.0 : -1.0;
    double a = 0, ha = h0, step = 1e-3 * sqrt(p->D / p->l), b = 0, hb = h0;
    for (int it = 0; it < 200; it++) {
        b = a + dir * step;
        hb = h(b, (void *)p);
        if (!isfinite(hb))
            return false;
        if ((hb > 0) != (ha > 0))
            break;
        a = b;
        ha = hb;
        step *= 1.5;
    }
    if ((hb > 0) == (ha > 0))
        return false;
    gsl_function F = {h, (void *)p};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return false;
    double lo = fmin(a, b), hi = fmax(a, b), r = 0.5 * (lo + hi);
    gsl_root_fsolver_set(s, &F, lo, hi);
    for (int it = 0; it < 200; it++) {
        gsl_root_fsolver_iterate(s);
        r = gsl_root_fsolver_root(s);
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 0, 1e-15) == GSL_SUCCESS)
            break;
    }
    gsl_root_fsolver_free(s);
    *x = r;
    return true;
}

/* ---- fRG ----------------------------------------------------------------- */

typedef struct {
    const sf_sde_params *p;
    const double *w;
    size_t n_w;
} frg_sys;

/* y = [x, g1, g2, g3, (Re, Im) dSigma(w_j)...], t = s = l / (Lambda + l) */
static int frg_rhs(double s, const double y[], double dy[], void *vp)
{
    const frg_sys *S = vp;
    const double D = S->p->D, l = S->p->l;
    const double Lam = l * (1.0 / s - 1.0), dLds = -l / (s * s);
    const double x = y[0], g1 = y[1], g2 = y[2], g3 = y[3];
    const double M = Lam - g1;
    if (!(M > 0))
        return GSL_EBADFUNC;
    const double M2 = M * M, M3 = M2 * M, M4 = M3 * M, M5 = M4 * M, q = -0.25 * D;
    const double K0 = q * g2 / M2;
    const double K1 = q * (g3 / M2 + 2 * g2 * g2 / M3);
    const double K2 = q * 6 * (g2 * g3 / M3 + g2 * g2 * g2 / M4);
    const double K3 = q * (6 * g3 * g3 / M3 + 36 * g2 * g2 * g3 / M4 + 24 * g2 * g2 * g2 * g2 / M5);
    /* (K0 - x) / M: x ~ K0 / M near s = 0, both O(s^3) */
    const double dx = (K0 - x) / M;
    dy[0] = dx * dLds;
    dy[1] = (K1 + g2 * dx) * dLds;
    dy[2] = (K2 + g3 * dx) * dLds;
    dy[3] = K3 * dLds;
    for (size_t j = 0; j < S->n_w; j++) {
        const double complex u = 2 * M * (2 * M - I * S->w[j]);
        const double complex dS = g2 * g2 * D * (-(8 * M - 2 * I * S->w[j]) / (u * u) + 0.5 / M3);
        dy[4 + 2 * j] = creal(dS) * dLds;
        dy[5 + 2 * j] = cimag(dS) * dLds;
    }
    return GSL_SUCCESS;
}

#define FRG_W_EPS 1e-4

static sf_status frg(sf_context *ctx, const sf_sde_params *p, const double *w, size_t n_w,
                     sf_sde_approx *a)
{
    const size_t nw = n_w + 1, dim = 4 + 2 * nw;
    double *ww = malloc(sizeof(double) * nw), *y = calloc(dim, sizeof(double));
    a->w_tab = malloc(sizeof(double) * nw);
    a->sig_tab = malloc(sizeof(double complex) * nw);
    if (!ww || !y || !a->w_tab || !a->sig_tab) {
        free(ww);
        free(y);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    for (size_t j = 0; j < n_w; j++)
        ww[j] = w[j];
    ww[n_w] = FRG_W_EPS;
    frg_sys S = {p, ww, nw};
    gsl_odeiv2_system sys = {frg_rhs, NULL, dim, &S};
    gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-10,
                                                         1e-12, 1e-11);
    sf_status st = SF_OK;
    if (!d) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    } else {
        double s = 1e-9;
        y[0] = 0;
        y[1] = -p->l;
        y[2] = p->alpha;
        y[3] = p->beta;
        int rc = gsl_odeiv2_driver_apply(d, &s, 1.0, y);
        if (rc != GSL_SUCCESS) {
            a->ok = false;
            snprintf(a->why, sizeof a->why, "the fRG flow stopped at Lambda = %.3g l (%s)",
                     1.0 / s - 1.0, rc == GSL_EBADFUNC ? "the regulated mass vanished"
                                                        : gsl_strerror(rc));
        } else {
            a->ok = true;
            a->mean = y[0];
            a->m = -y[1];
            for (size_t j = 0; j < nw; j++) {
                a->w_tab[j] = ww[j];
                a->sig_tab[j] = y[4 + 2 * j] + I * y[5 + 2 * j];
            }
            a->n_tab = nw;
        }
        gsl_odeiv2_driver_free(d);
    }
    free(ww);
    free(y);
    return st;
}

/* ---- the common part ------------------------------------------------------ */

static double complex dsigma(const sf_sde_approx *a, double w, size_t iw)
{
    if (a->n_tab)
        return a->sig_tab[iw];
    double complex s = 0;
    for (int j = 0; j < a->n_b; j++)
        s += a->b[j] * (1.0 / (a->c[j] - I * w) - 1.0 / a->c[j]);
    return s;
}

double complex sf_theory_sde_approx_response(const sf_sde_approx *a, double w, size_t iw)
{
    return 1.0 / (a->m - I * w - dsigma(a, w, iw));
}

double sf_theory_sde_approx_spectrum(const sf_sde_approx *a, double D, double w, size_t iw)
{
    if (w == 0 && !a->n_tab) {
        double g = 1;
        for (int j = 0; j < a->n_b; j++)
            g += a->b[j] / (a->c[j] * a->c[j]);
        return D * g / (a->m * a->m);
    }
    if (w == 0) { /* the fRG's tabulated small frequency */
        iw = a->n_tab - 1;
        w = a->w_tab[iw];
    }
    return D / w * cimag(sf_theory_sde_approx_response(a, w, iw));
}

void sf_theory_sde_approx_free(sf_sde_approx *a)
{
    if (!a)
        return;
    free(a->w_tab);
    free(a->sig_tab);
    a->w_tab = NULL;
    a->sig_tab = NULL;
    a->n_tab = 0;
}

sf_status sf_theory_sde_approx(sf_context *ctx, const sf_sde_params *p, sf_sde_method k,
                               const double *w, size_t n_w, sf_sde_approx *a)
{
    memset(a, 0, sizeof *a);
    sf_status st = sf_theory_sde_check(ctx, p, "sde approximation");
    if (st != SF_OK)
        return st;
    double x = 0;
    switch (k) {
    case SF_SDE_ONE_LOOP: {
        if (!root_near_zero(eos_one_loop, p, &x)) {
            snprintf(a->why, sizeof a->why, "the one-loop equation of state has no solution "
                     "with l_eff > 0 near the tree-level mean");
            return SF_OK;
        }
        const double L = Lof(p, x), g2 = fpp(p, x);
        a->mean = x;
        a->m = L - p->beta * p->D / (4 * L) - g2 * g2 * p->D / (4 * L * L);
        a->n_b = 1;
        a->b[0] = g2 * g2 * p->D / (2 * L);
        a->c[0] = 2 * L;
        a->ok = true;
        break;
    }
    case SF_SDE_GAUSSIAN:
        if (!root_near_zero(eos_gaussian, p, &x)) {
            snprintf(a->why, sizeof a->why, "the Gaussian self-consistency has no solution "
                     "near the tree-level mean");
            return SF_OK;
        }
        a->mean = x;
        a->m = p->D / (2 * hartree_v(p, x));
        a->ok = true;
        break;
    case SF_SDE_FRG:
        st = frg(ctx, p, w, n_w, a);
        if (st != SF_OK || !a->ok)
            return st;
        break;
    default:
        return sf_fail(ctx, SF_ERR_ARG, "sde approximation: no method %d", (int)k);
    }
    if (!(a->m > 0)) {
        a->ok = false;
        snprintf(a->why, sizeof a->why, "effective mass m = %.3g <= 0 (no stable linear system)",
                 a->m);
        return SF_OK;
    }
    a->var = p->D / (2 * a->m);
    /* tau_corr = (1 + d Im dSigma / dw (0)) / m */
    double dIm = 0;
    if (a->n_tab)
        dIm = cimag(a->sig_tab[a->n_tab - 1]) / a->w_tab[a->n_tab - 1];
    else
        for (int j = 0; j < a->n_b; j++)
            dIm += a->b[j] / (a->c[j] * a->c[j]);
    a->tau_corr = (1 + dIm) / a->m;
    return SF_OK;
}
