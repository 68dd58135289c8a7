/* Linear response of networks: delay distributions, transfer functions of
 * all populations, the effective connectivity, population rate spectra, the
 * eigenvalues of the effective connectivity and linear stability.
 *
 * Convention (as nnmt's _effective_connectivity, Bos et al. 2016 eq. 12):
 *     M_ab(omega) = H_a(omega) * tau_a K_ab J_ab * D_ab(omega),
 * H_a the transfer function of the target population (Hz/mV, synaptic filter
 * included), tau_a its membrane time constant in s, so that tau_a K_ab J_ab
 * is the change of mu_a (mV) per Hz of nu_b, and D_ab the Fourier transform of
 * the delay distribution. M is dimensionless; the linearised network obeys
 * delta nu(omega) = M(omega) delta nu(omega) + noise.
 *
 * Spectra (Bos et al. 2016 eq. 18; nnmt _power_spectra): with Q = (1 - M)^{-1},
 *     C(omega) = Q diag(nu_b / N_b) Q^H,   P_a(omega) = C_aa(omega)
 * is the power spectrum of the population-averaged spike train of a, in Hz
 * (Hz^2 per Hz), for Poisson-like single-neuron noise of intensity nu_b.
 *
 * Linear stability: the stationary state is linearly stable iff
 * det(1 - M(s)) has no zero with Re s > 0. Along s = i omega the argument
 * principle counts them: Z = -(1/pi) Delta_{omega: 0 -> inf} arg det(1 - M(i omega))
 * (the contour down the imaginary axis and around the right half-plane, using
 * M(-omega) = conj M(omega) and M -> 0 as |s| -> inf in Re s >= 0).
 */
#include "theory/theory_impl.h"
#include "theory/delay.h"
#include "theory/linear/stability.h"

#include <cerf.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

sf_status sf_theory_network_transfer(sf_context *ctx, const sf_theory_network *net,
                                     const double *mu,
                                     const double *sigma, const double *freq,
                                     size_t n_freq, sf_theory_workspace *ws,
                                     double complex *H)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!mu || !sigma || !ws || (n_freq && (!freq || !H)))
        return sf_fail(ctx, SF_ERR_ARG, "transfer: arrays or workspace are NULL");
    int n = net->n_pop;
    double complex *col = malloc((n_freq ? n_freq : 1) * sizeof *col);
    if (!col)
        return sf_fail(ctx, SF_ERR_NOMEM, "transfer: out of memory");
    for (int a = 0; a < n && st == SF_OK; ++a) {
        st = sf_theory_lif_transfer_method(ctx, &net->pop[a], net->colored, mu[a], sigma[a], freq,
                                           n_freq, true, ws, col);
        for (size_t k = 0; st == SF_OK && k < n_freq; ++k)
            H[k * (size_t)n + (size_t)a] = col[k];
    }
    free(col);
    return st;
}

/* tau_a K_ab J_ab (tau in s) into w: the change of mu_a (mV) per Hz of nu_b. */
static void static_coupling(const sf_theory_network *net, double *w)
{
    size_t n = (size_t)net->n_pop;
    for (size_t a = 0; a < n; ++a) {
        double tau_s = 1e-3 * net->pop[a].tau_m;
        for (size_t b = 0; b < n; ++b)
            w[a * n + b] = tau_s * net->K[a * n + b] * net->J[a * n + b];
    }
}

/* Unchecked effective connectivity at f into M, from w (static_coupling);
 * E [n^2] receives the delay factors. */
static void eff_conn(const sf_theory_network *net, const double *w, const double complex *Hf,
                     double f, double complex *E, double complex *M)
{
    size_t n = (size_t)net->n_pop;
    for (size_t i = 0; i < n * n; ++i)
        E[i] = sf_theory_network_delay_laplace(net, i, 2.0 * M_PI * I * f);
    sf_lr_conn(net->n_pop, Hf, w, E, M);
}

