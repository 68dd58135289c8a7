/* Hawkes networks: rates, spectra and count covariances of the population-
 * averaged activities (Hawkes 1971, Biometrika 58:83; Grytskyy et al. 2013,
 * Front Comput Neurosci 7:131, section 4).
 *
 * The linear Hawkes process is an output-noise linear rate model without any
 * approximation: with the conditional intensity
 *   lambda_i = nu0_i + sum_j w_ij (h * s_j)(t - d_ij),
 * the spike trains obey s = lambda + x with x a martingale noise of spectral
 * density diag(r), so C(f) = (1 - G)^-1 diag(r) (1 - G)^-H exactly (neuron
 * level). Population level (docs/theory-correlations.md): summing over the
 * neurons of each population is exact when every neuron of b projects to
 * the same number K_out_ab of neurons of a (fixed out-degree); the population
 * matrix of the averaged activities is then W_ab = K_out_ab N_b/N_a w_ab =
 * K_ab w_ab (mean in-degree), and the noise is diag(r_a / N_a).
 * Invariant: no function here evaluates a formula of its own for the spectra;
 * all go through the linear-network code and the linear-response kernel
 * (src/theory/linear/kernel.c), so they cannot disagree.
 */
#include "theory/corr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double hawkes_delay(const sf_theory_hawkes_net *net, size_t a, size_t b)
{
    return net->delays ? net->delays[a * (size_t)net->n_pop + b] : net->delay;
}

sf_status sf_theory_hawkes_check(sf_context *ctx, const sf_theory_hawkes_net *net)
{
    if (!net)
        return sf_fail(ctx, SF_ERR_ARG, "Hawkes network is NULL");
    if (net->n_pop < 1)
        return sf_fail(ctx, SF_ERR_ARG, "Hawkes network: n_pop = %d, need >= 1", net->n_pop);
    if (!net->N || !net->K || !net->w || !net->nu0 || !net->tau)
        return sf_fail(ctx, SF_ERR_ARG, "Hawkes network: N, K, w, nu0 and tau must not be NULL");
    size_t n = (size_t)net->n_pop;
    sf_status st;
    if ((st = sf__corr_finite(ctx, net->w, n * n, "w")) != SF_OK)
        return st;
    for (size_t a = 0; a < n; ++a) {
        if (!(net->N[a] >= 1) || !isfinite(net->N[a]))
            return sf_fail(ctx, SF_ERR_ARG, "N[%zu] = %g, need >= 1", a, net->N[a]);
        if (!(net->nu0[a] >= 0) || !isfinite(net->nu0[a]))
            return sf_fail(ctx, SF_ERR_ARG, "nu0[%zu] = %g Hz, need >= 0", a, net->nu0[a]);
        if (!(net->tau[a] > 0) || !isfinite(net->tau[a]))
            return sf_fail(ctx, SF_ERR_ARG, "tau[%zu] = %g ms, need > 0", a, net->tau[a]);
        for (size_t b = 0; b < n; ++b) {
            double K = net->K[a * n + b], d = hawkes_delay(net, a, b);
            if (!(K >= 0) || !isfinite(K))
                return sf_fail(ctx, SF_ERR_ARG, "K[%zu][%zu] = %g, need >= 0", a, b, K);
            if (!(d >= 0) || !isfinite(d))
                return sf_fail(ctx, SF_ERR_ARG, "delay[%zu][%zu] = %g ms, need >= 0", a, b, d);
        }
    }
    return SF_OK;
}

