/* The stationary DMFT of random rate networks and its maximal Lyapunov
 * exponent (equations in dmft.h and docs/dmft.md).
 *
 * Invariant: every Gaussian average goes through the one quadrature rule of
 * the workspace (set_rule: gh_z, gh_w, nodes and weights of the standard
 * normal measure, the weights summing to 1, chosen for the variance at
 * hand); sf_dmft_solve allocates nothing.
 */
#include "theory/dmft/dmft.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_spline.h>
#include <math.h>
#include <stdlib.h>

#define N_TAB 65 /* tabulation points of f_phi, f_phi' on [0, Delta0] */

struct sf_dmft_workspace {
    size_t n_max, n_gh;       /* capacity, nodes of the current rule    */
    double rule_h;            /* its step                               */
    double *gh_z, *gh_w;      /* [n_max] nodes, weights (set_rule)      */
    size_t n_tau;
    double dtau;
    double *delta;            /* [n_tau] Delta(k dtau)                  */
    double *W;                /* [2 n_tau - 1] Schroedinger potential   */
    double tab_x[N_TAB], tab_f[N_TAB], tab_fp[N_TAB];
    gsl_spline *sp_f, *sp_fp;
    gsl_interp_accel *acc_f, *acc_fp;
    gsl_root_fsolver *root;
};

/* phi and phi' at x. */
static inline double phi_eval(sf_dmft_phi phi, double x, double *dphi)
{
    if (phi == SF_DMFT_ERF) {
        *dphi = M_2_SQRTPI * exp(-x * x);
        return erf(x);
    }
    const double t = tanh(x);
    *dphi = 1.0 - t * t;
    return t;
}

/* A primitive Phi of phi with Phi(0) = 0: ln cosh x, resp.
 * x erf x + (e^{-x^2} - 1)/sqrt(pi); written without cancellation. */
static inline double prim_eval(sf_dmft_phi phi, double x)
{
    if (phi == SF_DMFT_ERF)
        return x * erf(x) + 0.5 * M_2_SQRTPI * expm1(-x * x);
    const double a = fabs(x);
    if (a < 1.0) {
        const double s = sinh(a);
        return 0.5 * log1p(s * s);
    }
    return a + log1p(exp(-2.0 * a)) - M_LN2;
}

/* The quadrature rule of the standard normal measure for averages of
 * u(sqrt(var) z): the trapezoidal rule on |z| <= 7.5 (the Gaussian tail
 * beyond is e^{-28}) with step h = min(0.2, 0.33 / sqrt(var)). tanh has its
 * poles at distance d = pi / (2 sqrt(var)) from the real z axis, and the
 * trapezoidal rule on an analytic integrand converges as e^{-2 pi d / h}
 * (Trefethen & Weideman 2014, SIAM Rev 56:385): here e^{-30}, times the
 * residues of the powers of sech (1e-10 for sech^4, the worst case, checked
 * in tests/unit/test_dmft.c). Gauss-Hermite with 64 nodes was 1.3 % off for
 * <phi'^2> at var = 5.4 (the peak of sech^4 falls between its nodes). The
 * weights are normalised to sum 1. */
static void set_rule(sf_dmft_workspace *ws, double var)
{
    const double L = 7.5, h0 = var > 0 ? fmin(0.2, 0.33 / sqrt(var)) : 0.2;
    size_t half = (size_t)ceil(L / h0);
    if (2 * half + 1 > ws->n_max)
        half = (ws->n_max - 1) / 2;
    const double h = L / (double)half;
    if (ws->n_gh == 2 * half + 1 && ws->rule_h == h)
        return;
    ws->n_gh = 2 * half + 1;
    ws->rule_h = h;
    double sum = 0;
    for (size_t k = 0; k < ws->n_gh; k++) {
        const double z = h * ((double)k - (double)half);
        ws->gh_z[k] = z;
        sum += ws->gh_w[k] = exp(-0.5 * z * z);
    }
    for (size_t k = 0; k < ws->n_gh; k++)
        ws->gh_w[k] /= sum;
}

