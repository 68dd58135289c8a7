/* The posterior sampler of the `langevin` task (langevin.c): a two-layer
 * network f(x) = N^-1/2 sum_i a_i phi(w_i . x), phi(z) = z + eps z^3,
 * with the Gaussian priors a_i ~ N(0, var_a), w_ik ~ N(0, var_w) and the
 * Gaussian likelihood of variance T (the temperature), and the network's
 * infinite-width kernel. Exposed for the unit tests. */
#ifndef SF_LEARNING_LANGEVIN_H
#define SF_LEARNING_LANGEVIN_H

#include "learning/learning_impl.h"
#include "spikefield/core.h"

#include <stdint.h>

/* E[phi(u) phi(v)] for centred Gaussian u, v with variances su2, sv2 and
 * covariance c: c (1 + 3 eps (su2 + sv2) + 9 eps^2 su2 sv2) + 6 eps^2 c^3. */
double sf_lgv_phi_kernel(double su2, double sv2, double c, double eps);

/* The kernel renormalisation of the deep linear network (eps = 0) of
 * width N: the minimiser u of
 * S(u) = N (u - log u) / 2 + sum_i [log(u k_i + T) + yt_i^2 / (u k_i + T)] / 2
 * over u > 0, for the eigenvalues k (P) of the kernel K0 on the training
 * points and yt = V^T y, the targets in its eigenbasis (docs/learning.md). */
double sf_lgv_renorm_u(int P, int N, double T, const double *k, const double *yt);

/* The same u for the data average (eps = 0): the saddle point with the
 * self-consistent averages of tr(G K0) and y^T G K0 G y
 * (docs/learning.md); NaN if no root. */
double sf_lgv_renorm_u_avg(const sf_learning_spec *s, int N, int P, gsl_integration_workspace *w);

typedef struct sf_lgv sf_lgv;

/* Workspace for up to Pmax training points of dimension D, width N; NULL
 * when out of memory. */
sf_lgv *sf_lgv_create(int Pmax, int D, int N);
void sf_lgv_destroy(sf_lgv *g);
/* The posterior: the first P rows of X (row-major, P x D) and y (not
 * copied; they must outlive the sampler's use), eps, T, the prior
 * variances and the step h. */
void sf_lgv_setup(sf_lgv *g, int P, const double *X, const double *y, double eps, double T,
                  double var_a, double var_w, double h);
/* Weights and read-out drawn from the priors (stream r). */
void sf_lgv_init(sf_lgv *g, sf_rng *r);
/* Gibbs step: the read-out a drawn exactly from p(a | W, data) by
 * Matheron's rule (r). -1 when the Gram matrix is not positive definite. */
int sf_lgv_sample_readout(sf_lgv *g, sf_rng *r);
/* One Metropolis-adjusted step of W given a, for the target
 * p(W | a, data) ~ exp(-U), U = L + |W|^2 / (2 var_w),
 * L = sum (f - y)^2 / (2T). The proposal is the exponential-Euler step of
 * the Langevin equation dW = -grad_W U dt + sqrt(2) dB (the prior's linear
 * part integrated exactly over h, grad L held fixed):
 *     W' = d W - var_w (1 - d) grad L(W) + sqrt(var_w (1 - d^2)) xi,  d = exp(-h / var_w),
 * accepted with probability min(1, p(W') q(W | W') / (p(W) q(W' | W)))
 * (the uniform from ru), so p(W | a, data) is the chain's stationary law
 * at any h. The normals xi are numbers idx0 .. idx0 + N D - 1 of the
 * stream (seed, SF_RNG_LEARN, entity). 1 when accepted, 0 when rejected,
 * -1 when the current residual is not finite. */
int sf_lgv_step_weights(sf_lgv *g, uint64_t seed, uint64_t entity, uint64_t idx0, sf_rng *ru);
/* f at the n rows of Xt (n x D); work holds n N doubles. */
void sf_lgv_predict(const sf_lgv *g, int n, const double *Xt, double *f, double *work);
/* The current parameters: W (N x D, row-major) and a (N). */
double *sf_lgv_weights(sf_lgv *g);
double *sf_lgv_readout(sf_lgv *g);

#endif
