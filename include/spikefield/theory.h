/* spikefield theory: mean-field theory of networks of leaky integrate-and-fire
 * (LIF) neurons in the diffusion approximation.
 *
 * What it computes (equations, citations and assumptions: docs/theory.md):
 *   - stationary rate of a LIF neuron driven by Gaussian white noise (Siegert
 *     formula), and with exponentially filtered (colored) noise through the
 *     Fourcaud-Brunel boundary shift or its first-order Taylor form;
 *   - d(rate)/d(mu), d(rate)/d(sigma), the CV of the inter-spike interval;
 *   - the linear response (transfer function) H(omega), white and colored noise,
 *     refractory period included; parabolic cylinder functions U(a, x);
 *   - self-consistent rates of networks of populations with fixed in-degrees,
 *     stability of the fixed point, effective connectivity, population rate
 *     spectra, eigenvalues of the effective connectivity, linear stability.
 *
 * Units: time ms, potential mV, current pA, capacitance pF, rates and
 * frequencies Hz (never 1/ms or rad/s in the interface; internally the rate
 * formulas produce 1/ms, which is converted once). Transfer functions are in
 * Hz/mV. Potentials of sf_theory_pop are absolute (NEST convention); the
 * working point mu is the mean free membrane potential relative to E_L.
 *
 * Conventions: every function is pure (no globals); scratch memory comes from
 * an sf_theory_workspace the caller creates once. Failures return an
 * sf_status and leave a message on ctx (ctx may be NULL). Thread safety: any
 * function may run concurrently with others as long as each thread uses its
 * own workspace, solver and context.
 *
 * Usage (Brunel 2000 network, model A, g = 5, eta = 2):
 *
 *     sf_theory_pop pop[2];
 *     for (int a = 0; a < 2; ++a)
 *         pop[a] = (sf_theory_pop){.tau_m = 20, .t_ref = 2, .V_th = 20,
 *             .V_reset = 10, .E_L = 0, .C_m = 250, .tau_s = 0, .I_e = 0,
 *             .N = a ? 2500 : 10000, .ext_rate = 20000, .J_ext = 0.1};
 *     double K[4] = {1000, 250, 1000, 250};          // K[a*2+b]: a <- b
 *     double J[4] = {0.1, -0.5, 0.1, -0.5};          // mV
 *     double d[4] = {1.5, 1.5, 1.5, 1.5};            // ms
 *     sf_theory_network net = {.n_pop = 2, .pop = pop, .K = K, .J = J,
 *                              .delay = d};
 *     double rates[2];
 *     sf_theory_fixed_point fp = {.rates = rates};
 *     if (sf_theory_rates_solve(ctx, &net, NULL, NULL, &fp) != SF_OK)
 *         fprintf(stderr, "%s\n", sf_context_errmsg(ctx));
 *     // fp.stable, rates[0] (Hz) ...
 *     sf_theory_workspace *ws = sf_theory_workspace_create(2);
 *     double f[3] = {10, 100, 300}, mu[2], sigma[2], P[3 * 2];
 *     double complex H[3 * 2];
 *     sf_theory_network_input(ctx, &net, rates, mu, sigma);
 *     sf_theory_network_transfer(ctx, &net, mu, sigma, f, 3, ws, H);
 *     sf_theory_power_spectra(ctx, &net, rates, H, f, 3, ws, P);
 *     sf_theory_workspace_destroy(ws);
 */
#ifndef SPIKEFIELD_THEORY_H
#define SPIKEFIELD_THEORY_H

#include "spikefield/core.h"

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Parameters. */

/* One population of identical LIF neurons (iaf_psc_delta for tau_s == 0,
 * iaf_psc_exp for tau_s > 0) and its external Poisson drive. */