sf_dmft_workspace *sf_dmft_workspace_create(size_t n_tau, double dtau, size_t n_max)
{
    if (n_max == 0)
        n_max = 801;
    if (n_tau < 8 || !(dtau > 0) || n_max < 33)
        return NULL;
    sf_dmft_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->n_max = n_max;
    ws->n_tau = n_tau;
    ws->dtau = dtau;
    ws->gh_z = malloc(2 * n_max * sizeof(double));
    ws->delta = malloc(n_tau * sizeof(double));
    ws->W = malloc((2 * n_tau - 1) * sizeof(double));
    ws->sp_f = gsl_spline_alloc(gsl_interp_cspline, N_TAB);
    ws->sp_fp = gsl_spline_alloc(gsl_interp_cspline, N_TAB);
    ws->acc_f = gsl_interp_accel_alloc();
    ws->acc_fp = gsl_interp_accel_alloc();
    ws->root = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!ws->gh_z || !ws->delta || !ws->W || !ws->sp_f || !ws->sp_fp || !ws->acc_f ||
        !ws->acc_fp || !ws->root) {
        sf_dmft_workspace_destroy(ws);
        return NULL;
    }
    ws->gh_w = ws->gh_z + n_max;
    set_rule(ws, 1.0);
    return ws;
}

void sf_dmft_workspace_destroy(sf_dmft_workspace *ws)
{
    if (!ws)
        return;
    free(ws->gh_z);
    free(ws->delta);
    free(ws->W);
    gsl_spline_free(ws->sp_f);
    gsl_spline_free(ws->sp_fp);
    gsl_interp_accel_free(ws->acc_f);
    gsl_interp_accel_free(ws->acc_fp);
    gsl_root_fsolver_free(ws->root);
    free(ws);
}

double sf_dmft_gauss_mean(sf_dmft_workspace *ws, sf_dmft_phi phi, int what, double var)
{
    set_rule(ws, var);
    const double s = sqrt(var > 0 ? var : 0.0);
    double a = 0, b = 0;
    for (size_t k = 0; k < ws->n_gh; k++) {
        const double x = s * ws->gh_z[k], w = ws->gh_w[k];
        double dp, f = phi_eval(phi, x, &dp);
        if (what == SF_DMFT_PHI2) {
            a += w * f * f;
        } else if (what == SF_DMFT_PHIP2) {
            a += w * dp * dp;
        } else {
            const double P = prim_eval(phi, x);
            a += w * P * P;
            b += w * P;
        }
    }
    return what == SF_DMFT_VARPHI_PRIM ? a - b * b : a;
}

/* f_phi(c; var) and f_phi'(c; var) together. */
static void pair_both(sf_dmft_workspace *ws, sf_dmft_phi phi, double c, double var,
                      double *f, double *fp)
{
    set_rule(ws, var);
    const double s_in = sqrt(fmax(var - c, 0.0)), s_out = sqrt(fmax(c, 0.0));
    const size_t n = ws->n_gh, half = n / 2;
    double F = 0, FP = 0;
    /* phi odd, phi' even: m(-s)^2 = m(s)^2, so the outer nodes z >= 0 suffice
     * (the rule is symmetric about z = 0, node half) */
    for (size_t k = half; k < n; k++) {
        const double shift = s_out * ws->gh_z[k];
        double m = 0, mp = 0;
        for (size_t l = 0; l < n; l++) {
            double dp, v = phi_eval(phi, s_in * ws->gh_z[l] + shift, &dp);
            m += ws->gh_w[l] * v;
            mp += ws->gh_w[l] * dp;
        }
        const double w = k == half ? ws->gh_w[k] : 2.0 * ws->gh_w[k];
        F += w * m * m;
        FP += w * mp * mp;
    }
    *f = F;
    *fp = FP;
}

double sf_dmft_pair(sf_dmft_workspace *ws, sf_dmft_phi phi, bool derivative, double c,
                    double var)
{
    double f, fp;
    pair_both(ws, phi, c, var, &f, &fp);
    return derivative ? fp : f;
}

typedef struct {
    sf_dmft_workspace *ws;
    const sf_dmft_params *p;
} root_arg;

/* Energy balance Delta0^2/2 - D^2/8 - g^2 Var Phi; divided by Delta0^2 when
 * D = 0 (removes the trivial root Delta0 = 0). */
