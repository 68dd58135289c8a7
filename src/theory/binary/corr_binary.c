/* Binary (Glauber) networks: Gaussian mean-field working point, linear
 * response and population-averaged covariances (Ginzburg & Sompolinsky 1994,
 * Phys Rev E 50:3171; Helias, Tetzlaff & Diesmann 2014, PLoS CB 10:e1003428;
 * Grytskyy et al. 2013 section 3 for the mapping to the input-noise class).
 *
 * Covariance equation (derived in docs/theory-correlations.md, "Binary"):
 * linearising the Glauber master equation around the working point gives,
 * for distinct neurons i != j with update time constants tau_i, tau_j,
 *   (1/tau_i + 1/tau_j) c_ij = (1/tau_i) sum_k w_ik c_kj + (1/tau_j) sum_k w_jk c_ki,
 * with c_kk = a_k = m_k (1 - m_k) (the exact variance of a binary variable;
 * this fixes the normalisation) and w_ik = S_i J_ik. Averaging over pairs of
 * populations alpha, beta with fixed in-degrees, to leading order in 1/N:
 *   A c + c A^T + T^-1 M Abar + Abar M^T T^-1 = 0,
 *   A = T^-1 (M - 1), M_ab = K_ab S_a J_ab, Abar = diag(a_a / N_a),
 * where the Abar terms are the direct connections between the two neurons
 * of a pair (probability K_ab / N_b), which bring in a variance instead of a
 * covariance (spiking.md section 2b).
 * Invariant: external populations have zero rows in M, so the equations are
 * block-triangular and their distinct pairs stay uncorrelated (c_XX = 0).
 */
#include "theory/corr_impl.h"

#include <assert.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define INV_SQRT_2PI 0.398942280401432677939946059934381868

double sf_theory_binary_gain(double mu, double sigma, double theta)
{
    if (sigma > 0)
        return 0.5 * erfc(-(mu - theta) / (M_SQRT2 * sigma));
    return mu > theta ? 1.0 : (mu < theta ? 0.0 : 0.5);
}

double sf_theory_binary_susceptibility(double mu, double sigma, double theta)
{
    if (sigma > 0) {
        double x = (mu - theta) / sigma;
        return INV_SQRT_2PI / sigma * exp(-0.5 * x * x);
    }
    return mu == theta ? INFINITY : 0.0;
}

sf_status sf_theory_binary_check(sf_context *ctx, const sf_theory_binary_net *net)
{
    if (!net)
        return sf_fail(ctx, SF_ERR_ARG, "binary network is NULL");
    if (net->n_pop < 1)
        return sf_fail(ctx, SF_ERR_ARG, "binary network: n_pop = %d, need >= 1", net->n_pop);
    if (!net->pop || !net->K || !net->J)
        return sf_fail(ctx, SF_ERR_ARG, "binary network: pop, K and J must not be NULL");
    size_t n = (size_t)net->n_pop;
    sf_status st;
    if ((st = sf__corr_finite(ctx, net->J, n * n, "J")) != SF_OK)
        return st;
    for (size_t a = 0; a < n; ++a) {
        const sf_theory_binary_pop *p = &net->pop[a];
        if (!isfinite(p->theta) || !isfinite(p->mu_ext))
            return sf_fail(ctx, SF_ERR_ARG, "population %zu: theta and mu_ext must be finite",
                           a);
        if (!(p->N >= 1) || !isfinite(p->N))
            return sf_fail(ctx, SF_ERR_ARG, "population %zu: N = %g, need >= 1", a, p->N);
        if (!(p->tau > 0) || !isfinite(p->tau))
            return sf_fail(ctx, SF_ERR_ARG, "population %zu: tau = %g ms, need > 0", a, p->tau);
        if (!(p->var_ext >= 0) || !isfinite(p->var_ext))
            return sf_fail(ctx, SF_ERR_ARG, "population %zu: var_ext = %g, need >= 0", a,
                           p->var_ext);
        if (p->external && !(p->m_ext >= 0 && p->m_ext <= 1))
            return sf_fail(ctx, SF_ERR_ARG, "population %zu: m_ext = %g, need 0 <= m_ext <= 1",
                           a, p->m_ext);
        for (size_t b = 0; b < n; ++b) {
            double K = net->K[a * n + b];
            double d = net->delays ? net->delays[a * n + b] : net->delay;
            if (!(K >= 0) || !isfinite(K))
                return sf_fail(ctx, SF_ERR_ARG, "K[%zu][%zu] = %g, need >= 0", a, b, K);
            if (!(d >= 0) || !isfinite(d))
                return sf_fail(ctx, SF_ERR_ARG, "delay[%zu][%zu] = %g ms, need >= 0", a, b, d);
        }
    }
    return SF_OK;
}

