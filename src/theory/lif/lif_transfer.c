/* Linear response of the LIF neuron: the transfer function H(omega) of the
 * rate with respect to a modulation of the mean input,
 * mu(t) = mu + eps e^{i omega t}  ->  nu(t) = nu + eps H(omega) e^{i omega t}.
 *
 * White noise (Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001, whose
 * formula with refractory period we write in the e^{+i omega t} convention):
 *   H = sqrt(2)/sigma * nu/(1 + i omega tau) *
 *       [dPsi(z, x_t) - dPsi(z, x_r)] / [Psi(z, x_t) - e^{-i omega t_ref} Psi(z, x_r)],
 *   z = -1/2 + i omega tau,  x = sqrt(2)(V - mu)/sigma,
 *   Psi(z, x) = e^{x^2/4} U(z, -x),  dPsi(z, x) = (1/2 + z) Psi(z + 1, x).
 * Colored noise (Schuecker et al. 2015, Phys Rev E 92:052119): the same with
 * the thresholds shifted as for the rate (sigma alpha/2 sqrt(tau_s/tau_m)), times
 * the synaptic low-pass 1/(1 + i omega tau_s) for a modulation of the input
 * current (nnmt _transfer_function_shift). nnmt omits the refractory factor
 * e^{-i omega t_ref}; with it, H(omega -> 0) equals d nu/d mu exactly, which
 * the unit test checks.
 *
 * Evaluation. With y = -x and W(y) = e^{y^2/4} U(z, y) = Psi(z, -y):
 * Psi = W, and by DLMF 12.8.2 dPsi = -W p with p = W'/W (see pcf.c). So with
 * rho = W(y_t)/W(y_r) = exp(int_{y_r}^{y_t} p dy):
 *   H = sqrt(2)/sigma nu/(1 + i Omega) (p_r - rho p_t)/(rho - e^{-i omega t_ref}),
 * evaluated in the form that avoids overflow of rho and cancellation of
 * rho - e^{-i omega t_ref} at small omega (complex expm1). The same
 * expression at complex s (i omega -> s) is its analytic continuation
 * (sf_theory_lif_transfer_s), which the root search of the linear stability
 * uses.
 */
#include "theory/theory_impl.h"

#include <math.h>

/* H at complex s (1/ms) for the rate result r and the (shifted) boundaries
 * y_t, y_r: the analytic continuation of H(omega) to s = i omega (b = s tau,
 * e^{-s t_ref}). Returns 0, or -1 when the integration fails. */
static int transfer_at(const sf_theory_pop *p, double sigma, const sf__rate *r, double y_t,
                       double y_r, double complex s, bool synaptic_filter,
                       sf_theory_workspace *ws, double complex *H)
{
    double nu_hz = 1e3 * r->nu;
    double complex h;
    if (s == 0 || nu_hz == 0) {
        h = 1e3 * r->dmu;
    } else {
        double complex b = s * p->tau_m, pr, pt, S;
        if (sf__pcf_track(ws, b, y_r, y_t, &pr, &pt, &S) != 0)
            return -1;
        double complex ref = -s * p->t_ref;
        double complex num, den;
        if (creal(S) >= 0) {
            /* divide numerator and denominator by rho */
            num = pr * cexp(-S) - pt;
            den = -sf__cexpm1(-(S - ref));
        } else {
            num = pr - cexp(S) * pt;
            den = sf__cexpm1(S) - sf__cexpm1(ref);
        }
        h = M_SQRT2 / sigma * nu_hz / (1.0 + b) * num / den;
    }
    if (synaptic_filter && p->tau_s > 0)
        h /= 1.0 + s * p->tau_s;
    *H = h;
    return 0;
}

/* The working point's rate and shifted boundaries (checked arguments). */
static sf_status transfer_setup(sf_context *ctx, const sf_theory_pop *p, double mu, double sigma,
                                sf__rate *r, double *y_t, double *y_r)
{
    sf_status st = sf_theory_pop_check(ctx, p);
    if (st != SF_OK)
        return st;
    if (!isfinite(mu) || !(sigma > 0) || !isfinite(sigma))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "transfer: needs finite mu and sigma > 0 (mu = %g mV, sigma = %g mV)",
                       mu, sigma);
    sf__lif_rate(p, SF_THEORY_SHIFT, mu, sigma, r);
    double c = sf__fb_shift(p, sigma);
    double Vth = p->V_th - p->E_L + c, Vr = p->V_reset - p->E_L + c;
    *y_t = M_SQRT2 * (mu - Vth) / sigma; /* -x_t */
    *y_r = M_SQRT2 * (mu - Vr) / sigma;  /* -x_r, > y_t */
    return SF_OK;
}

sf_status sf_theory_lif_transfer(sf_context *ctx, const sf_theory_pop *p, double mu, double sigma,
                                 const double *freq, size_t n_freq,
                                 bool synaptic_filter, sf_theory_workspace *ws,
                                 double complex *H)
{
    if (!ws || (n_freq && (!freq || !H)))
        return sf_fail(ctx, SF_ERR_ARG, "transfer: workspace or arrays are NULL");
    sf__rate r;
    double y_t, y_r;
    sf_status st = transfer_setup(ctx, p, mu, sigma, &r, &y_t, &y_r);
    if (st != SF_OK)
        return st;
    for (size_t k = 0; k < n_freq; ++k) {
        double f = freq[k];
        if (!(f >= 0) || !isfinite(f))
            return sf_fail(ctx, SF_ERR_RANGE,
                           "transfer: frequency %g Hz must be finite and >= 0", f);
        if (transfer_at(p, sigma, &r, y_t, y_r, 2e-3 * M_PI * I * f, synaptic_filter, ws,
                        &H[k]) != 0)
            return sf_fail(ctx, SF_ERR_NUMERIC,
                           "transfer: integration failed at f = %g Hz (mu = %g mV, "
                           "sigma = %g mV)",
                           f, mu, sigma);
    }
    return SF_OK;
}

sf_status sf_theory_lif_transfer_s(sf_context *ctx, const sf_theory_pop *p, double mu,
                                   double sigma, double complex s, bool synaptic_filter,
                                   sf_theory_workspace *ws, double complex *H)
{
    if (!ws || !H)
        return sf_fail(ctx, SF_ERR_ARG, "transfer: workspace or output is NULL");
    if (!isfinite(creal(s)) || !isfinite(cimag(s)))
        return sf_fail(ctx, SF_ERR_RANGE, "transfer: s = %g%+gi /s is not finite", creal(s),
                       cimag(s));
    sf__rate r;
    double y_t, y_r;
    sf_status st = transfer_setup(ctx, p, mu, sigma, &r, &y_t, &y_r);
    if (st != SF_OK)
        return st;
    if (transfer_at(p, sigma, &r, y_t, y_r, 1e-3 * s, synaptic_filter, ws, H) != 0)
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "transfer: integration failed at s = %g%+gi /s (mu = %g mV, "
                       "sigma = %g mV)",
                       creal(s), cimag(s), mu, sigma);
    return SF_OK;
}
