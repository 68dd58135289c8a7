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

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SQRT2 1.41421356237309504880168872420969808
#define INV_SQRT_2PI 0.398942280401432677939946059934381868

double sf_theory_binary_gain(double mu, double sigma, double theta)
{
    if (sigma > 0)
        return 0.5 * erfc(-(mu - theta) / (SQRT2 * sigma));
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
    if (opts) {
        damping = opts->damping;
        tol = opts->tol;
        max_iter = opts->max_iter;
    }
    if (!(damping > 0 && damping <= 1))
        return sf_fail(ctx, SF_ERR_ARG, "damping = %g, need 0 < damping <= 1", damping);
    if (!(tol > 0) || !isfinite(tol))
        return sf_fail(ctx, SF_ERR_ARG, "tol = %g, need > 0", tol);
    if (max_iter < 1)
        return sf_fail(ctx, SF_ERR_ARG, "max_iter = %d, need >= 1", max_iter);
    if (guess && (st = check_m(ctx, net, guess)) != SF_OK)
        return st;
    size_t n = (size_t)net->n_pop;
    double *buf = malloc(3 * n * sizeof *buf);
    if (!buf)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    double *mu = buf, *sigma = buf + n, *phi = buf + 2 * n, *m = pt->m;
    for (size_t a = 0; a < n; ++a)
        m[a] = net->pop[a].external ? net->pop[a].m_ext : (guess ? guess[a] : 0.2);
    double alpha = damping, best = INFINITY, res = INFINITY;
    int stall = 0, it = 0;
    for (it = 0; it < max_iter; ++it) {
        input_of(net, m, mu, sigma);
        res = 0;
        for (size_t a = 0; a < n; ++a) {
            phi[a] = net->pop[a].external
                         ? m[a]
                         : sf_theory_binary_gain(mu[a], sigma[a], net->pop[a].theta);
            res = fmax(res, fabs(phi[a] - m[a]));
        }
        if (res <= tol)
            break;
        /* Oscillation guard: when the residual has not reached a new
         * minimum for 5 steps, the step overshoots (|1 - alpha (1 - lambda)|
         * >= 1 for an eigenvalue lambda of the Jacobian of Phi, or a
         * saturated 2-cycle); halve it. Steady convergence, however slow,
         * makes a new minimum every step and keeps alpha. */
        if (res < best) {
            best = res;
            stall = 0;
        } else if (++stall >= 5) {
            alpha = fmax(0.5 * alpha, 1e-6);
            stall = 0;
            best = res;
        }
        for (size_t a = 0; a < n; ++a)
            m[a] += alpha * (phi[a] - m[a]);
    }
    pt->iterations = it;
    pt->residual = res;
    if (!(res <= tol)) {
        free(buf);
        return sf_fail(ctx, SF_ERR_NOCONV,
                       "binary mean field did not converge in %d iterations: max |Phi(m) - m| "
                       "= %.3g > tol = %.3g (last step size %.3g); try a smaller damping, "
                       "more iterations or another initial guess",
                       max_iter, res, tol, alpha);
    }
    input_of(net, m, mu, sigma);
    for (size_t a = 0; a < n; ++a) {
        double S = net->pop[a].external
                       ? 0.0
                       : sf_theory_binary_susceptibility(mu[a], sigma[a], net->pop[a].theta);
        if (!isfinite(S)) {
            free(buf);
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
    free(buf);
    return SF_OK;
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