static sf_status check_m(sf_context *ctx, const sf_theory_binary_net *net, const double *m)
{
    if (!m)
        return sf_fail(ctx, SF_ERR_ARG, "activities m are NULL");
    for (size_t a = 0; a < (size_t)net->n_pop; ++a)
        if (!(m[a] >= 0 && m[a] <= 1))
            return sf_fail(ctx, SF_ERR_ARG, "activity m[%zu] = %g, need 0 <= m <= 1", a, m[a]);
    return SF_OK;
}

/* mu, sigma without checks. */
static void input_of(const sf_theory_binary_net *net, const double *m, double *mu,
                     double *sigma)
{
    size_t n = (size_t)net->n_pop;
    for (size_t a = 0; a < n; ++a) {
        const sf_theory_binary_pop *p = &net->pop[a];
        if (p->external) {
            mu[a] = sigma[a] = 0;
            continue;
        }
        double s1 = p->mu_ext, s2 = p->var_ext;
        for (size_t b = 0; b < n; ++b) {
            double KJ = net->K[a * n + b] * net->J[a * n + b];
            s1 += KJ * m[b];
            s2 += KJ * net->J[a * n + b] * m[b] * (1 - m[b]);
        }
        /* the covariances of distinct inputs (Helias et al. 2014): ordered
         * pairs of distinct inputs, K (K - 1) within a source population */
        for (size_t b = 0; net->c_pair && b < n; ++b)
            for (size_t c = 0; c < n; ++c) {
                double Kb = net->K[a * n + b], Kc = net->K[a * n + c];
                double pairs = b == c ? Kb * fmax(Kb - 1, 0) : Kb * Kc;
                s2 += pairs * net->J[a * n + b] * net->J[a * n + c] * net->c_pair[b * n + c];
            }
        mu[a] = s1;
        sigma[a] = sqrt(fmax(s2, 0));
    }
}

sf_status sf_theory_binary_input(sf_context *ctx, const sf_theory_binary_net *net, const double *m,
                                 double *mu, double *sigma)
{
    sf_status st = sf_theory_binary_check(ctx, net);
    if (st != SF_OK)
        return st;
    if ((st = check_m(ctx, net, m)) != SF_OK)
        return st;
    if (!mu || !sigma)
        return sf_fail(ctx, SF_ERR_ARG, "outputs mu and sigma must not be NULL");
    input_of(net, m, mu, sigma);
    return SF_OK;
}

/* ---- the mean-field solver ----------------------------------------------
 * F(x) = Phi(m(x)) - x over the solved (non-external) populations x; the
 * external ones are held at m_ext. Phi is evaluated at m clamped to [0, 1]
 * (every root lies there, since 0 < Phi < 1), so that trial points of the
 * hybrid method outside the unit cube stay well defined. */
typedef struct {
    const sf_theory_binary_net *net;
    const size_t *idx;     /* solved population of unknown i               */
    size_t n_x;
    double *m, *mu, *sigma; /* [n] scratch                                 */
} bin_sys;

static void sys_point(bin_sys *b, const double *x)
{
    for (size_t i = 0; i < b->n_x; ++i)
        b->m[b->idx[i]] = fmin(fmax(x[i], 0.0), 1.0);
    input_of(b->net, b->m, b->mu, b->sigma);
}

