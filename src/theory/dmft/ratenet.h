/* The dense rate network of the dmft family's simulation estimates: the
 * couplings of a built network as a dense matrix, the trajectory integrated
 * as the engine integrates a tanh_rate / erf_rate population with
 * linear_summation = 0 (the same exponential Euler step, initial state and
 * noise streams), and the largest Lyapunov exponent by the Benettin method
 * on the tangent dynamics.
 *
 *   x_{k+1} = P1 x_k + P2 J phi(x_k) + sigma N z_k   (k >= 1; step 0 has no
 *   input, as in the engine, whose events of step k arrive in step k + 1),
 *   q_{k+1} = P1 q_k + P2 J (phi'(x_k) . q_k),  |q| renormalised every
 *   `renorm` steps, lambda = sum log |q| growth / time after the transient.
 * phi(x) = G s(beta x), s = tanh or erf. The coupling products of the
 * trajectory and of the tangent vector share one pass over J
 * (sf_dmft_net_product: the engine's fixed-order kernel sf_dense_gemv,
 * src/engine/dense.h; bench/bench_dense.c). Single-threaded and in a fixed
 * order: the result depends on the seed only.
 */
#ifndef SF_THEORY_DMFT_RATENET_H
#define SF_THEORY_DMFT_RATENET_H

#include "model/model_impl.h"
#include "theory/dmft/dmft.h"

typedef struct {
    size_t n;
    float *J;                /* [n * n], row = target; the engine stores
                                weights as float, so this is exact        */
    sf_dmft_phi phi;
    double G, beta;          /* phi(x) = G s(beta x)                      */
    double P1, P2, noise_sd; /* the exponential Euler step of the engine  */
    double h;                /* ms                                        */
    uint64_t seed, first_gid;
    double *x0;              /* [n] initial state (the builder's)         */
    double *work;            /* [7 n]                                     */
} sf_dmft_net;

/* Builds m's network (one thread) and copies population 0's only
 * projection (onto itself) into net->J; the rest from the parameters.
 * The caller has checked m with the family's accepts(). */
sf_status sf_dmft_net_from_model(sf_context *ctx, const sf_model *m, sf_dmft_net *net);
void sf_dmft_net_free(sf_dmft_net *net);

/* ya = J a, yb = J b (J row-major n x n), in one pass over J. */
void sf_dmft_net_product(const float *J, size_t n, const double *a, const double *b, double *ya,
                         double *yb);

/* Runs n_steps steps from net->x0; after n_skip steps, accumulates the
 * logarithmic growth of the tangent vector, renormalised every renorm
 * steps, in n_batch equal batches: lambda (1/ms) and its standard error
 * over the batches. x_end (may be NULL) receives the final state. */
sf_status sf_dmft_net_lyapunov(sf_context *ctx, sf_dmft_net *net, int64_t n_steps,
                               int64_t n_skip, int renorm, int n_batch, double *lambda,
                               double *se, double *x_end);

#endif
