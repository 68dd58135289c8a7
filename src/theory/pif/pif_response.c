/* Dynamic response of the perfect integrator (overshoot-preserving reset,
 * Poisson input; Helias, Deger, Diesmann & Rotter 2010, arXiv:1010.3537) to
 * a sinusoidal modulation of its input rates,
 *     nu_e(t) = nu_e + a_e e^{i omega t},  nu_i(t) = nu_i + a_i e^{i omega t},
 * to first order: r(t) = r + H e^{i omega t}, H = a_e H_e + a_i H_i (Hz).
 * docs/pif.md derives both results; in short:
 *
 * Exact (finite jumps). Excitation alone: V mod L is a translation, the
 * density stays uniform, r(t) = nu_e(t) w_e / L and H_e = w_e / L at every
 * frequency. Lattice case w_e = w_i = w, L = n w: the linearised master
 * equation of the occupations P_k of V_k = theta - k w (k >= 1),
 *   i omega P1_k = nu_e (P1_{k+1} - P1_k) + nu_i (P1_{k-1} - P1_k)
 *                + delta_{kn} nu_e P1_1 + a_e (P0_{k+1} - P0_k + delta_{kn} P0_1)
 *                + a_i (P0_{k-1} - P0_k),      P_0 = 0,
 *   H = nu_e P1_1 + a_e P0_1,
 * solved in the frequency domain as a tridiagonal system (Thomas algorithm)
 * with the re-injection term nu_e P1_1 at k = n eliminated by linearity,
 * truncated at K where the decaying tail root z_- of
 * nu_e z^2 - (nu_e + nu_i + i omega) z + nu_i = 0 and q^(K-n) are below
 * 1e-18 (boundary P1_{K+1} = z_- P1_K, exact for the homogeneous tail).
 *
 * Diffusion approximation. Fokker-Planck with drift mu(t), diffusion D(t),
 * absorbing threshold, re-injection at V_r: in x = theta - V, with
 * a = mu/D, kappa = mu_1 - a D_1 (mu_1 = a_e w_e - a_i w_i,
 * D_1 = (a_e w_e^2 + a_i w_i^2)/2) and the roots s of D s^2 + mu s = i omega,
 * the first-order density is a particular part (kappa/(i omega)) x
 * (the stationary shape) plus e^{s x} modes; four conditions (p1(0) = 0,
 * H = flux at threshold, p1 continuous at V_r, flux jump H at V_r) give a
 * 4 x 4 complex system (sf_linalg_solve).
 *
 * Both have H(0) = mu_1 / L (the rate mu/L is exact in both) and are given
 * there exactly. Invariant: the two functions share only the parameter
 * check; neither reads the other's result.
 */
#include "core/linalg.h"
#include "theory/corr_impl.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

/* The diffusion response at one angular frequency om > 0 (rad/s). */
static sf_status diffusion_at(sf_context *ctx, const sf_theory_pif *p, double a_e, double a_i,
                              double om, double complex *H)
{
    const double L = p->theta - p->V_r;
    const double mu = p->nu_e * p->w_e - p->nu_i * p->w_i;
    const double D = 0.5 * (p->nu_e * p->w_e * p->w_e + p->nu_i * p->w_i * p->w_i);
    const double mu1 = a_e * p->w_e - a_i * p->w_i;
    const double D1 = 0.5 * (a_e * p->w_e * p->w_e + a_i * p->w_i * p->w_i);
    const double a = mu / D, kappa = mu1 - a * D1, C = -expm1(-a * L) / L;
    const double complex iw = I * om, R = csqrt(mu * mu + 4.0 * iw * D);
    const double complex s1 = (R - mu) / (2 * D), s2 = -(R + mu) / (2 * D);
    const double complex A = a * kappa / (iw * L), B = -a * kappa * C / (iw);
    const double complex e1 = cexp(-s1 * L), e2 = cexp(s2 * L);
    const double complex f1 = iw / s1, f2 = iw / s2; /* flux of a mode: mu + D s = i omega / s */
    const double jr = (mu1 - kappa) / L;             /* G_A(0) = a D_1 / L                    */
    /* unknowns (c1, c2, c3, H): p1 = A e^{-ax} + c1 e^{s1 (x - L)} + c2 e^{s2 x} on
     * [0, L], B e^{-a(x-L)} + c3 e^{s2 (x - L)} beyond */
    double complex M[16] = {
        e1,       1,       0,   0,  /* p1(0) = 0                         */
        -f1 * e1, -f2,     0,   1,  /* H = J1(0)                         */
        1,        e2,      -1,  0,  /* p1 continuous at x = L            */
        f1,       f2 * e2, -f2, -1, /* J1(L-) - J1(L+) = H               */
    };
    double complex b[4] = {-A, jr, B - A * exp(-a * L), -jr};
    int piv[4];
    sf_status st = sf_linalg_solve(ctx, 4, M, b, 1, piv);
    if (st != SF_OK)
        return st;
    *H = b[3];
    return SF_OK;
}