static int sys_f(const gsl_vector *x, void *par, gsl_vector *f)
{
    bin_sys *b = par;
    sys_point(b, x->data);
    for (size_t i = 0; i < b->n_x; ++i) {
        size_t a = b->idx[i];
        double phi = sf_theory_binary_gain(b->mu[a], b->sigma[a], b->net->pop[a].theta);
        gsl_vector_set(f, i, phi - gsl_vector_get(x, i));
    }
    return GSL_SUCCESS;
}

/* dPhi_a/dm_b = S_a K_ab J_ab + dPhi_a/dsigma_a K_ab J_ab^2 (1 - 2 m_b) / (2 sigma_a)
 * (+ the covariance term's dependence, held fixed), with
 * dPhi/dsigma = -S (mu - theta)/sigma; sigma > 0 here. */
static void sys_dphi(bin_sys *b, double *D)
{
    const sf_theory_binary_net *net = b->net;
    size_t n = (size_t)net->n_pop;
    for (size_t i = 0; i < b->n_x; ++i) {
        size_t a = b->idx[i];
        double S = sf_theory_binary_susceptibility(b->mu[a], b->sigma[a], net->pop[a].theta);
        double dsig = -S * (b->mu[a] - net->pop[a].theta) / b->sigma[a];
        for (size_t j = 0; j < b->n_x; ++j) {
            size_t c = b->idx[j];
            double KJ = net->K[a * n + c] * net->J[a * n + c];
            D[i * b->n_x + j] = S * KJ + dsig * KJ * net->J[a * n + c] * (1 - 2 * b->m[c]) /
                                             (2 * b->sigma[a]);
        }
    }
}

static int sys_df(const gsl_vector *x, void *par, gsl_matrix *J)
{
    bin_sys *b = par;
    assert(J->tda == b->n_x);
    sys_point(b, x->data);
    sys_dphi(b, J->data);   /* n_x x n_x, row-major with tda == n_x */
    for (size_t i = 0; i < b->n_x; ++i)
        J->data[i * J->tda + i] -= 1.0;
    return GSL_SUCCESS;
}

static int sys_fdf(const gsl_vector *x, void *par, gsl_vector *f, gsl_matrix *J)
{
    sys_f(x, par, f);
    return sys_df(x, par, J);
}

/* max_a |Phi_a(m) - m_a| over the solved populations, at x. */
static double sys_res(bin_sys *b, const double *x)
{
    sys_point(b, x);
    double r = 0;
    for (size_t i = 0; i < b->n_x; ++i) {
        size_t a = b->idx[i];
        r = fmax(r, fabs(sf_theory_binary_gain(b->mu[a], b->sigma[a], b->net->pop[a].theta) -
                         x[i]));
    }
    return isnan(r) ? INFINITY : r;
}

/* Powell's hybrid method from x; returns the iterations used, x the best
 * point found, *res its residual. */
static int hybrid(bin_sys *b, double *x, double tol, int max_iter, double *res)
{
    gsl_multiroot_function_fdf fdf = {sys_f, sys_df, sys_fdf, b->n_x, b};
    gsl_multiroot_fdfsolver *s =
        gsl_multiroot_fdfsolver_alloc(gsl_multiroot_fdfsolver_hybridsj, b->n_x);
    gsl_vector_view xv = gsl_vector_view_array(x, b->n_x);
    *res = sys_res(b, x);
    if (!s || *res <= tol || gsl_multiroot_fdfsolver_set(s, &fdf, &xv.vector) != GSL_SUCCESS) {
        gsl_multiroot_fdfsolver_free(s);
        return 0;
    }
    int it = 0;
    while (it < max_iter) {
        int status = gsl_multiroot_fdfsolver_iterate(s);
        ++it;
        double r = sys_res(b, s->x->data);
        if (r < *res) {
            *res = r;
            memcpy(x, s->x->data, b->n_x * sizeof *x);
        }
        if (*res <= tol || status != GSL_SUCCESS)
            break;
    }
    gsl_multiroot_fdfsolver_free(s);
    return it;
}

/* The mean-field dynamics tau_a dm_a/dt = Phi_a(m) - m_a (t in ms). */
static int sys_ode(double t, const double *x, double *dx, void *par)
{
    bin_sys *b = par;
    (void)t;
    sys_point(b, x);
    for (size_t i = 0; i < b->n_x; ++i) {
        size_t a = b->idx[i];
        dx[i] = (sf_theory_binary_gain(b->mu[a], b->sigma[a], b->net->pop[a].theta) - x[i]) /
                b->net->pop[a].tau;
    }
    return GSL_SUCCESS;
}

