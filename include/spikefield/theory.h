/* spikefield theory: the mathematics of the theory families, in two parts.
 * The first is the mean-field theory of networks of leaky integrate-and-fire
 * (LIF) neurons in the diffusion approximation; the second (further down,
 * "Theory of correlations") the covariances and spectra of linear rate,
 * Hawkes and binary networks and the perfect integrator. The verb that
 * applies them to a model file is in predict.h.
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

/* Approximation used for colored noise (tau_s > 0) in rates, CVs and (in
 * the network functions and sf_theory_lif_transfer_method) the transfer
 * function (Schuecker et al. 2015). */
typedef enum {
    SF_THEORY_SHIFT = 0,   /* Fourcaud & Brunel 2002 boundary shift           */
    SF_THEORY_TAYLOR = 1   /* first order in sqrt(tau_s/tau_m); may go < 0    */
} sf_theory_colored;

typedef enum {
    SF_THEORY_DELAY_NONE = 0,            /* fixed delay = mean               */
    SF_THEORY_DELAY_GAUSSIAN = 1,        /* normal(mean, sd), untruncated     */
    SF_THEORY_DELAY_TRUNCATED_GAUSSIAN = 2 /* normal(mean, sd) truncated at 0 */
} sf_theory_delay_dist;

/* The delay of one population pair as the simulation has it (docs/theory.md,
 * "Delay model"): first + j steps of h with probability p[j] (j = 0 .. n-1,
 * summing to 1), each plus a constant offset (ms) for the timing of the
 * neuron model's output within a step; n == 0: no delay (transform 1).
 * Built from a model by the theory families (src/theory/delay.c). */
typedef struct {
    double h;          /* ms, the time step                                   */
    double offset;     /* ms, added to every delay                            */
    int first, n;      /* smallest delay in steps (>= 0), number of steps     */
    const double *p;   /* [n] probabilities                                   */
} sf_theory_delay_pmf;

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
    const double *J2;             /* [n_pop^2] mV^2, mean square weight E[J^2]
                                     (mean^2 + variance of heterogeneous
                                     weights) in sigma^2; NULL: J^2          */
    /* [n_pop^2] the delays on the simulation's time grid, or NULL. When set
     * they replace delay, delay_sd and delay_dist in every linear-response
     * function (delay and delay_sd then only describe them). */
    const sf_theory_delay_pmf *delay_pmf;
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

/* The same with the colored-noise method chosen: SF_THEORY_SHIFT as above;
 * SF_THEORY_TAYLOR the first order in the shift c = sigma alpha/2
 * sqrt(tau_s/tau_m) of the shifted-boundary response (Schuecker, Diesmann &
 * Helias 2015, Phys Rev E 92:052119, the expression their eq. for
 * tilde-n expands to, and that Bos et al. 2016 used), with the refractory
 * factor e^{-i omega t_ref} as above:
 *   H = sqrt2/sigma /(1 + i omega tau_m) [nu_T R + nu_0 delta dR],
 *   R  = (dPsi_t - dPsi_r)/(Psi_t - e^{-i omega t_ref} Psi_r)  (unshifted),
 *   dR = [(d2Psi_t - d2Psi_r) - R (dPsi_t - e^{-i omega t_ref} dPsi_r)]
 *        / (Psi_t - e^{-i omega t_ref} Psi_r),
 * delta = sqrt2 c / sigma, nu_0 the white-noise and nu_T the Taylor rate;
 * H(0) = d nu_T / d mu. docs/theory.md, "Colored noise". */
SF_API sf_status sf_theory_lif_transfer_method(sf_context *ctx, const sf_theory_pop *p,
                                               sf_theory_colored method, double mu,
                                               double sigma, const double *freq,
                                               size_t n_freq, bool synaptic_filter,
                                               sf_theory_workspace *ws, double complex *H);

/* Spike-train power spectrum S(f) (Hz) of the renewal LIF neuron at the
 * working point mu, sigma (Lindner, Schimansky-Geier & Longtin 2002):
 * S = nu (1 - |F|^2)/|1 - F|^2, F the Fourier transform of the ISI density
 * (from the same parabolic cylinder functions as the transfer function;
 * shifted boundaries for colored noise). S(0) = nu CV^2, S(inf) = nu: the
 * noise term of a population's spectrum beyond the Poisson nu. */
SF_API sf_status sf_theory_lif_spike_spectrum(sf_context *ctx, const sf_theory_pop *p,
                                              sf_theory_colored method, double mu,
                                              double sigma, const double *freq,
                                              size_t n_freq, sf_theory_workspace *ws,
                                              double *S);
/* The same at one complex s (1/s; s = 2 pi i f gives sf_theory_lif_transfer
 * at f): its analytic continuation, used to find the roots of
 * det(1 - M(s)) off the imaginary axis. */