static double energy_balance(double d0, void *arg)
{
    const root_arg *ra = arg;
    const double g2 = ra->p->g * ra->p->g, D = ra->p->D;
    const double v = sf_dmft_gauss_mean(ra->ws, ra->p->phi, SF_DMFT_VARPHI_PRIM, d0);
    if (D == 0)
        return 0.5 - g2 * v / (d0 * d0);
    return 0.5 * d0 * d0 - D * D / 8.0 - g2 * v;
}

static sf_status solve_delta0(sf_context *ctx, sf_dmft_workspace *ws, const sf_dmft_params *p,
                              double *d0)
{
    root_arg ra = {ws, p};
    gsl_function F = {energy_balance, &ra};
    double lo = p->D > 0 ? 0.0 : 1e-8, hi = 2.0 * p->g * p->g + p->D + 1.0;
    const double flo = energy_balance(lo, &ra), fhi = energy_balance(hi, &ra);
    if (p->D == 0 && flo >= 0) {
        *d0 = 0.0; /* no chaotic solution: the fixed point x = 0 */
        return SF_OK;
    }
    if (!(flo < 0 && fhi > 0))
        return sf_fail(ctx, SF_ERR_NUMERIC, "dmft: no bracket for Delta0 (g = %g, D = %g)",
                       p->g, p->D);
    if (gsl_root_fsolver_set(ws->root, &F, lo, hi) != GSL_SUCCESS)
        return sf_fail(ctx, SF_ERR_NUMERIC, "dmft: root solver failed");
    for (int it = 0; it < 200; it++) {
        if (gsl_root_fsolver_iterate(ws->root) != GSL_SUCCESS)
            return sf_fail(ctx, SF_ERR_NUMERIC, "dmft: root solver failed (g = %g, D = %g)",
                           p->g, p->D);
        lo = gsl_root_fsolver_x_lower(ws->root);
        hi = gsl_root_fsolver_x_upper(ws->root);
        if (gsl_root_test_interval(lo, hi, 0.0, 1e-13) == GSL_SUCCESS)
            break;
    }
    *d0 = gsl_root_fsolver_root(ws->root);
    return SF_OK;
}

/* f_phi, f_phi' on [0, d0], the grid clustered at d0 (where f changes
 * fastest for large d0). */
static sf_status tabulate(sf_context *ctx, sf_dmft_workspace *ws, sf_dmft_phi phi, double d0)
{
    for (int k = 0; k < N_TAB; k++) {
        const double u = 1.0 - (double)k / (N_TAB - 1);
        ws->tab_x[k] = k == N_TAB - 1 ? d0 : d0 * (1.0 - u * u);
        pair_both(ws, phi, ws->tab_x[k], d0, &ws->tab_f[k], &ws->tab_fp[k]);
    }
    if (gsl_spline_init(ws->sp_f, ws->tab_x, ws->tab_f, N_TAB) != GSL_SUCCESS ||
        gsl_spline_init(ws->sp_fp, ws->tab_x, ws->tab_fp, N_TAB) != GSL_SUCCESS)
        return sf_fail(ctx, SF_ERR_NUMERIC, "dmft: spline of f_phi failed");
    gsl_interp_accel_reset(ws->acc_f);
    gsl_interp_accel_reset(ws->acc_fp);
    return SF_OK;
}

static inline double tab(const sf_dmft_workspace *ws, bool deriv, double c, double d0)
{
    c = c < 0 ? 0 : c > d0 ? d0 : c;
    return deriv ? gsl_spline_eval(ws->sp_fp, c, ws->acc_fp)
                 : gsl_spline_eval(ws->sp_f, c, ws->acc_f);
}

/* Delta(k dtau) into ws->delta: RK4 (4 substeps per grid step) on
 * Delta'' = Delta - g^2 f_phi(Delta), Delta'(0+) = -D/2, until Delta falls
 * below 1e-6 Delta0 (or turns), then Delta ~ e^{-kappa tau} with kappa^2 =
 * 1 - g^2 <phi'>^2 = V''(0) (the linearisation at the origin). */
