/* Capacities of perceptrons (capacity.c): Gardner's, Cover's counting
 * theorem, the replica-symmetric capacity of the covariance perceptron. */
#ifndef SF_LEARNING_CAPACITY_H
#define SF_LEARNING_CAPACITY_H

/* I(k) = int_{-k}^inf Dt (t + k)^2 = (1 + k^2) H(-k) + k phi(k). */
double sf_gardner_integral(double kappa);
/* Gardner (1988): alpha_c(k) = 1 / I(k), margin k in units of the field's
 * standard deviation; alpha_c(0) = 2. */
double sf_gardner_alpha(double kappa);
/* Cover (1965): fraction of the 2^p dichotomies of p points in general
 * position in N dimensions that a plane through the origin separates,
 * C(p, N) / 2^p = 2^{1-p} sum_{k<N} binom(p-1, k). */
double sf_cover_fraction(int p, int N);
/* E[min(p*, p_max)] for p* the largest p whose first p random points are
 * separable: sum_{p=1}^{p_max} C(p, N) / 2^p. */
double sf_cover_mean_pstar(int N, int p_max);
/* Replica-symmetric capacity of the covariance perceptron with n outputs
 * (docs/learning.md): alpha_c = 4 / ((n - 1) I(k)), k in units of the
 * standard deviation of the off-diagonal field w_i^T chi w_j. */
double sf_covariance_alpha(int n, double kappa);
/* Contacts per degree of freedom that a replica-symmetric saddle implies at
 * its capacity (docs/learning.md): the fraction Phi(k) of the constraints
 * sits at the margin, so c = Phi(k) alpha_c N_labels / N_dof. A maximal-
 * margin solution has generically at most N_dof + 1 active constraints, so
 * c > 1 means the replica-symmetric saddle cannot describe the optimum
 * (replica symmetry is broken there). Classical perceptron
 * (cov = 0): Phi(k) / I(k), 1 at k = 0 and > 1 for k < 0 (the known
 * breaking); covariance perceptron (cov = 1, any n, m -> infinity):
 * 2 Phi(k) / I(k), 2 at k = 0, 1 at k = 0.8399. */
double sf_rs_contacts_per_dof(int cov, double kappa);

#endif
