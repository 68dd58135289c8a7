/* Networks of LIF populations with fixed in-degrees: input statistics, the
 * rate map Phi(nu), self-consistent rates and their stability.
 *
 * Input of population a in the diffusion approximation (Brunel 2000 eqs. 4-5,
 * Fourcaud & Brunel 2002 for current-based exponential synapses with the
 * PSP-equivalent weights J = w tau_s / C_m):
 *     mu_a      = tau_a [sum_b K_ab J_ab nu_b + ext_rate_a J_ext_a] + tau_a I_e,a / C_m,a
 *     sigma_a^2 = tau_a [sum_b K_ab E[J_ab^2] nu_b + ext_rate_a J_ext_a^2]
 * (E[J^2] = J^2 + Var J: heterogeneous weights add their variance) with tau_a the target's membrane time constant in s when multiplied with
 * rates in Hz (the factor 1e-3 below), so that mu is in mV.
 *
 * Self-consistency nu = Phi(nu) is solved by pseudo-transient continuation
 * (Kelley & Keyes 1998, SIAM J Numer Anal 35:508): linearly implicit Euler
 * steps of the relaxation dynamics dnu/ds = Phi(nu) - nu,
 *     (1/ds + 1 - DPhi) dnu = Phi(nu) - nu,
 * with the pseudo-time step ds grown as the residual falls (switched
 * evolution relaxation, ds_{k+1} = ds_k |F_{k-1}|/|F_k|). Far from a solution
 * this follows the relaxation trajectory (which is what makes it converge
 * from a cold start to a fixed point that is stable under the rate
 * dynamics, as nnmt's ODE method does), near one it becomes Newton's method
 * with the analytic Jacobian (quadratic convergence, no separate polish).
 * Implicit steps make stiff networks (strong inhibition, DPhi >> 1) as easy
 * as weakly coupled ones. The linear system of each step is solved by the
 * library's small dense solver (src/core/linalg.c).
 */
#include "theory/theory_impl.h"

#include "core/linalg.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sf_status sf_theory_network_check(sf_context *ctx, const sf_theory_network *net)
{
    if (!net)
        return sf_fail(ctx, SF_ERR_ARG, "theory: network is NULL");
    if (net->n_pop < 1)
        return sf_fail(ctx, SF_ERR_ARG, "theory: network has %d populations", net->n_pop);
    if (!net->pop || !net->K || !net->J)
        return sf_fail(ctx, SF_ERR_ARG, "theory: network populations, K or J missing");
    if (net->colored != SF_THEORY_SHIFT && net->colored != SF_THEORY_TAYLOR)
        return sf_fail(ctx, SF_ERR_ARG, "theory: unknown colored-noise method %d",
                       (int)net->colored);
    if (net->delay_dist != SF_THEORY_DELAY_NONE && net->delay_dist != SF_THEORY_DELAY_GAUSSIAN
        && net->delay_dist != SF_THEORY_DELAY_TRUNCATED_GAUSSIAN)
        return sf_fail(ctx, SF_ERR_ARG, "theory: unknown delay distribution %d",
                       (int)net->delay_dist);
    int n = net->n_pop;
    for (int a = 0; a < n; ++a) {
        sf_status st = sf_theory_pop_check(ctx, &net->pop[a]);
        if (st != SF_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", sf_context_errmsg(ctx));
            return sf_fail(ctx, st, "population %d: %s", a, msg);
        }
        for (int b = 0; b < n; ++b) {
            size_t i = (size_t)a * (size_t)n + (size_t)b;
            if (!(net->K[i] >= 0) || !isfinite(net->K[i]))
                return sf_fail(ctx, SF_ERR_RANGE, "theory: K[%d][%d] = %g must be finite and >= 0",
                               a, b, net->K[i]);
            if (!isfinite(net->J[i]))
                return sf_fail(ctx, SF_ERR_RANGE, "theory: J[%d][%d] = %g mV is not finite", a,
                               b, net->J[i]);
            if (net->J2 && (!(net->J2[i] >= net->J[i] * net->J[i] * (1 - 1e-12)) ||
                            !isfinite(net->J2[i])))
                return sf_fail(ctx, SF_ERR_RANGE,
                               "theory: J2[%d][%d] = %g mV^2 must be finite and >= J^2 = %g "
                               "(a mean square)",
                               a, b, net->J2[i], net->J[i] * net->J[i]);
            if (net->delay && (!(net->delay[i] >= 0) || !isfinite(net->delay[i])))
                return sf_fail(ctx, SF_ERR_RANGE,
                               "theory: delay[%d][%d] = %g ms must be finite and >= 0", a, b,
                               net->delay[i]);
            const sf_theory_delay_pmf *dp = net->delay_pmf ? &net->delay_pmf[i] : NULL;
            if (dp && (dp->n < 0 || (dp->n > 0 && (!dp->p || dp->first < 0 || !(dp->h > 0) ||
                                                   !isfinite(dp->offset)))))
                return sf_fail(ctx, SF_ERR_RANGE,
                               "theory: delay_pmf[%d][%d] is not a delay distribution (n %d, "
                               "first %d, h %g ms)", a, b, dp->n, dp->first, dp->h);
            if (net->delay_sd && (!(net->delay_sd[i] >= 0) || !isfinite(net->delay_sd[i])))
                return sf_fail(ctx, SF_ERR_RANGE,
                               "theory: delay_sd[%d][%d] = %g ms must be finite and >= 0", a, b,
                               net->delay_sd[i]);
        }
    }
    return SF_OK;
}