static void trajectory(sf_dmft_workspace *ws, const sf_dmft_params *p, double d0)
{
    const double g2 = p->g * p->g, h = ws->dtau / 4;
    double x = d0, v = -p->D / 2;
    const double fp0 = tab(ws, true, 0.0, d0);
    const double kappa2 = 1.0 - g2 * fp0;
    ws->delta[0] = d0;
    size_t k = 1;
    for (; k < ws->n_tau; k++) {
        for (int s = 0; s < 4; s++) {
#define ACC(X) ((X) - g2 * tab(ws, false, (X), d0))
            const double a1 = ACC(x);
            const double x2 = x + 0.5 * h * v, v2 = v + 0.5 * h * a1, a2 = ACC(x2);
            const double x3 = x + 0.5 * h * v2, v3 = v + 0.5 * h * a2, a3 = ACC(x3);
            const double x4 = x + h * v3, v4 = v + h * a3, a4 = ACC(x4);
#undef ACC
            x += h / 6 * (v + 2 * v2 + 2 * v3 + v4);
            v += h / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
        }
        ws->delta[k] = x;
        if (x < 1e-6 * d0 || v >= 0)
            break;
    }
    if (k >= ws->n_tau)
        return;
    double kappa = kappa2 > 0 ? sqrt(kappa2) : (x > 0 && v < 0 ? -v / x : 1.0);
    double xs = fmax(x, 0.0);
    for (size_t j = k + 1; j < ws->n_tau; j++)
        ws->delta[j] = xs * exp(-kappa * ws->dtau * (double)(j - k));
}

/* Sturm count: the number of eigenvalues below e of the symmetric
 * tridiagonal matrix with diagonal d[i] and off-diagonal -o. */
static size_t sturm(const double *d, size_t n, double o, double e)
{
    size_t neg = 0;
    double q = 1.0;
    const double o2 = o * o;
    for (size_t i = 0; i < n; i++) {
        q = d[i] - e - (i ? o2 / q : 0.0);
        if (q == 0)
            q = 1e-300;
        neg += q < 0;
    }
    return neg;
}

