/* Perceptron capacities: Gardner's integral, Cover's counting function and
 * the replica-symmetric capacity of the covariance perceptron.
 *
 * The covariance perceptron (Dahmen, Gilson & Helias, J. Phys. A 53, 354002,
 * 2020): n rows w_i on the unit sphere of R^m, patterns P = 1 + chi with chi
 * symmetric, zero diagonal, off-diagonal entries of variance s^2, labels on
 * the n(n-1)/2 pairs i < j: zeta_ij w_i^T P w_j >= kappa. Our derivation
 * (docs/learning.md): at the replica-symmetric saddle the cross-row overlaps
 * w_i . w_j vanish, the field h = w_i^T chi w_j has variance s^2 and, between
 * two replicas, correlation q^2 (q the overlap of a row with itself in the
 * other replica). In Gardner's limit q -> 1 the entropy of the n rows
 * diverges as n m / (2 (1 - q)) and the energy of the p n(n-1)/2
 * constraints as p n (n-1)/2 I(k) / (2 (1 - q^2)) with 1 - q^2 -> 2 (1 - q);
 * they balance at p/m = 4 / ((n - 1) I(k / s)). That saddle is not
 * self-consistent for k < 0.84 (sf_rs_contacts_per_dof): it puts more
 * constraints at the margin than the weights have degrees of freedom, so
 * replica symmetry is broken there and 4 / ((n - 1) I) overestimates the
 * capacity (docs/learning.md, measured 0.69 of it). Invariant: no state.
 */
#include "learning/capacity.h"

#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

double sf_gardner_integral(double k)
{
    /* H(-k) = Q(-k) = 1 - Q(k); phi(k) = exp(-k^2/2)/sqrt(2 pi) */
    return (1 + k * k) * gsl_sf_erf_Q(-k) + k * gsl_sf_erf_Z(k);
}

double sf_gardner_alpha(double kappa)
{
    return 1.0 / sf_gardner_integral(kappa);
}

double sf_cover_fraction(int p, int N)
{
    if (p <= N)
        return 1.0;
    /* sum_{k<N} binom(p-1, k) 2^{1-p}, terms in log space */
    double lmax = -INFINITY, s = 0;
    for (int k = 0; k < N; k++) {
        double l = gsl_sf_lnchoose((unsigned)(p - 1), (unsigned)k) + (1 - p) * M_LN2;
        if (l > lmax) {
            s = s * exp(lmax - l) + 1.0;
            lmax = l;
        } else
            s += exp(l - lmax);
    }
    return s * exp(lmax);
}

double sf_cover_mean_pstar(int N, int p_max)
{
    double s = 0;
    for (int p = 1; p <= p_max; p++)
        s += sf_cover_fraction(p, N);
    return s;
}

double sf_covariance_alpha(int n, double kappa)
{
    return 4.0 / ((n - 1) * sf_gardner_integral(kappa));
}

double sf_rs_contacts_per_dof(int cov, double kappa)
{
    /* contacts Phi(k) p L against dof: classical L = 1 label per row and m
     * dof; covariance L = n(n-1)/2 labels, n (m - 1) dof, p = 4 m/((n-1) I) */
    double phi = gsl_sf_erf_Q(-kappa), I = sf_gardner_integral(kappa);
    return (cov ? 2.0 : 1.0) * phi / I;
}