SF_API sf_status sf_theory_lif_transfer_s(sf_context *ctx, const sf_theory_pop *p, double mu,
                                          double sigma, double complex s, bool synaptic_filter,
                                          sf_theory_workspace *ws, double complex *H);

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

/* E[e^{-s T}] of the delay T = (first + j) h + offset of d at complex s
 * (1/s; s = 2 pi i f gives the Fourier transform at f Hz): the finite sum
 * over the steps, exact. */
SF_API double complex sf_theory_delay_pmf_laplace(const sf_theory_delay_pmf *d, double complex s);

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
/* As sf_theory_cross_spectra with a frequency-dependent single-neuron noise
 * term: noise[k * n_pop + b] (Hz) replaces nu_b, e.g. the spike-train power
 * spectrum of the renewal neuron (sf_theory_lif_spike_spectrum; Lindner,
 * Doiron & Longtin 2005): C = (1 - M)^-1 diag(noise/N) (1 - M)^-H. */
SF_API sf_status sf_theory_cross_spectra_noise(sf_context *ctx, const sf_theory_network *net,
                                               const double *noise, const double complex *H,
                                               const double *freq, size_t n_freq,
                                               sf_theory_workspace *ws, double complex *C);
SF_API sf_status sf_theory_connectivity_eigenvalues(sf_context *ctx, const sf_theory_network *net,
                                                    const double complex *H, const double *freq,
                                                    size_t n_freq, sf_theory_workspace *ws,
                                                    double complex *eig);

/* Most roots and crossings a stability report holds. */
#define SF_THEORY_MAX_ROOTS 16

typedef struct {
    int n_unstable;               /* Nyquist count of roots of det(1-M(s)) with
                                     Re s > 0 (0: linearly stable)            */
    double winding;               /* arg change of det(1 - M(i omega)) over
                                     the grid, in units of pi                 */
    double f_critical;            /* Hz, frequency where an eigenvalue of M
                                     comes closest to 1                       */
    double complex eig_critical;  /* that eigenvalue                          */
    double min_distance;          /* |1 - eig_critical|                       */
    /* the stability report (sf_theory_linear_stability_report; the scan
     * alone fills the crossings and the radius, n_roots = 0): */
    int n_roots;                  /* unstable roots refined, one per conjugate
                                     pair, by decreasing growth rate          */
    double complex roots[SF_THEORY_MAX_ROOTS]; /* s (1/s), Re s > 0, Im s >= 0:
                                     growth rate Re s, frequency Im s/(2 pi)  */
    int n_found;                  /* the refined roots counted with their
                                     conjugates (== n_unstable when all found) */
    int n_crossings;              /* eigenvalue branches crossing the real
                                     axis right of 1 (encircling 1)           */
    double crossing_freq[SF_THEORY_MAX_ROOTS];  /* Hz, where they cross       */
    double crossing_value[SF_THEORY_MAX_ROOTS]; /* the real eigenvalue there  */
    int crossing_branch[SF_THEORY_MAX_ROOTS];   /* its branch (eigenvalue
                                     order of sf_theory_connectivity_eigenvalues) */
    double radius_top;            /* spectral radius of M at the last grid
                                     frequency (the count needs it << 1)       */
    double complex pole;          /* the leading root found (largest Re s, the
                                     pole nearest the axis that shapes the
                                     spectra; Im s >= 0), stable or not; NaN
                                     when none was found                      */
} sf_theory_linear_stability;

/* Linear stability of the stationary state including delays: counts the
 * zeros of det(1 - M(s)) in the right half plane from the argument principle
 * along s = i omega over the grid freq (ascending, from 0, fine enough to
 * resolve the phase of det, and reaching frequencies where |M| << 1). In the
 * stable case the critical eigenvalue is the one closest to 1 (Bos et al.
 * 2016); the scan also finds the real-axis crossings of the eigenvalue
 * branches right of 1 and the spectral radius at the top of the grid. */
SF_API sf_status sf_theory_linear_stability_scan(sf_context *ctx, const sf_theory_network *net,
                                                 const double complex *H, const double *freq,
                                                 size_t n_freq, sf_theory_workspace *ws,
                                                 sf_theory_linear_stability *out);

/* The scan at the working point mu, sigma (transfer functions computed
 * here), and the unstable roots of det(1 - M(s)): refined by Muller's method
 * in the complex s plane (transfer functions and delay factors continued to
 * complex s) from the branch crossings and the minima of |det(1 - M)| along
 * the axis. When the state is unstable, critical_frequency is the frequency
 * of the fastest-growing root and critical_eigenvalue the eigenvalue of the
 * branch that encircles 1 there (at its crossing). */