/* Follows the dynamics from x (adaptive Runge-Kutta-Fehlberg 4(5), GSL
 * odeiv2) in spans of the shortest tau, until the residual is below `near`
 * or the budget of spans is spent: a cold start ends near a fixed point
 * that is stable under the dynamics (the one a simulation from the same
 * state settles on), which the hybrid method then refines. Returns the
 * spans used. */
static int follow(bin_sys *b, double *x, double near, int max_spans, double *res)
{
    double tau_min = INFINITY;
    for (size_t i = 0; i < b->n_x; ++i)
        tau_min = fmin(tau_min, b->net->pop[b->idx[i]].tau);
    gsl_odeiv2_system sys = {sys_ode, NULL, b->n_x, b};
    gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rkf45,
                                                         0.01 * tau_min, 1e-10, 1e-8);
    *res = sys_res(b, x);
    int k = 0;
    double t = 0;
    while (d && k < max_spans && *res > near) {
        if (gsl_odeiv2_driver_apply(d, &t, t + tau_min, x) != GSL_SUCCESS)
            break;
        ++k;
        *res = sys_res(b, x);
    }
    gsl_odeiv2_driver_free(d);
    return k;
}

/* The damped iteration x <- x + alpha (Phi(x) - x) from x; returns the
 * iterations used, *res the residual at the returned x, *alpha the last
 * step size. */
static int damped(bin_sys *b, double *x, double *phi, double tol, int max_iter, double *alpha,
                  double *res)
{
    double best = INFINITY;
    int stall = 0, it;
    *res = INFINITY;
    for (it = 0; it < max_iter; ++it) {
        sys_point(b, x);
        *res = 0;
        for (size_t i = 0; i < b->n_x; ++i) {
            size_t a = b->idx[i];
            phi[i] = sf_theory_binary_gain(b->mu[a], b->sigma[a], b->net->pop[a].theta);
            *res = fmax(*res, fabs(phi[i] - x[i]));
        }
        if (*res <= tol)
            break;
        /* Oscillation guard: when the residual has not reached a new
         * minimum for 5 steps, the step overshoots (|1 - alpha (1 - lambda)|
         * >= 1 for an eigenvalue lambda of the Jacobian of Phi, or a
         * saturated 2-cycle); halve it. */
        if (*res < best) {
            best = *res;
            stall = 0;
        } else if (++stall >= 5) {
            *alpha = fmax(0.5 * *alpha, 1e-6);
            stall = 0;
            best = *res;
        }
        for (size_t i = 0; i < b->n_x; ++i)
            x[i] += *alpha * (phi[i] - x[i]);
    }
    return it;
}

/* Largest real part of the eigenvalues of T^-1 (DPhi - 1) at the point of b
 * (set by sys_point); D scratch [n_x^2]. */
static sf_status sys_stability(sf_context *ctx, bin_sys *b, double *D, double *max_real)
{
    size_t nx = b->n_x;
    *max_real = -INFINITY;
    if (!nx)
        return SF_OK;
    sys_dphi(b, D);
    for (size_t i = 0; i < nx; ++i) {
        D[i * nx + i] -= 1.0;
        for (size_t j = 0; j < nx; ++j)
            D[i * nx + j] /= b->net->pop[b->idx[i]].tau;
    }
    double *w = malloc(2 * nx * sizeof *w);
    if (!w)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)nx, D,
                                    (lapack_int)nx, w, w + nx, NULL, 1, NULL, 1);
    for (size_t i = 0; info == 0 && i < nx; ++i)
        *max_real = fmax(*max_real, w[i]);
    free(w);
    if (info != 0)
        return sf_fail(ctx, SF_ERR_NUMERIC, "binary mean field: eigenvalues failed (dgeev %d)",
                       (int)info);
    return SF_OK;
}

