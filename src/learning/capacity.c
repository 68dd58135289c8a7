/* Perceptron capacities: Gardner's integral, Cover's counting function and
 * the replica-symmetric capacity of the covariance perceptron.
 *
 * The covariance perceptron (Dahmen, Gilson & Helias, J. Phys. A 53, 354002,
 * 2020): n rows w_i on the unit sphere of R^m, patterns P = 1 + chi with chi
 * symmetric, zero diagonal, off-diagonal entries of variance s^2, labels on
 * the n(n-1)/2 pairs i < j: zeta_ij w_i^T P w_j >= kappa. Our derivation
 * (docs/learning.md): at the replica-symmetric saddle the cross-row overlaps
 * w_i . w_j vanish, the field h = w_i^T chi w_j has variance s^2 and, between
 * two replicas, correlation q^2 (q the overlap of a row with itself in the
 * other replica). In Gardner's limit q -> 1 the entropy of the n rows
 * diverges as n m / (2 (1 - q)) and the energy of the p n(n-1)/2
 * constraints as p n (n-1)/2 I(k) / (2 (1 - q^2)) with 1 - q^2 -> 2 (1 - q);
 * they balance at p/m = 4 / ((n - 1) I(k / s)). That saddle is unstable
 * (de Almeida-Thouless) before capacity at every k, because the field
 * overlap q^2 is curved in q (sf_rs_alpha_at); for k < 0.84 it also puts
 * more constraints at the margin than there are degrees of freedom
 * (sf_rs_contacts_per_dof). The one-step RSB capacity (sf_capacity_1rsb)
 * lies below it at every k (docs/learning.md, "Beyond replica symmetry").
 * Invariant: no state.
 */
#include "learning/capacity.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

double sf_gardner_integral(double k)
{
    /* H(-k) = Q(-k) = 1 - Q(k); phi(k) = exp(-k^2/2)/sqrt(2 pi) */
    return (1 + k * k) * gsl_sf_erf_Q(-k) + k * gsl_sf_erf_Z(k);
}

double sf_gardner_alpha(double kappa)
{
    return 1.0 / sf_gardner_integral(kappa);
}

double sf_cover_fraction(int p, int N)
{
    if (p <= N)
        return 1.0;
    /* sum_{k<N} binom(p-1, k) 2^{1-p}, terms in log space */
    double lmax = -INFINITY, s = 0;
    for (int k = 0; k < N; k++) {
        double l = gsl_sf_lnchoose((unsigned)(p - 1), (unsigned)k) + (1 - p) * M_LN2;
        if (l > lmax) {
            s = s * exp(lmax - l) + 1.0;
            lmax = l;
        } else
            s += exp(l - lmax);
    }
    return s * exp(lmax);
}

double sf_cover_mean_pstar(int N, int p_max)
{
    double s = 0;
    for (int p = 1; p <= p_max; p++)
        s += sf_cover_fraction(p, N);
    return s;
}

double sf_covariance_alpha(int n, double kappa)
{
    return 4.0 / ((n - 1) * sf_gardner_integral(kappa));
}

double sf_rs_contacts_per_dof(int cov, double kappa)
{
    /* contacts Phi(k) p L against dof: classical L = 1 label per row and m
     * dof; covariance L = n(n-1)/2 labels, n (m - 1) dof, p = 4 m/((n-1) I) */
    double phi = gsl_sf_erf_Q(-kappa), I = sf_gardner_integral(kappa);
    return (cov ? 2.0 : 1.0) * phi / I;
}

/* ---- Beyond replica symmetry (docs/learning.md, "Beyond replica symmetry";
 * our derivation). Both problems share one structure: n rows on the sphere
 * with overlap matrix q_ab between replicas, and L constraints per pattern
 * whose Gaussian fields have the replica overlap Q_ab: classical (cov = 0)
 * n = 1 row, L = 1, Q = q; covariance (cov = 1) n rows, L = n(n-1)/2 pairs,
 * Q = q^2 (the product of the two rows' overlaps, cross-row overlaps 0). */

struct rsb_par {
    int cov;
    double kappa, sq, b, c; /* field kappa - sq z0 - b z1, curvature c */
    double Q;               /* replica-symmetric field overlap (AT) */
};

static double log_H(double x) /* ln H(x), H(x) = int_x^inf Dt */
{
    return gsl_sf_log_erfc(x * M_SQRT1_2) - M_LN2;
}

static double logaddexp(double a, double b)
{
    double m = a > b ? a : b;
    if (m == -INFINITY)
        return m;
    return m + log1p(exp(-fabs(a - b)));
}

/* ln int Dz1 exp(-(c/2) [a - b z1]_+^2), closed form: the region a < b z1
 * gives H(a/b), the Gaussian region exp(-c a^2/(2g))/sqrt(g) Phi(a/(b sqrt g)),
 * g = 1 + c b^2. */
