/* spikefield theory of correlations: covariances and spectra of linear rate
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
#ifndef SPIKEFIELD_THEORY_CORR_H
#define SPIKEFIELD_THEORY_CORR_H

#include "spikefield/core.h"

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

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

typedef struct {
    double damping;   /* initial step alpha in (0, 1], default 0.5; halved
                         (down to 1e-6) whenever the residual has not
                         reached a new minimum for 5 iterations            */
    double tol;       /* converged when max_a |Phi_a(m) - m_a| <= tol,
                         default 1e-12                                      */
    int max_iter;     /* default 100000                                     */
} sf_theory_binary_opts;

/* Working point; the caller provides every array [n_pop] it wants filled
 * (m is required, the rest may be NULL). */
typedef struct {
    double *m;          /* mean activities                                  */
    double *mu, *sigma; /* input mean and standard deviation                */
    double *S;          /* susceptibilities                                 */
    int iterations;
    double residual;    /* max |Phi(m) - m|                                 */
} sf_theory_binary_point;

/* Self-consistent m = Phi(m) by damped iteration m <- m + alpha (Phi(m) - m)
 * from guess (NULL: 0.2 for every solved population). SF_ERR_NOCONV (with
 * the residual in the message) when not converged within max_iter;
 * SF_ERR_RANGE if the solution has sigma = 0 at mu = theta. */
SF_API sf_status sf_theory_binary_solve(sf_context *ctx, const sf_theory_binary_net *net,
                                        const double *guess, const sf_theory_binary_opts *opts,
                                        sf_theory_binary_point *pt);

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

/* From a model description: the families' maps (src/theory/<family>/family.c,
 * registered in src/theory/registry.c; sf_predict in spikefield/predict.h). */

#ifdef __cplusplus
}
#endif
#endif