sf_status sf_theory_binary_solve(sf_context *ctx, const sf_theory_binary_net *net,
                                 const double *guess,
                                 const sf_theory_binary_opts *opts,
                                 sf_theory_binary_point *pt)
{
    sf_status st = sf_theory_binary_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!pt || !pt->m)
        return sf_fail(ctx, SF_ERR_ARG, "working point output (pt, pt->m) is NULL");
    double damping = 0.5, tol = 1e-12;
    int max_iter = 100000;
    sf_theory_binary_method method = SF_THEORY_BINARY_DYNAMICS;
    if (opts) {
        damping = opts->damping;
        tol = opts->tol;
        max_iter = opts->max_iter;
        method = opts->method;
    }
    if (!(damping > 0 && damping <= 1))
        return sf_fail(ctx, SF_ERR_ARG, "damping = %g, need 0 < damping <= 1", damping);
    if (!(tol > 0) || !isfinite(tol))
        return sf_fail(ctx, SF_ERR_ARG, "tol = %g, need > 0", tol);
    if (max_iter < 1)
        return sf_fail(ctx, SF_ERR_ARG, "max_iter = %d, need >= 1", max_iter);
    if (method != SF_THEORY_BINARY_DYNAMICS && method != SF_THEORY_BINARY_HYBRID &&
        method != SF_THEORY_BINARY_DAMPED)
        return sf_fail(ctx, SF_ERR_ARG, "unknown binary solver method %d", (int)method);
    if (guess && (st = check_m(ctx, net, guess)) != SF_OK)
        return st;
    size_t n = (size_t)net->n_pop;
    /* m, mu, sigma, x, phi [n]; D [n^2]; idx [n] */
    double *buf = malloc((5 * n + n * n) * sizeof *buf);
    size_t *idx = malloc(n * sizeof *idx);
    if (!buf || !idx) {
        free(buf);
        free(idx);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    double *m = buf, *mu = m + n, *sigma = mu + n, *x = sigma + n, *phi = x + n, *D = phi + n;
    bin_sys b = {net, idx, 0, m, mu, sigma};
    for (size_t a = 0; a < n; ++a) {
        m[a] = net->pop[a].external ? net->pop[a].m_ext : (guess ? guess[a] : 0.2);
        if (!net->pop[a].external) {
            x[b.n_x] = m[a];
            idx[b.n_x++] = a;
        }
    }
    /* step gains (sigma = 0 somewhere) have no Jacobian: damped only */
    input_of(net, m, mu, sigma);
    bool smooth = true;
    for (size_t i = 0; i < b.n_x; ++i)
        smooth &= sigma[idx[i]] > 0;
    double alpha = damping, res = INFINITY;
    int it = 0;
    pt->fallback = false;
    if (method == SF_THEORY_BINARY_HYBRID && smooth && b.n_x)
        it = hybrid(&b, x, tol, max_iter, &res);
    else if (method == SF_THEORY_BINARY_DYNAMICS && smooth && b.n_x) {
        /* the dynamics until close, then the hybrid method; when that
         * makes no progress (a "ghost" near a saddle-node also has a small
         * residual), further along the dynamics, with a tighter notion of
         * close, within half the budget */
        for (double near = 1e-4; it < max_iter / 2 && !(res <= tol); near *= 1e-2) {
            it += follow(&b, x, near, max_iter / 2 - it, &res);
            it += hybrid(&b, x, tol, max_iter - it, &res);
            if (near < 1e-300)
                break;
        }
    }
    if (!(res <= tol) && it < max_iter) {
        pt->fallback = method != SF_THEORY_BINARY_DAMPED && smooth;
        it += damped(&b, x, phi, tol, max_iter - it, &alpha, &res);
    }
    if (!b.n_x)
        res = 0;
    pt->iterations = it;
    pt->residual = res;
    sys_point(&b, x);
    memcpy(pt->m, m, n * sizeof *m);
    if (!(res <= tol)) {
        free(buf);
        free(idx);
        return sf_fail(ctx, SF_ERR_NOCONV,
                       "binary mean field did not converge in %d iterations: max |Phi(m) - m| "
                       "= %.3g > tol = %.3g (%s; last damped step size %.3g); try more "
                       "iterations or another initial guess",
                       max_iter, res, tol,
                       method == SF_THEORY_BINARY_DAMPED ? "damped iteration"
                       : !smooth ? "damped iteration: a population has sigma = 0"
                       : method == SF_THEORY_BINARY_HYBRID ? "hybrid method, then damped iteration"
                                                           : "the dynamics, the hybrid method, then damped iteration",
                       alpha);
    }
    for (size_t a = 0; a < n; ++a) {
        double S = net->pop[a].external
                       ? 0.0
                       : sf_theory_binary_susceptibility(mu[a], sigma[a], net->pop[a].theta);
        if (!isfinite(S)) {
            free(buf);
            free(idx);
            return sf_fail(ctx, SF_ERR_RANGE,
                           "population %zu: zero input variance at mu = theta; the "
                           "susceptibility of the step gain is infinite",
                           a);
        }
        if (pt->mu)
            pt->mu[a] = mu[a];
        if (pt->sigma)
            pt->sigma[a] = sigma[a];
        if (pt->S)
            pt->S[a] = S;
    }
    pt->max_real_eig = NAN;
    pt->stable = false;
    bool all_smooth = true;
    for (size_t i = 0; i < b.n_x; ++i)
        all_smooth &= sigma[idx[i]] > 0;
    if (all_smooth) {
        st = sys_stability(ctx, &b, D, &pt->max_real_eig);
        pt->stable = st == SF_OK && pt->max_real_eig < 0;
    }
    free(buf);
    free(idx);
    return st;
}

