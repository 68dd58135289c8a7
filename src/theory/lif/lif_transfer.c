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
 *
 * Taylor method (Schuecker et al. 2015; the expression of Bos et al. 2016):
 * the first order of the shifted response in the shift delta = sqrt2 c/sigma
 * of x: nu R -> nu_T R + nu_0 delta dR, R at the unshifted boundaries and
 * dR = (d/dx_t + d/dx_r) R, with d2Psi/dx^2 = W (b + y p) (the Riccati
 * equation, b = i Omega) and e^{-i omega t_ref} kept in the denominator.
 */
#include "theory/theory_impl.h"

#include <math.h>

/* The working point of the transfer function for a colored-noise method:
 * the rate (and for Taylor the white-noise rate), the boundaries y = -x
 * (shifted for SHIFT, unshifted for TAYLOR) and the Taylor shift delta. */
typedef struct {
    sf__rate r, r0;
    double y_t, y_r, delta;
    bool taylor;
} working_point;

/* The checks the functions below share (freq may be NULL with n_freq 0). */
static sf_status check_args(sf_context *ctx, const sf_theory_pop *p, sf_theory_colored method,
                            double mu, double sigma, const double *freq, size_t n_freq,
                            const sf_theory_workspace *ws, const void *out)
{
    sf_status st = sf_theory_pop_check(ctx, p);
    if (st != SF_OK)
        return st;
    if (!ws || !out || (n_freq && !freq))
        return sf_fail(ctx, SF_ERR_ARG, "transfer: workspace or arrays are NULL");
    if (!isfinite(mu) || !(sigma > 0) || !isfinite(sigma))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "transfer: needs finite mu and sigma > 0 (mu = %g mV, sigma = %g mV)",
                       mu, sigma);
    if (method != SF_THEORY_SHIFT && method != SF_THEORY_TAYLOR)
        return sf_fail(ctx, SF_ERR_ARG, "transfer: unknown colored-noise method %d", (int)method);
    for (size_t k = 0; k < n_freq; ++k)
        if (!(freq[k] >= 0) || !isfinite(freq[k]))
            return sf_fail(ctx, SF_ERR_RANGE, "transfer: frequency %g Hz must be finite and >= 0",
                           freq[k]);
    return SF_OK;
}

static void transfer_setup(const sf_theory_pop *p, sf_theory_colored method, double mu,
                           double sigma, working_point *w)
{
    /* Taylor: the white-noise response at the unshifted boundaries and its
     * first-order change under the shift delta (in units of x) */
    w->taylor = method == SF_THEORY_TAYLOR && p->tau_s > 0;
    sf__lif_rate(p, w->taylor ? SF_THEORY_TAYLOR : SF_THEORY_SHIFT, mu, sigma, &w->r);
    sf_theory_pop white = *p;
    white.tau_s = 0;
    sf__lif_rate(&white, SF_THEORY_SHIFT, mu, sigma, &w->r0);
    double c = sf__fb_shift(p, sigma);
    w->delta = w->taylor ? M_SQRT2 * c / sigma : 0;
    if (w->taylor)
        c = 0;
    double Vth = p->V_th - p->E_L + c, Vr = p->V_reset - p->E_L + c;
    w->y_t = M_SQRT2 * (mu - Vth) / sigma; /* -x_t */
    w->y_r = M_SQRT2 * (mu - Vr) / sigma;  /* -x_r, > y_t */
}

/* H at complex s (1/ms): at s = i omega the transfer function, elsewhere its
 * analytic continuation (b = s tau_m, e^{-s t_ref}). Returns 0, or -1 when
 * the integration fails. */
static int transfer_at(const sf_theory_pop *p, double sigma, const working_point *w,
                       double complex s, bool synaptic_filter, sf_theory_workspace *ws,
                       double complex *H)
{
    double nu_hz = 1e3 * w->r.nu, nu0_hz = 1e3 * w->r0.nu;
    double complex h;
    if (s == 0 || (nu_hz == 0 && (!w->taylor || nu0_hz == 0))) {
        h = 1e3 * w->r.dmu;
    } else {
        double complex b = s * p->tau_m, pr, pt, S;
        if (sf__pcf_track(ws, b, w->y_r, w->y_t, &pr, &pt, &S) != 0)
            return -1;
        double complex ref = -s * p->t_ref, E = cexp(ref);
        double complex num, den, d2, d1;
        if (creal(S) >= 0) {
            /* divide numerator and denominator by rho */
            double complex q = cexp(-S);
            num = pr * q - pt;
            den = -sf__cexpm1(-(S - ref));
            d2 = -b * sf__cexpm1(-S) + w->y_t * pt - q * w->y_r * pr;
            d1 = E * q * pr - pt;
        } else {
            double complex rho = cexp(S);
            num = pr - rho * pt;
            den = sf__cexpm1(S) - sf__cexpm1(ref);
            d2 = b * sf__cexpm1(S) + rho * w->y_t * pt - w->y_r * pr;
            d1 = E * pr - rho * pt;
        }
        double complex R = num / den;
        /* d2Psi/dx2 = W (b + y p), dPsi/dx = -W p (y = -x, pcf.c) */
        double complex dR = w->taylor ? (d2 - R * d1) / den : 0;
        h = M_SQRT2 / sigma / (1.0 + b) * (nu_hz * R + nu0_hz * w->delta * dR);
    }
    if (synaptic_filter && p->tau_s > 0)
        h /= 1.0 + s * p->tau_s;
    *H = h;
    return 0;
}