/* W = K o w into ws->rG; checks the spectral radius. */
static sf_status hawkes_W(sf_context *ctx, const sf_theory_hawkes_net *net,
                          sf_theory_corr_workspace *ws,
                          double *rho)
{
    size_t n = (size_t)net->n_pop;
    for (size_t i = 0; i < n * n; ++i)
        ws->rG[i] = net->K[i] * net->w[i];
    sf_status st = sf__corr_eig(ctx, net->n_pop, ws->rG, ws);
    if (st != SF_OK)
        return st;
    /* the rate dynamics tau dr/dt = -r + W r + nu0 (no delay) are stable iff
     * every eigenvalue of W has real part < 1; for excitatory networks this
     * is the spectral radius (Perron root) < 1. Inhibitory networks may have
     * a spectral radius above 1 (negative eigenvalues): their stationary
     * rates exist, and delays may still destabilise them (the stability
     * report, sf_theory_linear_net_stability, finds those roots). */
    double r = 0, re = -HUGE_VAL;
    for (size_t i = 0; i < n; ++i) {
        r = fmax(r, hypot(ws->wr[i], ws->wi[i]));
        re = fmax(re, ws->wr[i]);
    }
    if (rho)
        *rho = r;
    if (!(re < 1))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "Hawkes network: an eigenvalue of W = K w has real part %.6g >= 1 "
                       "(spectral radius %.6g), so the process has no stationary state "
                       "(activity grows without bound)",
                       re, r);
    return SF_OK;
}

sf_status sf_theory_hawkes_rates(sf_context *ctx, const sf_theory_hawkes_net *net,
                                 sf_theory_corr_workspace *ws, double *r, double *rho)
{
    sf_status st = sf_theory_hawkes_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!r)
        return sf_fail(ctx, SF_ERR_ARG, "output r is NULL");
    if ((st = sf__corr_ws_check(ctx, ws, net->n_pop)) != SF_OK)
        return st;
    if ((st = hawkes_W(ctx, net, ws, rho)) != SF_OK)
        return st;
    size_t n = (size_t)net->n_pop;
    memcpy(r, net->nu0, n * sizeof *r);
    if ((st = sf_lr_solve_real(ctx, &ws->lr, net->n_pop, ws->rG, r, 1)) != SF_OK)
        return st;
    for (size_t a = 0; a < n; ++a)
        if (r[a] < 0)
            return sf_fail(ctx, SF_ERR_RANGE,
                           "Hawkes network: the linear rate of population %zu is %g Hz < 0; "
                           "the intensity would be rectified, which the linear theory "
                           "neglects",
                           a, r[a]);
    return SF_OK;
}

static sf_status check_rates(sf_context *ctx, const sf_theory_hawkes_net *net, const double *r)
{
    if (!r)
        return sf_fail(ctx, SF_ERR_ARG, "rates r are NULL");
    for (size_t a = 0; a < (size_t)net->n_pop; ++a)
        if (!(r[a] >= 0) || !isfinite(r[a]))
            return sf_fail(ctx, SF_ERR_ARG, "rate r[%zu] = %g Hz, need >= 0", a, r[a]);
    return SF_OK;
}

sf_status sf_theory_hawkes_to_linear(sf_context *ctx, const sf_theory_hawkes_net *net,
                                     const double *r,
                                     double *W, double *D, sf_theory_linear_net *lin)
{
    sf_status st = sf_theory_hawkes_check(ctx, net);
    if (st != SF_OK)
        return st;
    if ((st = check_rates(ctx, net, r)) != SF_OK)
        return st;
    if (!W || !D || !lin)
        return sf_fail(ctx, SF_ERR_ARG, "outputs W, D and lin must not be NULL");
    size_t n = (size_t)net->n_pop;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            W[a * n + b] = net->K[a * n + b] * net->w[a * n + b];
            D[a * n + b] = a == b ? r[a] / net->N[a] : 0.0;
        }
    *lin = (sf_theory_linear_net){.n = net->n_pop, .W = W, .tau = net->tau,
                                  .delay = net->delay, .delays = net->delays, .D = D};
    return SF_OK;
}

/* Common preamble: check, spectral radius, linear network in ws->rB/rC.
 * (rB and rC are used by the Lyapunov solver only, which the Hawkes
 * functions never call.) */