SF_API sf_status sf_theory_linear_stability_report(sf_context *ctx, const sf_theory_network *net,
                                                   const double *mu, const double *sigma,
                                                   const double *freq, size_t n_freq,
                                                   sf_theory_workspace *ws,
                                                   sf_theory_linear_stability *out);

/* ===========================================================================
 * Theory of correlations: covariances and spectra of linear rate
 * (Ornstein-Uhlenbeck) networks, Hawkes networks and binary networks, and the
 * stationary membrane-potential density of the perfect integrator (PIF).
 *
 * What it computes (equations, citations, assumptions: docs/theory-correlations.md):
 *   - linear rate networks of either noise class (Grytskyy et al. 2013,
 *     Front Comput Neurosci 7:131): the cross-spectral matrix C(f) with
 *     delays, the echo / correlated-input split of the output-noise class,
 *     the equal-time covariance (continuous Lyapunov equation, Bartels-Stewart)
 *     and the time-lagged covariance C(tau) by inverse FFT;
 *   - Hawkes networks (exact for the linear Hawkes process): rates, spectra
 *     of the population-averaged activity, count covariances;
 *   - binary networks (Ginzburg & Sompolinsky 1994; Helias et al. 2014, PLoS
 *     CB 10:e1003428): Gaussian mean-field working point, susceptibility,
 *     population-averaged equal-time covariances with the decomposition into
 *     internally generated and externally driven parts;
 *   - the PIF with Poisson input (Helias et al. 2010, arXiv:1010.3537).
 *
 * Units: time ms, frequency Hz (omega = 2 pi f is never in the interface),
 * rates Hz, potentials mV. Spectra are two-sided densities per Hz: for a
 * signal y in units [y], C(f) is in [y]^2/Hz = [y]^2 s, the equal-time
 * covariance is int C(f) df over all f, and C(tau) is in [y]^2. Noise
 * intensities D are white-noise spectral levels in the same units
 * (<xi_a(t) xi_b(t')> = D_ab delta(t - t'), t in seconds). For Hawkes
 * activities [y] = Hz, so spectra are in Hz and count covariances in Hz
 * (covariance of spike counts per second of window).
 *
 * Conventions: matrices are n x n, row-major, row = target a, column = source
 * b. Arrays over frequencies or lags are frequency/lag-major: X[k*n*n + a*n + b].
 * Fourier convention: X(f) = int dt e^{-2 pi i f t} x(t); C_ab(tau) =
 * <dy_a(t + tau) dy_b(t)>, so a positive lag means a follows b.
 * Every function is pure; scratch memory comes from an sf_theory_corr_workspace.
 * Failures return an sf_status and leave a message on ctx (ctx may be NULL).
 * Thread safety: functions may run concurrently when each thread has its own
 * workspace and context; creating or destroying a workspace with n_time > 0
 * plans an FFT and must not run concurrently with other FFTW planning.
 * Structs only borrow the arrays they point to.
 */

/* ---------------------------------------------------------------------------
 * Workspace. n_max: the largest matrix dimension served. n_time: the length
 * of the lag grid of the time-domain functions (even, >= 4), or 0 when they
 * are not used. Returns NULL on bad sizes or when out of memory.
 * destroy(NULL) is a no-op. */
typedef struct sf_theory_corr_workspace sf_theory_corr_workspace;
SF_API sf_theory_corr_workspace *sf_theory_corr_workspace_create(int n_max, size_t n_time);
SF_API void sf_theory_corr_workspace_destroy(sf_theory_corr_workspace *ws);

/* Continuous Lyapunov equation A X + X A^T + Q = 0 for a stable A (all
 * eigenvalues with negative real part), by Bartels-Stewart: real Schur form
 * A = U T U^T (LAPACK dgees), then T Y + Y T^T = -U^T Q U (dtrsyl) and
 * X = U Y U^T. A, Q, X are n x n row-major; X may alias Q. Symmetric Q gives
 * a symmetric X (symmetrised on output). SF_ERR_RANGE if A is not stable. */
SF_API sf_status sf_theory_lyapunov_solve(sf_context *ctx, int n, const double *A, const double *Q,
                                          sf_theory_corr_workspace *ws, double *X);

/* ---------------------------------------------------------------------------
 * Linear rate networks (Grytskyy et al. 2013, section 2).
 *
 *   input noise  (OUP):  tau_a dy_a/dt = -y_a + sum_b W_ab y_b(t - d_ab) + xi_a
 *   output noise:        y_a = sum_b W_ab (h_a * y_b)(t - d_ab) + x_a
 *
 * with h_a(t) = e^{-t/tau_a}/tau_a (t >= 0), white noises of intensity D, and
 * M(f) = H(f) W o E(f): M_ab = W_ab e^{-i omega d_ab} / (1 + i omega tau_a).
 *   output noise: C(f) = (1 - M)^-1 D (1 - M)^-H
 *   input noise:  C(f) = (1 - M)^-1 H D H^* (1 - M)^-H,  H = diag(1/(1 + i omega tau_a))
 */
