/* Private interface of the theory module: numerical kernels shared between
 * the files of src/theory/ and the layout of the workspace.
 *
 * Invariant: every kernel here is a pure function of its arguments (scratch
 * memory comes in through the workspace); rates inside the module are in
 * 1/ms ("kHz") and are converted to Hz only at the public interface.
 */
#ifndef SPIKEFIELD_THEORY_IMPL_H
#define SPIKEFIELD_THEORY_IMPL_H

#include "spikefield/theory.h"
#include "theory/linear/kernel.h"

#include <complex.h>
#include <gsl/gsl_integration.h>

#define SF_SQRT_PI 1.77245385090551602729816748334114518
#define SF_INV_SQRT_PI 0.564189583547756286948079451560772586

/* alpha = sqrt(2) |zeta(1/2)| of the Fourcaud-Brunel shift;
 * zeta(1/2) = -1.4603545088095868128894991525... (DLMF 25.6). */
#define SF_FB_ALPHA (1.41421356237309504880168872420969808 * 1.46035450880958681288949915251529801)

/* ---------------------------------------------------------------------------
 * erfcx helpers (lif_rate.c). */

/* int_a^b erfcx(v) dv for 0 <= a <= b. */
double sf__erfcx_integral(double a, double b);
/* x erfcx(x) - 1/sqrt(pi) for x >= 0, without cancellation for large x. */
double sf__xerfcx_m(double x);

/* The Siegert formula evaluated in scaled form. With s = max(y_th, 0)^2:
 *   nu   = rate (1/ms), nu_s = nu e^{s} (finite even when nu underflows),
 *   E_x  = erfcx(-y_x) e^{-s},
 *   Hh_x = (y_x erfcx(-y_x) + 1/sqrt(pi)) e^{-s}     for x = th, r,
 * so that d nu/d mu = nu nu_s tau sqrt(pi)/sigma (E_th - E_r) and
 * d nu/d sigma = nu nu_s tau sqrt(pi)/sigma (Hh_th - Hh_r). */
typedef struct {
    double nu, nu_s, s;
    double E_th, E_r, Hh_th, Hh_r;
} sf__siegert;
void sf__siegert_eval(double y_th, double y_r, double tau_m, double t_ref,
                      sf__siegert *out);

/* Rate (1/ms) and derivatives (1/(ms mV)) at mu, sigma for thresholds
 * relative to E_L, including the colored-noise treatment. sigma > 0. */
typedef struct {
    double nu, dmu, dsigma;
    bool negative;
} sf__rate;
void sf__lif_rate(const sf_theory_pop *p, sf_theory_colored method, double mu,
                  double sigma, sf__rate *out);

/* Shift of the boundaries (mV) for colored noise: sigma alpha/2 sqrt(ts/tm). */
double sf__fb_shift(const sf_theory_pop *p, double sigma);

/* ---------------------------------------------------------------------------
 * Riccati integration for the parabolic cylinder functions (pcf.c).
 *
 * W(y) = e^{y^2/4} U(a, y) solves W'' - y W' - b W = 0 with b = a + 1/2; its
 * logarithmic derivative p = W'/W obeys p' = b + y p - p^2. Integrating from
 * large y downwards follows the solution recessive at +infinity (U) stably.
 * sf__pcf_track integrates from a start point at or above y_hi down to y_hi,
 * then to y_lo, returning p at both points and S = int_{y_hi}^{y_lo} p dy
 * (= log W(y_lo) - log W(y_hi)). y_lo <= y_hi. Returns 0, or -1 on failure. */
int sf__pcf_track(sf_theory_workspace *ws, double complex b, double y_hi,
                  double y_lo, double complex *p_hi, double complex *p_lo,
                  double complex *S);

/* ---------------------------------------------------------------------------
 * The workspace. */
struct sf_theory_workspace {
    int n_pop;
    gsl_integration_workspace *qw_outer, *qw_inner;
    size_t q_limit;
    gsl_integration_glfixed_table *gl;   /* 16-point Gauss-Legendre         */
    /* network scratch (spectra.c) */
    double complex *m1, *m2;  /* [n_pop^2] M(f), delay factors / spectra     */
    double *w;                /* [n_pop^2] tau_a K_ab J_ab (s mV)            */
    double complex *v1;       /* [n_pop] eigenvalues                        */
    int *used;                /* [n_pop] flags of the eigenvalue matching    */
    sf_lr_ws lr;              /* the linear-response kernel's factors        */
};

/* complex expm1 without cancellation near 0. */
double complex sf__cexpm1(double complex z);

#endif