static sf_status prepare(sf_context *ctx, const sf_theory_hawkes_net *net, const double *r,
                         sf_theory_corr_workspace *ws, sf_theory_linear_net *lin,
                         double *W, double *D)
{
    sf_status st = sf_theory_hawkes_check(ctx, net);
    if (st != SF_OK)
        return st;
    if ((st = check_rates(ctx, net, r)) != SF_OK)
        return st;
    if ((st = sf__corr_ws_check(ctx, ws, net->n_pop)) != SF_OK)
        return st;
    if ((st = hawkes_W(ctx, net, ws, NULL)) != SF_OK)
        return st;
    return sf_theory_hawkes_to_linear(ctx, net, r, W, D, lin);
}

sf_status sf_theory_hawkes_spectrum(sf_context *ctx, const sf_theory_hawkes_net *net,
                                    const double *r,
                                    const double *freq, size_t n_freq,
                                    sf_theory_corr_workspace *ws, double complex *C,
                                    double complex *cross, double complex *echo,
                                    double complex *corr_in)
{
    sf_theory_linear_net lin;
    sf_status st = sf__corr_ws_check(ctx, ws, net ? net->n_pop : 0);
    if (st != SF_OK)
        return st;
    if ((st = prepare(ctx, net, r, ws, &lin, ws->rB, ws->rC)) != SF_OK)
        return st;
    st = sf_theory_linear_spectrum(ctx, &lin, SF_THEORY_NOISE_OUTPUT, freq, n_freq, ws, C, echo,
                                   corr_in);
    if (st != SF_OK || !cross)
        return st;
    size_t n = (size_t)net->n_pop, nn = n * n;
    for (size_t k = 0; k < n_freq; ++k)
        for (size_t a = 0; a < n; ++a)
            for (size_t b = 0; b < n; ++b)
                cross[k * nn + a * n + b] =
                    C[k * nn + a * n + b] - (a == b ? r[a] / net->N[a] : 0.0);
    return SF_OK;
}

sf_status sf_theory_hawkes_count_cov(sf_context *ctx, const sf_theory_hawkes_net *net,
                                     const double *r,
                                     sf_theory_corr_workspace *ws, double *C0,
                                     double *c_pair, double *rho)
{
    sf_theory_linear_net lin;
    sf_status st = sf__corr_ws_check(ctx, ws, net ? net->n_pop : 0);
    if (st != SF_OK)
        return st;
    if ((st = prepare(ctx, net, r, ws, &lin, ws->rB, ws->rC)) != SF_OK)
        return st;
    size_t n = (size_t)net->n_pop;
    /* C0 = (1 - W)^-1 diag(r/N) (1 - W)^-T (in rH); lin.W and lin.D are in
     * ws->rB and ws->rC. */
    double *S = ws->rH;
    if ((st = sf_lr_cov_real(ctx, &ws->lr, net->n_pop, lin.W, lin.D, S)) != SF_OK)
        return st;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            double s = S[a * n + b];
            double cp = (s - (a == b ? r[a] / net->N[a] : 0.0)) /
                        (1.0 - (a == b ? 1.0 / net->N[a] : 0.0));
            if (a == b && net->N[a] == 1)
                cp = NAN;   /* no distinct pairs in a population of one */
            if (C0)
                C0[a * n + b] = s;
            if (c_pair)
                c_pair[a * n + b] = cp;
            if (rho)
                rho[a * n + b] = cp / sqrt(r[a] * r[b]);
        }
    return SF_OK;
}

sf_status sf_theory_hawkes_cov_time(sf_context *ctx, const sf_theory_hawkes_net *net,
                                    const double *r,
                                    double dt_ms, sf_theory_corr_workspace *ws,
                                    double *C_tau, double *delta)
{
    sf_theory_linear_net lin;
    sf_status st = sf__corr_ws_check(ctx, ws, net ? net->n_pop : 0);
    if (st != SF_OK)
        return st;
    if ((st = prepare(ctx, net, r, ws, &lin, ws->rB, ws->rC)) != SF_OK)
        return st;
    return sf_theory_linear_cov_time(ctx, &lin, SF_THEORY_NOISE_OUTPUT, dt_ms, ws, C_tau, delta);
}