typedef enum {
    SF_THEORY_NOISE_OUTPUT = 0,   /* spiking models: Hawkes, LIF          */
    SF_THEORY_NOISE_INPUT = 1     /* binary model, Ornstein-Uhlenbeck     */
} sf_theory_noise_class;

typedef struct {
    int n;                  /* units (or populations), >= 1                  */
    const double *W;        /* [n*n] coupling, dimensionless (integral of the
                               kernel), W[a*n + b]: a <- b                    */
    const double *tau;      /* [n] ms, > 0: time constant of unit a (input
                               noise) or of the kernel onto a (output noise) */
    double delay;           /* ms, >= 0, used when delays == NULL            */
    const double *delays;   /* [n*n] ms, >= 0, per pair; NULL: all = delay   */
    const double *D;        /* [n*n] noise intensity, symmetric, [y]^2/Hz    */
} sf_theory_linear_net;

/* Checks sizes and values (finite, tau > 0, delays >= 0, D symmetric with a
 * non-negative diagonal). */
SF_API sf_status sf_theory_linear_check(sf_context *ctx, const sf_theory_linear_net *net);

/* Effective connectivity M(f), n x n complex. */
SF_API sf_status sf_theory_linear_conn(sf_context *ctx, const sf_theory_linear_net *net, double f,
                                       double complex *M);

/* Cross-spectral matrices at n_freq frequencies (Hz, any sign): C[k*n*n + ...]
 * in [y]^2/Hz, Hermitian. For the output-noise class the optional echo and
 * corr_in (NULL: not filled) receive the split of Grytskyy et al. 2013:
 *   C = D + echo + corr_in,  echo = M P D + D P^H M^H,  corr_in = M P D P^H M^H,
 * with P = (1 - M)^-1 (D: the delta peak; echo: a unit's own activity
 * returning through the network; corr_in: correlated input). For the
 * input-noise class echo and corr_in must be NULL (SF_ERR_ARG otherwise).
 * SF_ERR_NUMERIC if 1 - M(f) is singular at some f. */
SF_API sf_status sf_theory_linear_spectrum(sf_context *ctx, const sf_theory_linear_net *net,
                                           sf_theory_noise_class cls, const double *freq,
                                           size_t n_freq, sf_theory_corr_workspace *ws,
                                           double complex *C, double complex *echo,
                                           double complex *corr_in);

/* The stability report (see sf_theory_linear_stability_report) of the
 * linear network: the zeros of det(1 - M(s)), M_ab(s) = W_ab e^{-s d_ab} /
 * (1 + s tau_a), counted along the imaginary axis (up to where |M| < 0.02)
 * and refined in the complex plane. One population: the roots are
 * s = -1/tau + W_k(w d/tau e^{d/tau})/d (Lambert W, branches k). */
SF_API sf_status sf_theory_linear_net_stability(sf_context *ctx, const sf_theory_linear_net *net,
                                                sf_theory_linear_stability *out);

/* Equal-time covariance of the input-noise class without delays: the
 * Lyapunov equation A C + C A^T + T^-1 D T^-1 = 0 with A = T^-1 (W - 1),
 * T = diag(tau) (in s). C [n*n] in [y]^2. SF_ERR_ARG if a delay is nonzero
 * (use sf_theory_linear_cov_time), SF_ERR_RANGE if W - 1 is unstable. */
SF_API sf_status sf_theory_linear_cov_equal_time(sf_context *ctx, const sf_theory_linear_net *net,
                                                 sf_theory_corr_workspace *ws, double *C);

/* Time-lagged covariance C(tau_m), tau_m = (m - n_time/2) dt_ms, m = 0 ..
 * n_time - 1 (n_time as given to the workspace), C_tau[m*n*n + a*n + b] in
 * [y]^2, by inverse FFT of C(f) on f_k = k / (n_time dt). The parts whose
 * time-domain form is known are subtracted before and added back
 * analytically: for output noise D delta(tau) (returned as delta [n*n],
 * optional, [y]^2 s) and the first-order echo M D + D M^H; for input noise
 * the uncoupled term H D H^*. The remainder decays as 1/f^2 or faster, so
 * there is no Gibbs ringing at the jumps of the echo. Requires a linearly
 * stable network; the lag window n_time dt must be long compared with the
 * slowest decay time (the result is the periodic sum over that window). */
SF_API sf_status sf_theory_linear_cov_time(sf_context *ctx, const sf_theory_linear_net *net,
                                           sf_theory_noise_class cls, double dt_ms,
                                           sf_theory_corr_workspace *ws, double *C_tau,
                                           double *delta);