typedef struct {
    double tau_m;     /* ms, membrane time constant, > 0                     */
    double t_ref;     /* ms, absolute refractory period, >= 0                */
    double V_th;      /* mV, threshold (absolute)                            */
    double V_reset;   /* mV, reset (absolute), < V_th                        */
    double E_L;       /* mV, resting potential                               */
    double C_m;       /* pF, capacitance (only converts I_e), > 0            */
    double tau_s;     /* ms, synaptic time constant; 0: delta synapses       */
    double I_e;       /* pA, constant input current                          */
    double N;         /* number of neurons (network spectra only), > 0       */
    double ext_rate;  /* Hz, total external Poisson rate per neuron
                         (K_ext * nu_ext), >= 0                              */
    double J_ext;     /* mV, weight of the external synapses (see
                         sf_theory_psc_to_psp for current-based synapses)    */
} sf_theory_pop;

/* Approximation used for colored noise (tau_s > 0) in rates and CVs.
 * The transfer function always uses the shift (Schuecker et al. 2015). */
typedef enum {
    SF_THEORY_SHIFT = 0,   /* Fourcaud & Brunel 2002 boundary shift           */
    SF_THEORY_TAYLOR = 1   /* first order in sqrt(tau_s/tau_m); may go < 0    */
} sf_theory_colored;

typedef enum {
    SF_THEORY_DELAY_NONE = 0,            /* fixed delay = mean               */
    SF_THEORY_DELAY_GAUSSIAN = 1,        /* normal(mean, sd), untruncated     */
    SF_THEORY_DELAY_TRUNCATED_GAUSSIAN = 2 /* normal(mean, sd) truncated at 0 */
} sf_theory_delay_dist;

/* A network of n_pop populations with fixed in-degrees. Matrices are n_pop x
 * n_pop, row-major, row = target a, column = source b: K[a*n_pop + b] is the
 * number of inputs a neuron of a receives from b, J[a*n_pop + b] their PSP
 * jump in mV (negative: inhibitory). The struct only borrows the arrays. */
typedef struct {
    int n_pop;
    const sf_theory_pop *pop;     /* [n_pop]                                  */
    const double *K;              /* [n_pop^2] in-degrees                     */
    const double *J;              /* [n_pop^2] mV                             */
    const double *delay;          /* [n_pop^2] ms, mean delay; NULL: all 0    */
    const double *delay_sd;       /* [n_pop^2] ms; NULL: all 0                */
    sf_theory_delay_dist delay_dist;
    sf_theory_colored colored;
} sf_theory_network;

/* PSP weight (mV) that gives the same mean input as an exponential PSC of
 * amplitude w_pA (iaf_psc_exp): J = w * tau_s / C_m (the PSC's charge over
 * C_m). tau_s in ms, C_m in pF. */
SF_API double sf_theory_psc_to_psp(double w_pA, double tau_s, double C_m);

/* Checks one population's parameters (finite, tau_m > 0, t_ref >= 0,
 * V_reset < V_th, C_m > 0, tau_s >= 0). */
SF_API sf_status sf_theory_pop_check(sf_context *ctx, const sf_theory_pop *p);

/* ---------------------------------------------------------------------------
 * Workspace: scratch memory for quadratures, ODE integration and the n_pop x
 * n_pop complex matrices of the network functions. Create once, reuse.
 * n_pop is the largest network it will serve (0 for single-neuron use).
 * Returns NULL when out of memory. destroy(NULL) is a no-op. */
typedef struct sf_theory_workspace sf_theory_workspace;
SF_API sf_theory_workspace *sf_theory_workspace_create(int n_pop);
SF_API void sf_theory_workspace_destroy(sf_theory_workspace *ws);

/* ---------------------------------------------------------------------------
 * Single neuron, stationary. mu (mV, relative to E_L) and sigma (mV, >= 0) are
 * the mean and standard deviation of the free membrane potential in the
 * diffusion approximation: tau_m dV = (mu + E_L - V) dt + sigma sqrt(tau_m) dW.
 */

/* Siegert formula (white noise) with potentials relative to E_L:
 *   1/rate = t_ref + tau_m sqrt(pi) int_{(V_r-mu)/sigma}^{(V_th-mu)/sigma}
 *            e^{u^2} (1 + erf u) du.
 * Returns the rate in Hz; NaN for invalid input (use sf_theory_lif_rate for
 * messages). sigma == 0 gives the deterministic rate. Accurate to ~1e-13
 * relative from 1e-300 Hz up to 1/t_ref. */