/* The mean square weight of pair ab (mV^2): E[J^2] of heterogeneous
 * weights, J^2 when the network states none. */
static double j2_of(const sf_theory_network *net, size_t ab)
{
    return net->J2 ? net->J2[ab] : net->J[ab] * net->J[ab];
}

/* Unchecked: mu, sigma (mV) for rates nu (Hz; negative treated as 0). */
static void net_input(const sf_theory_network *net, const double *nu, double *mu,
                      double *sigma)
{
    int n = net->n_pop;
    for (int a = 0; a < n; ++a) {
        const sf_theory_pop *p = &net->pop[a];
        double m = p->ext_rate * p->J_ext, v = p->ext_rate * p->J_ext * p->J_ext;
        for (int b = 0; b < n; ++b) {
            double kj = net->K[a * n + b] * net->J[a * n + b];
            double r = nu[b] > 0 ? nu[b] : 0.0;
            m += kj * r;
            v += net->K[a * n + b] * j2_of(net, a * n + b) * r;
        }
        double tau_s = 1e-3 * p->tau_m; /* ms -> s, for rates in Hz */
        mu[a] = tau_s * m + p->tau_m * p->I_e / p->C_m; /* pA ms/pF = mV */
        sigma[a] = sqrt(fmax(tau_s * v, 0.0));
    }
}

sf_status sf_theory_network_input(sf_context *ctx, const sf_theory_network *net, const double *nu,
                                  double *mu, double *sigma)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!nu || !mu || !sigma)
        return sf_fail(ctx, SF_ERR_ARG, "theory: input arrays are NULL");
    net_input(net, nu, mu, sigma);
    return SF_OK;
}

/* Unchecked rate map: phi (Hz) and optionally jac = dPhi/dnu; mu, sigma
 * scratch [n]. Returns true if a Taylor rate is negative. */
static bool net_rate_map(const sf_theory_network *net, const double *nu, double *phi,
                         double *jac, double *mu, double *sigma)
{
    int n = net->n_pop;
    bool neg = false;
    net_input(net, nu, mu, sigma);
    for (int a = 0; a < n; ++a) {
        const sf_theory_pop *p = &net->pop[a];
        sf__rate r;
        sf__lif_rate(p, net->colored, mu[a], sigma[a], &r);
        neg |= r.negative;
        phi[a] = 1e3 * r.nu;
        if (!jac)
            continue;
        double tau_s = 1e-3 * p->tau_m;
        for (int b = 0; b < n; ++b) {
            double kj = net->K[a * n + b] * net->J[a * n + b];
            double dmu = tau_s * kj;                                    /* mV/Hz */
            double dsig = sigma[a] > 0 ? tau_s * net->K[a * n + b] * j2_of(net, a * n + b) /
                                             (2.0 * sigma[a])
                                       : 0.0;                           /* mV/Hz */
            jac[a * n + b] = 1e3 * (r.dmu * dmu + r.dsigma * dsig);
        }
    }
    return neg;
}