/* ---------------------------------------------------------------------------
 * Hawkes networks (linear Hawkes process, exact; Hawkes 1971, Grytskyy 2013
 * section 4). n_pop populations with fixed in-degrees:
 *   lambda_i(t) = nu0_a + sum_b sum_{j in inputs of i from b} w_ab (h_a * s_j)(t - d_ab),
 * h_a(t) = e^{-t/tau_a}/tau_a. Population level: W_ab = K_ab w_ab.
 * What is predicted (docs/theory-correlations.md, "Hawkes"): the cross-spectra
 * of the population-averaged activities A_a(t) = (1/N_a) sum_{i in a} s_i(t),
 *   C(f) = (1 - M)^-1 diag(r_a / N_a) (1 - M)^-H,
 * exact for fixed out-degree, approximate (exact mean, covariance to leading
 * order) for fixed in-degree. Its auto part is diag(r_a/N_a) (the delta
 * peaks of the single neurons, to leading order in 1/N), the rest is the
 * cross part (1/N_a N_b) sum_{i != j} C_ij, as in sf_analysis_spectrum. */
typedef struct {
    int n_pop;
    const double *N;        /* [n_pop] neurons, >= 1                        */
    const double *K;        /* [n_pop^2] in-degrees, >= 0                   */
    const double *w;        /* [n_pop^2] kernel integral per synapse
                               (expected extra spikes per input spike)      */
    const double *nu0;      /* [n_pop] Hz, baseline intensity               */
    const double *tau;      /* [n_pop] ms, > 0, kernel time constant of the
                               inputs of population a                       */
    double delay;           /* ms, >= 0, used when delays == NULL           */
    const double *delays;   /* [n_pop^2] ms per pair; NULL: all = delay     */
} sf_theory_hawkes_net;

SF_API sf_status sf_theory_hawkes_check(sf_context *ctx, const sf_theory_hawkes_net *net);

/* Stationary rates r = (1 - W)^-1 nu0 (Hz). rho (optional) receives the
 * spectral radius of W. SF_ERR_RANGE if rho >= 1 (no stationary state) or a
 * rate is negative (the theory neglects the rectification lambda >= 0). */
SF_API sf_status sf_theory_hawkes_rates(sf_context *ctx, const sf_theory_hawkes_net *net,
                                        sf_theory_corr_workspace *ws, double *r, double *rho);

/* The equivalent output-noise linear network: W [n^2] = K w, D [n^2] =
 * diag(r / N) (Hz); lin points to W, D and net's tau and delays. */
SF_API sf_status sf_theory_hawkes_to_linear(sf_context *ctx, const sf_theory_hawkes_net *net,
                                            const double *r, double *W, double *D,
                                            sf_theory_linear_net *lin);

/* Spectra of the population-averaged activities at rates r (from
 * sf_theory_hawkes_rates): C (Hz), optional cross = C - diag(r/N) (NULL: not
 * filled), optional echo and corr_in (see sf_theory_linear_spectrum). */
SF_API sf_status sf_theory_hawkes_spectrum(sf_context *ctx, const sf_theory_hawkes_net *net,
                                           const double *r, const double *freq, size_t n_freq,
                                           sf_theory_corr_workspace *ws, double complex *C,
                                           double complex *cross, double complex *echo,
                                           double complex *corr_in);

/* Zero-frequency (count) covariances, all [n_pop^2], each optional:
 *   C0      = (1 - W)^-1 diag(r/N) (1 - W)^-T          (Hz) population averages,
 *             lim_{T->inf} Cov(n_a(T)/N_a, n_b(T)/N_b) / T with counts in s;
 *   c_pair  = (C0 - delta_ab r_a/N_a) / (1 - delta_ab/N_a)  (Hz) count
 *             covariance of two distinct neurons per second of window;
 *   rho     = c_pair / sqrt(r_a r_b), their count correlation coefficient
 *             for long windows (single-neuron count variance r T, leading order). */
SF_API sf_status sf_theory_hawkes_count_cov(sf_context *ctx, const sf_theory_hawkes_net *net,
                                            const double *r, sf_theory_corr_workspace *ws,
                                            double *C0, double *c_pair, double *rho);

/* Time-lagged covariance of the population-averaged activities (Hz^2),
 * lag grid and delta weights as sf_theory_linear_cov_time. */
SF_API sf_status sf_theory_hawkes_cov_time(sf_context *ctx, const sf_theory_hawkes_net *net,
                                           const double *r, double dt_ms,
                                           sf_theory_corr_workspace *ws, double *C_tau,
                                           double *delta);