sf_status sf_theory_binary_solve_correlated(sf_context *ctx, const sf_theory_binary_net *net,
                                            const double *guess,
                                            const sf_theory_binary_opts *opts,
                                            sf_theory_corr_workspace *ws,
                                            sf_theory_binary_point *pt, double *c)
{
    sf_status st = sf_theory_binary_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!pt || !pt->m || !c)
        return sf_fail(ctx, SF_ERR_ARG, "working point output (pt, pt->m) or c is NULL");
    if ((st = sf__corr_ws_check(ctx, ws, net->n_pop)) != SF_OK)
        return st;
    size_t n = (size_t)net->n_pop, nn = n * n;
    double tol = opts ? opts->tol : 1e-12;
    double *buf = malloc((nn + n) * sizeof *buf);
    if (!buf)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    double *c_new = buf, *m_old = buf + nn;
    sf_theory_binary_net cn = *net;
    for (size_t k = 0; k < nn; ++k)
        c[k] = net->c_pair ? net->c_pair[k] : 0.0;
    cn.c_pair = c;
    const double *g = guess;
    int round, total = 0;
    bool done = false;
    for (round = 0; round < 50 && !done; ++round) {
        if ((st = sf_theory_binary_solve(ctx, &cn, g, opts, pt)) != SF_OK)
            break;
        total += pt->iterations;
        double dm = INFINITY;
        if (round > 0) {
            dm = 0;
            for (size_t a = 0; a < n; ++a)
                dm = fmax(dm, fabs(pt->m[a] - m_old[a]));
        }
        if (dm <= fmax(tol, 1e-14)) {
            done = true;
            break;
        }
        memcpy(m_old, pt->m, n * sizeof *m_old);
        g = m_old;
        sf_theory_binary_cov out = {.c = c_new};
        if ((st = sf_theory_binary_covariance(ctx, &cn, pt->m, ws, &out)) != SF_OK)
            break;
        memcpy(c, c_new, nn * sizeof *c);
    }
    free(buf);
    if (st == SF_OK)
        pt->iterations = total;
    if (st == SF_OK && !done)
        st = sf_fail(ctx, SF_ERR_NOCONV,
                     "binary mean field with correlations: activities and covariances did not "
                     "reach a joint fixed point in 50 rounds");
    return st;
}