sf_status sf_theory_effective_connectivity(sf_context *ctx, const sf_theory_network *net,
                                           const double complex *H_f, double f,
                                           double complex *M)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!H_f || !M)
        return sf_fail(ctx, SF_ERR_ARG, "theory: effective connectivity arrays are NULL");
    if (!(f >= 0) || !isfinite(f))
        return sf_fail(ctx, SF_ERR_RANGE, "theory: frequency %g Hz must be finite and >= 0", f);
    size_t nn = (size_t)net->n_pop * (size_t)net->n_pop;
    double *w = malloc(nn * sizeof *w);
    double complex *E = malloc(nn * sizeof *E);
    if (!w || !E) {
        free(w);
        free(E);
        return sf_fail(ctx, SF_ERR_NOMEM, "theory: out of memory");
    }
    static_coupling(net, w);
    eff_conn(net, w, H_f, f, E, M);
    free(w);
    free(E);
    return SF_OK;
}

static sf_status check_spectral_args(sf_context *ctx, const sf_theory_network *net,
                                     const double complex *H,
                                     const double *freq, size_t n_freq,
                                     sf_theory_workspace *ws)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!ws || (n_freq && (!H || !freq)))
        return sf_fail(ctx, SF_ERR_ARG, "theory: spectral arrays or workspace are NULL");
    if (ws->n_pop < net->n_pop)
        return sf_fail(ctx, SF_ERR_ARG,
                       "theory: workspace made for %d populations, network has %d", ws->n_pop,
                       net->n_pop);
    for (size_t k = 0; k < n_freq; ++k)
        if (!(freq[k] >= 0) || !isfinite(freq[k]))
            return sf_fail(ctx, SF_ERR_RANGE,
                           "theory: frequency[%zu] = %g Hz must be finite and >= 0", k, freq[k]);
    return SF_OK;
}

/* Cross-spectral matrix at frequency index k into C (n x n), or only its
 * diagonal into P (n) when C is NULL: the kernel's (1 - M)^-1 D (1 - M)^-H
 * with D = diag(nu_b / N_b). */
static sf_status spectral_matrix(sf_context *ctx, const sf_theory_network *net, const double *nu,
                                 const double complex *H, const double *freq, size_t k,
                                 sf_theory_workspace *ws, double complex *C, double *P)
{
    size_t n = (size_t)net->n_pop;
    eff_conn(net, ws->w, H + k * n, freq[k], ws->m2, ws->m1);
    double complex *S = C ? C : ws->m2;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b)
            S[a * n + b] = a == b ? nu[a] / net->pop[a].N : 0.0;
    sf_status st = sf_lr_spectrum(ctx, &ws->lr, net->n_pop, ws->m1, S, freq[k], S);
    if (st != SF_OK || C)
        return st;
    for (size_t a = 0; a < n; ++a)
        P[a] = creal(S[a * n + a]);
    return SF_OK;
}

static sf_status spectra_args(sf_context *ctx, const sf_theory_network *net, const double *nu,
                              const double complex *H, const double *freq, size_t n_freq,
                              sf_theory_workspace *ws, const void *out)
{
    sf_status st = check_spectral_args(ctx, net, H, freq, n_freq, ws);
    if (st != SF_OK)
        return st;
    if (!nu || (n_freq && !out))
        return sf_fail(ctx, SF_ERR_ARG, "theory: rates or output are NULL");
    for (int b = 0; b < net->n_pop; ++b)
        if (!(net->pop[b].N > 0))
            return sf_fail(ctx, SF_ERR_RANGE,
                           "theory: population %d has N = %g; spectra need N > 0", b,
                           net->pop[b].N);
    return SF_OK;
}