/* ---------------------------------------------------------------------------
 * Binary networks (Glauber dynamics; Ginzburg & Sompolinsky 1994, Helias et
 * al. 2014). Neuron i of population a is updated at the points of a Poisson
 * process of rate 1/tau_a to n_i = H(h_i - theta_a), h_i = sum_j J_ij n_j(t - d)
 * + external input. Gaussian input approximation:
 *   mu_a = sum_b K_ab J_ab m_b + mu_ext_a,
 *   sigma_a^2 = sum_b K_ab J_ab^2 m_b (1 - m_b) + var_ext_a,
 *   m_a = Phi(mu_a, sigma_a) = 0.5 erfc(-(mu_a - theta_a) / (sqrt 2 sigma_a)).
 * An external population (flag external) has a fixed activity m_ext and
 * receives no input (its row of K is ignored); its neurons are independent. */
typedef struct {
    double theta;       /* threshold (units of J)                            */
    double N;           /* neurons, >= 1                                     */
    double tau;         /* ms, > 0, mean time between updates                */
    bool external;      /* activity fixed at m_ext, not solved               */
    double m_ext;       /* activity of an external population, in [0, 1]     */
    double mu_ext;      /* constant extra input                              */
    double var_ext;     /* variance of extra Gaussian input, private to each
                           neuron (uncorrelated across neurons), >= 0        */
} sf_theory_binary_pop;

typedef struct {
    int n_pop;
    const sf_theory_binary_pop *pop;   /* [n_pop]                            */
    const double *K;                   /* [n_pop^2] in-degrees, >= 0         */
    const double *J;                   /* [n_pop^2] weights                  */
    double delay;                      /* ms (spectra only)                  */
    const double *delays;              /* [n_pop^2] ms or NULL               */
    const double *c_pair;              /* [n_pop^2] covariances c_bc of distinct
                                          neurons entering the input variance
                                          (Helias et al. 2014):
                                          sigma_a^2 += sum_b K_ab (K_ab - 1) J_ab^2 c_bb
                                          + sum_{b != c} K_ab K_ac J_ab J_ac c_bc;
                                          NULL: uncorrelated inputs            */
} sf_theory_binary_net;

SF_API sf_status sf_theory_binary_check(sf_context *ctx, const sf_theory_binary_net *net);

/* Phi(mu, sigma) for threshold theta; sigma == 0 gives the step (0.5 at
 * mu == theta). */
SF_API double sf_theory_binary_gain(double mu, double sigma, double theta);
/* Susceptibility dPhi/dmu = N(theta; mu, sigma^2), the Gaussian density
 * ("fluctuations in linearisation", Grytskyy 2013 section 3); +inf if
 * sigma == 0 and mu == theta, 0 if sigma == 0 otherwise. */
SF_API double sf_theory_binary_susceptibility(double mu, double sigma, double theta);

/* mu, sigma [n_pop] of the input for activities m [n_pop] (external
 * populations get mu = sigma = 0). */
SF_API sf_status sf_theory_binary_input(sf_context *ctx, const sf_theory_binary_net *net,
                                        const double *m, double *mu, double *sigma);

typedef enum {
    SF_THEORY_BINARY_DYNAMICS = 0, /* default: the mean-field dynamics
                                    followed until close to a fixed point,
                                    then the hybrid method; the damped
                                    iteration as fallback                  */
    SF_THEORY_BINARY_HYBRID = 1, /* Powell's hybrid method with the analytic
                                    Jacobian (GSL hybridsj), the damped
                                    iteration as fallback: converges to a
                                    root near the guess, stable or not     */
    SF_THEORY_BINARY_DAMPED = 2  /* the damped iteration only              */
} sf_theory_binary_method;

typedef struct {
    double damping;   /* initial step alpha in (0, 1] of the damped
                         iteration, default 0.5; halved (down to 1e-6)
                         whenever the residual has not reached a new
                         minimum for 5 iterations                          */
    double tol;       /* converged when max_a |Phi_a(m) - m_a| <= tol,
                         default 1e-12                                      */
    int max_iter;     /* iterations of both methods together, default 100000 */
    sf_theory_binary_method method;
} sf_theory_binary_opts;

/* Working point; the caller provides every array [n_pop] it wants filled
 * (m is required, the rest may be NULL). */
typedef struct {
    double *m;          /* mean activities                                  */
    double *mu, *sigma; /* input mean and standard deviation                */
    double *S;          /* susceptibilities                                 */
    int iterations;
    double residual;    /* max |Phi(m) - m|                                 */
    /* stability of m under the mean-field dynamics tau_a dm_a/dt = -m_a +
     * Phi_a(m): largest real part (1/ms) of the eigenvalues of
     * T^-1 (DPhi - 1), DPhi with the sigma-dependence of Phi            */
    double max_real_eig;
    bool stable;
    bool fallback;      /* the chosen method made no progress and the
                           damped iteration found m                         */
} sf_theory_binary_point;