sf_status sf_theory_network_rate_map(sf_context *ctx, const sf_theory_network *net,
                                     const double *nu,
                                     double *phi, double *jac)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!nu || !phi)
        return sf_fail(ctx, SF_ERR_ARG, "theory: rate arrays are NULL");
    for (int a = 0; a < net->n_pop; ++a)
        if (!isfinite(nu[a]))
            return sf_fail(ctx, SF_ERR_ARG, "theory: rate of population %d is not finite", a);
    double *scratch = malloc(2 * (size_t)net->n_pop * sizeof *scratch);
    if (!scratch)
        return sf_fail(ctx, SF_ERR_NOMEM, "theory: out of memory");
    net_rate_map(net, nu, phi, jac, scratch, scratch + net->n_pop);
    free(scratch);
    return SF_OK;
}

/* ---------------------------------------------------------------------------
 * The solver. */

struct sf_theory_rates_solver {
    int cap;                  /* allocated n_pop                           */
    const sf_theory_network *net;
    double *nu, *phi, *jac, *mu, *sigma;   /* current state                 */
    double *nu_new, *phi_new, *jac_new;    /* trial state                   */
    double *A, *rhs;          /* linear system                             */
    double complex *lu;       /* [n (n + 1)] scratch of the solver         */
    int *ipiv;
    double ds;                /* pseudo-time step (units of the relaxation time) */
    double fnorm;             /* |Phi(nu) - nu|_inf, Hz                     */
    bool negative;            /* Taylor rate negative at the current state */
    long n_iter;
};

sf_theory_rates_solver *sf_theory_rates_solver_create(int n_pop)
{
    if (n_pop < 1)
        return NULL;
    sf_theory_rates_solver *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t n = (size_t)n_pop;
    s->cap = n_pop;
    double *block = malloc((8 * n + 4 * n * n) * sizeof *block);
    s->ipiv = malloc(n * sizeof *s->ipiv);
    s->lu = malloc(n * (n + 1) * sizeof *s->lu);
    if (!block || !s->ipiv || !s->lu) {
        free(block);
        free(s->ipiv);
        free(s->lu);
        free(s);
        return NULL;
    }
    s->nu = block;
    s->phi = s->nu + n;
    s->mu = s->phi + n;
    s->sigma = s->mu + n;
    s->nu_new = s->sigma + n;
    s->phi_new = s->nu_new + n;
    s->rhs = s->phi_new + n;
    s->jac = s->rhs + 2 * n;
    s->jac_new = s->jac + n * n;
    s->A = s->jac_new + n * n;
    return s;
}

void sf_theory_rates_solver_destroy(sf_theory_rates_solver *s)
{
    if (!s)
        return;
    free(s->nu);
    free(s->ipiv);
    free(s->lu);
    free(s);
}

static double residual_inf(int n, const double *nu, const double *phi)
{
    double r = 0;
    for (int a = 0; a < n; ++a)
        r = fmax(r, fabs(phi[a] - nu[a]));
    return r;
}

sf_status sf_theory_rates_solver_set(sf_context *ctx, sf_theory_rates_solver *s,
                                     const sf_theory_network *net, const double *guess)
{
    if (!s)
        return sf_fail(ctx, SF_ERR_ARG, "theory: solver is NULL");
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (net->n_pop > s->cap)
        return sf_fail(ctx, SF_ERR_ARG,
                       "theory: solver made for %d populations, network has %d", s->cap,
                       net->n_pop);
    int n = net->n_pop;
    s->net = net;
    for (int a = 0; a < n; ++a) {
        double g = guess ? guess[a] : 0.0;
        if (!(g >= 0) || !isfinite(g))
            return sf_fail(ctx, SF_ERR_ARG,
                           "theory: initial rate of population %d is %g Hz (must be >= 0)", a, g);
        s->nu[a] = g;
    }
    s->negative = net_rate_map(net, s->nu, s->phi, s->jac, s->mu, s->sigma);
    s->fnorm = residual_inf(n, s->nu, s->phi);
    /* first pseudo-time step: a tenth of the relaxation time */
    s->ds = 0.1;
    s->n_iter = 0;
    return SF_OK;
}

