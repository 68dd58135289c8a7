/* Feed-forward ReLU networks with a softmax read-out (mlp.c): the network
 * descriptor (widths and parameters) and its trainer (minibatch gradient
 * of the cross-entropy, Adam or SGD) with an explicit workspace. */
#ifndef SF_LEARNING_MLP_H
#define SF_LEARNING_MLP_H

#include "spikefield/core.h"

#define SF_MLP_MAX_LAYERS 16

/* width[0] inputs, width[1..L-1] hidden ReLU layers, width[L] classes.
 * Layer l (0 <= l < L) maps width[l] -> width[l+1] with W[l] (row-major
 * width[l+1] x width[l]) and b[l]. */
typedef struct {
    int n_layers;                    /* L: weight layers                   */
    int width[SF_MLP_MAX_LAYERS + 1];
    float *W[SF_MLP_MAX_LAYERS], *b[SF_MLP_MAX_LAYERS];
    float *params;                   /* one block holding every W and b    */
    size_t n_params;
} sf_mlp;

/* Allocates the network; weights He-initialised (normal, variance
 * 2 / fan-in, biases 0) from the stream (seed, SF_RNG_LEARN, entity).
 * NULL when out of memory. */
sf_mlp *sf_mlp_create(int n_layers, const int *width, uint64_t seed, uint64_t entity);
void sf_mlp_destroy(sf_mlp *net);

typedef enum { SF_OPT_ADAM = 0, SF_OPT_SGD = 1 } sf_mlp_optimizer;

typedef struct sf_mlp_trainer sf_mlp_trainer;
/* Workspace for minibatches of up to `batch` samples: activations, deltas,
 * gradients, optimiser moments; sf_mlp_epoch runs on `threads` threads,
 * with the same result bit for bit for every number (mlp.c). NULL when out
 * of memory. */
sf_mlp_trainer *sf_mlp_trainer_create(const sf_mlp *net, int batch, sf_mlp_optimizer opt, double lr,
                                      int threads);
void sf_mlp_trainer_destroy(sf_mlp_trainer *t);

/* The activations of the n <= batch samples X (n x width[0]): after the
 * call, sf_mlp_activation(t, l) is the n x width[l] output of layer l
 * (l = 0 the input, 1..L-1 hidden after ReLU, L the logits). */
void sf_mlp_forward(sf_mlp_trainer *t, const sf_mlp *net, const float *X, int n);
const float *sf_mlp_activation(const sf_mlp_trainer *t, int l);
/* After sf_mlp_forward on n samples: the pre-activation of layer l
 * (1 <= l <= L) into Z (n x width[l]), A_{l-1} W_{l-1}^T + b_{l-1}, the
 * same values the forward pass computed before its ReLU. */
void sf_mlp_preactivation(const sf_mlp_trainer *t, const sf_mlp *net, int l, int n, float *Z);
/* One step on the n <= batch samples X with labels y, on the calling
 * thread: forward, cross-entropy gradient, optimiser update. Returns the
 * mean loss before the step. Allocates nothing. */
double sf_mlp_step(sf_mlp_trainer *t, sf_mlp *net, const float *X, const int *y, int n);
/* One epoch over n samples in minibatches, in the order of perm (a
 * permutation of 0..n-1; NULL: 0..n-1); X and y indexed by sample; on the
 * trainer's threads. Stops early (returning after the current minibatch)
 * when *stop. Returns the mean loss. Allocates nothing. */
double sf_mlp_epoch(sf_mlp_trainer *t, sf_mlp *net, const float *X, const int *y, int n,
                    const int *perm, const volatile int *stop);
/* Fraction of the n samples classified right (argmax of the logits). */
double sf_mlp_accuracy(sf_mlp_trainer *t, const sf_mlp *net, const float *X, const int *y, int n);

#endif