/* Ground state of -psi'' + W psi on the grid ws->W (Dirichlet ends). */
static double ground_state(sf_dmft_workspace *ws, size_t n, double h)
{
    const double o = 1.0 / (h * h);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, ws->W[i]);
        hi = fmax(hi, ws->W[i]);
        ws->W[i] += 2.0 * o; /* the diagonal */
    }
    hi += 4.0 * o;
    for (int it = 0; it < 200 && hi - lo > 1e-13 * (1 + fabs(lo)); it++) {
        const double mid = 0.5 * (lo + hi);
        if (sturm(ws->W, n, o, mid) >= 1)
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

sf_status sf_dmft_solve(sf_context *ctx, sf_dmft_workspace *ws, const sf_dmft_params *p,
                        bool lyap, double *delta, sf_dmft_solution *sol)
{
    if (!ws || !p || !sol || !isfinite(p->g) || !isfinite(p->D) || p->g < 0 || p->D < 0)
        return sf_fail(ctx, SF_ERR_ARG, "dmft: g and D must be finite and >= 0");
    double d0 = 0;
    sf_status st = solve_delta0(ctx, ws, p, &d0);
    if (st != SF_OK)
        return st;
    double dp0;
    phi_eval(p->phi, 0.0, &dp0);
    const double g2 = p->g * p->g;
    *sol = (sf_dmft_solution){.delta0 = d0, .lyapunov = NAN, .E0 = NAN};
    const size_t nt = ws->n_tau;
    if (d0 == 0) {
        /* D = 0, g phi'(0) <= 1: x = 0; the Jacobian -1 + J phi'(0) has its
         * spectral edge at -1 + g phi'(0) (circular law) */
        sol->fixed_point = true;
        sol->stability = g2 * dp0 * dp0;
        sol->tau_decay = sol->tau_corr = NAN;
        sol->E0 = 1.0 - g2 * dp0 * dp0;
        sol->lyapunov = lyap ? -1.0 + p->g * dp0 : NAN;
        for (size_t k = 0; delta && k < nt; k++)
            delta[k] = 0.0;
        return SF_OK;
    }
    sol->phi2 = sf_dmft_gauss_mean(ws, p->phi, SF_DMFT_PHI2, d0);
    sol->stability = g2 * sf_dmft_gauss_mean(ws, p->phi, SF_DMFT_PHIP2, d0);
    if ((st = tabulate(ctx, ws, p->phi, d0)) != SF_OK)
        return st;
    trajectory(ws, p, d0);
    const double h = ws->dtau;
    double integral = 0;
    sol->tau_decay = NAN;
    for (size_t k = 1; k < nt; k++) {
        integral += 0.5 * h * (ws->delta[k - 1] + ws->delta[k]);
        if (isnan(sol->tau_decay) && ws->delta[k] < d0 / M_E) {
            const double a = ws->delta[k - 1], b = ws->delta[k];
            sol->tau_decay = h * ((double)(k - 1) + (a - d0 / M_E) / (a - b));
        }
    }
    const double kap2 = 1.0 - g2 * tab(ws, true, 0.0, d0);
    if (kap2 > 0)
        integral += ws->delta[nt - 1] / sqrt(kap2);
    sol->tau_corr = integral / d0;
    if (delta)
        for (size_t k = 0; k < nt; k++)
            delta[k] = ws->delta[k];
    if (lyap) {
        const size_t n = 2 * nt - 1;
        for (size_t i = 0; i < n; i++) {
            const size_t k = i >= nt - 1 ? i - (nt - 1) : nt - 1 - i;
            ws->W[i] = 1.0 - g2 * tab(ws, true, ws->delta[k], d0);
        }
        /* the spectrum of the operator on the line starts at or below the
         * continuum edge W(inf); the box's Dirichlet ends lift a continuum
         * state by ~ pi^2 / (2L)^2, which is not a bound state */
        const double edge = ws->W[0];
        sol->E0 = fmin(ground_state(ws, n, h), edge);
        sol->lyapunov = -1.0 + sqrt(1.0 - sol->E0);
    }
    return SF_OK;
}

sf_status sf_dmft_phase_diagram(sf_context *ctx, sf_dmft_workspace *ws, sf_dmft_phi phi,
                                const double *g, size_t ng, const double *D, size_t nD,
                                double *lyapunov, double *stability)
{
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nD; j++) {
            sf_dmft_params p = {.phi = phi, .g = g[i], .D = D[j]};
            sf_dmft_solution s = {0};
            sf_status st = sf_dmft_solve(ctx, ws, &p, true, NULL, &s);
            if (st != SF_OK)
                return st;
            lyapunov[i * nD + j] = s.lyapunov;
            stability[i * nD + j] = s.stability;
        }
    return SF_OK;
}

sf_status sf_dmft_transition(sf_context *ctx, sf_dmft_workspace *ws, sf_dmft_phi phi, double D,
                             double g_lo, double g_hi, double tol, double *g_c, double *g_s)
{
    sf_dmft_solution s = {0};
    sf_dmft_params p = {.phi = phi, .D = D};
    double lam[2], st_[2], gg[2] = {g_lo, g_hi};
    for (int e = 0; e < 2; e++) {
        p.g = gg[e];
        sf_status st = sf_dmft_solve(ctx, ws, &p, true, NULL, &s);
        if (st != SF_OK)
            return st;
        lam[e] = s.lyapunov;
        st_[e] = s.stability - 1.0;
    }
    if (!(lam[0] < 0 && lam[1] > 0) || !(st_[0] < 0 && st_[1] > 0))
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "dmft: no transition in g = [%g, %g] at D = %g (lambda %g .. %g)", g_lo,
                       g_hi, D, lam[0], lam[1]);
    /* both by bisection: lambda_max and g^2 <phi'^2> - 1 rise with g */
    for (int which = 0; which < 2; which++) {
        double lo = g_lo, hi = g_hi;
        while (hi - lo > tol) {
            p.g = 0.5 * (lo + hi);
            sf_status st = sf_dmft_solve(ctx, ws, &p, which == 0, NULL, &s);
            if (st != SF_OK)
                return st;
            if ((which == 0 ? s.lyapunov : s.stability - 1.0) > 0)
                hi = p.g;
            else
                lo = p.g;
        }
        *(which == 0 ? g_c : g_s) = 0.5 * (lo + hi);
    }
    return SF_OK;
}