/* Solves (1/ds + 1 - J) x = F for x (into rhs). Returns false if singular. */
static bool ptc_solve(sf_theory_rates_solver *s, double ds)
{
    int n = s->net->n_pop;
    for (int a = 0; a < n; ++a) {
        for (int b = 0; b < n; ++b)
            s->A[a * n + b] = -s->jac[a * n + b];
        s->A[a * n + a] += 1.0 + 1.0 / ds;
        s->rhs[a] = s->phi[a] - s->nu[a];
    }
    return sf_linalg_solve_real(NULL, n, s->A, s->rhs, 1, s->lu, s->ipiv) == SF_OK;
}

sf_status sf_theory_rates_solver_iterate(sf_context *ctx, sf_theory_rates_solver *s)
{
    if (!s || !s->net)
        return sf_fail(ctx, SF_ERR_ARG, "theory: solver not set");
    const sf_theory_network *net = s->net;
    int n = net->n_pop;
    /* try the step; shrink ds when the residual grows too much (the step
     * then left the region where the linearisation holds) */
    for (int attempt = 0; attempt < 40; ++attempt) {
        double ds = s->ds;
        if (!ptc_solve(s, ds)) {
            s->ds *= 0.25;
            continue;
        }
        for (int a = 0; a < n; ++a) {
            double v = s->nu[a] + s->rhs[a];
            /* rates are non-negative; the Taylor variant may ask for less */
            s->nu_new[a] = v > 0 ? v : 0.0;
        }
        bool neg = net_rate_map(net, s->nu_new, s->phi_new, s->jac_new, s->mu, s->sigma);
        double fn = residual_inf(n, s->nu_new, s->phi_new);
        bool finite = isfinite(fn);
        if (!finite || fn > 2.0 * s->fnorm + 1e-12) {
            s->ds *= 0.25;
            if (s->ds < 1e-12)
                break;
            continue;
        }
        /* accept; switched evolution relaxation for the next ds */
        double ratio = fn > 0 ? s->fnorm / fn : 1e6;
        s->ds = fmin(fmax(ds * ratio, 1e-3), 1e12);
        memcpy(s->nu, s->nu_new, (size_t)n * sizeof *s->nu);
        memcpy(s->phi, s->phi_new, (size_t)n * sizeof *s->phi);
        memcpy(s->jac, s->jac_new, (size_t)n * (size_t)n * sizeof *s->jac);
        s->fnorm = fn;
        s->negative = neg;
        s->n_iter++;
        return SF_OK;
    }
    return sf_fail(ctx, SF_ERR_NOCONV,
                   "theory: self-consistent rates: no acceptable step (residual %g Hz)",
                   s->fnorm);
}

bool sf_theory_rates_solver_test(const sf_theory_rates_solver *s, double tol_abs,
                                 double tol_rel)
{
    if (!s || !s->net)
        return false;
    for (int a = 0; a < s->net->n_pop; ++a)
        if (!(fabs(s->phi[a] - s->nu[a]) <= tol_abs + tol_rel * fabs(s->nu[a])))
            return false;
    return true;
}

const double *sf_theory_rates_solver_rates(const sf_theory_rates_solver *s)
{
    return s ? s->nu : NULL;
}

double sf_theory_rates_solver_residual(const sf_theory_rates_solver *s)
{
    return s ? s->fnorm : NAN;
}

/* Eigenvalues of jac - 1 (row-major n x n, overwritten). */
static sf_status eig_minus_one(sf_context *ctx, int n, double *jac, double complex *eig,
                               double *max_real)
{
    double *wr = malloc(2 * (size_t)n * sizeof *wr);
    if (!wr)
        return sf_fail(ctx, SF_ERR_NOMEM, "theory: out of memory");
    double *wi = wr + n;
    for (int a = 0; a < n; ++a)
        jac[a * n + a] -= 1.0;
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, jac, n, wr, wi, NULL, 1,
                                    NULL, 1);
    if (info != 0) {
        free(wr);
        return sf_fail(ctx, SF_ERR_NUMERIC, "theory: eigenvalue computation failed (dgeev %d)",
                       (int)info);
    }
    double mr = -HUGE_VAL;
    for (int a = 0; a < n; ++a) {
        if (eig)
            eig[a] = wr[a] + I * wi[a];
        mr = fmax(mr, wr[a]);
    }
    if (max_real)
        *max_real = mr;
    free(wr);
    return SF_OK;
}