SF_API double sf_theory_siegert(double mu, double sigma, double V_th, double V_r, double tau_m,
                                double t_ref);

typedef struct {
    double rate;          /* Hz                                             */
    double drate_dmu;     /* Hz/mV                                          */
    double drate_dsigma;  /* Hz/mV                                          */
    bool negative;        /* Taylor variant only: the first-order correction
                             made the rate negative (values are as computed) */
} sf_theory_rate_result;

/* Rate and its derivatives for one population (white noise if tau_s == 0,
 * else the chosen colored-noise approximation). The derivatives are
 * analytic and free of cancellation in the mean-driven regime. */
SF_API sf_status sf_theory_lif_rate(sf_context *ctx, const sf_theory_pop *p,
                                    sf_theory_colored method, double mu, double sigma,
                                    sf_theory_rate_result *out);

/* Coefficient of variation of the inter-spike interval (Brunel 2000, eq. A.1),
 * with the shifted boundaries for colored noise (either method). */
SF_API sf_status sf_theory_lif_cv(sf_context *ctx, const sf_theory_pop *p, double mu, double sigma,
                                  sf_theory_workspace *ws, double *cv);

/* ---------------------------------------------------------------------------
 * Linear response. */

/* Transfer function H(f) = d rate / d mu (Hz/mV) of the modulation
 * mu(t) = mu + eps e^{i 2 pi f t}, at n_freq frequencies f (Hz, >= 0):
 * Lindner & Schimansky-Geier 2001 / Brunel & Hakim 1999 for white noise
 * (refractory period included), Schuecker et al. 2015 shifted boundaries
 * for tau_s > 0. synaptic_filter multiplies by 1/(1 + i 2 pi f tau_s), i.e.
 * the response to a modulation of the synaptic input rather than of mu.
 * H(0) = d rate/d mu. ws must not be NULL. */
SF_API sf_status sf_theory_lif_transfer(sf_context *ctx, const sf_theory_pop *p, double mu,
                                        double sigma, const double *freq, size_t n_freq,
                                        bool synaptic_filter, sf_theory_workspace *ws,
                                        double complex *H);

/* Parabolic cylinder function U(a, x) (DLMF 12.2) for complex a and real x,
 * returned as log U (any branch of the imaginary part) and U'(a,x)/U(a,x),
 * so that values far outside double range are representable. Tested against
 * Arb to ~1e-12 (absolute on log U) for Re a in [-2.7, 5.5], |Im a| <= 300,
 * x in [-9, 12]. Fails with SF_ERR_RANGE at U(a, 0) = 0 and SF_ERR_NUMERIC
 * when U is too close to a zero on the way from +infinity to x. */
SF_API sf_status sf_theory_pcf_u(sf_context *ctx, double complex a, double x,
                                 sf_theory_workspace *ws, double complex *log_u,
                                 double complex *dlog_u);

/* ---------------------------------------------------------------------------
 * Networks. */

/* Checks sizes, parameters and matrices (finite, K >= 0, sd >= 0). */
SF_API sf_status sf_theory_network_check(sf_context *ctx, const sf_theory_network *net);

/* Mean and standard deviation of the input of each population (mV) for the
 * rates nu (Hz), fixed in-degree and diffusion approximation:
 *   mu_a      = tau_a (sum_b K_ab J_ab nu_b + ext_rate_a J_ext_a) + tau_a I_e/C_m
 *   sigma_a^2 = tau_a (sum_b K_ab J_ab^2 nu_b + ext_rate_a J_ext_a^2)
 * with tau in s for the products with Hz (so mu is in mV). Negative rates
 * (possible with the Taylor variant) are treated as 0. */
SF_API sf_status sf_theory_network_input(sf_context *ctx, const sf_theory_network *net,
                                         const double *nu, double *mu, double *sigma);