/* Self-consistent m = Phi(m) from guess (NULL: 0.2 for every solved
 * population), F(m) = Phi(m) - m. Default (SF_THEORY_BINARY_DYNAMICS): the
 * mean-field dynamics tau_a dm_a/dt = F_a(m) integrated (adaptive RKF45,
 * one iteration per shortest tau, at most half of max_iter and 10^4) until
 * max |F| <= 1e-4, so that a cold start ends at the fixed point that is
 * stable under the dynamics (the one a simulation from the same state
 * settles on, also in a bistable network), then Powell's hybrid method
 * (gsl_multiroot_fdfsolver_hybridsj, analytic Jacobian; quadratic
 * convergence, robust on stable spirals and near saddle-nodes, where the
 * damped iteration crawls). HYBRID: the hybrid method alone, from guess
 * (it may end on an unstable root). When the method makes no progress (or
 * sigma = 0: step gains), the damped iteration m <- m + alpha (Phi(m) - m)
 * continues from its best point.
 * SF_ERR_NOCONV (with the residual in the message) when not converged
 * within max_iter; SF_ERR_RANGE if the solution has sigma = 0 at
 * mu = theta. With net->c_pair the covariances are held fixed; see
 * sf_theory_binary_solve_correlated for the joint fixed point. */
SF_API sf_status sf_theory_binary_solve(sf_context *ctx, const sf_theory_binary_net *net,
                                        const double *guess, const sf_theory_binary_opts *opts,
                                        sf_theory_binary_point *pt);

/* Joint fixed point of the activities and the pair covariances (Helias et
 * al. 2014, claim 5): m = Phi(m) with the covariance term of net->c_pair
 * in sigma^2, c the pair covariances (sf_theory_binary_covariance, without
 * delays) at m, iterated until m changes by at most opts->tol (at most 50
 * rounds). c [n_pop^2] receives the covariances the solution used (and
 * that, set as c_pair of a copy of net, reproduce pt). ws as for
 * sf_theory_binary_covariance. */
SF_API sf_status sf_theory_binary_solve_correlated(sf_context *ctx, const sf_theory_binary_net *net,
                                                   const double *guess,
                                                   const sf_theory_binary_opts *opts,
                                                   sf_theory_corr_workspace *ws,
                                                   sf_theory_binary_point *pt, double *c);

/* Effective population connectivity M_ab = K_ab S_a J_ab at activities m
 * (0 in the rows of external populations); S [n_pop] optional. */
SF_API sf_status sf_theory_binary_connectivity(sf_context *ctx, const sf_theory_binary_net *net,
                                               const double *m, double *M, double *S);

/* Population-averaged equal-time covariances at activities m, all
 * [n_pop^2] and optional (NULL: not filled). With a_a = m_a (1 - m_a),
 * Abar = diag(a/N), T = diag(tau), A = T^-1 (M - 1), the distinct-pair
 * covariances solve (Helias et al. 2014; docs for the derivation)
 *   A c + c A^T + T^-1 M Abar + Abar M^T T^-1 = 0.
 *   c        covariance of two distinct neurons, pair average;
 *   C_avg    covariance of the population-averaged activities,
 *            delta_ab a_a/N_a + (1 - delta_ab/N_a) c_ab;
 *   rho      correlation coefficient c_ab / sqrt(a_a a_b);
 *   c_int    part of c driven by the internal sources (direct connections
 *            and shared input within the network), shaped by feedback;
 *   c_ext    part driven by the external populations (c = c_int + c_ext);
 *   c_track  the fast-tracking estimate L Abar_X L^T (internal pairs),
 *            L Abar_X (internal-external), L = (1 - M_RR)^-1 M_RX: the
 *            limit of c_ext when the external activity is slow.
 * SF_ERR_RANGE if M - 1 is unstable. */
typedef struct {
    double *c, *C_avg, *rho, *c_int, *c_ext, *c_track;
} sf_theory_binary_cov;

SF_API sf_status sf_theory_binary_covariance(sf_context *ctx, const sf_theory_binary_net *net,
                                             const double *m, sf_theory_corr_workspace *ws,
                                             sf_theory_binary_cov *out);

/* The equivalent input-noise linear network of the population-averaged
 * activities (Grytskyy 2013 section 3): W = M, tau, delays from net and
 * D = diag(2 tau_a a_a / N_a) (tau in s). Without delays its equal-time
 * covariance is exactly Abar + c (c from sf_theory_binary_covariance), i.e.
 * C_avg up to c_aa/N_a on the diagonal (O(1/N^2)). W, D [n^2], tau [n]. */