sf_status sf_theory_lif_transfer(sf_context *ctx, const sf_theory_pop *p, double mu, double sigma,
                                 const double *freq, size_t n_freq,
                                 bool synaptic_filter, sf_theory_workspace *ws,
                                 double complex *H)
{
    return sf_theory_lif_transfer_method(ctx, p, SF_THEORY_SHIFT, mu, sigma, freq, n_freq,
                                         synaptic_filter, ws, H);
}

/* Spike-train power spectrum of the renewal LIF neuron driven by white
 * noise (Lindner, Schimansky-Geier & Longtin 2002, Phys Rev E 66:031916):
 *   S(omega) = nu (1 - |F|^2) / |1 - F|^2,  F(omega) = e^{-i omega t_ref} / rho,
 * F the Fourier transform of the ISI density, rho = W(y_t)/W(y_r) as for the
 * transfer function (the first-passage time from reset to threshold of the
 * Ornstein-Uhlenbeck process: D_{-s tau}(-x_r)/D_{-s tau}(-x_t)
 * e^{(x_r^2 - x_t^2)/4} = W(y_r)/W(y_t)). With colored noise the shifted
 * boundaries (an approximation). S(0) = nu CV^2, S(inf) = nu. */
sf_status sf_theory_lif_spike_spectrum(sf_context *ctx, const sf_theory_pop *p,
                                       sf_theory_colored method, double mu, double sigma,
                                       const double *freq, size_t n_freq,
                                       sf_theory_workspace *ws, double *S)
{
    sf_status st = check_args(ctx, p, method, mu, sigma, freq, n_freq, ws, S);
    if (st != SF_OK)
        return st;
    sf__rate r;
    sf__lif_rate(p, method, mu, sigma, &r);
    double nu_hz = fmax(1e3 * r.nu, 0), c = sf__fb_shift(p, sigma);
    double y_t = M_SQRT2 * (mu - (p->V_th - p->E_L + c)) / sigma;
    double y_r = M_SQRT2 * (mu - (p->V_reset - p->E_L + c)) / sigma;
    double cv = NAN;
    for (size_t k = 0; k < n_freq; ++k) {
        double omega = 2e-3 * M_PI * freq[k];
        if (nu_hz == 0) {
            S[k] = 0;
            continue;
        }
        if (freq[k] == 0) { /* the limit nu CV^2 */
            if (isnan(cv) && (st = sf_theory_lif_cv(ctx, p, mu, sigma, ws, &cv)) != SF_OK)
                return st;
            S[k] = nu_hz * cv * cv;
            continue;
        }
        double complex pr, pt, Sr;
        if (sf__pcf_track(ws, I * omega * p->tau_m, y_r, y_t, &pr, &pt, &Sr) != 0)
            return sf_fail(ctx, SF_ERR_NUMERIC,
                           "spike spectrum: integration failed at f = %g Hz (mu = %g mV, "
                           "sigma = %g mV)",
                           freq[k], mu, sigma);
        /* |F| <= 1 (a characteristic function): Re log rho >= 0; 1 - |F|^2
         * and 1 - F without cancellation */
        double complex one_m_F = -sf__cexpm1(-I * omega * p->t_ref - Sr);
        double one_m_F2 = -expm1(-2 * creal(Sr));
        double d = creal(one_m_F) * creal(one_m_F) + cimag(one_m_F) * cimag(one_m_F);
        S[k] = nu_hz * one_m_F2 / d;
    }
    return SF_OK;
}

sf_status sf_theory_lif_transfer_method(sf_context *ctx, const sf_theory_pop *p,
                                        sf_theory_colored method, double mu, double sigma,
                                        const double *freq, size_t n_freq, bool synaptic_filter,
                                        sf_theory_workspace *ws, double complex *H)
{
    sf_status st = check_args(ctx, p, method, mu, sigma, freq, n_freq, ws, H);
    if (st != SF_OK)
        return st;
    working_point w;
    transfer_setup(p, method, mu, sigma, &w);
    for (size_t k = 0; k < n_freq; ++k)
        if (transfer_at(p, sigma, &w, 2e-3 * M_PI * I * freq[k], synaptic_filter, ws, &H[k]) != 0)
            return sf_fail(ctx, SF_ERR_NUMERIC,
                           "transfer: integration failed at f = %g Hz (mu = %g mV, "
                           "sigma = %g mV)",
                           freq[k], mu, sigma);
    return SF_OK;
}

sf_status sf_theory_lif_transfer_s(sf_context *ctx, const sf_theory_pop *p, double mu,
                                   double sigma, double complex s, bool synaptic_filter,
                                   sf_theory_workspace *ws, double complex *H)
{
    sf_status st = check_args(ctx, p, SF_THEORY_SHIFT, mu, sigma, NULL, 0, ws, H);
    if (st != SF_OK)
        return st;
    if (!isfinite(creal(s)) || !isfinite(cimag(s)))
        return sf_fail(ctx, SF_ERR_RANGE, "transfer: s = %g%+gi /s is not finite", creal(s),
                       cimag(s));
    working_point w;
    transfer_setup(p, SF_THEORY_SHIFT, mu, sigma, &w);
    if (transfer_at(p, sigma, &w, 1e-3 * s, synaptic_filter, ws, H) != 0)
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "transfer: integration failed at s = %g%+gi /s (mu = %g mV, "
                       "sigma = %g mV)",
                       creal(s), cimag(s), mu, sigma);
    return SF_OK;
}
