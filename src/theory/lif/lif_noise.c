/* The response of the LIF rate to a modulation of the noise intensity,
 * D(t) = D + eps e^{i omega t}, D = sigma^2/2 (white noise): Lindner &
 * Schimansky-Geier 2001 (PRL 86:2934), written in the e^{+i omega t}
 * convention and the notation of lif_transfer.c:
 *   H_D = nu (1/2 + z)(3/2 + z) / (D (2 + i Omega)) *
 *         [Psi(z+2, x_t) - Psi(z+2, x_r)] / [Psi(z, x_t) - e^{-i omega t_ref} Psi(z, x_r)],
 *   z = -1/2 + i Omega, Omega = omega tau_m,
 * (the mean channel has (1/2 + z) Psi(z+1) in the numerator and
 * sqrt(2)/sigma nu/(1 + i Omega) in front). With W(y) = e^{y^2/4} U(z, y),
 * y = -x and p = W'/W, the recurrences DLMF 12.8.2 and the Weber equation
 * U'' = (y^2/4 + z) U give U(z+2)/U(z) = (z + 1/2 + y p) / ((z + 1/2)(z + 3/2)),
 * so with rho = W(y_t)/W(y_r) and A = i Omega + y p:
 *   H_D = nu / (D (2 + i Omega)) (rho A_t - A_r) / (rho - e^{-i omega t_ref}).
 * Limits (unit test): H_D(0) = d nu / d D = (d nu / d sigma)/sigma (Siegert),
 * H_D(inf) = nu / D (at high frequency the density cannot follow, and the
 * flux -D(t) dP/dV at threshold follows D(t)). Invariant: the same p, rho as
 * the mean channel (sf__pcf_track), so both channels share one evaluation
 * scheme.
 */
#include "theory/lif/lif_noise.h"
#include "theory/theory_impl.h"

#include <math.h>

sf_status sf_theory_lif_transfer_noise(sf_context *ctx, const sf_theory_pop *p, double mu,
                                       double sigma, const double *freq, size_t n_freq,
                                       sf_theory_workspace *ws, double complex *H)
{
    sf_status st = sf_theory_pop_check(ctx, p);
    if (st != SF_OK)
        return st;
    if (!ws || (n_freq && (!freq || !H)))
        return sf_fail(ctx, SF_ERR_ARG, "noise transfer: workspace or arrays are NULL");
    if (p->tau_s > 0)
        return sf_fail(ctx, SF_ERR_ARG, "noise transfer: white noise only (tau_s = %g ms)",
                       p->tau_s);
    if (!isfinite(mu) || !(sigma > 0) || !isfinite(sigma))
        return sf_fail(ctx, SF_ERR_RANGE, "noise transfer: needs finite mu and sigma > 0");
    sf__rate r;
    sf__lif_rate(p, SF_THEORY_SHIFT, mu, sigma, &r);
    const double nu = 1e3 * r.nu, D = 0.5 * sigma * sigma;
    const double y_t = M_SQRT2 * (mu - (p->V_th - p->E_L)) / sigma;
    const double y_r = M_SQRT2 * (mu - (p->V_reset - p->E_L)) / sigma;
    for (size_t k = 0; k < n_freq; k++) {
        double f = freq[k];
        if (!(f >= 0) || !isfinite(f))
            return sf_fail(ctx, SF_ERR_RANGE, "noise transfer: frequency %g Hz must be >= 0", f);
        if (f == 0 || nu == 0) {
            H[k] = 1e3 * r.dsigma / sigma; /* d nu/d D, D = sigma^2/2 */
            continue;
        }
        double omega = 2e-3 * M_PI * f, Om = omega * p->tau_m;
        double complex pr, pt, S;
        if (sf__pcf_track(ws, I * Om, y_r, y_t, &pr, &pt, &S) != 0)
            return sf_fail(ctx, SF_ERR_NUMERIC, "noise transfer: integration failed at f = %g Hz",
                           f);
        double complex At = I * Om + y_t * pt, Ar = I * Om + y_r * pr;
        double complex ref = -I * omega * p->t_ref, num, den;
        if (creal(S) >= 0) { /* divide by rho */
            num = At - cexp(-S) * Ar;
            den = -sf__cexpm1(-(S - ref));
        } else {
            num = cexp(S) * At - Ar;
            den = sf__cexpm1(S) - sf__cexpm1(ref);
        }
        H[k] = nu / (D * (2.0 + I * Om)) * num / den;
    }
    return SF_OK;
}