SF_API sf_status sf_theory_binary_to_linear(sf_context *ctx, const sf_theory_binary_net *net,
                                            const double *m, double *W, double *tau, double *D,
                                            sf_theory_linear_net *lin);

/* ---------------------------------------------------------------------------
 * Perfect integrate-and-fire neuron with Poisson input and overshoot-preserving
 * reset V -> V - L, L = theta - V_r (spiking.md section 1; Helias et al. 2010,
 * arXiv:1010.3537). Drift mu = nu_e w_e - nu_i w_i (mV/s), diffusion
 * D = (nu_e w_e^2 + nu_i w_i^2)/2 (mV^2/s). Densities are per mV. */
typedef struct {
    double theta, V_r;  /* mV, V_r < theta                                   */
    double nu_e, w_e;   /* Hz, mV: excitatory input rate and jump (> 0)      */
    double nu_i, w_i;   /* Hz, mV: inhibitory input rate (>= 0) and jump     */
} sf_theory_pif;

SF_API sf_status sf_theory_pif_check(sf_context *ctx, const sf_theory_pif *p);

/* Output rate mu/L (Hz), exact for the PIF and identical in the diffusion
 * approximation. SF_ERR_RANGE if mu <= 0 (no stationary state). */
SF_API sf_status sf_theory_pif_rate(sf_context *ctx, const sf_theory_pif *p, double *rate);

/* Lattice occupation probabilities of the E+I case with w_e == w_i = w,
 * L = n w: P[k-1] = P_k for k = 1 .. k_max (state V_k = theta - k w),
 *   P_k = (1 - q^k)/n (k <= n),  (1 - q^n) q^(k-n)/n (k > n),  q = nu_i/nu_e.
 * Excitation only (nu_i == 0) is the case q = 0. SF_ERR_ARG if w_e != w_i
 * (relative 1e-12) with nu_i > 0, or L/w is not a whole number (1e-9). */
SF_API sf_status sf_theory_pif_lattice(sf_context *ctx, const sf_theory_pif *p, size_t k_max,
                                       double *P);

/* Exact stationary density p(V) at n_V potentials V (mV): excitation only:
 * 1/L on [V_r, theta) (any w_e); lattice E+I: P_k / w on
 * [theta - k w, theta - (k-1) w). Other cases: SF_ERR_ARG (no closed form). */
SF_API sf_status sf_theory_pif_density_exact(sf_context *ctx, const sf_theory_pif *p,
                                             const double *V, size_t n_V, double *dens);

/* Diffusion-approximation density: (r/mu) [1 - e^{-mu (theta - V)/D}] on
 * [V_r, theta], (r/mu) [1 - e^{-mu L/D}] e^{mu (V - V_r)/D} below V_r,
 * 0 at and above theta. */
SF_API sf_status sf_theory_pif_density_diffusion(sf_context *ctx, const sf_theory_pif *p,
                                                 const double *V, size_t n_V, double *dens);

/* Fraction of neurons firing at once after a voltage kick s (mV) given to
 * all: int_{theta - s}^{theta} p(V) dV for s > 0, 0 for s <= 0. exact
 * (needs a closed-form density, else SF_ERR_ARG) and diffusion each
 * optional. For s << D/mu: exact ~ s p(theta^-), diffusion ~ r s^2/(2D). */
SF_API sf_status sf_theory_pif_kick_response(sf_context *ctx, const sf_theory_pif *p, double s,
                                             double *exact, double *diffusion);

/* Dynamic response of the output rate to a sinusoidal modulation of the
 * input rates nu_e(t) = nu_e + a_e e^{i omega t}, nu_i(t) = nu_i + a_i
 * e^{i omega t} (omega = 2 pi freq[k], e^{+i omega t} convention, as the
 * LIF transfer function): r(t) = r + H e^{i omega t} to first order, H in Hz
 * for a_e, a_i in Hz (so a_e = 1, a_i = 0 gives the transfer function of the
 * excitatory rate, Hz/Hz). exact[k]: the PIF with finite jumps (excitation
 * alone: a_e w_e / L, all-pass; lattice w_e = w_i dividing L: the
 * linearised master equation; otherwise SF_ERR_ARG); diffusion[k]: the
 * Fokker-Planck approximation. Either may be NULL. Both equal
 * (a_e w_e - a_i w_i)/L at f = 0 (docs/pif.md, "Dynamic response"). */
SF_API sf_status sf_theory_pif_response(sf_context *ctx, const sf_theory_pif *p, double a_e,
                                        double a_i, const double *freq, size_t n_freq,
                                        double complex *exact, double complex *diffusion);

/* From a model description: the families' maps (src/theory/<family>/family.c,
 * registered in src/theory/registry.c; sf_predict in spikefield/predict.h). */

#ifdef __cplusplus
}
#endif
#endif