sf_status sf_theory_power_spectra(sf_context *ctx, const sf_theory_network *net, const double *nu,
                                  const double complex *H, const double *freq,
                                  size_t n_freq, sf_theory_workspace *ws, double *P)
{
    sf_status st = spectra_args(ctx, net, nu, H, freq, n_freq, ws, P);
    if (st == SF_OK)
        static_coupling(net, ws->w);
    for (size_t k = 0; st == SF_OK && k < n_freq; ++k)
        st = spectral_matrix(ctx, net, nu, H, freq, k, ws, NULL, P + k * (size_t)net->n_pop);
    return st;
}

sf_status sf_theory_cross_spectra(sf_context *ctx, const sf_theory_network *net, const double *nu,
                                  const double complex *H, const double *freq,
                                  size_t n_freq, sf_theory_workspace *ws, double complex *C)
{
    sf_status st = spectra_args(ctx, net, nu, H, freq, n_freq, ws, C);
    if (st == SF_OK)
        static_coupling(net, ws->w);
    size_t n2 = (size_t)net->n_pop * (size_t)net->n_pop;
    for (size_t k = 0; st == SF_OK && k < n_freq; ++k)
        st = spectral_matrix(ctx, net, nu, H, freq, k, ws, C + k * n2, NULL);
    return st;
}

sf_status sf_theory_cross_spectra_noise(sf_context *ctx, const sf_theory_network *net,
                                        const double *noise, const double complex *H,
                                        const double *freq, size_t n_freq,
                                        sf_theory_workspace *ws, double complex *C)
{
    sf_status st = spectra_args(ctx, net, noise, H, freq, n_freq, ws, C);
    if (st == SF_OK)
        static_coupling(net, ws->w);
    size_t n = (size_t)net->n_pop, n2 = n * n;
    for (size_t k = 0; st == SF_OK && k < n_freq; ++k)
        st = spectral_matrix(ctx, net, noise + k * n, H, freq, k, ws, C + k * n2, NULL);
    return st;
}

sf_status sf_theory_connectivity_eigenvalues(sf_context *ctx, const sf_theory_network *net,
                                             const double complex *H, const double *freq,
                                             size_t n_freq, sf_theory_workspace *ws,
                                             double complex *eig)
{
    sf_status st = check_spectral_args(ctx, net, H, freq, n_freq, ws);
    if (st != SF_OK)
        return st;
    if (n_freq && !eig)
        return sf_fail(ctx, SF_ERR_ARG, "theory: eigenvalue output is NULL");
    int n = net->n_pop;
    static_coupling(net, ws->w);
    for (size_t k = 0; k < n_freq; ++k) {
        eff_conn(net, ws->w, H + k * (size_t)n, freq[k], ws->m2, ws->m1);
        lapack_int info = LAPACKE_zgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, ws->m1, n, ws->v1, NULL,
                                        1, NULL, 1);
        if (info != 0)
            return sf_fail(ctx, SF_ERR_NUMERIC,
                           "theory: eigenvalues of M failed at f = %g Hz (zgeev %d)", freq[k],
                           (int)info);
        double complex *out = eig + k * (size_t)n;
        if (k == 0) {
            memcpy(out, ws->v1, (size_t)n * sizeof *out);
            continue;
        }
        /* follow branches: greedy nearest match to the previous frequency */
        sf_lr_eig_follow(n, out - n, ws->v1, ws->used, out);
    }
    return SF_OK;
}

/* The network's M(s) for the stability report: on the grid from tabulated
 * transfer functions, at complex s from the continued ones. */
typedef struct {
    const sf_theory_network *net;
    const double complex *H;           /* grid: [n_freq * n]               */
    const double *freq;
    const double *mu, *sigma;          /* complex s: the working point     */
    sf_theory_workspace *ws;
    double complex *Hs, *E;            /* [n], [n^2] scratch               */
} lif_system;

static sf_status lif_grid(sf_context *ctx, void *user, size_t k, double complex *M)
{
    lif_system *L = user;
    size_t n = (size_t)L->net->n_pop;
    eff_conn(L->net, L->ws->w, L->H + k * n, L->freq[k], L->E, M);
    (void)ctx;
    return SF_OK;
}