static double log_inner(double a, double b, double c)
{
    if (b <= 0)
        return a > 0 ? -0.5 * c * a * a : 0.0;
    double g = 1 + c * b * b;
    return logaddexp(log_H(a / b), -0.5 * c * a * a / g - 0.5 * log(g) + log_H(-a / (b * sqrt(g))));
}

static double energy_integrand(double z0, void *vp)
{
    const struct rsb_par *p = vp;
    return exp(-0.5 * z0 * z0) / sqrt(2 * M_PI) * log_inner(p->kappa - p->sq * z0, p->b, p->c);
}

double sf_rsb1_entropy(double q0, double y)
{
    double u = 1 - q0;
    if (y <= 0)
        return 0.5;
    return 0.5 * (log1p(y * u) / y + q0 / (1 + y * u));
}

static double quad_inf(double (*f)(double, void *), void *p)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(400);
    double r = NAN, err;
    if (!w)
        return NAN;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    if (gsl_integration_qagi(&(gsl_function){f, p}, 1e-13, 1e-11, 400, w, &r, &err))
        r = NAN;
    gsl_set_error_handler(old);
    gsl_integration_workspace_free(w);
    return r;
}

double sf_rsb1_energy(int cov, double kappa, double q0, double y)
{
    if (y <= 0) /* the replica-symmetric limit: -I(k)/2 per 1/delta, delta = (1 + cov)(1 - q1) */
        return -sf_gardner_integral(kappa) / (cov ? 4 : 2);
    struct rsb_par p = {.cov = cov, .kappa = kappa};
    p.sq = cov ? q0 : sqrt(q0);
    p.b = cov ? sqrt(1 - q0 * q0) : sqrt(1 - q0);
    p.c = cov ? 0.5 * y : y;
    return quad_inf(energy_integrand, &p) / y;
}

double sf_rsb1_alpha(int cov, int n, double kappa, double q0, double y)
{
    double S = sf_rsb1_entropy(q0, y), E = sf_rsb1_energy(cov, kappa, q0, y);
    return -(cov ? 2.0 / (n - 1) : 1.0) * S / E;
}

/* one-dimensional minimisation: grid, then Brent in the bracket around the
 * grid minimum; a minimum on the grid's first point is reported as it is */
static double fmin_grid_brent(double (*f)(double, void *), void *p, double lo, double hi, int ngrid,
                              double *xbest, int *edge)
{
    double best = INFINITY;
    int kb = 0;
    for (int k = 0; k < ngrid; k++) {
        double x = lo + (hi - lo) * k / (ngrid - 1), v = f(x, p);
        if (v < best) {
            best = v;
            kb = k;
        }
    }
    double h = (hi - lo) / (ngrid - 1), xb = lo + h * kb;
    *edge = kb == 0 ? -1 : kb == ngrid - 1 ? 1 : 0;
    *xbest = xb;
    if (*edge)
        return best;
    gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    if (!s)
        return best;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_function F = {f, p};
    if (!gsl_min_fminimizer_set_with_values(s, &F, xb, best, xb - h, f(xb - h, p), xb + h, f(xb + h, p))) {
        for (int it = 0; it < 100; it++) {
            if (gsl_min_fminimizer_iterate(s))
                break;
            if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(s), gsl_min_fminimizer_x_upper(s), 1e-7,
                                      0) != GSL_CONTINUE)
                break;
        }
        if (gsl_min_fminimizer_f_minimum(s) <= best) {
            best = gsl_min_fminimizer_f_minimum(s);
            *xbest = gsl_min_fminimizer_x_minimum(s);
        }
    }
    gsl_set_error_handler(old);
    gsl_min_fminimizer_free(s);
    return best;
}

#define RSB_LNY_LO (-9.21) /* y from 1e-4 ... */
#define RSB_LNY_HI 9.21    /* ... to 1e4 */
#define RSB_Q0_HI 0.995

struct rsb_min {
    int cov, n;
    double kappa, q0, y;
    int y_edge;
};

static double alpha_lny(double t, void *vp)
{
    struct rsb_min *m = vp;
    return sf_rsb1_alpha(m->cov, m->n, m->kappa, m->q0, exp(t));
}

static double alpha_min_y(double q0, void *vp)
{
    struct rsb_min *m = vp;
    m->q0 = q0;
    double t, a = fmin_grid_brent(alpha_lny, m, RSB_LNY_LO, RSB_LNY_HI, 47, &t, &m->y_edge);
    double rs = sf_rsb1_alpha(m->cov, m->n, m->kappa, q0, 0);
    if (m->y_edge < 0 && rs <= a) { /* decreasing towards y -> 0: the replica-symmetric limit */
        m->y = 0;
        return rs;
    }
    m->y = exp(t);
    return a;
}

