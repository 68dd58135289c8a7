/* Perfect integrate-and-fire neuron driven by Poisson input: exact stationary
 * density (excitation only; lattice E+I), the diffusion approximation, the
 * rate and the instantaneous response to a voltage kick (Helias, Deger,
 * Diesmann & Rotter 2010, arXiv:1010.3537; spiking.md section 1).
 *
 * The reset keeps the overshoot (V -> V - L), so V mod L moves by pure
 * translation: with excitation only the stationary density is uniform on
 * [V_r, theta), and in the lattice case w_e = w_i = w, L = n w it is the
 * birth-death chain on V_k = theta - k w with occupation
 * P_k = (1 - q^k)/n (k <= n), (1 - q^n) q^(k-n)/n (k > n), q = nu_i/nu_e.
 * Invariant: every density here integrates to 1 over (-inf, theta).
 */
#include "theory/corr_impl.h"

#include <math.h>

sf_status sf_theory_pif_check(sf_context *ctx, const sf_theory_pif *p)
{
    if (!p)
        return sf_fail(ctx, SF_ERR_ARG, "PIF parameters are NULL");
    if (!isfinite(p->theta) || !isfinite(p->V_r) || !(p->V_r < p->theta))
        return sf_fail(ctx, SF_ERR_ARG, "PIF: need finite V_r < theta (V_r = %g, theta = %g mV)",
                       p->V_r, p->theta);
    if (!(p->nu_e > 0) || !isfinite(p->nu_e) || !(p->w_e > 0) || !isfinite(p->w_e))
        return sf_fail(ctx, SF_ERR_ARG, "PIF: need nu_e > 0 and w_e > 0 (nu_e = %g Hz, "
                       "w_e = %g mV)", p->nu_e, p->w_e);
    if (!(p->nu_i >= 0) || !isfinite(p->nu_i) || !(p->w_i >= 0) || !isfinite(p->w_i))
        return sf_fail(ctx, SF_ERR_ARG, "PIF: need nu_i >= 0 and w_i >= 0 (nu_i = %g Hz, "
                       "w_i = %g mV)", p->nu_i, p->w_i);
    return SF_OK;
}

/* Drift (mV/s) and diffusion constant (mV^2/s); SF_ERR_RANGE if mu <= 0. */
static sf_status drift(sf_context *ctx, const sf_theory_pif *p, double *mu, double *D)
{
    sf_status st = sf_theory_pif_check(ctx, p);
    if (st != SF_OK)
        return st;
    *mu = p->nu_e * p->w_e - p->nu_i * p->w_i;
    *D = 0.5 * (p->nu_e * p->w_e * p->w_e + p->nu_i * p->w_i * p->w_i);
    if (!(*mu > 0))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "PIF: drift nu_e w_e - nu_i w_i = %g mV/s <= 0, no stationary state "
                       "(the potential drifts to -inf)",
                       *mu);
    return SF_OK;
}

sf_status sf_theory_pif_rate(sf_context *ctx, const sf_theory_pif *p, double *rate)
{
    double mu, D;
    sf_status st = drift(ctx, p, &mu, &D);
    if (st != SF_OK)
        return st;
    if (!rate)
        return sf_fail(ctx, SF_ERR_ARG, "output rate is NULL");
    *rate = mu / (p->theta - p->V_r);
    return SF_OK;
}

/* Kind of exact solution: 0 excitation only, n >= 1 lattice with L = n w. */
static sf_status lattice_n(sf_context *ctx, const sf_theory_pif *p, long *n_out)
{
    double L = p->theta - p->V_r;
    if (p->nu_i == 0 || p->w_i == 0) {
        *n_out = 0;
        return SF_OK;
    }
    double w = p->w_e;
    if (fabs(p->w_i - w) > 1e-12 * w)
        return sf_fail(ctx, SF_ERR_ARG,
                       "PIF: no closed-form exact density for w_e = %g != w_i = %g mV "
                       "(only excitation only or the lattice case w_e = w_i)",
                       p->w_e, p->w_i);
    double x = L / w;
    double n = nearbyint(x);
    if (n < 1 || fabs(x - n) > 1e-9 * x)
        return sf_fail(ctx, SF_ERR_ARG,
                       "PIF: lattice case needs L = theta - V_r a whole multiple of w "
                       "(L/w = %.12g)",
                       x);
    *n_out = (long)n;
    return SF_OK;
}

static double lattice_P(long k, long n, double q)
{
    if (k < 1)
        return 0;
    if (k <= n)
        return (1 - pow(q, (double)k)) / (double)n;
    return (1 - pow(q, (double)n)) * pow(q, (double)(k - n)) / (double)n;
}