/* The rate map Phi(nu): the stationary rates (Hz) of all populations for
 * input rates nu. Optional jac [n_pop^2] receives d Phi_a / d nu_b. */
SF_API sf_status sf_theory_network_rate_map(sf_context *ctx, const sf_theory_network *net,
                                            const double *nu, double *phi, double *jac);

/* Self-consistent rates nu = Phi(nu), as an iteration with explicit state
 * (set / iterate / test). Each iterate() is one linearly implicit Euler step
 * of the relaxation dynamics dnu/ds = Phi(nu) - nu whose pseudo-time step
 * grows as the residual falls (pseudo-transient continuation): it follows the
 * relaxation from a cold start and turns into Newton's method (analytic
 * Jacobian) near the fixed point. */
typedef struct sf_theory_rates_solver sf_theory_rates_solver;
SF_API sf_theory_rates_solver *sf_theory_rates_solver_create(int n_pop);
SF_API void sf_theory_rates_solver_destroy(sf_theory_rates_solver *s);
/* guess: initial rates (Hz), NULL for all zero. net is borrowed until the
 * next set(). */
SF_API sf_status sf_theory_rates_solver_set(sf_context *ctx, sf_theory_rates_solver *s,
                                            const sf_theory_network *net, const double *guess);
SF_API sf_status sf_theory_rates_solver_iterate(sf_context *ctx, sf_theory_rates_solver *s);
/* True when max_a |Phi_a(nu) - nu_a| <= tol_abs + tol_rel * nu_a. */
SF_API bool sf_theory_rates_solver_test(const sf_theory_rates_solver *s, double tol_abs,
                                        double tol_rel);
SF_API const double *sf_theory_rates_solver_rates(const sf_theory_rates_solver *s);
SF_API double sf_theory_rates_solver_residual(const sf_theory_rates_solver *s);

typedef struct {
    double tol_abs;    /* Hz, default 1e-10                                */
    double tol_rel;    /* default 1e-10                                    */
    int max_iter;      /* iterate() calls, default 2000                    */
} sf_theory_solve_opts;

/* Result of sf_theory_rates_solve. The caller provides rates [n_pop]; mu,
 * sigma [n_pop] and eig [n_pop] are optional (NULL: not filled). */
typedef struct {
    double *rates;          /* Hz                                          */
    double *mu, *sigma;     /* mV                                          */
    double complex *eig;    /* eigenvalues of dPhi/dnu - 1                 */
    double max_real_eig;    /* largest real part of those                  */
    bool stable;            /* max_real_eig < 0: stable under the rate
                               dynamics tau dnu/dt = -nu + Phi(nu)        */
    bool taylor_negative;   /* Taylor variant produced a negative rate     */
    int iterations;
    double residual;        /* Hz, max |Phi(nu) - nu|                      */
} sf_theory_fixed_point;

/* Solves nu = Phi(nu) from guess (NULL: cold start at 0), opts NULL for the
 * defaults; fails with SF_ERR_NOCONV (and the residual in the message) when
 * not converged within max_iter. Also computes the stability of the fixed
 * point (eigenvalues via LAPACK). */
SF_API sf_status sf_theory_rates_solve(sf_context *ctx, const sf_theory_network *net,
                                       const double *guess, const sf_theory_solve_opts *opts,
                                       sf_theory_fixed_point *fp);

/* Eigenvalues of dPhi/dnu - 1 at rates nu; max_real may be NULL. */
SF_API sf_status sf_theory_rates_stability(sf_context *ctx, const sf_theory_network *net,
                                           const double *nu, double complex *eig, double *max_real);

/* CVs of all populations at rates nu. */
SF_API sf_status sf_theory_network_cv(sf_context *ctx, const sf_theory_network *net,
                                      const double *nu, sf_theory_workspace *ws, double *cv);

/* ---------------------------------------------------------------------------
 * Spectra. Frequencies f in Hz; omega = 2 pi f. Arrays over frequencies are
 * frequency-major: X[k*n_pop + a]. */

