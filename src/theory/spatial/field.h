/* The neural-field mathematics of the spatial family (Senk et al. 2020,
 * Phys Rev Research 2:023174; docs/spatial.md; private to src/theory):
 * spatial Fourier transforms of the profiles, the complex Lambert W
 * function, the first-order low-pass fit of the LIF transfer function, the
 * linear stability of the rate (neural-field) model per wavenumber and
 * branch, and its continuation to the full LIF transfer function.
 *
 * Units: time in s, rates in 1/s, lengths in mm, wavenumbers in 1/mm.
 * The characteristic equation of a plane wave e^{lambda t + i k x} of the
 * rate model tau dr/dt = -r + W (p * r)(t - d) is
 *   det[(1 + lambda tau) 1 - W(k) e^{-lambda d}] = 0,  W_ab(k) = w_ab p_ab(k),
 * so for each eigenvalue c of W(k): (1 + lambda tau) e^{lambda d} = c and
 *   lambda_b = -1/tau + W_b(c d/tau e^{d/tau}) / d       (branch b of W).
 */
#ifndef SF_THEORY_SPATIAL_FIELD_H
#define SF_THEORY_SPATIAL_FIELD_H

#include "model/model_impl.h"
#include "spikefield/theory.h"

#include <complex.h>

/* Fourier transform p(k) = int p(x) e^{-i k x} dx of the profile f
 * normalised to unit mass, in dim 1 or 2 (radial, |k|):
 *   boxcar      1-D sin(kR)/(kR)            2-D 2 J1(kR)/(kR)
 *   exponential 1-D 1/(1 + k^2 R^2)         2-D (1 + k^2 R^2)^{-3/2}
 *   gaussian    exp(-k^2 R^2 / 2)  (both)
 * On a ring or torus these are the Fourier coefficients of the periodic
 * summation the builder draws from, at k = 2 pi m / L. */
double sf_field_profile_ft(sf_profile_kind kind, double R, int dim, double k);

/* Distance-dependent delays d0 + r / v (1-D): the transform of the
 * normalised profile times the delay's factor e^{-a |x|}, a = lambda / v
 * (complex, 1/mm):  P(k, a) = int p(x) e^{-a |x|} e^{-i k x} dx, in closed
 * form on the line (a ring whose profile, cut at 1e-16, lies within L/2):
 *   boxcar      [g(a + ik) + g(a - ik)] / 2R,  g(z) = (1 - e^{-zR}) / z
 *   exponential [1/(1 + (a + ik)R) + 1/(1 + (a - ik)R)] / 2
 *   gaussian    [w(i(a + ik)R/sqrt 2) + w(i(a - ik)R/sqrt 2)] / 2
 * (w the Faddeeva function); a = 0 gives sf_field_profile_ft. */
double complex sf_field_profile_delay_ft(sf_profile_kind kind, double R, double k,
                                         double complex a);

/* Branch b of the Lambert W function at complex z (w e^w = z), Halley's
 * iteration from Corless et al. (1996) starting values; branch cuts as in
 * Corless et al. / Arb's acb_lambertw. NaN when it does not converge. */
double complex sf_field_lambertw(double complex z, int b);

/* Least-squares fit of |H(f)| to |h0 / (1 + i 2 pi f tau)| over n points
 * (Levenberg-Marquardt, GSL multifit_nlinear); the standard errors from the
 * covariance scaled by the residual variance (as scipy's curve_fit), and
 * the fit error eta = sqrt((se_tau/tau)^2 + (se_h0/h0)^2) (nnmt). */
typedef struct {
    double h0, tau;          /* Hz/mV, s                                   */
    double se_h0, se_tau;
    double eta;
    double rms_rel;          /* rms of (|H| - fit) / |H|                   */
} sf_field_fit;
sf_status sf_field_fit_lowpass(sf_context *ctx, const double *f, const double complex *H,
                               size_t n, sf_field_fit *out);

/* The leading root over a set of wavenumbers and branches. */
typedef struct {
    double complex lambda;   /* 1/s                                        */
    double k;                /* 1/mm                                       */
    int k_index, branch, eig;
} sf_field_root;

/* Stability of the rate model over n_k wavenumbers: W [n_k * n * n] (the
 * matrices W(k_i), row-major), common tau and d (s); for each k the
 * eigenvalues of W(k) and branches[0..n_b); lam [n_k * n * n_b] receives
 * every root (may be NULL); lead the one with the largest real part.
 * Eigenvalues by the closed form for n <= 2, else LAPACK zgeev. */
sf_status sf_field_stability(sf_context *ctx, int n, const double complex *W, const double *k,
                             size_t n_k, double tau, double d, const int *branches, int n_b,
                             double complex *lam, sf_field_root *lead);

/* Instability types (Senk et al. 2020, Sec. III): by the leading root. */
typedef enum {
    SF_FIELD_STABLE = 0,
    SF_FIELD_RATE = 1,        /* k = 0, real                                */
    SF_FIELD_OSCILLATION = 2, /* k = 0, complex (global oscillation)        */
    SF_FIELD_PATTERN = 3,     /* k != 0, real (spatial, Turing pattern)     */
    SF_FIELD_WAVE = 4         /* k != 0, complex (wave trains)              */
} sf_field_kind;
sf_field_kind sf_field_classify(const sf_field_root *lead);
const char *sf_field_kind_name(sf_field_kind k);

/* The LIF characteristic function of the homotopy
 *   G(lambda, alpha) = det[1 - (alpha M_LIF + (1 - alpha) M_rate)(lambda)]
 * with M_ab = T_a(lambda) C_ab e^{-lambda d}: T_a the LIF transfer function
 * of population a times tau_m (s) (T_rate = h0 tau_m / (1 + lambda tau)),
 * C_ab the spatial coupling K J p(k) (mV) at the root's wavenumber. */
typedef struct {
    int n;
    const sf_theory_pop *pop;  /* [n]                                      */
    const double *mu, *sigma;  /* [n] mV                                   */
    const double *h0, *tau;    /* [n] fit (Hz/mV, s)                       */
    const double *C;           /* [n * n] mV                               */
    double d;                  /* s                                        */
    sf_theory_workspace *ws;
    /* distance delays: the coupling depends on lambda; when set, C is not
     * read and M_ab = T_a coupling(lambda)_ab e^{-lambda d} (d = d0) */
    sf_status (*coupling)(void *user, double complex lambda, double complex *C);
    void *user;
} sf_field_lif;
sf_status sf_field_lif_G(sf_context *ctx, const sf_field_lif *L, double complex lambda,
                         double alpha, double complex *G);
/* A root of G(., alpha) by Newton's method from *lambda (alpha = 0: the
 * rate model's characteristic equation, which with distance delays has no
 * Lambert W solution). */
sf_status sf_field_lif_root(sf_context *ctx, const sf_field_lif *L, double alpha,
                            double complex *lambda);

/* Continues a root lambda0 of G(., 0) to alpha = 1 in n_steps steps:
 * by root finding (secant / Muller at each alpha, from the previous root)
 * into *by_roots, and by integrating d lambda / d alpha = -G_alpha / G_lambda
 * (classical Runge-Kutta, derivatives by central differences) into
 * *by_ode. */
sf_status sf_field_continue(sf_context *ctx, const sf_field_lif *L, double complex lambda0,
                            int n_steps, double complex *by_roots, double complex *by_ode);

#endif
