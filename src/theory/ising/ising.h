/* The pairwise maximum-entropy (Ising) model of binary units and its mean
 * field theories (Helias & Dahmen 2020, the TAP chapter; Kuehn & Helias 2018,
 * J Phys A 51:375004; science notes theory.md section 1b):
 *   P(s) ~ exp( sum_i h_i s_i + 1/2 sum_{i != j} J_ij s_i s_j ),  s_i = +-1,
 * J symmetric with zero diagonal. m_i = <s_i>, C_ij = <s_i s_j> - m_i m_j.
 *
 * Forward problem (means from J, h):
 *   exact      enumeration of the 2^n states (n <= 20; Gray code);
 *   sampling   Metropolis or Glauber (heat-bath) single-spin updates in
 *              sequential sweeps, Philox stream (seed, SF_RNG_NEURON, sub
 *              0x1517); standard errors by batch means;
 *   nMF        m_i = tanh(h_i + sum_j J_ij m_j);
 *   TAP        m_i = tanh(h_i + sum_j J_ij m_j - m_i sum_j J_ij^2 (1 - m_j^2))
 *              (the Onsager term; second order of the Plefka expansion), by
 *              damped fixed-point iteration.
 * Inverse problem (J, h from m, C):
 *   nMF        J_ij = -(C^-1)_ij,  h_i = atanh m_i - sum_j J_ij m_j;
 *   TAP        J_ij = [-1 + sqrt(1 - 8 m_i m_j (C^-1)_ij)] / (4 m_i m_j)
 *              (-> nMF as m_i m_j -> 0), h_i = atanh m_i - sum_j J_ij m_j
 *              + m_i sum_j J_ij^2 (1 - m_j^2).
 * Errors of nMF are of second order in J, of TAP of third order.
 *
 * Invariant: matrices are n x n row-major; every function reads its inputs
 * only and writes its outputs only.
 */
#ifndef SF_THEORY_ISING_H
#define SF_THEORY_ISING_H

#include "spikefield/core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;
    const double *J; /* [n * n], symmetric, zero diagonal */
    const double *h; /* [n]                               */
} sf_ising;

#define SF_ISING_EXACT_MAX 20

/* Exact m [n] and connected C [n * n] (may be NULL). SF_ERR_ARG for n = 0,
 * n > SF_ISING_EXACT_MAX, or a J that is not symmetric with zero diagonal. */
sf_status sf_ising_exact(sf_context *ctx, const sf_ising *is, double *m, double *C);

/* Single-spin update rules of the sampler: Metropolis flips spin i with
 * probability min(1, exp(-2 s_i f_i)); Glauber (heat bath) sets s_i = +1
 * with probability 1 / (1 + exp(-2 f_i)), f_i = h_i + sum_j J_ij s_j. */
typedef enum { SF_ISING_METROPOLIS = 0, SF_ISING_GLAUBER = 1 } sf_ising_rule;

#define SF_ISING_BATCHES 20

/* Estimate after `burn` sweeps, over `sweeps` sweeps in SF_ISING_BATCHES
 * batches: m, its SE m_se [n] (may be NULL), C and its SE C_se [n * n]
 * (each may be NULL; C_se needs C). The SEs are those of the batch means
 * (of the per-batch connected correlations for C_se). stop: polled once
 * per sweep (NULL: never); when it becomes non-zero the sampling ends with
 * the batches complete so far (at least 2, else SF_ERR_INTERRUPTED), and
 * *done (may be NULL) holds the sweeps used. */
sf_status sf_ising_sample(sf_context *ctx, const sf_ising *is, sf_ising_rule rule, uint64_t seed,
                          uint64_t burn, uint64_t sweeps, const volatile int *stop, double *m,
                          double *m_se, double *C, double *C_se, uint64_t *done);

/* nMF (tap false) or TAP means by damped iteration m <- (1 - a) m + a
 * tanh(...), a = 0.5, from m = 0, until max |change| < tol (at most max_iter
 * sweeps; SF_ERR_NUMERIC if not converged). */
sf_status sf_ising_forward(sf_context *ctx, const sf_ising *is, bool tap, double tol, int max_iter,
                           double *m);

/* The connected correlations C [n * n] the nMF (tap false) or TAP theory
 * gives at the means m by linear response, C = (dm/dh) = A^-1 with
 *   nMF  A_ij = delta_ij / (1 - m_i^2) - J_ij,
 *   TAP  A_ij = -J_ij - 2 J_ij^2 m_i m_j (i != j),
 *        A_ii = 1 / (1 - m_i^2) + sum_k J_ik^2 (1 - m_k^2)
 * (the Hessian of the Gibbs free energy, Kappen & Rodriguez 1998, Neural
 * Comput 10:1137; Tanaka 1998, PRE 58:2302; the inverse problem below solves
 * the same relation for J). SF_ERR_NUMERIC if A is not positive definite. */
sf_status sf_ising_response(sf_context *ctx, size_t n, const double *J, const double *m, bool tap,
                            double *C);

/* nMF or TAP couplings J [n * n] (zero diagonal) and fields h [n] from m
 * and a positive definite C. SF_ERR_NUMERIC if C is not positive definite,
 * SF_ERR_RANGE if some |m_i| >= 1 or the TAP root is complex. */
sf_status sf_ising_inverse(sf_context *ctx, size_t n, const double *m, const double *C, bool tap,
                           double *J, double *h);

/* The model file's `ising:` section (parsed by src/model/parse.c, run by
 * src/theory/ising/model.c; docs/dmft.md "Ising models"): the couplings
 * and fields, resolved (drawn ones drawn at parse time), and the sampler.
 * Drawn couplings: J_ij = J_ji ~ N(mean, std^2) for i < j, value j of row
 * i from Philox block i of the streams (seed, SF_RNG_PARAM,
 * SF_ISING_RNG_J << 32 | j); drawn fields h_i ~ N(mean, std^2) from block 0
 * of (seed, SF_RNG_PARAM, SF_ISING_RNG_H << 32 | i). */
#define SF_ISING_MODEL_MAX 2000
#define SF_ISING_RNG_J 0x15150001u
#define SF_ISING_RNG_H 0x15150002u

typedef enum {
    SF_ISING_SAMPLER_EXACT = 0,      /* enumeration, n <= SF_ISING_EXACT_MAX */
    SF_ISING_SAMPLER_METROPOLIS = 1,
    SF_ISING_SAMPLER_GLAUBER = 2
} sf_ising_sampler;

typedef struct sf_ising_spec {
    size_t n;
    double *J, *h;               /* [n * n] symmetric, zero diagonal; [n] */
    sf_ising_sampler sampler;
    uint64_t sweeps, burn;       /* sampling: sweeps measured, discarded  */
    char how[160];               /* how J and h were given (for notes)    */
} sf_ising_spec;

void sf_ising_spec_free(sf_ising_spec *s);

#endif