/* The exact lattice response at om > 0 (rad/s); L = n w. Scratch [3 K]. */
static sf_status lattice_at(sf_context *ctx, const sf_theory_pif *p, long n, double a_e,
                            double a_i, double om, double complex *H)
{
    const double ne = p->nu_e, ni = p->nu_i, q = ni / ne;
    const double complex diag = -(ne + ni + I * om);
    /* decaying root of ne z^2 + diag z + ni = 0 */
    const double complex sq = csqrt(diag * diag - 4.0 * ne * ni);
    double complex z1 = (-diag + sq) / (2 * ne), z2 = (-diag - sq) / (2 * ne);
    const double complex zm = cabs(z1) < cabs(z2) ? z1 : z2;
    const double decay = fmax(cabs(zm), q);
    long K = n + 16;
    if (decay > 0)
        K += (long)ceil(log(1e-18) / log(decay));
    if (K > 4000000)
        return sf_fail(ctx, SF_ERR_RANGE,
                       "PIF exact response: the lattice tail decays too slowly (q = %g) for a "
                       "truncation below 4e6 states",
                       q);
    double complex *c = malloc(sizeof(double complex) * 3 * (size_t)K);
    if (!c)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for %ld lattice states", K);
    double complex *u = c + K, *v = u + K;
    /* stationary occupations P0_k, k = 0 .. K + 1 (P0_0 = 0) */
#define P0(k) ((k) < 1 ? 0.0 : (k) <= n ? (1 - pow(q, (double)(k))) / (double)n \
                                        : (1 - pow(q, (double)n)) * pow(q, (double)((k) - n)) / (double)n)
    /* rows k = 1 .. K (index k-1): ni x_{k-1} + diag x_k + ne x_{k+1} = rhs_k;
     * u: rhs = -source, v: rhs = -ne e_n (the re-injection per unit P1_1) */
    double complex cp = 0, du = 0, dv = 0;
    for (long k = 1; k <= K; k++) {
        double src = a_e * (P0(k + 1) - P0(k) + (k == n ? P0(1) : 0.0)) + a_i * (P0(k - 1) - P0(k));
        double complex bk = diag + (k == K ? ne * zm : 0), ak = k > 1 ? ni : 0;
        double complex den = bk - ak * cp;
        cp = (k < K ? ne : 0) / den;
        du = (-src - ak * du) / den;
        dv = ((k == n ? -ne : 0) - ak * dv) / den;
        c[k - 1] = cp;
        u[k - 1] = du;
        v[k - 1] = dv;
    }
#undef P0
    for (long k = K - 1; k >= 1; k--) { /* back substitution */
        u[k - 1] -= c[k - 1] * u[k];
        v[k - 1] -= c[k - 1] * v[k];
    }
    const double complex x = u[0] / (1.0 - v[0]); /* P1_1 = u_1 + P1_1 v_1 */
    free(c);
    *H = ne * x + a_e * (1 - q) / (double)n;
    return SF_OK;
}

sf_status sf_theory_pif_response(sf_context *ctx, const sf_theory_pif *p, double a_e, double a_i,
                                 const double *freq, size_t n_freq, double complex *exact,
                                 double complex *diffusion)
{
    sf_status st = sf_theory_pif_check(ctx, p);
    if (st != SF_OK)
        return st;
    if (n_freq && !freq)
        return sf_fail(ctx, SF_ERR_ARG, "PIF response: frequencies are NULL");
    if (!isfinite(a_e) || !isfinite(a_i))
        return sf_fail(ctx, SF_ERR_ARG, "PIF response: modulation weights must be finite");
    const double L = p->theta - p->V_r;
    const double mu = p->nu_e * p->w_e - p->nu_i * p->w_i;
    if (!(mu > 0))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "PIF response: drift nu_e w_e - nu_i w_i = %g mV/s <= 0, no stationary "
                       "state",
                       mu);
    const double H0 = (a_e * p->w_e - a_i * p->w_i) / L; /* d(mu/L) */
    long n = 0;                                           /* 0: excitation alone */
    if (exact && p->nu_i > 0) {
        double x = L / p->w_e, r = nearbyint(x);
        if (fabs(p->w_i - p->w_e) > 1e-12 * p->w_e || r < 1 || fabs(x - r) > 1e-9 * x)
            return sf_fail(ctx, SF_ERR_ARG,
                           "PIF exact response: known for excitation alone or on the lattice "
                           "w_e = w_i dividing L (w_e = %g, w_i = %g, L = %g mV)",
                           p->w_e, p->w_i, L);
        n = (long)r;
    }
    for (size_t k = 0; k < n_freq; k++) {
        const double f = freq[k];
        if (!(f >= 0) || !isfinite(f))
            return sf_fail(ctx, SF_ERR_RANGE, "PIF response: frequency %g Hz must be finite and "
                                              ">= 0", f);
        const double om = 2 * M_PI * f;
        if (exact) {
            if (f == 0 || p->nu_i == 0)
                exact[k] = f == 0 ? H0 : a_e * p->w_e / L; /* uniform density: all-pass */
            else if ((st = lattice_at(ctx, p, n, a_e, a_i, om, &exact[k])) != SF_OK)
                return st;
        }
        if (diffusion) {
            if (f == 0)
                diffusion[k] = H0;
            else if ((st = diffusion_at(ctx, p, a_e, a_i, om, &diffusion[k])) != SF_OK)
                return st;
        }
    }
    return SF_OK;
}