static sf_status lif_at(sf_context *ctx, void *user, double complex s, double complex *M)
{
    lif_system *L = user;
    const sf_theory_network *net = L->net;
    size_t n = (size_t)net->n_pop;
    for (size_t a = 0; a < n; ++a) {
        sf_status st = sf_theory_lif_transfer_s(NULL, &net->pop[a], L->mu[a], L->sigma[a], s,
                                                true, L->ws, &L->Hs[a]);
        if (st != SF_OK)
            return st;
    }
    for (size_t i = 0; i < n * n; ++i)
        L->E[i] = sf_theory_network_delay_laplace(net, i, s);
    sf_lr_conn(net->n_pop, L->Hs, L->ws->w, L->E, M);
    (void)ctx;
    return SF_OK;
}

static sf_status stability_args(sf_context *ctx, const double *freq, size_t n_freq,
                                const void *out)
{
    if (!out || n_freq < 2)
        return sf_fail(ctx, SF_ERR_ARG, "theory: stability scan needs output and >= 2 frequencies");
    for (size_t k = 1; k < n_freq; ++k)
        if (!(freq[k] > freq[k - 1]))
            return sf_fail(ctx, SF_ERR_ARG, "theory: stability scan needs ascending frequencies");
    return SF_OK;
}

sf_status sf_theory_linear_stability_scan(sf_context *ctx, const sf_theory_network *net,
                                          const double complex *H, const double *freq,
                                          size_t n_freq, sf_theory_workspace *ws,
                                          sf_theory_linear_stability *out)
{
    sf_status st = check_spectral_args(ctx, net, H, freq, n_freq, ws);
    if (st == SF_OK)
        st = stability_args(ctx, freq, n_freq, out);
    if (st != SF_OK)
        return st;
    static_coupling(net, ws->w);
    lif_system L = {.net = net, .H = H, .freq = freq, .ws = ws, .E = ws->m2};
    sf_lr_system sys = {.n = net->n_pop, .grid = lif_grid, .at = NULL, .user = &L};
    return sf_lr_stability(ctx, &ws->lr, &sys, freq, n_freq, NULL, out);
}

sf_status sf_theory_linear_stability_report(sf_context *ctx, const sf_theory_network *net,
                                            const double *mu, const double *sigma,
                                            const double *freq, size_t n_freq,
                                            sf_theory_workspace *ws,
                                            sf_theory_linear_stability *out)
{
    sf_status st = sf_theory_network_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!mu || !sigma || !freq || !ws)
        return sf_fail(ctx, SF_ERR_ARG, "theory: stability report arrays or workspace are NULL");
    if (ws->n_pop < net->n_pop)
        return sf_fail(ctx, SF_ERR_ARG,
                       "theory: workspace made for %d populations, network has %d", ws->n_pop,
                       net->n_pop);
    if ((st = stability_args(ctx, freq, n_freq, out)) != SF_OK)
        return st;
    size_t n = (size_t)net->n_pop;
    double complex *H = malloc(sizeof(double complex) * (n_freq * n + n));
    if (!H)
        return sf_fail(ctx, SF_ERR_NOMEM, "theory: out of memory for the stability report");
    st = sf_theory_network_transfer(ctx, net, mu, sigma, freq, n_freq, ws, H);
    if (st == SF_OK) {
        static_coupling(net, ws->w);
        lif_system L = {.net = net, .H = H, .freq = freq, .mu = mu, .sigma = sigma, .ws = ws,
                        .Hs = H + n_freq * n, .E = ws->m2};
        sf_lr_system sys = {.n = net->n_pop, .grid = lif_grid, .at = lif_at, .user = &L};
        st = sf_lr_stability(ctx, &ws->lr, &sys, freq, n_freq, NULL, out);
    }
    free(H);
    return st;
}
