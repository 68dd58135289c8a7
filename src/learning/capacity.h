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

/* Beyond replica symmetry (docs/learning.md, "Beyond replica symmetry"; our
 * derivation). cov = 0: the classical spherical perceptron (n ignored);
 * cov = 1: the covariance perceptron with n outputs, field overlap q^2.
 *
 * One-step RSB in the capacity limit q1 -> 1 with x = y (1 - q1): the
 * divergent parts of the free energy, times (1 - q1), are the entropy
 * S(q0, y) = [ln(1 + y(1-q0))/y + q0/(1 + y(1-q0))]/2 per row and the
 * energy E(q0, y) = (1/y) int Dz0 ln int Dz1 exp(-(c/2)[k - a z0 - b z1]_+^2)
 * per constraint (classical: a = sqrt(q0), b = sqrt(1-q0), c = y;
 * covariance: a = q0, b = sqrt(1-q0^2), c = y/2). The volume vanishes at
 * alpha(q0, y) = -S/E (classical) or -2S/((n-1)E) (covariance); y -> 0 is
 * the replica-symmetric limit. */
double sf_rsb1_entropy(double q0, double y);
double sf_rsb1_energy(int cov, double kappa, double q0, double y);
double sf_rsb1_alpha(int cov, int n, double kappa, double q0, double y);

typedef struct {
    double alpha;    /* 1RSB capacity: min over q0 in [0, 0.995], y in {0} u [1e-4, 1e4] */
    double q0, y;    /* where (y = 0: replica-symmetric) */
    double alpha_rs; /* the replica-symmetric capacity, for comparison */
    int rs;          /* 1 when the minimum is the replica-symmetric limit */
    int converged;   /* 0 when the minimum lies on the edge of the search box */
} sf_rsb1;
/* Returns 0, or -1 when not converged (out->converged = 0). */
int sf_capacity_1rsb(int cov, int n, double kappa, sf_rsb1 *out);

/* Replica-symmetric field moments at field overlap Q: with
 * g(h) = ln H((k - h)/sqrt(1 - Q)) and h = sqrt(Q) t, gamma = E g'(h)^2 and
 * lambda = E g''(h)^2. */
void sf_rs_field_moments(double kappa, double Q, double *gamma, double *lambda);
/* The replica-symmetric branch parametrised by q in (0, 1): returns the load
 * alpha at which q solves the saddle point, and in *replicon the stability
 * ratio rho (RS is stable where rho < 1): classical alpha (1-q)^2 lambda(q),
 * covariance (symmetric replicon mode) 2 alpha (n-1) q^2 lambda(q^2) (1-q). */
double sf_rs_branch(int cov, int n, double kappa, double q, double *replicon);
/* The de Almeida-Thouless load: the smallest alpha on the RS branch where
 * rho = 1, its q in *q_at; NaN (and q_at = 1) when RS is stable up to the
 * capacity (q up to 1 - 1e-6). */
double sf_rs_alpha_at(int cov, int n, double kappa, double *q_at);

#endif