sf_status sf_theory_pif_lattice(sf_context *ctx, const sf_theory_pif *p, size_t k_max, double *P)
{
    double mu, D;
    sf_status st = drift(ctx, p, &mu, &D);
    if (st != SF_OK)
        return st;
    if (k_max && !P)
        return sf_fail(ctx, SF_ERR_ARG, "output P is NULL");
    long n;
    if (p->nu_i == 0 || p->w_i == 0) {
        /* excitation only: a lattice only if L is a whole multiple of w_e */
        double x = (p->theta - p->V_r) / p->w_e, r = nearbyint(x);
        if (r < 1 || fabs(x - r) > 1e-9 * x)
            return sf_fail(ctx, SF_ERR_ARG,
                           "PIF: lattice probabilities need L = theta - V_r a whole "
                           "multiple of w_e (L/w_e = %.12g)",
                           x);
        n = (long)r;
    } else if ((st = lattice_n(ctx, p, &n)) != SF_OK) {
        return st;
    }
    double q = p->nu_i / p->nu_e;
    for (size_t k = 1; k <= k_max; ++k)
        P[k - 1] = lattice_P((long)k, n, q);
    return SF_OK;
}

/* Exact density at V (per mV). */
static double exact_at(const sf_theory_pif *p, long n, double V)
{
    double L = p->theta - p->V_r;
    if (V >= p->theta)
        return 0;
    if (n == 0)
        return V >= p->V_r ? 1 / L : 0;
    double w = p->w_e, q = p->nu_i / p->nu_e;
    long k = (long)floor((p->theta - V) / w) + 1;
    return lattice_P(k, n, q) / w;
}

sf_status sf_theory_pif_density_exact(sf_context *ctx, const sf_theory_pif *p, const double *V,
                                      size_t n_V, double *dens)
{
    double mu, D;
    sf_status st = drift(ctx, p, &mu, &D);
    if (st != SF_OK)
        return st;
    if (n_V && (!V || !dens))
        return sf_fail(ctx, SF_ERR_ARG, "V and dens must not be NULL");
    long n;
    if ((st = lattice_n(ctx, p, &n)) != SF_OK)
        return st;
    for (size_t i = 0; i < n_V; ++i)
        dens[i] = exact_at(p, n, V[i]);
    return SF_OK;
}

sf_status sf_theory_pif_density_diffusion(sf_context *ctx, const sf_theory_pif *p, const double *V,
                                          size_t n_V, double *dens)
{
    double mu, D;
    sf_status st = drift(ctx, p, &mu, &D);
    if (st != SF_OK)
        return st;
    if (n_V && (!V || !dens))
        return sf_fail(ctx, SF_ERR_ARG, "V and dens must not be NULL");
    double L = p->theta - p->V_r, c = 1 / L;   /* r / mu = 1/L */
    for (size_t i = 0; i < n_V; ++i) {
        double v = V[i];
        if (v >= p->theta)
            dens[i] = 0;
        else if (v >= p->V_r)
            dens[i] = -c * expm1(-mu * (p->theta - v) / D);
        else
            dens[i] = -c * expm1(-mu * L / D) * exp(mu * (v - p->V_r) / D);
    }
    return SF_OK;
}

sf_status sf_theory_pif_kick_response(sf_context *ctx, const sf_theory_pif *p, double s,
                                      double *exact,
                                      double *diffusion)
{
    double mu, D;
    sf_status st = drift(ctx, p, &mu, &D);
    if (st != SF_OK)
        return st;
    if (!isfinite(s))
        return sf_fail(ctx, SF_ERR_ARG, "kick s = %g mV is not finite", s);
    double L = p->theta - p->V_r;
    if (exact) {
        long n;
        if ((st = lattice_n(ctx, p, &n)) != SF_OK)
            return st;
        double F = 0;
        if (s > 0) {
            if (n == 0) {
                F = fmin(s, L) / L;
            } else {
                /* whole steps of width w below theta, then the partial one */
                double w = p->w_e, q = p->nu_i / p->nu_e;
                long full = (long)floor(s / w);
                double cum = 0;
                for (long k = 1; k <= full; ++k)
                    cum += lattice_P(k, n, q);
                F = cum + (s - (double)full * w) / w * lattice_P(full + 1, n, q);
            }
        }
        *exact = F;
    }
    if (diffusion) {
        double F = 0;
        if (s > 0) {
            double a = D / mu;
            double sL = fmin(s, L);
            /* int_{theta-sL}^{theta} (1/L)(1 - e^{-(theta-V)/a}) dV */
            F = (sL + a * expm1(-sL / a)) / L;
            if (s > L)   /* tail below V_r */
                F += -expm1(-L / a) / L * a * (-expm1(-(s - L) / a));
        }
        *diffusion = F;
    }
    return SF_OK;
}