/* Fourier transform E[e^{-i omega D}] of the delay distribution (mean, sd in
 * ms). The truncated Gaussian is truncated at 0 (as nnmt). */
SF_API double complex sf_theory_delay_transform(sf_theory_delay_dist dist, double mean, double sd,
                                                double f);

/* Transfer functions (with synaptic filter) of all populations at working
 * point mu, sigma: H[k*n_pop + a], Hz/mV. */
SF_API sf_status sf_theory_network_transfer(sf_context *ctx, const sf_theory_network *net,
                                            const double *mu, const double *sigma,
                                            const double *freq, size_t n_freq,
                                            sf_theory_workspace *ws, double complex *H);

/* Effective connectivity at one frequency (nnmt _effective_connectivity):
 *   M_ab(omega) = H_a(omega) tau_a K_ab J_ab D_ab(omega),  tau_a in s,
 * H_a [n_pop] the transfer functions at f, M [n_pop^2] row-major. */
SF_API sf_status sf_theory_effective_connectivity(sf_context *ctx, const sf_theory_network *net,
                                                  const double complex *H_f, double f,
                                                  double complex *M);

/* Power spectra of the population-averaged rates (Bos et al. 2016, eq. 18):
 *   C(omega) = (1 - M)^{-1} diag(nu_b / N_b) (1 - M)^{-H},  P_a = C_aa (Hz),
 * for rates nu (Hz) and transfer functions H (from
 * sf_theory_network_transfer). P[k*n_pop + a]. */
SF_API sf_status sf_theory_power_spectra(sf_context *ctx, const sf_theory_network *net,
                                         const double *nu, const double complex *H,
                                         const double *freq, size_t n_freq, sf_theory_workspace *ws,
                                         double *P);

/* The full cross-spectral matrix of the population-averaged rates, same
 * equation: C[k*n_pop*n_pop + a*n_pop + b] = [(1 - M)^{-1} diag(nu/N)
 * (1 - M)^{-H}]_ab (Hz), Hermitian in (a, b); its diagonal is
 * sf_theory_power_spectra. The covariance of the two rates at zero lag is the
 * integral of C_ab over f (linear response, Poisson-like output noise;
 * Grytskyy et al. 2013, Bos et al. 2016). */
SF_API sf_status sf_theory_cross_spectra(sf_context *ctx, const sf_theory_network *net,
                                         const double *nu, const double complex *H,
                                         const double *freq, size_t n_freq, sf_theory_workspace *ws,
                                         double complex *C);

/* Eigenvalues of M(omega) at every frequency, eig[k*n_pop + i]; eigenvalues
 * are ordered to follow continuous branches across the frequency grid
 * (greedy nearest match to the previous frequency). */
SF_API sf_status sf_theory_connectivity_eigenvalues(sf_context *ctx, const sf_theory_network *net,
                                                    const double complex *H, const double *freq,
                                                    size_t n_freq, sf_theory_workspace *ws,
                                                    double complex *eig);

typedef struct {
    int n_unstable;               /* Nyquist count of roots of det(1-M(s)) with
                                     Re s > 0 (0: linearly stable)            */
    double winding;               /* arg change of det(1 - M(i omega)) over
                                     the grid, in units of pi                 */
    double f_critical;            /* Hz, frequency where an eigenvalue of M
                                     comes closest to 1                       */
    double complex eig_critical;  /* that eigenvalue                          */
    double min_distance;          /* |1 - eig_critical|                       */
} sf_theory_linear_stability;

/* Linear stability of the stationary state including delays: counts the
 * zeros of det(1 - M(s)) in the right half plane from the argument principle
 * along s = i omega over the grid freq (ascending, from 0, fine enough to
 * resolve the phase of det, and reaching frequencies where |M| << 1). */
SF_API sf_status sf_theory_linear_stability_scan(sf_context *ctx, const sf_theory_network *net,
                                                 const double complex *H, const double *freq,
                                                 size_t n_freq, sf_theory_workspace *ws,
                                                 sf_theory_linear_stability *out);

#ifdef __cplusplus
}
#endif
#endif