/* M and S without the argument checks; mu/sigma scratch [2n]. */
static sf_status conn_of(sf_context *ctx, const sf_theory_binary_net *net, const double *m,
                         double *M,
                         double *S, double *scratch)
{
    size_t n = (size_t)net->n_pop;
    double *mu = scratch, *sigma = scratch + n;
    input_of(net, m, mu, sigma);
    for (size_t a = 0; a < n; ++a) {
        double Sa = net->pop[a].external
                        ? 0.0
                        : sf_theory_binary_susceptibility(mu[a], sigma[a], net->pop[a].theta);
        if (!isfinite(Sa))
            return sf_fail(ctx, SF_ERR_RANGE,
                           "population %zu: zero input variance at mu = theta; the "
                           "susceptibility of the step gain is infinite",
                           a);
        if (S)
            S[a] = Sa;
        for (size_t b = 0; b < n; ++b)
            M[a * n + b] = Sa * net->K[a * n + b] * net->J[a * n + b];
    }
    return SF_OK;
}

sf_status sf_theory_binary_connectivity(sf_context *ctx, const sf_theory_binary_net *net,
                                        const double *m,
                                        double *M, double *S)
{
    sf_status st = sf_theory_binary_check(ctx, net);
    if (st != SF_OK)
        return st;
    if ((st = check_m(ctx, net, m)) != SF_OK)
        return st;
    if (!M)
        return sf_fail(ctx, SF_ERR_ARG, "output M is NULL");
    double *scratch = malloc(2 * (size_t)net->n_pop * sizeof *scratch);
    if (!scratch)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    st = conn_of(ctx, net, m, M, S, scratch);
    free(scratch);
    return st;
}

sf_status sf_theory_binary_to_linear(sf_context *ctx, const sf_theory_binary_net *net,
                                     const double *m,
                                     double *W, double *tau, double *D,
                                     sf_theory_linear_net *lin)
{
    sf_status st = sf_theory_binary_check(ctx, net);
    if (st != SF_OK)
        return st;
    if ((st = check_m(ctx, net, m)) != SF_OK)
        return st;
    if (!W || !tau || !D || !lin)
        return sf_fail(ctx, SF_ERR_ARG, "outputs W, tau, D and lin must not be NULL");
    size_t n = (size_t)net->n_pop;
    double *scratch = malloc(2 * n * sizeof *scratch);
    if (!scratch)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    st = conn_of(ctx, net, m, W, NULL, scratch);
    free(scratch);
    if (st != SF_OK)
        return st;
    for (size_t a = 0; a < n; ++a) {
        tau[a] = net->pop[a].tau;
        for (size_t b = 0; b < n; ++b)
            D[a * n + b] = a == b ? 2 * tau[a] * SF_MS * m[a] * (1 - m[a]) / net->pop[a].N : 0;
    }
    *lin = (sf_theory_linear_net){.n = net->n_pop, .W = W, .tau = tau,
                                  .delay = net->delay, .delays = net->delays, .D = D};
    return SF_OK;
}

/* Solves the pair equation with the source masked to the blocks selected by
 * `which` (0: all, 1: internal-internal only, 2: every block that touches an
 * external population). A goes to ws->rG, Q to ws->rH. */
static sf_status pair_solve(sf_context *ctx, const sf_theory_binary_net *net, const double *m,
                            const double *M, int which, sf_theory_corr_workspace *ws,
                            double *c)
{
    size_t n = (size_t)net->n_pop;
    double *A = ws->rG, *Q = ws->rH;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            double ta = net->pop[a].tau, tb = net->pop[b].tau;
            double Aa = m[a] * (1 - m[a]) / net->pop[a].N;
            double Ab = m[b] * (1 - m[b]) / net->pop[b].N;
            A[a * n + b] = (M[a * n + b] - (a == b ? 1.0 : 0.0)) / ta;
            double q = M[a * n + b] * Ab / ta + Aa * M[b * n + a] / tb;
            bool ext = net->pop[a].external || net->pop[b].external;
            if ((which == 1 && ext) || (which == 2 && !ext))
                q = 0;
            Q[a * n + b] = q;
        }
    sf_status st = sf_theory_lyapunov_solve(ctx, net->n_pop, A, Q, ws, c);
    if (st == SF_ERR_RANGE)
        return sf_fail(ctx, SF_ERR_RANGE,
                       "binary network: the linearised dynamics is unstable (an eigenvalue "
                       "of the effective connectivity M has real part >= 1), no stationary "
                       "covariance");
    return st;
}