sf_status sf_theory_rates_stability(sf_context *ctx, const sf_theory_network *net, const double *nu,
                                    double complex *eig, double *max_real)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!nu)
        return sf_fail(ctx, SF_ERR_ARG, "theory: rates are NULL");
    size_t n = (size_t)net->n_pop;
    double *buf = malloc((3 * n + n * n) * sizeof *buf);
    if (!buf)
        return sf_fail(ctx, SF_ERR_NOMEM, "theory: out of memory");
    double *jac = buf + 3 * n;
    net_rate_map(net, nu, buf, jac, buf + n, buf + 2 * n);
    st = eig_minus_one(ctx, net->n_pop, jac, eig, max_real);
    free(buf);
    return st;
}

sf_status sf_theory_rates_solve(sf_context *ctx, const sf_theory_network *net, const double *guess,
                                const sf_theory_solve_opts *opts, sf_theory_fixed_point *fp)
{
    if (!fp || !fp->rates)
        return sf_fail(ctx, SF_ERR_ARG, "theory: fixed point output (rates) is NULL");
    sf_theory_solve_opts o = {1e-10, 1e-10, 2000};
    if (opts) {
        if (opts->tol_abs > 0)
            o.tol_abs = opts->tol_abs;
        if (opts->tol_rel > 0)
            o.tol_rel = opts->tol_rel;
        if (opts->max_iter > 0)
            o.max_iter = opts->max_iter;
    }
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    int n = net->n_pop;
    sf_theory_rates_solver *s = sf_theory_rates_solver_create(n);
    if (!s)
        return sf_fail(ctx, SF_ERR_NOMEM, "theory: out of memory");
    st = sf_theory_rates_solver_set(ctx, s, net, guess);
    int it = 0;
    while (st == SF_OK && !sf_theory_rates_solver_test(s, o.tol_abs, o.tol_rel)) {
        if (it >= o.max_iter) {
            st = sf_fail(ctx, SF_ERR_NOCONV,
                         "theory: self-consistent rates did not converge in %d iterations "
                         "(max |Phi(nu) - nu| = %g Hz, tolerance %g Hz + %g relative)%s",
                         it, s->fnorm, o.tol_abs, o.tol_rel,
                         s->negative ? "; the Taylor rate is negative here, use the shift "
                                       "method"
                                     : "");
            break;
        }
        st = sf_theory_rates_solver_iterate(ctx, s);
        ++it;
    }
    fp->iterations = it;
    fp->residual = s->fnorm;
    fp->taylor_negative = s->negative;
    memcpy(fp->rates, s->nu, (size_t)n * sizeof *fp->rates);
    /* s->mu, s->sigma are scratch of the last (possibly rejected) trial:
     * recompute them, and the Jacobian, at the returned rates */
    net_rate_map(net, s->nu, s->phi, s->jac, s->mu, s->sigma);
    if (fp->mu)
        memcpy(fp->mu, s->mu, (size_t)n * sizeof *fp->mu);
    if (fp->sigma)
        memcpy(fp->sigma, s->sigma, (size_t)n * sizeof *fp->sigma);
    fp->stable = false;
    if (st == SF_OK) {
        st = eig_minus_one(ctx, n, s->jac, fp->eig, &fp->max_real_eig);
        fp->stable = st == SF_OK && fp->max_real_eig < 0;
    }
    sf_theory_rates_solver_destroy(s);
    return st;
}

sf_status sf_theory_network_cv(sf_context *ctx, const sf_theory_network *net, const double *nu,
                               sf_theory_workspace *ws, double *cv)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!nu || !cv || !ws)
        return sf_fail(ctx, SF_ERR_ARG, "theory: CV arrays or workspace are NULL");
    int n = net->n_pop;
    double *buf = malloc(2 * (size_t)n * sizeof *buf);
    if (!buf)
        return sf_fail(ctx, SF_ERR_NOMEM, "theory: out of memory");
    net_input(net, nu, buf, buf + n);
    for (int a = 0; a < n && st == SF_OK; ++a)
        st = sf_theory_lif_cv(ctx, &net->pop[a], buf[a], buf[n + a], ws, &cv[a]);
    free(buf);
    return st;
}
