/* The pairwise maximum-entropy (Ising) model of binary units and its mean
 * field theories (Helias & Dahmen 2020, the TAP chapter; Kuehn & Helias 2018,
 * J Phys A 51:375004; science notes theory.md section 1b):
 *   P(s) ~ exp( sum_i h_i s_i + 1/2 sum_{i != j} J_ij s_i s_j ),  s_i = +-1,
 * J symmetric with zero diagonal. m_i = <s_i>, C_ij = <s_i s_j> - m_i m_j.
 *
 * Forward problem (means from J, h):
 *   exact      enumeration of the 2^n states (n <= 20; Gray code);
 *   sampling   Metropolis single-spin flips, sequential sweeps, Philox
 *              stream (seed, SF_RNG_NEURON, sub 0x1517); SE by batch means;
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

/* Metropolis estimate after `burn` sweeps, over `sweeps` sweeps in 20
 * batches: m, its SE m_se [n] (may be NULL) and C (may be NULL). */
sf_status sf_ising_sample(sf_context *ctx, const sf_ising *is, uint64_t seed, uint64_t burn,
                          uint64_t sweeps, double *m, double *m_se, double *C);

/* nMF (tap false) or TAP means by damped iteration m <- (1 - a) m + a
 * tanh(...), a = 0.5, from m = 0, until max |change| < tol (at most max_iter
 * sweeps; SF_ERR_NUMERIC if not converged). */
sf_status sf_ising_forward(sf_context *ctx, const sf_ising *is, bool tap, double tol, int max_iter,
                           double *m);

/* nMF or TAP couplings J [n * n] (zero diagonal) and fields h [n] from m
 * and a positive definite C. SF_ERR_NUMERIC if C is not positive definite,
 * SF_ERR_RANGE if some |m_i| >= 1 or the TAP root is complex. */
sf_status sf_ising_inverse(sf_context *ctx, size_t n, const double *m, const double *C, bool tap,
                           double *J, double *h);

#endif