sf_status sf_theory_binary_covariance(sf_context *ctx, const sf_theory_binary_net *net,
                                      const double *m,
                                      sf_theory_corr_workspace *ws,
                                      sf_theory_binary_cov *out)
{
    sf_status st = sf_theory_binary_check(ctx, net);
    if (st != SF_OK)
        return st;
    if ((st = check_m(ctx, net, m)) != SF_OK)
        return st;
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "output struct is NULL");
    if ((st = sf__corr_ws_check(ctx, ws, net->n_pop)) != SF_OK)
        return st;
    size_t n = (size_t)net->n_pop, nn = n * n;
    /* M, c, c_int [n^2] and mu/sigma [2n] scratch */
    double *buf = malloc((3 * nn + 2 * n) * sizeof *buf);
    if (!buf)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    double *M = buf, *c = buf + nn, *ci = buf + 2 * nn, *scratch = buf + 3 * nn;
    if ((st = conn_of(ctx, net, m, M, NULL, scratch)) != SF_OK)
        goto done;
    if ((st = pair_solve(ctx, net, m, M, 0, ws, c)) != SF_OK)
        goto done;
    if (out->c)
        memcpy(out->c, c, nn * sizeof *c);
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            double Aa = m[a] * (1 - m[a]);
            double cab = c[a * n + b];
            if (out->C_avg)
                out->C_avg[a * n + b] = a == b ? Aa / net->pop[a].N +
                                                     (1 - 1 / net->pop[a].N) * cab
                                               : cab;
            if (out->rho) {
                double Ab = m[b] * (1 - m[b]);
                out->rho[a * n + b] = cab / sqrt(Aa * Ab);
            }
        }
    if (out->c_int || out->c_ext) {
        if ((st = pair_solve(ctx, net, m, M, 1, ws, ci)) != SF_OK)
            goto done;
        if (out->c_int)
            memcpy(out->c_int, ci, nn * sizeof *ci);
        if (out->c_ext) {
            if ((st = pair_solve(ctx, net, m, M, 2, ws, out->c_ext)) != SF_OK)
                goto done;
        }
    }
    if (out->c_track) {
        /* L = (1 - M_RR)^-1 M_RX over the internal (R) and external (X)
         * populations, in the full index space: rows/columns of the other
         * kind are zero. */
        double *L = out->c_track;   /* used as n x n scratch first */
        double *G = ws->rG;
        for (size_t a = 0; a < n; ++a)
            for (size_t b = 0; b < n; ++b) {
                bool ra = !net->pop[a].external, rb = !net->pop[b].external;
                /* M restricted to R (1 - G is the identity on X rows/columns) */
                G[a * n + b] = ra && rb ? M[a * n + b] : 0.0;
                L[a * n + b] = (ra && !rb) ? M[a * n + b] : 0.0;
            }
        if ((st = sf_lr_solve_real(ctx, &ws->lr, net->n_pop, G, L, net->n_pop)) != SF_OK)
            goto done;
        /* L now holds (1 - M_RR)^-1 M_RX in the R x X block (and 0 elsewhere,
         * since the X rows of 1 - G are identity rows with zero right-hand
         * side). */
        double *T = ws->rH;
        for (size_t a = 0; a < n; ++a)
            for (size_t b = 0; b < n; ++b) {
                bool ra = !net->pop[a].external, rb = !net->pop[b].external;
                double v = 0;
                if (ra && rb) {
                    for (size_t x = 0; x < n; ++x)
                        if (net->pop[x].external)
                            v += L[a * n + x] * (m[x] * (1 - m[x]) / net->pop[x].N) *
                                 L[b * n + x];
                } else if (ra && !rb) {
                    v = L[a * n + b] * m[b] * (1 - m[b]) / net->pop[b].N;
                } else if (!ra && rb) {
                    v = L[b * n + a] * m[a] * (1 - m[a]) / net->pop[a].N;
                }
                T[a * n + b] = v;
            }
        memcpy(out->c_track, T, nn * sizeof *T);
    }
done:
    free(buf);
    return st;
}