int sf_capacity_1rsb(int cov, int n, double kappa, sf_rsb1 *out)
{
    if (cov && n < 2) { /* no pair, no constraint */
        *out = (sf_rsb1){.alpha = NAN, .q0 = NAN, .y = NAN, .alpha_rs = NAN};
        return -1;
    }
    struct rsb_min m = {.cov = cov, .n = cov ? n : 1, .kappa = kappa};
    int q_edge;
    double q0;
    out->alpha = fmin_grid_brent(alpha_min_y, &m, 0, RSB_Q0_HI, 34, &q0, &q_edge);
    alpha_min_y(q0, &m); /* the y of the minimum */
    out->q0 = q0;
    out->y = m.y;
    out->alpha_rs = sf_rsb1_alpha(cov, m.n, kappa, 0, 0);
    out->rs = m.y == 0 || out->alpha >= out->alpha_rs;
    if (out->rs) {
        out->alpha = out->alpha_rs;
        out->y = 0;
    }
    /* a minimum on the edge of the search box is not a stationary point */
    out->converged = isfinite(out->alpha) && q_edge <= 0 && (out->rs || m.y_edge == 0);
    return out->converged ? 0 : -1;
}

/* ---- stability of the replica-symmetric saddle (de Almeida-Thouless) */

static double at_integrand(double t, void *vp, int which)
{
    const struct rsb_par *p = vp;
    double u = (p->kappa - sqrt(p->Q) * t) / sqrt(1 - p->Q), r = gsl_sf_hazard(u);
    double v = which ? r * (r - u) : r;
    return exp(-0.5 * t * t) / sqrt(2 * M_PI) * v * v;
}

static double at_gamma_f(double t, void *vp) { return at_integrand(t, vp, 0); }
static double at_lambda_f(double t, void *vp) { return at_integrand(t, vp, 1); }

void sf_rs_field_moments(double kappa, double Q, double *gamma, double *lambda)
{
    /* g(h) = ln H((kappa - h)/sqrt(1 - Q)), h = sqrt(Q) t: gamma = E g'^2,
     * lambda = E g''^2, with g' = R(u)/sqrt(1-Q), g'' = -R(u)(R(u) - u)/(1-Q),
     * R = phi/H the hazard function */
    struct rsb_par p = {.kappa = kappa, .Q = Q};
    *gamma = quad_inf(at_gamma_f, &p) / (1 - Q);
    *lambda = quad_inf(at_lambda_f, &p) / ((1 - Q) * (1 - Q));
}

double sf_rs_branch(int cov, int n, double kappa, double q, double *replicon)
{
    double Q = cov ? q * q : q, g, l;
    int k = cov ? n - 1 : 1;
    sf_rs_field_moments(kappa, Q, &g, &l);
    double alpha = q / (k * g * (1 - q) * (1 - q));
    if (replicon)
        *replicon = cov ? 2 * alpha * k * q * q * l * (1 - q) : alpha * l * (1 - q) * (1 - q);
    return alpha;
}

struct at_par {
    int cov, n;
    double kappa;
};

static double at_root_f(double q, void *vp)
{
    const struct at_par *a = vp;
    double rho;
    sf_rs_branch(a->cov, a->n, a->kappa, q, &rho);
    return rho - 1;
}

double sf_rs_alpha_at(int cov, int n, double kappa, double *q_at)
{
    /* scan q = 1 - 10^-s, s in (0, 6], for the first sign change of rho - 1 */
    if (cov && n < 2) {
        if (q_at)
            *q_at = NAN;
        return NAN;
    }
    struct at_par a = {cov, cov ? n : 1, kappa};
    double qprev = 1e-3, fprev = at_root_f(qprev, &a);
    const int NS = 240;
    for (int k = 1; k <= NS; k++) {
        double q = k <= NS / 2 ? 1e-3 + (0.9 - 1e-3) * k / (NS / 2) : 1 - 0.1 * pow(1e-5, (k - NS / 2.0) / (NS / 2));
        double f = at_root_f(q, &a);
        if (fprev < 0 && f >= 0) {
            gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
            double root = q;
            if (s) {
                gsl_function F = {at_root_f, &a};
                gsl_error_handler_t *old = gsl_set_error_handler_off();
                if (!gsl_root_fsolver_set(s, &F, qprev, q))
                    for (int it = 0; it < 100; it++) {
                        if (gsl_root_fsolver_iterate(s))
                            break;
                        root = gsl_root_fsolver_root(s);
                        if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s),
                                                   1e-12, 1e-10) != GSL_CONTINUE)
                            break;
                    }
                gsl_set_error_handler(old);
                gsl_root_fsolver_free(s);
            }
            if (q_at)
                *q_at = root;
            return sf_rs_branch(cov, a.n, kappa, root, NULL);
        }
        qprev = q;
        fprev = f;
    }
    if (q_at)
        *q_at = 1;
    return NAN; /* stable up to the capacity */
}
